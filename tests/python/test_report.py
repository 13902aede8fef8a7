"""The HTML report on a warehouse built from generated data: every section, every chart drawn from
the numbers in the marts (counted here with SQL of our own), offline, read-only."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import query
from report_support import DEMO_CHARTS, DEMO_UNAVAILABLE, SECTIONS, Charts

from lifecycle.cli import main
from lifecycle.report import write_report

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def demo_report(built_warehouse, tmp_path_factory) -> tuple[Path, Charts]:
    before = hashlib.sha256(built_warehouse.read_bytes()).hexdigest()
    out = write_report(built_warehouse, tmp_path_factory.mktemp("report") / "report.html")
    assert hashlib.sha256(built_warehouse.read_bytes()).hexdigest() == before, (
        "the report wrote to the warehouse"
    )
    return out, Charts(out.read_text(encoding="utf-8"))


def test_every_section_is_there_and_every_chart_has_data(demo_report):
    _, page = demo_report
    assert page.sections == SECTIONS
    assert set(page.points) == set(DEMO_CHARTS)
    for chart, points in page.points.items():
        assert points > 0, chart
        assert len(page.marks[chart]) == points, chart
    assert page.unavailable == DEMO_UNAVAILABLE


def test_the_page_is_self_contained(demo_report):
    path, page = demo_report
    html = path.read_text(encoding="utf-8")
    assert page.external == []
    assert page.scripts == [{}]  # one inline script (tooltips), nothing loaded
    assert "<link" not in html and "@import" not in html and "url(" not in html


def test_charts_show_the_warehouse_numbers(built_warehouse, demo_report):
    _, page = demo_report
    for stage, n in query(
        built_warehouse, "select lifecycle_stage, count(*) from marts.customer_lifecycle group by 1"
    ):
        assert any(
            tip.startswith(f"{stage.replace('_', ' ')}: {n:,} people")
            for tip in page.marks["lifecycle-stages"]
        )
    assert (
        len(page.marks["lifecycle-stages"])
        == query(built_warehouse, "select count(distinct lifecycle_stage) from marts.customer_lifecycle")[0][
            0
        ]
    )
    # cohort cells: month offsets 1-24 of the latest 24 cohorts
    cells = query(
        built_warehouse,
        """select count(*) from marts.cohort_retention
           where months_since_first_order between 1 and 24
             and cohort_month in (select distinct cohort_month from marts.cohort_retention
                                  order by 1 desc limit 24)""",
    )[0][0]
    assert page.points["cohort-heatmap"] == cells
    # the stage flow is the latest period's transitions, one band per move with people in it
    bands = query(
        built_warehouse,
        """select count(*) from marts.customer_lifecycle_transitions
           where customers > 0
             and period_end = (select max(period_end) from marts.customer_lifecycle_transitions)""",
    )[0][0]
    assert page.points["stage-flow"] == bands
    for task in ("purchase", "churn"):
        models = query(
            built_warehouse, "select count(distinct model) from marts.model_evaluation where task = ?", [task]
        )
        assert page.points[f"roc-{task}"] == models[0][0]
        deciles = query(
            built_warehouse, "select count(*) from marts.model_calibration_curve where task = ?", [task]
        )
        assert page.points[f"calibration-{task}"] == deciles[0][0]
    ab = query(
        built_warehouse, "select count(*) from marts.campaign_performance where ab_difference is not null"
    )
    assert page.points["ab-tests"] == ab[0][0]
    uplift = query(
        built_warehouse, "select count(*) from marts.campaign_performance where uplift_ci_low is not null"
    )
    assert page.points["campaign-uplift"] == uplift[0][0]
    # quarantine bars counted from staging itself, not from the summary mart the report reads
    pairs = query(
        built_warehouse,
        "select count(distinct source_table || quarantine_reason) from staging.quarantined_rows",
    )
    assert page.points["quarantine"] == pairs[0][0]
    audiences = query(built_warehouse, "select count(distinct audience) from audiences.audience_memberships")
    assert page.points["audience-current"] == audiences[0][0]


def test_kpi_tiles_show_the_latest_complete_month(built_warehouse, demo_report):
    path, page = demo_report
    as_of = query(built_warehouse, "select max(as_of_date) from marts.customer_lifecycle")[0][0]
    month, revenue = query(
        built_warehouse,
        "select kpi_month, revenue from marts.kpi_monthly where kpi_month <= ? order by 1 desc limit 1",
        [as_of],
    )[0]
    if (as_of + dt.timedelta(days=1)).day != 1:  # as_of inside a month: the tiles show the month before
        month, revenue = query(
            built_warehouse,
            "select kpi_month, revenue from marts.kpi_monthly where kpi_month < ? order by 1 desc limit 1",
            [as_of.replace(day=1)],
        )[0]
    assert f"Key numbers, {month:%b %Y}" in path.read_text(encoding="utf-8")
    assert page.marks["kpi-revenue"][-1] == f"{month:%b %Y}: ${float(revenue) / 1000:.1f}k"


def test_missing_tables_give_a_named_panel_not_a_failure(built_warehouse, tmp_path):
    db = tmp_path / "old.duckdb"
    shutil.copyfile(built_warehouse, db)
    con = duckdb.connect(str(db))
    con.execute("drop table marts.model_roc_curve").fetchall()
    con.execute("drop table marts.kpi_monthly").fetchall()
    con.close()
    html = write_report(db, tmp_path / "r.html").read_text(encoding="utf-8")
    page = Charts(html)
    assert page.sections == SECTIONS
    assert {"model-roc", "kpi-tiles"} <= page.unavailable
    assert "marts.model_roc_curve" in html and "marts.kpi_monthly" in html
    assert not any(c.startswith(("roc-", "calibration-", "kpi-")) for c in page.points)
    assert "cohort-heatmap" in page.points


def test_every_section_draws_when_every_table_is_there(built_warehouse, tmp_path):
    db = built_warehouse
    html = write_report(
        db, tmp_path / "r.html", gx_results=FIXTURES / "gx_validation_results.json"
    ).read_text(encoding="utf-8")
    page = Charts(html)
    assert page.unavailable == set()
    assert set(page.points) == set(DEMO_CHARTS) | {"gx-results"}
    assert all(len(page.marks[c]) == n > 0 for c, n in page.points.items())
    cells = query(
        db,
        "select count(distinct (recency_score, frequency_score)) from marts.customer_rfm"
        " where recency_score is not null",
    )[0][0]
    assert page.points["rfm-grid"] == cells
    champions = query(
        db, "select count(*) from marts.customer_rfm where recency_score = 5 and frequency_score = 5"
    )[0][0]
    assert f"R5 F5 · Champions: {champions:,}" in page.marks["rfm-grid"]
    assert 'data-table="journey-performance"' in html
    # GX: one suite of two failed, and the failed expectations are named
    assert "1 of 2 suites passed" in html
    assert "expect_column_values_to_be_between(churn_probability)" in html
    # only the failing suite is drawn (churn_predictions: passed + failed); the rest is folded
    assert page.points["gx-results"] == 2


def test_cli_writes_the_report_and_names_bad_input(built_warehouse, tmp_path, capsys):
    out = tmp_path / "cli" / "report.html"
    gx = FIXTURES / "gx_checkpoint_describe.json"
    assert (
        main(["report", "--database", str(built_warehouse), "--out", str(out), "--gx-results", str(gx)]) == 0
    )
    assert f"report written to {out}" in capsys.readouterr().out
    assert "marts.churn_predictions" in out.read_text(encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "gx"}')
    assert (
        main(
            [
                "report",
                "--database",
                str(built_warehouse),
                "--out",
                str(tmp_path / "x.html"),
                "--gx-results",
                str(bad),
            ]
        )
        == 2
    )
    assert "not a GX result" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
    assert (
        main(["report", "--database", str(tmp_path / "absent.duckdb"), "--out", str(tmp_path / "y.html")])
        == 2
    )
    assert "warehouse not found" in capsys.readouterr().err
    # with --docs too: dbt must not get to create an empty warehouse file to document
    absent = tmp_path / "absent.duckdb"
    assert main(["report", "--docs", "--database", str(absent), "--out", str(tmp_path / "z" / "r.html")]) == 2
    assert "warehouse not found" in capsys.readouterr().err
    assert not absent.exists() and not (tmp_path / "z" / "docs").exists()


def test_dbt_docs_are_written_beside_the_report_and_linked(built_warehouse, tmp_path):
    from lifecycle.report import generate_docs

    docs = generate_docs(tmp_path / "docs", database=built_warehouse)
    assert sorted(p.name for p in docs.iterdir()) == [
        "catalog.json",
        "index.html",
        "manifest.json",
        "static_index.html",
    ]
    manifest = json.loads((docs / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((docs / "catalog.json").read_text(encoding="utf-8"))
    for name in ("data_quality_summary", "model_roc_curve", "model_calibration_curve"):
        node = manifest["nodes"][f"model.lifecycle.{name}"]
        built = catalog["nodes"][f"model.lifecycle.{name}"]["columns"]
        assert node["description"], name
        assert {c.lower() for c in built} == set(node["columns"]), name  # every built column documented
        assert all(c["description"] for c in node["columns"].values()), name
    html = write_report(built_warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'href="docs/static_index.html"' in html
