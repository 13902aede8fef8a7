"""The row_checks generic test (macros/tests/row_checks.sql), run by dbt on DuckDB: each kind of
check fails on the rows that break it, names itself and counts them, and a table that keeps every
rule passes. A small dbt project of its own (two models, the project's test macro and the
enumeration macros it reads), so it runs in seconds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
import yaml

from lifecycle import paths

ROWS = """
select * from (values
    (1, 'a', 'email', 1, 2),
    (2, 'b', 'sms', 1, 3),
    (3, 'c', 'push', 2, 4)
) as t(id, code, channel, group_id, later)
"""

BROKEN = """
select * from (values
    (1, 'a', 'email', 1, 2),
    (1, 'b', 'fax', 1, 0),
    (null, null, 'O''Brien', 1, 5),
    (4, 'd', 'sms', 2, 1),
    (null, 'e', null, 3, 9),
    (5, 'a', 'email', 1, 7)
) as t(id, code, channel, group_id, later)
"""

CHECKS = {
    "not_null": ["id", "code"],
    "accepted_values": {"channel": "{{ messaging_channels() }}"},
    "unique": ["id", ["code", "group_id"]],
    "expressions": [
        "later > id",
        {"expression": "later >= 2", "where_clause": "group_id = 1"},
    ],
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """dbt build of the two models with --store-failures: (status and failures by node, the
    broken model's stored failures: check -> rows)."""
    project = tmp_path_factory.mktemp("row_checks")
    (project / "models").mkdir()
    (project / "macros").mkdir()
    shutil.copy(paths.project_dir() / "macros" / "tests" / "row_checks.sql", project / "macros")
    shutil.copy(paths.project_dir() / "macros" / "enumerations.sql", project / "macros")
    (project / "dbt_project.yml").write_text(
        "name: row_checks_test\nversion: '1.0.0'\nprofile: row_checks_test\nconfig-version: 2\n",
        encoding="utf-8",
    )
    (project / "profiles.yml").write_text(
        textwrap.dedent(f"""\
        row_checks_test:
          target: duckdb
          outputs:
            duckdb: {{type: duckdb, path: "{project / "checks.duckdb"}", threads: 1}}
        """),
        encoding="utf-8",
    )
    (project / "models" / "kept.sql").write_text(ROWS, encoding="utf-8")
    (project / "models" / "broken.sql").write_text(BROKEN, encoding="utf-8")
    (project / "models" / "schema.yml").write_text(
        yaml.safe_dump(
            {
                "version": 2,
                "models": [
                    {
                        "name": name,
                        "data_tests": [{"row_checks": {"name": f"{name}_row_checks", "arguments": CHECKS}}],
                    }
                    for name in ("kept", "broken")
                ],
            }
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--store-failures", "--profiles-dir", "."],
        cwd=project,
        # the test session's dbt settings (target path, profiles) are for the main project
        env={k: v for k, v in os.environ.items() if not k.startswith(("LIFECYCLE_", "DBT_"))},
        capture_output=True,
        text=True,
    )
    run = json.loads((project / "target" / "run_results.json").read_text(encoding="utf-8"))
    statuses = {r["unique_id"].split(".")[2]: (r["status"], r["failures"]) for r in run["results"]}
    assert statuses["broken"][0] == "success", done.stdout[-3000:]
    con = duckdb.connect(str(project / "checks.duckdb"), read_only=True)
    try:
        stored = dict(
            con.execute(
                "select failed_check, failing_rows from main_dbt_test__audit.broken_row_checks"
            ).fetchall()
        )
    finally:
        con.close()
    return statuses, stored


def test_a_table_that_keeps_every_rule_passes(results):
    statuses, _ = results
    assert statuses["kept_row_checks"] == ("pass", 0)


def test_each_broken_check_is_one_failure_naming_it_with_its_rows(results):
    statuses, stored = results
    assert stored == {
        "id is not null": 2,
        "code is not null": 1,
        # 'fax' and "O'Brien"; a null value is not checked against the list (as dbt's accepted_values)
        "channel in ('email', 'sms', 'push', 'whatsapp', 'web_push', 'in_app')": 2,
        # id 1 twice (one repeated key); the two null ids are not a repeated key (as dbt's unique)
        "unique(id)": 1,
        # ('a', 1) twice
        "unique(code, group_id)": 1,
        # later > id is false for (1, 0) and (4, 1); unknown, not false, for the null ids
        "later > id": 2,
        # in group 1, later 0 breaks it; 2, 5 and 7 keep it, and other groups are not checked
        "later >= 2": 1,
    }
    assert statuses["broken_row_checks"] == ("fail", 7)
