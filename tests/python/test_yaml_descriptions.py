"""Model and column descriptions are whole. In a one-line YAML mapping
(`- {name: x, description: a, b}`) an unquoted comma ends the description and turns the rest
into a key with no value: the docs then silently show half a sentence."""

from __future__ import annotations

from pathlib import Path

import yaml

from lifecycle import paths

# keys dbt reads on a model, column, source table or semantic-layer entry
KNOWN_KEYS = {
    "name",
    "description",
    "data_type",
    "data_tests",
    "tests",
    "constraints",
    "quote",
    "meta",
    "tags",
    "config",
    "granularity",
    "expr",
    "type",
    "agg",
    "label",
}


def cut_descriptions(node: object, found: list[str], where: str) -> None:
    if isinstance(node, dict):
        if "name" in node and "description" in node:
            stray = [k for k, v in node.items() if v is None and k not in KNOWN_KEYS]
            if stray:
                found.append(f"{where}: {node['name']}: description cut at {stray[0]!r}")
        for value in node.values():
            cut_descriptions(value, found, where)
    elif isinstance(node, list):
        for value in node:
            cut_descriptions(value, found, where)


def yaml_files() -> list[Path]:
    root = paths.project_dir()
    return sorted(
        p for folder in ("models", "python_models", "snapshots") for p in (root / folder).rglob("*.yml")
    )


def test_the_check_finds_a_cut_description():
    found: list[str] = []
    cut_descriptions(yaml.safe_load("- {name: email, description: trimmed, lower-cased}"), found, "x.yml")
    assert found == ["x.yml: email: description cut at 'lower-cased'"]


def test_no_description_is_cut_by_an_unquoted_comma():
    files = yaml_files()
    assert len(files) > 10
    found: list[str] = []
    for path in files:
        cut_descriptions(yaml.safe_load(path.read_text(encoding="utf-8")), found, path.name)
    assert not found, "quote these descriptions:\n" + "\n".join(found)
