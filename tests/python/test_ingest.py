"""`lifecycle ingest`: contract checks, all-or-nothing loads, text landing zone."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lifecycle.contract import LOAD_COLUMNS, load_contract
from lifecycle.ingest import ContractError, ingest


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def shop(tmp_path) -> Path:
    d = tmp_path / "shop"
    d.mkdir()
    write(
        d / "orders.csv",
        "order_id,customer_id,ordered_at,total_amount,currency\n"
        "1,c1,2026-01-01 10:00:00,10.50,EUR\n"
        "2,c2,2026-01-02T10:00:00+02:00,abc,RON\n"
        '3,c1,2026-01-03 10:00:00,"1,5",USD\n'
        "4,c3,2026-01-04 10:00:00,7,USD\n",
    )
    write(
        d / "customers.csv",
        "customer_id,first_name,last_name,email,country\n"
        "c1,Ștefan,Ionescu,S@X.RO,RO\nc2,Анна,Иванова,a@b.ru,RU\nc3,王,芳,w@f.cn,CN\n",
    )
    write(
        d / "events.csv",
        'event_id,event_type,timestamp,properties\ne1,track,2026-01-01 10:00:00,"{""a"": 1}"\n',
    )
    (d / "_truth").mkdir()
    write(d / "_truth" / "orders.csv", "not,a,contract,file\n")
    return d


def test_loads_every_contract_table_and_creates_absent_ones_empty(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    report = ingest(shop, database=db, loaded_at=None)
    assert report.tables == {"orders": 4, "customers": 3, "events": 1}
    contract = load_contract()
    for name, table in contract.items():
        cols = [r[0] for r in rows(db, f"describe raw.{name}")]
        assert cols == table.column_names + list(LOAD_COLUMNS), name
    assert rows(db, "select count(*) from raw.products") == [(0,)]


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
    names = rows(db, "select first_name from raw.customers order by _raw_row_id")
    assert names == [("Ștefan",), ("Анна",), ("王",)]
    assert rows(db, "select properties from raw.events") == [('{"a": 1}',)]


def test_only_orders_with_the_four_required_columns(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    write(d / "orders.csv", "order_id,customer_id,ordered_at,total_amount\n1,a,2026-01-01,5\n")
    db = tmp_path / "w.duckdb"
    report = ingest(d, database=db)
    assert report.tables == {"orders": 1}
    assert len(report.absent_tables) == len(load_contract()) - 1
    assert rows(db, "select currency, status from raw.orders") == [(None, None)]


def test_missing_required_column_names_file_and_column_and_changes_nothing(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(shop, database=db)
    before = {t: rows(db, f"select * from raw.{t} order by _raw_row_id") for t in load_contract()}
    bad = tmp_path / "bad"
    bad.mkdir()
    write(bad / "orders.csv", "order_id,total_amount\n9,1\n")
    write(bad / "customers.csv", "customer_id\nnew\n")
    with pytest.raises(ContractError, match=r"orders\.csv: missing required column 'ordered_at'"):
        ingest(bad, database=db)
    after = {t: rows(db, f"select * from raw.{t} order by _raw_row_id") for t in load_contract()}
    assert after == before


def test_missing_orders_file_is_an_error(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    write(d / "customers.csv", "customer_id\nc1\n")
    with pytest.raises(ContractError, match=r"orders\.csv: required file missing"):
        ingest(d, database=tmp_path / "w.duckdb")


def test_a_column_that_mostly_cannot_be_read_as_its_type_is_rejected(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    write(
        d / "orders.csv",
        "order_id,ordered_at,total_amount\n1,2026-01-01,abc\n2,2026-01-02,def\n3,2026-01-02,4\n",
    )
    with pytest.raises(ContractError) as err:
        ingest(d, database=tmp_path / "w.duckdb")
    message = str(err.value)
    assert "orders.csv" in message and "'total_amount'" in message and "abc" in message
    assert not (tmp_path / "w.duckdb").exists() or rows(
        tmp_path / "w.duckdb", "select count(*) from information_schema.tables where table_schema = 'raw'"
    ) == [(0,)]


def test_extra_columns_warn_and_header_case_is_ignored(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    write(d / "orders.csv", "Order_ID, ORDERED_AT ,total_amount,coupon_colour\n1,2026-01-01,5,red\n")
    db = tmp_path / "w.duckdb"
    report = ingest(d, database=db)
    assert any("coupon_colour" in w for w in report.warnings)
    assert rows(db, "select order_id, ordered_at from raw.orders") == [("1", "2026-01-01")]


def test_parquet_input(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    con = duckdb.connect()
    con.execute(
        "copy (select i as order_id, timestamp '2026-01-01' + to_days(i) as ordered_at,"
        f" i * 1.5 as total_amount from range(1, 6) t(i)) to '{d / 'orders.parquet'}'"
    )
    con.close()
    db = tmp_path / "w.duckdb"
    assert ingest(d, database=db).tables == {"orders": 5}
    assert rows(db, "select order_id, _raw_row_id from raw.orders order by 2")[0] == ("1", 1)


def test_reingest_replaces_rows(shop, tmp_path):
    db = tmp_path / "w.duckdb"
    ingest(shop, database=db)
    ingest(shop, database=db)
    assert rows(db, "select count(*) from raw.orders") == [(4,)]
    smaller = tmp_path / "smaller"
    smaller.mkdir()
    write(smaller / "orders.csv", "order_id,ordered_at,total_amount\n1,2026-01-01,5\n")
    ingest(smaller, database=db)
    assert rows(db, "select count(*) from raw.customers") == [(0,)]
    assert rows(db, "select count(distinct ingest_id) from raw._ingest_log") == [(3,)]
