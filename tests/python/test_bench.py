"""The benchmark harness (benchmarks/bench.py): the split into base + last day loses and moves no
row, steps run in a child process with their peak RSS, the head-to-head comparison finds real
differences, and docs/benchmarks.md renders what was measured. The benchmark itself is `make
bench`, not part of the test suite."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
LAST_DAY = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    from lifecycle.generate import generate

    out = tmp_path_factory.mktemp("bench-shop")
    generate(out, customers=300, months=6, seed=5, end_date=LAST_DAY.isoformat(), file_format="parquet",
             progress=False)  # fmt: skip
    return out


@pytest.fixture(scope="module")
def split(bench, shop, tmp_path_factory) -> tuple[Path, Path, dict]:
    out = tmp_path_factory.mktemp("bench-split")
    result = bench.run_step("split", out, shop=str(shop), base=str(out / "base"), day=str(out / "day"))
    return out / "base", out / "day", result


def _rows(path: Path) -> list[tuple]:
    return duckdb.sql(f"select * from read_parquet('{path}') order by all").fetchall()


def test_split_puts_every_row_in_exactly_one_delivery(split, shop):
    base, day, result = split
    assert result["ok"] and result["exit_code"] == 0
    assert result["peak_rss_mb"] > 20  # the child's own high-water mark (a Python with DuckDB)
    # the child's CPU time (wait4): Python's start-up alone takes some; two cores bound it
    assert 0.1 < result["cpu_s"] <= 2 * result["seconds"] + 0.5
    for table, (base_rows, day_rows) in result["rows"].items():
        original = _rows(shop / f"{table}.parquet")
        together = sorted(_rows(base / f"{table}.parquet") + _rows(day / f"{table}.parquet"), key=repr)
        assert sorted(original, key=repr) == together, table
        assert base_rows + day_rows == len(original)
    # the last day is a small, non-empty delivery of the big tables
    assert 0 < result["rows"]["events"][1] < result["rows"]["events"][0] / 20
    assert result["rows"]["orders"][1] > 0


def test_split_cuts_at_the_start_of_the_last_day(split):
    base, day, _ = split

    def times(folder: Path, table: str, column: str) -> list:
        return duckdb.sql(
            f"select cast(try_cast(trim({column}) as timestamptz) as timestamp) as t"
            f" from read_parquet('{folder / table}.parquet')"
        ).fetchall()

    cut, end = (
        dt.datetime.combine(LAST_DAY, dt.time()),
        dt.datetime.combine(LAST_DAY, dt.time()) + dt.timedelta(1),
    )
    day_times = [t for (t,) in times(day, "events", '"timestamp"')]
    assert day_times and all(t is not None and cut <= t < end for t in day_times)
    base_times = [t for (t,) in times(base, "events", '"timestamp"')]
    assert all(t is None or t < cut or t >= end for t in base_times)
    # a row dated after the last day (a wrong clock) came with the history it was exported in,
    # not in the day's delivery, where it would be most of the quarantine gate's share
    assert any(t is not None and t >= end for t in base_times)
    # an order line goes with its order
    lines = duckdb.sql(
        f"select count(*) from read_parquet('{day / 'order_items'}.parquet') as i"
        f" where i.order_id not in (select order_id from read_parquet('{day / 'orders'}.parquet'))"
    ).fetchall()[0][0]
    assert lines == 0


def test_lifetimes_summary_counts_purchase_days(bench):
    transactions = pd.DataFrame(
        {
            "customer_key": ["a", "a", "a", "b"],
            "ordered_at": pd.to_datetime(
                ["2026-01-01 09:00", "2026-01-05 10:00", "2026-01-05 18:00", "2026-01-20 12:00"]
            ),
            "total_amount": [10.0, 4.0, 6.0, 7.0],
        }
    )
    got = bench.lifetimes_summary(transactions, dt.date(2026, 1, 31))
    # a: purchase days Jan 1 and Jan 5 -> one repeat day worth 4 + 6, first day 30 days before
    assert got.loc["a"].to_dict() == {"frequency": 1, "recency": 4, "T": 30, "monetary_value": 10}
    assert got.loc["b"].to_dict() == {"frequency": 0, "recency": 0, "T": 11, "monetary_value": 0}


def test_summary_mismatches_finds_each_kind_of_difference(bench):
    lifetimes = pd.DataFrame(
        {"frequency": [1.0, 0.0], "recency": [4.0, 0.0], "T": [30.0, 11.0], "monetary_value": [10.0, 0.0]},
        index=pd.Index(["a", "b"], name="customer_key"),
    )
    sql = lifetimes.reset_index()
    assert set(bench.summary_mismatches(sql, lifetimes).values()) == {0}
    changed = sql.assign(recency=[5.0, 0.0], monetary_value=[10.0 + 1e-6, 0.0])
    got = bench.summary_mismatches(changed, lifetimes)
    assert got == {"only_in_one": 0, "frequency": 0, "recency": 1, "T": 0, "monetary_value": 1}
    extra = pd.concat([sql, sql.head(1).assign(customer_key="c")])
    assert bench.summary_mismatches(extra, lifetimes)["only_in_one"] == 1


def test_bgnbd_fits_agree_weighted_and_per_customer(bench):
    from lifetimes.datasets import load_cdnow_summary

    from lifecycle.modelling.btyd import fit_bgnbd

    summary = load_cdnow_summary().reset_index().rename(columns={"ID": "customer_key"})
    summary = summary.rename(columns={"x": "frequency", "t_x": "recency"}).assign(monetary_value=0.0)
    weighted = fit_bgnbd(summary).params
    plain = bench.bgnbd_per_customer(summary)
    assert bench.max_relative_difference(weighted, plain) < bench.PARAMETER_RTOL
    assert bench.max_relative_difference({**plain, "r": plain["r"] * 1.01}, plain) == pytest.approx(0.01)


def test_node_timings_and_slowest_models(bench):
    run_results = {
        "results": [
            {"unique_id": "model.lifecycle.slow", "status": "success", "execution_time": 9.5},
            {"unique_id": "model.lifecycle.fast", "status": "success", "execution_time": 0.5},
            {"unique_id": "test.lifecycle.unique_slow_id.abc", "status": "fail", "execution_time": 20.0},
        ]
    }
    nodes = bench.node_timings(run_results)
    summary = bench.summarize_build({"nodes": nodes, "seconds": 30.0, "peak_rss_mb": 100})
    assert summary["slowest_models"] == [["slow", 9.5], ["fast", 0.5]]
    assert summary["seconds_by_resource_type"] == {"model": 10.0, "test": 20.0}
    assert summary["failed_nodes"] == ["unique_slow_id.abc"]


def _result(customers: int, head_to_head: dict | None = None) -> dict:
    step = {"seconds": 12.0, "peak_rss_mb": 2048}
    build = {
        **step,
        "slowest_models": [["int_events_resolved", 100.0]],
        "seconds_by_resource_type": {"model": 90},
    }
    steps = {
        name: dict(step)
        for name in ("generate", "split", "ingest", "full_validate", "full_publish", "ingest_day",
                     "incremental_validate", "incremental_publish")
    }  # fmt: skip
    steps |= {"full_build": dict(build, seconds=3600.0), "incremental_build": dict(build, seconds=90.0)}
    if head_to_head:
        steps["head_to_head"] = head_to_head
    return {
        "customers": customers,
        "raw_rows": 65_000_000,
        "raw_rows_last_day": 180_000,
        "steps": steps,
        "peak_rss_mb": 9 * 1024,
        "load_before": 2.0,
        "load_after": 3.5,
        "ok": True,
        "started_at": "2026-11-25T12:00:00Z",
        "settings": {"LIFECYCLE_MEMORY_LIMIT": "8GB"},
        "machine": {"cpu_count": 2, "memory_gib": 23.5, "platform": "Linux", "python": "3.11", "duckdb": "2",
                    "dbt": "1.11"},
    }  # fmt: skip


def test_markdown_shows_the_latest_result_of_each_scale(bench, tmp_path):
    head_to_head = {
        "orders": 2_000_000, "customers": 700_000, "sql_summary_s": 0.5, "lifetimes_summary_s": 5.0,
        "summary_ratio": 10.0, "summary_mismatches": {"only_in_one": 0, "frequency": 0},
        "bgnbd_distinct_rows": 90_000, "bgnbd_weighted_s": 1.0, "bgnbd_per_customer_s": 6.0,
        "bgnbd_ratio": 6.0, "bgnbd_max_rel_diff": 2e-9,
    }  # fmt: skip
    older = _result(1_000_000) | {"raw_rows": 1}
    results = bench.latest_per_scale([older, _result(10_000), _result(1_000_000, head_to_head)])
    assert [r["customers"] for r in results] == [10_000, 1_000_000]
    text = bench.render_markdown(results)
    assert "2 cores, 23.5 GiB memory" in text
    assert "| 1,000,000 | 65,000,000 | 12 s | 12 s | 60 min |" in text
    assert "| 9.0 GiB | 2.0 / 3.5 |" in text
    assert "int_events_resolved 1.7 min" in text
    assert (
        "| 1,000,000 | 2,000,000 | 500 ms | 5.0 s | 10.0x | none | 700,000 (90,000) | 1.0 s | 6.0 s | 6.0x"
        in text
    )
    failed = _result(100_000, head_to_head | {"lifetimes_error": "TypeError: boom"})
    assert "| failed | - | TypeError: boom |" in bench.render_markdown([failed])


def test_report_keeps_hand_written_notes_and_names_the_code_measured(bench, tmp_path):
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(_result(10_000) | {"code": "abc1234+changes"}) + "\n", encoding="utf-8")
    doc = tmp_path / "benchmarks.md"
    notes = f"{bench.NOTES_MARKER}\n\n## Notes\n\nMeasured by hand.\n"
    doc.write_text("an older generated table\n\n" + notes, encoding="utf-8")
    latest = tmp_path / "latest"
    bench.write_report(results, doc, latest)
    text = doc.read_text(encoding="utf-8")
    assert "an older generated table" not in text
    assert "| 2026-11-25 abc1234+changes |" in text
    assert text.endswith(notes)
    bench.write_report(results, doc, latest)  # a second rewrite keeps them once
    assert doc.read_text(encoding="utf-8") == text
    doc.write_text("no notes\n", encoding="utf-8")
    bench.write_report(results, doc, latest)
    assert bench.NOTES_MARKER not in doc.read_text(encoding="utf-8")


def test_a_clone_that_measures_one_scale_keeps_the_rows_of_the_others(bench, tmp_path):
    """The local history (results.jsonl) is git-ignored; the newest result of each scale is
    committed (benchmarks/latest/), so the report of a fresh clone still has every scale."""
    history, latest, doc = tmp_path / "results.jsonl", tmp_path / "latest", tmp_path / "benchmarks.md"
    big = _result(1_000_000) | {"started_at": "2026-12-03T12:00:00Z", "code": "old1234"}
    small = _result(100_000) | {"started_at": "2026-12-03T11:00:00Z", "code": "old1234"}
    bench.record_result(small, history, latest)
    bench.record_result(big, history, latest)
    assert sorted(p.name for p in latest.iterdir()) == ["100000.json", "1000000.json"]
    history.unlink()  # a fresh clone: only the committed files
    newer_small = small | {"started_at": "2026-12-04T10:00:00Z", "code": "new5678"}
    bench.record_result(newer_small, history, latest)
    bench.write_report(history, doc, latest)
    rows = [line for line in doc.read_text(encoding="utf-8").splitlines() if line.endswith(" |")]
    assert any(row.startswith("| 1,000,000 |") and "old1234" in row for row in rows)
    assert any(row.startswith("| 100,000 |") and "new5678" in row for row in rows)
    assert not any("2026-12-03 old1234" in row for row in rows if row.startswith("| 100,000 |"))


def test_parse_scales(bench):
    assert bench.parse_scales("10000, 100k,1M") == [10_000, 100_000, 1_000_000]


def test_package_duckdb_settings_follow_the_profile(monkeypatch, tmp_path):
    """Ingest, validation and publish connect to DuckDB themselves: the same memory limit and
    spill folder as dbt's profile, from the same environment variables and defaults."""
    from lifecycle import paths

    profile = (ROOT / "profiles.yml").read_text(encoding="utf-8")
    assert f"env_var('LIFECYCLE_MEMORY_LIMIT', '{paths.DEFAULT_MEMORY_LIMIT}')" in profile
    assert "LIFECYCLE_TEMP_DIR" in profile
    monkeypatch.delenv("LIFECYCLE_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("LIFECYCLE_TEMP_DIR", raising=False)
    database = tmp_path / "w.duckdb"
    assert paths.duckdb_config(database) == {"memory_limit": "4GB", "temp_directory": f"{database}.tmp"}
    monkeypatch.setenv("LIFECYCLE_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("LIFECYCLE_TEMP_DIR", str(tmp_path / "spill"))
    con = duckdb.connect(str(database), config=paths.duckdb_config(database))
    try:
        limit, spill = con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchall()[0]
    finally:
        con.close()
    assert limit.startswith("28") and "MiB" in limit  # DuckDB reports 300 MB as 286.1 MiB
    assert spill == str(tmp_path / "spill")


def test_spill_folder_is_set_once_when_the_database_opens(tmp_path):
    """dbt-duckdb runs SET for each `settings` entry on every new cursor; once DuckDB has spilled,
    setting temp_directory again fails, even to the same folder (a million-customer build failed
    so). profiles.yml therefore gives it under config_options, which apply at connect."""
    import yaml

    output = yaml.safe_load((ROOT / "profiles.yml").read_text(encoding="utf-8"))["lifecycle"]["outputs"][
        "duckdb"
    ]
    assert "temp_directory" in output["config_options"]
    assert "temp_directory" not in output["settings"]
    # the DuckDB behaviour this guards against
    database, spill = tmp_path / "w.duckdb", str(tmp_path / "w.duckdb.tmp")
    con = duckdb.connect(
        str(database), config={"temp_directory": spill, "memory_limit": "30MB", "threads": "1"}
    )
    try:
        con.execute(
            "create table t as select md5(cast(range as varchar)) as s from range(1000000)"
        ).fetchall()
        con.execute("select count(*) from (select s from t order by s offset 10)").fetchall()
        cursor = con.cursor()
        cursor.execute("set memory_limit = '30MB'").fetchall()  # what `settings` do: harmless
        with pytest.raises(duckdb.NotImplementedException, match="temporary directory"):
            cursor.execute(f"set temp_directory = '{spill}'").fetchall()
    finally:
        con.close()


def test_a_stopped_build_is_reported_from_dbt_log_lines(bench):
    log = "\n".join(
        [
            "  ingest: reusing the raw tables of a previous run",
            "\x1b[0m12:00:00  Running with dbt=1.11.16",
            "\x1b[0m12:00:10  1 of 459 START sql table model staging.base_raw__consents ...... [RUN]",
            "\x1b[0m12:00:10  2 of 459 START sql incremental model staging.base_raw__events .. [RUN]",
            "\x1b[0m12:02:00  1 of 459 OK created sql table model staging.base_raw__consents . "
            "[\x1b[32mOK\x1b[0m in 110.50s]",
            "\x1b[0m12:02:00  3 of 459 START sql table model staging.base_raw__orders ........ [RUN]",
        ]
    )
    stopped_at = dt.datetime(2026, 11, 25, 12, 10, 10, tzinfo=dt.UTC)
    step, where = bench.unfinished_build(log, stopped_at, 8000)
    assert step["seconds"] == 600.0  # from the first node line to the stop
    assert step["slowest_models"] == [
        ["base_raw__events (running)", 600.0],
        ["base_raw__orders (running)", 490.0],
        ["base_raw__consents", 110.5],
    ]
    assert where == (
        "full build stopped after 10 min with 1 models built; still running: "
        "base_raw__events (10 min so far), base_raw__orders (8.2 min so far)"
    )
    result = _result(1_000_000) | {"ok": False, "unfinished": where}
    result["steps"] = {k: v for k, v in result["steps"].items() if k in ("generate", "split", "ingest")}
    result["steps"]["full_build"] = step
    text = bench.render_markdown([result])
    assert "| 1,000,000 | 65,000,000 | 12 s | 12 s | > 10 min (stopped) | - | - |" in text
    assert "(stopped) |" in text and f"1M stopped: {where}" in text


def _with_floor(customers: int, full: tuple, incremental: tuple) -> dict:
    """A result whose builds and floors took (build wall, build CPU, floor wall, floor CPU)."""
    result = _result(customers)
    for kind, (wall, cpu, floor_wall, floor_cpu) in (("full", full), ("incremental", incremental)):
        result["steps"][f"{kind}_build"] |= {
            "seconds": wall,
            "cpu_s": cpu,
            "load_before": 1.5,
            "load_after": 2.5,
        }
        result["steps"][f"{kind}_floor"] = {"query_s": floor_wall, "query_cpu_s": floor_cpu}
    return result


def test_builds_against_the_floor_per_scale(bench):
    small = _with_floor(100_000, full=(600.0, 1000.0, 4.0, 8.0), incremental=(300.0, 400.0, 5.0, 10.0))
    x = bench.against_floor(small)
    assert x["full"]["wall_x"] == 150 and x["full"]["cpu_x"] == 125
    assert x["incremental"]["wall_x"] == 60 and x["incremental"]["cpu_x"] == 40
    assert x["full"]["validate_publish_s"] == 24.0  # 12 s + 12 s: the children's times
    # with the phases' own times recorded, those count (not the children's start-up)
    small["steps"]["full_validate"]["phase_seconds"] = {"validation": 7.0}
    small["steps"]["full_publish"]["phase_seconds"] = {"warnings": 0.5, "publish": 2.0, "summary": 0.5}
    assert bench.against_floor(small)["full"]["validate_publish_s"] == 10.0
    assert x["cpu_per_customer_s"] == pytest.approx(0.01)
    large = _with_floor(1_000_000, full=(4000.0, 16000.0, 40.0, 80.0), incremental=(500.0, 900.0, 41.0, 90.0))
    # 16 ms of CPU per customer at 1M against 10 ms at 100k
    assert bench.per_customer_growth([small, large]) == {100_000: None, 1_000_000: pytest.approx(1.6)}
    text = bench.render_markdown([small, large])
    assert "## Against the floor" in text
    assert (
        "| 100,000 | 4.0 s / 8.0 s | 10 min / 17 min | 150x, 125x | 5.0 s / 10 s | 5.0 min / 6.7 min"
        " | 60x, 40x | 10 s, 24 s | 10.00 ms | - | 1.5 -> 2.5 | 1.5 -> 2.5 |"
    ) in text
    assert "| 1,000,000 | 40 s / 1.3 min | 67 min / 267 min | 100x, 200x | 41 s / 1.5 min |" in text
    assert "| 12x, 10x | 24 s, 24 s | 16.00 ms | 1.60x |" in text


def test_results_without_cpu_or_floor_show_dashes(bench):
    """Results recorded before the floor and CPU times were measured still render."""
    old = _result(10_000)
    x = bench.against_floor(old)
    assert x["full"]["wall_x"] is None and x["cpu_per_customer_s"] is None
    row = next(line for line in bench.floor_section([old]) if line.startswith("| 10,000"))
    assert (
        row
        == "| 10,000 | - / - | 60 min / - | -, - | - / - | 1.5 min / - | -, - | 24 s, 24 s | - | - | - | - |"
    )


def test_a_head_to_head_that_failed_is_reported_not_a_crash(bench):
    """The child fails as a whole when lifetimes' per-customer fit does not converge (a 300-customer
    smoke run did): the report says so instead of failing on the missing numbers."""
    failed = _result(300, {"seconds": 11.8, "cpu_s": 5.3, "peak_rss_mb": 240, "exit_code": 1, "ok": False})
    text = bench.render_markdown([failed])
    assert "| 300 | failed (exit code 1, see the harness log) |" in text
    assert "- 300: 2.0 GiB" in text  # not "0k"
