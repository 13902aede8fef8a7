"""Incremental builds over deliveries: a shop delivered in batches, late rows included, and built
incrementally after each delivery gives exactly the tables of a full refresh over the same raw;
a second identical build changes nothing; a replacing ingest rebuilds the incremental models."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from conftest import query

from lifecycle.build import PRODUCTION_BUILD
from lifecycle.contract import DELIVERY_TIME_COLUMNS, load_contract
from lifecycle.dbt_runner import run_dbt
from lifecycle.ingest import ingest

pytestmark = pytest.mark.e2e

BATCHES = 3
INCREMENTAL_MODELS = [
    "base_raw__events",
    "base_raw__message_events",
    "base_raw__orders",
    "base_raw__order_items",
    "base_raw__customers",
    "base_raw__consents",
    "base_raw__loyalty_transactions",
    "base_raw__survey_responses",
    "int_browser_sessions",
    "int_event_identifiers",
    "int_event_identifier_days",
    "int_product_events",
]
# Fewer monthly feature snapshots than the default 12: the classifiers train on them at every
# full build, and this test is about which rows reach the models, not about model quality.
VARS = ["--vars", "{feature_snapshot_months: 6}"]
# Only what the incremental models carry from build to build; every other model is rebuilt
# in full by any build, so the last build of the series decides it.
INCREMENTAL_ONLY = [
    "build",
    "--select",
    "+config.materialized:incremental",
    "--exclude",
    "resource_type:test",
    "resource_type:unit_test",
]
NO_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test"]
COMPARED_SCHEMAS = ("staging", "intermediate", "marts", "audiences", "restricted")


def split_into_deliveries(shop: Path, out: Path, work_db: Path) -> list[tuple[Path, dt.datetime]]:
    """Split every file of `shop` into BATCHES deliveries by event time (terciles of order time),
    delivering about 5% of the rows of each earlier period late, in a later batch. Returns the
    delivery folders (Parquet files, text as delivered) with their load times."""
    ingest(shop, database=work_db)  # raw text with _raw_row_id in file order
    con = duckdb.connect(str(work_db))
    try:

        def time_of(column: str) -> str:
            return f"cast(try_cast(trim({column}) as timestamptz) as timestamp)"

        cut_1, cut_2, last = con.execute(
            f"select quantile_disc(t, 1 / 3), quantile_disc(t, 2 / 3), quantile_disc(t, 0.99)"
            f" from (select {time_of('ordered_at')} as t from raw.orders)"
        ).fetchall()[0]
        con.execute(
            f"create temp table order_times as select order_id, min({time_of('ordered_at')}) as t"
            " from raw.orders group by 1"
        ).fetchall()
        folders = []
        for batch in range(1, BATCHES + 1):
            folder = out / f"delivery_{batch}"
            folder.mkdir(parents=True)
            folders.append(folder)
        for name, table in load_contract().items():
            if name == "order_items":
                timed = (
                    "select r.*, o.t from raw.order_items as r"
                    " left join order_times as o on trim(r.order_id) = o.order_id"
                )
            else:
                timed = f"select *, {time_of(DELIVERY_TIME_COLUMNS[name])} as t from raw.{name}"
            period = (
                f"case when t is null then _raw_row_id % {BATCHES} + 1"
                f" when t < '{cut_1}' then 1 when t < '{cut_2}' then 2 else 3 end"
            )
            # late: 1 row in 20 of periods 1 and 2 arrives in a later batch
            delivery = (
                f"case when period < {BATCHES} and _raw_row_id % 20 = 7"
                f" then case when _raw_row_id % 40 = 7 then {BATCHES} else period + 1 end"
                " else period end"
            )
            columns = ", ".join(f'"{c}"' for c in table.column_names)
            con.execute(
                f"create or replace temp table split as select *, {delivery} as delivery"
                f" from (select *, {period} as period from ({timed}))"
            ).fetchall()
            for batch, folder in enumerate(folders, start=1):
                rows = con.execute(f"select count(*) from split where delivery = {batch}").fetchall()[0][0]
                if rows:
                    con.execute(
                        f"copy (select {columns} from split where delivery = {batch} order by _raw_row_id)"
                        f" to '{folder / name}.parquet' (format parquet)"
                    ).fetchall()
        loads = [cut_1, cut_2, last + dt.timedelta(days=1)]
        return list(zip(folders, loads, strict=True))
    finally:
        con.close()


def differing_tables(first: Path, second: Path) -> list[str]:
    """Tables of COMPARED_SCHEMAS whose rows differ (as multisets) between two warehouses; the
    snapshot history (valid_from = build time) is not compared."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{first}' as first_db (read_only)").fetchall()
        con.execute(f"attach '{second}' as second_db (read_only)").fetchall()

        def tables(catalog: str) -> set[tuple[str, str]]:
            return set(
                con.execute(
                    "select table_schema, table_name from information_schema.tables"
                    f" where table_catalog = '{catalog}' and table_type = 'BASE TABLE'"
                    f" and table_schema in {COMPARED_SCHEMAS} and table_name not like '%history'"
                ).fetchall()
            )

        names = tables("first_db")
        assert len(names) > 40
        differ = [f"{s}.{t}: only in one warehouse" for s, t in names ^ tables("second_db")]
        for schema, table in sorted(names & tables("second_db")):
            for a, b in (("first_db", "second_db"), ("second_db", "first_db")):
                extra = con.execute(
                    f"select count(*) from (select * from {a}.{schema}.{table}"
                    f" except all select * from {b}.{schema}.{table})"
                ).fetchall()[0][0]
                if extra:
                    differ.append(f"{schema}.{table}: {extra} rows of {a} not in {b}")
        return differ
    finally:
        con.close()


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Callable[[Path, list[str]], None]:
    """`build(db, args)`: `dbt <args>` on `db`, run at one fixed path, because dbt parses the whole
    project again (about 15 s) whenever its profile changes, and the warehouse path is in it."""
    work = tmp_path_factory.mktemp("work") / "warehouse.duckdb"

    def run(db: Path, args: list[str], extra_vars: str = "") -> None:
        shutil.move(db, work)
        vars_ = VARS if not extra_vars else ["--vars", VARS[1].rstrip("}") + ", " + extra_vars + "}"]
        try:
            # a caller passing its own --vars passes all of them (dbt reads only one --vars)
            full_args = args if "--vars" in args else [*args, *vars_]
            assert run_dbt(full_args, database=work) == 0, f"dbt {' '.join(args)} failed"
        finally:
            shutil.move(work, db)
        assert not work.with_name(work.name + ".wal").exists()

    return run


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory) -> list[tuple[Path, dt.datetime]]:
    from lifecycle.generate import generate

    root = tmp_path_factory.mktemp("deliveries")
    generate(root / "shop", customers=400, months=12, seed=11, end_date="2026-09-30", progress=False)
    return split_into_deliveries(root / "shop", root, root / "split.duckdb")


