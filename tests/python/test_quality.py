"""Great Expectations suites: generated from dbt's manifest, hand-written only where dbt is silent.

Frames are built by hand (a few rows) and validated by the same path as the warehouse: measured
with SQL in an in-memory DuckDB, judged by the GX expectations. The manifest is a trimmed copy of
this project's target/manifest.json (tests/python/fixtures/dbt_manifest_small.json), edited per
test where a test changes what dbt declares, so these run without dbt. Each test breaks one thing
in a good frame and asserts the failure names the table, the rule and the column.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as E  # noqa: N812 (GX's own idiom)
import pandas as pd
import pytest
from great_expectations.expectations.row_conditions import Column as Col

from lifecycle import manifest as dbt_manifest
from lifecycle.contract import LOAD_COLUMNS
from lifecycle.quality import measure
from lifecycle.quality.checks import rate_band
from lifecycle.quality.suites import SUITES, Facts, expectations_for, is_validated, suite_for
from lifecycle.quality.validate import validate_frame

FIXTURE = Path(__file__).parent / "fixtures" / "dbt_manifest_small.json"
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
STAGES = ["anonymous_visitor", "lead", "new_customer", "active", "loyal", "at_risk", "lapsed", "reactivated"]


def manifest_payload() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


MANIFEST = dbt_manifest.from_dict(manifest_payload())
NO_DBT = dbt_manifest.Manifest([])  # only the hand-written checks


def failures(relation: str, frame: pd.DataFrame, facts: Facts = FACTS, manifest=MANIFEST) -> list[str]:
    result = validate_frame(relation, frame, facts, manifest)
    assert result.evaluated > 0
    return [f.format() for f in result.failures]


def only_failure(found: list[str], *words: str) -> None:
    assert len(found) == 1, found
    for word in words:
        assert word in found[0], (word, found[0])


def with_changes(frame: pd.DataFrame, changes: dict) -> pd.DataFrame:
    for column, values in changes.items():
        frame[column] = values
    return frame


# --- the manifest reader --------------------------------------------------------------------------


def row_checks(payload: dict, model: str) -> dict:
    """The arguments of `model`'s row_checks test in a manifest payload, to edit."""
    (test,) = [
        n
        for n in payload["nodes"].values()
        if n.get("test_metadata", {}).get("name") == "row_checks"
        and n.get("attached_node") == f"model.lifecycle.{model}"
    ]
    return test["test_metadata"]["kwargs"]


def test_the_manifest_gives_keys_not_nulls_accepted_values_and_sensitive_columns():
    lifecycle = MANIFEST["marts.customer_lifecycle"]
    assert lifecycle.key == ("customer_key",) and lifecycle.contract
    assert {"customer_key", "lifecycle_stage", "order_count"} <= set(lifecycle.not_null)
    assert lifecycle.accepted_values["lifecycle_stage"].values == tuple(STAGES)
    assert lifecycle.declared_in == "models/marts/lifecycle/_lifecycle__models.yml"
    # a key from a row_checks test's unique columns, where the model has no primary_key constraint
    assert MANIFEST["marts.customer_lifecycle_transitions"].key == ("period_end", "from_stage", "to_stage")
    # a key from a primary_key constraint over two columns
    assert MANIFEST["audiences.audience_vip_loyal"].key == ("audience", "customer_key")
    assert "email_sha256" in MANIFEST["audiences.audience_vip_loyal"].sensitive
    assert "email" in MANIFEST["restricted.customer_contacts"].sensitive
    orders = MANIFEST["raw.orders"]
    assert orders.resource_type == "source" and orders.required_table
    assert orders.required == ("order_id", "ordered_at", "total_amount")
    assert orders.accepted_values["status"].severity == "warn"
    assert MANIFEST.get("marts.not_a_table") is None


