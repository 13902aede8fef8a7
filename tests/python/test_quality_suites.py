"""Every public table has a Great Expectations suite.

The public tables are the dbt models and snapshots whose schema is published to the serving
file (marts, audiences), listed by `dbt ls` from the project itself, so a new mart added on any
branch fails here until someone writes its suite in src/lifecycle/quality/suites.py.
"""

from __future__ import annotations

import json

from lifecycle import paths
from lifecycle.quality.suites import PUBLISHED_SCHEMAS, suite_for


def public_relations() -> list[str]:
    """`schema.name` of every model and snapshot dbt would build into a published schema."""
    from dbt.cli.main import dbtRunner

    project = str(paths.project_dir())
    result = dbtRunner().invoke(
        [
            "ls",
            "--resource-types",
            "model",
            "snapshot",
            "--output",
            "json",
            "--output-keys",
            "name",
            "schema",
            "--quiet",
            "--project-dir",
            project,
            "--profiles-dir",
            project,
        ]
    )
    assert result.success, result.exception
    nodes = [json.loads(line) for line in result.result]
    return sorted(f"{n['schema']}.{n['name']}" for n in nodes if n["schema"] in PUBLISHED_SCHEMAS)


def without_suite(relations: list[str]) -> list[str]:
    return [r for r in relations if suite_for(r) is None]


def test_the_check_catches_a_table_without_suite():
    assert without_suite(["marts.customer_profiles", "marts.brand_new_mart", "audiences.audience_new"]) == [
        "marts.brand_new_mart"
    ]


def test_every_public_table_has_a_suite():
    relations = public_relations()
    assert "marts.customer_profiles" in relations and "audiences.audience_memberships_history" in relations
    missing = without_suite(relations)
    assert not missing, (
        f"public tables without a Great Expectations suite: {missing}."
        " Add one with @suite('schema.table') in src/lifecycle/quality/suites.py"
    )
