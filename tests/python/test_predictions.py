"""The predictive marts on the generated shop: the models are chosen on backtest folds, useful
and calibrated; P(alive) and the next order date mean something for every buyer."""

from __future__ import annotations

import math

import pytest
from conftest import query

pytestmark = pytest.mark.e2e


def mean_auc(db, task: str, model_role: str | None = None, model: str | None = None) -> float:
    sql = "select mean_roc_auc from marts.model_selection where task = ?"
    params = [task]
    if model_role:
        sql += " and model_role = ?"
        params.append(model_role)
    if model:
        sql += " and model = ?"
        params.append(model)
    rows = query(db, sql, params)
    assert len(rows) == 1, (task, model_role, model, rows)
    return rows[0][0]


@pytest.mark.parametrize("task", ["purchase", "churn"])
def test_chosen_model_beats_recency_and_is_never_below_bgnbd_on_the_folds(built_warehouse, task):
    chosen = mean_auc(built_warehouse, task, model_role="chosen")
    recency = mean_auc(built_warehouse, task, model="recency_baseline")
    bgnbd = mean_auc(built_warehouse, task, model="bgnbd")
    # purchase: a clear margin on the mean over the folds and on the latest fold; churn: at least
    # recency's mean
    assert chosen >= recency + (0.015 if task == "purchase" else 0.0), (chosen, recency)
    if task == "purchase":
        latest = dict(
            query(
                built_warehouse,
                "select model_role || ':' || model, latest_roc_auc from marts.model_selection where task = ?",
                [task],
            )
        )
        chosen_latest = next(v for k, v in latest.items() if k.startswith("chosen:"))
        assert chosen_latest >= latest["baseline:recency_baseline"] + 0.03, latest
    assert chosen >= bgnbd - 1e-12, (chosen, bgnbd)
    # and the choice is the best mean among the eligible models
    best = query(
        built_warehouse,
        "select max(mean_roc_auc) from marts.model_selection where task = ? and model <> 'recency_baseline'"
        " and mean_roc_auc >= ?",
        [task, bgnbd],
    )[0][0]
    assert chosen == pytest.approx(best, abs=1e-12)


@pytest.mark.parametrize("task", ["purchase", "churn"])
def test_model_evaluation_has_a_row_per_fold_and_model(built_warehouse, task):
    rows = query(
        built_warehouse,
        "select model, count(distinct holdout_snapshot), count(distinct fold_number),"
        " sum(case when is_latest_fold then 1 else 0 end), min(horizon_days), max(horizon_days)"
        " from marts.model_evaluation where task = ? and metric = 'roc_auc' group by model",
        [task],
    )
    assert {r[0] for r in rows} == {"logistic_regression", "gradient_boosting", "bgnbd", "recency_baseline"}
    folds = {r[1] for r in rows}
    assert folds == {3}, rows  # classifier_backtest_folds
    assert all(r[2] == 3 and r[3] == 1 for r in rows), rows
    horizon = {"purchase": 30, "churn": 90}[task]  # the project defaults
    assert all(r[4] == r[5] == horizon for r in rows), rows
    # every fold trained on snapshots whose labels had matured by the fold's holdout snapshot
    late = query(
        built_warehouse,
        "select count(*) from marts.model_evaluation where task = ? and training_snapshots < 1",
        [task],
    )[0][0]
    assert late == 0


@pytest.mark.parametrize("task", ["purchase", "churn"])
def test_chosen_model_is_calibrated_on_the_latest_fold(built_warehouse, task):
    rows = query(
        built_warehouse,
        "select decile, customers, mean_predicted, observed_rate from marts.model_calibration"
        " where task = ? order by decile",
        [task],
    )
    assert len(rows) == 10
    total = sum(n for _, n, _, _ in rows)
    weighted_gap = sum(n * abs(p - o) for _, n, p, o in rows) / total
    assert weighted_gap < 0.05, f"expected calibration error {weighted_gap:.3f}"
    for decile, n, predicted, observed in rows:
        # binomial noise of the observed rate in a decile of n customers, plus a small bias allowance
        noise = 3 * math.sqrt(max(predicted * (1 - predicted), 0.01) / n)
        assert abs(predicted - observed) < noise + 0.03, (decile, predicted, observed, n)
    # the deciles rank: the top decile buys (or churns) far more often than the bottom one
    assert rows[0][3] > rows[-1][3] + 0.2


