"""Write-audit-publish on small hand-made warehouses (no dbt): what the serving copy holds, and
that a failed, killed or concurrent publish never leaves readers with a broken or mixed copy."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from lifecycle import publish as publish_module
from lifecycle.publish import previous_build, publish


def make_working(path: Path, customers: int, deletion_requests: tuple[tuple[str, str], ...] = ()) -> Path:
    """A working file with every kind of schema; the number of customers tells builds apart.
    `deletion_requests` are (customer_id, email) rows of staging.stg_raw__deletion_requests."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        for schema in ("marts", "audiences", "reference", "staging", "raw", "restricted", "intermediate"):
            con.execute(f"create schema {schema}").fetchall()
        con.execute(
            "create table marts.customer_profiles as select 'k' || i as customer_key, 10.0 * i as revenue"
            f" from range(1, {customers} + 1) t(i)"
        ).fetchall()
        con.execute("comment on table marts.customer_profiles is 'The 360 profile.'").fetchall()
        con.execute("comment on column marts.customer_profiles.revenue is 'Completed revenue.'").fetchall()
        con.execute(
            "create view marts.revenue_total as select sum(revenue) as revenue from marts.customer_profiles"
        ).fetchall()
        con.execute(
            "create table audiences.audience_vip_loyal as select 'vip_loyal' as audience, customer_key,"
            " 'c' || customer_key as customer_id, 'email' as channel from marts.customer_profiles"
        ).fetchall()
        con.execute("create table reference.countries as select 'DE' as country_code").fetchall()
        con.execute(
            "create table staging.quarantined_rows as select * from (values ('orders', 'null_key'),"
            " ('orders', 'null_key'), ('events', 'duplicate')) t(source_table, quarantine_reason)"
        ).fetchall()
        con.execute(
            "create table restricted.customer_contacts as select 'ann@example.com' as email"
        ).fetchall()
        con.execute("create table raw.orders as select '1' as order_id").fetchall()
        con.execute(
            "create table staging.stg_raw__deletion_requests (customer_id varchar, email varchar,"
            " regulation varchar, requested_at timestamp)"
        ).fetchall()
        for customer_id, email in deletion_requests:
            con.execute(
                "insert into staging.stg_raw__deletion_requests"
                " values (?, ?, 'gdpr', timestamp '2026-09-01')",
                [customer_id, email],
            ).fetchall()
        con.execute(
            "create table intermediate.int_as_of_date as"
            " select date '2026-09-30' as as_of_date, timestamp '2026-10-01' as as_of_at"
        ).fetchall()
    finally:
        con.close()
    return path


def query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def setup(tmp_path):
    working = make_working(tmp_path / "warehouse.duckdb", customers=3)
    serving = tmp_path / "serving" / "warehouse.duckdb"
    exports = tmp_path / "serving" / "exports"
    return working, serving, exports


def test_serving_holds_the_published_schemas_only_with_comments(setup):
    working, serving, exports = setup
    result = publish(working, serving, "b1", exports_dir=exports)
    schemas = {r[0] for r in query(serving, "select distinct table_schema from information_schema.tables")}
    assert schemas == {"marts", "audiences", "reference", "publish"}  # no raw, staging, restricted
    assert query(serving, "select count(*), sum(revenue) from marts.customer_profiles") == [(3, 60.0)]
    # a view is published as a table (its query would reference schemas serving does not have)
    assert query(
        serving, "select table_type from information_schema.tables where table_name = 'revenue_total'"
    ) == [("BASE TABLE",)]
    assert query(serving, "select revenue from marts.revenue_total") == [(60.0,)]
    assert query(serving, "select comment from duckdb_tables() where table_name = 'customer_profiles'") == [
        ("The 360 profile.",)
    ]
    assert query(
        serving,
        "select comment from duckdb_columns()"
        " where table_name = 'customer_profiles' and column_name = 'revenue'",
    ) == [("Completed revenue.",)]
    assert result.table_rows["marts.customer_profiles"] == 3
    assert query(serving, "select build_id, as_of_date from publish.builds") == [
        ("b1", __import__("datetime").date(2026, 9, 30))
    ]
    assert query(
        serving, "select source_table, quarantine_reason, row_count from publish.quarantine_counts order by 1"
    ) == [
        ("events", "duplicate", 1),
        ("orders", "null_key", 2),
    ]
    # exports: a build folder and an atomic pointer to it
    assert (exports / "current").resolve() == (exports / "builds" / "b1").resolve()
    manifest = json.loads((exports / "current" / "manifest.json").read_text())
    assert manifest["build_id"] == "b1"
    assert {f["file"] for f in manifest["files"]} == {"audience_vip_loyal.parquet", "audience_vip_loyal.csv"}
    # nothing temporary left behind
    assert sorted(p.name for p in serving.parent.iterdir()) == SERVING_ENTRIES


