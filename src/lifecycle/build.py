"""`lifecycle build`: dbt build -> quarantine gate -> Great Expectations -> warnings -> publish
(serving file + exports) -> summary, as a sequence of phase functions.

The phases share one BuildState (what the build knows so far). `build` runs them in order, and
so does the benchmark (benchmarks/bench.py runs them in child processes of its own, the state
pickled between them), so what `make bench` times is what `lifecycle build` runs. `run_phase`
looks each phase function up by name at call time (`phase_<name>`).

Each gate stops the build with a message saying which gate failed and that the serving copy still
holds the last good build. Gate 1 is dbt build and, after it, the quarantine gate (the share of
the newest delivery's rows quarantined); before dbt runs, a working file another process holds,
or one without orders, stops the build with a message saying what to do. Warnings (source
freshness, row-count anomalies, quarantined shares above the warn share, tables without a suite,
dbt tests of severity warn) never stop a build; they are recorded in the serving file and shown
by the summary. Every phase prints a line when it ends (and one when it starts, for the long
ones) with its time; the last line gives the total time and the build id.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from lifecycle import paths, settings
from lifecycle.dbt_runner import run_dbt as default_run_dbt
from lifecycle.locks import check_writable
from lifecycle.publish import PUBLISHED_SCHEMAS, PublishResult, new_build_id, previous_build, publish
from lifecycle.quality import quarantine_gate
from lifecycle.quality.health import (
    BuildWarning,
    audience_shrink_warnings,
    audience_sizes,
    dbt_test_warnings,
    empty_table_warnings,
    freshness_warnings,
    guest_order_warnings,
    ingest_warnings,
    persona_warnings,
    run_results_since,
    table_row_warnings,
)
from lifecycle.summary import summary_text

DEFAULT_ROW_CHANGE_SHARE = 0.5
DEFAULT_AUDIENCE_SHRINK_SHARE = 0.5
PRODUCTION_BUILD = ["build", "--exclude-resource-type", "unit_test"]

# The phases of a build, in order; `phase_<name>` runs one. LABELS name them in the output.
PHASES = ("dbt_build", "validation", "warnings", "publish", "summary")
LABELS = {
    "dbt_build": "dbt build",
    "validation": "validation",
    "warnings": "warnings",
    "publish": "publish",
    "summary": "summary",
}
# phases that take long enough to announce when they start
ANNOUNCED = {"dbt_build", "validation", "publish"}
# the gate each phase is (a failure there stops the build)
GATES = {"dbt_build": 1, "validation": 2, "publish": 3}
PREFIX = "[build]"


class GateFailed(Exception):
    """A phase stopped the build; nothing was published."""

    def __init__(self, gate: int, reason: str):
        super().__init__(reason)
        self.gate = gate
        self.reason = reason


@dataclass
class BuildState:
    """What one build knows so far; every phase reads and extends it (picklable)."""

    working: Path
    serving: Path
    dbt_args: list[str]
    build_id: str
    now: dt.datetime
    vars: dict[str, Any]
    previous_id: str | None
    previous_counts: dict[str, int]
    target_path: Path | None = None  # dbt's target/ (None: the project's)
    max_cells: int | None = None
    quality: Any = None  # quality.validate.QualityReport
    quarantine: Any = None  # quality.quarantine_gate.GateResult
    warnings: list[BuildWarning] = field(default_factory=list)
    published: PublishResult | None = None
    summary: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    parts: dict[str, list[tuple[str, float, str]]] = field(default_factory=dict)

    @property
    def untouched(self) -> str:
        """What a failed gate leaves: the serving copy as it was."""
        if self.previous_id:
            return f"nothing was published: {self.serving} still serves build {self.previous_id}"
        return f"nothing was published (no build has been published to {self.serving} yet)"

    @property
    def run_results(self) -> Path:
        return (self.target_path or paths.project_dir() / "target") / "run_results.json"


def start(
    working: Path,
    serving: Path,
    dbt_args: list[str],
    *,
    max_cells: int | None = None,
    target_path: Path | None = None,
    now: dt.datetime | None = None,
) -> BuildState:
    """A new build: its id, its effective vars (settings.VarsError on a bad --vars) and the build
    the serving copy holds now."""
    now = now or dt.datetime.now(dt.UTC)
    values = settings.effective_vars(dbt_args)
    last_id, last_counts = previous_build(serving)
    return BuildState(
        working=Path(working),
        serving=Path(serving),
        dbt_args=list(dbt_args),
        build_id=new_build_id(now),
        now=now,
        vars=values,
        previous_id=last_id,
        previous_counts=last_counts,
        target_path=Path(target_path) if target_path else None,
        max_cells=max_cells,
    )


def published_row_counts(database: Path) -> dict[str, int]:
    """Rows of every table the publish step would copy, counted in the working file."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        placeholders = ", ".join("?" for _ in PUBLISHED_SCHEMAS)
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables"
            f" where table_schema in ({placeholders}) order by 1, 2",
            list(PUBLISHED_SCHEMAS),
        ).fetchall()
        return {
            f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchall()[0][0]
            for s, t in relations
        }
    finally:
        con.close()


