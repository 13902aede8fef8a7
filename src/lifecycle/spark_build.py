"""Build this dbt project on Spark through dbt-spark's `session` method, inside this process.

The session method runs dbt's SQL on a SparkSession in the same Python process, but it cannot run
dbt Python models. So the build goes in steps, all on one SparkSession, in dependency order:

1. for each Python model (a parent before its children): dbt builds the seeds and SQL models
   upstream of it that are not built yet, then this module runs its python_models/*.py
   `model(dbt, session)` itself, with a small stand-in `dbt` object (`ref()` gives Spark
   DataFrames, `config.get()` the YAML config dbt rendered), and writes the returned frame as
   the table dbt would have created (the identity graph is such a model, in the middle of the
   DAG; the classifiers come later);
2. dbt builds the other seeds and SQL models; then the contracts' not_null and primary key
   constraints, which dbt-spark enforces only on Delta tables, are checked on the rows, and
   `dbt test` runs every test.

The Python models are the same files the DuckDB build runs: they read their inputs through
`lifecycle.modelling.frames.to_pandas`, which accepts a DuckDB relation or a Spark DataFrame.
On Databricks (dbt-databricks, or dbt-spark's http/odbc methods) dbt runs Python models natively
and none of this is needed; against other Spark clusters dbt-spark cannot run them, and this
module can (LIFECYCLE_SPARK_MASTER, LIFECYCLE_SPARK_CATALOG=hive). pyspark and dbt-spark are
the optional `spark` extra (`make test-spark`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from lifecycle import paths

TARGET = "spark"


class SparkBuildError(RuntimeError):
    """A step of the Spark build failed; the message names the step (and model)."""


def local_spark_session(work_dir: Path) -> Any:
    """The SparkSession the build runs on, keeping its tables under `work_dir`.

    Created before dbt, so that dbt-spark's `SparkSession.builder.getOrCreate()` returns this
    one (settings such as the warehouse folder cannot change once a session exists).
    Environment: LIFECYCLE_SPARK_MASTER (default local[2]; `yarn` or `spark://host:7077` for a
    cluster), LIFECYCLE_SPARK_CATALOG (default `in-memory`: the catalog lives as long as the
    process, which is all one build needs, without Hive's Derby start-up time and files; `hive`
    keeps tables in the cluster's metastore and warehouse), LIFECYCLE_SPARK_DRIVER_MEMORY and
    LIFECYCLE_SPARK_SHUFFLE_PARTITIONS."""
    from pyspark.sql import SparkSession

    work_dir = Path(work_dir).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    catalog = os.environ.get("LIFECYCLE_SPARK_CATALOG", "in-memory")
    builder = (
        SparkSession.builder.master(os.environ.get("LIFECYCLE_SPARK_MASTER", "local[2]"))
        .appName("lifecycle-warehouse")
        .config("spark.sql.catalogImplementation", catalog)
        .config("spark.driver.memory", os.environ.get("LIFECYCLE_SPARK_DRIVER_MEMORY", "2g"))
        # the same settings as the spark output of profiles.yml
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("LIFECYCLE_SPARK_SHUFFLE_PARTITIONS", "4"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if catalog == "in-memory":
        builder = builder.config("spark.sql.warehouse.dir", str(work_dir / "warehouse"))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def load_raw_from_duckdb(spark: Any, duckdb_path: Path, schema: str = "raw") -> dict[str, int]:
    """Copy every table of DuckDB's `raw` schema (what `lifecycle ingest` wrote) into Spark.

    Ingest stays the one place that reads and checks files; Spark gets exactly the same rows
    and types (text columns, _raw_row_id bigint, _loaded_at timestamp). Returns rows per table."""
    import duckdb

    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1",
                [schema],
            ).fetchall()
        ]
        if not tables:
            raise SparkBuildError(
                f"no tables in schema {schema!r} of {duckdb_path}: run `lifecycle ingest` first"
            )
        spark.sql(f"create schema if not exists {schema}")
        counts = {}
        for table in tables:
            arrow = con.execute(f'select * from "{schema}"."{table}"').to_arrow_table()
            write_arrow_table(spark, arrow, f"{schema}.{table}")
            counts[table] = arrow.num_rows
        return counts
    finally:
        con.close()


def write_arrow_table(spark: Any, table: Any, name: str) -> None:
    """Write an Arrow table as the Spark table `name` (replacing it), with the types dbt's SQL
    would give: zone-less timestamps become Spark timestamps (UTC) and all-null columns text."""
    spark.createDataFrame(spark_ready_arrow(table)).write.mode("overwrite").saveAsTable(name)


def spark_ready_arrow(table: Any) -> Any:
    """Arrow types Spark stores like our SQL models do.

    Zone-less timestamps (DuckDB TIMESTAMP, pandas datetime64) would become Spark's
    TIMESTAMP_NTZ; our SQL makes TIMESTAMP (UTC session), so they are tagged UTC. A column with
    only nulls has Arrow type null, which Spark cannot store: it becomes text."""
    import pyarrow as pa

    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_timestamp(kind) and kind.tz is None:
            kind = pa.timestamp("us", tz="UTC")
        elif pa.types.is_null(kind):
            kind = pa.string()
        elif pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            kind = pa.string()
        fields.append(pa.field(field.name, kind))
    return table.cast(pa.schema(fields))


def run_dbt(args: list[str], project_dir: Path, target_path: Path) -> Any:
    """One in-process dbt invocation on the spark target; raises when it did not succeed."""
    from dbt.cli.main import dbtRunner

    cli_args = [
        *args,
        "--target",
        TARGET,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path.parent / "logs"),
    ]
    result = dbtRunner().invoke(cli_args)
    if not result.success:
        failed = _failed_nodes(result)
        raise SparkBuildError(f"dbt {' '.join(args)} failed on Spark: {failed or result.exception}")
    return result


def _failed_nodes(result: Any) -> list[str]:
    """Names and messages of the nodes that errored or failed in a dbtRunner result."""
    rows = getattr(result, "result", None)
    failed = []
    for node_result in getattr(rows, "results", None) or []:
        if str(node_result.status) in ("error", "fail"):
            failed.append(f"{node_result.node.name}: {node_result.message}")
    return failed


def python_models(manifest: dict) -> list[dict]:
    """The manifest's Python model nodes in dependency order (an ancestor before its descendants)."""
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node.get("language") == "python"
    }
    ordered: list[dict] = []
    done: set[str] = set()

    def visit(uid: str, path: tuple[str, ...]) -> None:
        if uid in done:
            return
        if uid in path:
            names = [nodes[u]["name"] for u in path + (uid,)]
            raise SparkBuildError(f"Python models form a cycle: {' -> '.join(names)}")
        # every Python model it reads, also through SQL models (those run in the step before it)
        for parent in sorted(ancestors(manifest, uid) & nodes.keys()):
            visit(parent, path + (uid,))
        done.add(uid)
        ordered.append(nodes[uid])

    for uid in sorted(nodes):
        visit(uid, ())
    return ordered


