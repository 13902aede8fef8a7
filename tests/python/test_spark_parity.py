"""The project on a local Spark: the cross-database macros give DuckDB's answers, every model
builds and every dbt test passes there, and the key marts equal the DuckDB build's.

Run with `make test-spark` (installs the `spark` extra, needs Java 17); `make test` leaves it out
(marker `spark`). The DuckDB side is the normal build of conftest's `built_warehouse`; the Spark
side is lifecycle.spark_build's three-step build in this process, Python models included, then
`dbt test` on Spark (SPARK_DBT_TESTS=0 skips that part, =data runs only the data tests). The
comparison table is printed whatever the outcome and kept as spark_parity.txt in the Spark work
folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from lifecycle import paths
from lifecycle.modelling.frames import to_pandas
from lifecycle.parity import compare, format_table, mart_measures, values_agree

pytestmark = [pytest.mark.spark, pytest.mark.e2e]

# Every cross-database macro at a boundary where engines differ (`dbt show` on both engines)
MACRO_CASES = (Path(__file__).parent / "spark_macro_cases.sql").read_text(encoding="utf-8")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


EXPECTED = {
    "month_diff_at_month_end": 1,
    "hour_diff_within_hour": 0,
    "minute_diff_across_minute": 1,
    "day_diff_across_midnight": 1,
    "two_years_after_leap_day": dt.datetime(2026, 2, 28),
    "day_after_keeps_microseconds": dt.datetime(2024, 1, 2, 10, 0, 0, 123456),
    "bad_integer": None,
    "good_decimal": 12.5,
    "posix_classes_removed": "OBrienSmith",
    "backslash_class": "a_b_c",
    "placeholder_matches": True,
    "placeholder_is_anchored": False,
    "sha256_abc": _sha("abc"),
    "meta_city_hash": _sha("sãopaulo"),
    "google_last_name_hash": _sha("obriensmith"),
    "google_first_name_hash": _sha("ana maria"),
    "bucharest_at_noon_utc": dt.datetime(2024, 7, 1, 15),
    "json_number_as_text": "2",
    "offset_to_utc": dt.datetime(2026, 3, 1, 10),
    "no_offset_is_utc": dt.datetime(2026, 3, 1, 12),
    "minus_infinity_is_earliest": True,  # a placeholder: quarantined as implausible_timestamp
    "infinity_is_latest": True,  # quarantined as future_timestamp
    "ordered_listagg": "b,a,c",
    # DuckDB's round() of the double nearest 155.325 (155.32499999999998...); see round_double
    "sek_1635_in_usd": 155.32,
    "average_of_decimals": 0.7 / 3,
}


@pytest.fixture(scope="module")
def spark_session(tmp_path_factory):
    pytest.importorskip("pyspark", reason="the spark extra is not installed: run `make test-spark`")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("Spark needs a Java runtime (17): `apt-get install openjdk-17-jre-headless`")
    # pyspark turns timestamps into Python datetimes in the process's local zone
    os.environ["TZ"] = "UTC"
    time.tzset()
    from lifecycle.spark_build import local_spark_session

    work = tmp_path_factory.mktemp("spark")
    spark = local_spark_session(work)
    yield spark, work
    spark.stop()


def _show(sql: str, target: str, work: Path) -> dict:
    """`dbt show --inline` on one target; the single row as {column: Python value}."""
    from dbt.cli.main import dbtRunner

    project = paths.project_dir()
    result = dbtRunner().invoke(
        [
            "show",
            "--inline",
            sql,
            "--target",
            target,
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(work / f"target-{target}"),
            "--log-path",
            str(work / "logs"),
            "--quiet",
        ]
    )
    assert result.success, f"dbt show failed on {target}: {result.exception}"
    table = result.result.results[0].agate_table
    return {name: _python(value) for name, value in zip(table.column_names, table.rows[0], strict=True)}


def _python(value):
    """agate's Decimal as int or float; datetimes without a zone (the session zone is UTC)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if hasattr(value, "as_integer_ratio") and not isinstance(value, bool):  # Decimal, float
        return int(value) if value == int(value) else float(value)
    return value


