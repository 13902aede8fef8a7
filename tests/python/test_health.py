"""Build warnings: source freshness (dbt's warn_after of 36 hours) and row-count anomalies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from lifecycle.quality.health import (
    dbt_test_warnings,
    freshness_rules,
    freshness_warnings,
    ingest_warnings,
    table_row_warnings,
)

LOAD = dt.datetime(2026, 10, 1, 6, 0)


def warehouse(
    path: Path, orders: list[str], events: list[str] | None = None, as_of_at: dt.datetime | None = None
) -> duckdb.DuckDBPyConnection:
    """A raw zone with orders (and events) as ingest leaves it: text timestamps, one load time."""
    con = duckdb.connect(str(path))
    con.execute("create schema raw; create schema intermediate").fetchall()
    for table, column, values in (("orders", "ordered_at", orders), ("events", "timestamp", events or [])):
        con.execute(f'create table raw.{table} ("{column}" varchar, _loaded_at timestamp)').fetchall()
        if values:
            con.executemany(f"insert into raw.{table} values (?, ?)", [[v, LOAD] for v in values])
    con.execute(
        "create table raw._ingest_log (table_name varchar, source_file varchar, rows_loaded bigint,"
        " loaded_at timestamp, ingest_id varchar)"
    ).fetchall()
    con.execute("insert into raw._ingest_log values ('orders', 'orders.csv', 1, ?, 'i1')", [LOAD]).fetchall()
    if as_of_at is not None:
        con.execute("create table intermediate.int_as_of_date as select ?::timestamp as as_of_at", [as_of_at])
    return con


def test_rules_come_from_the_dbt_sources_file():
    rules, load_warn_after = freshness_rules()
    by_table = {r.table: r for r in rules}
    assert set(by_table) == {"orders", "events"}
    assert by_table["orders"].warn_after == dt.timedelta(hours=36)
    assert "ordered_at" in by_table["orders"].loaded_at_field and by_table["orders"].filter
    assert load_warn_after == dt.timedelta(hours=36)


def test_fresh_data_gives_no_warning(tmp_path):
    con = warehouse(
        tmp_path / "w.duckdb", ["2026-09-30 20:00:00"], ["2026-09-30 21:00:00"], dt.datetime(2026, 10, 1)
    )
    assert freshness_warnings(con, LOAD + dt.timedelta(hours=1)) == []


@pytest.mark.parametrize(("age_hours", "warns"), [(36, False), (37, True)])
def test_an_export_older_than_warn_after_at_load_time_warns(tmp_path, age_hours, warns):
    latest = LOAD - dt.timedelta(hours=age_hours)
    con = warehouse(tmp_path / "w.duckdb", [f"{latest:%Y-%m-%d %H:%M:%S}", "2026-01-01 00:00:00"])
    found = freshness_warnings(con, LOAD)
    assert bool(found) == warns
    if warns:
        (warning,) = found
        assert warning.kind == "freshness" and warning.subject == "raw.orders"
        assert "latest ordered_at 2026-09-29 17:00" in warning.message and "37.0 hours" in warning.message


def test_rows_after_the_load_time_do_not_hide_a_stale_export(tmp_path):
    # dbt's filter (ordered_at <= _loaded_at) drops a future timestamp, as staging quarantines it
    con = warehouse(tmp_path / "w.duckdb", ["2026-09-25 10:00:00", "2027-01-01 00:00:00"])
    (warning,) = freshness_warnings(con, LOAD)
    assert "2026-09-25" in warning.message and "5.8 days" in warning.message


def test_a_feed_lagging_the_as_of_time_warns(tmp_path):
    con = warehouse(
        tmp_path / "w.duckdb",
        ["2026-09-30 20:00:00"],
        ["2026-09-20 12:00:00"],
        as_of_at=dt.datetime(2026, 10, 1),
    )
    found = [w for w in freshness_warnings(con, LOAD) if "lags" in w.message]
    assert [w.subject for w in found] == ["raw.events"]
    assert "latest timestamp 2026-09-20 12:00" in found[0].message


def test_building_long_after_the_last_ingest_warns(tmp_path):
    con = warehouse(tmp_path / "w.duckdb", ["2026-09-30 20:00:00"])
    assert freshness_warnings(con, LOAD + dt.timedelta(hours=30)) == []
    (warning,) = freshness_warnings(con, LOAD + dt.timedelta(hours=50))
    assert warning.subject == "raw" and "2.1 days before this build" in warning.message


def test_ingest_row_counts_compared_with_the_previous_ingest(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw").fetchall()
    con.execute(
        "create table raw._ingest_log (table_name varchar, source_file varchar, rows_loaded bigint,"
        " loaded_at timestamp, ingest_id varchar)"
    ).fetchall()
    rows = {
        # table: (previous ingest, this ingest)
        "orders": (1000, 400),  # -60%: warn
        "customers": (100, 140),  # +40%: within 50%
        "events": (5, 30),  # +500% and 25 rows: warn
        "referrals": (3, 0),  # -100% but 3 rows: noise
        "products": (50, 50),
    }
    for table, (before, after) in rows.items():
        con.execute(
            "insert into raw._ingest_log values (?, null, ?, ?, 'first')", [table, before, LOAD]
        ).fetchall()
        con.execute(
            "insert into raw._ingest_log values (?, null, ?, ?, 'second')",
            [table, after, LOAD + dt.timedelta(days=1)],
        ).fetchall()
    found = {w.subject: w.message for w in ingest_warnings(con, share=0.5)}
    assert set(found) == {"raw.orders", "raw.events"}
    assert "1,000 -> 400 rows (-60%)" in found["raw.orders"]
    assert "+500%" in found["raw.events"]
    assert ingest_warnings(con, share=0.7).__len__() == 1  # only events moves more than 70%


def test_a_single_ingest_has_nothing_to_compare(tmp_path):
    con = warehouse(tmp_path / "w.duckdb", ["2026-09-30 20:00:00"])
    assert ingest_warnings(con, 0.5) == []


def test_published_row_counts_compared_with_the_previous_build():
    previous = {"marts.customer_profiles": 2000, "marts.kpi_daily": 730, "audiences.audience_vip_loyal": 30}
    current = {"marts.customer_profiles": 900, "marts.kpi_daily": 731, "marts.customer_rfm": 10}
    found = {w.subject: w for w in table_row_warnings(current, previous, share=0.5)}
    assert set(found) == {"marts.customer_profiles", "audiences.audience_vip_loyal"}
    assert "2,000 -> 900 rows (-55%)" in found["marts.customer_profiles"].message
    assert "missing now" in found["audiences.audience_vip_loyal"].message
    assert table_row_warnings(current, {}, 0.5) == []  # the first build


def _run_results(path: Path, generated_at: str, *results: tuple[str, str, str | None]) -> Path:
    import json

    path.write_text(
        json.dumps(
            {
                "metadata": {"generated_at": generated_at},
                "results": [{"unique_id": u, "status": s, "message": m} for u, s, m in results],
            }
        )
    )
    return path


def test_dbt_warn_tests_of_this_build_become_build_warnings(tmp_path):
    results = _run_results(
        tmp_path / "run_results.json",
        "2026-06-01T10:05:00.000000Z",
        (
            "test.lifecycle.audience_size_shrink_vip_loyal.abc123",
            "warn",
            "Got 1 result, configured to warn if != 0",
        ),
        ("test.lifecycle.unique_customer_profiles_customer_key.def456", "pass", None),
        ("model.lifecycle.customer_profiles", "success", "OK"),
        ("test.lifecycle.not_null_orders.0a1b2c", "fail", "Got 3 results"),  # an error stops the build
    )
    warnings = dbt_test_warnings(results, dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC))
    assert [(w.kind, w.subject) for w in warnings] == [("dbt_test", "audience_size_shrink_vip_loyal")]
    assert "Got 1 result" in warnings[0].message
    # results of an earlier dbt run are not this build's
    assert dbt_test_warnings(results, dt.datetime(2026, 6, 1, 10, 6, tzinfo=dt.UTC)) == []
    assert dbt_test_warnings(tmp_path / "missing.json", dt.datetime(2026, 6, 1, tzinfo=dt.UTC)) == []
