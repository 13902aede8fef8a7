"""`lifecycle build`: dbt build -> quarantine gate -> Great Expectations -> publish (serving file
+ exports).

Before dbt runs, a working file that another process holds, or one without orders, stops the
build with a message saying what to do. Each step is a gate: when one fails the command stops
with a message saying which gate failed and that the serving copy still holds the last good
build. Warnings (source freshness, row-count anomalies, quarantined shares above the warn share,
tables without a suite) never stop a build; they are recorded in the serving file and shown by
the summary.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import yaml

from lifecycle import paths
from lifecycle.locks import check_writable
from lifecycle.quality import quarantine_gate
from lifecycle.quality.health import (
    BuildWarning,
    dbt_test_warnings,
    freshness_warnings,
    ingest_warnings,
    table_row_warnings,
)

DEFAULT_ROW_CHANGE_SHARE = 0.5
PRODUCTION_BUILD = ["build", "--exclude-resource-type", "unit_test"]


def project_vars(dbt_args: list[str]) -> dict:
    """dbt_project.yml vars with a `--vars` YAML among `dbt_args` applied on top (as dbt does)."""
    project = yaml.safe_load((paths.project_dir() / "dbt_project.yml").read_text(encoding="utf-8"))
    values = dict(project.get("vars") or {})
    for i, arg in enumerate(dbt_args):
        text = None
        if arg == "--vars" and i + 1 < len(dbt_args):
            text = dbt_args[i + 1]
        elif arg.startswith("--vars="):
            text = arg.removeprefix("--vars=")
        if text:
            values.update(yaml.safe_load(text) or {})
    return values


def published_row_counts(database: Path) -> dict[str, int]:
    """Rows of every table the publish step would copy, counted in the working file."""
    from lifecycle.publish import PUBLISHED_SCHEMAS

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
    working: Path, previous_counts: dict[str, int], share: float, now: dt.datetime
) -> list[BuildWarning]:
    """Freshness and row-count warnings for the build in `working`."""
    con = duckdb.connect(str(working), read_only=True)
    try:
        warnings = freshness_warnings(con, now.replace(tzinfo=None))
        warnings += ingest_warnings(con, share)
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


def build(
    working: Path,
    serving: Path,
    dbt_args: list[str],
    *,
    max_cells: int | None = None,
    run_dbt: Callable[..., int] | None = None,
) -> int:
    """Run the gates and publish; 0 when a new build is served, 1 when a gate stopped it."""
    from lifecycle.cli import run_dbt as default_run_dbt
    from lifecycle.publish import new_build_id, previous_build, publish

    now = dt.datetime.now(dt.UTC)
    build_id = new_build_id(now)
    last_id, last_counts = previous_build(serving)
    untouched = (
        f"nothing was published: {serving} still serves build {last_id}"
        if last_id
        else f"nothing was published (no build has been published to {serving} yet)"
    )
    print(f"build {build_id}: dbt build on {working}", flush=True)
    problem = before_dbt(working)
    if problem:
        print(f"\nbuild stopped before dbt build: {problem}\n{untouched}", file=sys.stderr)
        return 1
    # dbt unit tests check SQL logic on fixtures, not the data: they belong to development and CI
    # (`make test` runs them), not to every production build (dbt's own advice)
    if (run_dbt or default_run_dbt)(PRODUCTION_BUILD + dbt_args, database=working) != 0:
        explain_failed_dbt(working, project_vars(dbt_args))
        print(
            f"\nbuild stopped at gate 1, dbt build (models or tests failed, see above);\n{untouched}",
            file=sys.stderr,
        )
        return 1

    gate = quarantine_gate.check(working, project_vars(dbt_args))
    print(gate.format(), flush=True)
    if gate.stops:
        print(
            f"\nbuild stopped at the quarantine gate: {', '.join('raw.' + f.table for f in gate.stops)}"
            f" lost too many rows to quarantine (listed above);\n{untouched}",
            file=sys.stderr,
        )
        return 1

    print("validating with Great Expectations ...", flush=True)
    from lifecycle.quality.validate import DEFAULT_MAX_CELLS, validate_warehouse

    try:
        report = validate_warehouse(working, paths.quality_dir(working), max_cells or DEFAULT_MAX_CELLS)
    except (OSError, duckdb.Error, ValueError) as err:
        print(
            f"\nbuild stopped at gate 2, Great Expectations could not run: {err!r};\n{untouched}",
            file=sys.stderr,
        )
        return 1
    print(report.format(), flush=True)
    if not report.success:
        print(
            f"\nbuild stopped at gate 2, Great Expectations: {len(report.failures)} expectation(s) failed"
            f" (listed above);\n{untouched}",
            file=sys.stderr,
        )
        return 1

    share = float(project_vars(dbt_args).get("row_count_change_warn_share", DEFAULT_ROW_CHANGE_SHARE))
    warnings = build_warnings(working, last_counts, share, now)
    warnings += dbt_test_warnings(paths.project_dir() / "target" / "run_results.json", now)
    warnings += [BuildWarning("quarantine", f"raw.{f.table}", f.message) for f in gate.warnings]
    warnings += [
        BuildWarning(
            "no_suite",
            relation,
            "not validated: not a relation of the dbt project, no suite in src/lifecycle/quality/suites.py",
        )
        for relation in report.without_suite
    ]
    try:
        result = publish(
            working,
            serving,
            build_id,
            exports_dir=paths.published_exports_dir(serving),
            warnings=warnings,
            quality=report,
            dbt_args=dbt_args,
            now=now,
        )
    except (OSError, duckdb.Error) as err:
        print(f"\nbuild stopped at gate 3, publish: {err};\n{untouched}", file=sys.stderr)
        return 1
    print(
        f"published build {build_id}: {len(result.table_rows)} tables to {serving},"
        f" exports in {result.exports}"
    )
    return 0
