"""What sqlfluff's jinja templater needs to render this project's models without dbt.

.sqlfluff loads this package with `library_path`: every public name here becomes a name in the
Jinja context of every model, test and macro (before sqlfluff's own dbt builtins, so `var`
here wins over its placeholder). It renders DuckDB SQL that parses, not the exact SQL dbt
compiles: sqlfluff lints the layout and the keywords around the Jinja, never what a macro
emits (the dbt templater would compile through dbt, at 13-27 s a parse; STYLE.md).

- `var(name, default)`: the project's vars from dbt_project.yml (numbers stay numbers, so
  `var('kpi_max_days') // 28` renders), else the default.
- `adapter.dispatch(name, namespace)`: the project's `duckdb__<name>`, else `default__<name>`,
  as dbt's search order does on DuckDB; `adapter.quote`, `adapter.get_columns_in_relation`.
- `dbt.<macro>`: the project's own `duckdb__<macro>` override when there is one (dbt_project.yml
  puts the project first in dbt's dispatch order), else a one-line DuckDB rendering of dbt's
  cross-database macro below.
- `execute = False` as during dbt's parse, so the checks that read `graph` or the warehouse are
  skipped; `graph`, `target` and `exceptions` are small stand-ins.
"""

from pathlib import Path as _Path

import jinja2 as _jinja2
import yaml as _yaml

_PROJECT = _Path(__file__).resolve().parents[2] / "dbt_project.yml"
_VARS = (_yaml.safe_load(_PROJECT.read_text()) or {}).get("vars", {}) or {}


def var(name, default=None):
    """A project var as dbt_project.yml sets it, else the default."""
    return _VARS.get(name, default)


execute = False
graph = {"nodes": {}, "sources": {}, "exposures": {}, "metrics": {}}
target = {"name": "dev", "type": "duckdb", "schema": "main", "database": "warehouse", "threads": 1}


class _Exceptions:
    def raise_compiler_error(self, message):
        raise _jinja2.TemplateRuntimeError(message)

    def warn(self, message):
        return ""


exceptions = _Exceptions()


def _project_macro(context, name):
    """The project's DuckDB or default implementation of `name`, or None."""
    for candidate in (f"duckdb__{name}", f"default__{name}"):
        macro = context.get(candidate)
        if macro is not None:
            return macro
    return None


class _Adapter:
    @_jinja2.pass_context
    def dispatch(self, context, macro_name, macro_namespace=None):
        macro = _project_macro(context, macro_name)
        if macro is None:
            raise _jinja2.TemplateRuntimeError(f"adapter.dispatch: no duckdb__ or default__ {macro_name}")
        return macro

    def quote(self, identifier):
        return f'"{identifier}"'

    def get_columns_in_relation(self, relation):
        return []


adapter = _Adapter()


def _concat(fields):
    return f"concat({', '.join(str(f) for f in fields)})"


def _generate_series(upper_bound):
    return f"select generate_series as generated_number from generate_series(1, {upper_bound})"


# dbt's cross-database macros (dbt-adapters' global project) as DuckDB renders them, in short.
_DBT_MACROS = {
    "type_bigint": lambda: "bigint",
    "type_int": lambda: "integer",
    "type_string": lambda: "varchar",
    "type_float": lambda: "float",
    "type_numeric": lambda: "numeric(28, 6)",
    "type_boolean": lambda: "boolean",
    "type_timestamp": lambda: "timestamp",
    "dateadd": lambda datepart, interval, from_date_or_timestamp: (
        f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"
    ),
    "datediff": lambda first_date, second_date, datepart: (
        f"date_diff('{datepart}', {first_date}, {second_date})"
    ),
    "date_trunc": lambda datepart, date: f"date_trunc('{datepart}', {date})",
    "last_day": lambda date, datepart: f"last_day({date})",
    "safe_cast": lambda field, type: f"try_cast({field} as {type})",
    "concat": _concat,
    "hash": lambda field: f"md5(cast({field} as varchar))",
    "length": lambda expression: f"length({expression})",
    "right": lambda string_text, length_expression: f"right({string_text}, {length_expression})",
    "split_part": lambda string_text, delimiter_text, part_number: (
        f"split_part({string_text}, {delimiter_text}, {part_number})"
    ),
    "listagg": lambda measure, delimiter_text="','", order_by_clause=None, limit_num=None: (
        f"string_agg({measure}, {delimiter_text} {order_by_clause or ''})"
    ),
    "generate_series": _generate_series,
    "date_spine": lambda datepart, start_date, end_date: (
        f"select range as date_{datepart} from range({start_date}, {end_date}, interval 1 {datepart})"
    ),
    "spark__datediff": lambda first_date, second_date, datepart: f"datediff({second_date}, {first_date})",
}


class _Dbt:
    """`dbt.<macro>`: the project's override first, as dbt_project.yml's dispatch order says."""

    def __getattr__(self, name):
        fallback = _DBT_MACROS.get(name)

        @_jinja2.pass_context
        def render(context, *args, **kwargs):
            macro = _project_macro(context, name)
            if macro is not None:
                return macro(*args, **kwargs)
            if fallback is None:
                raise _jinja2.TemplateRuntimeError(f"dbt.{name}: not in lint/dbt_shim")
            return fallback(*args, **kwargs)

        return render


dbt = _Dbt()