SERVING_ENTRIES = ["exports", "parquet", "restricted", "warehouse.duckdb"]


def storage_version(path: Path) -> int:
    """The storage version number in a DuckDB file's header (DuckDB 1.x reads 64 up to its own)."""
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK", header
    return int.from_bytes(header[12:20], "little")


def test_the_serving_copies_are_written_in_the_oldest_supported_storage_version(setup):
    working, serving, exports = setup
    publish(working, serving, "b1", exports_dir=exports)
    # 64 is what DuckDB 1.0 and 1.1 write, and every later 1.x reads it; DuckDB 2.0's own
    # default is a number 1.x refuses ("can only read versions between 64 and 68")
    assert storage_version(serving) == 64
    assert storage_version(serving.parent / "restricted" / "contacts.duckdb") == 64
    assert storage_version(working) != 64  # the working file is dbt's, left as DuckDB writes it


def test_every_published_table_is_also_a_parquet_file(setup):
    working, serving, exports = setup
    publish(working, serving, "b1", exports_dir=exports)
    current = serving.parent / "parquet" / "current"
    assert os.readlink(current) == str(Path("builds") / "b1")
    files = sorted(str(p.relative_to(current)) for p in current.rglob("*.parquet"))
    assert files == [
        "audiences/audience_vip_loyal.parquet",
        "marts/customer_profiles.parquet",
        "marts/revenue_total.parquet",
        "reference/countries.parquet",
    ]
    rows = duckdb.sql(f"select count(*), sum(revenue) from '{current}/marts/customer_profiles.parquet'")
    assert rows.fetchall() == [(3, 60.0)]
    manifest = json.loads((current / "manifest.json").read_text())
    assert manifest["build_id"] == "b1" and manifest["deletion_requests"]["requests"] == 0
    # a second build repoints current; a new deletion request removes older folders, as for exports
    make_working(working, customers=3, deletion_requests=(("c1", None),))
    publish(working, serving, "b2", exports_dir=exports)
    assert os.readlink(current) == str(Path("builds") / "b2")
    assert sorted(p.name for p in (serving.parent / "parquet" / "builds").iterdir()) == ["b2"]


def test_contact_details_are_published_in_their_own_restricted_file(setup):
    working, serving, exports = setup
    publish(working, serving, "b1", exports_dir=exports)
    restricted = serving.parent / "restricted" / "contacts.duckdb"
    assert query(restricted, "select email from restricted.customer_contacts") == [("ann@example.com",)]
    assert query(restricted, "select build_id from publish.builds") == [("b1",)]
    # readable by its owner only until an operator grants the sync's account
    assert restricted.stat().st_mode & 0o777 == 0o600
    assert (restricted.parent.stat().st_mode & 0o777) == 0o700
    # and never in the serving file BI tools read
    assert query(
        serving, "select count(*) from information_schema.tables where table_schema = 'restricted'"
    ) == [(0,)]


def test_a_granted_restricted_file_keeps_its_permissions_across_publishes(setup):
    working, serving, exports = setup
    publish(working, serving, "b1", exports_dir=exports)
    restricted = serving.parent / "restricted" / "contacts.duckdb"
    restricted.chmod(0o640)  # the operator let the sync's group read it
    group = next(g for g in (1, 2, 3, os.getgid()) if g != restricted.stat().st_gid)
    try:
        os.chown(restricted, -1, group)
    except PermissionError:
        group = restricted.stat().st_gid  # not root: the mode is what can be checked
    publish(working, serving, "b2", exports_dir=exports)
    assert restricted.stat().st_mode & 0o777 == 0o640
    assert restricted.stat().st_gid == group
    assert query(restricted, "select build_id from publish.builds") == [("b2",)]


