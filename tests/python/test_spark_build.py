"""lifecycle.spark_build without Spark: model order, the stand-in `dbt`, the Arrow types Spark
gets, and step 2 (running Python models) against a fake session backed by DuckDB.

The real build on Spark is test_spark_parity.py (`make test-spark`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from lifecycle.spark_build import (
    DbtStandIn,
    SparkBuildError,
    ancestors,
    constraint_violations,
    python_models,
    run_python_models,
    spark_ready_arrow,
)


def _node(name: str, parents: list[str], schema: str = "marts", language: str = "python", **config) -> dict:
    return {
        "name": name,
        "alias": name,
        "schema": schema,
        "resource_type": "model",
        "language": language,
        "depends_on": {"nodes": [f"model.lifecycle.{p}" for p in parents]},
        "config": config,
        "original_file_path": f"python_models/{name}.py",
    }


def _manifest(*nodes: dict) -> dict:
    return {"nodes": {f"model.lifecycle.{n['name']}": n for n in nodes}}


def test_python_models_come_after_the_python_models_they_read():
    manifest = _manifest(
        _node("model_evaluation", ["int_scores", "int_features"]),
        _node("int_scores", ["int_features"]),
        _node("int_features", [], language="sql"),
        _node("a_first_by_name", ["model_evaluation"]),
    )
    order = [n["name"] for n in python_models(manifest)]
    assert order == ["int_scores", "model_evaluation", "a_first_by_name"]


def test_the_sql_upstream_of_a_python_model_includes_seeds_which_depend_on_nothing():
    seed = {"name": "currency_rates", "resource_type": "seed", "depends_on": {"macros": []}}
    manifest = _manifest(
        _node("int_scores", ["int_features", "int_orders"]),
        _node("int_features", ["currency_rates"], language="sql"),
        _node("int_orders", [], language="sql"),
    )
    manifest["nodes"]["model.lifecycle.currency_rates"] = seed  # dbt writes no "nodes" for a seed
    names = {manifest["nodes"][uid]["name"] for uid in ancestors(manifest, "model.lifecycle.int_scores")}
    assert names == {"int_features", "int_orders", "currency_rates"}


def test_a_python_model_comes_after_a_python_model_it_reads_through_sql_models():
    manifest = _manifest(
        _node("a_tests", ["int_sessions"]),  # first by name, but reads z_graph through a SQL model
        _node("int_sessions", ["z_graph"], language="sql"),
        _node("z_graph", []),
    )
    assert [n["name"] for n in python_models(manifest)] == ["z_graph", "a_tests"]


def test_a_cycle_of_python_models_is_named():
    manifest = _manifest(_node("a", ["b"]), _node("b", ["a"]))
    with pytest.raises(SparkBuildError, match="a -> b -> a|b -> a -> b"):
        python_models(manifest)


class FakeSpark:
    """The few SparkSession calls step 2 makes, on DuckDB: table() gives a DuckDB relation
    (to_pandas reads both), created tables are kept as Arrow."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.written: dict[str, pa.Table] = {}
        self.statements: list[str] = []

    def table(self, name: str):
        return self.con.sql(f"select * from {name}")

    def sql(self, statement: str) -> None:
        self.statements.append(statement)

    def createDataFrame(self, table: pa.Table):  # noqa: N802 (pyspark's name)
        spark = self

        class Writer:
            def mode(self, mode: str):
                assert mode == "overwrite"
                return self

            def saveAsTable(self, name: str) -> None:  # noqa: N802
                spark.written[name] = table

        class Frame:
            write = Writer()

        return Frame()


def test_the_stand_in_dbt_resolves_refs_and_reads_the_rendered_config():
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_features as select 1 as x")
    node = _node("clv", ["int_features"], clv_horizon_days="365")
    dbt = DbtStandIn(FakeSpark(con), node, {"clv": "marts.clv", "int_features": "intermediate.int_features"})
    assert dbt.config(materialized="table") is None
    assert dbt.config.get("clv_horizon_days") == "365"
    assert dbt.config.get("missing", "default") == "default"
    assert dbt.ref("int_features").fetchall() == [(1,)]
    with pytest.raises(SparkBuildError, match="ref\\('nope'\\)"):
        dbt.ref("nope")
    con.close()


