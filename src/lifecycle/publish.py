"""Write-audit-publish: copy a validated build to the serving file and the export folder.

dbt writes the working file; BI tools and syncs read the serving copy. DuckDB lets one process
write a file, so a BI tool holding the working file would make `dbt build` fail and a build
would lock out every reader; with a serving copy neither blocks the other.

Publishing one build:

1. A temporary file beside the serving file gets the published schemas (marts, audiences,
   reference, semantic) as plain tables, with their table and column comments, plus schema
   `publish`: the build's id, time and dbt vars, row counts, warnings and validation results,
   and the history of earlier builds carried over from the previous serving file. It is written in DuckDB's
   storage version SERVING_STORAGE_VERSION, the oldest one the supported readers read (BI
   drivers and IDEs embed DuckDB 1.x, which cannot open DuckDB 2.0's own format).
2. A temporary restricted file (`restricted/contacts.duckdb`) gets schema restricted: the
   contact details and platform hashes that messaging and ads syncs need and BI users must not
   see. DuckDB has no grants, so the separation is a separate file with its own permissions
   (0600 in a 0700 folder when first created; an operator's later mode and group are kept).
3. Every published table is written as Parquet to `parquet/builds/<build_id>/<schema>/<table>`
   for tools that read files, and the audience exports to `exports/builds/<build_id>/`.
4. The temporary files are fsynced and `os.replace`d onto the serving and restricted files: a
   reader sees the old build or the new one, never a mix. A process that has the old file open
   keeps reading the old inode (Linux) until it reconnects.
5. The `parquet/current` and `exports/current` symlinks are replaced to point to the new build
   folders (the same atomic rename), and folders older than the last KEEP_EXPORT_BUILDS are
   removed. When the new build carries deletion requests, every older folder made with a
   different set of requests (or with no record of them) is removed too: it may hold the hashes
   or rows of someone now forgotten, who must be out of every export at the next build.

A failure or a kill before step 4 leaves the serving file and the `current` links as they were;
the leftover temporary files are removed by the next publish. Between the renames serving may be
one build ahead of the restricted file and the folders; each carries the build id.

Not published: raw, staging and intermediate (inputs and internals).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lifecycle import settings
from lifecycle.export import deletion_requests_fingerprint, export

# semantic: MetricFlow's time spine, so `lifecycle metrics` can query the serving copy
PUBLISHED_SCHEMAS = ("marts", "audiences", "reference", "semantic")
RESTRICTED_SCHEMAS = ("restricted",)
META_SCHEMA = "publish"
KEEP_EXPORT_BUILDS = 3
# DuckDB 1.0 and 1.1 write storage version 64 and every later 1.x and 2.x reads it, so this serves
# every DuckDB reader from 1.0 on; DuckDB 2.0's own default is refused by 1.x ("can only read
# versions between 64 and 68"). Raise it when the oldest reader to support is newer.
SERVING_STORAGE_VERSION = "v1.0.0"
RESTRICTED_MODE = 0o600


@dataclass
class PublishResult:
    """What one publish wrote."""

    build_id: str
    serving: Path
    exports: Path | None
    table_rows: dict[str, int] = field(default_factory=dict)
    previous_build_id: str | None = None
    exports_seconds: float = 0.0
    parquet: Path | None = None
    restricted: Path | None = None


def parquet_dir(serving: Path) -> Path:
    """Parquet copies of the published tables: parquet/ beside the serving file
    (parquet/current/<schema>/<table>.parquet is the latest build)."""
    return serving.parent / "parquet"


def restricted_path(serving: Path) -> Path:
    """The restricted serving file: restricted/contacts.duckdb beside the serving file."""
    return serving.parent / "restricted" / "contacts.duckdb"


def new_build_id(now: dt.datetime | None = None) -> str:
    """Sortable and unique: UTC time of the build plus a random suffix."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def previous_build(serving: Path) -> tuple[str | None, dict[str, int]]:
    """The build id and table row counts of the build currently served (None, {} when none)."""
    if not serving.exists():
        return None, {}
    try:
        con = duckdb.connect(str(serving), read_only=True)
    except duckdb.Error:
        return None, {}
    try:
        rows = con.execute(
            f"select build_id from {META_SCHEMA}.builds order by published_at desc limit 1"
        ).fetchall()
        if not rows:
            return None, {}
        build_id = rows[0][0]
        counts = con.execute(
            f"select table_schema || '.' || table_name, row_count from {META_SCHEMA}.table_row_counts"
            " where build_id = ?",
            [build_id],
        ).fetchall()
        return build_id, {relation: int(n) for relation, n in counts}
    except duckdb.Error:
        return None, {}
    finally:
        con.close()