def ancestors(manifest: dict, unique_id: str) -> set[str]:
    """Every model, seed and snapshot `unique_id` depends on, directly or not (itself excluded)."""
    found: set[str] = set()
    stack = list(manifest["nodes"][unique_id]["depends_on"].get("nodes", []))
    while stack:
        uid = stack.pop()
        node = manifest["nodes"].get(uid)
        if uid in found or node is None or node["resource_type"] not in ("model", "seed", "snapshot"):
            continue
        found.add(uid)
        stack.extend(node["depends_on"].get("nodes", []))  # a seed's has macros only
    return found - {unique_id}  # in a cycle the walk comes back to it


class _ModelConfig:
    """`dbt.config`: calling it is a no-op (materialization comes from the YAML); `get` returns
    the model's config as dbt rendered it, as dbt's own Python model wrapper does."""

    def __init__(self, values: dict) -> None:
        self._values = values

    def __call__(self, **_: Any) -> None:
        return None

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)


class DbtStandIn:
    """The `dbt` object a Python model receives, for running it outside dbt on Spark."""

    def __init__(self, spark: Any, node: dict, relations: dict[str, str]) -> None:
        self._spark = spark
        self._relations = relations
        self.config = _ModelConfig(node.get("config", {}))
        self.this = relations[node["name"]]

    def ref(self, name: str, *_: Any, **__: Any) -> Any:
        if name not in self._relations:
            raise SparkBuildError(f"{self.this}: ref({name!r}) is not a model of this project")
        return self._spark.table(self._relations[name])

    def source(self, source_name: str, table_name: str) -> Any:
        return self._spark.table(f"{source_name}.{table_name}")

    def is_incremental(self) -> bool:
        return False


