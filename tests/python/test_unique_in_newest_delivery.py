"""The unique_in_newest_delivery generic test (macros/tests/unique_in_newest_delivery.sql), run by
dbt on DuckDB: on a table of one delivery every repeated key fails; on a table of several, a key
of the newest delivery repeated within it or in an earlier one fails, and a key repeated only
among earlier deliveries (checked when they were the newest) does not. A small dbt project of
its own, so it runs in seconds."""

from __future__ import annotations

import pytest
from conftest import build_small_project, query

from lifecycle import paths

OLD, NEW = "timestamp '2026-01-01 00:00:00'", "timestamp '2026-01-02 00:00:00'"

MODELS = {
    # a full load: 'a' twice fails, 'b' once passes
    "one_delivery": f"""
        select * from (values ('a', {OLD}), ('a', {OLD}), ('b', {OLD})) as t(id, _loaded_at)
    """,
    # 'a' twice in the old delivery only: not this build's check. 'b' old and new, 'c' twice
    # new: both fail. 'd' once, new: passes.
    "two_deliveries": f"""
        select * from (values
            ('a', {OLD}), ('a', {OLD}), ('b', {OLD}), ('e', {OLD}),
            ('b', {NEW}), ('c', {NEW}), ('c', {NEW}), ('d', {NEW})
        ) as t(id, _loaded_at)
    """,
    "two_clean_deliveries": f"""
        select * from (values ('a', {OLD}), ('b', {OLD}), ('c', {NEW})) as t(id, _loaded_at)
    """,
    "no_rows": f"select * from (values ('a', {OLD})) as t(id, _loaded_at) where false",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """dbt build of the models with --store-failures: test name -> (status, failing keys)."""
    project = tmp_path_factory.mktemp("unique_in_newest_delivery")
    nodes, output = build_small_project(
        project,
        [paths.project_dir() / "macros" / "tests" / "unique_in_newest_delivery.sql"],
        MODELS,
        {
            "version": 2,
            "models": [
                {
                    "name": name,
                    "columns": [
                        {
                            "name": "id",
                            "data_tests": [{"unique_in_newest_delivery": {"name": f"{name}_unique"}}],
                        }
                    ],
                }
                for name in MODELS
            ],
        },
    )
    assert all(nodes[name]["status"] == "success" for name in MODELS), output[-3000:]

    def failing(name: str) -> list[tuple]:
        return sorted(query(project / "checks.duckdb", f"select id, n_rows from main_dbt_test__audit.{name}"))

    return {name: (nodes[f"{name}_unique"]["status"], failing(f"{name}_unique")) for name in MODELS}


def test_a_full_load_fails_on_every_repeated_key(results):
    assert results["one_delivery"] == ("fail", [("a", 2)])


def test_keys_of_the_newest_delivery_are_checked_against_every_delivery(results):
    # 'a' is repeated only in the earlier delivery: checked when that one was the newest
    assert results["two_deliveries"] == ("fail", [("b", 2), ("c", 2)])


def test_unique_keys_and_an_empty_table_pass(results):
    assert results["two_clean_deliveries"] == ("pass", [])
    assert results["no_rows"] == ("pass", [])
