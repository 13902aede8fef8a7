"""The one reader of a build's effective dbt vars, and of the vars a published build was made with.

A build's vars are dbt_project.yml's with the build's `--vars` applied the way dbt applies them
(dbt/context/providers.py, ModelConfiguredVar): the project's global vars, then the ones scoped to
this project (`vars: {lifecycle: {...}}`), then the command line's, each replacing whole values
(no deep merge); dbt's `--vars` option is a single value, so of several the last one counts. Values
are read with dbt's YAML loader (the safe loader: `2026-01-01` is a date, as in dbt).

`lifecycle build` stores the effective vars with the published build (publish.builds.vars, JSON),
and the summary, the report and the exports read them from there, so a build made with
`--vars '{reporting_currency: EUR}'` is labelled EUR wherever it is shown. A serving file published
before the vars were stored (or a working file) falls back to the project's defaults.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import yaml

from lifecycle import paths

try:  # the loader dbt uses (dbt/clients/yaml_helper.py)
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

# where a published build keeps its vars (lifecycle.publish writes it)
BUILDS_TABLE = "publish.builds"
VARS_COLUMN = "vars"


class VarsError(ValueError):
    """A `--vars` value that dbt would refuse (not a YAML mapping)."""


def _load(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)


def project_vars(project: Path | None = None) -> dict[str, Any]:
    """dbt_project.yml's vars as dbt resolves them for this project's models: global vars, then
    the ones scoped to the project by name on top."""
    project = project or paths.project_dir()
    spec = _load((project / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    declared = dict(spec.get("vars") or {})
    scoped = declared.pop(spec.get("name"), None)
    if isinstance(scoped, dict):
        declared.update(scoped)
    return declared


def cli_vars(dbt_args: Sequence[str]) -> dict[str, Any]:
    """The `--vars` mapping among dbt arguments (`--vars X` or `--vars=X`; the last one wins, as
    with dbt's own option); {} when there is none."""
    text = None
    for i, arg in enumerate(dbt_args):
        if arg == "--vars" and i + 1 < len(dbt_args):
            text = dbt_args[i + 1]
        elif arg.startswith("--vars="):
            text = arg.removeprefix("--vars=")
    if text is None:
        return {}
    try:
        values = _load(text)
    except yaml.YAMLError as err:
        raise VarsError(f"--vars is not valid YAML: {err}") from err
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise VarsError(f"--vars must be a YAML mapping such as '{{reporting_currency: EUR}}', not {text!r}")
    return values


def effective_vars(dbt_args: Sequence[str] = (), project: Path | None = None) -> dict[str, Any]:
    """The vars a dbt run with `dbt_args` sees: the project's, with the command line's on top."""
    return {**project_vars(project), **cli_vars(dbt_args)}


def to_json(values: dict[str, Any]) -> str:
    """Vars as stored with a published build (dates as ISO text, keys sorted)."""
    return json.dumps(values, default=str, sort_keys=True)


def stored_vars(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The vars the latest build published in this (serving) file was made with; None for a file
    without published builds or one published before they were stored."""
    found = con.execute(
        "select count(*) from information_schema.columns"
        " where table_schema = 'publish' and table_name = 'builds' and column_name = ?",
        [VARS_COLUMN],
    ).fetchall()[0][0]
    if not found:
        return None
    rows = con.execute(
        f"select {VARS_COLUMN} from {BUILDS_TABLE} order by published_at desc limit 1"
    ).fetchall()
    if not rows or rows[0][0] is None:
        return None
    return json.loads(rows[0][0])


def build_vars(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The vars to label a warehouse's numbers with: those its published build stored, else the
    project's defaults (a file published before they were stored, or a working file)."""
    stored = stored_vars(con)
    return stored if stored is not None else project_vars()


def database_vars(database: Path) -> dict[str, Any]:
    """build_vars of a warehouse file, opened read-only."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return build_vars(con)
    finally:
        con.close()