def build_warnings(
    working: Path,
    previous_counts: dict[str, int],
    share: float,
    now: dt.datetime,
    *,
    as_of_date_set: bool = False,
) -> list[BuildWarning]:
    """Freshness, row-count, guest-order, empty-table and persona warnings for the build in `working`."""
    con = duckdb.connect(str(working), read_only=True)
    try:
        warnings = freshness_warnings(con, now.replace(tzinfo=None), as_of_date_set=as_of_date_set)
        warnings += ingest_warnings(con, share)
        warnings += guest_order_warnings(con)
        warnings += empty_table_warnings(con)
        warnings += persona_warnings(con)
    finally:
        con.close()
    return warnings + table_row_warnings(published_row_counts(working), previous_counts, share)


def before_dbt(working: Path) -> str | None:
    """What keeps dbt from building `working` at all: another process holding the file, or no
    orders delivered. None when dbt may run."""
    return check_writable(working) or quarantine_gate.no_orders_delivered(working)


def explain_failed_dbt(working: Path, variables: dict) -> None:
    """After a failed dbt build, print what the quarantine gate would have stopped on: a delivery
    whose rows were mostly quarantined makes later models fail for want of data (no as-of date,
    no orders), and the gate's message says why."""
    try:
        stops = quarantine_gate.check(working, variables).stops
    except (OSError, duckdb.Error):
        return
    for finding in stops:
        print(f"\nthe quarantine gate would have stopped this build too:\n{finding.message}", file=sys.stderr)


DUCKDB_OUT_OF_MEMORY = "Out of Memory Error"


def out_of_memory_nodes(results: dict | None) -> list[str]:
    """The nodes of a failed dbt run (its run results) that failed because DuckDB ran out of its
    memory_limit, when every failure of the run was that (empty otherwise: another error would
    fail again)."""
    failed = [r for r in (results or {}).get("results", []) if r.get("status") in ("error", "fail")]
    if failed and all(DUCKDB_OUT_OF_MEMORY in (r.get("message") or "") for r in failed):
        return [r["unique_id"].split(".")[-1] for r in failed]
    return []