def remove_stale_temporaries(serving: Path) -> list[Path]:
    """Delete temporary files that a killed publish left beside the serving (and restricted) file."""
    removed = []
    for final in (serving, restricted_path(serving)):
        if final.parent.exists():
            for path in final.parent.glob(f".{final.name}.*.tmp*"):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def _copy_published_schemas(
    con: duckdb.DuckDBPyConnection,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    target_catalog: str = "serving",
) -> dict[str, int]:
    """Copy every table and view of `schemas` from `working` to `target_catalog`."""
    placeholders = ", ".join("?" for _ in schemas)
    relations = con.execute(
        "select table_schema, table_name from information_schema.tables"
        f" where table_catalog = 'working' and table_schema in ({placeholders}) order by 1, 2",
        list(schemas),
    ).fetchall()
    counts: dict[str, int] = {}
    for schema in sorted({s for s, _ in relations}):
        con.execute(f"create schema {target_catalog}.{_quote(schema)}").fetchall()
    for schema, table in relations:
        target = f"{target_catalog}.{_quote(schema)}.{_quote(table)}"
        con.execute(
            f"create table {target} as select * from working.{_quote(schema)}.{_quote(table)}"
        ).fetchall()
        counts[f"{schema}.{table}"] = con.execute(f"select count(*) from {target}").fetchall()[0][0]
    # Comments are what dbt docs (persist_docs) put there; BI tools show them.
    for schema, table, comment in con.execute(
        f"select schema_name, table_name, comment from duckdb_tables() where database_name = 'working'"
        f" and schema_name in ({placeholders}) and comment is not null"
        " union all select schema_name, view_name, comment from duckdb_views()"
        f" where database_name = 'working' and schema_name in ({placeholders}) and comment is not null",
        [*schemas, *schemas],
    ).fetchall():
        con.execute(
            f"comment on table {target_catalog}.{_quote(schema)}.{_quote(table)} is {_literal(comment)}"
        ).fetchall()
    for schema, table, column, comment in con.execute(
        "select schema_name, table_name, column_name, comment from duckdb_columns()"
        f" where database_name = 'working' and schema_name in ({placeholders}) and comment is not null",
        list(schemas),
    ).fetchall():
        target = f"{target_catalog}.{_quote(schema)}.{_quote(table)}.{_quote(column)}"
        con.execute(f"comment on column {target} is {_literal(comment)}").fetchall()
    return counts


META_TABLES = {
    "builds": "build_id varchar, published_at timestamp, as_of_date date, working_database varchar,"
    " dbt_args varchar, expectations_evaluated bigint, tables_validated bigint, data_docs varchar,"
    " exports varchar, vars varchar",
    "table_row_counts": "build_id varchar, table_schema varchar, table_name varchar, row_count bigint",
    "warnings": "build_id varchar, kind varchar, subject varchar, message varchar",
    "quality_results": "build_id varchar, table_schema varchar, table_name varchar, table_rows bigint,"
    " validated_rows bigint, expectations bigint, failed bigint",
    "quarantine_counts": "build_id varchar, source_table varchar, quarantine_reason varchar,"
    " row_count bigint",
}
META_COMMENTS = {
    "builds": "One row per published build (history carried over from earlier serving copies);"
    " vars: the dbt vars it was built with (JSON, dbt_project.yml with its --vars applied).",
    "table_row_counts": "Rows of every published table per build.",
    "warnings": "Build warnings (source freshness, row-count anomalies, tables without a GX suite).",
    "quality_results": "Great Expectations results per table per build (failed is 0 for a published build).",
    "quarantine_counts": "Raw rows quarantined by staging, per source table and reason, per build.",
}


