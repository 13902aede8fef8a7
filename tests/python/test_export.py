"""`lifecycle export` on a small hand-made warehouse (no dbt): which ad-platform upload files an
audience gets and who is in them. Each platform's file may only hold members whose channel is
that platform, because only that channel's consent rule was checked for them."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from lifecycle.export import export

CONTACT_COLUMNS = [
    "google_email_sha256",
    "google_phone_sha256",
    "google_first_name_sha256",
    "google_last_name_sha256",
    "google_country",
    "google_zip",
    "meta_email_sha256",
    "meta_phone_sha256",
    "meta_first_name_sha256",
    "meta_last_name_sha256",
    "meta_city_sha256",
    "meta_state_sha256",
    "meta_zip_sha256",
    "meta_country_sha256",
]

# audience table -> (customer_key, channel) of its members
AUDIENCES = {
    "audience_vip_loyal": [("k1", "google_ads"), ("k2", "google_ads")],
    "audience_lookalike_seed": [("k3", "meta_ads")],
    "audience_mixed": [("k1", "google_ads"), ("k3", "meta_ads"), ("k4", "email")],
    "audience_cart_abandoners": [("k4", "email")],
}


def make_warehouse(path: Path) -> Path:
    """Audiences with the channels above and a contact row per person; every hash value names
    its person and platform (`google-email-k1`), so a file shows whose rows it holds."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema audiences").fetchall()
        con.execute("create schema restricted").fetchall()
        columns = ", ".join(f"'{c.split('_')[0]}-{c.split('_')[1]}-' || k as {c}" for c in CONTACT_COLUMNS)
        con.execute(
            "create table restricted.int_audience_contacts as"
            f" select k as customer_key, 'c-' || k as customer_id, {columns}"
            " from (values ('k1'), ('k2'), ('k3'), ('k4')) t(k)"
        ).fetchall()
        for table, members in AUDIENCES.items():
            values = ", ".join(f"('{key}', 'c-{key}', '{channel}')" for key, channel in members)
            con.execute(
                f"create table audiences.{table} as select '{table}' as audience, customer_key, customer_id,"
                f" channel from (values {values}) t(customer_key, customer_id, channel)"
            ).fetchall()
        # the union in an order that is not the key's, as a parallel dbt build may leave it
        con.execute(
            "create table audiences.audience_memberships as "
            + " union all ".join(f"select * from audiences.{t}" for t in reversed(AUDIENCES))
            + " order by customer_key desc"
        ).fetchall()
        con.execute("create schema intermediate").fetchall()
        con.execute(
            "create table intermediate.int_as_of_date as"
            " select date '2026-09-30' as as_of_date, timestamp '2026-10-01' as as_of_at"
        ).fetchall()
    finally:
        con.close()
    return path


GOOGLE_HEADERS = ("Email", "Phone", "First Name", "Last Name", "Country", "Zip")


def rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def exported(tmp_path) -> tuple[Path, dict]:
    database = make_warehouse(tmp_path / "warehouse.duckdb")
    out = tmp_path / "exports"
    return out, export(database, out)


def test_a_google_ads_audience_gets_a_google_file_and_no_meta_file(exported):
    out, manifest = exported
    names = {f["file"] for f in manifest["files"]}
    assert "audience_vip_loyal__google_upload.csv" in names
    assert "audience_vip_loyal__meta_upload.csv" not in names
    assert not (out / "audience_vip_loyal__meta_upload.csv").exists()
    google = out / "audience_vip_loyal__google_upload.csv"
    assert google.read_text().splitlines()[0] == "Email,Phone,First Name,Last Name,Country,Zip"
    assert [r["Email"] for r in rows(google)] == [
        "google-email-k1",
        "google-email-k2",
    ]


