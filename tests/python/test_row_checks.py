"""The row_checks generic test (macros/tests/row_checks.sql), run by dbt on DuckDB: each kind of
check fails on the rows that break it, names itself and counts them, and a table that keeps every
rule passes. A small dbt project of its own (two models, the project's test macro and the
enumeration macros it reads), so it runs in seconds."""

from __future__ import annotations

import pytest
from conftest import build_small_project, query

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
    macros = paths.project_dir() / "macros"
    nodes, output = build_small_project(
        project,
        [macros / "tests" / "row_checks.sql", macros / "enumerations.sql"],
        {"kept": ROWS, "broken": BROKEN},
        {
            "version": 2,
            "models": [
                {
                    "name": name,
                    "data_tests": [{"row_checks": {"name": f"{name}_row_checks", "arguments": CHECKS}}],
                }
                for name in ("kept", "broken")
            ],
        },
    )
    statuses = {name: (r["status"], r["failures"]) for name, r in nodes.items()}
    assert statuses["broken"][0] == "success", output[-3000:]
    stored = dict(
        query(
            project / "checks.duckdb",
            "select failed_check, failing_rows from main_dbt_test__audit.broken_row_checks",
        )
    )
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
