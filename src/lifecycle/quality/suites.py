"""The Great Expectations suites: what dbt's manifest declares, plus what dbt cannot say.

A table's suite has two parts:

- generated from dbt's manifest (`lifecycle.manifest`), never written here: the columns its
  contract declares, its primary key and other unique column sets, its not-null columns and the
  accepted values of its `accepted_values` tests, and for a published table (marts, audiences)
  that every column marked `meta: {sensitive: true}` holds SHA-256 digests only. For a raw table
  the raw contract: the contract's columns plus ingest's load columns, `_raw_row_id` a key, the
  required columns (`meta: {required: true}`) present in at least 90% of the rows, the required
  table not empty. A change to a key or an accepted value in a yml file reaches the suite with
  the next dbt run, without touching Python; a new public table is validated as soon as dbt
  knows it.
- written here, with `@suite("schema.table")`, only for what dbt does not express: freshness
  against as_of_date, row counts measured on other tables of the same build (`Facts`),
  distribution checks that catch a model which runs but is broken (the mean predicted
  probability against the rate observed on the holdout, the shares of the CLV tiers), and
  ranges and comparisons of columns no dbt test holds. Static rules that a dbt test already
  states (a row expression, a key, an accepted value) are not repeated here.

    @suite("marts.customer_rfm")
    def customer_rfm(f: Facts) -> list:
        return [*non_negative("frequency", "monetary"), *_as_of("as_of_date", f)]
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field

from great_expectations.expectations.row_conditions import Column as Col

from lifecycle.contract import LOAD_COLUMNS
from lifecycle.manifest import Manifest, Relation
from lifecycle.quality.checks import (
    accepted,
    at_least,
    between,
    columns_as_declared,
    equals,
    key,
    latest_is,
    mean_between,
    non_negative,
    not_after,
    not_null,
    percentage,
    probability,
    rate_band,
    rows,
    rows_equal,
    sha256,
    share_in,
    unique,
)

# Schemas published to the serving file.
PUBLISHED_SCHEMAS = ("marts", "audiences")

# A mean predicted probability more than this factor away (in odds) from the observed rate on the
# holdout means the model is broken (constant, inverted, uncalibrated), not that the shop changed.
PROBABILITY_ODDS_FACTOR = 2.0
# The raw contract: a required column null in more than this share of rows is a broken export,
# not a few bad rows (staging quarantines those).
RAW_MAX_NULL_SHARE = 0.1


@dataclass(frozen=True)
class Facts:
    """What the suites compare tables with, measured on other tables of the same build.

    None means unknown (the source table is absent from the working file, e.g. a shop without
    enough history for a model); the checks that need the fact are then left out.
    """

    as_of_date: dt.date | None = None
    as_of_at: dt.datetime | None = None
    profiles: int | None = None  # rows in marts.customer_profiles
    buyers: int | None = None  # persons with a completed order (intermediate.int_clv_summary)
    clv_fitted: bool | None = None  # BG/NBD and Gamma-Gamma converged (marts.clv_model_params)
    # task (purchase, churn) -> (positive rate observed on the holdout, holdout customers)
    observed_rates: dict[str, tuple[float, int]] = field(default_factory=dict)
    # audience name -> rows in audiences.audience_<name>
    audience_rows: dict[str, int] = field(default_factory=dict)


SuiteFunction = Callable[[Facts, str], list]
SUITES: dict[str, SuiteFunction] = {}


def suite(*relations: str) -> Callable:
    """Register `function(facts)` as the hand-written checks of each `schema.table`."""

    def register(function: Callable[[Facts], list]) -> Callable[[Facts], list]:
        for relation in relations:
            SUITES[relation] = lambda facts, _relation, function=function: function(facts)
        return function

    return register


def suite_per_table(*patterns: str) -> Callable:
    """Register `function(facts, relation)` for tables sharing one shape (e.g. every audience)."""

    def register(function: SuiteFunction) -> SuiteFunction:
        for pattern in patterns:
            SUITES[pattern] = function
        return function

    return register


def suite_for(relation: str) -> SuiteFunction | None:
    """The hand-written checks of `schema.table`: an exact registration, then a matching pattern."""
    if relation in SUITES:
        return SUITES[relation]
    for pattern, function in SUITES.items():
        if any(ch in pattern for ch in "*?[") and fnmatch.fnmatchcase(relation, pattern):
            return function
    return None


def is_validated(relation: str, manifest: Manifest) -> bool:
    """dbt knows the relation (its facts become checks) or checks are written for it here."""
    return relation in manifest or suite_for(relation) is not None


def expectations_for(relation: str, facts: Facts, manifest: Manifest) -> list:
    """The expectations of `relation`: generated from `manifest`, then the hand-written ones
    (KeyError when there are neither)."""
    known = manifest.get(relation)
    function = suite_for(relation)
    if known is None and function is None:
        raise KeyError(f"{relation} is neither a relation of the dbt project nor has checks in suites.py")
    generated = from_manifest(known) if known is not None else []
    return generated + (function(facts, relation) if function is not None else [])


# --- generated from the manifest ----------------------------------------------------------------


def from_manifest(relation: Relation) -> list:
    """The dbt facts of `relation` as expectations (the raw contract for a raw source)."""
    if relation.resource_type == "source":
        return raw_contract(relation)
    where = f"dbt: {relation.declared_in}" if relation.declared_in else "dbt"
    checks: list = []
    if relation.contract and relation.columns:
        checks += columns_as_declared(relation.columns, why=f"the columns of the enforced contract ({where})")
    if relation.key:
        checks += key(*relation.key, why=f"primary key ({where})")
    for columns in relation.unique[1:]:
        checks += unique(*columns, why=f"unique ({where})")
    checks += not_null(*(c for c in relation.not_null if c not in relation.key), why=f"not null ({where})")
    for column, rule in relation.accepted_values.items():
        if rule.severity == "error":
            checks += accepted(column, rule.values, why=f"accepted values ({where})")
    if relation.schema in PUBLISHED_SCHEMAS and relation.sensitive:
        checks += sha256(
            *relation.sensitive,
            why=f"personal data (meta sensitive, {where}) is published only as a SHA-256 digest",
        )
    return checks


def raw_contract(relation: Relation) -> list:
    """The raw landing zone as ingest leaves it: the contract's columns plus the load columns, a
    row id per row, and the required columns present in most rows."""
    row_id, _source_file, loaded_at, ingest_id = LOAD_COLUMNS
    where = relation.declared_in or "the raw contract"
    checks: list = []
    if relation.columns:
        checks += columns_as_declared(
            [*LOAD_COLUMNS, *relation.columns],
            why=f"the contract's columns ({where}) and ingest's load columns",
        )
    checks += key(row_id, why="row id (ingest numbers every raw row once)")
    checks += not_null(loaded_at, ingest_id, why="set by ingest for every row (one ingest id per delivery)")
    checks += not_null(
        *relation.required,
        mostly=1 - RAW_MAX_NULL_SHARE,
        why=f"required by the contract ({where}):"
        f" more than {RAW_MAX_NULL_SHARE:.0%} missing is a broken export",
    )
    if relation.required_table:
        checks += rows(1, why=f"a required table ({where}): a build without its rows has nothing to say")
    return checks


# --- hand-written: what dbt does not express ----------------------------------------------------


def _as_of(column: str, f: Facts) -> list:
    if f.as_of_date is None:
        return []
    return equals(column, f.as_of_date, why="built for the warehouse's as_of_date (a stale table fails)")


def _not_future(f: Facts, *columns: str) -> list:
    if f.as_of_at is None:
        return []
    return not_after(*columns, moment=f.as_of_at, why="nothing after the as-of time")


def _predictions(task: str, f: Facts) -> list:
    # key, not-null columns and the [0, 1] and decile ranges are dbt's (contract and tests)
    column = f"{task}_probability"
    checks = _as_of("scored_as_of", f)
    if f.buyers is not None:
        checks += rows_equal(f.buyers, why="one prediction per buyer (intermediate.int_clv_summary)")
    if task in f.observed_rates:
        rate, n = f.observed_rates[task]
        low, high = rate_band(rate, n, PROBABILITY_ODDS_FACTOR)
        checks += mean_between(
            column,
            low,
            high,
            why=f"calibrated: the mean {task} probability stays near the rate observed on the holdout"
            f" ({rate:.3f} on {n:,} customers, marts.model_evaluation positive_rate)",
        )
    return checks


# --- customers and lifecycle --------------------------------------------------------------------


@suite("marts.customer_profiles")
def customer_profiles(f: Facts) -> list:
    return [
        *rows(1),
        # revenue and orders >= 0 are a dbt test; loyalty_points is a balance: redemptions and
        # claw-backs can take it below zero; the per-channel open and click rates are counts over
        # counts (never negative, and above 1 when a message is opened repeatedly)
        *non_negative("orders_placed", "sessions", "open_cart_value"),
        *at_least("orders_placed", "orders", why="completed orders are among the orders placed"),
        *probability("discount_affinity", "probability_alive", "churn_probability", "purchase_probability"),
        *between("latest_nps_score", low=0, high=10, why="NPS answers are 0-10"),
        *between("latest_csat_score", low=1, high=5, why="CSAT answers are 1-5"),
        *between("best_send_hour_local", low=0, high=23, why="an hour of the day"),
        *at_least("last_seen_at", "first_seen_at", why="last seen after first seen"),
        *at_least("last_order_at", "first_order_at", why="last order after the first"),
        *_not_future(f, "first_order_at", "last_order_at", "signed_up_at"),
        *_as_of("as_of_date", f),
    ]


@suite("marts.customer_lifecycle")
def customer_lifecycle(f: Facts) -> list:
    # stage_since <= as_of_date is a dbt test; as_of_date itself is checked here
    checks = [
        *non_negative("order_count"),
        *_as_of("as_of_date", f),
        *_not_future(f, "first_purchase_at", "repeat_purchase_at"),
    ]
    if f.profiles is not None:
        checks += rows_equal(f.profiles, why="one row per person in customer_profiles")
    return checks


@suite("marts.customer_lifecycle_history", "marts.customer_lifecycle_history_weekly")
def customer_lifecycle_history(f: Facts) -> list:
    checks = [*rows(1), *non_negative("orders")]
    if f.as_of_date is not None:
        checks += latest_is("period_end", f.as_of_date, why="the history reaches as_of_date (freshness)")
    return checks


@suite("marts.customer_lifecycle_transitions")
def customer_lifecycle_transitions(f: Facts) -> list:
    checks = between("customers", low=1, why="a listed move has at least one person")
    if f.as_of_date is not None:
        checks += not_after("period_end", moment=f.as_of_date, why="no period after as_of_date")
    return checks


# --- cohorts and KPIs ---------------------------------------------------------------------------


@suite(
    "marts.cohort_retention",
    "marts.cohort_retention_by_acquisition_source",
    "marts.cohort_retention_by_first_order_discount",
)
def cohort_retention(f: Facts) -> list:
    # retained <= cohort customers and cumulative revenue >= revenue are dbt tests
    checks = [
        *non_negative("months_since_first_order", "customers_retained", "orders", "revenue"),
        # a cohort whose only buyers asked to be deleted keeps its orders and revenue (they
        # reconcile with staging) but counts no customers
        *non_negative("cohort_customers"),
        *percentage("retention_rate"),
    ]
    if f.as_of_date is not None:
        checks += not_after("cohort_month", moment=f.as_of_date, why="no cohort after as_of_date")
    return checks


@suite("marts.kpi_daily")
def kpi_daily(f: Facts) -> list:
    # revenue, orders, buyers <= orders, active <= customers and every rate's range are dbt tests
    checks = [
        *rows(1),
        *non_negative("new_customers", "active_customers", "sessions", "emails_sent"),
        # clicks without a tracked open are possible (image blocking): no upper bound
        *non_negative("click_to_open_rate"),
    ]
    if f.as_of_date is not None:
        checks += latest_is("kpi_date", f.as_of_date, why="KPIs reach as_of_date (freshness)")
    return checks


@suite("marts.kpi_monthly")
def kpi_monthly(f: Facts) -> list:
    checks = [
        *rows(1),
        *non_negative("new_customers", "active_customers", "customers", "sessions"),
        *at_least("customers", "new_customers", why="new customers are customers"),
        *at_least(
            "identified_users", "identified_customers", why="identified customers are identified users"
        ),
        *non_negative("click_to_open_rate"),
    ]
    if f.as_of_date is not None:
        month = f.as_of_date.replace(day=1)
        checks += latest_is("kpi_month", month, why="KPIs reach the month of as_of_date (freshness)")
    return checks


# --- campaigns ----------------------------------------------------------------------------------


@suite("marts.campaign_performance")
def campaign_performance(f: Facts) -> list:
    # converters <= members, conversion_rate in [0, 1] and the p-values of set differences are dbt's
    return [
        *non_negative("members", "sends", "deliveries", "opens", "clicks", "converters", "attributed_orders"),
        *non_negative("attributed_revenue", "unique_openers", "unique_clickers", "unsubscribes", "bounces"),
        *probability("ab_p_value", "uplift_p_value"),
    ]


@suite("marts.journey_performance")
def journey_performance(f: Facts) -> list:
    return [
        *non_negative("campaigns", "treated_members", "holdout_members", "sends", "deliveries"),
        *non_negative("treated_converters", "attributed_orders", "attributed_revenue"),
        *at_least("treated_members", "treated_converters", why="converters are members"),
        *probability("treated_conversion_rate", "uplift_p_value"),
    ]


# --- predictions --------------------------------------------------------------------------------


@suite("marts.clv_model_params")
def clv_model_params(f: Facts) -> list:
    # fitted values > 0 where converged is a dbt test
    return non_negative("n_customers", "penalizer_coef")


@suite("marts.clv_predictions")
def clv_predictions(f: Facts) -> list:
    # probability_alive in [0, 1], predicted_clv >= 0 and the horizons' order are dbt tests
    checks = [
        *non_negative(
            "expected_purchases_30d",
            "expected_order_value",
            "predicted_orders",
            "frequency",
        ),
        # tiers are ranks (platinum top 1%, ..., low the bottom 50%): a broken ranking moves them
        *share_in("clv_tier", ["platinum"], 0.0, 0.03, why="platinum is the top 1% by predicted CLV"),
        *share_in("clv_tier", ["low"], 0.3, 0.7, why="low is the bottom half by predicted CLV"),
    ]
    if f.buyers is not None and f.clv_fitted:
        checks += rows_equal(f.buyers, why="one prediction per buyer when both CLV models converged")
    return checks


@suite("marts.purchase_predictions")
def purchase_predictions(f: Facts) -> list:
    return _predictions("purchase", f)


@suite("marts.churn_predictions")
def churn_predictions(f: Facts) -> list:
    return _predictions("churn", f)


@suite("marts.model_evaluation")
def model_evaluation(f: Facts) -> list:
    bounded = Col("metric").is_in(["roc_auc", "pr_auc", "brier", "positive_rate", "mean_predicted"])
    chosen_auc = (Col("metric") == "roc_auc") & (Col("model_role") == "chosen")
    return [
        *between("value", low=0, high=1, why="AUCs, Brier score and rates lie in [0, 1]", where=bounded),
        *between(
            "value",
            low=0.5,
            high=1,
            why="the chosen model ranks better than chance (0.5); below, it is broken",
            where=chosen_auc,
        ),
    ]


@suite("marts.model_selection")
def model_selection(f: Facts) -> list:
    # key and accepted values are dbt's (contract and tests)
    return [
        *probability("mean_roc_auc", "min_roc_auc", "latest_roc_auc"),
        *non_negative("folds", "sd_roc_auc", "mean_calibration_ratio", "latest_calibration_ratio"),
    ]


@suite("marts.model_calibration")
def model_calibration(f: Facts) -> list:
    return [
        *between("decile", low=1, high=10, why="deciles 1-10"),
        *probability("mean_predicted", "observed_rate"),
        *non_negative("customers"),
    ]


# --- segments, funnel, engagement ----------------------------------------------------------------


@suite("marts.customer_rfm")
def customer_rfm(f: Facts) -> list:
    # the scores' 1-5 range and recency_days >= 0 for buyers are dbt tests; that every buyer has
    # all three scores is not (a null score passes a range test)
    buyer = Col("frequency") > 0
    checks = [
        *not_null(
            "recency_score", "frequency_score", "monetary_score", where=buyer, why="every buyer is scored"
        ),
        *non_negative("frequency", "monetary"),
        *_as_of("as_of_date", f),
        *_not_future(f, "last_order_at"),
    ]
    if f.profiles is not None:
        checks += rows_equal(f.profiles, why="one row per person in customer_profiles")
    return checks


@suite("marts.customer_personas")
def customer_personas(f: Facts) -> list:
    return [
        *probability("discount_order_share", "early_adopter_share", "top_brand_share"),
        *non_negative("orders", "branded_units", "avg_hours_view_to_purchase", "price_index"),
    ]


@suite("marts.marketing_funnel")
def marketing_funnel(f: Facts) -> list:
    # that the funnel never grows and conversion_rate's range are dbt tests
    checks = [
        *between("stage_number", low=1, high=6, why="stages 1-6"),
        *non_negative("customers_reached", "customers_with_signal", "customers_at_previous_stage"),
    ]
    if f.as_of_date is not None:
        checks += not_after("funnel_month", moment=f.as_of_date, why="no month after as_of_date")
    return checks


@suite("marts.customer_lifecycle_flow_matrix")
def customer_lifecycle_flow_matrix(f: Facts) -> list:
    checks = [
        *non_negative("customers", "customers_moved"),
        *at_least("customers", "customers_moved", why="movers are among the stage's customers"),
    ]
    if f.as_of_date is not None:
        checks += not_after("period_end", moment=f.as_of_date, why="no period after as_of_date")
    return checks


@suite("marts.customer_channel_engagement")
def customer_channel_engagement(f: Facts) -> list:
    checks = [
        *non_negative("sends", "deliveries", "opens", "clicks", "engagements"),
        *non_negative("unsubscribes", "bounces", "complaints"),
    ]
    if f.as_of_date is not None:
        checks += not_after("engagement_month", moment=f.as_of_date, why="no month after as_of_date")
    return checks


# --- model diagnostics and data quality ------------------------------------------------------------


@suite("marts.model_roc_curve")
def model_roc_curve(f: Facts) -> list:
    # the rates' [0, 1] range is a dbt test
    return non_negative("true_positives", "false_positives")


@suite("marts.model_calibration_curve")
def model_calibration_curve(f: Facts) -> list:
    # decile and probability ranges are a dbt test
    return non_negative("customers")


@suite("marts.data_quality_summary")
def data_quality_summary(f: Facts) -> list:
    # 0 < row_count <= source_rows is a dbt test
    return [
        *rows(1, why="at least the orders source is counted"),
        *percentage("percent_of_source_rows"),
    ]


# --- audiences ----------------------------------------------------------------------------------


def _audience_members(f: Facts) -> list:
    checks = between("best_send_hour_local", low=0, high=23, why="an hour of the day")
    if f.as_of_at is not None:
        checks += equals(
            "computed_at", f.as_of_at, why="computed for the as-of time (stable across rebuilds)"
        )
        checks += equals("updated_at", f.as_of_at, why="what reverse-ETL diffs read: the as-of time")
    return checks


@suite_per_table("audiences.audience_*")
def audience(f: Facts, relation: str) -> list:
    # named after the table, not a list: audience_<name> holds audience <name> only, so with the
    # (audience, customer_key) key each person appears once
    name = relation.split(".", 1)[1].removeprefix("audience_")
    return [*accepted("audience", [name], why="the table holds its own audience only"), *_audience_members(f)]


@suite("audiences.audience_memberships")
def audience_memberships(f: Facts) -> list:
    checks = _audience_members(f)
    if f.audience_rows:
        checks += accepted(
            "audience", sorted(f.audience_rows), why="one of the audience tables of this build"
        )
        checks += rows_equal(sum(f.audience_rows.values()), why="the union of the audience tables")
    return checks


@suite("audiences.audience_memberships_history")
def audience_memberships_history(f: Facts) -> list:
    return at_least("dbt_valid_to", "dbt_valid_from", why="a version ends after it starts")


@suite("audiences.privacy_suppressions")
def privacy_suppressions(f: Facts) -> list:
    return non_negative("people")
