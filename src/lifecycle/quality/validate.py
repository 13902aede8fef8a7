"""Run the Great Expectations suites on the working DuckDB file and write Data Docs.

GX validates pandas frames fetched from DuckDB (its SQL datasource over duckdb-engine returned
failed metrics for every expectation when tried). A frame holds only the columns a suite
refers to, so a wide million-row mart stays cheap; a table whose frame would hold more than
`max_cells` values (rows x columns) is validated on a deterministic sample that fits, and the
checks a sample cannot answer (row counts, uniqueness, minimum and maximum) are left to dbt's
tests on the full table and named in the report. Tables are validated one at a time, so memory
is bounded by the largest frame.

The GX file context lives in its own folder (by default data/quality/ beside the working file)
and is recreated on every run: the suites are code in `suites`, the folder only holds what GX
needs to render this build's Data Docs.
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
from great_expectations.data_context.types.base import ProgressBarsConfig

from lifecycle.quality.suites import PUBLISHED_SCHEMAS, Facts, expectations_for, suite_for

# Largest frame (rows x columns) validated whole; bigger tables are sampled. GX peaked at 1.2 GB
# for 2M rows x 18 columns (36M values, measured), so 12M values stay around half a gigabyte.
DEFAULT_MAX_CELLS = 12_000_000
SAMPLE_SEED = 42
# Answers about the whole table that a sample would get wrong.
WHOLE_TABLE_ONLY = {
    "expect_table_row_count_to_be_between",
    "expect_table_row_count_to_equal",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
    "expect_column_max_to_be_between",
    "expect_column_min_to_be_between",
    "expect_column_sum_to_be_between",
}
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
    sampled_rows: int | None = None  # rows validated when the table was sampled
    left_to_dbt: list[str] = field(default_factory=list)  # whole-table checks skipped on a sample

    @property
    def success(self) -> bool:
        return not self.failures


@dataclass
class QualityReport:
    """Every suite run on one warehouse file."""

    tables: list[TableResult] = field(default_factory=list)
    without_suite: list[str] = field(default_factory=list)
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
        head = (
            f"Great Expectations: {len(self.tables)} tables, {evaluated:,} expectations,"
            f" {len(self.failures)} failed in {len(failed_tables)} table(s) ({self.seconds:.0f} s)"
        )
        lines = [head]
        for t in self.tables:
            if t.sampled_rows is not None:
                lines.append(
                    f"  sampled {t.relation}: {t.sampled_rows:,} of {t.rows:,} rows; left to dbt's tests"
                    f" on the full table: {', '.join(t.left_to_dbt) or 'nothing'}"
                )
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


# --- frames -------------------------------------------------------------------------------------


def _condition_columns(condition: object) -> set[str]:
    """Column names a GX row condition refers to (conditions nest through `conditions`)."""
    if condition is None or isinstance(condition, str):
        return set()
    names: set[str] = set()
    column = getattr(condition, "column", None)
    if column is not None:
        names.add(getattr(column, "name", str(column)))
    for child in getattr(condition, "conditions", None) or []:
        names |= _condition_columns(child)
    return names


def columns_needed(expectations: list) -> list[str]:
    """Every column the expectations read, in first-use order."""
    seen: dict[str, None] = {}
    for expectation in expectations:
        for attribute in ("column", "column_A", "column_B"):
            value = getattr(expectation, attribute, None)
            if value:
                seen[value] = None
        for value in getattr(expectation, "column_list", None) or []:
            seen[value] = None
        for value in sorted(_condition_columns(getattr(expectation, "row_condition", None))):
            seen[value] = None
    return list(seen)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fetch_frame(
    con: duckdb.DuckDBPyConnection, relation: str, columns: list[str], max_cells: int
) -> tuple[pd.DataFrame, int, int | None]:
    """The columns of `relation` the suite needs (those that exist: a missing one fails in GX
    with its name), whole or as a repeatable sample of at most `max_cells` values.
    Returns (frame, rows in the table, rows sampled or None when whole)."""
    schema, table = relation.split(".", 1)
    existing = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }
    present = [c for c in columns if c in existing]
    source = f"{_quote(schema)}.{_quote(table)}"
    total = con.execute(f"select count(*) from {source}").fetchall()[0][0]
    max_rows = max(1, max_cells // max(1, len(present)))
    sampled = max_rows if total > max_rows else None
    sample = f" using sample reservoir({max_rows} rows) repeatable ({SAMPLE_SEED})" if sampled else ""
    if not present:
        return pd.DataFrame(index=pd.RangeIndex(total)), total, None
    select = ", ".join(_quote(c) for c in present)
    frame = con.execute(f"select {select} from {source}{sample}").fetchdf()
    return frame, total, sampled


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
    if "observed_value" in r:
        return f"observed {_short(r['observed_value'])}"
    return "failed"


def _notes(config) -> str:
    notes = getattr(config, "notes", None)
    if isinstance(notes, list):
        return " ".join(notes)
    return notes or ""


# --- running ------------------------------------------------------------------------------------


class SuiteRunner:
    """A GX context with one pandas datasource; validates one frame per table."""

    def __init__(self, context_dir: Path | None = None) -> None:
        if context_dir is None:
            self.context = gx.get_context(mode="ephemeral")
        else:
            shutil.rmtree(context_dir / "gx", ignore_errors=True)
            context_dir.mkdir(parents=True, exist_ok=True)
            self.context = gx.get_context(mode="file", project_root_dir=str(context_dir))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.datasource = self.context.data_sources.add_or_update_pandas("warehouse")
        self.context_dir = context_dir

    def run(self, relation: str, frame: pd.DataFrame, expectations: list) -> tuple[int, list[Failure]]:
        """Validate `frame` against `expectations` as `relation`; return (evaluated, failures)."""
        if relation in {a.name for a in self.datasource.assets}:
            self.datasource.delete_asset(relation)
        batch = self.datasource.add_dataframe_asset(name=relation).add_batch_definition_whole_dataframe("all")
        suites = self.context.suites
        try:
            suites.delete(relation)
        except Exception:  # noqa: BLE001 (absent: nothing to replace)
            pass
        suite = suites.add(gx.ExpectationSuite(name=relation, expectations=expectations))
        definitions = self.context.validation_definitions
        try:
            definitions.delete(relation)
        except Exception:  # noqa: BLE001
            pass
        definition = definitions.add(gx.ValidationDefinition(name=relation, data=batch, suite=suite))
        result = definition.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
        failures = [
            Failure(relation, _rule(r.expectation_config), _detail(r), _notes(r.expectation_config))
            for r in result.results
            if not r.success
        ]
        return len(result.results), failures

    def build_docs(self) -> Path | None:
        """Render Data Docs for everything validated; return the index page."""
        if self.context_dir is None:
            return None
        self.context.build_data_docs()
        index = self.context_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
        return index if index.exists() else None


def validate_frame(
    relation: str, frame: pd.DataFrame, facts: Facts, runner: SuiteRunner | None = None
) -> TableResult:
    """Validate an in-memory frame with `relation`'s suite (what the tests feed bad data to)."""
    runner = runner or SuiteRunner()
    expectations = expectations_for(relation, facts)
    evaluated, failures = runner.run(relation, frame, expectations)
    return TableResult(relation, len(frame), evaluated, failures)


