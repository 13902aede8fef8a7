"""What the report reads: small aggregates of the public tables (schemas marts and audiences only,
the ones the serving copy publishes), fetched read-only. Aggregation happens in DuckDB, so a
million-customer warehouse sends the report a few thousand numbers, not its rows.

Each loader returns plain Python values, or raises `Missing` naming the table it needs when that
table is not in this warehouse (an older build, or a table another part of the project adds), so
the page can say "not available in this build" instead of failing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import duckdb

from lifecycle import manifest


def stage_order() -> tuple[str, ...]:
    """Lifecycle stages in lifecycle order, new_to_warehouse first (macros/enumerations.sql, read
    from dbt's manifest); unknown stages sort after them."""
    return manifest.load().enumeration("lifecycle_from_stages")


def clv_tier_order() -> tuple[str, ...]:
    """CLV tiers, top first (macros/enumerations.sql)."""
    return manifest.load().enumeration("clv_tiers")


def model_tasks() -> tuple[str, ...]:
    """The classifier tasks (purchase, then churn; macros/enumerations.sql)."""
    return manifest.load().enumeration("model_tasks")


class Missing(LookupError):
    """A table the section needs is not in this warehouse."""

    def __init__(self, relation: str, detail: str = ""):
        super().__init__(relation)
        self.relation = relation
        self.detail = detail


class Warehouse:
    """A read-only DuckDB connection with a few helpers. Every result is fully fetched (DuckDB
    refuses new work on a connection with an unfetched result)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        found = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where table_schema in ('marts', 'audiences')"
        ).fetchall()
        self._columns: dict[str, set[str]] = {}
        for schema, table, column in found:
            self._columns.setdefault(f"{schema}.{table}", set()).add(column)

    def has(self, relation: str) -> bool:
        return relation in self._columns

    def columns(self, relation: str) -> set[str]:
        return self._columns.get(relation, set())

    def need(self, relation: str, *columns: str) -> None:
        """Raise Missing unless the relation exists with these columns."""
        if not self.has(relation):
            raise Missing(relation)
        absent = [c for c in columns if c not in self.columns(relation)]
        if absent:
            raise Missing(relation, f"columns {', '.join(absent)} are missing")

    def rows(self, sql: str, params: list | None = None) -> list[dict[str, Any]]:
        result = self.con.execute(sql, params or [])
        names = [d[0] for d in result.description]
        return [dict(zip(names, _plain(row), strict=True)) for row in result.fetchall()]

    def one(self, sql: str, params: list | None = None) -> dict[str, Any]:
        found = self.rows(sql, params)
        return found[0] if found else {}


def _plain(row: tuple) -> list:
    """Decimals to floats and NaN to None, so formatting and charts see one kind of number."""
    out = []
    for value in row:
        if value is not None and hasattr(value, "as_integer_ratio") and not isinstance(value, int | float):
            value = float(value)
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        out.append(value)
    return out


def as_of_date(wh: Warehouse) -> dt.date | None:
    """The date the warehouse is as of: customer_lifecycle's as_of_date, else the last KPI day."""
    if wh.has("marts.customer_lifecycle") and "as_of_date" in wh.columns("marts.customer_lifecycle"):
        found = wh.one("select max(as_of_date) as d from marts.customer_lifecycle").get("d")
        if found:
            return found
    if wh.has("marts.kpi_daily"):
        return wh.one("select max(kpi_date) as d from marts.kpi_daily").get("d")
    return None


def kpi_months(wh: Warehouse) -> list[dict[str, Any]]:
    wh.need("marts.kpi_monthly", "kpi_month")
    return wh.rows("select * from marts.kpi_monthly order by kpi_month")


def stage_counts(wh: Warehouse) -> list[tuple[str, int]]:
    wh.need("marts.customer_lifecycle", "lifecycle_stage")
    found = wh.rows("select lifecycle_stage as stage, count(*) as n from marts.customer_lifecycle group by 1")
    return sorted(((r["stage"], r["n"]) for r in found), key=lambda x: _stage_rank(x[0]))


def _stage_rank(stage: str) -> tuple[int, str]:
    order = stage_order()
    return (order.index(stage) if stage in order else len(order), stage)


@dataclass
class StageFlow:
    """Moves between lifecycle stages into the latest period end."""

    period_end: dt.date
    previous_period_end: dt.date | None
    flows: list[tuple[str, str, int]]


def latest_stage_flow(wh: Warehouse) -> StageFlow:
    wh.need("marts.customer_lifecycle_transitions", "period_end", "from_stage", "to_stage", "customers")
    ends = wh.rows(
        "select distinct period_end from marts.customer_lifecycle_transitions"
        " order by period_end desc limit 2"
    )
    if not ends:
        raise Missing("marts.customer_lifecycle_transitions", "the table is empty")
    latest = ends[0]["period_end"]
    flows = wh.rows(
        "select from_stage, to_stage, customers from marts.customer_lifecycle_transitions"
        " where period_end = ? and customers > 0",
        [latest],
    )
    return StageFlow(
        period_end=latest,
        previous_period_end=ends[1]["period_end"] if len(ends) > 1 else None,
        flows=[(r["from_stage"], r["to_stage"], int(r["customers"])) for r in flows],
    )


def cohorts(wh: Warehouse, max_cohorts: int = 24) -> list[dict[str, Any]]:
    """The latest max_cohorts cohorts, every month offset."""
    wh.need(
        "marts.cohort_retention",
        "cohort_month",
        "months_since_first_order",
        "cohort_customers",
        "customers_retained",
        "retention_rate",
    )
    return wh.rows(
        "select cohort_month, months_since_first_order, cohort_customers, customers_retained, retention_rate"
        " from marts.cohort_retention"
        " where cohort_month in (select distinct cohort_month from marts.cohort_retention"
        "                        order by cohort_month desc limit ?)"
        " order by cohort_month, months_since_first_order",
        [max_cohorts],
    )


@dataclass
class RFM:
    cells: dict[tuple[int, int], tuple[str, int]]  # (recency score, frequency score) -> (segment, customers)
    segments: list[dict[str, Any]]  # segment, customers, avg_monetary (None without the column)
    prospects: int


def rfm(wh: Warehouse) -> RFM:
    wh.need("marts.customer_rfm", "recency_score", "frequency_score", "rfm_segment")
    monetary = "avg(monetary)" if "monetary" in wh.columns("marts.customer_rfm") else "cast(null as double)"
    cells = wh.rows(
        "select recency_score as r, frequency_score as f, rfm_segment as segment, count(*) as n"
        " from marts.customer_rfm where recency_score is not null and frequency_score is not null"
        " group by 1, 2, 3"
    )
    grid: dict[tuple[int, int], tuple[str, int]] = {}
    for row in cells:
        key = (int(row["r"]), int(row["f"]))
        # one segment per (R, F) cell by the published map; keep the largest if data disagrees
        if key not in grid or row["n"] > grid[key][1]:
            grid[key] = (row["segment"], int(row["n"]))
    segments = wh.rows(
        f"select rfm_segment as segment, count(*) as customers, {monetary} as avg_monetary"
        " from marts.customer_rfm where recency_score is not null group by 1 order by 2 desc"
    )
    prospects = wh.one("select count(*) as n from marts.customer_rfm where recency_score is null")["n"]
    return RFM(cells=grid, segments=segments, prospects=int(prospects))


@dataclass
class CLV:
    customers: int
    total: float
    top_decile_share: float | None
    bins: list[tuple[float, float | None, int]]  # (from, to or None for the open last bin, customers)
    tiers: list[dict[str, Any]]  # tier, customers, value
    fit_messages: list[str]


def clv(wh: Warehouse, bin_count: int = 20) -> CLV:
    wh.need("marts.clv_predictions", "predicted_clv", "clv_tier")
    stats = wh.one(
        "select count(*) as n, coalesce(sum(predicted_clv), 0) as total,"
        " quantile_cont(predicted_clv, 0.99) as p99"
        " from marts.clv_predictions where predicted_clv is not null"
    )
    messages = []
    if wh.has("marts.clv_model_params") and "fit_message" in wh.columns("marts.clv_model_params"):
        messages = [
            f"{r['model']}: {r['fit_message']}"
            for r in wh.rows(
                "select distinct model, fit_message from marts.clv_model_params"
                " where fit_message is not null order by 1"
            )
        ]
    n = int(stats.get("n") or 0)
    if n == 0:
        return CLV(0, 0.0, None, [], [], messages)
    width = _nice_width((stats["p99"] or 0) / bin_count)
    found = wh.rows(
        "select least(floor(predicted_clv / ?), ?) as b, count(*) as n from marts.clv_predictions"
        " where predicted_clv is not null group by 1 order by 1",
        [width, bin_count],
    )
    counts = {int(r["b"]): int(r["n"]) for r in found}
    bins = [
        (k * width, None if k == bin_count else (k + 1) * width, counts.get(k, 0))
        for k in range(bin_count + 1)
    ]
    while bins and bins[-1][2] == 0:  # no empty open-ended bin at the end
        bins.pop()
    top = wh.one(
        "select sum(case when r <= ceil(n * 0.1) then v else 0 end) / nullif(sum(v), 0) as share from ("
        " select predicted_clv as v, row_number() over (order by predicted_clv desc) as r,"
        " count(*) over () as n"
        " from marts.clv_predictions where predicted_clv is not null)"
    )["share"]
    tiers = wh.rows(
        "select clv_tier as tier, count(*) as customers, coalesce(sum(predicted_clv), 0) as value"
        " from marts.clv_predictions group by 1"
    )
    order = clv_tier_order()
    tiers.sort(key=lambda r: order.index(r["tier"]) if r["tier"] in order else len(order))
    return CLV(n, float(stats["total"]), top, bins, tiers, messages)


def _nice_width(raw: float) -> float:
    """A round bin width at least raw (1, 2, 2.5 or 5 times a power of ten)."""
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


@dataclass
class ModelQuality:
    # task, model, model_role, metric, value, holdout_snapshot, holdout_customers, fold_number,
    # is_latest_fold, training_snapshots, horizon_days: one row per fold
    evaluation: list[dict[str, Any]]
    roc: dict[tuple[str, str], list[tuple[float, float]]]  # (task, model) -> points in order
    calibration: dict[tuple[str, str], list[dict[str, Any]]]  # (task, model) -> deciles


def model_quality(wh: Warehouse) -> ModelQuality:
    wh.need("marts.model_evaluation", "task", "model", "model_role", "metric", "value")
    wh.need(
        "marts.model_roc_curve", "task", "model", "point_number", "false_positive_rate", "true_positive_rate"
    )
    wh.need("marts.model_calibration_curve", "task", "model", "decile", "mean_predicted", "observed_rate")
    evaluation = wh.rows(
        "select * from marts.model_evaluation order by task, model, metric, holdout_snapshot"
    )
    roc: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for r in wh.rows(
        "select task, model, false_positive_rate as x, true_positive_rate as y from marts.model_roc_curve"
        " order by task, model, point_number"
    ):
        roc.setdefault((r["task"], r["model"]), []).append((r["x"], r["y"]))
    calibration: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in wh.rows(
        "select task, model, decile, customers, mean_predicted, observed_rate"
        " from marts.model_calibration_curve"
        " order by task, model, decile"
    ):
        calibration.setdefault((r["task"], r["model"]), []).append(r)
    return ModelQuality(evaluation, roc, calibration)


def campaigns(wh: Warehouse) -> list[dict[str, Any]]:
    wh.need(
        "marts.campaign_performance",
        "campaign_id",
        "variant",
        "members",
        "converters",
        "ab_difference",
        "ab_ci_low",
        "ab_ci_high",
        "uplift_difference",
        "uplift_ci_low",
        "uplift_ci_high",
    )
    return wh.rows("select * from marts.campaign_performance order by campaign_id, variant")


def journeys(wh: Warehouse) -> list[dict[str, Any]]:
    wh.need("marts.journey_performance")
    return wh.rows("select * from marts.journey_performance order by 1")


@dataclass
class AudienceSizes:
    current: list[dict[str, Any]]  # audience, channel, members
    times: list[dt.datetime]  # build times the history knows (oldest first)
    history: dict[str, list[int]]  # audience -> members at each time


def audience_sizes(wh: Warehouse, max_points: int = 30) -> AudienceSizes:
    wh.need("audiences.audience_memberships", "audience")
    current = wh.rows(
        "select audience, string_agg(distinct channel, ', ') as channel, count(*) as members"
        " from audiences.audience_memberships group by 1 order by 1"
    )
    times: list[dt.datetime] = []
    history: dict[str, list[int]] = {}
    relation = "audiences.audience_memberships_history"
    if wh.has(relation) and {"dbt_valid_from", "dbt_valid_to"} <= wh.columns(relation):
        # rows dbt marks as deletions (hard_deletes='new_record') are not memberships
        live = (
            "and coalesce(cast(h.dbt_is_deleted as varchar), 'false') <> 'True'"
            if ("dbt_is_deleted" in wh.columns(relation))
            else ""
        )
        found = wh.rows(
            f"""
            with times as (
                select dbt_valid_from as t from {relation}
                union
                select dbt_valid_to from {relation} where dbt_valid_to is not null
            ),
            latest as (select t from times order by t desc limit ?)
            select latest.t, h.audience, count(h.audience) as members
            from latest
            left join {relation} h
                on h.dbt_valid_from <= latest.t
                and (h.dbt_valid_to is null or h.dbt_valid_to > latest.t) {live}
            group by 1, 2
            order by 1
            """,
            [max_points],
        )
        times = sorted({r["t"] for r in found})
        index = {t: i for i, t in enumerate(times)}
        for r in found:
            if r["audience"] is None:
                continue
            history.setdefault(r["audience"], [0] * len(times))[index[r["t"]]] = int(r["members"])
    return AudienceSizes(current=current, times=times, history=history)


def data_quality(wh: Warehouse) -> list[dict[str, Any]]:
    wh.need(
        "marts.data_quality_summary",
        "source_table",
        "row_outcome",
        "row_count",
        "source_rows",
        "is_quarantined",
    )
    return wh.rows("select * from marts.data_quality_summary order by source_table, row_count desc")


# Build warnings that explain what a shop's data leaves empty (lifecycle.quality.health).
EXPLAINING_KINDS = ("empty_table", "empty_column", "guest_orders")


def build_notes(wh: Warehouse) -> list[dict[str, Any]]:
    """The latest published build's warnings that say what is empty and why (kind, subject,
    message); [] for a warehouse without a published build (schema publish)."""
    found = wh.con.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'publish' and table_name in ('builds', 'warnings')"
    ).fetchall()[0][0]
    if found < 2:
        return []
    placeholders = ", ".join("?" for _ in EXPLAINING_KINDS)
    return wh.rows(
        "select kind, subject, message from publish.warnings"
        " where build_id = (select build_id from publish.builds order by published_at desc limit 1)"
        f" and kind in ({placeholders}) order by kind, subject",
        list(EXPLAINING_KINDS),
    )
