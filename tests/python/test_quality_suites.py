"""The suites against the project's own dbt manifest: every public table is validated without a
hand-written suite, and no hand-written check restates what dbt already declares.

The manifest comes from `dbt parse` on this project, so a new mart added on any branch is checked
here: it needs a tested primary key in its yml (which the generated suite then validates), not a
suite in src/lifecycle/quality/suites.py.
"""

from __future__ import annotations

import ast
import datetime as dt
import fnmatch
from pathlib import Path

import pytest

from lifecycle import manifest as dbt_manifest
from lifecycle import paths
from lifecycle.quality import suites
from lifecycle.quality.suites import PUBLISHED_SCHEMAS, SUITES, Facts, expectations_for, is_validated

FACTS = Facts(
    as_of_date=dt.date(2026, 9, 30),
    as_of_at=dt.datetime(2026, 10, 1),
    profiles=1,
    buyers=1,
    clv_fitted=True,
    observed_rates={"purchase": (0.2, 100), "churn": (0.6, 100)},
    audience_rows={"vip_loyal": 1},
)
UNIQUE_CHECKS = {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}


@pytest.fixture(scope="module")
def manifest() -> dbt_manifest.Manifest:
    """The manifest of the project as it is now (`dbt parse` writes target/manifest.json)."""
    from dbt.cli.main import dbtRunner

    project = str(paths.project_dir())
    result = dbtRunner().invoke(["parse", "--quiet", "--project-dir", project, "--profiles-dir", project])
    assert result.success, result.exception
    return dbt_manifest.load()


def public(manifest: dbt_manifest.Manifest) -> list[dbt_manifest.Relation]:
    found = [
        r
        for r in manifest.in_schemas(*PUBLISHED_SCHEMAS)
        if r.resource_type in ("model", "snapshot") and r.enabled
    ]
    assert {"marts.customer_profiles", "audiences.audience_memberships_history"} <= {r.name for r in found}
    return found


def test_the_check_catches_a_table_dbt_does_not_know(manifest):
    assert is_validated("marts.customer_profiles", manifest)
    assert is_validated("audiences.audience_new", manifest)  # the audience pattern covers it
    assert not is_validated("marts.brand_new_table_left_over", manifest)


def test_every_public_table_is_validated_by_its_dbt_key(manifest):
    """A public table needs a primary key in dbt (constraint or unique test); its suite is then
    generated, with no hand-written entry."""
    without_key = [r.name for r in public(manifest) if not r.key]
    assert not without_key, f"public tables without a primary key in their yml: {without_key}"
    for relation in public(manifest):
        checks = expectations_for(relation.name, FACTS, manifest)
        assert any(e.expectation_type in UNIQUE_CHECKS for e in checks), relation.name


def test_hand_written_suites_name_relations_dbt_knows(manifest):
    names = set(manifest)
    unknown = [
        pattern
        for pattern in SUITES
        if not any(fnmatch.fnmatchcase(name, pattern) for name in names)
        # the weekly history is a disabled model unless var lifecycle_weekly_history is set
        and pattern != "marts.customer_lifecycle_history_weekly"
    ]
    assert not unknown, f"suites for relations the dbt project does not have: {unknown}"


def _hand_written(relation: str) -> list:
    function = suites.suite_for(relation)
    return function(FACTS, relation) if function else []


def test_no_hand_written_check_restates_a_dbt_fact(manifest):
    restated = []
    for relation in public(manifest):
        for e in _hand_written(relation.name):
            kwargs = e.configuration.kwargs
            column = kwargs.get("column")
            if e.expectation_type in UNIQUE_CHECKS:
                restated.append(f"{relation.name}: a key ({e.expectation_type})")
            elif e.expectation_type == "expect_column_values_to_not_be_null" and column in relation.not_null:
                restated.append(f"{relation.name}: not null {column}")
            elif (
                e.expectation_type == "expect_column_values_to_be_in_set"
                and column in relation.accepted_values
                and kwargs.get("mostly") is None  # a share of rows is a distribution, not a domain
            ):
                restated.append(f"{relation.name}: accepted values of {column}")
            elif e.expectation_type == "expect_column_values_to_match_regex" and column in relation.sensitive:
                restated.append(f"{relation.name}: the hash check of {column}")
    assert not restated, "hand-written checks of facts the dbt yml already holds:\n" + "\n".join(restated)


def _string_lists(path: Path) -> list[tuple[int, frozenset[str]]]:
    """Every list, tuple or set literal of two or more strings in a Python file, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.List | ast.Tuple | ast.Set) and len(node.elts) >= 2:
            values = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if len(values) == len(node.elts):
                found.append((node.lineno, frozenset(values)))
    return found


def test_the_quality_package_holds_no_accepted_value_list_of_the_manifest(manifest):
    """What `grep` would look for: a literal list in src/lifecycle/quality with the values of an
    accepted_values test of the dbt project."""
    domains = {
        frozenset(map(str, rule.values)): f"{r.name}.{column}"
        for r in manifest.values()
        for column, rule in r.accepted_values.items()
        if len(rule.values) >= 2
    }
    package = Path(suites.__file__).parent
    copies = [
        f"{path.name}:{line} restates {domains[values]}"
        for path in sorted(package.glob("*.py"))
        for line, values in _string_lists(path)
        if values in domains
    ]
    assert not copies, copies