def test_conditional_and_warning_tests_are_not_taken_for_rules():
    payload = manifest_payload()
    # a unique test with a `where` config holds for some rows only; a warning is tolerated
    base = next(n for n in payload["nodes"].values() if n["resource_type"] == "test")
    conditional = copy.deepcopy(base)
    conditional.update(
        unique_id="test.lifecycle.unique_where",
        attached_node="model.lifecycle.customer_lifecycle",
        column_name="previous_stage",
        test_metadata={"name": "unique", "kwargs": {"column_name": "previous_stage"}, "namespace": None},
    )
    conditional["config"] = {"enabled": True, "severity": "ERROR", "where": "order_count > 0"}
    warning = copy.deepcopy(conditional)
    warning.update(unique_id="test.lifecycle.not_null_warn", column_name="next_loyalty_anniversary")
    warning["test_metadata"] = {
        "name": "not_null",
        "kwargs": {"column_name": "next_loyalty_anniversary"},
        "namespace": None,
    }
    warning["config"] = {"enabled": True, "severity": "warn", "where": None}
    payload["nodes"][conditional["unique_id"]] = conditional
    payload["nodes"][warning["unique_id"]] = warning
    lifecycle = dbt_manifest.from_dict(payload)["marts.customer_lifecycle"]
    assert lifecycle.unique == (("customer_key",),)
    assert "next_loyalty_anniversary" not in lifecycle.not_null


def test_a_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(dbt_manifest.ManifestError, match="no dbt manifest"):
        dbt_manifest.load(tmp_path / "target" / "manifest.json")
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(dbt_manifest.ManifestError, match="not a dbt manifest"):
        dbt_manifest.load(tmp_path / "manifest.json")


# --- generated suites follow the manifest ---------------------------------------------------------


def lifecycle(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_key": ["k1", "k2", "k3", "k4"],
            "lifecycle_stage": ["lead", "active", "loyal", "lapsed"],
            "previous_stage": [None, "new_customer", "active", "at_risk"],
            "order_count": [0, 2, 5, 1],
            "is_advocate": [False, False, True, False],
            "is_anniversary_next_7_days": [False] * 4,
            "stage_since": pd.to_datetime([AS_OF, dt.date(2026, 8, 31), dt.date(2026, 1, 31), AS_OF]),
            "next_loyalty_anniversary": pd.to_datetime([None, "2027-01-05", "2027-03-01", "2027-01-01"]),
            "as_of_date": pd.to_datetime([AS_OF] * 4),
            "first_purchase_at": pd.to_datetime([None, "2026-01-05", "2025-03-01", "2025-01-01"]),
            "repeat_purchase_at": pd.to_datetime([None, "2026-02-05", "2025-04-01", None]),
        }
    )
    return with_changes(frame, changes)


def test_good_lifecycle_passes():
    assert failures("marts.customer_lifecycle", lifecycle()) == []


def test_a_duplicate_or_null_key_fails():
    found = failures("marts.customer_lifecycle", lifecycle(customer_key=["k1", "k1", "k3", "k4"]))
    only_failure(found, "marts.customer_lifecycle", "values_to_be_unique(customer_key", "2 of 4", "[k1, k1]")
    found = failures("marts.customer_lifecycle", lifecycle(customer_key=["k1", None, "k3", "k4"]))
    only_failure(found, "values_to_not_be_null(customer_key", "primary key")


def test_stage_outside_the_accepted_values_of_dbt_fails():
    found = failures(
        "marts.customer_lifecycle", lifecycle(lifecycle_stage=["lead", "active", "vip", "lapsed"])
    )
    only_failure(found, "values_to_be_in_set(lifecycle_stage", "vip", "_lifecycle__models.yml")


def test_an_accepted_values_change_in_dbt_reaches_the_suite_without_python():
    vip = lifecycle(lifecycle_stage=["lead", "active", "vip", "lapsed"])
    payload = manifest_payload()
    accepted = row_checks(payload, "customer_lifecycle")["accepted_values"]
    accepted["lifecycle_stage"] = [*STAGES, "vip"]
    assert failures("marts.customer_lifecycle", vip, manifest=dbt_manifest.from_dict(payload)) == []
    # and a value dbt no longer accepts fails
    accepted["lifecycle_stage"] = [s for s in STAGES if s != "lapsed"]
    found = failures("marts.customer_lifecycle", lifecycle(), manifest=dbt_manifest.from_dict(payload))
    only_failure(found, "values_to_be_in_set(lifecycle_stage", "lapsed")


