"""Erasure everywhere the project writes (issue 20): `lifecycle forget` purges the persons with a
deletion request from raw, and after the next build no table of the working file, the serving
copy, the export files or the quality results holds their ids, emails, phones or the hashes
platforms match on. Before `forget`, the intermediate models after identity hold none of them
either, only the identity models and staging of the delivery do.

The working file is a copy of the session's built warehouse (generated shop with deletion
requests); it is published once, forgotten, and built and published again in full.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import query, read_csv_rows

from lifecycle.cli import main
from lifecycle.forget import digest

pytestmark = pytest.mark.e2e

# identity's own working tables: they resolve the request to the person, so they hold the
# person's identifiers until `forget` (DECISIONLOG "Erasure: exclusion after identity, purge by forget")
IDENTITY_TABLES = {
    "intermediate.int_identity_edges_unioned",
    "intermediate.int_identity_nodes",
    "intermediate.int_event_identifiers",
    "intermediate.int_event_identifier_persons",
    "intermediate.int_browser_sessions",
    "intermediate.int_sessions",
}


def cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(args))
    return code, out.getvalue()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def forgotten(built_warehouse, demo_dir, tmp_path_factory):
    """(working, the deleted persons' identifiers and hashes, the forget output, the raw rows
    that held them before)."""
    root = tmp_path_factory.mktemp("forget")
    working = root / "warehouse.duckdb"
    shutil.copy(built_warehouse, working)
    persons = read_csv_rows(demo_dir / "_truth" / "persons.csv")
    deleted = {p["person_id"] for p in persons if p["has_deletion_request"] == "true"}
    assert deleted, "the generator made no deletion requests"
    identifiers = read_csv_rows(demo_dir / "_truth" / "identifiers.csv")

    def normalized(i: dict) -> str:
        return i["id_value"].strip().lower() if i["id_type"] == "email" else i["id_value"]

    # an identifier another person shares (a family tablet) is theirs too and stays
    kept = {normalized(i) for i in identifiers if i["person_id"] not in deleted}
    values = {normalized(i) for i in identifiers if i["person_id"] in deleted} - kept
    hashes = {sha256(v) for v in values} | {sha256(v.lstrip("+")) for v in values if v.startswith("+")}
    sensitive = values | hashes
    literal = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    before = {
        table: query(working, f"select count(*) from raw.{table} where {column} in ({literal})")[0][0]
        for table, column in (("orders", "trim(customer_id)"), ("events", "trim(anonymous_id)"))
    }

    code, out = cli("build", "--database", str(working), "--select", "kpi_daily")
    assert code == 0, out
    intermediate_holders = tables_holding(working, sensitive, schemas=("intermediate",))
    code, forget_out = cli("forget", "--database", str(working))
    assert code == 0, forget_out
    code, out = cli("build", "--database", str(working))
    assert code == 0, out
    return working, sensitive, forget_out, before, intermediate_holders


def tables_holding(db: Path, values: set[str], schemas: tuple[str, ...] | None = None) -> set[str]:
    """Every table (and column) of `db` with a text value in `values`."""
    literal = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns"
            " where data_type = 'VARCHAR' or data_type like 'VARCHAR[]'"
        ).fetchall()
        found = set()
        for schema, table, column, data_type in columns:
            if schemas and schema not in schemas:
                continue
            value = f'"{column}"' if data_type == "VARCHAR" else f'unnest("{column}")'
            hits = con.execute(
                f'select count(*) from (select {value} as v from "{schema}"."{table}") where v in ({literal})'
            ).fetchall()[0][0]
            if hits:
                found.add(f"{schema}.{table}")
        return found
    finally:
        con.close()


def files_holding(folder: Path, values: set[str]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".html", ".txt", ".md", ""):
            text = path.read_text(encoding="utf-8", errors="ignore")
            if any(v in text for v in values if len(v) > 6):
                found.append(str(path))
    return found


def test_the_delivery_held_the_deleted_persons_before_forget(forgotten):
    _, _, _, before, _ = forgotten
    assert before["orders"] > 0 and before["events"] > 0


def test_after_a_request_only_identity_and_staging_hold_the_person(forgotten):
    *_, intermediate_holders = forgotten
    assert intermediate_holders <= IDENTITY_TABLES, intermediate_holders - IDENTITY_TABLES
    assert "intermediate.int_persons" not in intermediate_holders
    assert "intermediate.int_orders_resolved" not in intermediate_holders


def test_after_forget_and_a_build_no_table_or_file_holds_them(forgotten):
    working, sensitive, out, _, _ = forgotten
    assert "erased" in out and "raw.orders" in out
    serving = working.parent / "serving" / working.name
    assert tables_holding(working, sensitive) == set()
    assert tables_holding(serving, sensitive) == set()
    assert files_holding(working.parent / "serving" / "exports", sensitive) == []
    assert files_holding(working.parent / "quality", sensitive) == []
    # the build published again, with its quality results
    assert query(serving, "select count(*) from publish.builds")[0][0] >= 2
    assert (working.parent / "quality").exists()


def test_forget_keeps_an_audit_record_with_hashed_identifiers(forgotten):
    working, sensitive, _, _, _ = forgotten
    rows = query(
        working,
        "select person_sha256, identifiers_sha256, table_name, rows_purged, erased_at from raw._erasure_log",
    )
    assert rows and {r[2] for r in rows} >= {"orders", "events", "customers", "deletion_requests"}
    assert sum(r[3] for r in rows if r[2] == "orders") > 0
    hashed = {h for r in rows for h in r[1]}
    email = next(v for v in sensitive if "@" in v)
    assert digest(f"email:{email}") in hashed
    # prefixed digests: never the plain SHA-256 Google and Meta match on
    assert sha256(email) not in hashed


def test_forget_without_requests_erases_nothing(forgotten):
    working, *_ = forgotten
    code, out = cli("forget", "--database", str(working))
    assert code == 0 and "nothing erased" in out


def test_forget_refuses_a_delivery_the_last_build_has_not_seen(tmp_path, built_warehouse, demo_dir):
    working = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, working)
    delivery = tmp_path / "late"
    delivery.mkdir()
    (delivery / "deletion_requests.csv").write_text(
        "customer_id,email,requested_at,regulation\nC9999999,,2026-09-01,gdpr\n", encoding="utf-8"
    )
    code, out = cli("ingest", str(delivery), "--database", str(working), "--append")
    assert code == 0, out
    raw_before = query(working, "select count(*) from raw.orders")
    code, out = cli("forget", "--database", str(working))
    assert code == 2 and "raw.deletion_requests" in out and "lifecycle build" in out
    assert query(working, "select count(*) from raw.orders") == raw_before
