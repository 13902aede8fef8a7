"""Purchase/churn classifiers: out-of-time protocol, baselines, calibration, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lifecycle.modelling.classifiers import FEATURES, train_and_score
from lifecycle.modelling.evaluation import calibration_table, deciles, lift_top_decile, metrics


def synthetic_snapshots(n: int = 1500, snapshots: int = 4, seed: int = 5, signal: str = "engagement"):
    """Customers with a latent propensity; the label depends on recency and (optionally) on an
    engagement feature that BG/NBD cannot see, so a classifier has something to add."""
    rng = np.random.default_rng(seed)
    propensity = rng.normal(0, 1, n)
    rows = []
    for s in range(snapshots):
        recency = rng.exponential(60, n)
        engagement = np.clip(propensity + rng.normal(0, 0.5, n), -3, 3)
        logit = -1.5 - recency / 60 + (1.5 * engagement if signal == "engagement" else 0)
        label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
        frame = pd.DataFrame({f: 0.0 for f in FEATURES}, index=range(n))
        frame["days_since_last_order"] = recency
        frame["events_30d"] = engagement
        frame["frequency"] = rng.poisson(2, n)
        frame["recency_days"] = 10.0
        frame["t_days"] = 100.0
        frame["bgnbd_expected_purchases"] = np.exp(-recency / 60) * 0.5
        frame["bgnbd_probability_no_purchase"] = np.exp(-frame["bgnbd_expected_purchases"])
        frame["customer_key"] = [f"k{i:05d}" for i in range(n)]
        frame["snapshot_date"] = pd.Timestamp("2026-01-31") + pd.DateOffset(months=s)
        frame["is_scoring_snapshot"] = s == snapshots - 1
        frame["purchased_within_horizon"] = np.where(s == snapshots - 1, np.nan, label)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def holdout_metrics(result, model: str) -> dict:
    h = result.scores[(result.scores["role"] == "holdout") & (result.scores["model"] == model)]
    return metrics(h["label"].to_numpy(), h["probability"].to_numpy())


def test_classifier_beats_recency_and_is_calibrated():
    result = train_and_score(synthetic_snapshots(), "purchased_within_horizon", "purchase")
    assert result.chosen_model in ("logistic_regression", "gradient_boosting")
    chosen = holdout_metrics(result, result.chosen_model)
    assert chosen["roc_auc"] > holdout_metrics(result, "recency_baseline")["roc_auc"] + 0.05
    assert chosen["roc_auc"] >= holdout_metrics(result, "bgnbd")["roc_auc"]
    h = result.scores[(result.scores["role"] == "holdout") & (result.scores["model"] == result.chosen_model)]
    table = calibration_table(
        h["label"].to_numpy(), h["probability"].to_numpy(), h["customer_key"].to_numpy()
    )
    assert (table["mean_predicted"] - table["observed_rate"]).abs().max() < 0.08


def test_never_worse_than_bgnbd_when_bgnbd_knows_best():
    # the label depends only on recency, which the BG/NBD feature captures exactly
    data = synthetic_snapshots(signal="none")
    data["days_since_last_order"] = np.random.default_rng(0).permutation(
        data["days_since_last_order"].to_numpy()
    )
    data["events_30d"] = 0.0
    result = train_and_score(data, "purchased_within_horizon", "purchase")
    chosen = holdout_metrics(result, result.chosen_model)
    assert chosen["roc_auc"] >= holdout_metrics(result, "bgnbd")["roc_auc"] - 1e-9


def test_holdout_is_the_latest_labelled_snapshot_and_scoring_is_the_as_of_one():
    data = synthetic_snapshots(n=500)
    result = train_and_score(data, "purchased_within_horizon", "purchase")
    labelled = sorted(data.loc[data["purchased_within_horizon"].notna(), "snapshot_date"].unique())
    holdout = result.scores[result.scores["role"] == "holdout"]
    assert set(holdout["snapshot_date"]) == {labelled[-1]}
    score = result.scores[result.scores["role"] == "score"]
    assert set(score["snapshot_date"]) == {data["snapshot_date"].max()}
    assert score["customer_key"].is_unique and len(score) == 500
    assert set(score["decile"]) == set(range(1, 11))


def test_churn_bgnbd_score_is_probability_of_no_purchase():
    data = synthetic_snapshots(n=400, snapshots=2)
    data["churned_within_horizon"] = 1 - data["purchased_within_horizon"]
    data.loc[data["is_scoring_snapshot"], "churned_within_horizon"] = np.nan
    # one labelled snapshot only: no holdout, the uncalibrated BG/NBD score is shipped
    data = data[(data["snapshot_date"] == data["snapshot_date"].max())]
    result = train_and_score(data, "churned_within_horizon", "churn")
    score = result.scores[result.scores["role"] == "score"]
    expected = data["bgnbd_probability_no_purchase"].to_numpy()
    np.testing.assert_allclose(score["probability"].to_numpy(), expected)


def test_deterministic_with_a_version_that_changes_with_the_data():
    data = synthetic_snapshots(n=800)
    a = train_and_score(data, "purchased_within_horizon", "purchase")
    b = train_and_score(data, "purchased_within_horizon", "purchase")
    pd.testing.assert_frame_equal(a.scores, b.scores)
    assert a.model_version == b.model_version
    c = train_and_score(data.iloc[10:], "purchased_within_horizon", "purchase")
    assert c.model_version != a.model_version


def test_metric_helpers():
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    assert lift_top_decile(y, p) == pytest.approx(1 / 0.2)
    assert list(deciles(np.arange(10.0), np.array(list("abcdefghij")))) == list(range(10, 0, -1))
    m = metrics(y, p)
    assert m["roc_auc"] == pytest.approx(0.9375) and 0 < m["brier"] < 0.25