def test_a_new_key_in_dbt_reaches_the_suite_without_python():
    two_rows_per_stage = lifecycle(lifecycle_stage=["lead", "lead", "loyal", "lapsed"])
    assert failures("marts.customer_lifecycle", two_rows_per_stage) == []
    payload = manifest_payload()
    row_checks(payload, "customer_lifecycle")["unique"].append(["lifecycle_stage", "order_count"])
    found = failures(
        "marts.customer_lifecycle",
        lifecycle(lifecycle_stage=["lead", "lead", "loyal", "lapsed"], order_count=[0, 0, 5, 1]),
        manifest=dbt_manifest.from_dict(payload),
    )
    only_failure(found, "compound_columns_to_be_unique(lifecycle_stage, order_count", "2 of 4")


def test_a_column_missing_from_the_contract_fails_with_its_name():
    found = failures("marts.customer_lifecycle", lifecycle().drop(columns=["order_count"]))
    assert found and all("order_count" in f for f in found), found
    assert any("table_columns_to_match_set" in f for f in found)
    assert any("could not be evaluated" in f for f in found)


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
            "country": ["DE", "FR"],
            "postal_code": ["10115", "75001"],
            "language": ["de", "fr"],
            "timezone": ["Europe/Berlin", "Europe/Paris"],
            "best_send_hour_local": [9, 20],
            "recommended_offer": ["early_access", "early_access"],
            "reason": ["vip", "vip"],
            "computed_at": pd.to_datetime([AS_OF_AT] * 2),
            "updated_at": pd.to_datetime([AS_OF_AT] * 2),
        }
    )
    return with_changes(frame, changes)


def test_good_audience_passes():
    assert failures("audiences.audience_vip_loyal", audience()) == []


def test_personal_data_in_a_published_table_must_be_hashed():
    # email_sha256 is `meta: {sensitive: true}` in the audiences' yml: the check is generated
    found = failures("audiences.audience_vip_loyal", audience(email_sha256=[HASH_A, "Ann@Example.com"]))
    only_failure(found, "values_to_match_regex(email_sha256", "Ann@Example.com", "meta sensitive")
    # the restricted schema is not published: its sensitive columns are in clear on purpose
    contacts = expectations_for("restricted.customer_contacts", FACTS, MANIFEST)
    assert not [e for e in contacts if e.expectation_type == "expect_column_values_to_match_regex"]


def test_audience_table_holds_only_its_own_audience():
    found = failures("audiences.audience_vip_loyal", audience(audience=["vip_loyal", "winback_lapsed"]))
    only_failure(found, "values_to_be_in_set(audience", "winback_lapsed")


def test_audience_not_computed_for_the_as_of_time_fails():
    later = pd.to_datetime([AS_OF_AT, dt.datetime(2026, 11, 25, 9, 30)])
    found = failures("audiences.audience_vip_loyal", audience(updated_at=later))
    only_failure(found, "values_to_be_between(updated_at", "2026-11-25")


def test_a_channel_outside_the_accepted_values_fails():
    found = failures("audiences.audience_vip_loyal", audience(channel=["google_ads", "fax"]))
    only_failure(found, "values_to_be_in_set(channel", "fax", "_audiences__models.yml")


def test_a_new_audience_table_gets_the_audience_suite():
    assert suite_for("audiences.audience_birthday_next_7_days") is suite_for("audiences.audience_vip_loyal")
    assert suite_for("audiences.audience_memberships") is not suite_for("audiences.audience_vip_loyal")
    assert not is_validated("marts.not_a_table", MANIFEST)
    # a table dbt knows needs no hand-written suite to be validated
    assert suite_for("restricted.customer_contacts") is None
    assert is_validated("restricted.customer_contacts", MANIFEST)


