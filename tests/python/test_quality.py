"""Great Expectations suites: each kind of check passes on good data and fails on bad data.

Frames are built by hand (a few rows, only the columns a suite reads) and validated in an
ephemeral GX context, so these run without dbt. Each test breaks one thing in a good frame and
asserts the failure names the table, the rule and the column.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from lifecycle.quality.checks import rate_band
from lifecycle.quality.suites import SUITES, Facts, expectations_for, suite_for
from lifecycle.quality.validate import SuiteRunner, columns_needed, validate_frame

AS_OF = dt.date(2026, 9, 30)
AS_OF_AT = dt.datetime(2026, 10, 1)
FACTS = Facts(
    as_of_date=AS_OF,
    as_of_at=AS_OF_AT,
    profiles=4,
    buyers=4,
    clv_fitted=True,
    observed_rates={"purchase": (0.25, 1000), "churn": (0.75, 1000)},
    audience_rows={"vip_loyal": 2},
)
HASH_A = "a" * 64
HASH_B = "0123456789abcdef" * 4


@pytest.fixture(scope="module")
def runner() -> SuiteRunner:
    return SuiteRunner()  # ephemeral: nothing written


def failures(runner: SuiteRunner, relation: str, frame: pd.DataFrame, facts: Facts = FACTS) -> list[str]:
    result = validate_frame(relation, frame, facts, runner)
    assert result.evaluated > 0
    return [f.format() for f in result.failures]


def only_failure(found: list[str], *words: str) -> None:
    assert len(found) == 1, found
    for word in words:
        assert word in found[0], (word, found[0])


def purchase_predictions(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_key": ["k1", "k2", "k3", "k4"],
            "purchase_probability": [0.1, 0.2, 0.3, 0.4],  # mean 0.25 = the observed rate
            "purchase_decile": [4, 3, 2, 1],
            "purchase_model": ["logistic_regression"] * 4,
            "model_version": ["v1"] * 4,
            "scored_as_of": pd.to_datetime([AS_OF] * 4),
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def test_good_predictions_pass(runner):
    assert failures(runner, "marts.purchase_predictions", purchase_predictions()) == []


def test_duplicate_or_null_key_fails(runner):
    found = failures(
        runner, "marts.purchase_predictions", purchase_predictions(customer_key=["k1", "k1", "k3", "k4"])
    )
    only_failure(
        found, "marts.purchase_predictions", "values_to_be_unique(customer_key", "2 of 4", "[k1, k1]"
    )
    found = failures(
        runner, "marts.purchase_predictions", purchase_predictions(customer_key=["k1", None, "k3", "k4"])
    )
    only_failure(found, "values_to_not_be_null(customer_key")


def test_probability_outside_0_1_fails(runner):
    found = failures(
        runner, "marts.purchase_predictions", purchase_predictions(purchase_probability=[0.1, 0.2, 0.2, 1.5])
    )
    assert any("values_to_be_between(purchase_probability, min_value=0, max_value=1)" in f for f in found), (
        found
    )
    assert any("1.5" in f for f in found)


def test_mean_probability_far_from_the_observed_rate_fails(runner):
    # every value a valid probability, but a model that scores everybody 0.9 against an observed
    # 25% (inverted or uncalibrated) is broken
    found = failures(
        runner, "marts.purchase_predictions", purchase_predictions(purchase_probability=[0.9] * 4)
    )
    only_failure(found, "column_mean_to_be_between(purchase_probability", "observed 0.9", "holdout")
    found = failures(
        runner, "marts.purchase_predictions", purchase_predictions(purchase_probability=[0.01] * 4)
    )
    only_failure(found, "column_mean_to_be_between(purchase_probability", "observed 0.01")


def test_rate_band_holds_the_observed_rate_and_narrows_with_more_customers():
    low, high = rate_band(0.25, 1000, 2.0)
    assert low < 0.25 < high
    # odds 1/3 halved and doubled: 1/7 = 0.143 and 2/5 = 0.4, widened by 3 SE (0.041)
    assert low == pytest.approx(1 / 7 - 3 * (0.25 * 0.75 / 1000) ** 0.5)
    assert high == pytest.approx(0.4 + 3 * (0.25 * 0.75 / 1000) ** 0.5)
    small = rate_band(0.25, 20, 2.0)
    assert small[0] < low and small[1] > high
    assert rate_band(0.99, 10, 2.0)[1] <= 1 and rate_band(0.001, 10, 2.0)[0] >= 0


def test_stale_scoring_date_fails_freshness(runner):
    found = failures(
        runner,
        "marts.purchase_predictions",
        purchase_predictions(scored_as_of=pd.to_datetime([dt.date(2026, 8, 31)] * 4)),
    )
    only_failure(found, "values_to_be_between(scored_as_of", "2026-09-30", "as_of_date")


def test_row_count_must_match_the_buyers_measured_elsewhere(runner):
    facts = Facts(as_of_date=AS_OF, buyers=5, observed_rates=FACTS.observed_rates)
    found = failures(runner, "marts.purchase_predictions", purchase_predictions(), facts)
    only_failure(found, "table_row_count_to_equal(value=5)", "observed 4", "one prediction per buyer")


def test_unknown_facts_leave_their_checks_out(runner):
    few = expectations_for("marts.purchase_predictions", Facts())
    many = expectations_for("marts.purchase_predictions", FACTS)
    assert len(few) < len(many)
    assert failures(runner, "marts.purchase_predictions", purchase_predictions(), Facts()) == []


def lifecycle(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_key": ["k1", "k2", "k3", "k4"],
            "lifecycle_stage": ["lead", "active", "loyal", "lapsed"],
            "previous_stage": [None, "new_customer", "active", "at_risk"],
            "order_count": [0, 2, 5, 1],
            "as_of_date": pd.to_datetime([AS_OF] * 4),
            "stage_since": pd.to_datetime([AS_OF, dt.date(2026, 8, 31), dt.date(2026, 1, 31), AS_OF]),
            "first_purchase_at": pd.to_datetime([None, "2026-01-05", "2025-03-01", "2025-01-01"]),
            "repeat_purchase_at": pd.to_datetime([None, "2026-02-05", "2025-04-01", None]),
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def test_good_lifecycle_passes(runner):
    assert failures(runner, "marts.customer_lifecycle", lifecycle()) == []


def test_stage_outside_the_documented_list_fails(runner):
    found = failures(
        runner, "marts.customer_lifecycle", lifecycle(lifecycle_stage=["lead", "active", "vip", "lapsed"])
    )
    only_failure(found, "values_to_be_in_set(lifecycle_stage", "vip")


def test_timestamp_after_the_as_of_time_fails(runner):
    found = failures(
        runner,
        "marts.customer_lifecycle",
        lifecycle(first_purchase_at=pd.to_datetime([None, "2026-01-05", "2026-10-02", "2025-01-01"])),
    )
    only_failure(found, "values_to_be_between(first_purchase_at", "2026-10-02")


def test_missing_column_fails_with_its_name(runner):
    found = failures(runner, "marts.customer_lifecycle", lifecycle().drop(columns=["order_count"]))
    assert found and all("order_count" in f for f in found), found
    assert any("could not be evaluated" in f for f in found)


def kpi_daily(days: int = 3, **changes) -> pd.DataFrame:
    dates = pd.date_range(end=AS_OF, periods=days, freq="D")
    frame = pd.DataFrame(
        {
            "kpi_date": dates,
            "revenue": [100.0] * days,
            "orders": [2] * days,
            "new_customers": [1] * days,
            "buyers": [2] * days,
            "customers": [40] * days,
            "active_customers": [30] * days,
            "sessions": [50] * days,
            "emails_sent": [10] * days,
            "conversion_rate": [4.0] * days,
            "cart_abandonment_rate": [60.0] * days,
            "csat": [80.0] * days,
            "email_open_rate": [150.0] * days,  # opens of earlier sends: allowed per day
            "click_through_rate": [3.0] * days,
            "unsubscribe_rate": [0.0] * days,
            "bounce_rate": [1.0] * days,
            "click_to_open_rate": [20.0] * days,
            "nps": [-10.0] * days,
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def test_good_kpis_pass(runner):
    assert failures(runner, "marts.kpi_daily", kpi_daily()) == []


def test_kpis_that_stop_before_as_of_fail_freshness(runner):
    stale = kpi_daily(kpi_date=pd.date_range(end=dt.date(2026, 9, 27), periods=3, freq="D"))
    only_failure(
        failures(runner, "marts.kpi_daily", stale), "column_max_to_be_between(kpi_date", "2026-09-27"
    )


def test_more_buyers_than_orders_fails(runner):
    found = failures(runner, "marts.kpi_daily", kpi_daily(buyers=[2, 3, 2]))
    only_failure(found, "column_pair_values_a_to_be_greater_than_b(orders, buyers", "1 of 3")


def test_more_active_customers_than_customers_fails(runner):
    found = failures(runner, "marts.kpi_daily", kpi_daily(active_customers=[30, 41, 30]))
    only_failure(found, "column_pair_values_a_to_be_greater_than_b(customers, active_customers", "1 of 3")


def test_conversion_rate_above_100_fails(runner):
    found = failures(runner, "marts.kpi_daily", kpi_daily(conversion_rate=[4.0, 140.0, 4.0]))
    only_failure(found, "values_to_be_between(conversion_rate, min_value=0, max_value=100)")


def audience(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "audience": ["vip_loyal", "vip_loyal"],
            "customer_key": ["k1", "k2"],
            "customer_id": ["c1", "c2"],
            "channel": ["google_ads", "google_ads"],
            "email_sha256": [HASH_A, None],
            "phone_sha256": [HASH_B, HASH_A],
            "first_name_sha256": [None, None],
            "last_name_sha256": [HASH_B, HASH_B],
            "best_send_hour_local": [9, 20],
            "computed_at": pd.to_datetime([AS_OF_AT] * 2),
            "updated_at": pd.to_datetime([AS_OF_AT] * 2),
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def test_good_audience_passes(runner):
    assert failures(runner, "audiences.audience_vip_loyal", audience()) == []


def test_unhashed_identifier_in_a_hash_column_fails(runner):
    found = failures(
        runner, "audiences.audience_vip_loyal", audience(email_sha256=[HASH_A, "Ann@Example.com"])
    )
    only_failure(found, "values_to_match_regex(email_sha256", "Ann@Example.com")


def test_audience_table_holds_only_its_own_audience(runner):
    found = failures(
        runner, "audiences.audience_vip_loyal", audience(audience=["vip_loyal", "winback_lapsed"])
    )
    only_failure(found, "values_to_be_in_set(audience", "winback_lapsed")


def test_audience_not_computed_for_the_as_of_time_fails(runner):
    later = pd.to_datetime([AS_OF_AT, dt.datetime(2026, 11, 25, 9, 30)])
    found = failures(runner, "audiences.audience_vip_loyal", audience(updated_at=later))
    only_failure(found, "values_to_be_between(updated_at", "2026-11-25")


def test_a_new_audience_table_gets_the_audience_suite():
    assert suite_for("audiences.audience_birthday_next_7_days") is suite_for("audiences.audience_vip_loyal")
    assert suite_for("audiences.audience_memberships") is not suite_for("audiences.audience_vip_loyal")
    assert suite_for("marts.not_a_table") is None


def clv_params(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "model": ["bgnbd", "bgnbd", "gamma_gamma"],
            "parameter": ["r", "alpha", "p"],
            "value": [0.4, 40.0, None],
            "time_unit": ["day"] * 3,
            "converged": [True, True, False],
            "n_customers": [100, 100, 3],
            "penalizer_coef": [0.0] * 3,
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def test_parameters_are_checked_only_where_the_fit_converged(runner):
    assert failures(runner, "marts.clv_model_params", clv_params()) == []
    # a value that is set on the non-converged row is not judged ...
    assert failures(runner, "marts.clv_model_params", clv_params(value=[0.4, 40.0, -1.0])) == []
    # ... a negative fitted parameter is
    found = failures(runner, "marts.clv_model_params", clv_params(value=[0.4, -40.0, None]))
    only_failure(found, "values_to_be_between(value, min_value=0) where converged == True", "1 of 2", "-40")


def clv_predictions(tiers: list[str]) -> pd.DataFrame:
    n = len(tiers)
    return pd.DataFrame(
        {
            "customer_key": [f"k{i}" for i in range(n)],
            "probability_alive": [0.5] * n,
            "predicted_clv": [10.0] * n,
            "clv_tier": tiers,
            "expected_purchases_30d": [0.1] * n,
            "expected_purchases_90d": [0.3] * n,
            "expected_purchases_365d": [1.0] * n,
            "expected_order_value": [50.0] * n,
            "predicted_orders": [1.0] * n,
            "frequency": [1] * n,
        }
    )


def test_clv_tiers_must_follow_their_rank_shares(runner):
    facts = Facts(buyers=100, clv_fitted=True)
    good = ["platinum"] + ["gold"] * 4 + ["silver"] * 5 + ["bronze"] * 15 + ["medium"] * 25 + ["low"] * 50
    assert failures(runner, "marts.clv_predictions", clv_predictions(good), facts) == []
    # a ranking that puts half the buyers in platinum is broken
    broken = ["platinum"] * 50 + ["low"] * 50
    found = failures(runner, "marts.clv_predictions", clv_predictions(broken), facts)
    only_failure(found, "values_to_not_be_in_set(clv_tier", "platinum", "50 of 100")


def raw_orders(**changes) -> pd.DataFrame:
    n = 20
    frame = pd.DataFrame(
        {
            "_raw_row_id": list(range(1, n + 1)),
            "_loaded_at": pd.to_datetime(["2026-11-25 09:00"] * n),
            "_ingest_id": ["delivery-1"] * n,
            "order_id": [str(i) for i in range(n)],
            "ordered_at": ["2026-09-30 10:00:00"] * n,
            "total_amount": ["9.99"] * n,
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def test_raw_contract(runner):
    assert failures(runner, "raw.orders", raw_orders()) == []
    # one missing key in 20 (5%) is a bad row for staging to quarantine ...
    assert failures(runner, "raw.orders", raw_orders(order_id=[None] + [str(i) for i in range(19)])) == []
    # ... three in 20 (15%) is a broken export
    found = failures(runner, "raw.orders", raw_orders(order_id=[None] * 3 + [str(i) for i in range(17)]))
    only_failure(found, "raw.orders", "values_to_not_be_null(order_id, mostly=0.9)", "3 of 20")
    found = failures(runner, "raw.orders", raw_orders().iloc[0:0])
    assert any("table_row_count_to_be_between(min_value=1)" in f for f in found), found


def test_every_registered_suite_builds_with_and_without_facts():
    for relation in SUITES:
        for facts in (Facts(), FACTS):
            expectations = expectations_for(relation.replace("*", "x"), facts)
            assert expectations, relation
            assert all(getattr(e, "notes", None) for e in expectations), f"{relation}: a check without notes"


def test_columns_needed_include_row_condition_columns():
    expectations = expectations_for("marts.model_evaluation", FACTS)
    assert {"task", "model", "metric", "value", "model_role", "holdout_customers"} <= set(
        columns_needed(expectations)
    )


def test_a_frame_over_the_budget_is_a_repeatable_sample(tmp_path):
    import duckdb

    from lifecycle.quality.validate import fetch_frame

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts").fetchall()
    con.execute(
        "create table marts.t as select range as a, range * 2 as b, 'x' as c from range(1000)"
    ).fetchall()
    whole, rows, sampled = fetch_frame(con, "marts.t", ["a", "b", "not_there"], max_cells=2000)
    assert (len(whole), rows, sampled, list(whole.columns)) == (1000, 1000, None, ["a", "b"])
    first, rows, sampled = fetch_frame(con, "marts.t", ["a", "b"], max_cells=200)
    assert (len(first), rows, sampled) == (100, 1000, 100)
    again, _, _ = fetch_frame(con, "marts.t", ["a", "b"], max_cells=200)
    assert sorted(first["a"]) == sorted(again["a"]) and first["a"].nunique() == 100
    assert (first["b"] == 2 * first["a"]).all()  # whole rows, not columns sampled apart


def customer_rfm(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_key": ["k1", "k2", "k3", "k4"],
            "rfm_segment": ["Champions", "Hibernating", "New", "Prospects"],
            "rfm_score": ["555", "111", "513", None],
            "recency_days": [3, 400, 5, None],
            "frequency": [9, 1, 1, 0],
            "monetary": [900.0, 20.0, 35.0, 0.0],
            "recency_score": [5, 1, 5, None],
            "frequency_score": [5, 1, 1, None],
            "monetary_score": [5, 1, 3, None],
            "as_of_date": pd.to_datetime([AS_OF] * 4),
            "last_order_at": pd.to_datetime(["2026-09-27", "2025-08-26", "2026-09-25", None]),
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def test_rfm_buyers_need_scores_prospects_do_not(runner):
    assert failures(runner, "marts.customer_rfm", customer_rfm()) == []
    found = failures(runner, "marts.customer_rfm", customer_rfm(frequency_score=[5, None, 1, None]))
    only_failure(found, "values_to_not_be_null(frequency_score", "1 of 3")
    found = failures(
        runner, "marts.customer_rfm", customer_rfm(rfm_segment=["Champions", "Sleepy", "New", "Prospects"])
    )
    only_failure(found, "values_to_be_in_set(rfm_segment", "Sleepy")


def test_a_funnel_that_grows_fails(runner):
    frame = pd.DataFrame(
        {
            "funnel_month": pd.to_datetime(["2026-09-01"] * 3),
            "funnel_stage": ["awareness", "desire", "intent"],
            "stage_number": [1, 2, 3],
            "customers_reached": [100, 60, 70],
            "customers_with_signal": [100, 50, 70],
            "customers_at_previous_stage": [100, 100, 60],
            "conversion_rate": [100.0, 60.0, 100.0],
        }
    )
    found = failures(runner, "marts.marketing_funnel", frame)
    only_failure(found, "customers_at_previous_stage, customers_reached", "1 of 3")
