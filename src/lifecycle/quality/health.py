"""Build warnings: source freshness and row-count anomalies. They never fail a build.

- Freshness follows dbt's own source configuration (models/staging/raw/_raw__sources.yml):
  every raw table with its own `loaded_at_field` (an event time such as `ordered_at`) and a
  `warn_after` is checked against the time it was loaded (a stale export) and against the
  warehouse's as-of time (one feed lagging the others); the source's default field,
  `_loaded_at`, is checked against the build time (building on an old load).
  When var as_of_date is set (a historical dataset such as CDNOW, built as of its own date),
  the as-of time is the reference: an export older than its load is expected then.
- Row counts: each raw table of the latest ingest against the previous ingest
  (raw._ingest_log), and each published table against the previous published build, warn when
  they change by more than the `row_count_change_warn_share` var (and by at least
  MIN_ROW_CHANGE rows, so tiny tables do not cry wolf).
- Audience shrink: each audience's members against the last published build (the serving
  copy's audience_memberships), warning when it lost more than `audience_shrink_warn_share`
  (a broken upstream filter looks exactly like that). dbt cannot see the published build, and
  its snapshot already holds this build's members when a test could read it.
- Empty tables: every public table without rows, with the raw feeds upstream of it (dbt's
  manifest) that were delivered empty, so an orders-only shop learns which file fills what.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from lifecycle import paths
from lifecycle.contract import SOURCES_FILE

# Changes smaller than this many rows are noise whatever their share.
MIN_ROW_CHANGE = 10
PERIODS = {"minute": dt.timedelta(minutes=1), "hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}


@dataclass(frozen=True)
class BuildWarning:
    """Something a person should look at; the build still publishes."""

    kind: str  # freshness, ingest_rows, table_rows, no_suite, dbt_test, audience_shrink, empty_table
    subject: str  # the table concerned
    message: str

    def format(self) -> str:
        return f"  warning [{self.kind}] {self.subject}: {self.message}"


@dataclass(frozen=True)
class FreshnessRule:
    """dbt's freshness configuration of one raw table."""

    table: str
    loaded_at_field: str
    warn_after: dt.timedelta
    filter: str | None = None


def _duration(spec: dict) -> dt.timedelta:
    return int(spec["count"]) * PERIODS[spec["period"]]


def _field_name(expression: str) -> str:
    """`ordered_at` from dbt's `try_cast(ordered_at as timestamp)`, for people reading warnings."""
    match = re.search(r"\(\s*(\w+)\s+as\b", expression)
    return match.group(1) if match else expression


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def freshness_rules(sources_file: Path | None = None) -> tuple[list[FreshnessRule], dt.timedelta | None]:
    """Per-table rules with an event-time field, and the source-level warn_after for `_loaded_at`."""
    path = sources_file or paths.project_dir() / SOURCES_FILE
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    (raw,) = [s for s in spec["sources"] if s["name"] == "raw"]
    default = ((raw.get("config") or {}).get("freshness") or raw.get("freshness") or {}).get("warn_after")
    rules = []
    for table in raw["tables"]:
        field = table.get("loaded_at_field")
        config = (table.get("config") or {}).get("freshness") or table.get("freshness") or {}
        warn_after = config.get("warn_after") or default
        if field and warn_after:
            rules.append(FreshnessRule(table["name"], field, _duration(warn_after), config.get("filter")))
    return rules, (_duration(default) if default else None)


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return con.execute(sql, [schema, table]).fetchall()[0][0] > 0