def test_each_publish_keeps_the_history_of_builds(setup):
    working, serving, exports = setup
    publish(working, serving, "b1", exports_dir=exports)
    make_working(working, customers=5)
    result = publish(working, serving, "b2", exports_dir=exports)
    assert result.previous_build_id == "b1"
    assert query(serving, "select build_id from publish.builds order by published_at") == [("b1",), ("b2",)]
    assert previous_build(serving) == (
        "b2",
        {
            "marts.customer_profiles": 5,
            "marts.revenue_total": 1,
            "audiences.audience_vip_loyal": 5,
            "reference.countries": 1,
        },
    )


def test_old_export_builds_are_pruned(setup):
    working, serving, exports = setup
    for i in range(1, 6):
        publish(working, serving, f"b{i}", exports_dir=exports)
    assert sorted(p.name for p in (exports / "builds").iterdir()) == ["b3", "b4", "b5"]
    assert os.readlink(exports / "current") == str(Path("builds") / "b5")


def test_export_folders_made_before_a_new_deletion_request_are_removed(setup):
    working, serving, exports = setup

    def folders() -> list[str]:
        return sorted(p.name for p in (exports / "builds").iterdir())

    publish(working, serving, "b1", exports_dir=exports)
    publish(working, serving, "b2", exports_dir=exports)
    assert folders() == ["b1", "b2"]
    make_working(working, customers=3, deletion_requests=(("c1", "ann@example.com"),))
    publish(working, serving, "b3", exports_dir=exports)
    assert folders() == ["b3"]  # b1 and b2 may hold c1's hashes
    manifest = (exports / "builds" / "b3" / "manifest.json").read_text()
    assert json.loads(manifest)["deletion_requests"]["requests"] == 1
    assert "ann@example.com" not in manifest and "c1" not in manifest  # a set digest, no identifiers
    publish(working, serving, "b4", exports_dir=exports)  # the same requests: b3 honours them all
    assert folders() == ["b3", "b4"]
    make_working(working, customers=3, deletion_requests=(("c1", "ann@example.com"), ("c2", None)))
    publish(working, serving, "b5", exports_dir=exports)
    assert folders() == ["b5"]
    assert os.readlink(exports / "current") == str(Path("builds") / "b5")


def test_an_export_folder_without_a_deletion_record_goes_when_requests_exist(setup):
    working, serving, exports = setup
    publish(working, serving, "b1", exports_dir=exports)
    manifest = exports / "builds" / "b1" / "manifest.json"
    older = json.loads(manifest.read_text())
    del older["deletion_requests"]  # a folder written before manifests recorded them
    manifest.write_text(json.dumps(older))
    publish(working, serving, "b2", exports_dir=exports)  # no requests: nothing to honour
    assert sorted(p.name for p in (exports / "builds").iterdir()) == ["b1", "b2"]
    make_working(working, customers=3, deletion_requests=(("c1", None),))
    publish(working, serving, "b3", exports_dir=exports)
    assert sorted(p.name for p in (exports / "builds").iterdir()) == ["b3"]