@pytest.fixture(scope="module")
def incremental_warehouse(deliveries, build, tmp_path_factory) -> Path:
    """The deliveries ingested one by one (append), with an incremental build after each."""
    db = tmp_path_factory.mktemp("incremental") / "warehouse.duckdb"
    for number, (folder, loaded_at) in enumerate(deliveries, start=1):
        ingest(folder, database=db, loaded_at=loaded_at, append=number > 1)
        last = number == len(deliveries)
        # the last build is the full project with every data test (the unit tests do not read
        # the warehouse: built_warehouse runs them)
        build(db, PRODUCTION_BUILD if last else INCREMENTAL_ONLY)
    return db


def test_the_split_delivers_late_rows_of_every_large_table(incremental_warehouse):
    # rows delivered after the load that closed their period: event time before the previous load
    deliveries = (
        "select ingest_id, lag(loaded_at) over (order by loaded_at) as previous_load"
        " from (select distinct ingest_id, loaded_at from raw._ingest_log)"
    )
    for table, time_column in (
        ("events", '"timestamp"'),
        ("message_events", "occurred_at"),
        ("orders", "ordered_at"),
        ("order_items", "(select min(o.ordered_at) from raw.orders o where o.order_id = r.order_id)"),
    ):
        late = query(
            incremental_warehouse,
            f"select count(*) from raw.{table} as r join ({deliveries}) as d on r._ingest_id = d.ingest_id"
            f" where try_cast({time_column} as timestamp) < d.previous_load",
        )[0][0]
        assert late >= 10, table


