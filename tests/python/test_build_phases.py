"""`lifecycle build` is a sequence of phase functions in lifecycle.build; the benchmark runs the
same functions (not a copy of them), and the build prints one line per phase with its time and a
last line with the total time and the build id."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import duckdb
import pytest

from lifecycle import build, cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_for_phases", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Clock:
    """A stand-in for time.monotonic that the fake phases move forward."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def spy_phases(monkeypatch, seconds: dict[str, float], fail: str | None = None) -> tuple[list, Clock]:
    """Replace every phase function with one that records its call and takes `seconds`."""
    calls: list[tuple[str, str]] = []
    clock = Clock()
    monkeypatch.setattr(build, "time", clock)

    def fake(name: str):
        def phase(state, **kwargs):
            calls.append((name, type(state).__name__))
            clock.now += seconds.get(name, 0.0)
            if name == fail:
                raise build.GateFailed(build.GATES[name], f"{name} said no")
            if name == "publish":
                state.parts["publish"] = [("exports", 1.0, "exports/current")]
            return {"validation": "12 expectations on 3 tables passed"}.get(name, "")

        return phase

    for name in build.PHASES:
        monkeypatch.setattr(build, f"phase_{name}", fake(name))
    return calls, clock


def raw_warehouse(path: Path) -> Path:
    """Just enough raw tables for the benchmark's floor query."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema raw").fetchall()
        con.execute(
            "create table raw.events as select * from (values ('c1', '2026-01-01 10:00:00'),"
            " ('c1', '2026-01-02 10:00:00'), (null, '2026-01-03 10:00:00')) as t(user_id, \"timestamp\")"
        ).fetchall()
        con.execute(
            "create table raw.orders as select * from (values ('c1', '10.50'), ('c2', ' 4.00'))"
            " as t(customer_id, total_amount)"
        ).fetchall()
    finally:
        con.close()
    return path


def test_the_benchmark_runs_the_build_phases_the_command_line_runs(monkeypatch, tmp_path, bench):
    calls, _ = spy_phases(monkeypatch, {})
    working = raw_warehouse(tmp_path / "w.duckdb")
    assert cli.main(["build", "--database", str(working)]) == 0
    from_cli = list(calls)
    calls.clear()

    def in_process(name, scratch, **kwargs):
        return bench.STEPS[name](**kwargs)

    steps = bench.run_build(tmp_path, working, tmp_path / "target", "full", runner=in_process)
    assert from_cli == [(name, "BuildState") for name in build.PHASES]
    assert calls == from_cli
    assert list(steps) == ["full_floor", "full_build", "full_validate", "full_publish"]
    assert steps["full_floor"]["customers"] == 3  # c1, c2 and the events without a user
    assert (steps["full_floor"]["events"], steps["full_floor"]["orders"]) == (3, 2)


def test_the_benchmark_stops_a_build_where_lifecycle_build_stops(monkeypatch, tmp_path, bench):
    calls, _ = spy_phases(monkeypatch, {}, fail="validation")
    working = raw_warehouse(tmp_path / "w.duckdb")
    steps = bench.run_build(
        tmp_path, working, tmp_path / "target", "full", runner=lambda n, s, **kw: bench.STEPS[n](**kw)
    )
    assert [name for name, _ in calls] == ["dbt_build", "validation"]
    assert "full_publish" not in steps
    assert steps["full_validate"]["ok"] is False
    assert steps["full_validate"]["failed"] == "gate 2: validation said no"


def test_the_benchmark_does_not_reimplement_the_build():
    """bench.py may use the build only through lifecycle.build: no validation, publish or
    warnings code of its own."""
    tree = ast.parse((ROOT / "benchmarks" / "bench.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lifecycle"):
            imported |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names if alias.name.startswith("lifecycle")}
    forbidden = ("lifecycle.publish", "lifecycle.quality", "lifecycle.dbt_runner", "lifecycle.export")
    assert not [name for name in imported if name.startswith(forbidden)], imported
    assert "lifecycle.build" in imported


def test_a_build_prints_each_phase_with_its_time_and_ends_with_the_total(monkeypatch, tmp_path, capsys):
    seconds = {"dbt_build": 10.0, "validation": 5.0, "warnings": 0.5, "publish": 3.0, "summary": 0.2}
    spy_phases(monkeypatch, seconds)
    working = tmp_path / "w.duckdb"
    assert cli.main(["build", "--database", str(working)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[build]")]
    build_id = re.fullmatch(r"\[build\] build (\S+) of .*", lines[0]).group(1)
    assert lines == [
        f"[build] build {build_id} of {working} (serving copy {tmp_path / 'serving' / 'w.duckdb'})",
        "[build] dbt build: started",
        "[build] dbt build: done in 10.0 s",
        "[build] validation: started",
        "[build] validation: done in 5.0 s (12 expectations on 3 tables passed)",
        "[build] warnings: done in 0.5 s",
        "[build] publish: started",
        "[build] publish: done in 2.0 s",  # the exports' second is on their own line
        "[build] exports: done in 1.0 s (exports/current)",
        "[build] summary: done in 0.2 s",
        f"[build] finished in 18.7 s: build {build_id} published",
    ]


def test_a_stopped_build_says_where_after_how_long(monkeypatch, tmp_path, capsys):
    spy_phases(monkeypatch, {"dbt_build": 10.0, "validation": 5.0}, fail="validation")
    assert cli.main(["build", "--database", str(tmp_path / "w.duckdb")]) == 1
    captured = capsys.readouterr()
    last = captured.out.splitlines()[-1]
    assert re.fullmatch(
        r"\[build\] stopped at gate 2 \(validation\) after 15\.0 s: build \S+ not published", last
    )
    assert "build stopped at gate 2, validation said no" in captured.err


def test_bad_vars_stop_the_build_before_dbt(monkeypatch, tmp_path, capsys):
    calls, _ = spy_phases(monkeypatch, {})
    assert cli.main(["build", "--database", str(tmp_path / "w.duckdb"), "--vars", "EUR"]) == 2
    assert calls == []
    assert "--vars must be a YAML mapping" in capsys.readouterr().err


def test_validation_reads_the_manifest_of_the_build_s_own_dbt_run(monkeypatch, tmp_path):
    """The suites come from dbt's manifest: the benchmark's builds write theirs to a target/ of
    their own, and their validation must read that one, not the project's."""
    from lifecycle.quality import validate
    from lifecycle.quality.validate import QualityReport

    seen = []

    def fake_validate(database, context_dir, max_cells, manifest=None):
        seen.append(manifest)
        return QualityReport()

    monkeypatch.setattr(validate, "validate_warehouse", fake_validate)
    for target in (tmp_path / "bench-target", None):
        state = build.start(tmp_path / "w.duckdb", tmp_path / "s.duckdb", [], target_path=target)
        build.phase_validation(state)
    assert seen == [tmp_path / "bench-target" / "manifest.json", None]
