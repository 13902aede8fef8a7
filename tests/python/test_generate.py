"""`lifecycle generate`: deterministic, complete, and honest about the defects it injects."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lifecycle.contract import load_contract
from lifecycle.generate import generate


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("g")
    generate(out, customers=600, months=12, seed=3, progress=False)
    return out


def test_same_seed_same_bytes_other_seed_other_bytes(shop, tmp_path):
    again = tmp_path / "again"
    generate(again, customers=600, months=12, seed=3, progress=False)
    assert digest(again) == digest(shop)
    other = tmp_path / "other"
    generate(other, customers=600, months=12, seed=4, progress=False)
    assert digest(other)["orders.csv"] != digest(shop)["orders.csv"]


def test_every_contract_table_with_the_contract_header(shop):
    for name, table in load_contract().items():
        with (shop / f"{name}.csv").open(encoding="utf-8") as f:
            assert next(csv.reader(f)) == table.column_names, name


def test_each_listed_bad_row_really_has_its_defect(shop):
    bad = read(shop / "_truth" / "bad_rows.csv")
    reasons = {b["reason"] for b in bad}
    assert reasons >= {
        "null_key",
        "unparseable_timestamp",
        "future_timestamp",
        "negative_amount",
        "unknown_currency",
        "malformed_email",
        "unparseable_number",
        "duplicate",
    }
    tables = {name: read(shop / f"{name}.csv") for name in load_contract()}
    keys = {t.name: t.column_names[0] for t in load_contract().values()}
    for b in bad:
        rows = tables[b["table"]]
        row = rows[int(b["row_number"]) - 1]
        reason = b["reason"]
        if reason == "null_key":
            assert "" in {row[c] for c in load_contract()[b["table"]].required_columns}, b
        elif reason == "duplicate":
            assert row in rows[: int(b["row_number"]) - 1], b
        elif reason == "negative_amount":
            assert float(row["total_amount"]) < 0 and row["status"] == "completed", b
        elif reason == "unknown_currency":
            assert row["currency"] in {"XXX", "ZZZ", "ABC"}, b
        elif reason == "future_timestamp":
            assert any(v[:4].isdigit() and v[:4] >= "2031" for v in row.values() if v), b
        elif reason == "malformed_email":
            assert (
                "@" not in row["email"]
                or row["email"].count("@") > 1
                or " " in row["email"]
                or "." not in row["email"].split("@")[1]
            ), b
        else:
            assert row[keys[b["table"]]] is not None, b


def test_no_bad_rows_when_share_is_zero(tmp_path):
    generate(tmp_path, customers=300, months=6, seed=1, bad_row_share=0, progress=False)
    assert read(tmp_path / "_truth" / "bad_rows.csv") == []


def test_content_carries_what_models_need(shop):
    customers = read(shop / "customers.csv")
    names = " ".join(c["first_name"] + c["last_name"] for c in customers)
    assert any("\u0400" <= ch <= "\u04ff" for ch in names), "no Cyrillic names"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in names), "no Chinese names"
    assert any(ch in "șțăâî" for ch in names.lower()), "no Romanian names"
    assert any(ch in "éèêçëï" for ch in names.lower()), "no French accents"
    assert len({c["country"].upper() for c in customers if c["country"]}) >= 10
    persons = read(shop / "_truth" / "persons.csv")
    assert {p["kind"] for p in persons} == {"customer", "guest", "anonymous"}
    orders = read(shop / "orders.csv")
    assert any(o["customer_id"] == "" and o["email"] for o in orders), "no guest checkouts"
    assert any(o["email"] == "test@test.com" for o in orders), "no placeholder emails"
    assert any("+" in o["ordered_at"][10:] for o in orders), "no timestamps with offsets"
    events = read(shop / "events.csv")
    assert any(e["event_type"] == "identify" for e in events)
    assert any(e["event_name"] in ("product_viewed", "Added Product") for e in events)
    messages = read(shop / "message_events.csv")
    assert any(m["variant"] == "control" for m in messages)
    consents = read(shop / "consents.csv")
    assert {c["status"] for c in consents} == {"granted", "revoked"}
    for name in ("deletion_requests", "survey_responses", "referrals", "loyalty_transactions"):
        assert read(shop / f"{name}.csv"), name


def test_parquet_has_the_same_rows_as_csv(shop, tmp_path):
    generate(tmp_path, customers=600, months=12, seed=3, file_format="parquet", progress=False)
    for name in load_contract():
        with (shop / f"{name}.csv").open(encoding="utf-8") as f:
            csv_rows = sum(1 for _ in f) - 1
        assert pq.read_table(tmp_path / f"{name}.parquet").num_rows == csv_rows, name