def raw_orders(**changes) -> pd.DataFrame:
    n = 20
    columns = MANIFEST["raw.orders"].columns
    frame = pd.DataFrame({c: [None] * n for c in [*LOAD_COLUMNS, *columns]}, dtype="object")
    frame["_raw_row_id"] = list(range(1, n + 1))
    frame["_source_file"] = ["orders.csv"] * n
    frame["_loaded_at"] = pd.to_datetime(["2026-11-25 09:00"] * n)
    frame["_ingest_id"] = ["delivery-1"] * n
    frame["order_id"] = [str(i) for i in range(n)]
    frame["ordered_at"] = ["2026-09-30 10:00:00"] * n
    frame["total_amount"] = ["9.99"] * n
    frame["status"] = ["COMPLETED"] * n  # upper case: staging normalizes it, dbt only warns
    return with_changes(frame, changes)


def test_raw_contract_is_generated_from_the_sources():
    assert failures("raw.orders", raw_orders()) == []
    # one missing key in 20 (5%) is a bad row for staging to quarantine ...
    assert failures("raw.orders", raw_orders(order_id=[None] + [str(i) for i in range(19)])) == []
    # ... three in 20 (15%) is a broken export
    found = failures("raw.orders", raw_orders(order_id=[None] * 3 + [str(i) for i in range(17)]))
    only_failure(found, "raw.orders", "values_to_not_be_null(order_id, mostly=0.9)", "3 of 20")
    found = failures("raw.orders", raw_orders().iloc[0:0])
    only_failure(found, "table_row_count_to_be_between(min_value=1)")
    found = failures("raw.orders", raw_orders(_raw_row_id=[1, 1, *range(3, 21)]))
    only_failure(found, "values_to_be_unique(_raw_row_id", "2 of 20")
    found = failures("raw.orders", raw_orders().drop(columns=["currency"]))
    only_failure(found, "table_columns_to_match_set", "currency")


# --- what dbt cannot express: distributions, freshness, counts measured elsewhere -----------------


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
    return with_changes(frame, changes)


def test_good_predictions_pass():
    assert failures("marts.purchase_predictions", purchase_predictions()) == []


def test_mean_probability_far_from_the_observed_rate_fails():
    # every value a valid probability, but a model that scores everybody 0.9 against an observed
    # 25% (inverted or uncalibrated) is broken
    found = failures("marts.purchase_predictions", purchase_predictions(purchase_probability=[0.9] * 4))
    only_failure(found, "column_mean_to_be_between(purchase_probability", "observed 0.9", "holdout")
    found = failures("marts.purchase_predictions", purchase_predictions(purchase_probability=[0.01] * 4))
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


def test_stale_scoring_date_fails_freshness():
    stale = purchase_predictions(scored_as_of=pd.to_datetime([dt.date(2026, 8, 31)] * 4))
    only_failure(
        failures("marts.purchase_predictions", stale),
        "values_to_be_between(scored_as_of",
        "2026-09-30",
        "as_of",
    )


def test_row_count_must_match_the_buyers_measured_elsewhere():
    facts = Facts(as_of_date=AS_OF, buyers=5, observed_rates=FACTS.observed_rates)
    found = failures("marts.purchase_predictions", purchase_predictions(), facts)
    only_failure(found, "table_row_count_to_equal(value=5)", "observed 4", "one prediction per buyer")


def test_unknown_facts_leave_their_checks_out():
    few = expectations_for("marts.purchase_predictions", Facts(), MANIFEST)
    many = expectations_for("marts.purchase_predictions", FACTS, MANIFEST)
    assert len(few) < len(many)
    assert failures("marts.purchase_predictions", purchase_predictions(), Facts()) == []


def test_timestamp_after_the_as_of_time_fails():
    late = lifecycle(first_purchase_at=pd.to_datetime([None, "2026-01-05", "2026-10-02", "2025-01-01"]))
    only_failure(
        failures("marts.customer_lifecycle", late), "values_to_be_between(first_purchase_at", "2026-10-02"
    )