def _write_meta(
    con: duckdb.DuckDBPyConnection, previous: Path | None, build: dict, rows: dict[str, list[tuple]]
) -> None:
    con.execute(f"create schema serving.{META_SCHEMA}").fetchall()
    carried = False
    if previous is not None and previous.exists():
        try:
            con.execute(f"attach {_literal(str(previous))} as previous (read_only)").fetchall()
            carried = True
        except duckdb.Error:  # unreadable or another DuckDB version: start a new history
            carried = False
    for table, columns in META_TABLES.items():
        target = f"serving.{META_SCHEMA}.{table}"
        con.execute(f"create table {target} ({columns})").fetchall()
        con.execute(f"comment on table {target} is {_literal(META_COMMENTS[table])}").fetchall()
        if carried:
            try:
                con.execute(
                    f"insert into {target} by name select * from previous.{META_SCHEMA}.{table}"
                ).fetchall()
            except duckdb.Error:
                pass  # the previous copy predates this table
    if carried:
        con.execute("detach previous").fetchall()
    names = [c.split()[0] for c in META_TABLES["builds"].split(",")]
    values = [build.get(n) for n in names]
    con.execute(
        f"insert into serving.{META_SCHEMA}.builds values ({', '.join('?' for _ in names)})", values
    ).fetchall()
    for table, table_rows in rows.items():
        if table_rows:
            width = len(table_rows[0])
            con.executemany(
                f"insert into serving.{META_SCHEMA}.{table} values ({', '.join('?' for _ in range(width))})",
                table_rows,
            )


def _quarantine_counts(con: duckdb.DuckDBPyConnection, build_id: str) -> list[tuple]:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_catalog = 'working'"
        " and table_schema = 'staging' and table_name = 'quarantined_rows'"
    ).fetchall()[0][0]
    if not exists:
        return []
    return [
        (build_id, *row)
        for row in con.execute(
            "select source_table, quarantine_reason, count(*) from working.staging.quarantined_rows"
            " group by 1, 2 order by 1, 2"
        ).fetchall()
    ]


def _as_of_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    try:
        rows = con.execute("select as_of_date from working.intermediate.int_as_of_date").fetchall()
    except duckdb.Error:
        return None
    return rows[0][0] if len(rows) == 1 else None


def _publish_exports(working: Path, exports_dir: Path, build_id: str, dbt_vars: dict | None) -> Path:
    """Write this build's export files to builds/<build_id>/ (not yet current)."""
    folder = exports_dir / "builds" / build_id
    if folder.exists():
        shutil.rmtree(folder)
    export(working, folder, build_id=build_id, dbt_vars=dbt_vars)
    return folder


def _write_parquet(
    con: duckdb.DuckDBPyConnection, relations: list[str], folder: Path, build_id: str, fingerprint: dict
) -> None:
    """Every published table of the attached `serving` catalog as <folder>/<schema>/<table>.parquet,
    each written to a temporary name and renamed, then a manifest (rows, deletion requests)."""
    if folder.exists():
        shutil.rmtree(folder)
    files = []
    for relation in relations:
        schema, table = relation.split(".", 1)
        target = folder / schema / f"{table}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        con.execute(
            f"copy serving.{_quote(schema)}.{_quote(table)} to {_literal(str(temporary))} (format parquet)"
        ).fetchall()
        os.replace(temporary, target)
        files.append({"file": f"{schema}/{table}.parquet"})
    manifest = {"build_id": build_id, "deletion_requests": fingerprint, "files": files}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _grant_as_before(temporary: Path, final: Path) -> None:
    """The new restricted file gets the permissions and group of the file it replaces (an operator
    may have granted the sync's group), else owner-only."""
    try:
        before = final.stat()
    except OSError:
        temporary.chmod(RESTRICTED_MODE)
        return
    temporary.chmod(before.st_mode & 0o777)
    if temporary.stat().st_gid != before.st_gid:
        try:
            os.chown(temporary, -1, before.st_gid)
        except PermissionError:  # not a member of that group: the mode still holds
            pass