MODEL = """
from lifecycle.modelling.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    orders = to_pandas(dbt.ref("int_orders"))
    orders["value"] = orders["amount"] * float(dbt.config.get("multiplier"))
    return orders
"""


def test_step_two_runs_each_python_model_and_writes_its_table(tmp_path: Path):
    (tmp_path / "python_models").mkdir()
    (tmp_path / "python_models" / "scaled_orders.py").write_text(MODEL, encoding="utf-8")
    (tmp_path / "python_models" / "broken.py").write_text(
        "def model(dbt, session):\n    raise ValueError('no data')\n", encoding="utf-8"
    )
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_orders as"
        " select * from (values ('o1', cast(2.50 as decimal(18, 2))), ('o2', 4.00)) t(order_id, amount)"
    )
    spark = FakeSpark(con)
    manifest = _manifest(
        _node("int_orders", [], schema="intermediate", language="sql"),
        _node("scaled_orders", ["int_orders"], multiplier="3"),
    )
    run_python_models(spark, manifest, tmp_path, log=lambda _: None)
    written = spark.written["marts.scaled_orders"]
    assert written.column("value").to_pylist() == [7.5, 12.0]
    assert "create schema if not exists marts" in spark.statements

    manifest = _manifest(_node("broken", []))
    with pytest.raises(SparkBuildError, match="Python model broken .*ValueError: no data"):
        run_python_models(spark, manifest, tmp_path, log=lambda _: None)
    con.close()


def test_arrow_types_are_made_storable_like_the_sql_models_tables():
    table = pa.table(
        {
            "at": pa.array([dt.datetime(2024, 1, 1, 12)], pa.timestamp("ns")),
            "nothing": pa.array([None], pa.null()),
            "label": pa.array(["x"], pa.large_string()),
            "amount": pa.array([1.5], pa.float64()),
        }
    )
    ready = spark_ready_arrow(table)
    assert ready.schema.field("at").type == pa.timestamp("us", tz="UTC")
    assert ready.column("at")[0].as_py() == dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
    assert ready.schema.field("nothing").type == pa.string()
    assert ready.schema.field("label").type == pa.string()
    assert ready.schema.field("amount").type == pa.float64()


def _contracted(
    name: str, columns: dict[str, list[str]], constraints: list[dict], enforced: bool = True
) -> dict:
    """A SQL model node with a contract: column name -> its constraint types, model constraints."""
    node = _node(name, [], schema="main", language="sql", contract={"enforced": enforced})
    node["unique_id"] = f"model.lifecycle.{name}"
    node["columns"] = {
        c: {"name": c, "constraints": [{"type": t} for t in kinds]} for c, kinds in columns.items()
    }
    node["constraints"] = constraints
    return node


def test_contract_constraints_are_checked_on_the_rows():
    """Parquet tables on Spark enforce no constraint: the build counts the rows that break
    each not_null and primary key itself (here on DuckDB, whose SQL is the same)."""
    con = duckdb.connect()
    con.execute(
        "create table mart as select * from (values (1, 'a', 'x'), (2, null, 'x'), (2, 'b', null))"
        " as t(id, label, kind)"
    )
    con.execute("create table pairs as select * from (values (1, 'a'), (1, 'b'), (1, 'a')) as t(id, part)")
    con.execute("create table loose as select null as id")
    manifest = _manifest(
        _contracted("mart", {"id": ["primary_key"], "label": ["not_null"], "kind": []}, []),
        _contracted("pairs", {"id": [], "part": []}, [{"type": "primary_key", "columns": ["id", "part"]}]),
        _contracted("loose", {"id": ["not_null"]}, [], enforced=False),
    )

    def query(sql: str) -> dict:
        frame = con.sql(sql).df()
        return {column: int(frame[column][0]) for column in frame.columns}

    assert sorted(constraint_violations(query, manifest)) == [
        "main.mart: not_null(label): 1 rows",
        "main.mart: unique(id): 1 rows",
        "main.pairs: unique(id, part): 1 rows",
    ]
    con.execute("delete from mart where id = 2")
    con.execute("delete from pairs where part = 'b'")
    assert constraint_violations(query, manifest) == ["main.pairs: unique(id, part): 1 rows"]
