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
