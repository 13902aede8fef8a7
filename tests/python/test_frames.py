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
