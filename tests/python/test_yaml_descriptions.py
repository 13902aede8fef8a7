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


# YAML that ended up inside a quoted description: an anchor or alias (`: *name`, `&name`) or a
# key of the enclosing mapping (`columns:`, `data_tests:`) written in the text instead of beside it
YAML_IN_TEXT = (": *", ": &", "columns:", "data_tests:", "tests:", "config:", "constraints:")


def yaml_in_descriptions(node: object, found: list[str], where: str) -> None:
    if isinstance(node, dict):
        text = node.get("description")
        if isinstance(text, str):
            for syntax in YAML_IN_TEXT:
                if syntax in text:
                    found.append(f"{where}: {node.get('name')}: description holds {syntax!r}")
        for value in node.values():
            yaml_in_descriptions(value, found, where)
    elif isinstance(node, list):
        for value in node:
            yaml_in_descriptions(value, found, where)


def test_the_check_finds_yaml_inside_a_description():
    # the breakage of 2026-11-25: an alias quoted into the description, the columns lost
    found: list[str] = []
    text = "- {name: base_raw__events, description: 'Every raw event., columns: *base_columns'}"
    yaml_in_descriptions(yaml.safe_load(text), found, "x.yml")
    assert found == [
        "x.yml: base_raw__events: description holds ': *'",
        "x.yml: base_raw__events: description holds 'columns:'",
    ]


def test_no_description_holds_yaml():
    found: list[str] = []
    for path in yaml_files():
        yaml_in_descriptions(yaml.safe_load(path.read_text(encoding="utf-8")), found, path.name)
    assert not found, "move this YAML out of the descriptions:\n" + "\n".join(found)