def kpi_daily(days: int = 3, **changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "kpi_date": pd.date_range(end=AS_OF, periods=days, freq="D"),
            "new_customers": [1] * days,
            "active_customers": [30] * days,
            "sessions": [50] * days,
            "emails_sent": [10] * days,
            "click_to_open_rate": [20.0] * days,
        }
    )
    return with_changes(frame, changes)


def test_kpis_that_stop_before_as_of_fail_freshness():
    assert failures("marts.kpi_daily", kpi_daily(), manifest=NO_DBT) == []
    stale = kpi_daily(kpi_date=pd.date_range(end=dt.date(2026, 9, 27), periods=3, freq="D"))
    only_failure(
        failures("marts.kpi_daily", stale, manifest=NO_DBT), "column_max_to_be_between(kpi_date", "2026-09-27"
    )


def clv_predictions(tiers: list[str]) -> pd.DataFrame:
    n = len(tiers)
    return pd.DataFrame(
        {
            "customer_key": [f"k{i}" for i in range(n)],
            "clv_tier": tiers,
            "expected_purchases_30d": [0.1] * n,
            "expected_order_value": [50.0] * n,
            "predicted_orders": [1.0] * n,
            "frequency": [1] * n,
        }
    )


def test_clv_tiers_must_follow_their_rank_shares():
    facts = Facts(buyers=100, clv_fitted=True)
    good = ["platinum"] + ["gold"] * 4 + ["silver"] * 5 + ["bronze"] * 15 + ["medium"] * 25 + ["low"] * 50
    assert failures("marts.clv_predictions", clv_predictions(good), facts, NO_DBT) == []
    # a ranking that puts half the buyers in platinum is broken
    broken = ["platinum"] * 50 + ["low"] * 50
    found = failures("marts.clv_predictions", clv_predictions(broken), facts, NO_DBT)
    only_failure(found, "values_to_not_be_in_set(clv_tier", "platinum", "50 of 100")


def model_evaluation(chosen_auc: float, candidate_auc: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "task": ["purchase"] * 3,
            "model": ["gradient_boosting", "logistic_regression", "gradient_boosting"],
            "model_role": ["chosen", "candidate", "chosen"],
            "metric": ["roc_auc", "roc_auc", "log_loss"],
            "value": [chosen_auc, candidate_auc, 1.7],  # log loss is not bounded by 1
        }
    )


def test_the_chosen_model_must_rank_better_than_chance():
    assert failures("marts.model_evaluation", model_evaluation(0.71, 0.62), manifest=NO_DBT) == []
    # a candidate below chance is only a bad candidate ...
    assert failures("marts.model_evaluation", model_evaluation(0.71, 0.42), manifest=NO_DBT) == []
    # ... the chosen one below chance is a broken model (a row condition: metric and role)
    found = failures("marts.model_evaluation", model_evaluation(0.45, 0.62), manifest=NO_DBT)
    only_failure(
        found,
        "values_to_be_between(value, min_value=0.5, max_value=1)"
        " where metric == 'roc_auc' and model_role == 'chosen'",
        "1 of 1",
    )


def customer_rfm(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_key": ["k1", "k2", "k3", "k4"],
            "frequency": [9, 1, 1, 0],
            "monetary": [900.0, 20.0, 35.0, 0.0],
            "recency_score": [5, 1, 5, None],
            "frequency_score": [5, 1, 1, None],
            "monetary_score": [5, 1, 3, None],
            "as_of_date": pd.to_datetime([AS_OF] * 4),
            "last_order_at": pd.to_datetime(["2026-09-27", "2025-08-26", "2026-09-25", None]),
        }
    )
    return with_changes(frame, changes)


def test_rfm_buyers_need_scores_prospects_do_not():
    assert failures("marts.customer_rfm", customer_rfm(), manifest=NO_DBT) == []
    found = failures("marts.customer_rfm", customer_rfm(frequency_score=[5, None, 1, None]), manifest=NO_DBT)
    only_failure(found, "values_to_not_be_null(frequency_score", "1 of 3", "every buyer is scored")


