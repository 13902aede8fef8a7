"""`dbt docs generate` on a built warehouse: every table in the public schemas (marts, audiences)
is documented, model and every real column (from the catalog, i.e. the database), and every public
model enforces a contract."""

from __future__ import annotations

import json

import pytest

from lifecycle import paths
from lifecycle.dbt_runner import run_dbt

pytestmark = pytest.mark.e2e

PUBLIC_SCHEMAS = {"marts", "audiences"}


@pytest.fixture(scope="module")
def docs(built_warehouse) -> tuple[dict, dict]:
    assert run_dbt(["docs", "generate"], database=built_warehouse) == 0, "dbt docs generate failed"
    target = paths.project_dir() / "target"
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return catalog, manifest


def _public_tables(catalog: dict) -> dict[str, dict]:
    return {
        unique_id: node
        for unique_id, node in catalog["nodes"].items()
        if node["metadata"]["schema"] in PUBLIC_SCHEMAS
    }


def test_every_public_table_and_column_is_described(docs):
    catalog, manifest = docs
    tables = _public_tables(catalog)
    assert len(tables) >= 30, sorted(tables)
    problems = []
    for unique_id, node in sorted(tables.items()):
        documented = manifest["nodes"].get(unique_id)
        if documented is None:
            problems.append(f"{unique_id}: in the warehouse but not in the project")
            continue
        if not documented["description"].strip():
            problems.append(f"{unique_id}: no description")
        described = {name.lower(): col["description"] for name, col in documented["columns"].items()}
        for column in node["columns"]:
            if not described.get(column.lower(), "").strip():
                problems.append(f"{unique_id}.{column}: no description")
    assert not problems, "\n".join(problems)


def test_every_public_model_enforces_a_contract(docs):
    catalog, manifest = docs
    missing = [
        unique_id
        for unique_id in _public_tables(catalog)
        if unique_id.startswith("model.")
        and not manifest["nodes"][unique_id]["config"]["contract"]["enforced"]
    ]
    assert not missing, missing


def test_exposures_declare_the_consumers(docs):
    _, manifest = docs
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert {"lifecycle_bi_dashboard", "metricflow_semantic_layer", "lifecycle_html_report"} <= set(exposures)
    assert {name for name in exposures if name.startswith("reverse_etl_")} == {
        "reverse_etl_google_ads",
        "reverse_etl_meta_ads",
        "reverse_etl_messaging",
    }
    memberships = "model.lifecycle.audience_memberships"
    assert all(
        memberships in exposures[n]["depends_on"]["nodes"] for n in exposures if n.startswith("reverse_etl_")
    )
