"""The Great Expectations suites: one function per published table, plus the raw contract.

A suite is a function of `Facts` (numbers measured on *other* tables of the same build: the
as-of date, how many buyers there are, the observed purchase rate) returning GX expectations
built with the helpers in `checks`. Register it with `@suite("schema.table")`. Adding a table:

    @suite("marts.customer_rfm")
    def customer_rfm(f: Facts) -> list:
        return [*key("customer_key"), *between("recency_score", "frequency_score", low=1, high=5)]

Every table in a published schema (marts, audiences) needs a suite: `lifecycle build` lists the
ones without, and tests/python/test_quality_suites.py fails on them. dbt tests already hold keys,
relationships and formulas; these suites add what a BI user or a sync would notice: ranges,
accepted values, freshness against as_of_date, row counts measured elsewhere, and distribution
checks that catch a model that still runs but is broken.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field

from great_expectations.expectations.row_conditions import Column as Col

from lifecycle.contract import LOAD_COLUMNS, load_contract
from lifecycle.quality.checks import (
    accepted,
    at_least,
    between,
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
)

# Schemas published to the serving file; every table in them must have a suite.
PUBLISHED_SCHEMAS = ("marts", "audiences")

STAGES = ["anonymous_visitor", "lead", "new_customer", "active", "loyal", "at_risk", "lapsed", "reactivated"]
CLV_TIERS = ["platinum", "gold", "silver", "bronze", "medium", "low"]
LOYALTY_TIERS = ["bronze", "silver", "gold", "platinum"]
CONSENT_STATUSES = ["granted", "revoked"]
AUDIENCE_CHANNELS = ["email", "sms", "push", "whatsapp", "web_push", "in_app", "google_ads", "meta_ads"]
CHANNELS = ["email", "sms", "push", "whatsapp", "web_push", "in_app"]

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
    """Register `function(facts)` as the suite of each `schema.table` (glob patterns allowed)."""

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
    """The suite of `schema.table`: an exact registration first, then a matching pattern."""
    if relation in SUITES:
        return SUITES[relation]
    for pattern, function in SUITES.items():
        if any(ch in pattern for ch in "*?[") and fnmatch.fnmatchcase(relation, pattern):
            return function
    return None


def expectations_for(relation: str, facts: Facts) -> list:
    """The expectations of `relation` given `facts` (KeyError when it has no suite)."""
    function = suite_for(relation)
    if function is None:
        raise KeyError(f"no Great Expectations suite for {relation}")
    return function(facts, relation)


def _as_of(column: str, f: Facts) -> list:
    if f.as_of_date is None:
        return []
    return equals(column, f.as_of_date, why="built for the warehouse's as_of_date (a stale table fails)")


def _not_future(f: Facts, *columns: str) -> list:
    if f.as_of_at is None:
        return []
    return not_after(*columns, moment=f.as_of_at, why="nothing after the as-of time")


def _predictions(task: str, f: Facts) -> list:
    column = f"{task}_probability"
    checks = [
        *key("customer_key"),
        *not_null(column, f"{task}_decile", f"{task}_model", "model_version"),
        *probability(column),
        *between(f"{task}_decile", low=1, high=10, why="deciles 1-10"),
        *_as_of("scored_as_of", f),
    ]
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


# --- raw contract -------------------------------------------------------------------------------


def raw_contract(table: str) -> list:
    """The raw landing zone as ingest leaves it: load columns set, required columns mostly there."""
    spec = load_contract()[table]
    row_id, _source_file, loaded_at, ingest_id = LOAD_COLUMNS
    checks = [
        *key(row_id),
        *not_null(loaded_at, ingest_id, why="set by ingest for every row (one ingest id per delivery)"),
    ]
    checks += not_null(
        *spec.required_columns,
        mostly=1 - RAW_MAX_NULL_SHARE,
        why=f"required by the contract: more than {RAW_MAX_NULL_SHARE:.0%} missing is a broken export",
    )
    if spec.required:
        checks += rows(1, why="the only required table: a build without orders has nothing to say")
    return checks


def _register_raw() -> None:
    for name in load_contract():
        SUITES[f"raw.{name}"] = lambda facts, relation: raw_contract(relation.split(".", 1)[1])


_register_raw()


# --- customers and lifecycle --------------------------------------------------------------------


@suite("marts.customer_profiles")
def customer_profiles(f: Facts) -> list:
    return [
        *rows(1),
        *key("customer_key"),
        *not_null("lifecycle_stage", "is_identified"),
        *accepted("lifecycle_stage", STAGES),
        *accepted("clv_tier", CLV_TIERS),
        *accepted("loyalty_tier", LOYALTY_TIERS),
        *[
            check
            for channel in ("email", "sms", "push", "whatsapp")
            for check in accepted(f"{channel}_marketing_consent", CONSENT_STATUSES)
        ],
        *accepted("preferred_channel", CHANNELS),
        # loyalty_points is a balance: redemptions and claw-backs can take it below zero
        *non_negative("orders", "orders_placed", "revenue", "sessions", "open_cart_value"),
        *at_least("orders_placed", "orders", why="completed orders are among the orders placed"),
        *probability("discount_affinity", "probability_alive", "churn_probability", "purchase_probability"),
        # opens and clicks per message sent: repeated opens of one message can take them above 1
        *non_negative(*(f"{c}_{r}_rate" for c in CHANNELS for r in ("open", "click"))),
        *between("latest_nps_score", low=0, high=10, why="NPS answers are 0-10"),
        *between("latest_csat_score", low=1, high=5, why="CSAT answers are 1-5"),
        *between("best_send_hour_local", low=0, high=23, why="an hour of the day"),
        *sha256("email_sha256", "phone_sha256"),
        *at_least("last_seen_at", "first_seen_at", why="last seen after first seen"),
        *at_least("last_order_at", "first_order_at", why="last order after the first"),
        *_not_future(f, "first_order_at", "last_order_at", "signed_up_at"),
        *_as_of("as_of_date", f),
    ]


@suite("marts.customer_lifecycle")
def customer_lifecycle(f: Facts) -> list:
    checks = [
        *key("customer_key"),
        *not_null("lifecycle_stage"),
        *accepted("lifecycle_stage", STAGES),
        *accepted("previous_stage", STAGES),
        *non_negative("order_count"),
        *_as_of("as_of_date", f),
        *_not_future(f, "first_purchase_at", "repeat_purchase_at"),
    ]
    if f.as_of_date is not None:
        checks += not_after("stage_since", moment=f.as_of_date, why="a stage cannot start after as_of_date")
    if f.profiles is not None:
        checks += rows_equal(f.profiles, why="one row per person in customer_profiles")
    return checks


@suite("marts.customer_lifecycle_history", "marts.customer_lifecycle_history_weekly")
def customer_lifecycle_history(f: Facts) -> list:
    checks = [
        *rows(1),
        *key("customer_key", "period_end"),
        *not_null("lifecycle_stage", "is_current"),
        *accepted("lifecycle_stage", STAGES),
        *non_negative("orders"),
    ]
    if f.as_of_date is not None:
        checks += latest_is("period_end", f.as_of_date, why="the history reaches as_of_date (freshness)")
    return checks


@suite("marts.customer_lifecycle_transitions")
def customer_lifecycle_transitions(f: Facts) -> list:
    checks = [
        *key("period_end", "from_stage", "to_stage"),
        *accepted(
            "from_stage", [*STAGES, "new_to_warehouse"], why="a stage, or new_to_warehouse (first seen)"
        ),
        *accepted("to_stage", STAGES),
        *between("customers", low=1, why="a listed move has at least one person"),
    ]
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
    checks = [
        *not_null("cohort_month", "months_since_first_order"),
        *non_negative("months_since_first_order", "customers_retained", "orders", "revenue"),
        *at_least("cumulative_revenue", "revenue", why="cumulative revenue includes this month's"),
        # a cohort whose only buyers asked to be deleted keeps its orders and revenue (they
        # reconcile with staging) but counts no customers
        *non_negative("cohort_customers"),
        *at_least("cohort_customers", "customers_retained", why="retained customers are cohort members"),
        *percentage("retention_rate"),
    ]
    if f.as_of_date is not None:
        checks += not_after("cohort_month", moment=f.as_of_date, why="no cohort after as_of_date")
    return checks


# Shares of a whole (sessions with an order among sessions, ...): at most 100.
SESSION_PERCENTAGES = ("conversion_rate", "cart_abandonment_rate", "csat")
# Email events over deliveries. Per day they can exceed 100 (opens counted on the day they happen,
# deliveries on theirs), per month they should not.
EMAIL_RATES = ("email_open_rate", "click_through_rate", "unsubscribe_rate", "bounce_rate")


@suite("marts.kpi_daily")
def kpi_daily(f: Facts) -> list:
    checks = [
        *rows(1),
        *key("kpi_date"),
        *non_negative("revenue", "orders", "new_customers", "active_customers", "sessions", "emails_sent"),
        *at_least("orders", "buyers", why="each buyer placed an order that day"),
        *at_least("customers", "active_customers", why="active customers are customers"),
        *percentage(*SESSION_PERCENTAGES),
        # clicks without a tracked open are possible (image blocking): no upper bound either
        *non_negative(*EMAIL_RATES, "click_to_open_rate"),
        *between("nps", low=-100, high=100, why="NPS = % promoters - % detractors"),
    ]
    if f.as_of_date is not None:
        checks += latest_is("kpi_date", f.as_of_date, why="KPIs reach as_of_date (freshness)")
    return checks


@suite("marts.kpi_monthly")
def kpi_monthly(f: Facts) -> list:
    checks = [
        *rows(1),
        *key("kpi_month"),
        *non_negative("revenue", "orders", "new_customers", "active_customers", "customers", "sessions"),
        *at_least("customers", "new_customers", why="new customers are customers"),
        *at_least(
            "identified_users", "identified_customers", why="identified customers are identified users"
        ),
        *percentage(*SESSION_PERCENTAGES, *EMAIL_RATES),
        *percentage("activation_rate", "repeat_customer_rate", "loyal_customer_rate"),
        *percentage("churn_rate"),
        *non_negative("click_to_open_rate"),
        *between("nps", low=-100, high=100, why="NPS = % promoters - % detractors"),
    ]
    if f.as_of_date is not None:
        month = f.as_of_date.replace(day=1)
        checks += latest_is("kpi_month", month, why="KPIs reach the month of as_of_date (freshness)")
    return checks


# --- campaigns ----------------------------------------------------------------------------------


@suite("marts.campaign_performance")
def campaign_performance(f: Facts) -> list:
    return [
        *key("campaign_id", "variant"),
        *non_negative("members", "sends", "deliveries", "opens", "clicks", "converters", "attributed_orders"),
        *non_negative("attributed_revenue", "unique_openers", "unique_clickers", "unsubscribes", "bounces"),
        *at_least("members", "converters", why="converters are members"),
        *probability("conversion_rate", "ab_p_value", "uplift_p_value"),
        *accepted("channel", CHANNELS),
    ]


# --- predictions --------------------------------------------------------------------------------


@suite("marts.clv_model_params")
def clv_model_params(f: Facts) -> list:
    converged = Col("converged") == True  # noqa: E712 (a GX row condition, not a Python test)
    return [
        *key("model", "parameter"),
        *accepted("model", ["bgnbd", "gamma_gamma"]),
        *accepted("parameter", ["r", "alpha", "a", "b", "p", "q", "v"]),
        *accepted("time_unit", ["day", "week"]),
        *not_null("converged"),
        *between("value", low=0, why="fitted parameters are positive", where=converged),
        *non_negative("n_customers", "penalizer_coef"),
    ]


@suite("marts.clv_predictions")
def clv_predictions(f: Facts) -> list:
    checks = [
        *key("customer_key"),
        *not_null("probability_alive", "predicted_clv", "clv_tier"),
        *probability("probability_alive"),
        *non_negative(
            "expected_purchases_30d",
            "expected_purchases_90d",
            "expected_purchases_365d",
            "expected_order_value",
            "predicted_clv",
            "predicted_orders",
            "frequency",
        ),
        *at_least(
            "expected_purchases_365d", "expected_purchases_30d", why="a longer horizon, more purchases"
        ),
        *accepted("clv_tier", CLV_TIERS),
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
    bounded = Col("metric").is_in(["roc_auc", "pr_auc", "brier", "positive_rate"])
    chosen_auc = (Col("metric") == "roc_auc") & (Col("model_role") == "chosen")
    return [
        *key("task", "model", "metric"),
        *accepted("task", ["purchase", "churn"]),
        *accepted("model_role", ["chosen", "candidate", "baseline"]),
        *not_null("value", "holdout_customers"),
        *between("value", low=0, high=1, why="AUCs, Brier score and rates lie in [0, 1]", where=bounded),
        *between(
            "value",
            low=0.5,
            high=1,
            why="the chosen model ranks better than chance (0.5); below, it is broken",
            where=chosen_auc,
        ),
    ]


@suite("marts.model_calibration")
def model_calibration(f: Facts) -> list:
    return [
        *key("task", "model", "decile"),
        *between("decile", low=1, high=10, why="deciles 1-10"),
        *probability("mean_predicted", "observed_rate"),
        *non_negative("customers"),
    ]


# --- segments, funnel, engagement ----------------------------------------------------------------

RFM_SEGMENTS = [
    "Champions",
    "Loyal",
    "Potential Loyalist",
    "New",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Cannot Lose Them",
    "Hibernating",
    "Prospects",
]
PERSONAS = ["bargain_hunter", "brand_loyalist", "impulse_buyer", "innovator", "value_shopper"]
FUNNEL_STAGES = ["awareness", "desire", "intent", "decision", "action", "loyalty"]


@suite("marts.customer_rfm")
def customer_rfm(f: Facts) -> list:
    buyer = Col("rfm_segment") != "Prospects"
    checks = [
        *key("customer_key"),
        *not_null("rfm_segment"),
        *accepted("rfm_segment", RFM_SEGMENTS, why="the published (R, F) segment map, or Prospects"),
        *between(
            "recency_score", "frequency_score", "monetary_score", low=1, high=5, why="quintile scores 1-5"
        ),
        *not_null("recency_score", "frequency_score", "monetary_score", where=buyer),
        *non_negative("recency_days", "frequency", "monetary"),
        *_as_of("as_of_date", f),
        *_not_future(f, "last_order_at"),
    ]
    if f.profiles is not None:
        checks += rows_equal(f.profiles, why="one row per person in customer_profiles")
    return checks


@suite("marts.customer_personas")
def customer_personas(f: Facts) -> list:
    return [
        *key("customer_key"),
        *accepted("persona", PERSONAS),
        *not_null("has_enough_history"),
        *probability("discount_order_share", "early_adopter_share", "top_brand_share"),
        *non_negative("orders", "branded_units", "avg_hours_view_to_purchase", "price_index"),
    ]


@suite("marts.marketing_funnel")
def marketing_funnel(f: Facts) -> list:
    checks = [
        *key("funnel_month", "funnel_stage"),
        *accepted("funnel_stage", FUNNEL_STAGES, why="the six stages of the marketing cycle"),
        *between("stage_number", low=1, high=6, why="stages 1-6"),
        *non_negative("customers_reached", "customers_with_signal", "customers_at_previous_stage"),
        *at_least("customers_at_previous_stage", "customers_reached", why="a funnel never grows"),
        *percentage("conversion_rate"),
    ]
    if f.as_of_date is not None:
        checks += not_after("funnel_month", moment=f.as_of_date, why="no month after as_of_date")
    return checks


@suite("marts.customer_lifecycle_flow_matrix")
def customer_lifecycle_flow_matrix(f: Facts) -> list:
    checks = [
        *key("period_end", "from_stage"),
        *non_negative("customers", "customers_moved", *(f"to_{stage}" for stage in STAGES)),
        *at_least("customers", "customers_moved", why="movers are among the stage's customers"),
    ]
    if f.as_of_date is not None:
        checks += not_after("period_end", moment=f.as_of_date, why="no period after as_of_date")
    return checks


@suite("marts.customer_channel_engagement")
def customer_channel_engagement(f: Facts) -> list:
    checks = [
        *key("customer_key", "channel", "engagement_month"),
        *accepted("channel", CHANNELS),
        *non_negative("sends", "deliveries", "opens", "clicks", "engagements"),
        *non_negative("unsubscribes", "bounces", "complaints"),
    ]
    if f.as_of_date is not None:
        checks += not_after("engagement_month", moment=f.as_of_date, why="no month after as_of_date")
    return checks


@suite("marts.journey_performance")
def journey_performance(f: Facts) -> list:
    return [
        *key("journey"),
        *non_negative("campaigns", "treated_members", "holdout_members", "sends", "deliveries"),
        *non_negative("treated_converters", "attributed_orders", "attributed_revenue"),
        *at_least("treated_members", "treated_converters", why="converters are members"),
        *probability("treated_conversion_rate", "uplift_p_value"),
        *at_least("uplift_ci_high", "uplift_ci_low", why="an interval's upper end is above its lower"),
    ]


# --- model diagnostics and data quality ------------------------------------------------------------


@suite("marts.model_roc_curve")
def model_roc_curve(f: Facts) -> list:
    return [
        *key("task", "model", "point_number"),
        *accepted("task", ["purchase", "churn"]),
        *accepted("model_role", ["chosen", "candidate", "baseline"]),
        *probability("false_positive_rate", "true_positive_rate"),
        *non_negative("true_positives", "false_positives"),
    ]


@suite("marts.model_calibration_curve")
def model_calibration_curve(f: Facts) -> list:
    return [
        *key("task", "model", "decile"),
        *accepted("model_role", ["chosen", "candidate", "baseline"]),
        *between("decile", low=1, high=10, why="deciles 1-10"),
        *probability("mean_predicted", "observed_rate"),
        *non_negative("customers"),
    ]


@suite("marts.data_quality_summary")
def data_quality_summary(f: Facts) -> list:
    return [
        *rows(1, why="at least the orders source is counted"),
        *key("source_table", "row_outcome"),
        *non_negative("row_count"),
        *at_least("source_rows", "row_count", why="an outcome's rows are among its source's rows"),
        *percentage("percent_of_source_rows"),
        *not_null("is_quarantined"),
    ]


# --- audiences ----------------------------------------------------------------------------------

AUDIENCE_HASHES = ("email_sha256", "phone_sha256", "first_name_sha256", "last_name_sha256")


def _audience_members(f: Facts) -> list:
    checks = [
        *not_null("audience", "customer_key", "customer_id", "channel", "computed_at", "updated_at"),
        *accepted("channel", AUDIENCE_CHANNELS),
        *sha256(*AUDIENCE_HASHES),
        *between("best_send_hour_local", low=0, high=23, why="an hour of the day"),
    ]
    if f.as_of_at is not None:
        checks += equals(
            "computed_at", f.as_of_at, why="computed for the as-of time (stable across rebuilds)"
        )
        checks += equals("updated_at", f.as_of_at, why="what reverse-ETL diffs read: the as-of time")
    return checks


@suite_per_table("audiences.audience_*")
def audience(f: Facts, relation: str) -> list:
    name = relation.split(".", 1)[1].removeprefix("audience_")
    return [
        *key("customer_key"),
        *accepted("audience", [name], why="the table holds its own audience only"),
        *_audience_members(f),
    ]


@suite("audiences.audience_memberships")
def audience_memberships(f: Facts) -> list:
    checks = [*key("membership_id"), *key("audience", "customer_key"), *_audience_members(f)]
    if f.audience_rows:
        checks += accepted("audience", sorted(f.audience_rows), why="one of the audience tables")
        checks += rows_equal(sum(f.audience_rows.values()), why="the union of the audience tables")
    return checks


@suite("audiences.audience_memberships_history")
def audience_memberships_history(f: Facts) -> list:
    return [
        *key("dbt_scd_id"),
        *key("membership_id", "dbt_valid_from"),
        *not_null("audience", "customer_key"),
        *at_least("dbt_valid_to", "dbt_valid_from", why="a version ends after it starts"),
    ]


@suite("audiences.privacy_suppressions")
def privacy_suppressions(f: Facts) -> list:
    return [
        *key("suppression_reason", "channel"),
        *accepted(
            "suppression_reason",
            [
                "deletion_request",
                "any_reason",
                "no_consent",
                "no_contact_details",
                "unsubscribed",
                "bounced",
                "complained",
                "no_ads_consent",
                "sale_or_sharing_opt_out",
            ],
        ),
        *non_negative("people"),
    ]