def test_every_registered_suite_builds_with_and_without_facts():
    for relation in SUITES:
        for facts in (Facts(), FACTS):
            expectations = expectations_for(relation.replace("*", "x"), facts, NO_DBT)
            assert all(getattr(e, "notes", None) for e in expectations), f"{relation}: a check without notes"


# --- measuring in SQL: GX's own verdicts, a bounded number of values fetched ----------------------


def parity_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": ["k1", "k1", None, "k3", "k4", "k5"],
            "b": ["x", "y", "x", None, "x", "x"],
            "c": [0.5, 2.0, None, 0.1, 0.9, -0.2],
            "d": [0.1, 3.0, 1.0, None, 0.9, 0.0],
            "day": pd.to_datetime(
                ["2026-09-30", "2026-09-29", None, "2026-10-02", "2026-09-30", "2026-09-01"]
            ),
        }
    )


def parity_expectations() -> list:
    x_rows = Col("b") == "x"
    return [
        E.ExpectColumnValuesToNotBeNull(column="a"),
        E.ExpectColumnValuesToNotBeNull(column="b", mostly=0.8),
        E.ExpectColumnValuesToBeUnique(column="a"),
        E.ExpectCompoundColumnsToBeUnique(column_list=["a", "b"]),
        E.ExpectCompoundColumnsToBeUnique(column_list=["b", "d"], ignore_row_if="any_value_is_missing"),
        E.ExpectColumnValuesToBeInSet(column="b", value_set=["x"]),
        E.ExpectColumnValuesToBeInSet(column="b", value_set=["x"], mostly=0.7),
        E.ExpectColumnValuesToNotBeInSet(column="b", value_set=["y"], mostly=0.9),
        E.ExpectColumnValuesToBeBetween(column="c", min_value=0, max_value=1),
        E.ExpectColumnValuesToBeBetween(column="c", min_value=0, row_condition=x_rows),
        E.ExpectColumnValuesToBeBetween(column="c", max_value=1, row_condition=Col("b").is_in(["x", "y"])),
        E.ExpectColumnValuesToBeBetween(
            column="day", min_value=pd.Timestamp("2026-09-01"), max_value=pd.Timestamp("2026-09-30")
        ),
        E.ExpectColumnValuesToMatchRegex(column="a", regex=r"^k[0-9]$"),
        E.ExpectColumnValuesToMatchRegex(column="b", regex=r"^x$"),
        E.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="c", column_B="d", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="d", column_B="c"),
        E.ExpectColumnMeanToBeBetween(column="c", min_value=0, max_value=1),
        E.ExpectColumnMeanToBeBetween(column="c", min_value=0.5, max_value=1, row_condition=x_rows),
        E.ExpectColumnMaxToBeBetween(column="c", min_value=0, max_value=1),
        E.ExpectColumnMaxToBeBetween(
            column="day", min_value=pd.Timestamp("2026-10-02"), max_value=pd.Timestamp("2026-10-02")
        ),
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectTableRowCountToEqual(value=5),
        E.ExpectTableColumnsToMatchSet(column_set=["a", "b", "c", "d", "day"], exact_match=True),
        E.ExpectTableColumnsToMatchSet(column_set=["a", "b", "e"], exact_match=True),
    ]


def _gx_pandas(frame: pd.DataFrame, expectations: list) -> list:
    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("p")
        .add_dataframe_asset("t")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(gx.ExpectationSuite(name="s", expectations=expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="v", data=batch, suite=suite)
    )
    return definition.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY").results


def _summary(result) -> dict:
    r = result.result or {}
    examples = r.get("partial_unexpected_list")
    return {
        "success": result.success,
        "element_count": r.get("element_count"),
        "unexpected_count": r.get("unexpected_count"),
        "missing_count": r.get("missing_count"),
        "unexpected_percent": None
        if r.get("unexpected_percent") is None
        else round(r["unexpected_percent"], 6),
        "observed_value": _plain(r.get("observed_value")),
        "examples": None if examples is None else sorted(map(str, map(_plain, examples))),
    }


