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
