"""The README's commands work as written, in a fresh clone.

Every command the README shows (the commands table, ```sh and ```sql blocks, and commands quoted
in the text) must be in CHECKED: run here in order in a clone of the repository (with this
checkout's virtualenv), covered by a named test elsewhere, or skipped with the reason. A README
command missing from the list fails `test_every_readme_command_is_checked`, so the list cannot
drift from the README."""

from __future__ import annotations

import ast
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from lifecycle import paths

README = paths.project_dir() / "README.md"
TESTS = Path(__file__).parent


@dataclass(frozen=True)
class Run:
    """Run in the clone (placeholders of the README's syntax filled in) and expect `expect` in
    the output."""

    command: str
    expect: str = ""


@dataclass(frozen=True)
class Covered:
    """Exercised by the named test (file::function), as the README shows it."""

    test: str


@dataclass(frozen=True)
class Skipped:
    reason: str


SQL_EXAMPLE = "sql: the restricted contacts join"
METRICS_EXAMPLE = (
    ".venv/bin/lifecycle metrics --metrics revenue,repeat_customer_rate,churn_rate"
    " --group-by metric_time__month"
)

CHECKED: dict[str, Run | Covered | Skipped] = {
    # in README order of a new user's first session
    "lifecycle generate [--customers N --months M --seed S --format csv|parquet --out DIR]": Run(
        "lifecycle generate --customers 300 --months 12 --seed 7 --format csv --out data/demo", "generated"
    ),
    "lifecycle ingest DIR [--database FILE] [--append]": Run("lifecycle ingest data/demo", "ingested"),
    "lifecycle ingest": Run("lifecycle ingest data/demo", "ingested"),
    "lifecycle build [dbt args]": Run("lifecycle build", "published build"),
    "lifecycle build": Run("lifecycle build", "published build"),
    "lifecycle export [--out DIR]": Run("lifecycle export", "manifest.json"),
    "lifecycle summary": Run("lifecycle summary", "warehouse summary"),
    "lifecycle report [--database FILE --out FILE --gx-results FILE --docs]": Run(
        "lifecycle report --docs", "report written to"
    ),
    SQL_EXAMPLE: Run("<sql>"),
    "LIFECYCLE_DUCKDB_PATH=data/warehouse.duckdb .venv/bin/dbt build --profiles-dir .": Run(
        "LIFECYCLE_DUCKDB_PATH=data/warehouse.duckdb .venv/bin/dbt build --profiles-dir .",
        "ERROR=0",
    ),
    "lifecycle metrics [--database FILE | --serving FILE] [mf query args]": Run(
        ".venv/bin/lifecycle metrics --list", "repeat_customer_rate"
    ),
    "lifecycle metrics": Run(".venv/bin/lifecycle metrics --list", "repeat_customer_rate"),
    ".venv/bin/lifecycle metrics --list": Run(".venv/bin/lifecycle metrics --list", "repeat_customer_rate"),
    METRICS_EXAMPLE: Run(METRICS_EXAMPLE, "metric_time__month"),
    # elsewhere
    ".venv/bin/lifecycle metrics --database data/cdnow.duckdb --metrics revenue --group-by metric_time__month"
    " --csv r.csv": Covered(
        "test_build.py::test_metrics_query_the_serving_copy_after_a_build_of_another_file"
    ),
    "lifecycle build --database": Covered(
        "test_build.py::test_metrics_query_the_serving_copy_after_a_build_of_another_file"
    ),
    "lifecycle forget [--database FILE]": Covered(
        "test_forget.py::test_after_forget_and_a_build_no_table_or_file_holds_them"
    ),
    "lifecycle forget": Covered("test_forget.py::test_after_forget_and_a_build_no_table_or_file_holds_them"),
    "lifecycle build --vars '{quarantine_stop_share: 0.5}'": Covered(
        "test_bad_input_corpus.py::test_gate_stops_on_the_order_value_a_few_rows_carry"
    ),
    "make run": Covered("test_demo.py::test_demo_runs_end_to_end_twice_beside_its_warehouse"),
    "lifecycle demo": Covered("test_demo.py::test_demo_runs_end_to_end_twice_beside_its_warehouse"),
    "lifecycle ingest that/folder && lifecycle build": Covered(
        "test_your_own_data.py::test_each_readme_shape_publishes_and_says_what_is_empty"
    ),
    "lifecycle build --vars '{as_of_date: 1998-06-30}'": Covered(
        "test_build.py::test_the_vars_of_a_build_label_its_summary_report_and_exports"
    ),
    "lifecycle build --vars '{reporting_currency: EUR}'": Covered(
        "test_build.py::test_the_vars_of_a_build_label_its_summary_report_and_exports"
    ),
    "duckdb -readonly data/serving/warehouse.duckdb": Covered(
        "test_serving_readers.py::test_duckdb_1x_reads_every_published_table"
    ),
    # not run by the tests
    "make test": Skipped("the test suite itself"),
    "make unit": Skipped("a subset of the test suite"),
    "make lint": Skipped("ruff and sqlfluff, run by CI and before every commit"),
    "make fix-sql": Skipped("rewrites the SQL in place with sqlfluff's fixes; make lint checks the result"),
    "make lock": Skipped("re-resolves requirements.lock from the package index"),
    "make bench": Skipped("benchmarks at up to a million customers, hours"),
    "make test-spark": Skipped("the Spark build and parity check, 14-29 minutes (make test-spark)"),
    ".venv/bin/python -m lifecycle.spark_build --raw-from-duckdb data/warehouse.duckdb": Skipped(
        "a Spark build (needs the spark extra and Java; make test-spark covers spark_build)"
    ),
    "python -m build": Skipped("builds a wheel for a Databricks cluster; no cluster is reachable here"),
}


