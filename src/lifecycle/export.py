"""`lifecycle export`: audience files for reverse-ETL and ad-network uploads.

Every audience table is written as Parquet and CSV. An ads audience also gets an upload CSV per
ad platform it targets, with that platform's own normalized SHA-256 hashes (from
restricted.int_audience_contacts): the Google Customer Match file holds only its members whose
channel is google_ads and the Meta Custom Audiences file only those whose channel is meta_ads,
because each audience's consent rule is checked for its own channel (a google_ads member has not
been checked against Meta's rule, nor the other way round). A platform with no such member gets
no file. Each file is written to a temporary name and renamed, so a reader never sees a
half-written file; a manifest lists rows, columns and checksums, the as-of date and the dbt vars
of the build.

Rows are written in key order ((audience, customer_key)), so rebuilding the same data writes the
same bytes: the checksums in the manifest change only when a file's content does.

The files carry hashes only. A messaging sync (email, SMS) that needs the addresses themselves
reads them from the restricted serving file (publish.py: `restricted/contacts.duckdb` beside
the serving copy, table restricted.customer_contacts, joined on customer_key); the manifest says
so under `contact_details`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import duckdb

from lifecycle import settings

GOOGLE_COLUMNS = {
    "Email": "google_email_sha256",
    "Phone": "google_phone_sha256",
    "First Name": "google_first_name_sha256",
    "Last Name": "google_last_name_sha256",
    "Country": "google_country",
    "Zip": "google_zip",
}
META_COLUMNS = {
    "EMAIL": "meta_email_sha256",
    "PHONE": "meta_phone_sha256",
    "FN": "meta_first_name_sha256",
    "LN": "meta_last_name_sha256",
    "CT": "meta_city_sha256",
    "ST": "meta_state_sha256",
    "ZIP": "meta_zip_sha256",
    "COUNTRY": "meta_country_sha256",
    "EXTERN_ID": "customer_id",
}
# ad platform -> (audience channel whose members its upload file holds, file columns)
ADS_UPLOADS = {"google": ("google_ads", GOOGLE_COLUMNS), "meta": ("meta_ads", META_COLUMNS)}
META_MIN_AUDIENCE = 100  # Meta advises against custom audiences smaller than this
# The order every audience file is written in: its key, so identical data gives identical bytes.
KEY_ORDER = "audience, customer_key"
CONTACT_DETAILS_NOTE = (
    "These files carry SHA-256 hashes only. A messaging sync that needs the email addresses and"
    " phone numbers reads restricted.customer_contacts (joined on customer_key) from the restricted"
    " serving file, restricted/contacts.duckdb beside the serving copy: grant it to that sync's"
    " account only (see README, Reverse ETL)."
)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write_atomically(con: duckdb.DuckDBPyConnection, sql: str, target: Path, options: str) -> dict:
    temporary = target.with_name(f".{target.name}.tmp")
    con.execute(f"copy ({sql}) to {_quote(str(temporary))} ({options})")
    digest = hashlib.sha256(temporary.read_bytes()).hexdigest()
    os.replace(temporary, target)
    rows = con.execute(f"select count(*) from ({sql})").fetchall()[0][0]
    columns = [c[0] for c in con.execute(f"describe ({sql})").fetchall()]
    return {"file": target.name, "rows": rows, "columns": columns, "sha256": digest}


def _as_of_date(con: duckdb.DuckDBPyConnection) -> str | None:
    exists = con.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'intermediate' and table_name = 'int_as_of_date'"
    ).fetchall()[0][0]
    if not exists:
        return None
    rows = con.execute("select as_of_date from intermediate.int_as_of_date").fetchall()
    return str(rows[0][0]) if len(rows) == 1 and rows[0][0] is not None else None


def json_safe(value: Any) -> Any:
    """A value for JSON (vars in manifests): dates and other YAML scalars as text, containers kept."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def deletion_requests_fingerprint(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> dict:
    """How many staged deletion requests the database holds and a SHA-256 of the sorted set.

    Recorded in each manifest so that publishing can tell whether an older export folder was
    made before a deletion request it does not honour (publish._point_current). The digest is of
    the whole set, so it names nobody. A database without staging (a hand-made warehouse) has none.
    `catalog` names the attached database to read when `con` has several.
    """
    where_catalog = f" and table_catalog = {_quote(catalog)}" if catalog else ""
    prefix = f'"{catalog}".' if catalog else ""
    exists = con.execute(
        "select count(*) from information_schema.tables"
        f" where table_schema = 'staging' and table_name = 'stg_raw__deletion_requests'{where_catalog}"
    ).fetchall()[0][0]
    rows = []
    if exists:
        rows = con.execute(
            "select coalesce(customer_id, ''), coalesce(email, ''),"
            f" coalesce(cast(requested_at as varchar), '') from {prefix}staging.stg_raw__deletion_requests"
        ).fetchall()
    digest = hashlib.sha256("\n".join(sorted("|".join(row) for row in rows)).encode()).hexdigest()
    return {"requests": len(rows), "sha256": digest}


