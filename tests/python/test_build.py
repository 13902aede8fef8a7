"""`lifecycle build` end to end on a built warehouse: dbt -> Great Expectations -> publish.

The working file is a copy of the session's built warehouse, and dbt runs with `--select
kpi_daily` (one model and its tests) so each build costs seconds, while validation and publish
run on every table, as in a full build. The kill test runs a real full build in another process
and kills it half-way.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import query
from test_publish import start_reader

from lifecycle import paths
from lifecycle.cli import main

pytestmark = pytest.mark.e2e

QUICK = ["--select", "kpi_daily"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(working: Path, *dbt_args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["build", "--database", str(working), *dbt_args])
    return code, out.getvalue(), err.getvalue()


def served_build(serving: Path) -> str:
    return query(serving, "select build_id from publish.builds order by published_at desc limit 1")[0][0]


@pytest.fixture(scope="module")
def published(built_warehouse, tmp_path_factory):
    """A working copy of the built warehouse and its first published build."""
    root = tmp_path_factory.mktemp("wap")
    working = root / "warehouse.duckdb"
    shutil.copy(built_warehouse, working)
    code, out, err = build(working, *QUICK)
    assert code == 0, err + out
    return working, root / "serving" / "warehouse.duckdb", root / "serving" / "exports", out


def test_build_validates_publishes_and_summarizes(published):
    working, serving, exports, out = published
    assert "Great Expectations:" in out and " 0 failed" in out
    assert "published build" in out and "warehouse summary" in out and "warnings" in out
    build_id = served_build(serving)
    # one line per phase with its time, as it ends (the long ones also when they start), then
    # the total and the build id
    phases = [line for line in out.splitlines() if line.startswith("[build]")]
    seconds = r"done in \d+\.\d s"
    expected = [
        rf"\[build\] build {build_id} of {re.escape(str(working))} \(serving copy .*\)",
        r"\[build\] dbt build: started",
        rf"\[build\] dbt build: {seconds}",
        r"\[build\] validation: started",
        rf"\[build\] validation: {seconds} \([\d,]+ expectations on \d+ tables passed\)",
        rf"\[build\] warnings: {seconds} \(\d+ warning\(s\), listed in the summary\)",
        r"\[build\] publish: started",
        rf"\[build\] publish: {seconds} \(\d+ tables to {re.escape(str(serving))}\)",
        rf"\[build\] exports: {seconds} \({re.escape(str(exports / 'current'))}\)",
        rf"\[build\] summary: {seconds}",
        rf"\[build\] finished in \d+\.\d s: build {build_id} published",
    ]
    assert len(phases) == len(expected), phases
    for line, pattern in zip(phases, expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)
    assert out.rstrip().splitlines()[-1] == phases[-1]
    # the serving copy holds the published schemas with the working file's rows
    for relation in ("marts.customer_profiles", "marts.kpi_daily", "audiences.audience_memberships"):
        assert query(serving, f"select count(*) from {relation}") == query(
            working, f"select count(*) from {relation}"
        )
    schemas = {r[0] for r in query(serving, "select distinct table_schema from information_schema.tables")}
    assert schemas == {"marts", "audiences", "reference", "semantic", "publish"}
    # every public table was validated and passed
    results = query(
        serving, "select table_schema, table_name, expectations, failed from publish.quality_results"
    )
    validated = {f"{s}.{t}" for s, t, _, _ in results}
    assert {
        "raw.orders",
        "marts.customer_profiles",
        "marts.purchase_predictions",
        "audiences.audience_vip_loyal",
    } <= validated
    assert all(n > 0 and failed == 0 for _, _, n, failed in results)
    # the exports belong to the same build
    manifest = json.loads((exports / "current" / "manifest.json").read_text())
    assert manifest["build_id"] == build_id
    assert (exports / "current" / "audience_vip_loyal__google_upload.csv").exists()
    # Data Docs were written for this build
    docs = Path(query(serving, "select data_docs from publish.builds")[0][0])
    assert docs.exists() and "marts.customer_profiles" in "".join(
        p.read_text(errors="ignore") for p in docs.parent.rglob("*.html")
    )


def test_a_broken_mart_fails_the_build_and_leaves_serving_untouched(published, built_warehouse):
    working, serving, exports, _ = published
    before, before_id = digest(serving), served_build(serving)
    current = os.readlink(exports / "current")
    # a fan-out join: some customers twice
    import duckdb

    con = duckdb.connect(str(working))
    con.execute(
        "insert into marts.customer_lifecycle select * from marts.customer_lifecycle limit 5"
    ).fetchall()
    con.close()
    try:
        code, out, err = build(working, *QUICK)
    finally:
        shutil.copy(built_warehouse, working)
    assert code == 1
    assert "gate 2, Great Expectations" in err and f"still serves build {before_id}" in err
    failed = [line for line in out.splitlines() if "FAILED" in line]
    assert failed and all("marts.customer_lifecycle" in line for line in failed), failed
    assert any("column_values_to_be_unique(customer_key)" in line for line in failed)
    assert any("table_row_count_to_equal" in line for line in failed)
    assert digest(serving) == before
    assert os.readlink(exports / "current") == current


def test_a_reader_process_keeps_working_while_a_build_publishes(published, tmp_path):
    working, serving, _, _ = published
    first_id = served_build(serving)
    profiles = query(serving, "select count(*), sum(revenue) from marts.customer_profiles")[0]
    stop = tmp_path / "stop"
    reader = start_reader(serving, stop)
    try:
        code, out, err = build(working, *QUICK)
    finally:
        stop.touch()
        reader_out, reader_err = reader.communicate(timeout=120)
    assert code == 0, err + out
    assert reader.returncode == 0, reader_err
    lines = reader_out.splitlines()
    held = {line for line in lines if line.startswith("held")}
    assert held == {f"held {first_id} {profiles[0]} {profiles[1]}"}
    new_id = served_build(serving)
    assert new_id != first_id and lines[-1] == f"fresh {new_id}"


def test_a_build_killed_half_way_leaves_the_previous_build_served(published, tmp_path):
    working, serving, exports, _ = published
    before_id = served_build(serving)
    before = query(serving, "select count(*), sum(revenue) from marts.customer_profiles")[0]
    current = os.readlink(exports / "current")
    # new data with other numbers, so a wrongly published copy would show them
    from lifecycle.generate import generate
    from lifecycle.ingest import ingest

    other = tmp_path / "other"
    generate(other, customers=300, months=12, seed=11, progress=False)
    ingest(other, database=working)
    stop = tmp_path / "stop"
    reader = start_reader(serving, stop)
    build_process = subprocess.Popen(
        [sys.executable, "-m", "lifecycle.cli", "build", "--database", str(working)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen = []
    try:
        for line in build_process.stdout:
            seen.append(line)
            if "START" in line and "customer_profiles" in line:
                break  # half-way through the dbt build: the marts are being rebuilt
        else:
            pytest.fail("the build ended before reaching customer_profiles:\n" + "".join(seen[-30:]))
        os.killpg(build_process.pid, signal.SIGKILL)
    finally:
        build_process.wait(timeout=60)
        stop.touch()
        reader_out, reader_err = reader.communicate(timeout=60)
    assert build_process.returncode == -signal.SIGKILL
    assert served_build(serving) == before_id
    assert query(serving, "select count(*), sum(revenue) from marts.customer_profiles")[0] == before
    assert os.readlink(exports / "current") == current
    assert reader.returncode == 0, reader_err
    assert {line for line in reader_out.splitlines() if line.startswith("held")} == {
        f"held {before_id} {before[0]} {before[1]}"
    }


def test_validation_covers_whole_tables_and_fetches_a_bounded_number_of_values(built_warehouse):
    from lifecycle.quality.validate import validate_warehouse

    report = validate_warehouse(built_warehouse, None, max_cells=100)
    assert report.success, report.format()
    tables = {t.relation: t for t in report.tables}
    # raw.events (~65,000 rows) is measured whole, its row-id key included, in SQL: what reaches
    # Python is a row of metrics and a few examples, never a result above the bound
    assert tables["raw.events"].rows == query(built_warehouse, "select count(*) from raw.events")[0][0]
    assert all(t.largest_fetch <= 100 for t in report.tables), report.format()
    assert sum(t.cells_fetched for t in report.tables) < 5_000
    assert all(t.sampled_rows is None for t in report.tables)


def test_the_vars_of_a_build_label_its_summary_report_and_exports(published, built_warehouse, tmp_path):
    """`--vars` reach everything that shows the published build: the summary, the report and the
    export manifest read the vars stored with it, not dbt_project.yml."""
    _, default_serving, _, _ = published
    working = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, working)
    serving, exports = tmp_path / "serving" / "warehouse.duckdb", tmp_path / "serving" / "exports"
    vars_ = "{reporting_currency: EUR, purchase_horizon_days: 90}"
    code, out, err = build(working, "--vars", vars_)  # in full: the models refit for 90 days
    assert code == 0, err + out
    stored = json.loads(query(serving, "select vars from publish.builds")[0][0])
    assert (stored["reporting_currency"], stored["purchase_horizon_days"]) == ("EUR", 90)
    assert stored["churn_horizon_days"] == 90 and stored["clv_horizon_days"] == 365  # the project's
    summary = io.StringIO()
    with contextlib.redirect_stdout(summary):
        assert main(["summary", "--serving", str(serving)]) == 0
    for text in (out, summary.getvalue()):
        assert re.search(r"^revenue +[\d,.]+ EUR", text, re.M), text
        assert re.search(r"^average order +[\d,.]+ EUR", text, re.M)
        assert re.search(r"^purchase model \(next 90 days\): ", text, re.M)
        assert "purchase_horizon_days=90, reporting_currency=EUR" in text
    report = tmp_path / "report.html"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["report", "--serving", str(serving), "--out", str(report)]) == 0
    html = report.read_text(encoding="utf-8")
    assert "amounts in EUR" in html and "Will the buyer order within 90 days?" in html
    assert "€" in html  # amounts drawn in euros
    manifest = json.loads((exports / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["vars"]["reporting_currency"] == "EUR"
    # the default build, for contrast: the same pages say USD and 30 days
    default_report = tmp_path / "default.html"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["report", "--serving", str(default_serving), "--out", str(default_report)]) == 0
    default_html = default_report.read_text(encoding="utf-8")
    assert "amounts in USD" in default_html and "Will the buyer order within 30 days?" in default_html


def test_metrics_query_the_serving_copy_after_a_build_of_another_file(published, built_warehouse, tmp_path):
    """`lifecycle metrics` answers from warehouse A's serving copy after a build of another file B
    from the same checkout (which rewrites target/ for B), without opening A's working file, and
    its rows come ordered by time."""
    working, serving, _, _ = published
    other = tmp_path / "other.duckdb"
    shutil.copy(built_warehouse, other)
    code, out, err = build(other, *QUICK)
    assert code == 0, err + out
    manifest = json.loads((paths.project_dir() / "target" / "semantic_manifest.json").read_text())
    assert '"other"' in json.dumps(manifest)  # plain `mf query` would now look in other.duckdb
    out_csv = tmp_path / "metrics.csv"
    # A's working file is held open for writing: MetricFlow must not need it
    import duckdb

    holder = duckdb.connect(str(working))
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(
                ["metrics", "--database", str(working), "--metrics", "revenue,orders", "--group-by",
                 "metric_time__month", "--csv", str(out_csv)]
            )  # fmt: skip
    finally:
        holder.close()
    assert code == 0
    with out_csv.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    months = [row["metric_time__month"][:10] for row in rows]
    assert months == sorted(months) and len(months) == len(set(months)) > 12
    monthly = query(serving, "select kpi_month, revenue, orders from marts.kpi_monthly")
    expected = {str(month): (float(revenue), int(orders)) for month, revenue, orders in monthly}
    assert set(months) == set(expected)
    for month, row in zip(months, rows, strict=True):
        revenue, orders = expected[month]
        assert math.isclose(float(row["revenue"]), revenue, rel_tol=1e-9) and int(row["orders"]) == orders


def test_a_node_short_of_memory_is_built_again_by_dbt_retry_on_one_thread(built_warehouse, tmp_path):
    """What phase_dbt_build runs after a build short of memory (`dbt retry --threads 1`), with real
    dbt: the node the build reported out of memory, and the tests it skipped, are built again
    on one thread. DuckDB does not run out of memory on demand, so the first build's results are
    rewritten as a build that did."""
    from lifecycle.build import phase_dbt_build, start
    from lifecycle.dbt_runner import run_dbt

    working, target = tmp_path / "warehouse.duckdb", tmp_path / "target"
    shutil.copy(built_warehouse, working)
    results_file = target / "run_results.json"
    calls = []

    def short_of_memory_once(args, database):
        calls.append(args)
        code = run_dbt(args, database=database)
        if len(calls) > 1:
            return code
        results = json.loads(results_file.read_text(encoding="utf-8"))
        for result in results["results"]:
            if result["unique_id"] == "model.lifecycle.kpi_daily":
                result |= {"status": "error", "message": "Out of Memory Error: failed to pin block"}
            else:
                result |= {"status": "skipped", "message": None}
        results_file.write_text(json.dumps(results), encoding="utf-8")
        return 1

    state = start(working, tmp_path / "serving.duckdb", QUICK, target_path=target)
    phase_dbt_build(state, short_of_memory_once)
    assert [args[0] for args in calls] == ["build", "retry"]
    retried = json.loads(results_file.read_text(encoding="utf-8"))
    assert retried["args"]["threads"] == 1
    by_node = {result["unique_id"]: result["status"] for result in retried["results"]}
    assert by_node.pop("model.lifecycle.kpi_daily") == "success"
    # the tests the failed node skipped ran too
    assert by_node and all(node.startswith("test.") and s == "pass" for node, s in by_node.items())
