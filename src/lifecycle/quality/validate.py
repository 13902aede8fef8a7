"""Validate the working DuckDB file with the Great Expectations suites and write Data Docs.

Each table's suite (`suites.expectations_for`: the dbt manifest's facts plus the hand-written
checks) is measured in DuckDB, one aggregate query per table (`measure`), and judged by the GX
expectations themselves; nothing is sampled, every check covers the whole table, and what
reaches Python is one row of metrics per table plus a few unexpected values per failed check
(no result larger than `max_cells` values). Tables are validated one after another on one
read-only connection, with the build's DuckDB memory limit.

A table in a validated schema that dbt does not know and no hand-written suite covers (left over
from an earlier build, or made by hand) is listed as not validated.

The GX file context lives in its own folder (by default data/quality/ beside the working file)
and is recreated on every run: it holds this build's suites and results only to render Data Docs.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from lifecycle import manifest as dbt_manifest
from lifecycle import paths
from lifecycle.manifest import Manifest
from lifecycle.quality import measure
from lifecycle.quality.suites import PUBLISHED_SCHEMAS, Facts, expectations_for, is_validated

# Most values in one result fetched into Python (a row of metrics, a list of unexpected
# examples). Measuring in SQL fetches one row of metrics per table, so the bound only matters for
# a suite of thousands of checks; the name and default are those of the frame budget it replaced.
DEFAULT_MAX_CELLS = 12_000_000
VALIDATED_SCHEMAS = ("raw", *PUBLISHED_SCHEMAS)


@dataclass
class Failure:
    """One failed expectation, described for a person reading the build output."""

    relation: str
    expectation: str
    detail: str
    why: str = ""

    def format(self) -> str:
        why = f"  ({self.why})" if self.why else ""
        return f"  FAILED {self.relation}: {self.expectation}: {self.detail}{why}"


@dataclass
class TableResult:
    """The outcome of one table's suite."""

    relation: str
    rows: int
    evaluated: int
    failures: list[Failure] = field(default_factory=list)
    queries: int = 0  # SQL queries run to measure the suite
    cells_fetched: int = 0  # values fetched into Python (metrics and unexpected examples)
    largest_fetch: int = 0  # values in the largest single result fetched (at most max_cells)
    # Rows validated when a table was sampled: every check now covers the whole table, so always
    # None (publish.quality_results records validated_rows from it).
    sampled_rows: int | None = None

    @property
    def success(self) -> bool:
        return not self.failures


@dataclass
class QualityReport:
    """Every suite run on one warehouse file."""

    tables: list[TableResult] = field(default_factory=list)
    without_suite: list[str] = field(default_factory=list)  # unknown to dbt, no hand-written checks
    docs_index: Path | None = None
    seconds: float = 0.0

    @property
    def success(self) -> bool:
        return all(t.success for t in self.tables)

    @property
    def failures(self) -> list[Failure]:
        return [f for t in self.tables for f in t.failures]

    def format(self) -> str:
        evaluated = sum(t.evaluated for t in self.tables)
        failed_tables = [t for t in self.tables if not t.success]
        rows = sum(t.rows for t in self.tables)
        head = (
            f"Great Expectations: {len(self.tables)} tables ({rows:,} rows), {evaluated:,} expectations,"
            f" {len(self.failures)} failed in {len(failed_tables)} table(s) ({self.seconds:.0f} s;"
            f" {sum(t.queries for t in self.tables):,} queries,"
            f" {sum(t.cells_fetched for t in self.tables):,} values fetched)"
        )
        lines = [head]
        if self.without_suite:
            lines.append(f"  no suite (not validated): {', '.join(self.without_suite)}")
        lines += [f.format() for f in self.failures]
        if self.docs_index:
            lines.append(f"  Data Docs: {self.docs_index.as_uri()}")
        return "\n".join(lines)


# --- facts --------------------------------------------------------------------------------------


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return con.execute(sql, [schema, table]).fetchall()[0][0] > 0


