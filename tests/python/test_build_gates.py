"""The gates of `lifecycle build` without dbt: a failed gate publishes nothing and says so."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time

import pytest
from test_publish import make_working

from lifecycle import paths
from lifecycle.build import GateFailed, build, phase_dbt_build, start
from lifecycle.publish import publish


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failed_dbt_build_publishes_nothing(tmp_path, capsys):
    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    serving = paths.serving_path(working)
    publish(working, serving, "b1", exports_dir=paths.published_exports_dir(serving))
    before = digest(serving)
    make_working(working, customers=8)
    calls = []

    def failing_dbt(args, database):
        calls.append((args, database))
        return 1

    assert build(working, serving, ["--select", "x"], run_dbt=failing_dbt) == 1
    assert calls == [(["build", "--exclude-resource-type", "unit_test", "--select", "x"], working)]
    err = capsys.readouterr().err
    assert "gate 1, dbt build" in err and f"{serving} still serves build b1" in err
    assert digest(serving) == before


def test_a_failed_validation_publishes_nothing(tmp_path, capsys):
    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    serving = paths.serving_path(working)
    # this customer_profiles has two columns: its suite fails on every missing one
    assert build(working, serving, [], run_dbt=lambda args, database: 0) == 1
    captured = capsys.readouterr()
    assert "gate 2, Great Expectations" in captured.err and "no build has been published" in captured.err
    assert "FAILED marts.customer_profiles: column_values_to_not_be_null(lifecycle_stage)" in captured.out
    assert "no suite (not validated): marts.revenue_total" in captured.out
    assert not serving.exists() and not paths.published_exports_dir(serving).exists()
    assert (
        paths.quality_dir(working) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    ).exists()


def test_the_serving_copy_sits_beside_the_working_file_unless_configured(tmp_path, monkeypatch):
    working = tmp_path / "w.duckdb"
    monkeypatch.delenv("LIFECYCLE_SERVING_PATH", raising=False)
    assert paths.serving_path(working) == tmp_path / "serving" / "w.duckdb"
    assert paths.published_exports_dir(paths.serving_path(working)) == tmp_path / "serving" / "exports"
    monkeypatch.setenv("LIFECYCLE_SERVING_PATH", str(tmp_path / "bi" / "copy.duckdb"))
    assert paths.serving_path(working) == tmp_path / "bi" / "copy.duckdb"


OUT_OF_MEMORY = (
    "Runtime Error in model int_customer_snapshot_features\n  Out of Memory Error: failed to pin"
    " block of size 256.0 KiB (7.4 GiB/7.4 GiB used)"
)


def dbt_writing(target, *outcomes, clock_lag_s=0.0):
    """A fake run_dbt: each call writes its run results (node -> (status, message)) and returns
    its exit code, as dbt does; the calls are recorded. `clock_lag_s` dates the file that much
    before it was written, as a file system's coarse clock can."""
    calls = []

    def run_dbt(args, database):
        code, results = outcomes[len(calls)]
        calls.append(args)
        target.mkdir(parents=True, exist_ok=True)
        rows = [
            {
                "unique_id": node if "." in node else f"model.lifecycle.{node}",
                "status": status,
                "message": message,
            }
            for node, (status, message) in results.items()
        ]
        (target / "run_results.json").write_text(
            json.dumps(
                {
                    "metadata": {"generated_at": dt.datetime.now(dt.UTC).isoformat()},
                    "elapsed_time": 10.0,
                    "results": rows,
                }
            ),
            encoding="utf-8",
        )
        if clock_lag_s:
            written = time.time() - clock_lag_s
            os.utime(target / "run_results.json", (written, written))
        return code

    return run_dbt, calls


def test_a_build_short_of_memory_runs_its_failed_and_skipped_nodes_again_one_at_a_time(tmp_path, capsys):
    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    target = tmp_path / "target"
    first = {
        "int_customer_snapshot_features": ("error", OUT_OF_MEMORY),
        "int_lifecycle_stage_change_days": ("error", OUT_OF_MEMORY.replace("pin", "allocate")),
        "customer_lifecycle": ("skipped", None),
        "kpi_daily": ("success", "OK"),
    }
    again = {"int_customer_snapshot_features": ("success", "OK")}
    run_dbt, calls = dbt_writing(target, (1, first), (0, again))
    state = start(working, paths.serving_path(working), [], target_path=target)
    phase_dbt_build(state, run_dbt=run_dbt)
    assert calls == [
        ["build", "--exclude-resource-type", "unit_test", "--target-path", str(target)],
        ["retry", "--threads", "1", "--target-path", str(target)],
    ]
    out = capsys.readouterr().out
    assert "int_customer_snapshot_features, int_lifecycle_stage_change_days ran out of DuckDB's" in out