def test_incremental_builds_equal_a_full_refresh(incremental_warehouse, build, tmp_path):
    full = tmp_path / "full.duckdb"
    shutil.copy(incremental_warehouse, full)
    build(full, ["build", "--full-refresh", *NO_TESTS])
    assert differing_tables(incremental_warehouse, full) == []


def test_late_events_changed_sessions_built_before(incremental_warehouse):
    # browsers with sessions built by the first build and events of that period delivered in the
    # last one: the comparison with a full refresh is only meaningful if such late rows exist
    recomputed = query(
        incremental_warehouse,
        "select count(distinct late.anonymous_id) from staging.stg_raw__events as late"
        " join staging.stg_raw__events as first on first.anonymous_id = late.anonymous_id"
        " where first._loaded_at = (select min(_loaded_at) from raw.events)"
        " and late._loaded_at = (select max(_loaded_at) from raw.events)"
        " and late.event_at < (select min(_loaded_at) from raw.events)",
    )[0][0]
    assert recomputed > 10


def test_a_second_identical_build_changes_nothing(incremental_warehouse, build, tmp_path):
    again = tmp_path / "again.duckdb"
    shutil.copy(incremental_warehouse, again)
    build(again, ["build", *NO_TESTS])
    assert differing_tables(incremental_warehouse, again) == []


def test_a_new_funnel_definition_rebuilds_the_event_days(incremental_warehouse, build, tmp_path):
    """int_event_identifier_days stores the funnel flags of var marketing_funnel_events: an
    incremental build under another definition gives the rows of a full refresh under it."""
    other = (
        "{feature_snapshot_months: 6, marketing_funnel_events:"
        " {desire: [Page Viewed], intent: [Product Viewed], decision: [Cart Viewed]}}"
    )
    only_days = ["build", "--select", "int_event_identifier_days", *NO_TESTS, "--vars", other]
    incremental, full = tmp_path / "incremental.duckdb", tmp_path / "full.duckdb"
    shutil.copy(incremental_warehouse, incremental)
    shutil.copy(incremental_warehouse, full)
    build(incremental, only_days)
    build(full, [*only_days, "--full-refresh"])
    table = "intermediate.int_event_identifier_days"
    columns = (
        "identifier_set_key, event_date, events, has_desire_signal, has_intent_signal, has_decision_signal"
    )
    rows = query(incremental, f"select {columns} from {table} order by all")
    assert rows == query(full, f"select {columns} from {table} order by all")
    # the new definition took effect: page views signal desire now
    before = query(incremental_warehouse, f"select count(*) from {table} where has_desire_signal")[0][0]
    assert query(incremental, f"select count(*) from {table} where has_desire_signal")[0][0] != before


def test_a_replacing_ingest_rebuilds_the_incremental_models(
    deliveries, incremental_warehouse, build, tmp_path
):
    replaced = tmp_path / "replaced.duckdb"
    shutil.copy(incremental_warehouse, replaced)
    first_folder, loaded_at = deliveries[0]
    ingest(first_folder, database=replaced, loaded_at=loaded_at)  # replace: only delivery 1 is left
    build(replaced, INCREMENTAL_ONLY)
    fresh = tmp_path / "fresh.duckdb"
    ingest(first_folder, database=fresh, loaded_at=loaded_at)
    build(fresh, INCREMENTAL_ONLY)
    for model in INCREMENTAL_MODELS:
        schema = "staging" if model.startswith("base_") else "intermediate"
        columns = "* exclude (_ingest_id)"  # two ingests of the same files: different ids
        got = query(replaced, f"select {columns} from {schema}.{model} order by all")
        assert got == query(fresh, f"select {columns} from {schema}.{model} order by all"), model


