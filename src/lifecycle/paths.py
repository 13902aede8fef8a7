"""Where things live. The dbt project is found from a setting or the working directory (never from
where this package is installed, so a wheel on a cluster finds the checkout it is run in);
everything else hangs off it or off the working warehouse file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import yaml

# The `name:` in dbt_project.yml that marks this project (another dbt project above or below the
# working directory is not ours).
PROJECT_NAME = "lifecycle"
PROJECT_ENV = "LIFECYCLE_PROJECT_DIR"


class ProjectNotFound(RuntimeError):
    """Neither LIFECYCLE_PROJECT_DIR nor the working directory leads to this dbt project."""


def _is_project(folder: Path) -> bool:
    """True when `folder` holds a dbt_project.yml named PROJECT_NAME."""
    path = folder / "dbt_project.yml"
    if not path.is_file():
        return False
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(spec, dict) and spec.get("name") == PROJECT_NAME


def project_dir() -> Path:
    """The dbt project directory: $LIFECYCLE_PROJECT_DIR, else the nearest folder at or above the
    working directory whose dbt_project.yml is named `lifecycle` (as dbt finds a project)."""
    env = os.environ.get(PROJECT_ENV)
    if env:
        folder = Path(env).resolve()
        if not _is_project(folder):
            raise ProjectNotFound(
                f"{PROJECT_ENV}={env}: {folder} has no dbt_project.yml with `name: {PROJECT_NAME}`;"
                " point it at a checkout of the lifecycle project"
            )
        return folder
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if _is_project(folder):
            return folder
    raise ProjectNotFound(
        f"no dbt project named {PROJECT_NAME!r} at or above {cwd}: run from a checkout of the project"
        f" or set {PROJECT_ENV} to it"
    )


def duckdb_path() -> Path:
    """The working warehouse file dbt writes (profiles.yml reads the same variable). A relative
    $LIFECYCLE_DUCKDB_PATH is relative to the project directory, where dbt opens it."""
    env = os.environ.get("LIFECYCLE_DUCKDB_PATH")
    if env:
        path = Path(env)
        return (path if path.is_absolute() else project_dir() / path).resolve()
    return project_dir() / "data" / "warehouse.duckdb"


def demo_data_dir() -> Path:
    """Where `lifecycle generate` writes demo files by default."""
    return project_dir() / "data" / "demo"


def serving_path(working: Path | None = None) -> Path:
    """The published copy BI tools and syncs read: $LIFECYCLE_SERVING_PATH, else
    serving/<name> beside the working file (data/serving/warehouse.duckdb by default)."""
    env = os.environ.get("LIFECYCLE_SERVING_PATH")
    if env:
        return Path(env).resolve()
    working = working or duckdb_path()
    return working.parent / "serving" / working.name


def published_exports_dir(serving: Path | None = None) -> Path:
    """Published export files: exports/ beside the serving file (current/ is the latest build)."""
    return (serving or serving_path()).parent / "exports"


def quality_dir(working: Path | None = None) -> Path:
    """Great Expectations context and Data Docs of the last build, beside the working file."""
    return (working or duckdb_path()).parent / "quality"


def metrics_project_dir(serving: Path) -> Path:
    """The folder `lifecycle metrics` runs MetricFlow in for one serving file: the project's files
    linked in and a target/ of its own (MetricFlow reads `target/semantic_manifest.json` below the
    project it runs in, and that manifest names the database of the last dbt run)."""
    key = hashlib.sha256(str(serving.resolve()).encode()).hexdigest()[:10]
    return project_dir() / "target" / "metricflow" / f"{serving.stem}-{key}"


# DuckDB memory limit when LIFECYCLE_MEMORY_LIMIT is unset; profiles.yml has the same default
# (tests/python/test_bench.py holds the two together).
DEFAULT_MEMORY_LIMIT = "4GB"


def duckdb_config(database: Path | None = None) -> dict[str, str]:
    """Settings for the package's own DuckDB connections (ingest, validation, publish), from the
    environment profiles.yml reads for dbt: LIFECYCLE_MEMORY_LIMIT and LIFECYCLE_TEMP_DIR (where
    operators larger than the limit spill; default `<database>.tmp`, DuckDB's own choice for a
    file). Without a limit DuckDB takes 80% of the machine: ingesting a million customers
    (a sort of 40M event rows) grew past 20 GB."""
    database = database or duckdb_path()
    return {
        "memory_limit": os.environ.get("LIFECYCLE_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
        "temp_directory": os.environ.get("LIFECYCLE_TEMP_DIR") or f"{database}.tmp",
    }
