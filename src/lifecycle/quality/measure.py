"""Measure Great Expectations checks with SQL in DuckDB; GX judges the measurements.

GX 1.x validates pandas frames (its SQL datasource over duckdb-engine failed here), and a frame
of a million-row table is slow to fetch and slower to validate. Every check the suites use can
be answered by an aggregate over the table, so DuckDB computes the metrics GX would compute
(`table.row_count`, `column_values.in_set.unexpected_count`, `column.mean`, ...) and each
expectation's own `_validate` turns them into its verdict and result, exactly as a GX
validator does with metrics it computed itself: same `mostly` arithmetic, same result format,
same Data Docs. What reaches Python is one row of numbers per table plus, for a check that
found unexpected values, at most `PARTIAL_UNEXPECTED` examples.

Per table: one query computes every count, mean, maximum and unique-key test (each unique key is
a grouped subquery, the only check that needs more than a scan). A check that cannot be measured
(a column the table lacks, a type error) gets GX's "raised an exception" result naming the cause,
and the other checks of the table are measured one by one.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Number
from typing import Any

import duckdb
import pandas as pd
from great_expectations.core import ExpectationValidationResult

# Unexpected values GX shows per failed check (its SUMMARY result format shows 20).
PARTIAL_UNEXPECTED = 20
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": PARTIAL_UNEXPECTED}


class NotMeasurable(ValueError):
    """An expectation type this module cannot translate into SQL."""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A SQL literal for a bound, a set member or a row-condition parameter."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        kind = "timestamptz" if stamp.tzinfo is not None else "timestamp"
        return f"{kind} '{stamp.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Integral):  # numpy integers included
        return str(int(value))
    if isinstance(value, Number):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            raise NotMeasurable(f"no SQL literal for {value!r}")
        return repr(number)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise NotMeasurable(f"no SQL literal for {value!r} ({type(value).__name__})")


_OPERATORS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def condition_sql(condition: Any) -> str | None:
    """SQL for a GX row condition (its dict form: comparison, nullity, and, or); None for none."""
    if condition is None:
        return None
    if hasattr(condition, "dict") and not isinstance(condition, dict):
        condition = condition.dict()
    if not isinstance(condition, dict):
        raise NotMeasurable(f"row condition {condition!r}: only GX condition objects are measured")
    kind = condition.get("type")
    if kind in ("and", "or"):
        parts = [condition_sql(c) for c in condition["conditions"]]
        return "(" + f" {kind} ".join(f"({p})" for p in parts) + ")"
    column = quote(condition["column"]["name"])
    if kind == "nullity":
        return f"{column} is {'null' if condition['is_null'] else 'not null'}"
    operator = str(condition["operator"])
    parameter = condition["parameter"]
    if operator in ("IN", "NOT_IN"):
        members = ", ".join(literal(v) for v in parameter) or "null"
        return f"{column} {'in' if operator == 'IN' else 'not in'} ({members})"
    if operator not in _OPERATORS:
        raise NotMeasurable(f"row condition operator {operator}")
    return f"{column} {_OPERATORS[operator]} {literal(parameter)}"


def condition_columns(condition: Any) -> list[str]:
    """The columns a GX row condition reads."""
    if condition is None:
        return []
    if hasattr(condition, "dict") and not isinstance(condition, dict):
        condition = condition.dict()
    if condition.get("type") in ("and", "or"):
        return [c for child in condition["conditions"] for c in condition_columns(child)]
    return [condition["column"]["name"]]


def _and(*parts: str | None) -> str:
    present = [p for p in parts if p]
    return " and ".join(f"({p})" for p in present) if present else "true"


@dataclass
class Plan:
    """How to measure one expectation: aggregate metrics, and how to fetch unexpected examples."""

    columns: list[str]  # every column the expectation reads
    aggregates: dict[str, str] = field(default_factory=dict)  # GX metric name -> SQL aggregate
    static: dict[str, Any] = field(default_factory=dict)  # metrics known without a query
    unexpected_metric: str | None = None  # the metric counting unexpected rows
    examples: Callable[[str, int], str] | None = None  # (source, limit) -> SQL of examples
    example_shape: str = "value"  # value, pair or row: how GX lists an unexpected example
    example_columns: list[str] = field(default_factory=list)


def plan(expectation: Any, source: str, table_columns: Sequence[str]) -> Plan:
    """The metrics `expectation` needs, as SQL over `source` (NotMeasurable for an unknown type)."""
    kwargs = expectation.configuration.kwargs
    kind = expectation.expectation_type
    where = condition_sql(kwargs.get("row_condition"))
    condition_cols = condition_columns(kwargs.get("row_condition"))

    def count(predicate: str | None = None) -> str:
        return f"count(*) filter (where {_and(where, predicate)})"

    if kind in ("expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"):
        return Plan(condition_cols, {"table.row_count": count()})
    if kind in ("expect_table_columns_to_match_set", "expect_table_columns_to_match_ordered_list"):
        return Plan([], static={"table.columns": list(table_columns)})

    aggregates_of = {
        "expect_column_mean_to_be_between": ("column.mean", "avg"),
        "expect_column_max_to_be_between": ("column.max", "max"),
        "expect_column_min_to_be_between": ("column.min", "min"),
        "expect_column_sum_to_be_between": ("column.sum", "sum"),
    }
    if kind in aggregates_of:
        metric, function = aggregates_of[kind]
        column = kwargs["column"]
        return Plan(
            [column, *condition_cols], {metric: f"{function}({quote(column)}) filter (where {_and(where)})"}
        )

    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kwargs["column_A"], kwargs["column_B"]
        qa, qb = quote(a), quote(b)
        ignore = kwargs.get("ignore_row_if") or "both_values_are_missing"
        kept = {
            "both_values_are_missing": f"not ({qa} is null and {qb} is null)",
            "either_value_is_missing": f"{qa} is not null and {qb} is not null",
            "neither": None,
        }[ignore]
        holds = f"{qa} >= {qb}" if kwargs.get("or_equal") else f"{qa} > {qb}"
        broken = f"not coalesce({holds}, false)"
        map_metric = expectation.map_metric
        return Plan(
            [a, b, *condition_cols],
            {
                "table.row_count": count(),
                f"{map_metric}.filtered_row_count": count(kept),
                f"{map_metric}.unexpected_count": count(_and(kept, broken)),
            },
            unexpected_metric=f"{map_metric}.unexpected_count",
            examples=lambda src, n: (
                f"select {qa}, {qb} from {src} where {_and(where, kept, broken)} limit {n}"
            ),
            example_shape="pair",
        )

    if kind == "expect_compound_columns_to_be_unique":
        columns = list(kwargs["column_list"])
        quoted = [quote(c) for c in columns]
        ignore = kwargs.get("ignore_row_if") or "all_values_are_missing"
        kept = {
            "all_values_are_missing": "not (" + " and ".join(f"{c} is null" for c in quoted) + ")",
            "any_value_is_missing": " and ".join(f"{c} is not null" for c in quoted),
            "never": None,
        }[ignore]
        map_metric = expectation.map_metric
        groups = ", ".join(quoted)
        duplicated = (
            f"(select coalesce(sum(n), 0) from (select count(*) as n from {source}"
            f" where {_and(where, kept)} group by {groups} having count(*) > 1))"
        )
        matches = " and ".join(f"t.{c} is not distinct from d.{c}" for c in quoted)
        return Plan(
            [*columns, *condition_cols],
            {
                "table.row_count": count(),
                f"{map_metric}.filtered_row_count": count(kept),
                f"{map_metric}.unexpected_count": duplicated,
            },
            unexpected_metric=f"{map_metric}.unexpected_count",
            examples=lambda src, n: (
                f"select {', '.join(f't.{c}' for c in quoted)} from {src} as t"
                f" join (select {groups} from {src} where {_and(where, kept)}"
                f" group by {groups} having count(*) > 1) as d on {matches} limit {n}"
            ),
            example_shape="row",
            example_columns=columns,
        )

    if not kind.startswith("expect_column_values_to_"):
        raise NotMeasurable(f"{kind} is not measured in SQL (lifecycle/quality/measure.py)")
    column = kwargs["column"]
    qc = quote(column)
    map_metric = expectation.map_metric
    nulls = count(f"{qc} is null")
    metrics = {"table.row_count": count(), "column_values.nonnull.unexpected_count": nulls}
    unexpected_metric = f"{map_metric}.unexpected_count"

    def example(predicate: str) -> Callable[[str, int], str]:
        return lambda src, n: f"select {qc} from {src} where {_and(where, predicate)} limit {n}"

    if kind == "expect_column_values_to_not_be_null":
        metrics[unexpected_metric] = nulls
        return Plan(
            [column, *condition_cols],
            metrics,
            unexpected_metric=unexpected_metric,
            examples=example(f"{qc} is null"),
        )
    if kind == "expect_column_values_to_be_unique":
        metrics[unexpected_metric] = (
            f"(select coalesce(sum(n), 0) from (select count(*) as n from {source}"
            f" where {_and(where, f'{qc} is not null')} group by {qc} having count(*) > 1))"
        )
        duplicated = (
            f"{qc} in (select {qc} from {source} where {_and(where, f'{qc} is not null')}"
            f" group by {qc} having count(*) > 1)"
        )
        return Plan(
            [column, *condition_cols],
            metrics,
            unexpected_metric=unexpected_metric,
            examples=example(duplicated),
        )
    if kind in ("expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set"):
        members = ", ".join(literal(v) for v in kwargs.get("value_set") or [])
        inside = f"{qc} in ({members})" if members else "false"
        broken = inside if kind == "expect_column_values_to_not_be_in_set" else f"not ({inside})"
    elif kind == "expect_column_values_to_be_between":
        bounds = []
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None:
            bounds.append(f"{qc} {'>' if kwargs.get('strict_min') else '>='} {literal(low)}")
        if high is not None:
            bounds.append(f"{qc} {'<' if kwargs.get('strict_max') else '<='} {literal(high)}")
        broken = f"not ({_and(*bounds)})"
    elif kind == "expect_column_values_to_match_regex":
        broken = f"not regexp_matches(cast({qc} as varchar), {literal(kwargs['regex'])})"
    elif kind == "expect_column_values_to_not_match_regex":
        broken = f"regexp_matches(cast({qc} as varchar), {literal(kwargs['regex'])})"
    else:
        raise NotMeasurable(f"{kind} is not measured in SQL (lifecycle/quality/measure.py)")
    predicate = _and(f"{qc} is not null", broken)
    metrics[unexpected_metric] = count(predicate)
    return Plan(
        [column, *condition_cols], metrics, unexpected_metric=unexpected_metric, examples=example(predicate)
    )


@dataclass
class Measurement:
    """What measuring one table cost: queries run and values fetched into Python."""

    queries: int = 0
    cells: int = 0  # values fetched in all
    largest: int = 0  # values in the largest single result (never above max_cells)

    def fetched(self, values: int) -> None:
        self.queries += 1
        self.cells += values
        self.largest = max(self.largest, values)


def _python(value: Any) -> Any:
    """DuckDB values as a pandas frame would have given them to GX."""
    if isinstance(value, dt.datetime | dt.date):
        return pd.Timestamp(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _judge(expectation: Any, metrics: dict[str, Any]) -> ExpectationValidationResult:
    raw = expectation._validate(metrics=metrics, runtime_configuration={"result_format": RESULT_FORMAT})
    return expectation._build_evr(raw)


def _failed(expectation: Any, message: str) -> ExpectationValidationResult:
    return ExpectationValidationResult(
        success=False,
        expectation_config=expectation.configuration,
        exception_info={"raised_exception": True, "exception_message": message, "exception_traceback": None},
    )


def validate(
    con: duckdb.DuckDBPyConnection,
    source: str,
    table_columns: Sequence[str],
    expectations: Sequence[Any],
    max_cells: int,
    label: str | None = None,
) -> tuple[list[ExpectationValidationResult], Measurement]:
    """Validate `expectations` on `source` (a quoted relation or registered view) whose columns
    are `table_columns`. No result fetched holds more than `max_cells` values: the metrics come
    in one row (split in several above `max_cells` metrics), examples only while they fit."""
    label = label or source
    cost = Measurement()
    results: list[ExpectationValidationResult | None] = [None] * len(expectations)
    plans: dict[int, Plan] = {}
    present = set(table_columns)
    for i, expectation in enumerate(expectations):
        try:
            found = plan(expectation, source, table_columns)
        except NotMeasurable as err:
            results[i] = _failed(expectation, str(err))
            continue
        missing = [c for c in found.columns if c not in present]
        if missing:
            results[i] = _failed(expectation, f'The column "{missing[0]}" in {label} does not exist.')
            continue
        plans[i] = found

    # one aggregate query for the table (in chunks when one row would exceed the cell budget)
    # checks sharing a metric (a domain's row count, a column's nulls) share its expression
    ordered = list(dict.fromkeys(sql for found in plans.values() for sql in found.aggregates.values()))
    values: dict[str, Any] = {}
    chunk = max(1, max_cells)
    failed_sql: dict[str, str] = {}
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        try:
            row = _fetch_row(con, source, part, cost)
        except duckdb.Error:
            row = []
            for sql in part:  # measure one by one to name the check that cannot be measured
                try:
                    row += _fetch_row(con, source, [sql], cost)
                except duckdb.Error as err:
                    failed_sql[sql] = str(err).splitlines()[0]
                    row.append(None)
        values.update(zip(part, row, strict=True))

    for i, found in plans.items():
        expectation = expectations[i]
        broken = [failed_sql[sql] for sql in found.aggregates.values() if sql in failed_sql]
        if broken:
            results[i] = _failed(expectation, broken[0])
            continue
        metrics = {name: _python(values[sql]) for name, sql in found.aggregates.items()}
        metrics.update(found.static)
        if found.unexpected_metric is not None:
            unexpected = metrics.get(found.unexpected_metric) or 0
            examples: list = []
            width = max(1, len(found.example_columns) or (2 if found.example_shape == "pair" else 1))
            limit = min(PARTIAL_UNEXPECTED, max_cells // width)
            if unexpected and found.examples is not None and limit > 0:
                examples = _examples(con, found, source, limit, cost)
            base = found.unexpected_metric.rsplit(".", 1)[0]
            metrics[f"{base}.unexpected_values"] = examples
        try:
            results[i] = _judge(expectation, metrics)
        except Exception as err:  # noqa: BLE001 (GX's own judgement failed: report it, go on)
            results[i] = _failed(expectation, f"{type(err).__name__}: {err}".splitlines()[0])
    return [r for r in results if r is not None], cost


def _fetch_row(
    con: duckdb.DuckDBPyConnection, source: str, expressions: list[str], cost: Measurement
) -> list:
    select = ", ".join(expressions)
    row = con.execute(f"select {select} from {source}").fetchall()[0]
    cost.fetched(len(row))
    return list(row)


def _examples(
    con: duckdb.DuckDBPyConnection, found: Plan, source: str, limit: int, cost: Measurement
) -> list:
    try:
        rows = con.execute(found.examples(source, limit)).fetchall()
    except duckdb.Error:
        return []  # the count stands; examples only illustrate it
    cost.fetched(sum(len(r) for r in rows))
    if found.example_shape == "pair":
        return [tuple(_python(v) for v in r) for r in rows]
    if found.example_shape == "row":
        return [dict(zip(found.example_columns, (_python(v) for v in r), strict=True)) for r in rows]
    return [_python(r[0]) for r in rows]