def gather_facts(con: duckdb.DuckDBPyConnection) -> Facts:
    """Measure what the suites compare tables with, from the tables each fact comes from."""
    values: dict = {}
    if _exists(con, "intermediate", "int_as_of_date"):
        row = con.execute("select as_of_date, as_of_at from intermediate.int_as_of_date").fetchall()
        if len(row) == 1:
            values["as_of_date"], values["as_of_at"] = row[0]
    if _exists(con, "marts", "customer_profiles"):
        values["profiles"] = con.execute("select count(*) from marts.customer_profiles").fetchall()[0][0]
    if _exists(con, "intermediate", "int_clv_summary"):
        values["buyers"] = con.execute("select count(*) from intermediate.int_clv_summary").fetchall()[0][0]
    if _exists(con, "marts", "clv_model_params"):
        fitted = con.execute(
            "select coalesce(bool_and(converged), false) from marts.clv_model_params"
        ).fetchall()[0][0]
        values["clv_fitted"] = bool(fitted)
    if _exists(con, "marts", "model_evaluation"):
        rates = con.execute(
            "select task, value, holdout_customers from marts.model_evaluation"
            " where metric = 'positive_rate' and model_role = 'chosen' and value is not null"
            " and is_latest_fold"
        ).fetchall()
        values["observed_rates"] = {task: (float(rate), int(n)) for task, rate, n in rates}
    audiences = con.execute(
        "select table_name from information_schema.tables where table_schema = 'audiences'"
        " and table_name like 'audience\\_%' escape '\\'"
        " and table_name not in ('audience_memberships', 'audience_memberships_history') order by 1"
    ).fetchall()
    values["audience_rows"] = {
        name.removeprefix("audience_"): con.execute(f'select count(*) from audiences."{name}"').fetchall()[0][
            0
        ]
        for (name,) in audiences
    }
    return Facts(**values)


# --- results ------------------------------------------------------------------------------------


def _short(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return str(value)[:19]
    if isinstance(value, list | tuple | set):
        items = [_short(v) for v in list(value)[:6]]
        return "[" + ", ".join(items) + (", ..." if len(value) > 6 else "") + "]"
    return str(value)


def _condition_text(condition: object) -> str:
    """`metric == 'roc_auc' and model_role == 'chosen'` from a GX row condition (dict form)."""
    if not isinstance(condition, dict):
        return str(condition)
    if "conditions" in condition:
        joiner = " or " if condition.get("type") == "or" else " and "
        return joiner.join(_condition_text(c) for c in condition["conditions"])
    column = (condition.get("column") or {}).get("name", "?")
    if "is_null" in condition:
        return f"{column} is {'null' if condition['is_null'] else 'not null'}"
    return f"{column} {condition.get('operator')} {condition.get('parameter')!r}"


def _rule(config) -> str:
    """`values_to_be_between(purchase_probability, min_value=0, max_value=1)` from a GX config."""
    kwargs = dict(config.kwargs)
    condition = kwargs.pop("row_condition", None)
    columns = [kwargs.pop(k) for k in ("column", "column_A", "column_B") if kwargs.get(k)]
    columns += kwargs.pop("column_list", None) or []
    shown = [
        f"{k}={_short(v)}"
        for k, v in kwargs.items()
        if v is not None
        and k not in {"batch_id", "result_format", "notes", "meta", "condition_parser"}
        and not (k == "ignore_row_if")
    ]
    name = config.type.removeprefix("expect_")
    where = f" where {_condition_text(condition)}" if condition else ""
    return f"{name}({', '.join([*columns, *shown])}){where}"


def _exception_message(info: object) -> str | None:
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "raised an exception").splitlines()[0]
    for value in info.values():  # one entry per metric
        message = _exception_message(value)
        if message:
            return message
    return None


def _detail(result) -> str:
    message = _exception_message(result.exception_info)
    if message:
        return f"could not be evaluated: {message}"
    r = result.result or {}
    if "unexpected_count" in r and r.get("element_count") is not None:
        examples = r.get("partial_unexpected_list") or []
        shown = f", e.g. {_short(examples[:3])}" if examples else ""
        return (
            f"{r['unexpected_count']:,} of {r['element_count']:,} rows"
            f" ({r.get('unexpected_percent') or 0:.2f}%) break it{shown}"
        )
    mismatched = (r.get("details") or {}).get("mismatched")
    if mismatched:  # a table's columns against the contract: say which differ, not all of them
        return "; ".join(f"{kind} {_short(sorted(names))}" for kind, names in sorted(mismatched.items()))
    if "observed_value" in r:
        return f"observed {_short(r['observed_value'])}"
    return "failed"


def _notes(config) -> str:
    notes = getattr(config, "notes", None)
    if isinstance(notes, list):
        return " ".join(notes)
    return notes or ""


# --- running ------------------------------------------------------------------------------------


