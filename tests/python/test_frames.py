"""frames.to_pandas: one reader for dbt refs, the same pandas from DuckDB and from Spark.

Spark is not needed here: a Spark DataFrame reaches to_pandas as `toArrow()`, so a stand-in
with that method, fed the Arrow a Spark session would send (timestamps tagged with the session
zone), must give exactly what DuckDB's own `.df()` gives for the same SQL types."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from lifecycle.modelling.frames import arrow_to_pandas, to_pandas

# the column types our models hand to Python models, with nulls where pandas dtypes change
SQL = """
select * from (values
    (cast('k1' as varchar), cast(12.345678 as decimal(28, 6)), cast(1.5 as double), cast(3 as bigint),
     cast(2 as integer), true, date '2024-02-29', timestamp '2024-03-01 23:59:59.123456',
     cast(null as varchar)),
    ('k2', null, null, null, 7, null, null, null, null),
    ('k3', -0.5, 2.25, 9, null, false, date '1999-12-31', timestamp '2000-01-01 00:00:00', null)
) as t(customer_key, amount, score, orders, decile, is_active, first_order_date, last_seen_at, note)
"""


class SparkLikeFrame:
    """What to_pandas needs of a pyspark DataFrame: toArrow(), zone-aware timestamps included."""

    def __init__(self, table: pa.Table, zone: str) -> None:
        self._table = table
        self._zone = zone

    def toArrow(self) -> pa.Table:  # noqa: N802 (pyspark's name)
        fields = [
            pa.field(f.name, pa.timestamp("us", tz=self._zone)) if pa.types.is_timestamp(f.type) else f
            for f in self._table.schema
        ]
        return self._table.cast(pa.schema(fields))


@pytest.fixture()
def con():
    con = duckdb.connect()
    yield con
    con.close()


def test_a_duckdb_relation_is_read_with_its_own_df(con):
    expected = con.sql(SQL).df()
    pd.testing.assert_frame_equal(to_pandas(con.sql(SQL)), expected)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Los_Angeles"])
def test_a_spark_frame_gives_the_same_pandas_as_duckdb(con, zone):
    expected = con.sql(SQL).df()
    arrow = con.sql(SQL).to_arrow_table()
    got = to_pandas(SparkLikeFrame(arrow, zone))
    # same dtypes (decimal -> float64, date -> datetime64, nullable ints -> Int64 ...) and values;
    # the zone a Spark session tags its timestamps with must not shift them
    pd.testing.assert_frame_equal(got, expected)
    assert got.loc[0, "last_seen_at"] == pd.Timestamp("2024-03-01 23:59:59.123456")


def test_spark_decimals_are_floats_not_decimal_objects(con):
    got = arrow_to_pandas(con.sql("select cast(10.25 as decimal(18, 2)) as revenue").to_arrow_table())
    assert got["revenue"].dtype == "float64"
    assert got["revenue"].iloc[0] == 10.25


def test_an_older_pyspark_frame_without_to_arrow_uses_to_pandas(con):
    class OldSparkFrame:
        def toPandas(self) -> pd.DataFrame:  # noqa: N802 (pyspark's name)
            return pd.DataFrame({"customer_key": ["a", "b"], "orders": [1, 2]})

    got = to_pandas(OldSparkFrame())
    assert got["customer_key"].tolist() == ["a", "b"]
    assert got["orders"].tolist() == [1, 2]


def test_anything_else_is_refused_with_its_type():
    with pytest.raises(TypeError, match="builtins.list"):
        to_pandas([1, 2, 3])


# --- narrow reads -------------------------------------------------------------------------------

from lifecycle.modelling.frames import count_rows, grouped_counts, previous_table, read_arrow  # noqa: E402

ROWS = "select * from (values ('a', 1, 2.5), ('b', 1, 3.5), ('c', 2, 3.5), ('d', null, 1.0)) as t(k, g, v)"


class SparkLikeRelation:
    """What the narrow readers need of a pyspark DataFrame, backed by DuckDB SQL."""

    def __init__(self, con, sql: str) -> None:
        self.con, self.sql = con, sql

    def filter(self, condition: str) -> SparkLikeRelation:
        return SparkLikeRelation(self.con, f"select * from ({self.sql}) where {condition}")

    def select(self, *columns: str) -> SparkLikeRelation:
        return SparkLikeRelation(self.con, f"select {', '.join(columns)} from ({self.sql})")

    def count(self) -> int:
        return self.con.sql(f"select count(*) from ({self.sql})").fetchall()[0][0]

    def groupBy(self, *columns: str) -> SparkLikeGrouped:  # noqa: N802 (pyspark's name)
        return SparkLikeGrouped(self, columns)

    def withColumnRenamed(self, old: str, new: str) -> SparkLikeRelation:  # noqa: N802
        return SparkLikeRelation(self.con, f"select * rename ({old} as {new}) from ({self.sql})")

    def toArrow(self) -> pa.Table:  # noqa: N802
        return self.con.sql(self.sql).to_arrow_table()


class SparkLikeGrouped:
    def __init__(self, relation: SparkLikeRelation, columns) -> None:
        self.relation, self.columns = relation, columns

    def count(self) -> SparkLikeRelation:
        names = ", ".join(self.columns)
        return SparkLikeRelation(
            self.relation.con,
            f'select {names}, count(*) as "count" from ({self.relation.sql}) group by {names}',
        )


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_narrow_reads_filter_and_project_in_the_engine(con, engine):
    relation = con.sql(ROWS) if engine == "duckdb" else SparkLikeRelation(con, ROWS)
    table = read_arrow(relation, ["k", "v"], "g = 1")
    assert table.column_names == ["k", "v"]
    assert sorted(table.column("k").to_pylist()) == ["a", "b"]
    assert count_rows(relation, "v > 2") == 3
    assert count_rows(relation) == 4
    grouped = grouped_counts(relation, ["g", "v"]).sort_values(["g", "v"], na_position="last")
    assert grouped["customers"].tolist() == [1, 1, 1, 1]
    assert len(grouped_counts(relation, ["v"])) == 3


def test_previous_table_reads_this_model_s_last_rows_or_none(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:

        class This:
            def __repr__(self) -> str:
                return '"w"."main"."fits"'

        class Dbt:
            this = This()

        assert previous_table(Dbt(), con) is None  # first build
        con.execute(
            "create table fits as select 'purchase' as task, 'abc' as training_fingerprint"
        ).fetchall()
        table = previous_table(Dbt(), con)
        assert table.to_pylist() == [{"task": "purchase", "training_fingerprint": "abc"}]
    finally:
        con.close()


def test_previous_table_on_spark_asks_the_catalog():
    class Catalog:
        def __init__(self, exists: bool) -> None:
            self.exists = exists

        def tableExists(self, name: str) -> bool:  # noqa: N802 (pyspark's name)
            assert name == "intermediate.fits"
            return self.exists

    class Session:
        def __init__(self, exists: bool) -> None:
            self.catalog = Catalog(exists)

        def table(self, name: str):
            return SparkLikeFrame(pa.table({"task": ["churn"]}), "UTC")

    class Dbt:
        this = "intermediate.fits"

    assert previous_table(Dbt(), Session(False)) is None
    assert previous_table(Dbt(), Session(True)).column("task").to_pylist() == ["churn"]
