"""The raw data contract, read from the dbt sources file so that it is defined exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from lifecycle.paths import project_dir

SOURCES_FILE = Path("models") / "staging" / "raw" / "_raw__sources.yml"

# How `lifecycle ingest` checks a column of each contract type (DuckDB types).
DUCKDB_TYPES = {
    "varchar": "varchar",
    "json": "varchar",
    "timestamp": "timestamptz",
    "date": "date",
    "decimal": "double",
    "integer": "bigint",
    "boolean": "boolean",
}

# Load columns added by ingest to every raw table.
LOAD_COLUMNS = ("_raw_row_id", "_source_file", "_loaded_at", "_ingest_id")

# When a row of each contract table "happened" (SQL, quoted where needed; order lines take their
# order's time): what the benchmark and the incremental test split deliveries by.
DELIVERY_TIME_COLUMNS = {
    "orders": "ordered_at",
    "products": "launched_at",
    "customers": "created_at",
    "events": '"timestamp"',
    "message_events": "occurred_at",
    "campaigns": "started_at",
    "consents": "recorded_at",
    "deletion_requests": "requested_at",
    "survey_responses": "responded_at",
    "referrals": "created_at",
    "loyalty_transactions": "occurred_at",
}


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    required: bool


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


@cache
def load_contract(sources_file: Path | None = None) -> dict[str, Table]:
    """Tables of the `raw` source in contract order, keyed by name."""
    path = sources_file or project_dir() / SOURCES_FILE
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    (raw,) = [s for s in spec["sources"] if s["name"] == "raw"]
    tables: dict[str, Table] = {}
    for t in raw["tables"]:
        cols = tuple(
            Column(
                name=c["name"],
                data_type=c["data_type"],
                required=bool((c.get("meta") or {}).get("required", False)),
            )
            for c in t["columns"]
        )
        unknown = {c.data_type for c in cols} - DUCKDB_TYPES.keys()
        if unknown:
            raise ValueError(f"{path}: table {t['name']} uses unknown data_type(s) {sorted(unknown)}")
        required = bool((t.get("meta") or {}).get("required_table", False))
        tables[t["name"]] = Table(name=t["name"], columns=cols, required=required)
    return tables
