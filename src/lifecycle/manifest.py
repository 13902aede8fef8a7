"""What the dbt project says about each relation, read from dbt's target/manifest.json.

The project declares the meaning of its tables once, in the models' yml: column lists and types
(contracts), primary keys (`primary_key` constraints, or the `unique` keys of a `row_checks`
test or dbt's `unique` tests where a model has no constraint), not-null columns (constraints and
tests), accepted values (`row_checks` or dbt `accepted_values` tests, whose values may come from
a macro of macros/enumerations.sql: `"{{ lifecycle_stages() }}"`, evaluated here) and, in
`meta`, which columns hold personal data (`sensitive: true`) and which raw columns the contract
requires (`required: true`). dbt writes all of it to target/manifest.json on every run (`dbt build`,
`dbt parse`); this module reads that file, so Python code (the Great Expectations suites, the
report's stage order) uses the same facts as dbt's tests instead of restating them.

    manifest = load()
    facts = manifest["marts.customer_profiles"]
    facts.key, facts.not_null, facts.accepted_values["lifecycle_stage"], facts.sensitive
    manifest.enumeration("lifecycle_stages")  # the list macros/enumerations.sql defines

Relations are named `schema.table` as they appear in the warehouse (models and snapshots by
schema and alias, sources by schema and identifier). Tests with a `where` config or `warn`
severity hold only for part of the rows or only warn, so they are kept apart
(`AcceptedValues.severity`) or left out (conditional tests), never taken for a column's rule.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lifecycle import macro_values
from lifecycle.paths import project_dir

# Generic tests whose meaning is a key, with the argument naming their columns.
_COMBINATION_TESTS = {"unique_combination_of_columns": "combination_of_columns"}  # dbt_utils' test
_RELATION_TYPES = ("model", "snapshot", "seed")
PROJECT = "lifecycle"  # the dbt project's name: its own macros are `macro.lifecycle.<name>`


class ManifestError(ValueError):
    """target/manifest.json is missing or not a dbt manifest."""


@dataclass(frozen=True)
class AcceptedValues:
    """An accepted_values test: the values, and `error` or `warn` (a warning tolerates others)."""

    values: tuple[Any, ...]
    severity: str = "error"


@dataclass(frozen=True)
class Relation:
    """The dbt facts about one relation."""

    name: str  # schema.table
    resource_type: str  # model, snapshot, seed or source
    columns: tuple[str, ...] = ()  # documented columns, in yml order
    data_types: Mapping[str, str | None] = field(default_factory=dict)
    contract: bool = False  # an enforced contract: `columns` are exactly the table's columns
    key: tuple[str, ...] = ()  # the primary key (empty: none declared)
    unique: tuple[tuple[str, ...], ...] = ()  # every unique column set, the key first
    not_null: tuple[str, ...] = ()
    accepted_values: Mapping[str, AcceptedValues] = field(default_factory=dict)
    sensitive: tuple[str, ...] = ()  # columns with meta `sensitive: true` (personal data)
    required: tuple[str, ...] = ()  # source columns with meta `required: true`
    required_table: bool = False  # a source table with meta `required_table: true`
    declared_in: str = ""  # the yml file holding these facts, relative to the project
    enabled: bool = True  # False for a disabled model (its tests are not in the manifest)

    @property
    def schema(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def table(self) -> str:
        return self.name.split(".", 1)[1]


class Manifest(Mapping[str, Relation]):
    """Relations by `schema.table`; `get` returns None for a relation the project does not know."""

    def __init__(
        self, relations: Iterable[Relation], path: Path | None = None, macros: Mapping[str, str] | None = None
    ) -> None:
        self._relations = {r.name: r for r in relations}
        self.path = path
        self.macros = dict(macros or {})  # the project's macros: name -> source
        self._enumerations: dict[str, tuple[str, ...]] = {}

    def enumeration(self, name: str) -> tuple[str, ...]:
        """The values of enumeration macro `name` (macros/enumerations.sql), in its order."""
        if name not in self._enumerations:
            if name not in self.macros:
                raise ManifestError(f"{self.path or 'manifest'}: the project has no macro {name}")
            try:
                value = macro_values.evaluate(f"{{{{ {name}() }}}}", self.macros)
            except macro_values.MacroValueError as err:
                raise ManifestError(f"{self.path or 'manifest'}: {err}") from err
            self._enumerations[name] = _values(value, f"macro {name}")
        return self._enumerations[name]

    def __getitem__(self, name: str) -> Relation:
        return self._relations[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._relations)

    def __len__(self) -> int:
        return len(self._relations)

    def in_schemas(self, *schemas: str) -> list[Relation]:
        """The relations in `schemas`, by name."""
        return sorted((r for r in self._relations.values() if r.schema in schemas), key=lambda r: r.name)


def default_path() -> Path:
    """Where dbt writes the manifest of this project (its target path, `DBT_TARGET_PATH` when set)."""
    return project_dir() / os.environ.get("DBT_TARGET_PATH", "target") / "manifest.json"


def load(path: Path | None = None) -> Manifest:
    """The manifest at `path` (default: this project's target/manifest.json, written by `dbt parse`
    first when no dbt command has run in this checkout yet)."""
    if path is None:
        path = default_path()
        if not path.is_file():
            _parse_project()
    if not path.is_file():
        raise ManifestError(
            f"no dbt manifest at {path}: run `dbt parse` (or any dbt command) in the project first"
        )
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


@cache
def _load_cached(path: str, _mtime_ns: int, _size: int) -> Manifest:
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ManifestError(f"cannot read the dbt manifest {path}: {err}") from err
    return from_dict(payload, Path(path))


def _parse_project() -> None:
    """Write target/manifest.json with `dbt parse` (no database is opened)."""
    from dbt.cli.main import dbtRunner

    project = str(project_dir())
    result = dbtRunner().invoke(["parse", "--quiet", "--project-dir", project, "--profiles-dir", project])
    if not result.success:
        raise ManifestError(f"`dbt parse` failed, no manifest to read: {result.exception}")


def from_dict(payload: Mapping[str, Any], path: Path | None = None) -> Manifest:
    """The relations of a parsed manifest (what `load` returns; tests pass small ones)."""
    if not isinstance(payload, Mapping) or "nodes" not in payload:
        raise ManifestError(f"{path or 'manifest'}: not a dbt manifest (no `nodes`)")
    nodes: dict[str, dict] = {}
    for uid, node in payload["nodes"].items():
        if node.get("resource_type") in _RELATION_TYPES:
            nodes[uid] = node
    # a disabled model (e.g. one switched on by a var) still describes its table when it exists
    for uid, versions in (payload.get("disabled") or {}).items():
        if uid not in nodes and versions and versions[0].get("resource_type") in _RELATION_TYPES:
            nodes[uid] = versions[0]
    for uid, source in (payload.get("sources") or {}).items():
        nodes[uid] = source
    disabled = {
        uid for uid in nodes if uid not in payload["nodes"] and uid not in (payload.get("sources") or {})
    }
    tests: dict[str, list[dict]] = {uid: [] for uid in nodes}
    for node in payload["nodes"].values():
        if node.get("resource_type") == "test" and node.get("test_metadata"):
            target = _tested_node(node, nodes)
            if target is not None:
                tests[target].append(node)
    macros = {
        macro["name"]: macro.get("macro_sql") or ""
        for macro in (payload.get("macros") or {}).values()
        if macro.get("package_name") == PROJECT
    }
    relations = [_relation(node, tests[uid], macros, uid not in disabled) for uid, node in nodes.items()]
    return Manifest(relations, path, macros)


def _values(value: Any, where: str) -> tuple[Any, ...]:
    """`value` as a tuple, when it is a list (what an enumeration and `values:` must be)."""
    if not isinstance(value, list | tuple):
        raise ManifestError(f"{where}: expected a list of values, got {value!r}")
    return tuple(value)


def _accepted(values: Any, macros: Mapping[str, str], test: str) -> tuple[Any, ...]:
    """The accepted values a test lists: a list, or the list its Jinja (a call of an enumeration
    macro) renders to, as dbt renders it when the test runs."""
    values = values or ()
    if macro_values.is_jinja(values):
        try:
            values = macro_values.evaluate(values, macros)
        except macro_values.MacroValueError as err:
            raise ManifestError(f"test {test}: {err}") from err
    return _values(values, f"test {test}")


def _tested_node(test: dict, nodes: Mapping[str, dict]) -> str | None:
    attached = test.get("attached_node")
    if attached in nodes:
        return attached
    # source tests carry no attached_node: the tested source is their only source dependency
    sources = [uid for uid in (test.get("depends_on") or {}).get("nodes", []) if uid.startswith("source.")]
    return sources[0] if len(sources) == 1 and sources[0] in nodes else None


def _relation_name(node: dict) -> str:
    if node["resource_type"] == "source":
        return f"{node['schema']}.{node.get('identifier') or node['name']}"
    return f"{node['schema']}.{node.get('alias') or node['name']}"


def _meta(item: dict) -> dict:
    """meta as written under `meta:` or under `config: {meta: ...}` (both reach the manifest)."""
    return {**(item.get("meta") or {}), **((item.get("config") or {}).get("meta") or {})}


def _relation(node: dict, tests: list[dict], macros: Mapping[str, str], enabled: bool = True) -> Relation:
    columns: dict[str, dict] = node.get("columns") or {}
    names = tuple(columns)
    not_null: list[str] = []
    keys: list[tuple[str, ...]] = []
    primary: tuple[str, ...] = ()
    for name, column in columns.items():
        kinds = {c.get("type") for c in column.get("constraints") or []}
        if kinds & {"not_null", "primary_key"}:
            not_null.append(name)
        if "primary_key" in kinds:
            primary = (name,)
        if "unique" in kinds:
            keys.append((name,))
    for constraint in node.get("constraints") or []:
        if constraint.get("type") == "primary_key":
            primary = tuple(constraint.get("columns") or ())
            not_null += [c for c in primary if c not in not_null]
        elif constraint.get("type") == "unique":
            keys.append(tuple(constraint.get("columns") or ()))

    accepted: dict[str, AcceptedValues] = {}
    for test in tests:
        config = test.get("config") or {}
        if not config.get("enabled", True) or config.get("where"):
            continue  # a conditional test says nothing about every row
        name = test["test_metadata"]["name"]
        kwargs = test["test_metadata"].get("kwargs") or {}
        column = test.get("column_name") or kwargs.get("column_name")
        severity = str(config.get("severity") or "error").lower()
        # accepted values: dbt's test holds one column's, row_checks a column -> values mapping
        if name == "accepted_values" and column:
            listed = {column: kwargs.get("values")}
        elif name == "row_checks":
            listed = kwargs.get("accepted_values") or {}
        else:
            listed = {}
        for checked, values in listed.items():
            found = AcceptedValues(_accepted(values, macros, test.get("name", name)), severity)
            if checked not in accepted or accepted[checked].severity != "error":
                accepted[checked] = found
        if severity != "error":
            continue  # a warning is not a rule every row keeps
        if name == "row_checks":
            not_null += [c for c in kwargs.get("not_null") or () if c not in not_null]
            keys += [(k,) if isinstance(k, str) else tuple(k) for k in kwargs.get("unique") or ()]
        elif name == "not_null" and column and column not in not_null:
            not_null.append(column)
        elif name == "unique" and column:
            keys.append((column,))
        elif name in _COMBINATION_TESTS:
            keys.append(tuple(kwargs.get(_COMBINATION_TESTS[name]) or ()))

    keys = [k for k in keys if k]
    if not primary and keys:
        # no constraint: a single-column unique test first (dbt's own choice), else a combination
        singles = [k for k in keys if len(k) == 1]
        primary = singles[0] if singles else keys[0]
        not_null += [c for c in primary if c not in not_null]
    unique: list[tuple[str, ...]] = [primary] if primary else []
    for candidate in keys:
        if not any(set(candidate) == set(known) for known in unique):
            unique.append(candidate)

    meta = _meta(node)
    contract = bool(
        ((node.get("config") or {}).get("contract") or node.get("contract") or {}).get("enforced")
    )
    return Relation(
        name=_relation_name(node),
        resource_type=node["resource_type"],
        columns=names,
        data_types={name: column.get("data_type") for name, column in columns.items()},
        contract=contract,
        key=primary,
        unique=tuple(unique),
        not_null=tuple(not_null),
        accepted_values=accepted,
        sensitive=tuple(n for n, c in columns.items() if _meta(c).get("sensitive") is True),
        required=tuple(n for n, c in columns.items() if _meta(c).get("required") is True),
        required_table=bool(meta.get("required_table", False)),
        declared_in=_declared_in(node),
        enabled=enabled,
    )


def _declared_in(node: dict) -> str:
    """models/.../_x__models.yml for a model (its patch), the sources file for a source."""
    path = node.get("patch_path") or node.get("original_file_path") or ""
    return path.split("://", 1)[-1]
