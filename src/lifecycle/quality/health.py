"""Build warnings: source freshness and row-count anomalies. They never fail a build.

- Freshness follows dbt's own source configuration (models/staging/raw/_raw__sources.yml):
  every raw table with its own `loaded_at_field` (an event time such as `ordered_at`) and a
  `warn_after` is checked against the time it was loaded (a stale export) and against the
  warehouse's as-of time (one feed lagging the others); the source's default field,
  `_loaded_at`, is checked against the build time (building on an old load).
- Row counts: each raw table of the latest ingest against the previous ingest
  (raw._ingest_log), and each published table against the previous published build, warn when
  they change by more than the `row_count_change_warn_share` var (and by at least
  MIN_ROW_CHANGE rows, so tiny tables do not cry wolf).
"""

from __future__ import annotations

import datetime as dt
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

    kind: str  # freshness, ingest_rows, table_rows, no_suite, dbt_test
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
    con: duckdb.DuckDBPyConnection, now: dt.datetime, sources_file: Path | None = None
) -> list[BuildWarning]:
    """Latest event times against load time and as-of time; the last load against `now` (UTC)."""
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
        if loaded is not None and loaded - latest > rule.warn_after:
            warnings.append(
                BuildWarning(
                    "freshness",
                    f"raw.{rule.table}",
                    f"{shown} is {_hours(loaded - latest)} older than its load at {loaded:%Y-%m-%d %H:%M} UTC"
                    f" (warn after {_hours(rule.warn_after)}): the delivered export looks stale",
                )
            )
        if as_of_at is not None and as_of_at - latest > rule.warn_after:
            warnings.append(
                BuildWarning(
                    "freshness",
                    f"raw.{rule.table}",
                    f"{shown} is {_hours(as_of_at - latest)} before the as-of time {as_of_at:%Y-%m-%d %H:%M}"
                    f" (warn after {_hours(rule.warn_after)}): this feed lags the others",
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


def dbt_test_warnings(run_results: Path, since: dt.datetime) -> list[BuildWarning]:
    """The dbt tests of severity warn that found rows in the dbt run that wrote `run_results`
    (an audience that shrank too much, a delivery with null keys ...): dbt prints them among
    hundreds of lines, the build summary lists them. Results written before `since` belong to an
    earlier run and are ignored."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text(encoding="utf-8"))
    generated = dt.datetime.fromisoformat(results["metadata"]["generated_at"].replace("Z", "+00:00"))
    if generated < since:
        return []
    return [
        BuildWarning("dbt_test", result["unique_id"].split(".")[2], f"{result['message']} (severity warn)")
        for result in results["results"]
        if result["status"] == "warn" and result["unique_id"].startswith("test.")
    ]
