"""Shared fixtures: a generated shop and warehouses built from it with real dbt runs."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A small generated shop (every raw table, bad rows included)."""
    from lifecycle.generate import generate

    out = tmp_path_factory.mktemp("shop")
    generate(out, customers=1500, months=24, seed=7, progress=False)
    return out


@pytest.fixture(scope="session")
def built_warehouse(demo_dir, tmp_path_factory) -> Path:
    """The generated shop ingested and built with `dbt build` (all dbt tests included)."""
    from lifecycle.dbt_runner import run_dbt
    from lifecycle.ingest import ingest

    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    ingest(demo_dir, database=db)
    assert run_dbt(["build"], database=db) == 0, "dbt build failed on generated data"
    return db


def query(db: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def read_csv_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