def test_cross_db_macros_give_the_same_answers(spark_session, tmp_path, monkeypatch, capsys):
    _, work = spark_session
    monkeypatch.setenv("LIFECYCLE_DUCKDB_PATH", str(tmp_path / "empty.duckdb"))
    on_duckdb = _show(MACRO_CASES, "duckdb", work)
    on_spark = _show(MACRO_CASES, "spark", work)
    rows = [(name, on_duckdb.get(name), on_spark.get(name), expected) for name, expected in EXPECTED.items()]
    with capsys.disabled():
        print("\ncross-database macros (duckdb | spark | expected):")
        for name, left, right, expected in rows:
            print(f"  {name:32} {left!s:32} {right!s:32} {expected!s}")
    wrong = [
        f"{name}: duckdb {left!r}, spark {right!r}, expected {expected!r}"
        for name, left, right, expected in rows
        if not (values_agree(left, expected) and values_agree(right, expected))
    ]
    assert not wrong, "\n".join(wrong)


@pytest.fixture(scope="module")
def spark_warehouse(built_warehouse, spark_session, pytestconfig):
    """The demo shop's raw data (from the DuckDB build) built on Spark: models, then dbt tests."""
    from lifecycle.spark_build import build, load_raw_from_duckdb

    spark, work = spark_session
    started = time.monotonic()
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")

    def log(line: str) -> None:
        # progress of a long build, shown as it happens (dbt's own output stays captured)
        with capture.global_and_fixture_disabled():
            print(line, flush=True)

    raw = load_raw_from_duckdb(spark, built_warehouse)
    log(f"raw tables copied to Spark: {sum(raw.values()):,} rows in {len(raw)} tables")
    # SPARK_DBT_TESTS: 1 (default) every test, data = the data tests only (the unit tests, about
    # a third of the test time, already run on DuckDB in `make test`), 0 none
    which = os.environ.get("SPARK_DBT_TESTS", "1")
    test_args = {"0": None, "data": ["--exclude-resource-type", "unit_test"]}.get(which, [])
    build(spark, work, test_args=test_args, log=log)
    log(f"spark: loaded, built and tested in {time.monotonic() - started:.0f} s")
    return spark, work


def test_spark_build_agrees_with_duckdb(built_warehouse, spark_warehouse, capsys):
    spark, work = spark_warehouse
    con = duckdb.connect(str(built_warehouse), read_only=True)
    try:
        on_duckdb = mart_measures(lambda sql: to_pandas(con.sql(sql)))
    finally:
        con.close()
    on_spark = mart_measures(lambda sql: to_pandas(spark.sql(sql)))
    rows = compare(on_duckdb, on_spark)
    table = format_table(rows)
    (work / "spark_parity.txt").write_text(table + "\n", encoding="utf-8")
    with capsys.disabled():
        print("\nDuckDB vs Spark, key marts:\n" + table, flush=True)

    differing = [r for r in rows if not r.agrees]
    assert not differing, f"{len(differing)} measures differ between DuckDB and Spark: " + "; ".join(
        f"{r.measure}: {r.left} vs {r.right}" for r in differing
    )


def test_staging_runs_with_ansi_mode_on(spark_warehouse):
    """dbt-spark switches ANSI mode off for its sessions; Databricks SQL and plain Spark 4 have
    it on, where a cast of a bad value raises. The staging SQL dbt just ran must run there too,
    with every raw row kept and the unparseable ones quarantined rather than failing the model."""
    spark, work = spark_warehouse
    # the models as dbt compiled them (target/compiled also holds unit-test variants elsewhere)
    base = work / "target" / "compiled" / "lifecycle" / "models" / "staging" / "raw" / "base"
    compiled = sorted(base.glob("base_raw__*.sql"))
    assert len(compiled) >= 12, compiled
    previous = spark.conf.get("spark.sql.ansi.enabled")
    spark.conf.set("spark.sql.ansi.enabled", "true")
    unparseable = 0
    try:
        for path in compiled:
            table = path.stem.removeprefix("base_raw__")
            bad = "sum(case when quarantine_reason = 'unparseable_number' then 1 else 0 end)"
            model = path.read_text(encoding="utf-8")
            counts = spark.sql(f"select count(*) as n, {bad} as bad from ({model}) as model").collect()[0]
            assert counts["n"] == spark.table(f"raw.{table}").count(), table
            unparseable += counts["bad"] or 0
    finally:
        spark.conf.set("spark.sql.ansi.enabled", previous)
    assert unparseable > 0, "the demo data has unparseable numbers: they must have been read"