def _write_restricted(con: duckdb.DuckDBPyConnection, temporary: Path, build: dict) -> bool:
    """The restricted schemas of `working` into `temporary`; False when the working file has none."""
    placeholders = ", ".join("?" for _ in RESTRICTED_SCHEMAS)
    found = con.execute(
        "select count(*) from information_schema.tables"
        f" where table_catalog = 'working' and table_schema in ({placeholders})",
        list(RESTRICTED_SCHEMAS),
    ).fetchall()[0][0]
    if not found:
        return False
    if not temporary.parent.exists():
        temporary.parent.mkdir(parents=True)
        temporary.parent.chmod(0o700)  # a new folder: the owner only, until an operator grants more
    con.execute(
        f"attach {_literal(str(temporary))} as restricted_copy"
        f" (storage_version {_literal(SERVING_STORAGE_VERSION)})"
    ).fetchall()
    try:
        _copy_published_schemas(con, RESTRICTED_SCHEMAS, "restricted_copy")
        con.execute(f"create schema restricted_copy.{META_SCHEMA}").fetchall()
        con.execute(
            f"create table restricted_copy.{META_SCHEMA}.builds as select cast(? as varchar) as build_id,"
            " cast(? as timestamp) as published_at, cast(? as date) as as_of_date",
            [build["build_id"], build["published_at"], build["as_of_date"]],
        ).fetchall()
        con.execute(
            f"comment on table restricted_copy.{META_SCHEMA}.builds is {_literal(RESTRICTED_NOTE)}"
        ).fetchall()
    finally:
        con.execute("detach restricted_copy").fetchall()
    return True


RESTRICTED_NOTE = (
    "The build these contact details belong to. Restricted: raw email addresses, phone numbers and"
    " names for the messaging and ads syncs only; never give this file to BI users (README, Reverse ETL)."
)


