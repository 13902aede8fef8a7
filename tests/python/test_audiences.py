"""Audiences on generated data: non-empty, correctly hashed, consent-respecting, and free of
anyone with a deletion request, in the warehouse and in the export files."""

from __future__ import annotations

import hashlib

import pytest
from conftest import query, read_csv_rows

from lifecycle.export import export

pytestmark = pytest.mark.e2e

AUDIENCES = [
    "cart_abandoners",
    "browse_abandoners",
    "new_customer_onboarding",
    "repeat_purchase_nudge",
    "vip_loyal",
    "vip_loyal_meta",
    "churn_risk_high_value",
    "winback_lapsed",
    "loyalty_anniversary_next_7_days",
    "referral_candidates",
]


def test_every_audience_is_non_empty(built_warehouse):
    for name in AUDIENCES:
        assert query(built_warehouse, f"select count(*) from audiences.audience_{name}")[0][0] > 0, name


def test_email_hashes_are_sha256_of_the_normalized_raw_email(built_warehouse):
    rows = query(
        built_warehouse,
        "select m.email_sha256, c.email from audiences.audience_memberships m"
        " join raw.customers c on c.customer_id = m.customer_id where m.email_sha256 is not null",
    )
    assert rows
    for digest, raw_email in rows:
        assert digest == hashlib.sha256(raw_email.strip().lower().encode()).hexdigest()


@pytest.fixture(scope="module")
def deleted_identifiers(built_warehouse, demo_dir) -> set[str]:
    persons = read_csv_rows(demo_dir / "_truth" / "persons.csv")
    deleted = {p["person_id"] for p in persons if p["has_deletion_request"] == "true"}
    assert deleted, "the generator made no deletion requests"
    values = {
        i["id_value"]
        for i in read_csv_rows(demo_dir / "_truth" / "identifiers.csv")
        if i["person_id"] in deleted
    }
    hashes = {hashlib.sha256(v.strip().lower().encode()).hexdigest() for v in values}
    phones = query(
        built_warehouse,
        "select phone_e164 from staging.stg_raw__customers where phone_e164 is not null and customer_id in"
        " (select customer_id from staging.stg_raw__deletion_requests)",
    )
    for (phone,) in phones:
        values.add(phone)
        hashes.add(hashlib.sha256(phone.encode()).hexdigest())
        hashes.add(hashlib.sha256(phone.lstrip("+").encode()).hexdigest())
    return values | hashes


def test_no_deleted_person_downstream_of_staging(built_warehouse, deleted_identifiers):
    tables = query(
        built_warehouse,
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema in ('marts', 'audiences', 'restricted') and data_type = 'VARCHAR'",
    )
    assert tables
    literal = ", ".join("'" + v.replace("'", "''") + "'" for v in deleted_identifiers)
    for schema, table, column in tables:
        hits = query(
            built_warehouse, f'select count(*) from {schema}.{table} where "{column}" in ({literal})'
        )[0][0]
        assert hits == 0, f"{schema}.{table}.{column} holds {hits} deleted identifiers"


def test_exports_are_complete_and_free_of_deleted_people(built_warehouse, deleted_identifiers, tmp_path):
    manifest = export(built_warehouse, tmp_path)
    names = {f["file"] for f in manifest["files"]}
    for name in AUDIENCES:
        assert f"audience_{name}.parquet" in names and f"audience_{name}.csv" in names
    # the VIP / lookalike seed goes to both ad platforms, each list in its own upload file with
    # that platform's headers and hashes
    assert "audience_vip_loyal__google_upload.csv" in names
    assert "audience_vip_loyal_meta__meta_upload.csv" in names
    header = (tmp_path / "audience_vip_loyal__google_upload.csv").read_text().splitlines()[0]
    assert header == "Email,Phone,First Name,Last Name,Country,Zip"
    meta = read_csv_rows(tmp_path / "audience_vip_loyal_meta__meta_upload.csv")
    assert list(meta[0]) == ["EMAIL", "PHONE", "FN", "LN", "CT", "ST", "ZIP", "COUNTRY", "EXTERN_ID"]
    # Meta's hashes (a Meta phone hash is of the digits without +), keyed by the source customer_id
    members = dict(
        query(
            built_warehouse,
            "select m.customer_id, c.meta_phone_sha256 from audiences.audience_vip_loyal_meta m"
            " join restricted.int_audience_contacts c using (customer_key)",
        )
    )
    assert {r["EXTERN_ID"] for r in meta} == set(members)
    assert all(r["PHONE"] == (members[r["EXTERN_ID"]] or "") for r in meta)
    rows = {f["file"]: f["rows"] for f in manifest["files"]}
    small = [n for n in manifest["notes"] if n.startswith("audience_vip_loyal_meta__meta_upload.csv")]
    assert bool(small) == (rows["audience_vip_loyal_meta__meta_upload.csv"] < 100)

    for entry in manifest["files"]:
        path = tmp_path / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        if path.suffix == ".csv":
            text = path.read_text(encoding="utf-8")
            assert not any(v in text for v in deleted_identifiers if len(v) > 6), entry["file"]
    assert not list(tmp_path.glob(".*.tmp"))


ADS_CONSENTS = """
with latest as (
    select customer_id, purpose, consent_status, row_number() over (
        partition by customer_id, purpose
        order by recorded_at desc, case when consent_status = 'revoked' then 0 else 1 end
    ) as n
    from staging.stg_raw__consents
    where channel = 'ads' and recorded_at < (select as_of_at from intermediate.int_as_of_date)
)
select customer_id, purpose, consent_status from latest where n = 1
"""


def consent(purpose: str, status: str) -> str:
    return (
        f"exists (select 1 from ads where ads.customer_id = members.customer_id"
        f" and ads.purpose = '{purpose}' and ads.consent_status = '{status}')"
    )


def test_ads_audiences_hold_only_people_their_platform_may_target(built_warehouse):
    """Google: ad_user_data and ad_personalization granted, no sale/sharing opt-out; Meta: no
    sale/sharing opt-out. Read from the staged consents (latest change per purpose), not from
    the reachability model the audiences are built on."""
    google = consent("ad_user_data", "granted") + " and " + consent("ad_personalization", "granted")
    opted_out = consent("sale_or_sharing", "revoked")

    def count(audience: str, where: str) -> int:
        return query(
            built_warehouse,
            f"with ads as ({ADS_CONSENTS}) select count(*) from audiences.audience_{audience} as members"
            f" where {where}",
        )[0][0]

    assert count("vip_loyal", "true") > 0 and count("vip_loyal_meta", "true") > 0
    assert count("vip_loyal", f"not ({google}) or {opted_out}") == 0
    assert count("vip_loyal_meta", opted_out) == 0
    # Meta does not ask for Google's two consents: its list holds VIPs the Google list cannot
    assert count("vip_loyal_meta", f"not ({google})") > 0