def test_results_whose_file_looks_older_than_the_build_count(tmp_path):
    """A file's mtime comes from a coarse clock: results dbt wrote at once can look a few
    milliseconds older than the build's start. Whether they are this build's is read from dbt's
    own generated_at, so they count."""
    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    target = tmp_path / "target"
    short = {"a": ("error", OUT_OF_MEMORY)}
    run_dbt, calls = dbt_writing(target, (1, short), (0, {"a": ("success", "OK")}), clock_lag_s=0.5)
    state = start(working, paths.serving_path(working), [], target_path=target)
    phase_dbt_build(state, run_dbt=run_dbt)
    assert [args[0] for args in calls] == ["build", "retry"]


def test_after_a_retry_the_run_results_hold_the_whole_build(tmp_path):
    """dbt retry rewrites run_results.json with the retried nodes alone: the first run's other
    results (a test that warned, every node's time) are put back, so the build summary still
    lists the warnings and the benchmark every node."""
    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    target = tmp_path / "target"
    warned = "test.lifecycle.source_not_null_raw_orders_order_id"
    first = {
        "int_customer_snapshot_features": ("error", OUT_OF_MEMORY),
        "customer_lifecycle": ("skipped", None),
        "kpi_daily": ("success", "OK"),
        warned: ("warn", "Got 2 results, configured to warn if != 0"),
    }
    again = {"int_customer_snapshot_features": ("success", "OK"), "customer_lifecycle": ("success", "OK")}
    run_dbt, _ = dbt_writing(target, (1, first), (0, again))
    state = start(working, paths.serving_path(working), [], target_path=target)
    phase_dbt_build(state, run_dbt=run_dbt)
    merged = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    assert {r["unique_id"].split(".")[-1]: r["status"] for r in merged["results"]} == {
        "int_customer_snapshot_features": "success",
        "customer_lifecycle": "success",
        "kpi_daily": "success",
        "source_not_null_raw_orders_order_id": "warn",
    }
    assert merged["elapsed_time"] == 20.0


@pytest.mark.parametrize(
    "failures",
    [
        # another error beside the memory: it would fail again
        {"a": ("error", OUT_OF_MEMORY), "b": ("error", "Binder Error: column x not found")},
        {"a": ("fail", "Got 3 results, configured to fail if != 0")},
    ],
)
def test_a_build_failed_otherwise_is_not_run_again(tmp_path, failures):
    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    target = tmp_path / "target"
    run_dbt, calls = dbt_writing(target, (1, failures))
    state = start(working, paths.serving_path(working), [], target_path=target)
    with pytest.raises(GateFailed, match="dbt build"):
        phase_dbt_build(state, run_dbt=run_dbt)
    assert len(calls) == 1


def test_the_results_of_an_earlier_run_do_not_count(tmp_path):
    """dbt can fail before it writes results (a parse error): the file left is an earlier run's."""
    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    target = tmp_path / "target"
    earlier, _ = dbt_writing(target, (1, {"a": ("error", OUT_OF_MEMORY)}))
    earlier([], working)
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    results["metadata"]["generated_at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    (target / "run_results.json").write_text(json.dumps(results), encoding="utf-8")
    calls = []

    def fails_before_writing(args, database):
        calls.append(args)
        return 1

    state = start(working, paths.serving_path(working), [], target_path=target)
    with pytest.raises(GateFailed):
        phase_dbt_build(state, run_dbt=fails_before_writing)
    assert len(calls) == 1


def test_a_retry_that_fails_again_fails_the_gate(tmp_path):
    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    target = tmp_path / "target"
    short = {"a": ("error", OUT_OF_MEMORY)}
    run_dbt, calls = dbt_writing(target, (1, short), (1, short))
    state = start(working, paths.serving_path(working), [], target_path=target)
    with pytest.raises(GateFailed, match="dbt build"):
        phase_dbt_build(state, run_dbt=run_dbt)
    assert [args[0] for args in calls] == ["build", "retry"]