# Identifier columns of the tables that carry identities, rewritten for an unrelated delivery.
IDENTIFIER_COLUMNS = {
    "customers": ["customer_id", "email"],
    "orders": ["order_id", "customer_id", "email", "anonymous_id"],
    "order_items": ["order_id"],
    "events": ["event_id", "user_id", "email", "anonymous_id", "device_id"],
}


def unrelated_delivery(out: Path, shared: set[str]) -> tuple[Path, int]:
    """A delivery of new people who share no usable identifier with anyone delivered before: a
    second generated shop (another seed) whose identifiers all get the prefix 'new-' (emails
    stay valid: 'new-ana@x.com'), except the values in `shared` (placeholders and shared devices
    of the first shop, such as the store kiosk), which are delivered as they are because
    unrelated people do use the same kiosk. Phones are left out (random digits could collide).
    Every fifth event with an email loses its user_id, anonymous_id and device_id: an email-only
    event (a server-side newsletter form) that must still resolve to its person.
    Returns the folder and the number of new customers."""
    from lifecycle.generate import generate

    shop = out / "shop"
    generate(shop, customers=60, months=12, seed=23, end_date="2026-09-30", progress=False)
    folder = out / "delivery"
    folder.mkdir()
    con = duckdb.connect()
    try:
        con.execute("create temp table shared (value varchar)").fetchall()
        con.executemany("insert into shared values (?)", [(v,) for v in sorted(shared)])
        for name, columns in IDENTIFIER_COLUMNS.items():
            con.execute(
                f"create or replace temp table delivered as select *, row_number() over () as n"
                f" from read_csv('{shop / name}.csv', all_varchar = true)"
            ).fetchall()
            for column in columns:
                con.execute(
                    f'update delivered set "{column}" = \'new-\' || "{column}"'
                    f' where "{column}" not in (select value from shared)'
                ).fetchall()
            if name == "customers":
                con.execute("update delivered set phone = null").fetchall()
            if name == "events":
                con.execute(
                    "update delivered set user_id = null, anonymous_id = null, device_id = null"
                    " where email is not null and n % 5 = 0"
                ).fetchall()
            con.execute(
                f"copy (select * exclude (n) from delivered order by n) to '{folder / name}.csv' (header)"
            ).fetchall()
        customers = con.execute(f"select count(*) from read_csv('{folder}/customers.csv')").fetchall()[0][0]
        email_only = con.execute(
            f"select count(*) from read_csv('{folder}/events.csv', all_varchar = true)"
            " where email is not null and user_id is null and anonymous_id is null"
        ).fetchall()[0][0]
        assert email_only > 10, "the unrelated delivery has too few email-only events"
        return folder, customers
    finally:
        con.close()


def test_unrelated_new_customers_leave_every_existing_customer_key_unchanged(
    deliveries, incremental_warehouse, build, tmp_path
):
    before = dict(
        query(incremental_warehouse, "select node, customer_key from intermediate.int_identity_graph")
    )
    orders_before = dict(
        query(incremental_warehouse, "select order_id, customer_key from intermediate.int_orders_resolved")
    )
    shared = {
        value
        for (value,) in query(
            incremental_warehouse,
            "select id_value from intermediate.int_identity_nodes where is_placeholder or is_shared",
        )
    }
    persons_before = query(incremental_warehouse, "select count(*) from intermediate.int_persons")[0][0]
    folder, new_customers = unrelated_delivery(tmp_path, shared)

    after_db = tmp_path / "after.duckdb"
    shutil.copy(incremental_warehouse, after_db)
    # loaded after the last delivery and after the new shop's last day (2026-09-30)
    loaded_at = max(deliveries[-1][1] + dt.timedelta(days=1), dt.datetime(2026, 10, 1))
    ingest(folder, database=after_db, loaded_at=loaded_at, append=True)
    # only the identity models and what they read, with their data tests (among them: every
    # identified event, the new email-only ones included, has a person)
    build(
        after_db,
        [
            "build",
            "--select",
            "+int_persons",
            "+int_orders_resolved",
            "+int_event_identifier_persons",
            "--exclude",
            "resource_type:unit_test",
            # only tests whose every parent was rebuilt (not quarantine or KPI reconciliations)
            "--indirect-selection",
            "cautious",
        ],
    )

    after = dict(query(after_db, "select node, customer_key from intermediate.int_identity_graph"))
    assert len(after) > len(before), "the new delivery added no identifiers"
    changed = {node: (key, after.get(node)) for node, key in before.items() if after.get(node) != key}
    assert changed == {}, (
        f"{len(changed)} existing identifiers changed person, e.g. {list(changed.items())[:3]}"
    )
    # and nobody new joined an existing person: every new identifier has a new key
    old_keys = set(before.values())
    joined = [node for node, key in after.items() if node not in before and key in old_keys]
    assert joined == [], f"new identifiers merged into existing persons: {joined[:5]}"
    orders_after = dict(
        query(after_db, "select order_id, customer_key from intermediate.int_orders_resolved")
    )
    assert {o: orders_after.get(o) for o in orders_before} == orders_before
    new_customer_nodes = sum(node.startswith("customer_id:new-") for node in after)
    assert new_customer_nodes > new_customers / 2, "the new customers did not reach the graph"
    assert query(after_db, "select count(*) from intermediate.int_persons")[0][0] > persons_before


