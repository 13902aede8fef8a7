"""`lifecycle ingest`: contract checks, all-or-nothing loads, text landing zone."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import duckdb
import pytest

import lifecycle.ingest as ingest_module
from lifecycle.contract import LOAD_COLUMNS, load_contract
from lifecycle.ingest import ContractError, ingest


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every raw table's full content (the log included)."""
    tables = [
        t for (t,) in rows(db, "select table_name from information_schema.tables where table_schema = 'raw'")
    ]
    return {t: rows(db, f"select * from raw.{t} order by all") for t in sorted(tables)}


def folder(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    d = tmp_path / name
    d.mkdir()
    for file_name, text in files.items():
        write(d / file_name, text)
    return d


@pytest.fixture
def shop(tmp_path) -> Path:
    d = folder(
        tmp_path,
        "shop",
        {
            "orders.csv": "order_id,customer_id,ordered_at,total_amount,currency\n"
            "1,c1,2026-01-01 10:00:00,10.50,EUR\n"
            "2,c2,2026-01-02T10:00:00+02:00,abc,RON\n"
            '3,c1,2026-01-03 10:00:00,"1,5",USD\n'
            "4,c3,2026-01-04 10:00:00,7,USD\n",
            "customers.csv": "customer_id,first_name,last_name,email,country,city\n"
            "c1,Ștefan,Ionescu,S@X.RO,RO,Brașov\nc2,Анна,Иванова,a@b.ru,RU,Москва\nc3,王,芳,w@f.cn,CN,北京\n",
            "events.csv": "event_id,event_type,timestamp,properties\n"
            'e1,track,2026-01-01 10:00:00,"{""query"": ""say \\""hi\\"""",\n ""note"": ""a\\nb""}"\n'
            "e2,page,2026-01-01 10:01:00,\n",
            "notes.txt": "ignored\n",
        },
    )
    (d / "_truth").mkdir()
    write(d / "_truth" / "orders.csv", "not,a,contract,file\n")
    return d


def test_loads_every_contract_table_and_creates_absent_ones_empty(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    report = ingest(shop, database=db)
    contract = load_contract()
    assert len(contract) == 12
    assert report.tables == {"orders": 4, "customers": 3, "events": 2}
    assert sorted(report.absent_tables) == sorted(set(contract) - {"orders", "customers", "events"})
    for name, table in contract.items():
        described = rows(db, f"describe raw.{name}")
        assert [r[0] for r in described] == table.column_names + list(LOAD_COLUMNS), name
        types = [r[1] for r in described]
        assert types == ["VARCHAR"] * len(table.columns) + ["BIGINT", "VARCHAR", "TIMESTAMP", "VARCHAR"], name
    assert rows(db, "select count(*) from raw.products") == [(0,)]
    assert rows(db, "select distinct _ingest_id from raw.orders") == [(report.ingest_id,)]
    assert "orders" in report.format() and "created empty" in report.format()


def test_raw_keeps_text_as_delivered_in_file_order(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(shop, database=db)
    got = rows(db, "select _raw_row_id, order_id, ordered_at, total_amount from raw.orders order by 1")
    assert got == [
        (1, "1", "2026-01-01 10:00:00", "10.50"),
        (2, "2", "2026-01-02T10:00:00+02:00", "abc"),  # a minority of bad values is kept verbatim
        (3, "3", "2026-01-03 10:00:00", "1,5"),
        (4, "4", "2026-01-04 10:00:00", "7"),
    ]
    assert rows(db, "select distinct _source_file from raw.orders") == [("orders.csv",)]


def test_non_ascii_round_trips(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(shop, database=db)
    got = rows(db, "select first_name, last_name, city from raw.customers order by _raw_row_id")
    assert got == [("Ștefan", "Ionescu", "Brașov"), ("Анна", "Иванова", "Москва"), ("王", "芳", "北京")]


def test_quoted_json_with_embedded_quotes_and_newlines(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(shop, database=db)
    got = rows(db, "select event_id, properties from raw.events order by _raw_row_id")
    assert got == [("e1", '{"query": "say \\"hi\\"",\n "note": "a\\nb"}'), ("e2", None)]
    assert rows(
        db, "select json_extract_string(properties, '$.query') from raw.events where event_id = 'e1'"
    ) == [('say "hi"',)]


def test_raw_row_id_follows_file_order_in_a_large_file(tmp_path):
    # ids deliberately not sorted, quotes and newlines only far into the file, past the sniffer's sample
    n = 60_000
    lines = ["order_id,ordered_at,total_amount,discount_code"]
    lines += [f"o{(i * 7919) % n},2026-01-01,{i},x" for i in range(n)]
    lines.append('late,2026-01-01,1,"a ""quoted"", multi\nline code"')
    d = folder(tmp_path, "big", {"orders.csv": "\n".join(lines) + "\n"})
    db = tmp_path / "w.duckdb"
    assert ingest(d, database=db).tables == {"orders": n + 1}
    got = rows(db, "select order_id from raw.orders order by _raw_row_id")
    assert [r[0] for r in got[:-1]] == [f"o{(i * 7919) % n}" for i in range(n)]
    assert rows(db, "select _raw_row_id, discount_code from raw.orders where order_id = 'late'") == [
        (n + 1, 'a "quoted", multi\nline code')
    ]


def test_only_orders_with_the_four_required_columns(tmp_path):
    d = folder(
        tmp_path, "d", {"orders.csv": "order_id,customer_id,ordered_at,total_amount\n1,a,2026-01-01,5\n"}
    )
    db = tmp_path / "w.duckdb"
    report = ingest(d, database=db)
    assert report.tables == {"orders": 1}
    assert len(report.absent_tables) == len(load_contract()) - 1
    assert report.warnings == []
    assert rows(db, "select order_id, customer_id, currency, status from raw.orders") == [
        ("1", "a", None, None)
    ]


def test_missing_required_column_names_file_and_column_and_changes_nothing(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(shop, database=db)
    before = snapshot(db)
    bad = folder(
        tmp_path,
        "bad",
        {"orders.csv": "order_id,total_amount\n9,1\n", "customers.csv": "first_name\nnew\n"},
    )
    with pytest.raises(ContractError) as err:
        ingest(bad, database=db)
    message = str(err.value)
    # every problem is listed, each with its file and column
    assert "orders.csv: missing required column 'ordered_at'" in message
    assert "customers.csv: missing required column 'customer_id'" in message
    assert snapshot(db) == before
    assert rows(db, "select count(*) from raw.orders") == [(4,)]


def test_missing_orders_file_is_an_error_and_writes_nothing(tmp_path):
    d = folder(tmp_path, "d", {"customers.csv": "customer_id\nc1\n"})
    db = tmp_path / "w.duckdb"
    with pytest.raises(ContractError, match=r"orders\.csv: required file missing"):
        ingest(d, database=db)
    assert not db.exists()


def test_a_column_that_mostly_cannot_be_read_as_its_type_is_rejected(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(shop, database=db)
    before = snapshot(db)
    d = folder(
        tmp_path,
        "d",
        {
            "orders.csv": "order_id,ordered_at,total_amount\n"
            "1,2026-01-01,abc\n2,2026-01-02,def\n3,2026-01-02,4\n4,2026-01-03,abc\n5,2026-01-03,\n",
            "loyalty_transactions.csv": "customer_id,points,occurred_at\nc1,10,yesterday\nc2,5,today\n",
        },
    )
    with pytest.raises(ContractError) as err:
        ingest(d, database=db)
    message = str(err.value)
    assert "orders.csv: column 'total_amount' cannot be read as decimal" in message
    assert "3 of 4 non-empty values" in message  # the empty value is not counted
    assert "'abc'" in message and "'def'" in message
    assert "loyalty_transactions.csv: column 'occurred_at' cannot be read as timestamp" in message
    assert "'points'" not in message
    assert snapshot(db) == before


def test_a_minority_of_bad_values_is_accepted_verbatim(tmp_path):
    d = folder(
        tmp_path,
        "d",
        {
            "orders.csv": "order_id,ordered_at,total_amount\n"
            "1,2026-01-01,1\n2,not a date,2\n3,2026-01-03, n/a \n4,2026-01-04,4\n",
        },
    )
    db = tmp_path / "w.duckdb"
    ingest(d, database=db)
    assert rows(
        db, "select ordered_at, total_amount from raw.orders where order_id in ('2', '3') order by 1"
    ) == [
        ("2026-01-03", " n/a "),
        ("not a date", "2"),
    ]


def test_unreadable_files_name_the_file(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    write(d / "orders.csv", "order_id,ordered_at,total_amount\n1,2026-01-01,5\n")
    (d / "customers.csv").write_bytes("customer_id,first_name\nc1,Andr\xe9\n".encode("latin-1"))
    write(d / "products.csv", "product_id,name\np1,a\np2,b,extra\np3,c\n")
    write(d / "campaigns.csv", "")
    with pytest.raises(ContractError) as err:
        ingest(d, database=tmp_path / "w.duckdb")
    message = str(err.value)
    assert "customers.csv: cannot be read" in message
    assert "products.csv: cannot be read" in message
    assert "campaigns.csv: the file is empty" in message
    assert "orders.csv" not in message


def test_extra_columns_warn_and_header_case_is_ignored(tmp_path):
    d = folder(
        tmp_path,
        "d",
        {"orders.csv": "Order_ID, ORDERED_AT ,total_amount,coupon_colour,ordinality\n1,2026-01-01,5,red,x\n"},
    )
    db = tmp_path / "w.duckdb"
    report = ingest(d, database=db)
    assert any("orders.csv" in w and "coupon_colour" in w and "ordinality" in w for w in report.warnings)
    assert rows(db, "select order_id, ordered_at, _raw_row_id from raw.orders") == [("1", "2026-01-01", 1)]
    columns = [r[0] for r in rows(db, "describe raw.orders")]
    assert "coupon_colour" not in columns and "ordinality" not in columns


def test_two_files_for_one_table_is_an_error(tmp_path):
    d = folder(tmp_path, "d", {"orders.csv": "order_id,ordered_at,total_amount\n1,2026-01-01,5\n"})
    with gzip.open(d / "orders.csv.gz", "wt", encoding="utf-8") as f:
        f.write("order_id,ordered_at,total_amount\n1,2026-01-01,5\n")
    with pytest.raises(ContractError, match="delivered twice"):
        ingest(d, database=tmp_path / "w.duckdb")


def test_gzipped_csv(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    with gzip.open(d / "orders.csv.gz", "wt", encoding="utf-8") as f:
        f.write("order_id,ordered_at,total_amount\n1,2026-01-01,5\n2,2026-01-02,Ș\n3,2026-01-03,6\n")
    db = tmp_path / "w.duckdb"
    assert ingest(d, database=db).tables == {"orders": 3}
    assert rows(db, "select distinct _source_file from raw.orders") == [("orders.csv.gz",)]


def test_parquet_input(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    con = duckdb.connect()
    con.execute("set TimeZone = 'Europe/Bucharest'").fetchall()
    con.execute(
        "copy (select 100 - i as order_id, timestamptz '2026-01-01 00:00:00+00' + to_days(i) as ordered_at,"
        " i * 1.5 as total_amount, 'Ștefan' as email from range(1, 6) t(i)) to "
        f"'{d / 'orders.parquet'}'"
    ).fetchall()
    con.execute(
        "copy (select 'e1' as event_id, 'track' as event_type, timestamp '2026-01-01 10:00:00' as timestamp,"
        f" {{'product_id': 'p1', 'price': 9.5}} as properties) to '{d / 'events.parquet'}'"
    ).fetchall()
    con.close()
    db = tmp_path / "w.duckdb"
    assert ingest(d, database=db).tables == {"orders": 5, "events": 1}
    got = rows(db, "select order_id, ordered_at, total_amount, email, _raw_row_id from raw.orders order by 5")
    assert got[0] == ("99", "2026-01-02 00:00:00+00", "1.5", "Ștefan", 1)
    assert [r[0] for r in got] == ["99", "98", "97", "96", "95"]
    (props,) = rows(db, "select properties from raw.events")[0]
    assert rows(db, f"select json_extract_string('{props}', '$.product_id')") == [("p1",)]


def test_reingest_replaces_rows_and_logs_each_load(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    first = ingest(shop, database=db, loaded_at=dt.datetime(2026, 2, 1, 12, 0))
    content = snapshot(db)["orders"]
    second = ingest(shop, database=db, loaded_at=dt.datetime(2026, 2, 1, 12, 0))
    assert second.tables == first.tables
    assert second.ingest_id != first.ingest_id
    # idempotent but for the delivery's id (the last load column)
    assert [r[:-1] for r in snapshot(db)["orders"]] == [r[:-1] for r in content]
    smaller = folder(
        tmp_path, "smaller", {"orders.csv": "order_id,ordered_at,total_amount\n1,2026-01-01,5\n"}
    )
    ingest(
        smaller,
        database=db,
        loaded_at=dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    )
    assert rows(db, "select count(*) from raw.orders") == [(1,)]
    assert rows(db, "select count(*) from raw.customers") == [(0,)]  # no stale rows
    assert rows(db, "select distinct _loaded_at from raw.orders") == [(dt.datetime(2026, 2, 2, 7, 0),)]
    log = rows(
        db,
        "select count(distinct ingest_id), count(*), sum(rows_loaded) filter (where table_name = 'orders')"
        " from raw._ingest_log",
    )
    assert log == [(3, 3 * len(load_contract()), 4 + 4 + 1)]
    assert rows(
        db,
        "select source_file, rows_loaded from raw._ingest_log where table_name = 'customers' order by 1, 2",
    ) == [("customers.csv", 3), ("customers.csv", 3), (None, 0)]


def test_a_failure_while_loading_rolls_everything_back(shop, tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    ingest(shop, database=db)
    before = snapshot(db)
    smaller = folder(
        tmp_path, "smaller", {"orders.csv": "order_id,ordered_at,total_amount\n1,2026-01-01,5\n"}
    )
    real_load = ingest_module._load_table
    calls = []

    def failing_load(con, table, source, loaded_at):
        calls.append(table.name)
        if len(calls) == 3:  # after two tables were already replaced in the transaction
            raise RuntimeError("disk full")
        real_load(con, table, source, loaded_at)

    monkeypatch.setattr(ingest_module, "_load_table", failing_load)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(smaller, database=db)
    assert snapshot(db) == before


def test_default_database_follows_the_environment(tmp_path, monkeypatch):
    target = tmp_path / "nested" / "dir" / "warehouse.duckdb"
    monkeypatch.setenv("LIFECYCLE_DUCKDB_PATH", str(target))
    d = folder(tmp_path, "d", {"orders.csv": "order_id,ordered_at,total_amount\n1,2026-01-01,5\n"})
    report = ingest(d)
    assert report.database == target.resolve()
    assert rows(target, "select count(*) from raw.orders") == [(1,)]


# ---------------------------------------------------------------- append (deliveries for incremental builds)

ORDERS_HEADER = "order_id,ordered_at,total_amount\n"


def test_append_adds_a_delivery_with_row_ids_after_the_tables_highest(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    first = ingest(shop, database=db, loaded_at=dt.datetime(2026, 2, 1))
    delivery = folder(
        tmp_path,
        "delivery",
        {
            # order 4 again, identical: raw keeps it (staging calls it a duplicate)
            "orders.csv": ORDERS_HEADER + "5,2026-01-05,3\n4,2026-01-04 10:00:00,7\n",
            "events.csv": "event_id,event_type,timestamp\ne3,track,2026-01-05\n",
        },
    )
    second = ingest(delivery, database=db, loaded_at=dt.datetime(2026, 2, 2), append=True)
    assert second.tables == {"orders": 2, "events": 1}
    assert "appended 3 rows" in second.format() and "left as they were" in second.format()
    got = rows(
        db, "select _raw_row_id, order_id, _loaded_at, _ingest_id from raw.orders order by _raw_row_id"
    )
    assert [(r[0], r[1]) for r in got] == [(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5"), (6, "4")]
    assert {r[3] for r in got[:4]} == {first.ingest_id} and {r[3] for r in got[4:]} == {second.ingest_id}
    assert got[4][2] == dt.datetime(2026, 2, 2)
    # tables without a file in the delivery are untouched
    assert rows(db, "select count(*) from raw.customers") == [(3,)]
    assert rows(db, "select max(_raw_row_id) from raw.events") == [(3,)]
    log = rows(
        db,
        "select table_name, mode, rows_loaded, first_raw_row_id from raw._ingest_log"
        " where ingest_id = '" + second.ingest_id + "' and source_file is not null order by 1",
    )
    assert log == [("events", "append", 1, 3), ("orders", "append", 2, 5)]
    # the file line of an appended row: _raw_row_id - first_raw_row_id + 1
    assert rows(db, "select _raw_row_id - 5 + 1 from raw.orders where order_id = '5'") == [(1,)]


def test_append_into_an_empty_warehouse_needs_orders(tmp_path):
    db = tmp_path / "w.duckdb"
    events_only = folder(
        tmp_path, "events_only", {"events.csv": "event_id,event_type,timestamp\ne1,track,2026-01-05\n"}
    )
    with pytest.raises(ContractError, match=r"orders\.csv: required file missing.*raw\.orders does not"):
        ingest(events_only, database=db, append=True)
    assert rows(db, "select count(*) from information_schema.tables where table_schema = 'raw'") == [(0,)]
    # once raw.orders exists, a delivery of events alone is fine
    ingest(folder(tmp_path, "orders", {"orders.csv": ORDERS_HEADER + "1,2026-01-01,5\n"}), database=db)
    assert ingest(events_only, database=db, append=True).tables == {"events": 1}
    assert rows(db, "select count(*) from raw.orders") == [(1,)]


def test_append_checks_files_like_a_replace_and_a_bad_delivery_changes_nothing(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(shop, database=db)
    before = snapshot(db)
    bad = folder(
        tmp_path,
        "bad",
        {
            "orders.csv": ORDERS_HEADER + "9,2026-01-09,1\n",
            "events.csv": "event_id,timestamp\ne9,2026-01-09\n",  # event_type is required
        },
    )
    with pytest.raises(ContractError, match="events.csv: missing required column 'event_type'"):
        ingest(bad, database=db, append=True)
    assert snapshot(db) == before


def test_append_rolls_back_every_table_when_one_fails(shop, tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    ingest(shop, database=db)
    before = snapshot(db)
    delivery = folder(
        tmp_path,
        "delivery",
        {
            "orders.csv": ORDERS_HEADER + "9,2026-01-09,1\n",
            "customers.csv": "customer_id\nc9\n",
            "events.csv": "event_id,event_type,timestamp\ne9,track,2026-01-09\n",
        },
    )
    real_load = ingest_module._load_table
    calls = []

    def failing_load(con, table, source, load):
        calls.append(table.name)
        if table.name == "events":  # orders and customers were already appended
            raise RuntimeError("disk full")
        return real_load(con, table, source, load)

    monkeypatch.setattr(ingest_module, "_load_table", failing_load)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(delivery, database=db, append=True)
    assert calls[:2] == ["orders", "order_items"] and "customers" in calls
    assert snapshot(db) == before


def test_append_refuses_a_raw_table_of_another_layout(tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(folder(tmp_path, "first", {"orders.csv": ORDERS_HEADER + "1,2026-01-01,5\n"}), database=db)
    con = duckdb.connect(str(db))
    con.execute("alter table raw.orders drop column _ingest_id").fetchall()  # as an older version wrote it
    con.close()
    second = folder(tmp_path, "second", {"orders.csv": ORDERS_HEADER + "2,2026-01-02,5\n"})
    with pytest.raises(ContractError, match=r"raw\.orders: its columns .* ingest once without --append"):
        ingest(second, database=db, append=True)
    ingest(second, database=db)  # a replace rewrites it in the current layout
    assert rows(db, "select order_id, _raw_row_id from raw.orders") == [("2", 1)]


def test_cli_append_flag(shop, tmp_path, capsys):
    from lifecycle.cli import main

    db = tmp_path / "w.duckdb"
    assert main(["ingest", str(shop), "--database", str(db)]) == 0
    assert main(["ingest", str(shop), "--database", str(db), "--append"]) == 0
    assert "appended 9 rows" in capsys.readouterr().out
    assert rows(db, "select count(*), count(distinct _raw_row_id) from raw.orders") == [(8, 8)]
    assert main(["ingest", str(shop), "--database", str(db)]) == 0  # replace stays the default
    assert rows(db, "select count(*) from raw.orders") == [(4,)]
