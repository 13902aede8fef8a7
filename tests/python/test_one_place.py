"""Facts the project writes down once (issue 21): checks that fail when a second copy appears."""

from __future__ import annotations

import re
import subprocess

from lifecycle import paths


def tracked_files(*patterns: str) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", *patterns], cwd=paths.project_dir(), capture_output=True, text=True, check=True
    )
    return [line for line in out.stdout.splitlines() if line]


def test_the_project_cites_no_document_it_does_not_ship():
    # the product brief the project was built from is not part of it: each rule is documented
    # where it lives (model docs, macros, README, docs/)
    root = paths.project_dir()
    citing = [
        f"{name}:{number}"
        for name in tracked_files("*.sql", "*.yml", "*.py", "*.md", "*.toml", "*.cfg")
        if name != "CHANGELOG.md"
        for number, line in enumerate((root / name).read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bSPEC\b", line) and "SPEC\\b" not in line
    ]
    assert citing == []


def repeated_constraints(manifest: dict) -> list[str]:
    """not_null, unique and unique_combination tests that repeat a constraint of an enforced
    contract (DuckDB enforces not_null, unique and primary_key constraints when it builds the
    table, so such a test is a second dbt node checking the same thing)."""
    found = []
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        model = manifest["nodes"].get(node.get("attached_node") or "")
        if node["resource_type"] != "test" or not model:
            continue
        if not model["config"].get("contract", {}).get("enforced") or node["config"].get("where"):
            continue
        kwargs = meta.get("kwargs", {})
        column = kwargs.get("column_name")
        column_constraints = {
            c["type"] for c in model["columns"].get(column or "", {}).get("constraints", [])
        } | {c["type"] for c in model.get("constraints", []) if c.get("columns") == [column]}
        keys = [c["columns"] for c in model.get("constraints", []) if c["type"] in ("primary_key", "unique")]
        arguments = kwargs.get("arguments") if isinstance(kwargs.get("arguments"), dict) else kwargs
        if (
            (meta.get("name") == "not_null" and column_constraints & {"not_null", "primary_key"})
            or (meta.get("name") == "unique" and column_constraints & {"primary_key", "unique"})
            or (meta.get("name") == "unique_combination" and arguments.get("columns") in keys)
        ):
            found.append(node["name"])
    return sorted(found)


def test_the_check_finds_a_test_that_repeats_a_constraint():
    model = {
        "resource_type": "model",
        "config": {"contract": {"enforced": True}},
        "columns": {"k": {"constraints": [{"type": "not_null"}, {"type": "primary_key"}]}},
        "constraints": [],
    }
    manifest = {
        "nodes": {
            "model.p.m": model,
            "test.p.nn": {
                "resource_type": "test",
                "name": "not_null_m_k",
                "attached_node": "model.p.m",
                "config": {},
                "test_metadata": {"name": "not_null", "kwargs": {"column_name": "k"}},
            },
        }
    }
    assert repeated_constraints(manifest) == ["not_null_m_k"]


def test_no_data_test_repeats_an_enforced_constraint():
    import json

    from dbt.cli.main import dbtRunner

    project = str(paths.project_dir())
    result = dbtRunner().invoke(["parse", "--quiet", "--project-dir", project, "--profiles-dir", project])
    assert result.success, result.exception
    manifest = json.loads((paths.project_dir() / "target" / "manifest.json").read_text(encoding="utf-8"))
    assert repeated_constraints(manifest) == []