def tables_to_validate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """`schema.table` for every table and view in the raw and published schemas."""
    placeholders = ", ".join("?" for _ in VALIDATED_SCHEMAS)
    found = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
        f" where table_schema in ({placeholders}) and not starts_with(table_name, '_') order by 1",
        list(VALIDATED_SCHEMAS),
    ).fetchall()
    return [r[0] for r in found]


def validate_warehouse(
    database: Path, context_dir: Path | None, max_cells: int = DEFAULT_MAX_CELLS
) -> QualityReport:
    """Run every suite on the tables present in `database`; write Data Docs under `context_dir`."""
    started = time.monotonic()
    report = QualityReport()
    runner = SuiteRunner(context_dir)
    con = duckdb.connect(str(database), read_only=True)
    try:
        facts = gather_facts(con)
        for relation in tables_to_validate(con):
            if suite_for(relation) is None:
                report.without_suite.append(relation)
                continue
            expectations = expectations_for(relation, facts)
            frame, total, sampled = fetch_frame(con, relation, columns_needed(expectations), max_cells)
            skipped: list[str] = []
            if sampled:
                skipped = sorted(
                    {e.expectation_type for e in expectations if e.expectation_type in WHOLE_TABLE_ONLY}
                )
                expectations = [e for e in expectations if e.expectation_type not in WHOLE_TABLE_ONLY]
            evaluated, failures = runner.run(relation, frame, expectations)
            del frame  # one table in memory at a time
            report.tables.append(
                TableResult(
                    relation,
                    total,
                    evaluated,
                    failures,
                    sampled_rows=sampled,
                    left_to_dbt=[s.removeprefix("expect_") for s in skipped],
                )
            )
    finally:
        con.close()
    report.docs_index = runner.build_docs()
    report.seconds = time.monotonic() - started
    return report