def readme_commands(text: str) -> list[str]:
    """Commands in the README: ```sh lines (continuations joined, comments dropped), ```sql blocks
    (as SQL_EXAMPLE), the first column of the commands table, and `quoted` commands in the text."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in re.sub(r"\\\n\s*", "", block).splitlines():
            line = line.split("#")[0].strip()
            if line:
                found.append(line)
    found += [SQL_EXAMPLE for _ in re.findall(r"```sql\n", text)]
    found += [row.replace("\\|", "|") for row in re.findall(r"^\| `(lifecycle [^`]*)` \|", text, re.M)]
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    prose = "\n".join(line for line in prose.splitlines() if not line.startswith("| `lifecycle"))
    starts = ("lifecycle ", "LIFECYCLE_", ".venv/", "duckdb ", "make ", "python ")
    found += [span for span in re.findall(r"`([^`\n]+)`", prose) if " " in span and span.startswith(starts)]
    return list(dict.fromkeys(found))


def readme_sql(text: str) -> str:
    (sql,) = re.findall(r"```sql\n(.*?)```", text, re.S)
    return sql


def test_every_readme_command_is_checked():
    commands = readme_commands(README.read_text(encoding="utf-8"))
    assert "lifecycle build [dbt args]" in commands and "make run" in commands  # the parser works
    unchecked = [c for c in commands if c not in CHECKED]
    assert unchecked == [], f"README commands no test runs or names (add them to CHECKED): {unchecked}"
    stale = [c for c in CHECKED if c not in commands]
    assert stale == [], f"CHECKED lists commands the README no longer has: {stale}"


def test_the_tests_named_for_readme_commands_exist():
    for command, check in CHECKED.items():
        if isinstance(check, Covered):
            file, function = check.test.split("::")
            tree = ast.parse((TESTS / file).read_text(encoding="utf-8"))
            names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
            assert function in names, f"{command}: {check.test} does not exist"


@pytest.mark.e2e
def test_the_readme_commands_run_as_written_in_a_fresh_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(paths.project_dir()), str(clone)], check=True)
    (clone / ".venv").symlink_to(paths.project_dir() / ".venv")  # what `make install` makes
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIFECYCLE_", "DBT_"))}
    env["LIFECYCLE_PROJECT_DIR"] = str(clone)  # the package is this checkout's; the project, the clone's
    env["PATH"] = f"{clone / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    text = (clone / "README.md").read_text(encoding="utf-8")
    in_readme = set(readme_commands(text))
    done = set()
    for command, check in CHECKED.items():  # in CHECKED's order: generate, ingest, build, ...
        if command not in in_readme or not isinstance(check, Run) or check.command in done:
            continue
        done.add(check.command)
        if check.command == "<sql>":
            con = duckdb.connect()
            try:
                *statements, select = [s for s in readme_sql(text).split(";") if s.strip()]
                for statement in statements:
                    con.execute(statement.replace("'data/", f"'{clone}/data/")).fetchall()
                rows = con.execute(select).fetchall()
            finally:
                con.close()
            assert rows and all(row[1] and "@" in row[1] for row in rows), rows[:3]
            continue
        result = subprocess.run(
            check.command, shell=True, cwd=clone, env=env, capture_output=True, text=True, timeout=1800
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"`{check.command}` failed:\n{output[-4000:]}"
        assert check.expect in output, f"`{check.command}` printed no '{check.expect}':\n{output[-2000:]}"
    assert (clone / "data" / "report" / "lifecycle_report.html").exists()
    assert (clone / "data" / "serving" / "parquet" / "current" / "marts" / "kpi_monthly.parquet").exists()
