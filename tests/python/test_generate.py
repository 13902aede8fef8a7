"""`lifecycle generate`: deterministic, complete, and honest about the defects it injects."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

import lifecycle.generate.run as generate_run
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


@pytest.mark.parametrize("customers", [1, 7, 15, 151])
def test_small_chunks_without_guests_or_orders(customers, tmp_path, monkeypatch):
    """A chunk may have no guest shopper (8% of customers are) or no order at all: tiny shops, or
    the last chunk of a shop one customer larger than a multiple of the chunk size (151 = 150 + 1)."""
    monkeypatch.setattr(generate_run, "CHUNK_CUSTOMERS", 150)
    summary = generate(tmp_path, customers=customers, months=6, seed=42, progress=False)
    persons = read(tmp_path / "_truth" / "persons.csv")
    assert sum(p["kind"] == "customer" for p in persons) == customers
    for name in load_contract():
        assert len(read(tmp_path / f"{name}.csv")) == summary["rows"][name], name


# ------------------------------------------------------------------------------ pinned output
# The whole project's tests and benchmarks rest on the generator's exact output, so a few cheap
# settings are pinned to the sha256 of every file they write: a refactor must leave them alone.
# When the output changes on purpose (a new column, another distribution, a new draw), print the
# new table with `.venv/bin/python tests/python/test_generate.py`, paste it over PINNED_DIGESTS
# and say in the commit and CHANGELOG that the generated data changed.
# `chunk_customers` shrinks the chunk size so that three settings of a few hundred customers also
# pin what crosses chunk boundaries (ids, row numbers of bad rows, per-chunk random streams).
PINNED_SETTINGS = {
    "csv, 300 customers": dict(customers=300, months=12, seed=3),
    "csv, 700 customers in chunks of 150, 5% bad rows": dict(
        customers=700, months=12, seed=9, bad_row_share=0.05, chunk_customers=150
    ),
    "parquet, 300 customers, no bad rows, ends 2025-01-31": dict(
        customers=300, months=6, seed=5, end_date="2025-01-31", bad_row_share=0, file_format="parquet"
    ),
}


def pinned_digest(path: Path) -> str:
    """sha256 of a file; for a Parquet file, of its rows written as CSV (the Parquet bytes also
    carry the writing pyarrow's version, which an upgrade changes without changing the data)."""
    if path.suffix == ".parquet":
        buffer = io.BytesIO()
        pcsv.write_csv(pq.read_table(path), buffer)
        return hashlib.sha256(buffer.getvalue()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generate_pinned(out: Path, setting: str) -> dict[str, str]:
    """Generate a pinned setting into `out`; digest of every file written."""
    kwargs = dict(PINNED_SETTINGS[setting])
    chunk_customers = kwargs.pop("chunk_customers", generate_run.CHUNK_CUSTOMERS)
    default = generate_run.CHUNK_CUSTOMERS
    generate_run.CHUNK_CUSTOMERS = chunk_customers
    try:
        generate(out, progress=False, **kwargs)
    finally:
        generate_run.CHUNK_CUSTOMERS = default
    return {str(p.relative_to(out)): pinned_digest(p) for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("setting", list(PINNED_SETTINGS))
def test_output_is_pinned(setting, tmp_path):
    got = generate_pinned(tmp_path, setting)
    want = PINNED_DIGESTS[setting]
    changed = sorted(f for f in want.keys() | got.keys() if got.get(f) != want.get(f))
    assert not changed, f"{setting}: these files changed: {changed} (see the comment on PINNED_SETTINGS)"


PINNED_DIGESTS = {
    "csv, 300 customers": {
        "_truth/bad_rows.csv": "10e73a9310142990907072a65698f1c162b673851bc9d5f78e6b9aed061de1c4",
        "_truth/identifiers.csv": "8d4496d90f71da9012e03f8a3ef0249e6a8eda3271eb5723a1160f9615ece567",
        "_truth/persons.csv": "1c716d586952e18d7f13e8552a9047aa5977b716525c14aa99f2776df76ea377",
        "_truth/summary.json": "3f9781fc38785ca4938f553860c12ca0a689350a101718f626ceeeb5fb19861f",
        "campaigns.csv": "57971c841335a3ee98e54550fc1d2c0e529b5759a2109e93ee01331e89a1b34a",
        "consents.csv": "bbaa6014614d39671bec4e45a25e6111df50ab896937d24d9c6d6dec68bab507",
        "customers.csv": "412d85a670361a40b562f49d275f761052bc0dfb822972b534ee9e3267f0dafa",
        "deletion_requests.csv": "7034f70de82a73e01a3c4b8882cb42b902e294fed2517c01f3de1a5cc167184e",
        "events.csv": "2622a94d14e912b78c7bae1b7dd31f63192911b832a5fd705a717e10a9038e61",
        "loyalty_transactions.csv": "334e0a7d3a4a82ff09b5a3917bc1b512004d15f47498dfafc9bb33b228e09120",
        "message_events.csv": "a4a18d9e6e8cc8dcfd20aa10777d8eb08596df3242994aa3bf6385d921746966",
        "order_items.csv": "a6cf1e44097cd2d725b67fd8968de1bdd9e871a4dd8ba3ffb948d1480860de3c",
        "orders.csv": "2d9fc73bfd4fa74cabc2113da2188a6ae1f5b9f2832a6e365d9710ced666ab2a",
        "products.csv": "0bec07dc514d5f7fd2a80c6128cc9a2e788e6979437a6c0276f9beecca39cd2d",
        "referrals.csv": "fc2e2d1e2fec1456a109351a0c340a3d9203a757bda0a014e21b38a4640233d8",
        "survey_responses.csv": "bec0c75a5cc6f10823c3a66f334fe88f4438f628e7363f094aec078264ae8182",
    },
    "csv, 700 customers in chunks of 150, 5% bad rows": {
        "_truth/bad_rows.csv": "9db17e24ab1386fe904eccacd78be288cefdf87c347d46d850fab28adf17acf6",
        "_truth/identifiers.csv": "7cba41a970b13ecdd9dc728ebaab30689e19c95af0245096e1ed096ce7ffc652",
        "_truth/persons.csv": "e19ecf84ee5c9c18a87072029c1aadb84e54f22e512c555d6f15640a99942a8a",
        "_truth/summary.json": "d33ea9be197807da6377cf72e9808e8e5aad4322f108db4c582c88d7873b48d9",
        "campaigns.csv": "d8b97bf08f1d513ca1c925bc49d7bf0ff0c639908da1497d88d2fd9143860167",
        "consents.csv": "3b62364d3ab6cefa45ab2cdfce33b37153d439ecf1438b8f858a01c520a25cdf",
        "customers.csv": "883178570f59cf6612cef3174c944d96e829c46984e5ce4189aa5f66a8d1a551",
        "deletion_requests.csv": "2a3ed2cd3fbe549c646f6d071bbefc92d032ca337346e3ec7e095bce2b06862b",
        "events.csv": "289846004f0babc184c0d63188c94cf66df7b2069aa8d56207c6d06d4cdc03f4",
        "loyalty_transactions.csv": "ef9134930f9ab8889f151f6b580872fb643edd5f4551e8c35b833f098d4d10e4",
        "message_events.csv": "9a5eb535aa9c8f8f85012d36d7efa8638c210afbf56256c108c6efafab51569e",
        "order_items.csv": "6952e7cf68a7ba22c51a55b647d954f779312a4c336548af9256c881131f4806",
        "orders.csv": "068aafa6c4ab914cd7ace8d3f9f6e1ae0a80fe2fc907faf78b29a208d9995509",
        "products.csv": "874e4a36236b8059db1aec95587b9176eeba3eff540200656a95672f3f1fe107",
        "referrals.csv": "98784dd68e16c406a126fd8844705f4490f42d3d400034e5fd4e7a1bc63b4118",
        "survey_responses.csv": "38fd8a9567934ff505acd164402a4a635d569bdbbe42fe879a4d1fbf9812bc8f",
    },
    "parquet, 300 customers, no bad rows, ends 2025-01-31": {
        "_truth/bad_rows.csv": "c002bb7b9bfddb595065546b484f6ec0424570a16aedf1dfc7408726b11c913a",
        "_truth/identifiers.csv": "e54d9d181bc33688c52b63b4d3bcb24ea3819c6b46d611371b0c31b35de0e1c0",
        "_truth/persons.csv": "00ccd1bb2d65a474e7a9c99f240c0088077a7420a31479922e36f39ef35ce425",
        "_truth/summary.json": "08d6c26dc90f37002b9dabfd8821f5e3d92923d89978bab72856a5dce77eaf40",
        "campaigns.parquet": "b26c2d6fb6a0161662b5fca2e6787efa95364bdbd785f565d5a746cfec6bb22e",
        "consents.parquet": "d785a71b4031a0eca99489895c25b32e38ff3d42d09b0d5aa54ed638003a8207",
        "customers.parquet": "7359274f2513683c091e1ffbff9e34129f7ddbea8f2024d942bc3fbe9a28e4e1",
        "deletion_requests.parquet": "aed8960a3692efbc795bee26a032b740668b8a235770ee39ec899af74e38a2cc",
        "events.parquet": "ae7b3b4cf75c247a0c2f2ed7833094587d95bdea56c6fa2a4b5b20240f7c336c",
        "loyalty_transactions.parquet": "fecf34a8dcd96a28cc7f717e738a7d96780a6b3f6e0e5aebd20a7fc46b9b9c12",
        "message_events.parquet": "be44c99bb39f2a5ff3b17fc9a39e41a4d113f1824e5de1c0ab96b56b35780f3d",
        "order_items.parquet": "3324fd9505a7974ef120a7d116e8a1ad6d1dd3f172d35cf75354486f8b772d5a",
        "orders.parquet": "46dd493341b1c32e7ee1ae5c8857f95cfe4c7649d168496465a4bee4e474c013",
        "products.parquet": "ea59df26d1d56a59b1b4cc5e0342c0765ac65151fd89205af54658503ff9b611",
        "referrals.parquet": "70e8c9661af8cc044d689ade4f1514291dadb0233de183e004466c6ddf83b74e",
        "survey_responses.parquet": "4fb8f94b2fd9b69f0e19d13f1d8d2d07ff7aad0c30fbb1492990ff9a437115c0",
    },
}


if __name__ == "__main__":  # print PINNED_DIGESTS for the current code (see PINNED_SETTINGS)
    import tempfile

    print("PINNED_DIGESTS = {")
    for name in PINNED_SETTINGS:
        with tempfile.TemporaryDirectory() as folder:
            print(f"    {json.dumps(name)}: {{")
            for file, sha in generate_pinned(Path(folder), name).items():
                print(f'        "{file}": "{sha}",')
            print("    },")
    print("}")