class DataDocs:
    """A GX file context holding this build's suites and results, to render Data Docs; with no
    folder, nothing is kept (tests)."""

    def __init__(self, context_dir: Path | None = None) -> None:
        self.context_dir = context_dir
        self.context = None
        self.run_id = RunIdentifier(run_time=dt.datetime.now(dt.UTC))
        if context_dir is not None:
            shutil.rmtree(context_dir / "gx", ignore_errors=True)
            context_dir.mkdir(parents=True, exist_ok=True)
            self.context = gx.get_context(mode="file", project_root_dir=str(context_dir))
            self.context.variables.progress_bars = ProgressBarsConfig(
                globally=False, metric_calculations=False
            )

    def record(self, relation: str, expectations: list, results: list) -> ExpectationSuiteValidationResult:
        """The suite's validation result, stored for Data Docs when there is a folder."""
        passed = sum(1 for r in results if r.success)
        outcome = ExpectationSuiteValidationResult(
            success=passed == len(results),
            results=results,
            suite_name=relation,
            statistics={
                "evaluated_expectations": len(results),
                "successful_expectations": passed,
                "unsuccessful_expectations": len(results) - passed,
                "success_percent": 100 * passed / len(results) if results else None,
            },
            meta={
                "great_expectations_version": gx.__version__,
                "run_id": self.run_id,
                "validation_time": self.run_id.run_time,
                "batch_spec": {
                    "data_asset_name": relation,
                    "measured_in": "DuckDB (lifecycle.quality.measure)",
                },
            },
        )
        if self.context is not None:
            suite = self.context.suites.add(gx.ExpectationSuite(name=relation, expectations=expectations))
            suite_id = ExpectationSuiteIdentifier(name=suite.name)
            self.context.validation_results_store.store_validation_results(
                suite_validation_result=outcome,
                suite_validation_result_identifier=ValidationResultIdentifier(
                    expectation_suite_identifier=suite_id, run_id=self.run_id, batch_identifier=relation
                ),
                expectation_suite_identifier=suite_id,
            )
        return outcome

    def build(self) -> Path | None:
        """Render Data Docs for everything recorded; return the index page."""
        if self.context is None:
            return None
        self.context.build_data_docs()
        index = self.context_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
        return index if index.exists() else None


def _table_result(relation: str, rows: int, results: list, cost: measure.Measurement) -> TableResult:
    failures = [
        Failure(relation, _rule(r.expectation_config), _detail(r), _notes(r.expectation_config))
        for r in results
        if not r.success
    ]
    return TableResult(
        relation,
        rows,
        len(results),
        failures,
        queries=cost.queries,
        cells_fetched=cost.cells,
        largest_fetch=cost.largest,
    )


def validate_frame(
    relation: str,
    frame: pd.DataFrame,
    facts: Facts,
    manifest: Manifest,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> TableResult:
    """Validate an in-memory frame as `relation` (what the tests feed bad data to): the frame is
    measured by the same SQL, in an in-memory DuckDB."""
    expectations = expectations_for(relation, facts, manifest)
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false").fetchall()
        con.register("frame", frame)
        results, cost = measure.validate(con, "frame", list(frame.columns), expectations, max_cells, relation)
    finally:
        con.close()
    return _table_result(relation, len(frame), results, cost)


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """`schema.table` -> its columns in order, for every table and view of the validated schemas."""
    placeholders = ", ".join("?" for _ in VALIDATED_SCHEMAS)
    found = con.execute(
        "select c.table_schema || '.' || c.table_name, c.column_name from information_schema.columns c"
        f" where c.table_schema in ({placeholders}) and not starts_with(c.table_name, '_')"
        " order by c.table_schema, c.table_name, c.ordinal_position",
        list(VALIDATED_SCHEMAS),
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for relation, column in found:
        columns.setdefault(relation, []).append(column)
    return columns


def tables_to_validate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """`schema.table` for every table and view in the raw and published schemas."""
    return sorted(_columns(con))


def validate_warehouse(
    database: Path,
    context_dir: Path | None,
    max_cells: int = DEFAULT_MAX_CELLS,
    manifest: Manifest | Path | None = None,
) -> QualityReport:
    """Run every suite on the tables present in `database`; write Data Docs under `context_dir`.
    `manifest` is the dbt manifest (default: the project's target/manifest.json)."""
    started = time.monotonic()
    if not isinstance(manifest, Manifest):
        manifest = dbt_manifest.load(manifest)
    report = QualityReport()
    docs = DataDocs(context_dir)
    # the build's memory limit and spill folder: a unique-key test groups every row of the table
    con = duckdb.connect(str(database), read_only=True, config=paths.duckdb_config(database))
    try:
        con.execute("set enable_progress_bar = false").fetchall()  # the build prints its own lines
        facts = gather_facts(con)
        for relation, columns in sorted(_columns(con).items()):
            if not is_validated(relation, manifest):
                report.without_suite.append(relation)
                continue
            expectations = expectations_for(relation, facts, manifest)
            schema, table = relation.split(".", 1)
            source = f"{measure.quote(schema)}.{measure.quote(table)}"
            rows = con.execute(f"select count(*) from {source}").fetchall()[0][0]
            results, cost = measure.validate(con, source, columns, expectations, max_cells, relation)
            docs.record(relation, expectations, results)
            report.tables.append(_table_result(relation, rows, results, cost))
    finally:
        con.close()
    report.docs_index = docs.build()
    report.seconds = time.monotonic() - started
    return report