def put_back_first_results(run_results: Path, first: dict) -> None:
    """`dbt retry` rewrites run_results.json with the retried nodes alone. Put back the first
    run's results of every other node (the tests that warned, each node's time), so the build
    summary's warnings and the benchmark's node times cover the whole build. Nothing to do when
    the retry wrote no results (the file still holds the first run's)."""
    try:
        again = json.loads(run_results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if again == first:
        return
    retried = {r["unique_id"] for r in again.get("results", [])}
    kept = [r for r in first.get("results", []) if r["unique_id"] not in retried]
    again["results"] = kept + again.get("results", [])
    again["elapsed_time"] = first.get("elapsed_time", 0) + again.get("elapsed_time", 0)
    run_results.write_text(json.dumps(again), encoding="utf-8")


# --------------------------------------------------------------------------- the phases
def phase_dbt_build(state: BuildState, run_dbt: Callable[..., int] | None = None) -> str:
    """Gate 1: `dbt build` of models, snapshots, seeds and every data test. The dbt unit tests
    check SQL logic on fixtures, not the data: they belong to development and CI (`make test`
    runs them), not to every production build (dbt's own advice).
    DuckDB's memory_limit holds for the whole file, and dbt runs two models at once: two large
    ones (a million customers) can together run out of it, although each fits alone (DECISIONLOG
    "A build that runs out of memory retries one node at a time"). When every failure was that, the
    failed and skipped nodes run again one at a time (`dbt retry --threads 1`), and the first
    run's other results go back into run_results.json."""
    problem = before_dbt(state.working)
    if problem:
        raise GateFailed(1, f"before dbt build: {problem}")
    run_dbt = run_dbt or default_run_dbt
    target = [] if state.target_path is None else ["--target-path", str(state.target_path)]
    if run_dbt(PRODUCTION_BUILD + state.dbt_args + target, database=state.working) != 0:
        first = run_results_since(state.run_results, state.now)
        short_of_memory = out_of_memory_nodes(first)
        retried = False
        if short_of_memory:
            say(
                f"dbt build: {', '.join(short_of_memory)} ran out of DuckDB's memory_limit beside"
                " other models; running the failed and skipped nodes again, one at a time"
            )
            retried = run_dbt(["retry", "--threads", "1", *target], database=state.working) == 0
            put_back_first_results(state.run_results, first)
        if not retried:
            explain_failed_dbt(state.working, state.vars)
            raise GateFailed(1, "dbt build (models or tests failed, see above)")
    # the quarantine gate: a delivery that lost too many rows to quarantine is not published
    gate = quarantine_gate.check(state.working, state.vars)
    state.quarantine = gate
    print(gate.format(), flush=True)
    if gate.stops:
        raise GateFailed(
            1,
            f"the quarantine gate: {', '.join('raw.' + f.table for f in gate.stops)}"
            " lost too many rows to quarantine (listed above)",
        )
    return ""


def phase_validation(state: BuildState) -> str:
    """Gate 2: the Great Expectations suites on raw and every public table."""
    from lifecycle.quality.validate import DEFAULT_MAX_CELLS, validate_warehouse

    # the suites read dbt's manifest: the one this build's dbt run wrote
    manifest = state.target_path / "manifest.json" if state.target_path is not None else None
    try:
        report = validate_warehouse(
            state.working,
            paths.quality_dir(state.working),
            state.max_cells or DEFAULT_MAX_CELLS,
            manifest=manifest,
        )
    except (OSError, duckdb.Error, ValueError) as err:
        raise GateFailed(2, f"Great Expectations could not run: {err!r}") from err
    state.quality = report
    print(report.format(), flush=True)
    if not report.success:
        raise GateFailed(
            2, f"Great Expectations: {len(report.failures)} expectation(s) failed (listed above)"
        )
    evaluated = sum(t.evaluated for t in report.tables)
    return f"{evaluated:,} expectations on {len(report.tables)} tables passed"


def phase_warnings(state: BuildState) -> str:
    """Freshness, row-count, guest-order, empty-table, persona, audience-shrink, dbt warn-test and
    no-suite warnings (never a failure)."""
    share = float(state.vars.get("row_count_change_warn_share", DEFAULT_ROW_CHANGE_SHARE))
    warnings = build_warnings(
        state.working,
        state.previous_counts,
        share,
        state.now,
        as_of_date_set=bool(state.vars.get("as_of_date")),
    )
    # against the members of the last PUBLISHED build (the serving copy), not of the last dbt run
    warnings += audience_shrink_warnings(
        audience_sizes(state.serving),
        audience_sizes(state.working),
        float(state.vars.get("audience_shrink_warn_share", DEFAULT_AUDIENCE_SHRINK_SHARE)),
    )
    warnings += dbt_test_warnings(state.run_results, state.now)
    if state.quarantine is not None:
        warnings += [
            BuildWarning("quarantine", f"raw.{f.table}", f.message) for f in state.quarantine.warnings
        ]
    warnings += [
        BuildWarning(
            "no_suite",
            relation,
            "not validated: not a relation of the dbt project, no suite in src/lifecycle/quality/suites.py",
        )
        for relation in getattr(state.quality, "without_suite", [])
    ]
    state.warnings = warnings
    return f"{len(warnings)} warning(s), listed in the summary"


def phase_publish(state: BuildState) -> str:
    """Gate 3: the serving copy (with the build's vars, warnings and validation results) and the
    exports, each replaced in one rename."""
    try:
        result = publish(
            state.working,
            state.serving,
            state.build_id,
            exports_dir=paths.published_exports_dir(state.serving),
            warnings=state.warnings,
            quality=state.quality,
            dbt_args=state.dbt_args,
            dbt_vars=state.vars,
            now=state.now,
        )
    except (OSError, duckdb.Error) as err:
        raise GateFailed(3, f"publish: {err}") from err
    state.published = result
    if result.exports is not None:
        state.parts["publish"] = [("exports", result.exports_seconds, f"{result.exports}")]
    return f"{len(result.table_rows)} tables to {state.serving}"


def phase_summary(state: BuildState) -> str:
    """The summary of the build just published, read back from the serving copy."""
    state.summary = summary_text(state.serving)
    print(state.summary, flush=True)
    return ""


# --------------------------------------------------------------------------- running them
def say(text: str) -> None:
    """One progress line (stdout, flushed: it is read as the build runs)."""
    print(f"{PREFIX} {text}", flush=True)


def _done(label: str, seconds: float, detail: str) -> None:
    say(f"{label}: done in {seconds:.1f} s" + (f" ({detail})" if detail else ""))


def run_phase(state: BuildState, name: str, **kwargs: Any) -> None:
    """Run `phase_<name>` on `state` with its start and end lines; GateFailed passes through."""
    label = LABELS[name]
    if name in ANNOUNCED:
        say(f"{label}: started")
    started = time.monotonic()
    detail = globals()[f"phase_{name}"](state, **kwargs)
    seconds = time.monotonic() - started
    state.seconds[name] = seconds
    parts = state.parts.get(name, [])
    _done(label, seconds - sum(s for _, s, _ in parts), detail)
    for part, part_seconds, part_detail in parts:
        _done(part, part_seconds, part_detail)


def build(
    working: Path,
    serving: Path,
    dbt_args: list[str],
    *,
    max_cells: int | None = None,
    run_dbt: Callable[..., int] | None = None,
) -> int:
    """Run every phase; 0 when a new build is served, 1 when a gate stopped it, 2 on bad --vars."""
    started = time.monotonic()
    try:
        state = start(working, serving, dbt_args, max_cells=max_cells)
    except settings.VarsError as err:
        print(f"build not started: {err}", file=sys.stderr)
        return 2
    say(f"build {state.build_id} of {state.working} (serving copy {state.serving})")
    for name in PHASES:
        try:
            run_phase(state, name, **({"run_dbt": run_dbt} if name == "dbt_build" else {}))
        except GateFailed as failed:
            print(
                f"\nbuild stopped at gate {failed.gate}, {failed.reason};\n{state.untouched}",
                file=sys.stderr,
            )
            say(
                f"stopped at gate {failed.gate} ({LABELS[name]}) after {time.monotonic() - started:.1f} s:"
                f" build {state.build_id} not published"
            )
            return 1
    say(f"finished in {time.monotonic() - started:.1f} s: build {state.build_id} published")
    return 0
