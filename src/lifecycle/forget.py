"""`lifecycle forget`: erase the persons with a deletion request from the working file for good.

From a deletion request to the next build, a person is left out of everything a user or a sync
reads (marts, audiences, restricted, exports, the serving copy) and of the intermediate models
after identity. Raw still holds the delivery: the request has to be resolved to the person
(through the identity graph), and a later delivery has to be recognised. `forget` ends that:

1. It reads the last build: the persons of `intermediate.int_deleted_customer_keys`, every
   identifier the identity graph gave them (customer ids, emails, phones, anonymous and device
   ids) and their orders (`intermediate.int_orders_resolved`). It refuses when raw holds rows the
   last build did not stage (build first), so nobody is missed.
2. It finds their rows in every raw table through the staging base tables, which hold every raw
   row (staged or quarantined) with its identifiers cleaned as staging matches them, and deletes
   them from raw, with the deletion requests that named them, in one transaction.
3. It writes an audit record per person and table to `raw._erasure_log`: when, how many rows, and
   the person's key and identifiers as SHA-256 digests of a prefixed text (never the plain
   SHA-256 an ad platform matches on), so a later question "was X forgotten?" can be answered.
4. It drops the schemas staging and intermediate (every relation in them is rebuilt from raw by
   the next build; the incremental ones start again from raw, so no copy of a purged row
   survives in them), removes the Great Expectations results of the last build and the export
   folders kept for rollback (they may hold the person's hashes). The next `lifecycle build`
   publishes a serving copy and exports without them.

The request itself is deleted with the person's rows: after `forget` the warehouse holds nothing
that names them. A later delivery that carries the person again (a source system that did not
delete them) makes them a new person, until their deletion request is delivered again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lifecycle import paths
from lifecycle.contract import load_contract
from lifecycle.locks import WarehouseLocked, lock_message

ERASURE_LOG = "raw._erasure_log"
DIGEST_PREFIX = "lifecycle-erasure:"
# Identifier columns of each raw table as the staging base table cleans them, by identifier type
# (order_id: the person's orders; order lines follow their order).
MATCHED_COLUMNS: dict[str, dict[str, list[str]]] = {
    "orders": {
        "order_id": ["order_id"],
        "customer_id": ["customer_id"],
        "email": ["email"],
        "anonymous_id": ["anonymous_id"],
    },
    "order_items": {"order_id": ["order_id"]},
    "customers": {"customer_id": ["customer_id"], "email": ["email"]},
    "events": {
        "customer_id": ["user_id"],
        "email": ["email"],
        "anonymous_id": ["anonymous_id"],
        "device_id": ["device_id"],
    },
    "message_events": {"customer_id": ["customer_id"]},
    "consents": {"customer_id": ["customer_id"]},
    # guest_email: the email of a guest order that was its own person (a placeholder address):
    # only the request naming it goes, never other guests' rows with the same placeholder
    "deletion_requests": {"customer_id": ["customer_id"], "email": ["email"], "guest_email": ["email"]},
    "survey_responses": {"customer_id": ["customer_id"]},
    "referrals": {
        "customer_id": ["referrer_customer_id", "referred_customer_id"],
        "email": ["referred_email"],
    },
    "loyalty_transactions": {"customer_id": ["customer_id"]},
}
REBUILT_SCHEMAS = ("staging", "intermediate")


class ForgetError(Exception):
    """The working file is not ready for `forget` (no build, or deliveries the build has not seen)."""


@dataclass
class ForgetReport:
    """What one `forget` erased."""

    erasure_id: str
    erased_at: dt.datetime
    persons: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    removed_exports: list[Path] = field(default_factory=list)

    def format(self) -> str:
        if not self.persons:
            return "forget: no person with a deletion request in the last build; nothing erased"
        lines = [
            f"forget {self.erasure_id}: erased {self.persons:,} person(s) with a deletion request,"
            f" {sum(self.rows.values()):,} raw rows (audit record in {ERASURE_LOG}, identifiers hashed)"
        ]
        lines += [f"  raw.{table:<22}{n:>10,} rows" for table, n in self.rows.items() if n]
        if self.removed_exports:
            lines.append(f"  removed {len(self.removed_exports)} export folder(s) kept for rollback")
        lines.append(
            "  staging and intermediate were dropped: run `lifecycle build` now; it rebuilds them from"
            " raw (in full) and publishes a serving copy and exports without these persons"
        )
        return "\n".join(lines)


def digest(text: str) -> str:
    """SHA-256 of a prefixed text: answers "was X forgotten?" without being the hash an ad
    platform matches on."""
    return hashlib.sha256((DIGEST_PREFIX + text).encode("utf-8")).hexdigest()


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return con.execute(sql, [schema, table]).fetchall()[0][0] > 0


def _check_built(con: duckdb.DuckDBPyConnection) -> None:
    """Raise ForgetError unless the last build staged every raw row."""
    if not _exists(con, "intermediate", "int_deleted_customer_keys"):
        raise ForgetError(
            "no build found in this working file (intermediate.int_deleted_customer_keys is missing):"
            " run `lifecycle build` first, so the deletion requests are resolved to persons"
        )
    for table in load_contract():
        if not _exists(con, "raw", table):
            continue
        raw_rows = con.execute(f'select count(*) from raw."{table}"').fetchall()[0][0]
        built = (
            con.execute(f'select count(*) from staging."base_raw__{table}"').fetchall()[0][0]
            if _exists(con, "staging", f"base_raw__{table}")
            else 0
        )
        if raw_rows != built:
            raise ForgetError(
                f"raw.{table} holds {raw_rows:,} rows but the last build staged {built:,}: run"
                " `lifecycle build` first, so every delivery's deletion requests and rows are seen"
            )


def _persons(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, set[str]]]:
    """customer_key -> identifier type -> values, for every person with a deletion request."""
    persons: dict[str, dict[str, set[str]]] = {}
    for key, id_type, value in con.execute(
        """
        select deleted.customer_key, nodes.id_type, nodes.id_value
        from intermediate.int_deleted_customer_keys as deleted
        inner join intermediate.int_identity_graph as graph on graph.customer_key = deleted.customer_key
        inner join intermediate.int_identity_nodes as nodes on nodes.node = graph.node
        union all
        select deleted.customer_key, 'order_id', orders.order_id
        from intermediate.int_deleted_customer_keys as deleted
        inner join intermediate.int_orders_resolved as orders on orders.customer_key = deleted.customer_key
        union all
        select deleted.customer_key, 'guest_email', orders.email
        from intermediate.int_deleted_customer_keys as deleted
        inner join intermediate.int_orders_resolved as orders on orders.customer_key = deleted.customer_key
        where orders.resolved_by = 'order_id' and orders.email is not null
        """
    ).fetchall():
        persons.setdefault(key, {}).setdefault(id_type, set()).add(value)
    keys = con.execute("select customer_key from intermediate.int_deleted_customer_keys").fetchall()
    for (key,) in keys:
        persons.setdefault(key, {})
    return persons


def _predicate(table: str, identifiers: dict[str, set[str]], params: list) -> str:
    """SQL over staging.base_raw__<table> matching the rows of these identifiers (params filled)."""
    clauses = []
    for id_type, columns in MATCHED_COLUMNS[table].items():
        values = sorted(identifiers.get(id_type, ()))
        if not values:
            continue
        for column in columns:
            clauses.append(f'"{column}" in ({", ".join("?" for _ in values)})')
            params.extend(values)
    return " or ".join(clauses) or "false"


def forget(working: Path, serving: Path | None = None, *, now: dt.datetime | None = None) -> ForgetReport:
    """Erase every person with a deletion request in the last build from `working` (see the
    module docstring). Raises ForgetError or WarehouseLocked; on any failure raw is unchanged."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    report = ForgetReport(erasure_id=str(uuid.uuid4()), erased_at=now)
    if not working.exists():
        raise ForgetError(f"{working} does not exist")
    try:
        con = duckdb.connect(str(working), config=paths.duckdb_config(working))
    except duckdb.Error as err:
        message = lock_message(working, err)
        if message is None:
            raise
        raise WarehouseLocked(message) from None
    try:
        _check_built(con)
        persons = _persons(con)
        report.persons = len(persons)
        if not persons:
            return report
        con.execute("begin transaction").fetchall()
        try:
            con.execute(
                f"create table if not exists {ERASURE_LOG} (erasure_id varchar, erased_at timestamp,"
                " person_sha256 varchar, identifiers_sha256 varchar[], table_name varchar,"
                " rows_purged bigint)"
            ).fetchall()
            for key, identifiers in sorted(persons.items()):
                hashed = sorted(digest(f"{t}:{v}") for t, values in identifiers.items() for v in values)
                for table in MATCHED_COLUMNS:
                    if not _exists(con, "raw", table):
                        continue
                    params: list = []
                    where = _predicate(table, identifiers, params)
                    purged = con.execute(
                        f'delete from raw."{table}" where _raw_row_id in'
                        f' (select _raw_row_id from staging."base_raw__{table}" where {where})',
                        params,
                    ).fetchall()[0][0]
                    report.rows[table] = report.rows.get(table, 0) + purged
                    con.execute(
                        f"insert into {ERASURE_LOG} values (?, ?, ?, ?, ?, ?)",
                        [report.erasure_id, now, digest(f"customer_key:{key}"), hashed, table, purged],
                    ).fetchall()
            # everything built from raw goes: the next build makes it again without the persons
            for schema in REBUILT_SCHEMAS:
                con.execute(f"drop schema if exists {schema} cascade").fetchall()
            con.execute("commit").fetchall()
        except BaseException:
            con.execute("rollback").fetchall()
            raise
        con.execute("checkpoint").fetchall()
    finally:
        con.close()
    shutil.rmtree(paths.quality_dir(working), ignore_errors=True)
    report.removed_exports = _remove_rollback_exports(serving or paths.serving_path(working))
    return report


def _remove_rollback_exports(serving: Path) -> list[Path]:
    """Remove the export folders other than the one `current` points to: made before the
    deletion requests were seen, they may hold a forgotten person's hashes."""
    exports = paths.published_exports_dir(serving)
    builds = exports / "builds"
    if not builds.is_dir():
        return []
    current = (exports / "current").resolve() if (exports / "current").exists() else None
    removed = []
    for folder in sorted(p for p in builds.iterdir() if p.is_dir()):
        if current is None or folder.resolve() != current:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