def _plain(value):
    """An unexpected example without numpy's types (GX on pandas lists numpy scalars)."""
    if isinstance(value, tuple | list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    if value is pd.NaT:
        return None
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and value != value else value  # NaN: pandas' null


def _config_key(result) -> str:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    return json.dumps([config.type, kwargs], sort_keys=True, default=str)


@pytest.mark.parametrize("rows", [6, 0], ids=["rows", "empty"])
def test_sql_measurements_give_the_verdicts_of_gx_on_pandas(rows):
    import duckdb

    frame = parity_frame().iloc[:rows]
    expected = _gx_pandas(frame, parity_expectations())
    con = duckdb.connect()
    con.register("frame", frame)
    measured, _ = measure.validate(con, "frame", list(frame.columns), parity_expectations(), max_cells=10_000)
    assert len(measured) == len(expected)
    # GX orders its results by its own plan, not the suite's: pair them by configuration
    theirs_by_config = {_config_key(r): r for r in expected}
    for ours in measured:
        theirs = theirs_by_config[_config_key(ours)]
        kind = theirs.expectation_config.type
        mine, gxs = _summary(ours), _summary(theirs)
        if kind == "expect_column_values_to_not_be_null":
            mine["examples"] = gxs["examples"]  # GX lists NaN for a null, SQL None: the count decides
        if kind == "expect_table_columns_to_match_set":
            mine["observed_value"] = sorted(mine["observed_value"])
            gxs["observed_value"] = sorted(gxs["observed_value"])
        assert mine == gxs, (kind, theirs.expectation_config.kwargs)
    assert sum(not r.success for r in measured) > 5  # the parity covers failures, not only passes


def test_the_values_fetched_stay_within_the_cell_budget():
    n = 1_000
    frame = pd.DataFrame({"a": ["same"] * n, "b": ["bad"] * n, "c": [-1.0] * n, "d": [5.0] * n})
    expectations = [
        E.ExpectColumnValuesToBeUnique(column="a"),
        E.ExpectColumnValuesToBeInSet(column="b", value_set=["good"]),
        E.ExpectColumnValuesToBeBetween(column="c", min_value=0),
        E.ExpectCompoundColumnsToBeUnique(column_list=["a", "b"]),
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="c", column_B="d"),
    ]
    import duckdb

    con = duckdb.connect()
    con.register("frame", frame)
    for budget in (10_000, 40, 7, 1):
        results, cost = measure.validate(con, "frame", list(frame.columns), expectations, max_cells=budget)
        assert cost.largest <= budget, (budget, cost)
        # counts stay exact, only the examples shrink
        assert [r.result["unexpected_count"] for r in results] == [n] * 5
        assert not any(r.success for r in results)
    _, generous = measure.validate(con, "frame", list(frame.columns), expectations, max_cells=10_000)
    assert generous.queries == 1 + 5  # one aggregate query, one example query per failed check
    assert generous.cells == 11 + 20 * (1 + 1 + 1 + 2 + 2)  # 11 distinct metrics, 20 examples each
    assert generous.largest == 20 * 2  # the pairs of the pair check


def test_a_check_that_cannot_be_measured_names_its_cause_and_spares_the_others():
    frame = pd.DataFrame({"a": ["x", "y"], "n": [1, 2]})
    expectations = [
        E.ExpectColumnValuesToBeBetween(column="a", min_value=pd.Timestamp("2026-01-01")),  # text vs time
        E.ExpectColumnValuesToBeBetween(column="n", min_value=0),
        E.ExpectColumnValuesToNotBeNull(column="missing"),
    ]
    import duckdb

    con = duckdb.connect()
    con.register("frame", frame)
    results, _ = measure.validate(con, "frame", list(frame.columns), expectations, max_cells=100)
    assert [r.success for r in results] == [False, True, False]
    assert results[0].exception_info["raised_exception"]
    assert 'column "missing"' in results[2].exception_info["exception_message"]
