"""The predictive marts on the generated shop: the purchase model is useful and calibrated."""

from __future__ import annotations

import math

import pytest
from conftest import query

pytestmark = pytest.mark.e2e


def holdout_auc(db, task: str, model_role: str | None = None, model: str | None = None) -> float:
    sql = "select value from marts.model_evaluation where task = ? and metric = 'roc_auc'"
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


def test_purchase_model_beats_recency_by_a_clear_margin(built_warehouse):
    chosen = holdout_auc(built_warehouse, "purchase", model_role="chosen")
    recency = holdout_auc(built_warehouse, "purchase", model="recency_baseline")
    bgnbd = holdout_auc(built_warehouse, "purchase", model="bgnbd")
    assert chosen >= recency + 0.03, (chosen, recency)
    assert chosen >= bgnbd - 1e-12, (chosen, bgnbd)


@pytest.mark.parametrize("task", ["purchase", "churn"])
def test_chosen_model_is_calibrated_on_the_holdout(built_warehouse, task):
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
