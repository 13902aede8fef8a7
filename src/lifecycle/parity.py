"""Do two builds of the warehouse agree? Row counts and sums of the key marts' measures.

Used by the Spark parity test (tests/python/test_spark_parity.py): the same demo data built on
DuckDB and on Spark must give the same numbers. The queries are plain SQL that both engines run
unchanged, and their results are read through `frames.to_pandas`, so both sides are converted
alike. Integers must be equal, decimals and doubles equal within a relative 1e-6 (summation
order differs between engines), money in cents, text and timestamps equal.

Hashes, normalized text and local times are where engines differ most (regex dialects, hash
functions, time-zone data), so besides counts and sums, text columns that carry them (every
ad-platform hash, the lifecycle stage, the ordered list of last viewed products ...) are compared
person by person: a digest of the sorted `customer_key|value` lines, equal only when every
person's value is.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

REL_TOL = 1e-6


def _ints(*columns: str) -> dict[str, str]:
    # sums of integers cast back to bigint: DuckDB widens them to hugeint, read as float
    return {f"sum({c})": f"cast(sum({c}) as bigint)" for c in columns}


def _floats(*columns: str) -> dict[str, str]:
    return {f"sum({c})": f"sum(cast({c} as double))" for c in columns}


def _money(*columns: str) -> dict[str, str]:
    # amounts in cents, compared exactly: one cent rounded differently is a real difference
    return {f"sum({c}) in cents": f"cast(sum({c}) * 100 as bigint)" for c in columns}


def _flags(*columns: str) -> dict[str, str]:
    return {f"count({c} true)": f"cast(sum(case when {c} then 1 else 0 end) as bigint)" for c in columns}


def _texts(*columns: str) -> dict[str, str]:
    """Distinct values and total length: a different normalization or hash changes both."""
    out = {}
    for c in columns:
        out[f"count(distinct {c})"] = f"count(distinct {c})"
        out[f"sum(length({c}))"] = f"cast(sum(length({c})) as bigint)"
    return out


def _ranges(*columns: str) -> dict[str, str]:
    out = {}
    for c in columns:
        out[f"count(distinct {c})"] = f"count(distinct {c})"
        out[f"min({c})"] = f"min({c})"
        out[f"max({c})"] = f"max({c})"
    return out


# table in schema marts -> measure label -> SQL expression (run on both engines as is)
MART_MEASURES: dict[str, dict[str, str]] = {
    "customer_profiles": {
        "rows": "count(*)",
        "count(distinct customer_key)": "count(distinct customer_key)",
        **_flags("is_identified", "is_registered", "has_email", "has_phone", "is_advocate"),
        **_ints(
            "orders",
            "orders_placed",
            "cancelled_orders",
            "refunded_orders",
            "sessions",
            "email_sends",
            "email_opens",
            "email_clicks",
            "open_cart_items",
            "loyalty_points",
            "referrals_made",
            "days_since_last_order",
            "best_send_hour_local",
            "latest_nps_score",
            "churn_decile",
            "purchase_decile",
        ),
        **_money("revenue", "historic_clv", "open_cart_value"),
        **_floats(
            "average_order_value",
            "discount_affinity",
            "avg_days_between_orders",
            "email_open_rate",
            "probability_alive",
            "predicted_orders",
            "predicted_clv",
            "churn_probability",
            "purchase_probability",
        ),
        **_texts(
            "email_sha256",
            "phone_sha256",
            "country_code",
            "favourite_category",
            "last_viewed_products",
            "preferred_channel",
            "email_marketing_consent",
        ),
        **_ranges("first_order_at", "last_seen_at", "stage_since", "expected_next_order_date"),
    },
    "customer_lifecycle": {
        "rows": "count(*)",
        **_ints("order_count"),
        **_flags("is_advocate", "is_anniversary_next_7_days"),
        "count(previous_stage)": "count(previous_stage)",
        **_ranges("stage_since", "first_purchase_at", "repeat_purchase_at", "next_loyalty_anniversary"),
    },
    "cohort_retention": {
        "rows": "count(*)",
        **_ints("cohort_customers", "customers_retained", "orders", "months_since_first_order"),
        **_money("revenue"),
        **_floats("retention_rate", "cumulative_revenue_per_customer"),
        **_ranges("cohort_month"),
    },
    "kpi_monthly": {
        "rows": "count(*)",
        **_ints(
            "orders",
            "new_customers",
            "active_customers",
            "active_users_30d",
            "customers",
            "identified_users",
            "customers_lapsed",
            "sessions",
            "emails_sent",
        ),
        **_money("revenue"),
        **_floats(
            "average_order_value",
            "activation_rate",
            "repeat_customer_rate",
            "loyal_customer_rate",
            "churn_rate",
            "conversion_rate",
            "cart_abandonment_rate",
            "email_open_rate",
            "click_through_rate",
            "unsubscribe_rate",
            "bounce_rate",
            "nps",
            "csat",
        ),
        **_ranges("kpi_month", "click_to_open_rate"),
    },
    "restricted.int_audience_contacts": {"rows": "count(*)"},
    "customer_rfm": {
        "rows": "count(*)",
        **_ints("recency_days", "frequency", "recency_score", "frequency_score", "monetary_score"),
        **_money("monetary"),
        **_texts("rfm_score"),
    },
    "marketing_funnel": {
        "rows": "count(*)",
        **_ints("stage_number", "customers_reached", "customers_with_signal", "customers_at_previous_stage"),
        **_floats("conversion_rate"),
        **_flags("is_complete_month"),
        **_ranges("funnel_month"),
    },
    "journey_performance": {
        "rows": "count(*)",
        **_ints(
            "campaigns", "treated_members", "holdout_members", "sends", "opens", "clicks", "attributed_orders"
        ),
        **_money("attributed_revenue", "cost"),
        **_floats("treated_conversion_rate", "roi"),
    },
}

# table -> columns whose rows are also counted per value (a stage moved shows here by name)
MART_GROUPS: dict[str, list[str]] = {
    "customer_profiles": ["lifecycle_stage", "clv_tier", "loyalty_tier"],
    "customer_lifecycle": ["lifecycle_stage", "previous_stage"],
    "customer_rfm": ["rfm_segment"],
    "marketing_funnel": ["funnel_stage"],
}

# table -> text columns compared person by person (digest of customer_key|value)
KEY_COLUMN = "customer_key"
MART_DIGESTS: dict[str, list[str]] = {
    "customer_profiles": [
        KEY_COLUMN,
        "email_sha256",
        "phone_sha256",
        "timezone",
        "lifecycle_stage",
        "previous_stage",
        "favourite_brand",
        "last_viewed_products",
        "last_viewed_categories",
        "preferred_channel",
        "clv_tier",
        "loyalty_tier",
    ],
    "customer_lifecycle": ["lifecycle_stage", "previous_stage"],
    "customer_rfm": ["rfm_segment", "rfm_score"],
    "restricted.int_audience_contacts": [
        f"{platform}_{field}"
        for platform, fields in (
            ("google", ("email_sha256", "phone_sha256", "first_name_sha256", "last_name_sha256", "zip")),
            (
                "meta",
                (
                    "email_sha256",
                    "phone_sha256",
                    "first_name_sha256",
                    "last_name_sha256",
                    "city_sha256",
                    "state_sha256",
                    "zip_sha256",
                    "country_sha256",
                ),
            ),
        )
        for field in fields
    ],
}

Query = Callable[[str], pd.DataFrame]


def _relation(table: str, schema: str) -> str:
    return table if "." in table else f"{schema}.{table}"


def mart_measures(query: Query, schema: str = "marts") -> dict[str, Any]:
    """Every measure of MART_MEASURES, MART_GROUPS and MART_DIGESTS on one warehouse, as
    {'table: label': value}. `query` runs SQL there and returns pandas (frames.to_pandas)."""
    values: dict[str, Any] = {}
    for table, measures in MART_MEASURES.items():
        labels = list(measures)
        select = ", ".join(f"{measures[label]} as m{i}" for i, label in enumerate(labels))
        frame = query(f"select {select} from {_relation(table, schema)}")
        for i, label in enumerate(labels):
            # column by column: a row (iloc[0]) of all-numeric columns is float64, which would turn
            # every integer into a float compared within REL_TOL instead of exactly
            values[f"{table}: {label}"] = _plain(frame[f"m{i}"].iloc[0])
    for table, columns in MART_GROUPS.items():
        for column in columns:
            counts = query(f"select {column} as value, count(*) as n from {schema}.{table} group by {column}")
            for value, n in zip(counts["value"], counts["n"], strict=True):
                shown = "null" if _plain(value) is None else value
                values[f"{table}: rows where {column} = {shown}"] = int(n)
    for table, columns in MART_DIGESTS.items():
        others = [c for c in columns if c != KEY_COLUMN]
        frame = query(f"select {', '.join([KEY_COLUMN, *others])} from {_relation(table, schema)}")
        for column in columns:
            label = KEY_COLUMN if column == KEY_COLUMN else f"{KEY_COLUMN}|{column}"
            values[f"{table}: digest({label})"] = digest(frame[KEY_COLUMN], frame[column])
    return values


def digest(keys: pd.Series, column: pd.Series) -> str:
    """A short fingerprint of (key, text value) pairs, independent of row order: equal digests
    mean every key has the same value (null included) on both sides."""
    lines = sorted(
        f"{key}|{'<null>' if _plain(value) is None else value}"
        for key, value in zip(keys, column, strict=True)
    )
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]


def _plain(value: Any) -> Any:
    """numpy/pandas scalars as Python values; missing values (None, NaN, NaT, NA) as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, pd.Timestamp):
        return value.item()
    return value