def _as_of_at(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    if not _exists(con, "intermediate", "int_as_of_date"):
        return None
    rows = con.execute("select as_of_at from intermediate.int_as_of_date").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def freshness_warnings(
    con: duckdb.DuckDBPyConnection,
    now: dt.datetime,
    sources_file: Path | None = None,
    *,
    as_of_date_set: bool = False,
) -> list[BuildWarning]:
    """Latest event times against load time and as-of time; the last load against `now` (UTC).
    With `as_of_date_set` (var as_of_date given) only the as-of time judges the event times."""
    rules, load_warn_after = freshness_rules(sources_file)
    as_of_at = _as_of_at(con)
    warnings: list[BuildWarning] = []
    for rule in rules:
        if not _exists(con, "raw", rule.table):
            continue
        where = f" where {rule.filter}" if rule.filter else ""
        latest, loaded = con.execute(
            f"select max({rule.loaded_at_field}), max(_loaded_at) from raw.{rule.table}{where}"
        ).fetchall()[0]
        if latest is None:
            continue  # an absent optional feed: nothing to be stale
        shown = f"latest {_field_name(rule.loaded_at_field)} {latest:%Y-%m-%d %H:%M}"
        if not as_of_date_set and loaded is not None and loaded - latest > rule.warn_after:
            warnings.append(
                BuildWarning(
                    "freshness",
                    f"raw.{rule.table}",
                    f"{shown} is {_hours(loaded - latest)} older than its load at {loaded:%Y-%m-%d %H:%M} UTC"
                    f" (warn after {_hours(rule.warn_after)}): the delivered export looks stale"
                    " (a historical dataset? build it with --vars '{as_of_date: YYYY-MM-DD}' and"
                    " freshness is judged against that date)",
                )
            )
        if as_of_at is not None and as_of_at - latest > rule.warn_after:
            warnings.append(
                BuildWarning(
                    "freshness",
                    f"raw.{rule.table}",
                    f"{shown} is {_hours(as_of_at - latest)} before the as-of time {as_of_at:%Y-%m-%d %H:%M}"
                    f" (warn after {_hours(rule.warn_after)}): "
                    + (
                        "the feed ends before var as_of_date"
                        if as_of_date_set
                        else "this feed lags the others"
                    ),
                )
            )
    if load_warn_after is not None and _exists(con, "raw", "_ingest_log"):
        (last_load,) = con.execute("select max(loaded_at) from raw._ingest_log").fetchall()[0]
        if last_load is not None and now - last_load > load_warn_after:
            warnings.append(
                BuildWarning(
                    "freshness",
                    "raw",
                    f"last ingest at {last_load:%Y-%m-%d %H:%M} UTC,"
                    f" {_hours(now - last_load)} before this build (warn after {_hours(load_warn_after)})",
                )
            )
    return warnings


def _changed(before: int, after: int, share: float) -> bool:
    if abs(after - before) < MIN_ROW_CHANGE:
        return False
    return before == 0 or abs(after - before) / before > share


def _change(before: int, after: int) -> str:
    if before == 0:
        return f"{before:,} -> {after:,} rows"
    return f"{before:,} -> {after:,} rows ({(after - before) / before:+.0%})"


def ingest_warnings(con: duckdb.DuckDBPyConnection, share: float) -> list[BuildWarning]:
    """Rows per raw table in the latest ingest against the ingest before it (raw._ingest_log)."""
    if not _exists(con, "raw", "_ingest_log"):
        return []
    ingests = con.execute(
        "select ingest_id from raw._ingest_log group by ingest_id order by max(loaded_at) desc limit 2"
    ).fetchall()
    if len(ingests) < 2:
        return []
    (latest,), (previous,) = ingests
    rows = con.execute(
        "select table_name, sum(rows_loaded) filter (where ingest_id = ?),"
        " sum(rows_loaded) filter (where ingest_id = ?) from raw._ingest_log"
        " where ingest_id in (?, ?) group by 1 order by 1",
        [previous, latest, previous, latest],
    ).fetchall()
    return [
        BuildWarning(
            "ingest_rows", f"raw.{table}", f"this ingest vs the previous one: {_change(before, after)}"
        )
        for table, before, after in rows
        if before is not None and after is not None and _changed(int(before), int(after), share)
    ]


def table_row_warnings(current: dict[str, int], previous: dict[str, int], share: float) -> list[BuildWarning]:
    """Published tables whose row count moved against the previous published build."""
    warnings = []
    for relation in sorted(previous.keys() | current.keys()):
        before, after = previous.get(relation), current.get(relation)
        if before is None:
            continue  # a new table: nothing to compare with
        if after is None:
            warnings.append(
                BuildWarning("table_rows", relation, f"published before ({before:,} rows), missing now")
            )
        elif _changed(before, after, share):
            warnings.append(
                BuildWarning(
                    "table_rows", relation, f"vs the previous published build: {_change(before, after)}"
                )
            )
    return warnings


def run_results_since(run_results: Path, since: dt.datetime) -> dict | None:
    """dbt's run_results.json when a dbt run since `since` wrote it (its own generated_at, not the
    file's coarse mtime); None when it is missing, unreadable or an earlier run's (a run that
    failed before writing any leaves the previous one's)."""
    try:
        results = json.loads(run_results.read_text(encoding="utf-8"))
        generated = dt.datetime.fromisoformat(results["metadata"]["generated_at"].replace("Z", "+00:00"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return results if generated >= since else None


def dbt_test_warnings(run_results: Path, since: dt.datetime) -> list[BuildWarning]:
    """The dbt tests of severity warn that found rows in the dbt run that wrote `run_results`
    (an audience that shrank too much, a delivery with null keys ...): dbt prints them among
    hundreds of lines, the build summary lists them. Results written before `since` belong to an
    earlier run and are ignored."""
    results = run_results_since(run_results, since)
    if results is None:
        return []
    return [
        BuildWarning("dbt_test", result["unique_id"].split(".")[2], f"{result['message']} (severity warn)")
        for result in results["results"]
        if result["status"] == "warn" and result["unique_id"].startswith("test.")
    ]


AUDIENCES_RELATION = "audiences.audience_memberships"


def audience_sizes(database: Path) -> dict[str, int]:
    """Members per audience in a warehouse or serving file (audiences.audience_memberships);
    {} when the file or the table is absent (nothing published yet)."""
    if not database.exists():
        return {}
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error:
        return {}
    try:
        if not _exists(con, "audiences", "audience_memberships"):
            return {}
        rows = con.execute(f"select audience, count(*) from {AUDIENCES_RELATION} group by 1").fetchall()
        return {audience: int(n) for audience, n in rows}
    finally:
        con.close()


def audience_shrink_warnings(
    published: dict[str, int], current: dict[str, int], share: float
) -> list[BuildWarning]:
    """Audiences that lost more than `share` of their members since the last published build
    (and at least MIN_ROW_CHANGE people: a handful moving is not a broken filter)."""
    warnings = []
    for audience in sorted(published):
        before, after = published[audience], current.get(audience, 0)
        lost = before - after
        if lost >= MIN_ROW_CHANGE and lost > share * before:
            warnings.append(
                BuildWarning(
                    "audience_shrink",
                    f"audiences.audience_{audience}",
                    f"{before:,} -> {after:,} members since the last published build ({-lost / before:+.0%};"
                    f" warn when more than {share:.0%} is lost, var audience_shrink_warn_share):"
                    " check consent and the upstream filters before the next sync",
                )
            )
    return warnings


# Why a public table can be empty in a shop that delivers fewer raw tables than the demo: the
# raw tables (feeds) that fill it and what it needs from them. The feeds are checked against
# dbt's lineage by tests (each is upstream of every table its pattern matches); a public table
# not listed here gets the empty raw tables upstream of it from the lineage alone.
@dataclass(frozen=True)
class EmptyCause:
    feeds: tuple[str, ...]  # raw tables that fill the table
    why: str  # what the table needs from them
    # the reason still explains an empty table when every feed has rows (a data shape, such as
    # no repeat buyers); else an empty table with its feeds delivered just matched nobody
    holds_with_feeds: bool = False


EMPTY_TABLE_CAUSES: dict[str, EmptyCause] = {
    "audiences.*": EmptyCause(
        ("consents", "customers"),
        "audience members need granted consent for the audience's channel (consents) and an email"
        " or phone (customers, or an email on the orders)",
    ),
    "marts.campaign_performance": EmptyCause(
        ("campaigns", "message_events"),
        "campaign results come from the campaigns and the message events of their sends",
    ),
    "marts.journey_performance": EmptyCause(
        ("campaigns", "message_events"),
        "journey results come from the campaigns and the message events of their sends",
    ),
    "marts.customer_channel_engagement": EmptyCause(
        ("message_events",), "engagement counts the sends, opens and clicks of message events"
    ),
    "marts.marketing_funnel": EmptyCause(
        ("events",), "the funnel counts tracked events (views, carts, checkouts)"
    ),
    "marts.clv_*": EmptyCause(
        ("orders",),
        "CLV needs repeat buyers: orders that share a customer_id or email (an order without either"
        " is a guest buyer of its own)",
        holds_with_feeds=True,
    ),
    "marts.model_*": EmptyCause(
        ("orders",),
        "the purchase and churn models need repeat buyers with enough history for their holdout"
        " (orders that share a customer_id or email)",
        holds_with_feeds=True,
    ),
}


def _cause(relation: str) -> EmptyCause | None:
    for pattern, cause in EMPTY_TABLE_CAUSES.items():
        if fnmatch.fnmatchcase(relation, pattern):
            return cause
    return None


def _relation(node: dict) -> str:
    return f"{node['schema']}.{node.get('alias') or node.get('identifier') or node['name']}"


def upstream_sources(manifest: dict, unique_id: str) -> set[str]:
    """Every source (raw table) the node reads, directly or through other models."""
    parents, seen, stack = manifest.get("parent_map", {}), set(), [unique_id]
    sources = set()
    while stack:
        node = stack.pop()
        for parent in parents.get(node, []):
            if parent in seen:
                continue
            seen.add(parent)
            if parent.startswith("source."):
                sources.add(parent)
            else:
                stack.append(parent)
    return sources


def _is_empty(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, table = relation.split(".", 1)
    if not _exists(con, schema, table):
        return True
    return (
        con.execute(f'select count(*) from (select 1 from "{schema}"."{table}" limit 1)').fetchall()[0][0]
        == 0
    )


def _fit_message(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the CLV fit failed, as the model recorded it (marts.clv_model_params)."""
    if not _exists(con, "marts", "clv_model_params"):
        return None
    rows = con.execute(
        "select distinct fit_message from marts.clv_model_params"
        " where not converged and fit_message is not null order by 1"
    ).fetchall()
    return "; ".join(r[0] for r in rows) or None


def empty_table_warnings(
    con: duckdb.DuckDBPyConnection,
    manifest_path: Path | None = None,
    schemas: tuple[str, ...] = ("marts", "audiences"),
) -> list[BuildWarning]:
    """Public tables without rows, each with why (EMPTY_TABLE_CAUSES) and the raw tables that
    would fill it but were delivered empty; for a table not listed there, the empty raw tables
    upstream of it in dbt's lineage (target/manifest.json)."""
    placeholders = ", ".join("?" for _ in schemas)
    relations = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
        f" where table_schema in ({placeholders}) order by 1",
        list(schemas),
    ).fetchall()
    empty = [relation for (relation,) in relations if _is_empty(con, relation)]
    if not empty:
        return []
    path = manifest_path or paths.project_dir() / "target" / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    by_relation = {
        _relation(node): unique_id
        for unique_id, node in manifest.get("nodes", {}).items()
        if "schema" in node and "name" in node
    }
    sources = manifest.get("sources", {})
    fit_message = _fit_message(con)
    messages: dict[str, list[str]] = {}  # message -> tables: one warning per cause, not per table
    for relation in empty:
        cause = _cause(relation)
        if cause is not None:
            feeds, why = [f"raw.{feed}" for feed in cause.feeds], cause.why
        else:
            unique_id = by_relation.get(relation)
            upstream = upstream_sources(manifest, unique_id) if unique_id else set()
            feeds, why = sorted(_relation(sources[s]) for s in upstream if s in sources), ""
        missing = [feed for feed in feeds if _is_empty(con, feed)]
        if not missing and not (cause and cause.holds_with_feeds):
            why = ""  # its inputs were delivered: the rule matched nobody this time
        parts = [why] if why else []
        if missing:
            files = ", ".join(f"{feed.split('.', 1)[1]}.csv" for feed in missing)
            parts.append(f"{' and '.join(missing)} delivered empty (deliver {files} to fill it)")
        if relation.startswith("marts.clv_") and fit_message:
            parts.append(f"the fit said: {fit_message}")
        if not parts:
            delivered = f" ({', '.join(feeds)} have rows)" if feeds else ""
            parts.append(f"its rules matched nobody in this data{delivered}")
        messages.setdefault("no rows: " + "; ".join(parts), []).append(relation)
    return [
        BuildWarning("empty_table", _subject(relations), message) for message, relations in messages.items()
    ]


def _subject(relations: list[str]) -> str:
    """'audiences.audience_a, audience_b' for tables of one schema, else every name in full."""
    schemas = {r.split(".", 1)[0] for r in relations}
    if len(schemas) == 1 and len(relations) > 1:
        schema = schemas.pop()
        return f"{schema}." + ", ".join(r.split(".", 1)[1] for r in relations)
    return ", ".join(relations)


# Orders that no customer_id, email or anonymous_id ties to a person: each is a person of its own.
GUEST_ORDER_WARN_SHARE = 0.5


def guest_order_warnings(con: duckdb.DuckDBPyConnection) -> list[BuildWarning]:
    """Warn when most orders carry no identifier: every such order is a one-order guest, so
    repeat purchases, CLV, RFM frequency and the purchase/churn models see no returning buyer."""
    if not _exists(con, "raw", "orders"):
        return []
    total, anonymous = con.execute(
        "select count(*), count(*) filter (where coalesce(trim(customer_id), '') = ''"
        " and coalesce(trim(email), '') = '' and coalesce(trim(anonymous_id), '') = '') from raw.orders"
    ).fetchall()[0]
    if not total or anonymous <= GUEST_ORDER_WARN_SHARE * total:
        return []
    return [
        BuildWarning(
            "guest_orders",
            "raw.orders",
            f"{anonymous:,} of {total:,} orders ({anonymous / total:.0%}) carry no customer_id, email or"
            " anonymous_id: each is a guest buyer of its own, so nobody is a repeat customer and CLV and"
            " the purchase/churn models cannot be fitted (deliver customer_id or email on the orders)",
        )
    ]


# persona rule -> (its measure in marts.customer_personas, what fills the measure)
PERSONA_INPUTS = {
    "bargain_hunter": ("discount_order_share", "discount_amount or discount_code on the orders"),
    "innovator": ("early_adopter_share", "order_items and products with launched_at"),
    "brand_loyalist": ("top_brand_share", "order_items and products with a brand"),
    "impulse_buyer": ("avg_hours_view_to_purchase", "events with Product Viewed"),
    "value_shopper": ("price_index", "order_items and products with price and category"),
}


def persona_warnings(con: duckdb.DuckDBPyConnection) -> list[BuildWarning]:
    """When no buyer has a persona, say which rules had no data and what would feed them."""
    if not _exists(con, "marts", "customer_personas"):
        return []
    measures = ", ".join(f"count({measure})" for measure, _ in PERSONA_INPUTS.values())
    buyers, with_persona, enough, *counts = con.execute(
        "select count(*), count(persona), count(*) filter (where has_enough_history),"
        f" {measures} from marts.customer_personas"
    ).fetchall()[0]
    if not buyers or with_persona:
        return []
    unfed = [
        f"{rule} needs {needs}"
        for (rule, (_, needs)), n in zip(PERSONA_INPUTS.items(), counts, strict=True)
        if not n
    ]
    reasons = []
    if not enough:
        reasons.append("no buyer has persona_min_orders completed orders")
    if unfed:
        reasons.append("no data for " + "; ".join(unfed))
    if not reasons:
        reasons.append("every rule had data but no buyer reached its threshold")
    return [
        BuildWarning(
            "empty_column",
            "marts.customer_personas.persona",
            f"none of {buyers:,} buyers has a persona: " + "; ".join(reasons),
        )
    ]
