"""Build warnings that explain a shop's data to its owner: empty public tables and the raw feeds
that would fill them, freshness of a historical export judged against as_of_date, and audiences
that shrank against the last published build. Small hand-made warehouses, no dbt."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from lifecycle.quality.health import (
    audience_shrink_warnings,
    audience_sizes,
    empty_table_warnings,
    freshness_warnings,
    guest_order_warnings,
    persona_warnings,
)

LOAD = dt.datetime(2026, 10, 1, 6, 0)


def historical_warehouse(path: Path, as_of_at: dt.datetime) -> duckdb.DuckDBPyConnection:
    """A CDNOW-like load: orders of 1997-1998 ingested in 2026."""
    con = duckdb.connect(str(path))
    con.execute("create schema raw; create schema intermediate").fetchall()
    con.execute("create table raw.orders (ordered_at varchar, _loaded_at timestamp)").fetchall()
    con.execute("insert into raw.orders values ('1998-06-30 00:00:00', ?)", [LOAD]).fetchall()
    con.execute("create table raw.events (timestamp varchar, _loaded_at timestamp)").fetchall()
    con.execute("create table intermediate.int_as_of_date as select ?::timestamp as as_of_at", [as_of_at])
    return con


def test_a_historical_export_is_judged_against_as_of_date_when_it_is_set(tmp_path):
    con = historical_warehouse(tmp_path / "w.duckdb", dt.datetime(1998, 7, 1))
    assert freshness_warnings(con, LOAD, as_of_date_set=True) == []


def test_without_as_of_date_a_historical_export_warns_and_says_how_to_judge_it(tmp_path):
    con = historical_warehouse(tmp_path / "w.duckdb", dt.datetime(1998, 7, 1))
    (warning,) = freshness_warnings(con, LOAD)
    assert warning.subject == "raw.orders" and "older than its load" in warning.message
    assert "as_of_date" in warning.message  # the way out for a historical dataset


def test_a_feed_lagging_a_set_as_of_date_still_warns(tmp_path):
    con = historical_warehouse(tmp_path / "w.duckdb", dt.datetime(1998, 9, 1))
    (warning,) = freshness_warnings(con, LOAD, as_of_date_set=True)
    assert "before the as-of time" in warning.message and "63.0 days" in warning.message


def lineage_warehouse(path: Path) -> tuple[Path, Path]:
    """raw.orders delivered, raw.consents and raw.events empty; marts.kpis from orders (filled),
    audiences.audience_a from orders and consents, marts.sessions from events (both empty)."""
    con = duckdb.connect(str(path))
    try:
        for schema in ("raw", "marts", "audiences"):
            con.execute(f"create schema {schema}").fetchall()
        con.execute("create table raw.orders as select 1 as order_id").fetchall()
        con.execute("create table raw.consents as select 1 as customer_id where false").fetchall()
        con.execute("create table raw.events as select 1 as event_id where false").fetchall()
        con.execute("create table marts.kpis as select 1 as n").fetchall()
        con.execute("create table marts.sessions as select 1 as n where false").fetchall()
        con.execute("create table audiences.audience_a as select 1 as n where false").fetchall()
    finally:
        con.close()
    manifest = path.parent / "manifest.json"
    source = "source.lifecycle.raw."
    manifest.write_text(
        json.dumps(
            {
                "parent_map": {
                    "model.lifecycle.stg_orders": [source + "orders"],
                    "model.lifecycle.kpis": ["model.lifecycle.stg_orders"],
                    "model.lifecycle.sessions": [source + "events"],
                    "model.lifecycle.audience_a": ["model.lifecycle.stg_orders", source + "consents"],
                },
                "nodes": {
                    "model.lifecycle.kpis": {"schema": "marts", "name": "kpis"},
                    "model.lifecycle.sessions": {"schema": "marts", "name": "sessions"},
                    "model.lifecycle.audience_a": {"schema": "audiences", "name": "audience_a"},
                    "model.lifecycle.stg_orders": {"schema": "staging", "name": "stg_orders"},
                },
                "sources": {
                    source + t: {"schema": "raw", "name": t} for t in ("orders", "consents", "events")
                },
            }
        )
    )
    return path, manifest


def test_each_empty_public_table_names_the_empty_raw_feeds_upstream_of_it(tmp_path):
    database, manifest = lineage_warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect(str(database), read_only=True)
    try:
        found = {w.subject: w for w in empty_table_warnings(con, manifest)}
    finally:
        con.close()
    assert set(found) == {"marts.sessions", "audiences.audience_a"}  # marts.kpis has rows
    assert all(w.kind == "empty_table" for w in found.values())
    assert "raw.events" in found["marts.sessions"].message
    assert "raw.consents" in found["audiences.audience_a"].message
    assert "raw.orders" not in found["audiences.audience_a"].message  # it was delivered


def test_without_a_dbt_manifest_empty_tables_are_still_named(tmp_path):
    database, _ = lineage_warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect(str(database), read_only=True)
    try:
        found = empty_table_warnings(con, tmp_path / "absent.json")
    finally:
        con.close()
    assert {w.subject for w in found} == {"marts.sessions", "audiences.audience_a"}


def memberships(path: Path, sizes: dict[str, int]) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema audiences").fetchall()
        con.execute("create table audiences.audience_memberships (audience varchar, customer_key varchar)")
        for audience, n in sizes.items():
            con.execute(
                "insert into audiences.audience_memberships select ?, 'k' || i from range(?) t(i)",
                [audience, n],
            ).fetchall()
    finally:
        con.close()
    return path


def test_an_audience_that_lost_more_than_the_share_warns(tmp_path):
    published = audience_sizes(
        memberships(tmp_path / "serving.duckdb", {"winback": 100, "vip": 40, "gone": 30})
    )
    current = audience_sizes(memberships(tmp_path / "working.duckdb", {"winback": 49, "vip": 21, "new": 5}))
    found = {w.subject: w for w in audience_shrink_warnings(published, current, 0.5)}
    # winback lost 51% (> 50%), vip 47.5% (not more than half), gone lost everyone
    assert set(found) == {"audiences.audience_winback", "audiences.audience_gone"}
    assert found["audiences.audience_winback"].kind == "audience_shrink"
    assert "100 -> 49" in found["audiences.audience_winback"].message
    assert "30 -> 0" in found["audiences.audience_gone"].message


def test_a_small_audience_moving_by_a_few_people_does_not_warn(tmp_path):
    assert audience_shrink_warnings({"tiny": 6}, {"tiny": 1}, 0.5) == []


def test_no_published_build_no_shrink_warning(tmp_path):
    assert audience_sizes(tmp_path / "absent.duckdb") == {}
    assert audience_shrink_warnings({}, {"winback": 3}, 0.5) == []


def test_tables_empty_for_one_reason_share_one_warning(tmp_path):
    database, manifest = lineage_warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect(str(database))
    try:
        con.execute("create table audiences.audience_b as select 1 as n where false").fetchall()
        found = empty_table_warnings(con, manifest)
    finally:
        con.close()
    assert sorted(w.subject for w in found) == ["audiences.audience_a, audience_b", "marts.sessions"]


def orders_warehouse(path: Path, rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema raw").fetchall()
    con.execute(
        "create table raw.orders (customer_id varchar, email varchar, anonymous_id varchar)"
    ).fetchall()
    if rows:
        con.executemany("insert into raw.orders values (?, ?, ?)", rows)
    return con


def test_orders_without_any_identifier_are_explained(tmp_path):
    con = orders_warehouse(tmp_path / "w.duckdb", [(None, None, None), ("", " ", None), ("c1", None, None)])
    (warning,) = guest_order_warnings(con)
    assert warning.kind == "guest_orders" and "2 of 3 orders (67%)" in warning.message


def test_orders_with_identifiers_give_no_guest_warning(tmp_path):
    con = orders_warehouse(
        tmp_path / "w.duckdb", [(None, "a@example.com", None), ("c1", None, None), (None,) * 3]
    )
    assert guest_order_warnings(con) == []


def personas(path: Path, rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema marts").fetchall()
    con.execute(
        "create table marts.customer_personas (persona varchar, has_enough_history boolean,"
        " discount_order_share double, early_adopter_share double, top_brand_share double,"
        " avg_hours_view_to_purchase double, price_index double)"
    ).fetchall()
    con.executemany("insert into marts.customer_personas values (?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def test_no_persona_at_all_names_the_rules_without_data(tmp_path):
    # a CDNOW-like shop: repeat buyers, but no discounts, order lines or product views
    con = personas(tmp_path / "w.duckdb", [(None, True, None, None, None, None, None)] * 3)
    (warning,) = persona_warnings(con)
    assert warning.kind == "empty_column" and "none of 3 buyers" in warning.message
    for rule in ("bargain_hunter", "innovator", "brand_loyalist", "impulse_buyer", "value_shopper"):
        assert rule in warning.message


def test_personas_present_give_no_warning(tmp_path):
    con = personas(tmp_path / "w.duckdb", [("bargain_hunter", True, 1.0, None, None, None, None)])
    assert persona_warnings(con) == []


def test_an_empty_audience_whose_inputs_were_delivered_matched_nobody(tmp_path):
    database, manifest = lineage_warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect(str(database))
    try:
        for feed in ("consents", "customers"):
            con.execute(f"create or replace table raw.{feed} as select 1 as customer_id").fetchall()
        found = {w.subject: w.message for w in empty_table_warnings(con, manifest)}
    finally:
        con.close()
    # no anniversary in the next 7 days is not a missing consents file
    assert "matched nobody" in found["audiences.audience_a"]
    assert "need granted consent" not in found["audiences.audience_a"]
    assert "deliver" not in found["audiences.audience_a"]