def _relation_names(manifest: dict) -> dict[str, str]:
    """Model/seed/snapshot name -> `schema.alias` as dbt-spark names the relation."""
    return {
        node["name"]: f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed", "snapshot")
    }


def run_python_models(
    spark: Any,
    manifest: dict,
    project_dir: Path,
    log: Callable[[str], None] = print,
    only: list[dict] | None = None,
) -> None:
    """Run every Python model's (or `only` these) `model(dbt, session)` on Spark and store its
    result as dbt would."""
    import pandas as pd
    import pyarrow as pa

    relations = _relation_names(manifest)
    for node in python_models(manifest) if only is None else only:
        path = project_dir / node["original_file_path"]
        spec = importlib.util.spec_from_file_location(f"_lifecycle_python_model_{node['name']}", path)
        if spec is None or spec.loader is None:
            raise SparkBuildError(f"cannot load Python model {node['name']} from {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        try:
            frame = module.model(DbtStandIn(spark, node, relations), spark)
        except Exception as err:
            raise SparkBuildError(
                f"Python model {node['name']} ({path}) failed on Spark: {type(err).__name__}: {err}"
            ) from err
        if isinstance(frame, pd.DataFrame):
            table = pa.Table.from_pandas(frame, preserve_index=False)
        elif isinstance(frame, pa.Table):
            table = frame
        else:  # a model may return a Spark DataFrame, as dbt-spark allows
            table = pa.Table.from_pandas(frame.toPandas(), preserve_index=False)
        spark.sql(f"create schema if not exists {node['schema']}")
        write_arrow_table(spark, table, relations[node["name"]])
        log(f"python model {relations[node['name']]}: {table.num_rows:,} rows")


def constraint_queries(manifest: dict) -> list[tuple[str, list[str], str]]:
    """Per model with an enforced contract: its relation, the labels of its constraint checks and
    one query counting the rows that break each (columns m0, m1, ... in label order).

    dbt-spark adds not_null and primary key constraints only to Delta tables (DECISIONLOG
    "Contracts on Spark"), so on the parquet tables of a local session nothing enforces them;
    these queries check the built rows instead. A primary key is checked as not null and
    unique; a model-level `unique` constraint as unique."""
    checks = []
    for node in sorted(manifest["nodes"].values(), key=lambda n: n["unique_id"]):
        if node["resource_type"] != "model" or not node["config"].get("contract", {}).get("enforced"):
            continue
        relation = f"{node['schema']}.{node['alias']}"
        not_null: list[str] = []
        keys: list[list[str]] = []
        for column in node.get("columns", {}).values():
            kinds = {c["type"] for c in column.get("constraints", [])}
            if kinds & {"not_null", "primary_key"}:
                not_null.append(column["name"])
            if kinds & {"primary_key", "unique"}:
                keys.append([column["name"]])
        for constraint in node.get("constraints", []):
            if constraint["type"] in ("primary_key", "unique"):
                keys.append(list(constraint["columns"]))
                if constraint["type"] == "primary_key":
                    not_null += [c for c in constraint["columns"] if c not in not_null]
        labels = [f"not_null({c})" for c in not_null] + [f"unique({', '.join(k)})" for k in keys]
        if not labels:
            continue
        measures = [f"sum(case when {c} is null then 1 else 0 end)" for c in not_null] + [
            f"(select count(*) from (select {', '.join(k)} from {relation} group by {', '.join(k)}"
            " having count(*) > 1) as duplicated)"
            for k in keys
        ]
        select = ", ".join(f"coalesce({m}, 0) as m{i}" for i, m in enumerate(measures))
        checks.append((relation, labels, f"select {select} from {relation}"))
    return checks


def constraint_violations(query: Callable[[str], Any], manifest: dict) -> list[str]:
    """Every contract constraint broken by the built rows, as 'relation: check: n rows' (n
    duplicated keys for unique); `query` runs SQL and returns one row indexable by m0, m1, ..."""
    broken = []
    for relation, labels, sql in constraint_queries(manifest):
        row = query(sql)
        for i, label in enumerate(labels):
            if row[f"m{i}"]:
                broken.append(f"{relation}: {label}: {row[f'm{i}']} rows")
    return broken


def check_constraints(spark: Any, manifest: dict) -> int:
    """Raise when a built table breaks a contract constraint (constraint_queries); returns the
    number of checks made."""
    broken = constraint_violations(lambda sql: spark.sql(sql).collect()[0], manifest)
    if broken:
        raise SparkBuildError("contract constraints broken on Spark: " + "; ".join(broken))
    return sum(len(labels) for _, labels, _ in constraint_queries(manifest))


def build(
    spark: Any,
    work_dir: Path,
    test_args: Iterable[str] | None = (),
    project_dir: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """The stepwise Spark build (see the module docstring), then the dbt tests; returns the
    manifest as a dict. Raw data must already be in Spark (load_raw_from_duckdb).

    Models and seeds are built first and tested after, in one `dbt test`: a test often reads
    models of two steps (raw_rows_reconcile reads staging and quarantined_rows), so testing
    inside each step would run it before its second input exists. `test_args` go to that
    `dbt test` (for example `--exclude-resource-type unit_test`); None skips testing. Snapshots
    are not built (dbt-spark snapshots need Delta, Hudi or Iceberg tables), so the tests that read
    one are left out too."""
    project_dir = Path(project_dir or paths.project_dir())
    target_path = Path(work_dir) / "target"
    # dbt has no selector for a model's language: parse once and name the Python models
    run_dbt(["parse"], project_dir, target_path)
    manifest = json.loads((target_path / "manifest.json").read_text(encoding="utf-8"))
    tables = ["--resource-type", "seed", "--resource-type", "model"]
    steps: list[tuple[str, Callable[[], Any]]] = []
    built: set[str] = set()
    for node in python_models(manifest):
        sql_upstream = sorted(
            manifest["nodes"][uid]["name"] for uid in ancestors(manifest, node["unique_id"]) - built
        )
        if sql_upstream:
            steps.append(
                (
                    f"SQL models and seeds upstream of {node['name']}",
                    lambda names=sql_upstream: run_dbt(
                        ["build", *tables, "--select", *names], project_dir, target_path
                    ),
                )
            )
        built |= ancestors(manifest, node["unique_id"]) | {node["unique_id"]}
        steps.append(
            (
                f"Python model {node['name']}",
                lambda node=node: run_python_models(spark, manifest, project_dir, log, only=[node]),
            )
        )
    done = sorted(manifest["nodes"][uid]["name"] for uid in built)
    steps.append(
        (
            "the other seeds and SQL models",
            lambda: run_dbt(
                ["build", *tables, *(["--exclude", *done] if done else [])], project_dir, target_path
            ),
        )
    )
    steps.append(
        (
            "contract constraints (not enforced by parquet tables)",
            lambda: log(f"{check_constraints(spark, manifest)} constraint checks hold"),
        )
    )
    if test_args is not None:
        no_snapshots = ["--exclude", "resource_type:snapshot"]
        steps.append(
            ("dbt tests", lambda: run_dbt(["test", *no_snapshots, *test_args], project_dir, target_path))
        )
    for name, step in steps:
        started = time.monotonic()
        log(f"spark build {name} ...")
        step()
        log(f"spark build {name}: {time.monotonic() - started:.0f} s")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """`python -m lifecycle.spark_build`: the stepwise build on Spark, then the dbt tests."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m lifecycle.spark_build", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--work-dir",
        default=str(paths.project_dir() / "data" / "spark"),
        help="dbt target, logs, local tables",
    )
    parser.add_argument(
        "--raw-from-duckdb",
        metavar="FILE",
        help="copy the raw schema of this DuckDB warehouse (after `lifecycle ingest`) into Spark first",
    )
    parser.add_argument("--skip-tests", action="store_true", help="build only, no `dbt test`")
    args = parser.parse_args(argv)
    spark = local_spark_session(Path(args.work_dir))
    try:
        if args.raw_from_duckdb:
            counts = load_raw_from_duckdb(spark, Path(args.raw_from_duckdb))
            print(f"copied {sum(counts.values()):,} raw rows in {len(counts)} tables to Spark")
        build(spark, Path(args.work_dir), test_args=None if args.skip_tests else [])
    except SparkBuildError as err:
        print(err)
        return 1
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