@pytest.mark.parametrize("failing", ["replace", "export"])
def test_a_failed_publish_leaves_serving_and_exports_untouched(setup, monkeypatch, failing):
    working, serving, exports = setup
    publish(working, serving, "b1", exports_dir=exports)
    before = digest(serving)
    make_working(working, customers=7)

    real_replace = os.replace

    def broken_replace(source, target):
        if Path(target) == serving:  # the rename that publishes the serving copy
            raise OSError("disk full")
        return real_replace(source, target)

    def broken_export(database, folder, build_id, dbt_vars=None):
        folder.mkdir(parents=True)
        (folder / "audience_vip_loyal.csv").write_text("half of it")  # then the disk fills up
        raise OSError("disk full")

    if failing == "replace":
        monkeypatch.setattr(publish_module.os, "replace", broken_replace)
    else:
        monkeypatch.setattr(publish_module, "export", broken_export)
    with pytest.raises(OSError, match="disk full"):
        publish(working, serving, "b2", exports_dir=exports)
    assert digest(serving) == before
    assert query(serving, "select count(*) from marts.customer_profiles") == [(3,)]
    assert os.readlink(exports / "current") == str(Path("builds") / "b1")
    assert sorted(p.name for p in (exports / "builds").iterdir()) == ["b1"]
    assert sorted(p.name for p in serving.parent.iterdir()) == SERVING_ENTRIES
    assert os.readlink(serving.parent / "parquet" / "current") == str(Path("builds") / "b1")
    assert sorted(p.name for p in (serving.parent / "parquet" / "builds").iterdir()) == ["b1"]


KILLED_PUBLISH = """
import os, sys, time
from pathlib import Path
from lifecycle import publish

def stall(src, dst):
    if str(dst).endswith('.duckdb'):
        print('about to replace', flush=True)  # the temporary copy is complete here
        time.sleep(600)
    return real(src, dst)

real = os.replace
publish.os.replace = stall
publish.publish(Path(sys.argv[1]), Path(sys.argv[2]), 'b2', exports_dir=Path(sys.argv[3]))
"""


def test_a_publish_killed_at_the_worst_moment_leaves_serving_untouched(setup):
    working, serving, exports = setup
    publish(working, serving, "b1", exports_dir=exports)
    before = digest(serving)
    make_working(working, customers=7)
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_PUBLISH, str(working), str(serving), str(exports)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "about to replace"
        leftovers = [p.name for p in serving.parent.glob(".warehouse.duckdb.b2.tmp*")]
        assert leftovers, "the temporary copy should exist when the kill arrives"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert digest(serving) == before
    assert query(serving, "select max(build_id) from publish.builds") == [("b1",)]
    assert query(serving, "select count(*) from marts.customer_profiles") == [(3,)]
    assert os.readlink(exports / "current") == str(Path("builds") / "b1")
    # the next publish cleans up what the killed one left
    publish(working, serving, "b3", exports_dir=exports)
    assert not list(serving.parent.glob(".warehouse.duckdb.*"))
    assert query(serving, "select count(*) from marts.customer_profiles") == [(7,)]


READER = """
import sys, time
from pathlib import Path
import duckdb

serving, stop = sys.argv[1], Path(sys.argv[2])
con = duckdb.connect(serving, read_only=True)  # held for the whole run, as a BI tool would
while not stop.exists():
    build = con.execute('select max(build_id) from publish.builds').fetchall()[0][0]
    n, revenue = con.execute('select count(*), sum(revenue) from marts.customer_profiles').fetchall()[0]
    print('held', build, n, revenue, flush=True)
    time.sleep(0.05)
con.close()
fresh = duckdb.connect(serving, read_only=True)
print('fresh', fresh.execute('select max(build_id) from publish.builds').fetchall()[0][0], flush=True)
"""


def start_reader(serving: Path, stop: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", READER, str(serving), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = process.stdout.readline()
    assert first.startswith("held"), (first, process.stderr.read() if process.poll() is not None else "")
    return process


def test_a_reader_holding_the_serving_file_keeps_working_through_publishes(setup, tmp_path):
    working, serving, exports = setup
    publish(working, serving, "b1", exports_dir=exports)
    stop = tmp_path / "stop"
    reader = start_reader(serving, stop)
    try:
        for i, customers in ((2, 7), (3, 9)):
            make_working(working, customers=customers)
            publish(working, serving, f"b{i}", exports_dir=exports)
            time.sleep(0.3)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    lines = out.splitlines()
    held = [line for line in lines if line.startswith("held")]
    assert len(held) > 5
    # the open connection kept answering with the build it opened, never a mix
    assert set(held) == {"held b1 3 60.0"}
    assert lines[-1] == "fresh b3"
    assert query(serving, "select count(*) from marts.customer_profiles") == [(9,)]