def values_agree(left: Any, right: Any, rel_tol: float = REL_TOL) -> bool:
    """Equal integers, text and timestamps; floats equal within rel_tol; None only with None."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool) or isinstance(left, int) and isinstance(right, int):
        return left == right
    if isinstance(left, float | int) and isinstance(right, float | int):
        return math.isclose(left, right, rel_tol=rel_tol, abs_tol=1e-12)
    return left == right


@dataclass(frozen=True)
class Comparison:
    """One measure on both engines."""

    measure: str
    left: Any
    right: Any

    @property
    def agrees(self) -> bool:
        return values_agree(self.left, self.right)


def compare(left: dict[str, Any], right: dict[str, Any]) -> list[Comparison]:
    """Every measure of either side, paired (a measure missing on one side is None there)."""
    return [Comparison(m, left.get(m), right.get(m)) for m in sorted(set(left) | set(right))]


def format_table(rows: list[Comparison], left_name: str = "duckdb", right_name: str = "spark") -> str:
    """A fixed-width table of both sides and a verdict per measure, disagreements marked."""
    header = ("measure", left_name, right_name, "")
    cells = [header] + [
        (r.measure, _show(r.left), _show(r.right), "ok" if r.agrees else "DIFFERS") for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    differing = sum(not r.agrees for r in rows)
    lines.append(f"{len(rows)} measures, {differing} differ")
    return "\n".join(line.rstrip() for line in lines)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)
