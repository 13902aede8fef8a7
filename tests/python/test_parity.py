"""lifecycle.parity: the comparison the Spark parity test prints and fails on.

The Spark side itself runs in test_spark_parity.py (`make test-spark`); here the rules of the
comparison, and the measure queries on a real DuckDB build."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from conftest import query

from lifecycle.modelling.frames import to_pandas
from lifecycle.parity import (
    MART_DIGESTS,
    MART_GROUPS,
    MART_MEASURES,
    Comparison,
    _plain,
    compare,
    digest,
    format_table,
    mart_measures,
    values_agree,
)


def test_integers_must_be_equal_even_where_a_relative_tolerance_would_pass():
    assert values_agree(1_000_000_000_000, 1_000_000_000_000)
    assert not values_agree(1_000_000_000_000, 1_000_000_000_001)
    assert not values_agree(3, 4)


def test_floats_agree_within_one_in_a_million():
    assert values_agree(1234.5678, 1234.5678 * (1 + 5e-7))
    assert not values_agree(1234.5678, 1234.5678 * (1 + 5e-6))
    assert values_agree(0.0, 0.0)


def test_null_only_agrees_with_null():
    assert values_agree(None, None)
    assert not values_agree(None, 0)
    assert not values_agree(0.0, None)


def test_timestamps_and_text_must_be_equal():
    at = pd.Timestamp("2024-01-01 10:00:00")
    assert values_agree(at, pd.Timestamp("2024-01-01 10:00:00"))
    assert not values_agree(at, pd.Timestamp("2024-01-01 10:00:01"))
    assert not values_agree("lead", "Lead")


def test_a_measure_missing_on_one_side_is_a_difference():
    rows = compare({"t: rows": 3, "t: rows where stage = lead": 1}, {"t: rows": 3})
    assert [(r.measure, r.agrees) for r in rows] == [("t: rows", True), ("t: rows where stage = lead", False)]


def test_the_table_shows_both_sides_and_marks_differences():
    rows = [Comparison("t: rows", 3, 3), Comparison("t: sum(revenue)", 10.5, 11.5)]
    table = format_table(rows)
    lines = table.splitlines()
    assert lines[0].split() == ["measure", "duckdb", "spark"]
    assert "t: rows" in lines[2] and lines[2].rstrip().endswith("ok")
    assert "10.5" in lines[3] and "11.5" in lines[3] and lines[3].rstrip().endswith("DIFFERS")
    assert lines[-1] == "2 measures, 1 differ"


def test_a_digest_ignores_row_order_but_not_one_changed_value():
    keys = pd.Series(["k1", "k2", "k3"])
    values = pd.Series(["a", None, "c"])
    same = digest(keys, values)
    assert digest(keys[::-1].reset_index(drop=True), values[::-1].reset_index(drop=True)) == same
    assert digest(keys, pd.Series(["a", None, "C"])) != same
    assert digest(keys, pd.Series(["a", "", "c"])) != same  # null is not the empty string
    assert digest(pd.Series(["k1", "k3", "k2"]), values) != same  # same values, other people


def test_measures_are_read_as_python_values():
    con = duckdb.connect()
    try:
        frame = to_pandas(
            con.sql(
                "select cast(3 as bigint) as n, cast(2.5 as decimal(18, 2)) as s, date '2024-01-31' as d,"
                " cast(null as double) as missing"
            )
        )
    finally:
        con.close()
    row = frame.iloc[0]
    assert _plain(row["n"]) == 3 and isinstance(_plain(row["n"]), int)
    assert _plain(row["s"]) == 2.5 and isinstance(_plain(row["s"]), float)
    assert _plain(row["d"]) == pd.Timestamp(dt.date(2024, 1, 31))
    assert _plain(row["missing"]) is None


def test_integer_measures_stay_integers_when_every_measure_of_a_table_is_numeric():
    """A row of an all-numeric frame is float64: read that way, a sum of cents 2 apart in 11
    million would pass as equal within REL_TOL."""
    big = 11_561_886

    def query(sql: str) -> pd.DataFrame:
        if " as m0" in sql:
            count = sql.count(" as m")
            # a double among the integers, as a table's measures have (rates, averages)
            return pd.DataFrame(
                {f"m{i}": pd.Series([big], dtype="float64" if i == 0 else "int64") for i in range(count)}
            )
        if "group by" in sql:
            return pd.DataFrame({"value": [], "n": []})
        return pd.DataFrame({name: [] for name in sql.removeprefix("select ").split(" from ")[0].split(", ")})

    values = mart_measures(query)
    cost = values["journey_performance: sum(cost) in cents"]
    assert isinstance(cost, int) and cost == big
    assert not values_agree(cost, big + 2)


@pytest.mark.e2e
def test_every_measure_runs_on_a_duckdb_build(built_warehouse):
    con = duckdb.connect(str(built_warehouse), read_only=True)
    try:
        values = mart_measures(lambda sql: to_pandas(con.sql(sql)))
    finally:
        con.close()
    for table, measures in MART_MEASURES.items():
        for label in measures:
            assert f"{table}: {label}" in values
        relation = table if "." in table else f"marts.{table}"
        rows = query(built_warehouse, f"select count(*) from {relation}")[0][0]
        assert values[f"{table}: rows"] == rows > 0
        for column in MART_GROUPS.get(table, []):
            per_value = [v for k, v in values.items() if k.startswith(f"{table}: rows where {column} = ")]
            assert sum(per_value) == rows, column
    revenue = query(built_warehouse, "select sum(revenue) from marts.kpi_monthly")[0][0]
    assert values["kpi_monthly: sum(revenue) in cents"] == int(revenue * 100)
    hashes = query(built_warehouse, "select count(distinct email_sha256) from marts.customer_profiles")[0][0]
    assert values["customer_profiles: count(distinct email_sha256)"] == hashes > 0
    for table, columns in MART_DIGESTS.items():
        for column in columns:
            label = "customer_key" if column == "customer_key" else f"customer_key|{column}"
            assert len(values[f"{table}: digest({label})"]) == 16