def test_predictions_cover_every_scored_customer(built_warehouse):
    for task in ("purchase", "churn"):
        bad = query(
            built_warehouse,
            f"select count(*) from marts.{task}_predictions where {task}_probability is null"
            f" or {task}_probability < 0 or {task}_probability > 1 or {task}_decile not between 1 and 10",
        )[0][0]
        assert bad == 0, task
    profiles_with_prediction = query(
        built_warehouse,
        "select count(*) from marts.customer_profiles where purchase_probability is not null",
    )[0][0]
    assert (
        profiles_with_prediction
        == query(built_warehouse, "select count(*) from marts.purchase_predictions")[0][0]
    )


def test_probability_alive_of_one_time_buyers_falls_with_days_since_their_purchase(built_warehouse):
    rows = query(
        built_warehouse,
        'select summary."T", avg(clv.probability_alive),'
        " min(clv.probability_alive), max(clv.probability_alive)"
        " from marts.clv_predictions as clv"
        " inner join intermediate.int_clv_summary as summary using (customer_key)"
        " where summary.frequency = 0 group by 1 order by 1",
    )
    assert len(rows) > 50, "too few distinct ages among one-time buyers"
    # a one-time buyer's P(alive) depends only on the days since the purchase, and falls with them
    assert all(low == pytest.approx(high, abs=1e-12) for _, _, low, high in rows)
    alive = [mean for _, mean, _, _ in rows]
    assert all(later < earlier for earlier, later in zip(alive, alive[1:], strict=False)), alive[:10]
    assert alive[0] > 0.7 and alive[-1] < alive[0] - 0.2
    model = query(built_warehouse, "select model from marts.clv_model_params where is_alive_model")
    assert {m for (m,) in model} == {"mbgnbd"}, model


def test_expected_next_order_date_never_before_as_of_date(built_warehouse):
    as_of = query(built_warehouse, "select as_of_date from intermediate.int_as_of_date")[0][0]
    for table in ("clv_predictions", "customer_profiles"):
        dates = query(
            built_warehouse,
            "select min(expected_next_order_date), count(expected_next_order_date), count(*)"
            f" from marts.{table}",
        )[0]
        assert dates[1] > 100, (table, dates)
        assert dates[0] > as_of, (table, dates, as_of)
    # null exactly when the median wait lies beyond the CLV horizon
    beyond = query(
        built_warehouse,
        "select count(*) from marts.clv_predictions where expected_next_order_date"
        " > (select as_of_date + 365 from intermediate.int_as_of_date)",
    )[0][0]
    assert beyond == 0


def test_report_model_section_shows_every_fold_labelled_with_the_build_horizon(built_warehouse, tmp_path):
    from lifecycle.report import write_report
    from lifecycle.settings import project_vars

    # settings that disagree with the build: the section must label from the model tables
    settings = {**project_vars(), "purchase_horizon_days": 999, "churn_horizon_days": 998}
    html = write_report(
        built_warehouse, tmp_path / "report.html", settings=settings, gx_results=[]
    ).read_text()
    section = html[html.index('<section id="models"') :]
    section = section[: section.index("</section>")]
    assert "Will the buyer order within 30 days?" in section
    assert "Will the buyer not order within 90 days (churn)?" in section
    assert "999" not in section and "998" not in section
    folds = query(built_warehouse, "select distinct holdout_snapshot from marts.model_evaluation order by 1")
    assert len(folds) >= 3
    for (holdout,) in folds:
        assert str(holdout) in section, holdout
    assert "AUC over folds (mean ± sd)" in section
