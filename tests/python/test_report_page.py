"""The report's loaders and page on small hand-made warehouses (no dbt): audience sizes from a
snapshot history, the KPI month shown, and a page whose tables are mostly absent."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from report_support import SECTIONS, Charts

from lifecycle.report import data, page, write_report


@pytest.fixture()
def con():
    connection = duckdb.connect()
    connection.execute("create schema marts; create schema audiences").fetchall()
    yield connection
    connection.close()


def test_audience_sizes_follow_the_snapshot_validity_ranges(con):
    t1, t2, t3 = "2026-01-01 10:00", "2026-02-01 10:00", "2026-03-01 10:00"
    con.execute(
        f"""
        create table audiences.audience_memberships as
        select * from (values ('a', 'email'), ('a', 'email'), ('b', 'sms')) v(audience, channel);
        create table audiences.audience_memberships_history as
        select
            audience,
            cast(valid_from as timestamp) as dbt_valid_from,
            cast(valid_to as timestamp) as dbt_valid_to
        from (values
            ('a', '{t1}', '{t2}'),   -- left audience a at t2
            ('a', '{t1}', null),
            ('b', '{t2}', null),
            ('a', '{t3}', null)
        ) v(audience, valid_from, valid_to)
        """
    ).fetchall()
    sizes = data.audience_sizes(data.Warehouse(con))
    assert [t.strftime("%Y-%m-%d %H:%M") for t in sizes.times] == [t1, t2, t3]
    # a: two members at t1, one after the removal at t2, two again at t3; b: from t2 on
    assert sizes.history == {"a": [2, 1, 2], "b": [0, 1, 1]}
    assert [(r["audience"], r["members"]) for r in sizes.current] == [("a", 2), ("b", 1)]


def _kpis(con, as_of: str) -> None:
    con.execute(
        f"""
        create table marts.customer_lifecycle as
        select 'k1' as customer_key, 'active' as lifecycle_stage, date '{as_of}' as as_of_date;
        create table marts.kpi_monthly as
        select * from (values
            (date '2026-07-01', 100.0, 10, 5.0),
            (date '2026-08-01', 150.0, 12, 4.0),
            (date '2026-09-01', 30.0, 2, 9.0)
        ) v(kpi_month, revenue, orders, churn_rate)
        """
    ).fetchall()


def _render(con) -> tuple[str, Charts]:
    wh = data.Warehouse(con)
    ctx = page.Context(wh=wh, currency="USD", as_of=data.as_of_date(wh), settings={}, gx=None)
    html = page.render(ctx, database_label="test", generated_at=dt.datetime(2026, 10, 1), docs_href=None)
    return html, Charts(html)


def test_kpi_tiles_skip_a_month_still_running(con):
    _kpis(con, "2026-09-15")
    html, charts = _render(con)
    assert "Key numbers, Aug 2026" in html
    assert charts.marks["kpi-revenue"] == ["Jul 2026: $100", "Aug 2026: $150"]
    assert "+50.0%" in html  # revenue 100 -> 150
    assert '<span class="delta good">▼ -1.0 pts</span>' in html  # churn 5 -> 4: down is good
    assert "is still running" in html


def test_kpi_tiles_include_the_as_of_month_when_it_is_complete(con):
    _kpis(con, "2026-09-30")
    html, charts = _render(con)
    assert "Key numbers, Sep 2026" in html
    assert charts.marks["kpi-orders"][-1] == "Sep 2026: 2"
    assert '<span class="delta bad">▲ +5.0 pts</span>' in html  # churn 4 -> 9: up is bad


def test_a_warehouse_with_few_tables_still_renders_every_section(con, tmp_path):
    _kpis(con, "2026-09-30")
    db = tmp_path / "thin.duckdb"
    con.execute(f"attach '{db}' as thin").fetchall()
    con.execute("create schema thin.marts").fetchall()
    con.execute("create table thin.marts.kpi_monthly as select * from marts.kpi_monthly").fetchall()
    con.execute("detach thin").fetchall()
    html = write_report(db, tmp_path / "thin.html").read_text(encoding="utf-8")
    charts = Charts(html)
    assert charts.sections == SECTIONS
    assert set(charts.points) == {c for c in charts.points if c.startswith("kpi-")} and charts.points
    for chart in (
        "lifecycle-stages",
        "stage-flow",
        "cohort-heatmap",
        "rfm-grid",
        "clv-distribution",
        "model-roc",
        "ab-tests",
        "journey-table",
        "audience-sizes",
        "quarantine",
        "gx-results",
    ):
        assert chart in charts.unavailable, chart
    assert "marts.customer_lifecycle_transitions" in html and "marts.data_quality_summary" in html
