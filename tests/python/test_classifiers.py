"""Purchase/churn classifiers: rolling-origin protocol, the choice never below BG/NBD, reuse of
fitted models by training fingerprint, BG/NBD per snapshot fitted once, metrics."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from lifecycle.modelling import classifiers
from lifecycle.modelling.classifiers import (
    FITS,
    SNAPSHOT_COLUMNS,
    backtest,
    choose_model,
    fingerprint,
    fit_or_reuse,
    fit_snapshot_params,
    fit_tasks_concurrently,
    fits_frame,
    fold_plan,
    score,
    task_data,
    training_filter,
)
from lifecycle.modelling.evaluation import (
    calibration_rows,
    deciles,
    evaluation_rows,
    fold_metrics,
    lift_top_decile,
    metrics,
)

MONTH_ENDS = pd.date_range("2025-07-31", periods=12, freq="ME")


def synthetic_snapshots(n: int = 1200, seed: int = 5, signal: str = "engagement") -> pd.DataFrame:
    """Buyers at month-end snapshots (the last one scored, unlabelled) with a latent propensity;
    the label depends on recency and frequency and (optionally) on engagement, which BG/NBD
    cannot see, so a classifier has something to add."""
    rng = np.random.default_rng(seed)
    propensity = rng.normal(0, 1, n)
    frames = []
    for s, date in enumerate(MONTH_ENDS):
        t_days = rng.integers(30, 700, n)
        frequency = rng.poisson(1.5, n)
        recency_days = np.where(frequency > 0, (rng.random(n) * t_days).astype(int), 0)
        days_since = t_days - recency_days
        engagement = np.clip(propensity + rng.normal(0, 0.5, n), -3, 3)
        logit = -1.0 - days_since / 150 + 0.6 * np.log1p(frequency)
        if signal == "engagement":
            logit = logit + 1.2 * engagement
        label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
        frame = pd.DataFrame(
            {
                "customer_key": [f"{i:08x}{'0' * 24}" for i in range(n)],
                "snapshot_date": date,
                "days_since_last_order": days_since,
                "orders_90d": (days_since < 90).astype(int),
                "orders_prior_90d": 0,
                "average_order_value": 50.0,
                "discount_share": 0.0,
                "events_30d": np.round(np.exp(engagement)),
                "product_views_30d": 0,
                "cart_adds_30d": 0,
                "frequency": frequency,
                "recency_days": recency_days,
                "t_days": t_days,
            }
        )
        last = s == len(MONTH_ENDS) - 1
        frame["purchased_within_horizon"] = np.nan if last else label
        frame["churned_within_horizon"] = np.nan if last else 1 - label
        frame["is_scoring_snapshot"] = last
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def params_of(snapshots: pd.DataFrame) -> pd.DataFrame:
    grouped = (
        snapshots.groupby(["snapshot_date", "frequency", "recency_days", "t_days"], as_index=False)
        .size()
        .rename(columns={"size": "customers"})
    )
    return fit_snapshot_params(grouped)


def labelled(snapshots: pd.DataFrame, task: str = "purchase") -> pd.DataFrame:
    label = classifiers.TASKS[task]
    return snapshots.loc[snapshots[label].notna(), [*SNAPSHOT_COLUMNS, label]]


@pytest.fixture(scope="module")
def engaged():
    snapshots = synthetic_snapshots()
    params = params_of(snapshots)
    data = task_data(labelled(snapshots), params, "purchase", 30)
    return snapshots, params, data, backtest(data, "purchase", 30, 3, 42)


def mean_auc(backtests: pd.DataFrame) -> pd.Series:
    return fold_metrics(backtests).groupby("model")["roc_auc"].mean()


def test_fold_plan_trains_only_on_snapshots_matured_by_the_holdout():
    dates = np.array(MONTH_ENDS[:-1], dtype="datetime64[D]")
    plan = fold_plan(dates, 90, 3)
    assert [h for h, _ in plan] == list(dates[-3:])  # the latest three labelled snapshots
    for holdout, train in plan:
        assert train, holdout
        assert all(d + np.timedelta64(90, "D") <= holdout for d in train), (holdout, train)
        # and every snapshot matured by then is used
        assert len(train) == sum(d + np.timedelta64(90, "D") <= holdout for d in dates)
    # a 30-day horizon: the previous month end has matured by the next one only when that month
    # has 30 or 31 days after it
    short = fold_plan(np.array(["2026-01-31", "2026-02-28", "2026-03-31"], dtype="datetime64[D]"), 30, 3)
    assert [(str(h), [str(d) for d in t]) for h, t in short] == [("2026-03-31", ["2026-01-31", "2026-02-28"])]


def test_classifier_chosen_when_it_beats_bgnbd_and_recency_on_the_folds(engaged):
    _, _, _, backtests = engaged
    assert backtests["holdout_snapshot"].nunique() == 3
    auc = mean_auc(backtests)
    chosen, because = choose_model(backtests, "purchase")
    assert chosen in ("logistic_regression", "gradient_boosting"), (auc, because)
    assert auc[chosen] == auc.max()
    assert auc[chosen] > auc["recency_baseline"] + 0.05
    assert "mean ROC AUC over 3 fold(s)" in because


def test_never_below_bgnbd_on_the_folds_when_bgnbd_knows_best():
    # the label follows recency and frequency only, which the BG/NBD outputs summarize
    snapshots = synthetic_snapshots(signal="none", seed=9)
    data = task_data(labelled(snapshots), params_of(snapshots), "purchase", 30)
    backtests = backtest(data, "purchase", 30, 3, 42)
    auc = mean_auc(backtests)
    chosen, _ = choose_model(backtests, "purchase")
    assert auc[chosen] >= auc["bgnbd"]
    assert chosen != "recency_baseline"


def test_choice_excludes_models_below_bgnbd_even_with_a_better_log_loss():
    rows = []
    for holdout in ["2026-01-31", "2026-02-28"]:
        y = np.array([1, 0, 1, 0, 0, 1])
        for model, p in (
            ("bgnbd", [0.9, 0.1, 0.8, 0.2, 0.3, 0.7]),  # ranks perfectly
            ("logistic_regression", [0.6, 0.5, 0.6, 0.4, 0.6, 0.5]),  # worse ranking
        ):
            rows.append(
                pd.DataFrame(
                    {
                        "task": "purchase",
                        "holdout_snapshot": pd.Timestamp(holdout),
                        "model": model,
                        "customer_key": list("abcdef"),
                        "probability": p,
                        "label": y,
                    }
                )
            )
    chosen, _ = choose_model(pd.concat(rows), "purchase")
    assert chosen == "bgnbd"


def test_a_second_build_on_the_same_training_data_reuses_and_changed_data_retrains(engaged):
    snapshots, params, data, backtests = engaged
    before = FITS.fits
    first = fit_or_reuse(data, "purchase", 30, 3, 42, backtests, None)
    assert first["model"] != "bgnbd" and FITS.fits == before + 1
    previous = fits_frame([first])
    # same training data: the stored row comes back, nothing is fitted
    again = fit_or_reuse(data, "purchase", 30, 3, 42, backtests, previous)
    assert FITS.fits == before + 1
    assert again == {c: previous[c].iloc[0] for c in previous.columns}
    # one label changed: another fingerprint, a new fit and a new model_version
    changed = labelled(snapshots).copy()
    changed.iloc[0, changed.columns.get_loc("purchased_within_horizon")] = (
        1 - changed.iloc[0]["purchased_within_horizon"]
    )
    changed_data = task_data(changed, params, "purchase", 30)
    retrained = fit_or_reuse(changed_data, "purchase", 30, 3, 42, backtests, previous)
    assert FITS.fits == before + 2
    assert retrained["model_version"] != first["model_version"]
    # a new matured snapshot retrains too
    fewer = labelled(snapshots)
    fewer = fewer[fewer["snapshot_date"] < MONTH_ENDS[-2]]
    assert (
        fingerprint(task_data(fewer, params, "purchase", 30), "purchase", 30, 3, 42)
        != first["training_fingerprint"]
    )
    # and so do other settings
    assert fingerprint(data, "purchase", 60, 3, 42) != first["training_fingerprint"]


def test_a_stored_fit_scores_like_the_fitted_model(engaged):
    snapshots, params, data, backtests = engaged
    row = fit_or_reuse(data, "purchase", 30, 3, 42, backtests, None)
    stored = fits_frame([row]).to_dict("records")[0]
    scoring = task_data(snapshots[snapshots["is_scoring_snapshot"]], params, "purchase", 30, label=False)
    model = classifiers.fit_model(row["model"], data, "purchase", 42)
    np.testing.assert_allclose(score(scoring, stored), classifiers.predict(row["model"], model, scoring))
    assert len(scoring) == 1200 and set(deciles(score(scoring, stored), scoring.keys)) == set(range(1, 11))


def test_without_a_fold_the_churn_score_is_bgnbds_probability_of_no_purchase():
    snapshots = synthetic_snapshots(n=400)
    snapshots = snapshots[snapshots["snapshot_date"] >= MONTH_ENDS[-2]]  # one labelled snapshot
    params = params_of(snapshots)
    data = task_data(labelled(snapshots, "churn"), params, "churn", 90)
    backtests = backtest(data, "churn", 90, 3, 42)
    assert backtests.empty
    row = fit_or_reuse(data, "churn", 90, 3, 42, backtests, None)
    assert row["model"] == "bgnbd" and row["payload"] is None
    scoring = task_data(snapshots[snapshots["is_scoring_snapshot"]], params, "churn", 90, label=False)
    np.testing.assert_allclose(score(scoring, row), scoring.bgnbd_probability)
    assert (scoring.bgnbd_probability > 0.5).mean() > 0.5  # mostly no purchase within 90 days


def test_backtests_are_deterministic(engaged):
    _, _, data, backtests = engaged
    pd.testing.assert_frame_equal(backtest(data, "purchase", 30, 3, 42), backtests)


def test_features_do_not_depend_on_row_order(engaged):
    snapshots, params, data, _ = engaged
    shuffled = labelled(snapshots).sample(frac=1, random_state=3)
    again = task_data(shuffled, params, "purchase", 30)
    np.testing.assert_array_equal(again.X, data.X)
    np.testing.assert_array_equal(again.keys, data.keys)


def test_snapshot_bgnbd_fits_are_reused_when_the_snapshot_is_unchanged(monkeypatch):
    snapshots = synthetic_snapshots(n=300)
    grouped = (
        snapshots.groupby(["snapshot_date", "frequency", "recency_days", "t_days"], as_index=False)
        .size()
        .rename(columns={"size": "customers"})
    )
    calls = []
    real = classifiers.fit_bgnbd_grouped
    monkeypatch.setattr(classifiers, "fit_bgnbd_grouped", lambda g: calls.append(1) or real(g))
    first = fit_snapshot_params(grouped)
    assert len(calls) == 12 and first["converged"].all()
    # the next build: the same month ends, the scoring snapshot changed
    changed = grouped.copy()
    last = changed["snapshot_date"] == changed["snapshot_date"].max()
    changed.loc[last, "customers"] += 1
    second = fit_snapshot_params(changed, first)
    assert len(calls) == 13  # one refit
    pd.testing.assert_frame_equal(second.iloc[:-1], first.iloc[:-1])


def test_training_filter_samples_whole_buyers_to_about_the_cap():
    assert training_filter("purchase", 1000) == "purchased_within_horizon is not null"
    condition = training_filter("churn", 4 * classifiers.MAX_TRAINING_ROWS)
    assert condition == "churned_within_horizon is not null and substr(customer_key, 1, 8) < '40000000'"


def test_evaluation_rows_per_fold_model_and_metric_with_the_chosen_role(engaged):
    _, _, data, backtests = engaged
    fits = fits_frame([fit_or_reuse(data, "purchase", 30, 3, 42, backtests, None)])
    rows = evaluation_rows(backtests.assign(training_fingerprint="x"), fits)
    assert rows.groupby(["model", "metric"]).size().eq(3).all()
    assert set(rows.loc[rows["model_role"] == "chosen", "model"]) == {fits["model"].iloc[0]}
    assert rows["is_latest_fold"].sum() == len(rows) / 3
    assert set(rows["fold_number"]) == {1, 2, 3} and set(rows["horizon_days"]) == {30}
    ratio = rows[(rows["metric"] == "calibration_ratio") & (rows["model"] == "bgnbd")]["value"]
    assert ratio.between(0.3, 3).all()
    calibration = calibration_rows(backtests, fits)
    assert list(calibration["decile"]) == list(range(1, 11))
    assert calibration["holdout_snapshot"].nunique() == 1
    assert calibration["holdout_snapshot"].iloc[0] == backtests["holdout_snapshot"].max()


def test_fold_metrics_calibration_ratio_by_hand():
    backtests = pd.DataFrame(
        {
            "task": "purchase",
            "holdout_snapshot": pd.Timestamp("2026-01-31"),
            "model": "m",
            "customer_key": list("abcd"),
            "probability": [0.5, 0.3, 0.1, 0.1],
            "label": [1, 0, 0, 0],
        }
    )
    row = fold_metrics(backtests).iloc[0]
    assert row["mean_predicted"] == pytest.approx(0.25)
    assert row["positive_rate"] == pytest.approx(0.25)
    assert row["calibration_ratio"] == pytest.approx(1.0)
    assert row["roc_auc"] == pytest.approx(1.0)


def test_metric_helpers():
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    assert lift_top_decile(y, p) == pytest.approx(1 / 0.2)
    assert list(deciles(np.arange(10.0), np.array(list("abcdefghij")))) == list(range(10, 0, -1))
    # ties broken by key
    assert list(deciles(np.array([0.5, 0.5]), np.array(["b", "a"]))) == [6, 1]
    m = metrics(y, p)
    assert m["roc_auc"] == pytest.approx(0.9375) and 0 < m["brier"] < 0.25


# --- the two tasks fit in threads ----------------------------------------------------------------


def test_the_tasks_fit_at_once_and_give_what_one_after_the_other_gives(engaged):
    snapshots, params, purchase, _ = engaged
    churn = task_data(labelled(snapshots, "churn"), params, "churn", 90)
    jobs = {
        "purchase": lambda: backtest(purchase, "purchase", 30, 3, 42),
        "churn": lambda: backtest(churn, "churn", 90, 3, 42),
    }
    one_after_the_other = {task: job() for task, job in jobs.items()}
    before = FITS.fits
    at_once = fit_tasks_concurrently(jobs)
    assert list(at_once) == ["purchase", "churn"]
    for task in jobs:
        pd.testing.assert_frame_equal(at_once[task], one_after_the_other[task])
    # every fit counted once although two threads count at the same time
    assert FITS.fits - before == 2 * 3 * 3  # tasks x folds x fitted models (BG/NBD needs no fit)


def test_the_tasks_run_in_threads_of_their_own():
    both_started = threading.Barrier(2, timeout=10)  # one after the other, the first would wait in vain
    jobs = {task: (lambda task=task: (both_started.wait(), task)[1]) for task in ("purchase", "churn")}
    assert fit_tasks_concurrently(jobs) == {"purchase": "purchase", "churn": "churn"}


def test_an_error_in_a_task_reaches_the_model():
    def broken():
        raise ValueError("no rows")

    with pytest.raises(ValueError, match="no rows"):
        fit_tasks_concurrently({"purchase": lambda: 1, "churn": broken})


def test_fits_that_end_in_any_order_leave_the_process_settings_as_they_were():
    """fit_model sets the warnings filter and the BLAS threads on entry and restores on exit, both
    process-wide. Two fits that end in the order they began: the first restores the settings from
    before either began while the second still fits, and the second's exit then restores the first
    fit's ("ignore every warning", one BLAS thread) for good, unless the caller holds them."""
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore")
            first_in.set()
            assert second_in.wait(10)
        first_out.set()

    def second():
        assert first_in.wait(10)
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore")
            second_in.set()
            assert first_out.wait(10)

    with threadpool_limits(limits=2):
        filters, threads = list(warnings.filters), blas_threads()
        fit_tasks_concurrently({"purchase": first, "churn": second})
        assert warnings.filters == filters
        assert blas_threads() == threads


def blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
