"""`lifecycle generate`: deterministic, complete, and honest about the defects it injects."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lifecycle.contract import load_contract
from lifecycle.generate import BAD_VALUES, generate

REASONS = {
    "null_key",
    "unparseable_timestamp",
    "future_timestamp",
    "negative_amount",
    "unknown_currency",
    "malformed_email",
    "unparseable_number",
    "duplicate",
}
END = dt.datetime(2026, 9, 30, 23, 59, 59)


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def parse_ts(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("g")
    generate(out, customers=300, months=12, seed=3, progress=False)
    return out


@pytest.fixture(scope="module")
def tables(shop) -> dict[str, list[dict]]:
    return {name: read(shop / f"{name}.csv") for name in load_contract()}


def test_same_seed_same_bytes_other_seed_other_bytes(shop, tmp_path):
    again = tmp_path / "again"
    generate(again, customers=300, months=12, seed=3, progress=False)
    assert digest(again) == digest(shop)
    other = tmp_path / "other"
    generate(other, customers=300, months=12, seed=4, progress=False)
    first, second = digest(shop), digest(other)
    assert first.keys() == second.keys()
    for name in ("orders.csv", "customers.csv", "events.csv", "message_events.csv"):
        assert first[name] != second[name], name


def test_every_contract_table_with_the_contract_header(shop, tables):
    for name, table in load_contract().items():
        with (shop / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == table.column_names, name
        assert tables[name], f"{name} is empty"
    assert {p.name for p in (shop / "_truth").iterdir()} == {
        "persons.csv",
        "identifiers.csv",
        "bad_rows.csv",
        "summary.json",
    }
    summary = json.loads((shop / "_truth" / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows"] == {name: len(rows) for name, rows in tables.items()}


def test_each_listed_bad_row_really_has_its_defect(shop, tables):
    bad = read(shop / "_truth" / "bad_rows.csv")
    assert {b["reason"] for b in bad} == REASONS
    contract = load_contract()
    listed = set()
    for b in bad:
        rows = tables[b["table"]]
        number = int(b["row_number"])
        row = rows[number - 1]
        listed.add((b["table"], number))
        reason = b["reason"]
        if reason == "null_key":
            assert "" in {row[c] for c in contract[b["table"]].required_columns}, b
        elif reason == "duplicate":
            assert row in rows[: number - 1], b
        elif reason == "negative_amount":
            assert float(row["total_amount"]) < 0 and row["status"] == "completed", b
        elif reason == "unknown_currency":
            assert row["currency"] in BAD_VALUES["unknown_currency"], b
        elif reason == "unparseable_number":
            assert any(v in BAD_VALUES["unparseable_number"] for v in row.values()), b
        elif reason == "unparseable_timestamp":
            assert any(v in BAD_VALUES["unparseable_timestamp"] for v in row.values()), b
        elif reason == "future_timestamp":
            stamps = [parse_ts(v) for v in row.values() if v[:2] == "20" and len(v) >= 19]
            assert any(s and s > END + dt.timedelta(days=30) for s in stamps), b
        elif reason == "malformed_email":
            assert any(v in BAD_VALUES["malformed_email"] for v in row.values()), b
    # and no unlisted row carries an injected defect value
    for name, rows in tables.items():
        for i, row in enumerate(rows, start=1):
            if (name, i) in listed:
                continue
            for column, value in row.items():
                assert not any(value in values for values in BAD_VALUES.values()), (name, i, column)
            for column in contract[name].required_columns:
                assert row[column] != "" or column == "customer_id" and name == "deletion_requests", (name, i)


def test_clean_data_stays_in_the_window(tables):
    for name, rows in tables.items():
        if name in ("products", "campaigns"):
            continue
        for row in rows[:2000]:
            for column in (
                "ordered_at",
                "created_at",
                "timestamp",
                "occurred_at",
                "recorded_at",
                "updated_at",
            ):
                value = row.get(column)
                stamp = parse_ts(value) if value else None
                if stamp and stamp.year < 2030:
                    assert stamp <= END, (name, column, value)


def test_no_bad_rows_when_share_is_zero(tmp_path):
    summary = generate(tmp_path, customers=300, months=6, seed=1, bad_row_share=0, progress=False)
    assert read(tmp_path / "_truth" / "bad_rows.csv") == []
    assert summary["bad_rows"] == {}
    orders = read(tmp_path / "orders.csv")
    assert all(o["order_id"] and o["ordered_at"][:2] == "20" for o in orders)


def test_names_in_several_scripts_and_countries(tables):
    customers = tables["customers"]
    names = " ".join(c["first_name"] + c["last_name"] for c in customers)
    assert any("\u0400" <= ch <= "\u04ff" for ch in names), "no Cyrillic names"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in names), "no CJK names"
    assert any(ch in "șță" for ch in names.lower()), "no Romanian names"
    assert any(ch in "éèêçëï" for ch in names.lower()), "no French accents"
    assert len({c["country"].upper() for c in customers}) >= 15
    assert any(c["phone"].startswith("+") for c in customers)
    assert any(c["phone"].startswith("00") for c in customers)
    assert any(c["phone"] == "" for c in customers)
    assert any(c["email"] != c["email"].strip().lower() for c in customers)


def test_identity_cases(shop, tables):
    persons = read(shop / "_truth" / "persons.csv")
    kinds = {p["kind"] for p in persons}
    assert kinds == {"customer", "guest", "anonymous"}
    assert any(p["has_deletion_request"] == "true" for p in persons)
    identifiers = read(shop / "_truth" / "identifiers.csv")
    anonymous = {p["person_id"] for p in persons if p["kind"] == "anonymous"}
    visitor_anons = {i["id_value"] for i in identifiers if i["person_id"] in anonymous}
    events = tables["events"]
    seen = {e["anonymous_id"] for e in events}
    assert visitor_anons & seen, "anonymous-only visitors never browse"
    assert not any(e["user_id"] for e in events if e["anonymous_id"] in visitor_anons)
    assert any(e["event_type"] == "identify" and e["user_id"] and e["anonymous_id"] for e in events)
    assert {"anonymous", "0000"} <= seen
    kiosk = {e["user_id"] for e in events if e["device_id"] == "store-kiosk-1" and e["user_id"]}
    assert len(kiosk) >= 5
    orders = tables["orders"]
    guests = [o for o in orders if o["customer_id"] == "" and o["email"]]
    assert guests, "no guest checkouts"
    assert any(o["email"] == "test@test.com" for o in orders) or any(
        o["email"] == "noemail@noemail.com" for o in orders
    )
    customer_emails = {c["email"].strip().lower() for c in tables["customers"]}
    assert any(o["email"].strip().lower() in customer_emails for o in guests), "no guest with a known email"
    assert any(":" in o["ordered_at"][19:] for o in orders), "no timestamps with offsets"
    names = {e["event_name"] for e in events}
    assert {"Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Signed Up"} <= names
    assert names & {"product_viewed", "Viewed Product", "Added Product", "order_completed"}


def test_orders_and_lines_agree(shop, tables):
    bad = {(b["table"], int(b["row_number"])) for b in read(shop / "_truth" / "bad_rows.csv")}
    lines: dict[str, list[dict]] = {}
    spoiled = set()
    for i, item in enumerate(tables["order_items"], start=1):
        if ("order_items", i) in bad:
            spoiled.add(item["order_id"])
        else:
            lines.setdefault(item["order_id"], []).append(item)
    checked = 0
    for i, order in enumerate(tables["orders"], start=1):
        if ("orders", i) in bad or order["order_id"] in spoiled or order["order_id"] not in lines:
            continue
        items = lines[order["order_id"]]
        subtotal = sum(int(it["quantity"] or 1) * float(it["unit_price"]) for it in items)
        discount = sum(float(it["discount_amount"] or 0) for it in items)
        expected = subtotal - discount + float(order["shipping_amount"]) + float(order["tax_amount"])
        assert float(order["total_amount"]) == pytest.approx(expected, abs=0.011), order
        assert float(order["discount_amount"] or 0) == pytest.approx(discount, abs=0.011), order
        assert (order["discount_code"] != "") == (discount > 0), order
        checked += 1
    assert checked > 100


def test_campaigns_with_control_groups(tables):
    messages = tables["message_events"]
    control = [m for m in messages if m["variant"] == "control"]
    assert control and {m["event"] for m in control} == {"sent"}
    assert {m["variant"] for m in messages} >= {"A", "B", "control"}
    campaigns = {c["campaign_id"]: c for c in tables["campaigns"]}
    assert all(campaigns[m["campaign_id"]]["is_control"] == "true" for m in control)
    assert {c["journey"] for c in campaigns.values()} >= {"welcome", "cart_recovery", "winback", "newsletter"}
    consents = tables["consents"]
    assert {c["status"] for c in consents} == {"granted", "revoked"}
    assert {c["purpose"] for c in consents} >= {"marketing", "ad_user_data", "ad_personalization"}
    for name in ("deletion_requests", "survey_responses", "referrals", "loyalty_transactions"):
        assert tables[name], name
    assert any(r["referred_customer_id"] for r in tables["referrals"])


def test_parquet_has_the_same_rows_as_csv(shop, tables, tmp_path):
    generate(tmp_path, customers=300, months=12, seed=3, file_format="parquet", progress=False)
    for name in load_contract():
        table = pq.read_table(tmp_path / f"{name}.parquet")
        assert table.num_rows == len(tables[name]), name
        assert table.column_names == load_contract()[name].column_names
    assert (tmp_path / "_truth" / "bad_rows.csv").read_bytes() == (
        shop / "_truth" / "bad_rows.csv"
    ).read_bytes()


def test_every_typed_column_parses(tables):
    """Ingest rejects a column when most values fail its type; bad rows must stay rare."""
    parsers = {
        "timestamp": parse_ts,
        "date": lambda v: dt.date.fromisoformat(v),
        "decimal": float,
        "integer": int,
        "boolean": {"true": True, "false": False}.__getitem__,
        "json": json.loads,
    }
    for name, spec in load_contract().items():
        for column in spec.columns:
            parse = parsers.get(column.data_type)
            values = [r[column.name] for r in tables[name] if r[column.name] != ""]
            if parse is None or not values:
                continue
            failed = 0
            for v in values:
                try:
                    failed += parse(v) is None
                except (ValueError, KeyError):
                    failed += 1
            assert failed / len(values) < 0.05, (name, column.name, failed, len(values))


def test_truth_persons_are_what_the_data_can_link(shop, tables):
    """Link identifiers that occur in one clean row (Segment-style guards: no placeholders, no
    identifier shared by several customer_ids); each true person must be one component."""
    bad = {(b["table"], int(b["row_number"])) for b in read(shop / "_truth" / "bad_rows.csv")}
    with (Path(__file__).parents[2] / "seeds" / "identity_placeholders.csv").open(encoding="utf-8") as f:
        placeholders = {r["id_value"].lower() for r in csv.DictReader(f)} | {"-1", "null"}

    def usable(value: str) -> bool:
        return bool(value) and value.lower() not in placeholders and set(value) - set("0-")

    rows = []
    columns = {
        "orders": [("customer_id", "customer_id"), ("email", "email"), ("anonymous_id", "anonymous_id")],
        "events": [
            ("user_id", "customer_id"),
            ("email", "email"),
            ("anonymous_id", "anonymous_id"),
            ("device_id", "device_id"),
        ],
        "customers": [("customer_id", "customer_id"), ("email", "email")],
    }
    for name, cols in columns.items():
        for i, row in enumerate(tables[name], start=1):
            if (name, i) in bad:
                continue
            nodes = []
            for column, kind in cols:
                value = row[column].strip()
                value = value.lower() if kind == "email" else value
                if usable(value):
                    nodes.append(f"{kind}:{value}")
            rows.append(nodes)
    customers_of: dict[str, set] = {}
    for nodes in rows:
        ids = {n for n in nodes if n.startswith("customer_id:")}
        for n in nodes:
            customers_of.setdefault(n, set()).update(ids)
    shared = {n for n, ids in customers_of.items() if len(ids) > 1}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for nodes in rows:
        nodes = [n for n in nodes if n not in shared]
        for a, b in zip(nodes, nodes[1:], strict=False):
            parent[find(a)] = find(b)
    assert "device_id:store-kiosk-1" in shared
    components: dict[str, set] = {}
    for ident in read(shop / "_truth" / "identifiers.csv"):
        node = f"{ident['id_type']}:{ident['id_value']}"
        if node in parent:
            components.setdefault(ident["person_id"], set()).add(find(node))
    split = {p: c for p, c in components.items() if len(c) > 1}
    assert len(split) <= 0.01 * len(components), list(split.items())[:5]
    owners: dict[str, set] = {}
    for person, comps in components.items():
        for comp in comps:
            owners.setdefault(comp, set()).add(person)
    merged = {c: p for c, p in owners.items() if len(p) > 1}
    assert not merged, list(merged.values())[:5]