PREDICTIVE = [
    "int_as_of_date",
    "int_customer_snapshot_features",
    "int_customer_feature_snapshots",
    "int_snapshot_bgnbd_params",
    "int_classifier_backtests",
    "int_classifier_fits",
    "int_classifier_scores",
]


def _table(db: Path, name: str, columns: str = "*") -> list[tuple]:
    return query(db, f"select {columns} from intermediate.{name} order by all")


def test_feature_snapshots_follow_a_moving_as_of_date_like_a_full_refresh(
    incremental_warehouse, build, tmp_path
):
    """Daily builds move as_of_date: the month-end snapshots stay, the scoring snapshot moves, a
    new month end appears. Built incrementally day after day (first back in time, which rebuilds
    every row whose stored signature is missing), the feature snapshots and everything the
    classifiers derive equal a full refresh at each date; a day that matures no new snapshot
    reuses the fitted models (same model_version, no retraining), one that does retrains."""
    latest = query(incremental_warehouse, "select as_of_date from intermediate.int_as_of_date")[0][0]
    # the 10th and 11th of a month (no month end + 30 or + 90 days falls between them), then a
    # date after the next month end
    day_10 = (latest.replace(day=1) - dt.timedelta(days=40)).replace(day=10)
    dates = [day_10, day_10 + dt.timedelta(days=1), day_10 + dt.timedelta(days=32)]
    moving = tmp_path / "moving.duckdb"
    shutil.copy(incremental_warehouse, moving)
    versions = []
    for as_of in dates:
        vars_ = f"as_of_date: '{as_of.isoformat()}'"
        build(moving, ["build", "--select", *PREDICTIVE, *NO_TESTS], vars_)
        fresh = tmp_path / f"fresh_{as_of}.duckdb"
        shutil.copy(incremental_warehouse, fresh)
        build(fresh, ["build", "--full-refresh", "--select", *PREDICTIVE, *NO_TESTS], vars_)
        assert query(moving, "select as_of_date from intermediate.int_as_of_date") == [(as_of,)]
        for name in ("int_customer_snapshot_features", "int_snapshot_bgnbd_params", "int_classifier_scores"):
            assert _table(moving, name) == _table(fresh, name), (as_of, name)
        backtests = "task, holdout_snapshot, model, customer_key, probability, label"
        assert _table(moving, "int_classifier_backtests", backtests) == _table(
            fresh, "int_classifier_backtests", backtests
        ), as_of
        snapshot_dates = {
            d
            for (d,) in query(
                moving, "select distinct snapshot_date from intermediate.int_customer_snapshot_features"
            )
        }
        assert as_of in snapshot_dates and len(snapshot_dates) == 7  # 6 month ends (VARS) + as_of_date
        versions.append(
            dict(query(moving, "select task, model_version from intermediate.int_classifier_fits"))
        )
    assert versions[1] == versions[0], "one day later, nothing new matured: the fits are reused"
    assert versions[2] != versions[1], "a month later new snapshots matured: the models retrain"