def export(
    database: Path,
    out_dir: Path,
    build_id: str | None = None,
    *,
    dbt_vars: dict[str, Any] | None = None,
) -> dict:
    """Write every audience to `out_dir`; return the manifest (also written as manifest.json).
    `build_id` names the published build the files belong to (`lifecycle build`); `dbt_vars` are
    the dbt vars it was built with (reporting currency, horizons: what the files' numbers mean),
    recorded in the manifest (default: those stored in `database`, lifecycle.settings)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), read_only=True)
    try:
        audiences = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'audiences'"
                " and table_name like 'audience\\_%' escape '\\' and table_name not like '%history'"
                " order by 1"
            ).fetchall()
        ]
        files = []
        notes = []
        for table in audiences:
            relation = f"audiences.{table}"
            select_all = f"select * from {relation} order by {KEY_ORDER}"
            files.append(_write_atomically(con, select_all, out_dir / f"{table}.parquet", "format parquet"))
            files.append(
                _write_atomically(con, select_all, out_dir / f"{table}.csv", "format csv, header true")
            )
            if table == "audience_memberships":
                continue
            channels = {r[0] for r in con.execute(f"select distinct channel from {relation}").fetchall()}
            for platform, (channel, columns) in ADS_UPLOADS.items():
                if channel not in channels:
                    continue
                select = ", ".join(
                    f"contacts.{source} as {_quote(header).replace(chr(39), chr(34))}"
                    for header, source in columns.items()
                )
                sql = (
                    f"select {select} from {relation} as members"
                    " inner join restricted.int_audience_contacts as contacts"
                    " on members.customer_key = contacts.customer_key"
                    f" where members.channel = {_quote(channel)}"
                    f" order by members.audience, members.customer_key"
                )
                entry = _write_atomically(
                    con, sql, out_dir / f"{table}__{platform}_upload.csv", "format csv, header true"
                )
                files.append(entry)
                if platform == "meta" and entry["rows"] < META_MIN_AUDIENCE:
                    notes.append(
                        f"{entry['file']}: {entry['rows']} people; Meta advises against custom audiences"
                        f" under {META_MIN_AUDIENCE} (too small to deliver or to seed lookalikes)"
                    )
        # no path of the build machine here: the manifest travels with the files
        manifest = {
            "build_id": build_id,
            "written_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "as_of_date": _as_of_date(con),
            "vars": json_safe(dbt_vars if dbt_vars is not None else settings.build_vars(con)),
            "deletion_requests": deletion_requests_fingerprint(con),
            "files": files,
            "notes": notes,
            "contact_details": CONTACT_DETAILS_NOTE,
        }
        temporary = out_dir / ".manifest.json.tmp"
        temporary.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, out_dir / "manifest.json")
        return manifest
    finally:
        con.close()
