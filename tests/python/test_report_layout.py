"""How the report lays out what a new user sees, on small hand-made warehouses (no dbt): the
journey table in the units of the campaign table, an audience history of one build said in
words, a data-quality section that fits on a screen, and empty tables explained."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest
from report_support import Charts

from lifecycle.report import data, page
from lifecycle.report.gx import SuiteResult


@pytest.fixture()
def con():
    connection = duckdb.connect()
    connection.execute("create schema marts; create schema audiences; create schema publish").fetchall()
    yield connection
    connection.close()


def render(con, gx: list[SuiteResult] | None = None) -> tuple[str, Charts]:
    wh = data.Warehouse(con)
    ctx = page.Context(wh=wh, currency="USD", as_of=data.as_of_date(wh), settings={}, gx=gx)
    html = page.render(ctx, database_label="test", generated_at=dt.datetime(2026, 10, 1), docs_href=None)
    return html, Charts(html)


def section(html: str, name: str) -> str:
    return re.search(rf'<section id="{name}".*?</section>', html, re.S).group(0)


def journey_table(html: str) -> tuple[list[str], list[list[str]]]:
    block = re.search(r'<div[^>]*data-table="journey-performance".*?</table>', html, re.S).group(0)
    headers = [re.sub("<.*?>", "", h) for h in re.findall(r"<th[^>]*>(.*?)</th>", block)]
    rows = [
        [re.sub("<.*?>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
        for r in re.findall(r"<tr>(.*?)</tr>", block.split("<tbody>")[1])
    ]
    return headers, rows


def test_journeys_show_a_few_columns_with_rates_in_percent(con):
    con.execute(
        """
        create table marts.journey_performance as select * from (values
            ('welcome', 3, 1000, 200, 5000, 4000, 1500, 300, 60, 0.06, 60, 1234.5, 500.0, 1.469,
             0.021, -0.003, 0.045, 0.08, 21.0)
        ) v(journey, campaigns, treated_members, holdout_members, sends, deliveries, opens, clicks,
            treated_converters, treated_conversion_rate, attributed_orders, attributed_revenue, cost, roi,
            uplift_difference, uplift_ci_low, uplift_ci_high, uplift_p_value, incremental_converters)
        """
    ).fetchall()
    headers, rows = journey_table(render(con)[0])
    assert len(headers) <= 10, headers  # the mart has 27 columns; the page shows what a marketer reads
    (row,) = rows
    shown = dict(zip(headers, row, strict=True))
    assert shown["journey"] == "welcome"
    assert shown["conversion"] == "6.0%"  # as the campaign table prints it, not 0.060
    assert shown["uplift vs holdout"] == "+2.1 pp (-0.3 to +4.5)"
    assert shown["ROI"] == "147%"
    assert shown["attributed revenue"] == "$1,234"
    assert "0.060" not in section(render(con)[0], "campaigns")


def audiences(con, history_times: list[str]) -> None:
    con.execute(
        "create table audiences.audience_memberships as select * from (values ('winback', 'email', 'k1'),"
        " ('winback', 'email', 'k2')) v(audience, channel, customer_key)"
    ).fetchall()
    con.execute(
        "create table audiences.audience_memberships_history (audience varchar, customer_key varchar,"
        " dbt_valid_from timestamp, dbt_valid_to timestamp)"
    ).fetchall()
    for i, t in enumerate(history_times):
        con.execute(
            "insert into audiences.audience_memberships_history values ('winback', ?, ?, null)",
            [f"k{i}", t],
        ).fetchall()


def test_an_audience_history_of_one_build_is_said_not_drawn_as_a_dot(con):
    audiences(con, ["2026-09-30 10:00"])
    html, charts = render(con)
    assert "audience-sizes" not in charts.points  # no chart with a single dot
    assert "audience-current" in charts.points
    assert "first build" in section(html, "audiences")


def test_an_audience_history_of_several_builds_is_a_line(con):
    audiences(con, ["2026-09-30 10:00", "2026-10-01 10:00"])
    _, charts = render(con)
    assert charts.points["audience-sizes"] == 2


def quality(con) -> None:
    tables = [f"table_{i:02d}" for i in range(12)]
    con.execute(
        "create table marts.data_quality_summary (source_table varchar, row_outcome varchar,"
        " row_count bigint, source_rows bigint, is_quarantined boolean)"
    ).fetchall()
    for t in tables:
        con.execute(
            "insert into marts.data_quality_summary values (?, 'staged', 990, 1000, false),"
            " (?, 'duplicate', 10, 1000, true)",
            [t, t],
        ).fetchall()


def test_passed_suites_are_folded_and_failing_ones_shown(con):
    quality(con)
    suites = [SuiteResult(f"marts.table_{i:02d}", True, 12, 12, []) for i in range(48)]
    suites.append(SuiteResult("audiences.audience_loyalty_anniversary_next_7_days", False, 10, 9, ["x"]))
    html, charts = render(con, suites)
    quality_html = section(html, "quality")
    # only the failing suite is drawn; the 49-row table waits behind a <details> a reader opens
    assert charts.points["gx-results"] == 2  # passed and failed segments of the one failing suite
    assert "48 of 49 suites passed" in quality_html
    details = re.findall(r"<details.*?</details>", quality_html, re.S)
    assert any("marts.table_00" in d for d in details)
    assert "marts.table_00" not in re.sub(r"<details.*?</details>", "", quality_html, flags=re.S)


def test_every_suite_passing_draws_no_suite_chart(con):
    quality(con)
    suites = [SuiteResult(f"marts.table_{i:02d}", True, 12, 12, []) for i in range(49)]
    html, charts = render(con, suites)
    assert "gx-results" not in charts.points
    assert "49 of 49 suites passed" in section(html, "quality")


def test_empty_tables_of_the_published_build_are_explained(con):
    con.execute(
        "create table publish.builds as select 'b1' as build_id, timestamp '2026-10-01' as published_at"
    ).fetchall()
    con.execute(
        "create table publish.warnings as select * from (values"
        " ('b1', 'empty_table', 'audiences.audience_a, audience_b',"
        " 'no rows: audience members need consent'),"
        " ('b1', 'guest_orders', 'raw.orders', '10 of 10 orders carry no customer_id'),"
        " ('b0', 'empty_table', 'marts.old', 'an older build')"
        ") v(build_id, kind, subject, message)"
    ).fetchall()
    con.execute(
        "create table audiences.audience_memberships"
        " (audience varchar, channel varchar, customer_key varchar)"
    ).fetchall()
    html, _ = render(con)
    assert "audiences.audience_a, audience_b" in html and "audience members need consent" in html
    assert "10 of 10 orders carry no customer_id" in html
    assert "marts.old" not in html  # only the build shown
    # the audience section says why it is empty instead of showing a bare heading
    assert "audience members need consent" in section(html, "audiences")