def _deletion_requests(folder: Path) -> dict | None:
    """The deletion-request fingerprint an export folder's manifest records (None: no record)."""
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["deletion_requests"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _point_current(exports_dir: Path, folder: Path) -> Path:
    """Atomically repoint exports/current to `folder`; prune old build folders.

    Folders made without the new build's deletion requests go first, whatever their age: the
    fingerprint compares whole sets (requests are only ever added in practice), so any difference
    counts as a request the older folder may not honour, and a folder without a record counts too.
    Removing a folder too many only costs a rollback copy; keeping one too many keeps a forgotten
    person's hashes.
    """
    current = exports_dir / "current"
    temporary = exports_dir / f".current.{folder.name}.tmp"
    temporary.unlink(missing_ok=True)
    os.symlink(Path("builds") / folder.name, temporary)
    os.replace(temporary, current)
    _fsync(exports_dir)
    requests = _deletion_requests(folder)
    builds = sorted(p for p in (exports_dir / "builds").iterdir() if p.is_dir())
    older = [p for p in builds if p.name != folder.name]
    if requests is not None and requests["requests"] > 0:
        for old in older:
            if _deletion_requests(old) != requests:
                shutil.rmtree(old, ignore_errors=True)
        builds = sorted(p for p in (exports_dir / "builds").iterdir() if p.is_dir())
    for old in builds[:-KEEP_EXPORT_BUILDS]:
        if old.name != folder.name:
            shutil.rmtree(old, ignore_errors=True)
    return current


def publish(
    working: Path,
    serving: Path,
    build_id: str,
    *,
    exports_dir: Path | None = None,
    warnings: list | None = None,
    quality: object | None = None,
    dbt_args: list[str] | None = None,
    dbt_vars: dict | None = None,
    now: dt.datetime | None = None,
) -> PublishResult:
    """Publish the published schemas of `working` to `serving` (and the restricted file, the
    Parquet copies and the exports), atomically.

    `warnings` are health.BuildWarning and `quality` a validate.QualityReport; both are recorded
    in the serving file's `publish` schema so the summary and reports can show them, and so are
    `dbt_vars`, the build's effective dbt vars (lifecycle.settings), which label its numbers and
    the export manifest.
    """
    now = now or dt.datetime.now(dt.UTC)
    serving.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(serving)
    previous_id, _ = previous_build(serving)
    temporary = serving.with_name(f".{serving.name}.{build_id}.tmp")
    restricted = restricted_path(serving)
    restricted_temporary = restricted.with_name(f".{restricted.name}.{build_id}.tmp")
    tables_dir = parquet_dir(serving)
    result = PublishResult(build_id, serving, None, previous_build_id=previous_id)
    staged: list[Path] = []  # build folders written, removed again when the publish fails
    has_restricted = False
    try:
        con = duckdb.connect()
        try:
            con.execute(
                f"attach {_literal(str(temporary))} as serving"
                f" (storage_version {_literal(SERVING_STORAGE_VERSION)})"
            ).fetchall()
            con.execute(f"attach {_literal(str(working))} as working (read_only)").fetchall()
            result.table_rows = _copy_published_schemas(con)
            tables = getattr(quality, "tables", []) or []
            docs = getattr(quality, "docs_index", None)
            build = {
                "build_id": build_id,
                "published_at": now.replace(tzinfo=None),
                "as_of_date": _as_of_date(con),
                "working_database": str(working),
                "dbt_args": " ".join(dbt_args or []),
                "expectations_evaluated": sum(t.evaluated for t in tables),
                "tables_validated": len(tables),
                "data_docs": str(docs) if docs else None,
                "exports": str(exports_dir / "builds" / build_id) if exports_dir else None,
                "vars": settings.to_json(dbt_vars) if dbt_vars is not None else None,
            }
            rows = {
                "table_row_counts": [
                    (build_id, *relation.split(".", 1), n) for relation, n in result.table_rows.items()
                ],
                "warnings": [(build_id, w.kind, w.subject, w.message) for w in warnings or []],
                "quality_results": [
                    (
                        build_id,
                        *t.relation.split(".", 1),
                        t.rows,
                        t.sampled_rows if t.sampled_rows is not None else t.rows,
                        t.evaluated,
                        len(t.failures),
                    )
                    for t in tables
                ],
                "quarantine_counts": _quarantine_counts(con, build_id),
            }
            _write_meta(con, serving, build, rows)
            fingerprint = deletion_requests_fingerprint(con, catalog="working")
            staged.append(tables_dir / "builds" / build_id)
            _write_parquet(con, sorted(result.table_rows), staged[-1], build_id, fingerprint)
            has_restricted = _write_restricted(con, restricted_temporary, build)
            con.execute("detach working").fetchall()
            con.execute("detach serving").fetchall()  # checkpoints: no WAL left beside the file
        finally:
            con.close()
        if exports_dir is not None:
            staged.append(exports_dir / "builds" / build_id)
            started = time.monotonic()
            _publish_exports(working, exports_dir, build_id, dbt_vars)
            result.exports_seconds = time.monotonic() - started
        _fsync(temporary)
        if has_restricted:
            _grant_as_before(restricted_temporary, restricted)
            _fsync(restricted_temporary)
        os.replace(temporary, serving)
        _fsync(serving.parent)
        if has_restricted:
            os.replace(restricted_temporary, restricted)
            _fsync(restricted.parent)
            result.restricted = restricted
    except BaseException:
        for path in (temporary, restricted_temporary):
            path.unlink(missing_ok=True)
            Path(f"{path}.wal").unlink(missing_ok=True)
        for folder in staged:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    result.parquet = _point_current(tables_dir, staged[0])
    if exports_dir is not None:
        result.exports = _point_current(exports_dir, staged[1])
    return result
