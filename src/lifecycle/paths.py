"""Where things live. The dbt project is the repository root; everything else hangs off it."""

from __future__ import annotations

import os
from pathlib import Path


def project_dir() -> Path:
    """The dbt project directory: $LIFECYCLE_PROJECT_DIR, else the repo that holds this package."""
    env = os.environ.get("LIFECYCLE_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


def duckdb_path() -> Path:
    """The working warehouse file dbt writes (profiles.yml reads the same variable)."""
    default = project_dir() / "data" / "warehouse.duckdb"
    return Path(os.environ.get("LIFECYCLE_DUCKDB_PATH", default)).resolve()


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
