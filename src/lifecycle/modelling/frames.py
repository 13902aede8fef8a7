"""One way for dbt Python models to read a ref as pandas, whatever the engine.

`dbt.ref()` is a DuckDB relation on dbt-duckdb and a Spark DataFrame on dbt-spark/Databricks.
Every python_models/*.py reads its inputs through `to_pandas`, so the same file runs on both and
the modelling code sees the same dtypes: a Spark DataFrame is converted through Arrow and DuckDB,
so decimals become float64, dates datetime64, nullable integers Int64, exactly as DuckDB's own
`.df()` does. Otherwise a model could train on Decimal objects on one engine and floats on the
other and publish different numbers.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa


def to_pandas(relation: Any) -> pd.DataFrame:
    """A dbt ref (DuckDB relation or Spark DataFrame) as a pandas DataFrame, fully fetched."""
    if isinstance(relation, duckdb.DuckDBPyRelation):
        return relation.df()
    if isinstance(relation, pd.DataFrame):
        return relation
    if callable(getattr(relation, "toArrow", None)):  # pyspark >= 4 (classic and Connect)
        return arrow_to_pandas(relation.toArrow())
    if callable(getattr(relation, "toPandas", None)):  # older pyspark
        return arrow_to_pandas(pa.Table.from_pandas(relation.toPandas(), preserve_index=False))
    raise TypeError(
        f"to_pandas: cannot read a {type(relation).__module__}.{type(relation).__name__}; "
        "expected a DuckDB relation or a Spark DataFrame (what dbt.ref() returns)"
    )


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as pandas with DuckDB's type conversions (see the module docstring).

    Zone-aware timestamps (Spark sends its session zone, UTC here) become zone-less UTC, as the
    warehouse stores them."""
    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_timestamp(kind) and kind.tz is not None:
            # Arrow stores UTC instants; dropping the zone keeps them (no local-time shift)
            kind = pa.timestamp(kind.unit)
        fields.append(pa.field(field.name, kind))
    table = table.cast(pa.schema(fields))
    con = duckdb.connect()
    try:
        return con.from_arrow(table).df()
    finally:
        con.close()


# --- narrow reads: only the rows and columns a model needs, as Arrow ----------------------------


def _is_duckdb(relation: Any) -> bool:
    return isinstance(relation, duckdb.DuckDBPyRelation)


def _utc_naive(table: pa.Table) -> pa.Table:
    """Zone-aware timestamps (Spark tags its session zone) as zone-less UTC, as the warehouse
    stores them; decimals as float64 (see arrow_to_pandas)."""
    fields = []
    for f in table.schema:
        kind = f.type
        if pa.types.is_timestamp(kind) and kind.tz is not None:
            kind = pa.timestamp(kind.unit)
        elif pa.types.is_decimal(kind):
            kind = pa.float64()
        fields.append(pa.field(f.name, kind))
    return table.cast(pa.schema(fields))


def read_arrow(relation: Any, columns: list[str] | None = None, where: str | None = None) -> pa.Table:
    """Rows of a dbt ref matching the SQL condition `where` (None: all), only `columns` (None:
    all), as an Arrow table: the engine filters and projects, so a model never copies a whole
    wide table into Python. Works on a DuckDB relation and a Spark DataFrame alike (both take a
    SQL condition string)."""
    if isinstance(relation, pd.DataFrame):
        frame = relation.query(where) if where else relation  # tests hand frames in
        return pa.Table.from_pandas(frame[columns] if columns else frame, preserve_index=False)
    if where:
        relation = relation.filter(where)
    if columns:
        relation = relation.select(*columns)
    if _is_duckdb(relation):
        return _utc_naive(relation.to_arrow_table())
    if callable(getattr(relation, "toArrow", None)):
        return _utc_naive(relation.toArrow())
    return _utc_naive(pa.Table.from_pandas(relation.toPandas(), preserve_index=False))


def count_rows(relation: Any, where: str | None = None) -> int:
    """Rows of a dbt ref matching `where`, counted by the engine."""
    if isinstance(relation, pd.DataFrame):
        return int(len(relation.query(where))) if where else int(len(relation))
    if where:
        relation = relation.filter(where)
    if _is_duckdb(relation):
        return int(relation.aggregate("count(*)").fetchall()[0][0])
    return int(relation.count())


def previous_table(dbt: Any, session: Any) -> pa.Table | None:
    """The rows this model wrote in the previous build, or None (first build). A table model
    can read them while it runs: dbt-duckdb swaps the new table in only after the model returns,
    and lifecycle.spark_build writes it only then too. Used by models that reuse an earlier
    result whose inputs have not changed (a fitted classifier)."""
    name = str(dbt.this)
    catalog = getattr(session, "catalog", None)
    if catalog is not None and callable(getattr(catalog, "tableExists", None)):  # Spark
        return _utc_naive(session.table(name).toArrow()) if catalog.tableExists(name) else None
    try:  # a DuckDB connection (dbt-duckdb hands the model a cursor wrapper)
        return _utc_naive(session.sql(f"select * from {name}").to_arrow_table())
    except duckdb.CatalogException:
        return None


def grouped_counts(relation: Any, columns: list[str]) -> pd.DataFrame:
    """Distinct values of `columns` with how many rows share them (column `customers`), grouped
    by the engine: a model that needs only the distinct rows never fetches the others."""
    if isinstance(relation, pd.DataFrame):
        return relation.groupby(columns, as_index=False).size().rename(columns={"size": "customers"})
    names = ", ".join(columns)
    if _is_duckdb(relation):
        table = relation.aggregate(f"{names}, count(*) as customers", names).to_arrow_table()
    else:
        counted = relation.groupBy(*columns).count().withColumnRenamed("count", "customers")
        table = (
            counted.toArrow()
            if callable(getattr(counted, "toArrow", None))
            else pa.Table.from_pandas(counted.toPandas(), preserve_index=False)
        )
    return _utc_naive(table).to_pandas()