def test_a_meta_ads_audience_gets_a_meta_file_and_no_google_file(exported):
    out, manifest = exported
    names = {f["file"] for f in manifest["files"]}
    assert "audience_lookalike_seed__google_upload.csv" not in names
    meta = out / "audience_lookalike_seed__meta_upload.csv"
    assert meta.read_text().splitlines()[0] == "EMAIL,PHONE,FN,LN,CT,ST,ZIP,COUNTRY,EXTERN_ID"
    assert [(r["EMAIL"], r["EXTERN_ID"]) for r in rows(meta)] == [("meta-email-k3", "c-k3")]
    # Meta's small-audience advice is noted for the file that exists
    assert any(n.startswith("audience_lookalike_seed__meta_upload.csv: 1 people") for n in manifest["notes"])


def test_each_platform_file_holds_only_that_platform_s_members(exported):
    out, manifest = exported
    google = rows(out / "audience_mixed__google_upload.csv")
    meta = rows(out / "audience_mixed__meta_upload.csv")
    assert [r["Email"] for r in google] == ["google-email-k1"]
    assert [r["EMAIL"] for r in meta] == ["meta-email-k3"]
    counts = {f["file"]: f["rows"] for f in manifest["files"]}
    assert counts["audience_mixed__google_upload.csv"] == 1
    assert counts["audience_mixed__meta_upload.csv"] == 1


def test_messaging_audiences_and_memberships_get_no_upload_files(exported):
    out, manifest = exported
    uploads = sorted(f["file"] for f in manifest["files"] if "_upload" in f["file"])
    assert uploads == [
        "audience_lookalike_seed__meta_upload.csv",
        "audience_mixed__google_upload.csv",
        "audience_mixed__meta_upload.csv",
        "audience_vip_loyal__google_upload.csv",
    ]
    assert sorted(p.name for p in out.glob("*_upload.csv")) == uploads


def test_memberships_are_written_in_key_order(exported):
    out, _ = exported
    keys = [(r["audience"], r["customer_key"]) for r in rows(out / "audience_memberships.csv")]
    assert keys == sorted(keys) and len(keys) == 7


def test_the_same_warehouse_exports_the_same_bytes(tmp_path):
    database = make_warehouse(tmp_path / "warehouse.duckdb")
    first = export(database, tmp_path / "a", build_id="b1", dbt_vars={"as_of_date": None})
    second = export(database, tmp_path / "b", build_id="b2", dbt_vars={"as_of_date": None})
    assert [(f["file"], f["sha256"]) for f in first["files"]] == [
        (f["file"], f["sha256"]) for f in second["files"]
    ]
    for name in (f["file"] for f in first["files"]):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    volatile = {"build_id", "written_at"}
    assert {k: v for k, v in first.items() if k not in volatile} == {
        k: v for k, v in second.items() if k not in volatile
    }


def test_the_manifest_says_as_of_when_which_columns_and_which_vars_and_not_where(tmp_path):
    database = make_warehouse(tmp_path / "warehouse.duckdb")
    variables = {"reporting_currency": "EUR", "as_of_date": None}
    manifest = export(database, tmp_path / "out", build_id="b1", dbt_vars=variables)
    assert manifest["as_of_date"] == "2026-09-30"
    assert manifest["vars"] == variables
    columns = {f["file"]: f["columns"] for f in manifest["files"]}
    assert columns["audience_vip_loyal.csv"] == ["audience", "customer_key", "customer_id", "channel"]
    assert columns["audience_vip_loyal__google_upload.csv"] == list(GOOGLE_HEADERS)
    text = (tmp_path / "out" / "manifest.json").read_text()
    assert str(tmp_path) not in text and "database" not in manifest  # no path of the build machine
    # where a messaging sync finds the contact details the hashed files do not carry
    assert "restricted" in manifest["contact_details"]


def test_vars_default_to_the_build_s_own_record_hook(tmp_path):
    database = make_warehouse(tmp_path / "warehouse.duckdb")
    manifest = export(database, tmp_path / "out")
    assert "vars" in manifest  # None until the build records its effective vars (export.build_vars)
