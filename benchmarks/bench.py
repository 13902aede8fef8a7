"""`make bench`: the warehouse at several scales, timed step by step, with peak memory.

For each scale (customers; events and orders grow in proportion, as the generator makes them):

1. generate the shop (Parquet) ending on END_DATE;
2. split every file by event time into a base (everything before the last day) and the last day
   (order lines follow their order; a row whose time cannot be read stays in the base);
3. ingest the base; the floor query (below) on it; `lifecycle build` (full) in three timed steps:
   dbt build, validate (Great Expectations), publish (warnings, serving copy, exports, summary);
4. `ingest --append` the last day; the floor again; `lifecycle build` (incremental), same steps;
5. head-to-head on the final warehouse: our SQL BTYD summary (int_clv_summary) against lifetimes'
   summary_data_from_transaction_data on the same orders, and the BG/NBD fit on distinct
   (frequency, recency, T) rows with weights against one row per customer.

Both builds see the same data: the incremental build's raw is the full build's raw plus the last
day. Every step runs in a child process of its own, so its peak RSS (the kernel's high-water mark)
and CPU time (user + system, all threads), both from wait4, cover everything in it: dbt, DuckDB,
the Python models, Great Expectations. The build steps call lifecycle.build's phase functions,
the ones `lifecycle build` runs. dbt's time per node comes from its run_results.json. The load
average is recorded before and after each step (the machine may be shared).

The floor is one grouped pass over every raw event and every raw order into one row per customer
(FLOOR_SQL), a plain DuckDB query on the same raw tables as the build after it: a build / floor
ratio says how far a build is from the least work those rows need, on the same machine in the
same minutes, so it moves less with the load than either time. A result line per scale is appended to
benchmarks/results.jsonl (git-ignored: the local history), the newest result of each scale is also
kept in benchmarks/latest/ (committed), and docs/benchmarks.md is rewritten from the newest result
of each scale in either, so a clone that measures one scale keeps the other scales' rows.

    python benchmarks/bench.py --scales 10000,100000,1000000
    python benchmarks/bench.py --scales 100000 --keep     # one scale, keep files for a look
    python benchmarks/bench.py --report-only              # rewrite docs/benchmarks.md
    python benchmarks/bench.py --scales 1M --keep --reuse-data --reuse-ingest   # build again
    python benchmarks/bench.py --scales 1M --record-unfinished LOG --peak-rss-mb N  # stopped run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from lifecycle.contract import DELIVERY_TIME_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.jsonl"
LATEST = ROOT / "benchmarks" / "latest"
DOC = ROOT / "docs" / "benchmarks.md"
END_DATE = "2026-09-30"
MONTHS = 24
SEED = 42
# BG/NBD parameters of the two fits must agree to this relative difference.
PARAMETER_RTOL = 1e-3
# Summary monetary values: SQL averages decimals, lifetimes floats.
MONETARY_RTOL = 1e-9
ENV_SETTINGS = ("LIFECYCLE_THREADS", "LIFECYCLE_MEMORY_LIMIT", "LIFECYCLE_TEMP_DIR")


# --------------------------------------------------------------------------- the machine
def machine() -> dict:
    """Cores, memory and versions, so a reader can judge the numbers."""
    import dbt.version
    import duckdb

    mem_kb = 0
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "cpu_count": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024**2, 1),
        "platform": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt": dbt.version.get_installed_version().to_version_string(skip_matcher=True),
    }


def code_version() -> str:
    """The commit measured (short hash, '+changes' when the checkout differs from it; the report
    this harness rewrites does not count)."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown"
    return commit + (
        "+changes"
        if git("status", "--porcelain", "--untracked-files=no", "--", ".", f":!{DOC.relative_to(ROOT)}")
        else ""
    )


def load_average() -> float:
    """The 1-minute load average (runnable processes; 2.0 fills a 2-core machine)."""
    return round(os.getloadavg()[0], 2)


# --------------------------------------------------------------------------- steps (children)
def step_generate(out: str, customers: int) -> dict:
    from lifecycle.generate import generate

    summary = generate(
        Path(out),
        customers=customers,
        months=MONTHS,
        seed=SEED,
        end_date=END_DATE,
        file_format="parquet",
        progress=False,
    )
    return {"rows": summary["rows"]}


def split_last_day(shop: Path, base: Path, day: Path, last_day: dt.date) -> dict[str, list[int]]:
    """Write every contract file of `shop` as two Parquet deliveries: the rows of `last_day` to
    `day`, the others to `base` (rows before it, rows whose time cannot be read, and rows dated
    after it: a wrong clock's rows arrive with the history they were exported in, and in the
    day's small delivery they would be most of it, tripping the quarantine gate). Text stays as
    delivered. Returns {table: [base rows, day rows]}; together they are every row of the file."""
    import duckdb

    from lifecycle.contract import load_contract

    base.mkdir(parents=True, exist_ok=True)
    day.mkdir(parents=True, exist_ok=True)
    cut = f"timestamp '{last_day.isoformat()} 00:00:00'"
    end = f"timestamp '{(last_day + dt.timedelta(days=1)).isoformat()} 00:00:00'"
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'").fetchall()

        def time_of(column: str) -> str:
            return f"cast(try_cast(trim({column}) as timestamptz) as timestamp)"

        orders = f"read_parquet('{shop / 'orders.parquet'}')"
        con.execute(
            f"create temp table order_times as select order_id, min({time_of('ordered_at')}) as t"
            f" from {orders} group by 1"
        ).fetchall()
        counts: dict[str, list[int]] = {}
        for name, table in load_contract().items():
            path = shop / f"{name}.parquet"
            if not path.exists():
                continue
            columns = ", ".join(f'r."{c}"' for c in table.column_names)
            if name == "order_items":
                timed = (
                    f"select {columns}, o.t from read_parquet('{path}') as r"
                    " left join order_times as o on r.order_id = o.order_id"
                )
            else:
                happened = time_of(DELIVERY_TIME_COLUMNS[name])
                timed = f"select {columns}, {happened} as t from read_parquet('{path}') as r"
            counts[name] = []
            on_the_day = f"t >= {cut} and t < {end}"
            for folder, where in ((base, f"t is null or not ({on_the_day})"), (day, on_the_day)):
                target = folder / f"{name}.parquet"
                con.execute(
                    f"copy (select * exclude (t) from ({timed}) where {where}) to '{target}' (format parquet)"
                ).fetchall()
                counts[name].append(
                    con.execute(f"select count(*) from read_parquet('{target}')").fetchall()[0][0]
                )
        return counts
    finally:
        con.close()


def step_split(shop: str, base: str, day: str) -> dict:
    last_day = dt.date.fromisoformat(END_DATE)
    return {"rows": split_last_day(Path(shop), Path(base), Path(day), last_day)}


def step_ingest(folder: str, database: str, loaded_at: str, append: bool) -> dict:
    from lifecycle.ingest import ingest

    report = ingest(
        Path(folder), database=Path(database), loaded_at=dt.datetime.fromisoformat(loaded_at), append=append
    )
    return {"rows": report.tables}


def node_timings(run_results: dict) -> list[dict]:
    """One entry per node of a dbt run_results.json: id, resource type, status, seconds."""
    nodes = []
    for result in run_results["results"]:
        unique_id = result["unique_id"]
        nodes.append(
            {
                "node": unique_id.split(".", 2)[-1],
                "resource_type": unique_id.split(".", 1)[0],
                "status": result["status"],
                "seconds": round(result["execution_time"], 3),
            }
        )
    return nodes


# lifecycle build's phases (lifecycle.build.PHASES), grouped into the steps timed here: each group
# runs in a child process of its own through lifecycle.build.run_phase, the build's state pickled
# between them, so the steps measure what `lifecycle build` runs, in its order
BUILD_STEPS = {
    "build": ("dbt_build",),
    "validate": ("validation",),
    "publish": ("warnings", "publish", "summary"),
}


def describe_build(state, phases: list[str]) -> dict:
    """What a build step did, from the build's state: dbt's nodes and times, the validation's
    tables and failures, the published tables."""
    out: dict = {}
    if "dbt_build" in phases:
        if state.run_results.exists():
            run_results = json.loads(state.run_results.read_text(encoding="utf-8"))
            out["dbt_elapsed_s"] = round(run_results["elapsed_time"], 1)
            out["nodes"] = node_timings(run_results)
        if state.working.exists():
            out["database_mb"] = round(state.working.stat().st_size / 1024**2)
    report = state.quality
    if "validation" in phases and report is not None:
        out["tables"] = len(report.tables)
        out["expectations"] = sum(t.evaluated for t in report.tables)
        out["failures"] = [f.format() for f in report.failures][:20]
        out["sampled"] = sorted(t.relation for t in report.tables if t.sampled_rows is not None)
    if "publish" in phases and state.published is not None:
        out["tables"] = len(state.published.table_rows)
        out["warnings"] = len(state.warnings)
        out["exports_s"] = round(state.published.exports_seconds, 1)
        out["serving_mb"] = round(state.serving.stat().st_size / 1024**2)
    return out


def step_build(state: str, phases: list[str], start: dict | None = None) -> dict:
    """Some phases of `lifecycle build` (lifecycle.build.run_phase), on the build state in the file
    `state`; `start` begins a new build there (lifecycle.build.start: its id, vars, the build
    served before)."""
    from lifecycle import build

    state_file = Path(state)
    if start is not None:
        current = build.start(
            Path(start["working"]), Path(start["serving"]), start.get("dbt_args", []),
            target_path=Path(start["target"]),
        )  # fmt: skip
    else:
        current = pickle.loads(state_file.read_bytes())
    result: dict = {"ok": True, "phases": list(phases), "phase_cpu_s": {}}
    try:
        for name in phases:
            before = resource.getrusage(resource.RUSAGE_SELF)
            try:
                build.run_phase(current, name)
            finally:
                after = resource.getrusage(resource.RUSAGE_SELF)
                result["phase_cpu_s"][name] = round(
                    after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 3
                )
    except build.GateFailed as failed:
        result.update(ok=False, failed=f"gate {failed.gate}: {failed.reason}")
    state_file.write_bytes(pickle.dumps(current))
    # the phases' own time: the child's wall and CPU (wait4) also hold its start-up, and the
    # publish child re-imports Great Expectations to unpickle the validation report, which
    # `lifecycle build` (one process) does not
    result["phase_seconds"] = {n: round(current.seconds[n], 3) for n in phases if n in current.seconds}
    return {**result, **describe_build(current, phases)}


# The floor: the least any build of these tables must do, one grouped pass over every raw event
# and every raw order into one row per customer (events, last event time, orders, revenue summed
# from the delivered text amounts). customer_id / user_id as delivered: no identity resolution.
FLOOR_SQL = """
create temp table floor_per_customer as
with events as (
    select user_id as customer_id, count(*) as events,
        max(try_cast(trim("timestamp") as timestamptz)) as last_event_at
    from raw.events
    group by 1
),
orders as (
    select customer_id, count(*) as orders, sum(try_cast(trim(total_amount) as decimal(18, 2))) as revenue
    from raw.orders
    group by 1
)
select coalesce(e.customer_id, o.customer_id) as customer_id, e.events, e.last_event_at, o.orders, o.revenue
from events as e
full outer join orders as o on e.customer_id = o.customer_id
"""


def step_floor(database: str) -> dict:
    """FLOOR_SQL on `database`'s raw schema (read-only, the package's DuckDB settings); the wall
    and CPU time of the query itself (this process's start-up left out)."""
    import duckdb

    from lifecycle import paths

    con = duckdb.connect(database, read_only=True, config=paths.duckdb_config(Path(database)))
    try:
        con.execute("set TimeZone = 'UTC'").fetchall()
        before, started = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
        con.execute(FLOOR_SQL).fetchall()
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        customers, events, orders = con.execute(
            "select count(*), sum(events), sum(orders) from floor_per_customer"
        ).fetchall()[0]
    finally:
        con.close()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "query_s": round(wall, 3),
        "query_cpu_s": round(cpu, 3),
        "customers": customers,
        "events": int(events or 0),
        "orders": int(orders or 0),
    }


def lifetimes_summary(transactions, as_of_date: dt.date):
    """lifetimes' own summary of `transactions` (customer_key, ordered_at, total_amount), in days."""
    from lifetimes.utils import summary_data_from_transaction_data

    return summary_data_from_transaction_data(
        transactions,
        "customer_key",
        "ordered_at",
        monetary_value_col="total_amount",
        observation_period_end=as_of_date.isoformat(),
        freq="D",
    )


def summary_mismatches(sql, lifetimes) -> dict[str, int]:
    """Customers whose frequency, recency, T or monetary value differ between our SQL summary
    (a frame with customer_key) and lifetimes' (indexed by customer), plus customers only in one."""
    import numpy as np

    joined = sql.merge(
        lifetimes.rename_axis("customer_key").reset_index(),
        on="customer_key",
        how="outer",
        suffixes=("_sql", "_lt"),
    )
    out = {"only_in_one": int(joined[["frequency_sql", "frequency_lt"]].isna().any(axis=1).sum())}
    for column, rtol in (("frequency", 0), ("recency", 0), ("T", 0), ("monetary_value", MONETARY_RTOL)):
        a = joined[f"{column}_sql"].to_numpy(dtype=float)
        b = joined[f"{column}_lt"].to_numpy(dtype=float)
        both = ~(np.isnan(a) | np.isnan(b))
        out[column] = int((~np.isclose(a[both], b[both], rtol=rtol, atol=0)).sum())
    return out


def bgnbd_per_customer(summary) -> dict[str, float]:
    """BG/NBD fitted on one row per customer, lifetimes' plain way (penalizer 0)."""
    import warnings

    from lifetimes import BetaGeoFitter

    fitter = BetaGeoFitter(penalizer_coef=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(summary["frequency"], summary["recency"], summary["T"])
    return {k: float(v) for k, v in fitter.params_.items()}


def max_relative_difference(a: dict[str, float], b: dict[str, float]) -> float:
    return max(abs(a[k] - b[k]) / abs(b[k]) for k in b)


def step_head_to_head(database: str, target: str) -> dict:
    """SQL summary vs lifetimes' summary, weighted vs per-customer BG/NBD, on `database`."""
    import duckdb

    from lifecycle.modelling.btyd import fit_bgnbd

    compiled = Path(target) / "compiled" / "lifecycle" / "models" / "intermediate" / "predictive"
    summary_sql = (compiled / "int_clv_summary.sql").read_text(encoding="utf-8")
    con = duckdb.connect(database, read_only=True)
    try:
        # same rows as int_clv_summary reads: completed, before the end of as_of_date, persons in scope
        as_of_date = con.execute("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0]
        started = time.monotonic()
        transactions = con.execute(
            "select customer_key, ordered_at, cast(total_amount as double) as total_amount"
            " from intermediate.int_orders_resolved, intermediate.int_as_of_date as a"
            " where is_completed and ordered_at < a.as_of_at"
            " and customer_key in (select customer_key from intermediate.int_persons_in_scope)"
        ).df()
        fetch_s = time.monotonic() - started
        started = time.monotonic()
        con.execute(f"create temp table sql_summary as {summary_sql}").fetchall()
        sql_s = time.monotonic() - started
        sql_summary = con.execute(
            'select customer_key, frequency, recency, "T", cast(monetary_value as double) as monetary_value'
            " from sql_summary"
        ).df()
    finally:
        con.close()
    result: dict = {
        "orders": len(transactions),
        "customers": len(sql_summary),
        "transactions_fetch_s": round(fetch_s, 2),
        "sql_summary_s": round(sql_s, 3),
    }
    started = time.monotonic()
    try:
        lt_summary = lifetimes_summary(transactions, as_of_date)
    except Exception as err:  # say what broke instead of losing the other comparison
        result["lifetimes_error"] = f"{type(err).__name__}: {err}"
    else:
        result["lifetimes_summary_s"] = round(time.monotonic() - started, 3)
        result["summary_ratio"] = round(result["lifetimes_summary_s"] / max(sql_s, 1e-6), 1)
        result["summary_mismatches"] = summary_mismatches(sql_summary, lt_summary)
    fit_input = sql_summary.assign(monetary_value=0.0)
    started = time.monotonic()
    weighted = fit_bgnbd(fit_input)
    result["bgnbd_weighted_s"] = round(time.monotonic() - started, 3)
    result["bgnbd_distinct_rows"] = weighted.diagnostics["distinct_rows"]
    started = time.monotonic()
    plain = bgnbd_per_customer(fit_input)
    result["bgnbd_per_customer_s"] = round(time.monotonic() - started, 3)
    result["bgnbd_ratio"] = round(result["bgnbd_per_customer_s"] / max(result["bgnbd_weighted_s"], 1e-6), 1)
    result["bgnbd_params_weighted"] = weighted.params
    result["bgnbd_params_per_customer"] = plain
    result["bgnbd_max_rel_diff"] = max_relative_difference(weighted.params, plain)
    result["bgnbd_same_params"] = result["bgnbd_max_rel_diff"] <= PARAMETER_RTOL
    return result


STEPS = {
    "generate": step_generate,
    "split": step_split,
    "ingest": step_ingest,
    "build": step_build,
    "floor": step_floor,
    "head_to_head": step_head_to_head,
}


# --------------------------------------------------------------------------- the parent
def run_step(name: str, scratch: Path, **kwargs) -> dict:
    """Run STEPS[name](**kwargs) in a child process; its result plus wall time, CPU time (user +
    system of the child and its threads, from wait4), peak RSS and the load before and after."""
    result_file = scratch / f"{name}-{time.monotonic_ns()}.json"
    load_before = load_average()
    started = time.monotonic()
    child = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--step",
            name,
            "--step-args",
            json.dumps(kwargs),
            "--step-out",
            str(result_file),
        ],
        cwd=ROOT,
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    result = json.loads(result_file.read_text(encoding="utf-8")) if result_file.exists() else {}
    result_file.unlink(missing_ok=True)
    result.update(
        {
            "seconds": round(seconds, 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024),  # kilobytes on Linux
            "exit_code": child.returncode,
            "load_before": load_before,
            "load_after": load_average(),
        }
    )
    result.setdefault("ok", child.returncode == 0)
    print(
        f"  {name}: {seconds:.1f} s, CPU {result['cpu_s']:.1f} s, peak {result['peak_rss_mb']:,} MB,"
        f" load {load_before:.1f} -> {result['load_after']:.1f}, ok={result['ok']}",
        flush=True,
    )
    return result


def slowest(nodes: list[dict], resource_type: str = "model", n: int = 5) -> list[list]:
    ranked = sorted((x for x in nodes if x["resource_type"] == resource_type), key=lambda x: -x["seconds"])
    return [[x["node"], x["seconds"]] for x in ranked[:n]]


def summarize_build(step: dict) -> dict:
    """A dbt step's result with its per-node list kept and the headline numbers beside it."""
    nodes = step.get("nodes", [])
    by_type: dict[str, float] = {}
    for node in nodes:
        by_type[node["resource_type"]] = round(by_type.get(node["resource_type"], 0) + node["seconds"], 1)
    return {
        **step,
        "seconds_by_resource_type": by_type,
        "slowest_models": slowest(nodes, "model"),
        "slowest_tests": slowest(nodes, "test"),
        "failed_nodes": [x["node"] for x in nodes if x["status"] not in ("success", "pass", "warn")],
    }


def drop_built_schemas(database: Path) -> list[str]:
    """Drop everything a build made in `database`, leaving the raw schema as ingest left it."""
    import duckdb

    con = duckdb.connect(str(database))
    try:
        schemas = [
            row[0]
            for row in con.execute(
                "select schema_name from information_schema.schemata where catalog_name = current_database()"
                " and schema_name not in ('raw', 'main', 'information_schema', 'pg_catalog')"
            ).fetchall()
        ]
        for schema in schemas:
            con.execute(f'drop schema "{schema}" cascade').fetchall()
        return schemas
    finally:
        con.close()


def run_build(work: Path, database: Path, target: Path, kind: str, runner=None) -> dict[str, dict]:
    """One `lifecycle build` of `database`, step by step (BUILD_STEPS, each in its own child by
    default), after the floor query on the same raw tables: {kind}_floor, {kind}_build,
    {kind}_validate, {kind}_publish. A step that stops the build (a failed gate) ends it, as in
    `lifecycle build`. `runner` replaces run_step (tests run the steps in this process)."""
    runner = runner or run_step
    state = work / "build_state.pickle"
    start = {
        "working": str(database),
        "serving": str(database.parent / "serving" / database.name),
        "target": str(target),
    }
    steps = {f"{kind}_floor": runner("floor", work, database=str(database))}
    for i, (step, phases) in enumerate(BUILD_STEPS.items()):
        result = runner("build", work, state=str(state), phases=list(phases), start=start if i == 0 else None)
        steps[f"{kind}_{step}"] = summarize_build(result) if "dbt_build" in phases else result
        if not result.get("ok"):
            break
    return steps


def run_scale(
    customers: int, work: Path, head_to_head: bool, reuse_data: bool = False, reuse_ingest: bool = False
) -> dict:
    """Every step at one scale; returns the result line. With `reuse_data`, the deliveries a
    previous run left in `work` (--keep) are built again instead of generated anew (their
    generate and split timings are the recorded ones). With `reuse_ingest` too, the base's raw
    tables that run ingested are kept (every built schema dropped) and its ingest timing reused."""
    shop, base, day = work / "shop", work / "base", work / "day"
    deliveries, ingested = work / "deliveries.json", work / "ingest.json"
    database = work / "warehouse.duckdb"
    reused = reuse_data and deliveries.exists()
    reused_ingest = reused and reuse_ingest and ingested.exists() and database.exists()
    if reused:
        keep = {base, day, deliveries}
        if reused_ingest:
            keep |= {ingested, database, Path(f"{database}.wal")}
        for path in work.iterdir():
            if path not in keep:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    elif work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    target = work / "target"
    last_day = dt.datetime.fromisoformat(END_DATE)
    print(f"scale {customers:,} customers in {work}", flush=True)
    result: dict = {
        "customers": customers,
        "months": MONTHS,
        "seed": SEED,
        "end_date": END_DATE,
        "started_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "code": code_version(),
        "settings": {name: os.environ.get(name) for name in ENV_SETTINGS},
        "load_before": load_average(),
    }
    steps: dict[str, dict] = {}
    if reused:
        steps.update(json.loads(deliveries.read_text(encoding="utf-8")))
        print("  generate, split: reusing the deliveries of a previous run", flush=True)
    else:
        steps["generate"] = run_step("generate", work, out=str(shop), customers=customers)
        steps["split"] = run_step("split", work, shop=str(shop), base=str(base), day=str(day))
        shutil.rmtree(shop)  # the two deliveries hold every row
        deliveries.write_text(json.dumps({k: steps[k] for k in ("generate", "split")}), encoding="utf-8")
    result["reused_data"] = reused
    result["reused_ingest"] = reused_ingest
    if reused_ingest:
        steps["ingest"] = json.loads(ingested.read_text(encoding="utf-8"))
        print(f"  ingest: reusing the raw tables of a previous run; dropped {drop_built_schemas(database)}")
    else:
        # the base is loaded at the start of the last day, the day at its end: no row of either is
        # later than its load (only the generator's deliberate future timestamps)
        steps["ingest"] = run_step(
            "ingest",
            work,
            folder=str(base),
            database=str(database),
            loaded_at=last_day.isoformat(),
            append=False,
        )
        ingested.write_text(json.dumps(steps["ingest"]), encoding="utf-8")
    steps |= run_build(work, database, target, "full")
    steps["ingest_day"] = run_step(
        "ingest",
        work,
        folder=str(day),
        database=str(database),
        loaded_at=(last_day + dt.timedelta(days=1)).isoformat(),
        append=True,
    )
    steps |= run_build(work, database, target, "incremental")
    if head_to_head:
        steps["head_to_head"] = run_step("head_to_head", work, database=str(database), target=str(target))
    rows = steps["split"].get("rows", {})
    result.update(
        {
            "raw_rows": sum(b + d for b, d in rows.values()),
            "raw_rows_last_day": sum(d for _, d in rows.values()),
            "rows_per_table": {name: b + d for name, (b, d) in rows.items()},
            "steps": steps,
            "peak_rss_mb": max(s["peak_rss_mb"] for s in steps.values()),
            "ok": all(s.get("ok") for s in steps.values()),
            "load_after": load_average(),
            "finished_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )
    return result


# --------------------------------------------------------------------------- a stopped scale
ANSI = re.compile(r"\x1b\[[0-9;]*m")
DBT_LINE = re.compile(
    r"^(?P<clock>\d\d:\d\d:\d\d)\s+\d+ of \d+ (?P<what>START|OK created|PASS|WARN|FAIL|ERROR)"
    r"[^.]*?(?:model|test|seed|snapshot) (?:\S+\.)?(?P<node>[\w]+)[ .]*\[.*?(?:in (?P<seconds>[\d.]+)s)?\]"
)


def unfinished_build(log_text: str, stopped_at: dt.datetime, peak_rss_mb: int) -> tuple[dict, str]:
    """The full_build step of a run stopped in the middle, from dbt's lines in the harness log:
    the models that finished with their times, and those still running with their time so far.
    Returns the step and a sentence saying where it stopped."""
    finished: dict[str, float] = {}
    started: dict[str, dt.datetime] = {}
    first = None
    for line in log_text.splitlines():
        match = DBT_LINE.match(ANSI.sub("", line))
        if not match:
            continue
        clock = dt.datetime.combine(
            stopped_at.date(), dt.time.fromisoformat(match["clock"]), stopped_at.tzinfo
        )
        first = first or clock
        if match["what"] == "START":
            started[match["node"]] = clock
        elif match["what"] == "OK created" and match["seconds"]:
            finished[match["node"]] = float(match["seconds"])
    running = {
        node: (stopped_at - at).total_seconds() for node, at in started.items() if node not in finished
    }
    nodes = [
        {"node": n, "resource_type": "model", "status": "success", "seconds": t} for n, t in finished.items()
    ]
    nodes += [
        {"node": f"{n} (running)", "resource_type": "model", "status": "running", "seconds": t}
        for n, t in running.items()
    ]
    step = summarize_build(
        {
            "nodes": nodes,
            "seconds": round((stopped_at - first).total_seconds(), 1) if first else None,
            "peak_rss_mb": peak_rss_mb,
            "unfinished": True,
            "ok": False,
        }
    )
    where = (
        f"full build stopped after {_s(step['seconds'])} with {len(finished)} models built; still running: "
        + ", ".join(f"{n} ({_s(t)} so far)" for n, t in sorted(running.items(), key=lambda x: -x[1]))
    )
    return step, where


def record_unfinished(customers: int, work: Path, log: Path, peak_rss_mb: int) -> dict:
    """A result line for a scale whose full build was stopped (time box): generate, split and
    ingest as recorded in `work`, the build from the harness log `log`."""
    steps = json.loads((work / "deliveries.json").read_text(encoding="utf-8"))
    steps["ingest"] = json.loads((work / "ingest.json").read_text(encoding="utf-8"))
    steps["full_build"], where = unfinished_build(
        log.read_text(encoding="utf-8"), dt.datetime.now(dt.UTC), peak_rss_mb
    )
    rows = steps["split"]["rows"]
    return {
        "customers": customers,
        "months": MONTHS,
        "seed": SEED,
        "end_date": END_DATE,
        "started_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "code": code_version(),
        "settings": {name: os.environ.get(name) for name in ENV_SETTINGS},
        "raw_rows": sum(b + d for b, d in rows.values()),
        "raw_rows_last_day": sum(d for _, d in rows.values()),
        "rows_per_table": {name: b + d for name, (b, d) in rows.items()},
        "steps": steps,
        "peak_rss_mb": max(s["peak_rss_mb"] for s in steps.values()),
        "ok": False,
        "unfinished": where,
        "load_before": steps["ingest"]["load_before"],
        "load_after": load_average(),
    }


# --------------------------------------------------------------------------- the report
def _s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 600:
        return f"{seconds / 60:.0f} min"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"


def _gb(mb: float | None) -> str:
    return "-" if mb is None else f"{mb / 1024:.1f} GiB" if mb >= 1024 else f"{mb:.0f} MiB"


def _t(steps: dict, name: str) -> str:
    """A step's time for the report: '-' when the step did not run, '> t (stopped)' when it
    was stopped before the end."""
    step = steps.get(name) or {}
    text = _s(step.get("seconds"))
    return f"> {text} (stopped)" if step.get("unfinished") else text


def _n(customers: int) -> str:
    if customers < 1000:
        return str(customers)  # a smoke run
    return f"{customers // 1_000_000}M" if customers % 1_000_000 == 0 else f"{customers // 1000}k"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _phases_seconds(step: dict | None) -> float | None:
    """A build step's time: its phases' own seconds when recorded, else the child's wall time."""
    if not step:
        return None
    if step.get("phase_seconds"):
        return sum(step["phase_seconds"].values())
    return step.get("seconds")


def against_floor(result: dict) -> dict:
    """For the full and the incremental build of one scale: the build's wall and CPU seconds,
    those of the floor query before it, build / floor for each, and validate + publish seconds
    (their phases' own time); plus the full build's CPU seconds per customer. None where a number
    was not measured."""
    steps = result["steps"]
    out: dict = {}
    for kind in ("full", "incremental"):
        build, floor = steps.get(f"{kind}_build") or {}, steps.get(f"{kind}_floor") or {}
        row = {
            "build_s": build.get("seconds"),
            "build_cpu_s": build.get("cpu_s"),
            "floor_s": floor.get("query_s"),
            "floor_cpu_s": floor.get("query_cpu_s"),
        }
        row["wall_x"] = _ratio(row["build_s"], row["floor_s"])
        row["cpu_x"] = _ratio(row["build_cpu_s"], row["floor_cpu_s"])
        parts = [_phases_seconds(steps.get(f"{kind}_{step}")) for step in ("validate", "publish")]
        row["validate_publish_s"] = None if None in parts else sum(parts)
        out[kind] = row
    out["cpu_per_customer_s"] = _ratio(out["full"]["build_cpu_s"], result["customers"])
    return out


def per_customer_growth(results: list[dict]) -> dict[int, float | None]:
    """Each scale's full-build CPU seconds per customer over the next smaller scale's (1M against
    100k): 1.0 = the build grows linearly with customers. Smallest scale first in `results`."""
    growth: dict[int, float | None] = {}
    previous = None
    for r in results:
        current = against_floor(r)["cpu_per_customer_s"]
        growth[r["customers"]] = _ratio(current, previous)
        previous = current
    return growth


def _x(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x"


def _pair(a: float | None, b: float | None) -> str:
    return f"{_s(a)} / {_s(b)}"


def _load(steps: dict, name: str) -> str:
    step = steps.get(name) or {}
    if step.get("load_before") is None or step.get("load_after") is None:
        return "-"
    return f"{step['load_before']:.1f} -> {step['load_after']:.1f}"


def floor_section(results: list[dict]) -> list[str]:
    """The builds against the floor, per scale (markdown lines; make bench also prints them)."""
    growth = per_customer_growth(results)
    out = [
        "## Against the floor",
        "",
        "Floor = one grouped pass over all raw events and all raw orders into one row per customer",
        "(events, last event time, orders, revenue summed from the text amounts), a plain DuckDB",
        "query on the raw tables the build then reads; its own wall and CPU time. Build = the",
        "dbt build step (wall / CPU seconds: user + system of its process, all threads). A ratio",
        "is build / floor; CPU per customer is the full build's; growth = CPU per customer against",
        "the scale below (1.0 = linear). Validate + publish = the time of those phases of",
        "`lifecycle build` (validation; warnings, publish, exports, summary), without the start-up",
        "of the benchmark's child processes. Load = the 1-minute load average before -> after the",
        "build (2 = both cores busy).",
        "",
        "| customers | floor (wall / CPU) | full build (wall / CPU) | full / floor (wall, CPU) "
        "| incremental: floor | incremental build | incremental / floor (wall, CPU) "
        "| validate + publish (full, incremental) | CPU per customer | growth | load: full build "
        "| load: incremental |",
        "|" + " ---: |" * 10 + " :---: | :---: |",
    ]
    for r in results:
        x = against_floor(r)
        full, incremental = x["full"], x["incremental"]
        per_customer, grown = x["cpu_per_customer_s"], growth[r["customers"]]
        out.append(
            f"| {r['customers']:,} | {_pair(full['floor_s'], full['floor_cpu_s'])} "
            f"| {_pair(full['build_s'], full['build_cpu_s'])} | {_x(full['wall_x'])}, {_x(full['cpu_x'])} "
            f"| {_pair(incremental['floor_s'], incremental['floor_cpu_s'])} "
            f"| {_pair(incremental['build_s'], incremental['build_cpu_s'])} "
            f"| {_x(incremental['wall_x'])}, {_x(incremental['cpu_x'])} "
            f"| {_s(full['validate_publish_s'])}, {_s(incremental['validate_publish_s'])} "
            f"| {'-' if per_customer is None else f'{per_customer * 1000:.2f} ms'} "
            f"| {'-' if grown is None else f'{grown:.2f}x'} "
            f"| {_load(r['steps'], 'full_build')} | {_load(r['steps'], 'incremental_build')} |"
        )
    return out


def latest_per_scale(lines: list[dict]) -> list[dict]:
    """The last result of each scale, smallest scale first."""
    latest: dict[int, dict] = {}
    for line in lines:
        latest[line["customers"]] = line
    return [latest[k] for k in sorted(latest)]


def render_markdown(results: list[dict]) -> str:
    """docs/benchmarks.md from result lines (one per scale)."""
    out = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (benchmarks/bench.py) from the latest result of each scale",
        "(benchmarks/latest/); do not edit by hand. `make bench SCALES=100000` runs one scale.",
        "",
        f"Each scale: the generator's shop ({MONTHS} months ending {END_DATE}, Parquet) split into a",
        "base (all but the last day) and the last day; the base ingested and built in full, then the",
        "last day appended (`ingest --append`) and built incrementally. Each build is",
        "`lifecycle build`'s own phase functions (lifecycle.build) in three timed steps: build =",
        "its `dbt build` (models, snapshots, data tests; no unit tests); validate = Great",
        "Expectations; publish = warnings, the serving copy, the exports and the summary. Each scale",
        "has a new dbt target folder, so the full build's step includes dbt's full parse of the",
        "project (a nightly build in a project reuses its saved parse). Peak RSS is",
        "the largest high-water mark of any step (each runs in its own process, DuckDB and Python",
        "models included). Load is the 1-minute load average before and after the scale (2 = both",
        "cores busy).",
        "",
    ]
    if not results:
        return "\n".join([*out, "No results yet: run `make bench`.", ""])
    machine_ = results[-1]["machine"]
    out += [
        f"Machine: {machine_['cpu_count']} cores, {machine_['memory_gib']} GiB memory,"
        f" {machine_['platform']}; Python {machine_['python']}, DuckDB {machine_['duckdb']},"
        f" dbt {machine_['dbt']}.",
        "",
        "| customers | raw rows | generate | ingest | full build | validate | publish | day: rows | "
        "day: ingest | incremental build | validate | publish | peak RSS | load before/after | run |",
        "|" + " ---: |" * 13 + " :---: | --- |",
    ]
    for r in results:
        s = r["steps"]
        out.append(
            f"| {r['customers']:,} | {r['raw_rows']:,} | {_t(s, 'generate')} "
            f"| {_t(s, 'ingest')} | {_t(s, 'full_build')} "
            f"| {_t(s, 'full_validate')} | {_t(s, 'full_publish')} "
            f"| {r['raw_rows_last_day']:,} | {_t(s, 'ingest_day')} "
            f"| {_t(s, 'incremental_build')} | {_t(s, 'incremental_validate')} "
            f"| {_t(s, 'incremental_publish')} | {_gb(r['peak_rss_mb'])} "
            f"| {r['load_before']:.1f} / {r['load_after']:.1f} | {r['started_at'][:10]}"
            f"{' ' + r['code'] if r.get('code') else ''}"
            f"{'' if r['ok'] else ' (stopped)' if r.get('unfinished') else ' (failed)'} |"
        )
    out += ["", *floor_section(results)]
    out += [
        "",
        "Peak RSS per step (full build / its validate / incremental build):",
        "",
    ]
    for r in results:
        s = r["steps"]
        settings = ", ".join(f"{k}={v}" for k, v in r["settings"].items() if v) or "profile defaults"
        out.append(
            f"- {_n(r['customers'])}: {_gb(s['full_build']['peak_rss_mb'])} / "
            f"{_gb(s.get('full_validate', {}).get('peak_rss_mb'))} / "
            f"{_gb(s.get('incremental_build', {}).get('peak_rss_mb'))};"
            f" warehouse file {_gb(s['full_build'].get('database_mb'))}; {settings}"
            + "".join(f"; {name}: {step['note']}" for name, step in s.items() if step.get("note"))
        )
    out += ["", "## Slowest models", ""]
    out += [
        "| customers | full build: top 5 models | incremental build: top 5 models |",
        "| ---: | --- | --- |",
    ]
    for r in results:
        cells = [
            ", ".join(
                f"{name} {_s(sec)}" for name, sec in r["steps"].get(build, {}).get("slowest_models", [])
            )
            or "-"
            for build in ("full_build", "incremental_build")
        ]
        out.append(f"| {r['customers']:,} | {cells[0]} | {cells[1]} |")
    for r in results:
        if r.get("unfinished"):
            out += ["", f"{_n(r['customers'])} stopped: {r['unfinished']}"]
    out += [
        "",
        "Time per node type in the full build (seconds, summed over nodes; two threads run at once):",
        "",
    ]
    for r in results:
        by_type = r["steps"]["full_build"]["seconds_by_resource_type"]
        out.append(
            f"- {_n(r['customers'])}: " + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(by_type.items()))
        )
    h2h = [r for r in results if "head_to_head" in r["steps"]]
    if h2h:
        out += [
            "",
            "## Head to head",
            "",
            "On the final warehouse of each scale (its completed orders before the end of as_of_date,",
            "deleted persons left out, as int_clv_summary reads them):",
            "",
            "- BTYD summary: our SQL (int_clv_summary's compiled SQL, into a temporary table) against",
            "  lifetimes' `summary_data_from_transaction_data(freq='D')` on the same orders as a pandas",
            "  frame; mismatches = customers whose frequency, recency or T differ, or whose monetary",
            "  value differs by more than 1e-9 relative.",
            "- BG/NBD: `fit_bgnbd` (distinct (frequency, recency, T) rows with weights, grouping included)",
            "  against lifetimes' `BetaGeoFitter.fit` on one row per customer; both unpenalized.",
            "",
            "| customers | orders | SQL summary | lifetimes summary | ratio | mismatches | BG/NBD rows "
            "(distinct) | weighted fit | per-customer fit | ratio | max rel. parameter difference |",
            "| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in h2h:
            x = r["steps"]["head_to_head"]
            if "orders" not in x:  # the child failed as a whole (its traceback is in the log)
                out.append(
                    f"| {r['customers']:,} | failed (exit code {x.get('exit_code')}, see the harness log) |"
                )
                continue
            if "lifetimes_error" in x:
                lt, ratio, mismatch = "failed", "-", x["lifetimes_error"]
            else:
                lt, ratio = _s(x["lifetimes_summary_s"]), f"{x['summary_ratio']:.1f}x"
                mismatch = ", ".join(f"{k} {v}" for k, v in x["summary_mismatches"].items() if v) or "none"
            out.append(
                f"| {r['customers']:,} | {x['orders']:,} | {_s(x['sql_summary_s'])} | {lt} | {ratio} "
                f"| {mismatch} | {x['customers']:,} ({x['bgnbd_distinct_rows']:,}) "
                f"| {_s(x['bgnbd_weighted_s'])} | {_s(x['bgnbd_per_customer_s'])} | {x['bgnbd_ratio']:.1f}x "
                f"| {x['bgnbd_max_rel_diff']:.1e} |"
            )
    out.append("")
    return "\n".join(out)


def record_result(result: dict, results_path: Path = RESULTS, latest_dir: Path = LATEST) -> None:
    """Append `result` to the local history and keep it as its scale's newest (latest_dir)."""
    line = json.dumps(result, default=str)
    with results_path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    latest_dir.mkdir(parents=True, exist_ok=True)
    (latest_dir / f"{result['customers']}.json").write_text(line + "\n", encoding="utf-8")


def read_results(path: Path = RESULTS, latest_dir: Path = LATEST) -> list[dict]:
    """Every result of the local history and the committed newest ones, oldest first."""
    texts = [path.read_text(encoding="utf-8")] if path.exists() else []
    texts += [p.read_text(encoding="utf-8") for p in sorted(latest_dir.glob("*.json"))]
    lines = [json.loads(line) for text in texts for line in text.splitlines() if line.strip()]
    return sorted(lines, key=lambda line: str(line.get("started_at", "")))


# docs/benchmarks.md keeps what follows this line across rewrites (notes written by hand)
NOTES_MARKER = "<!-- notes below are written by hand and kept by make bench -->"


def write_report(results_path: Path = RESULTS, doc: Path = DOC, latest_dir: Path = LATEST) -> None:
    """Rewrite `doc` from the results, keeping its hand-written notes (after NOTES_MARKER)."""
    doc.parent.mkdir(parents=True, exist_ok=True)
    old = doc.read_text(encoding="utf-8") if doc.exists() else ""
    notes = old[old.index(NOTES_MARKER) :] if NOTES_MARKER in old else ""
    text = render_markdown(latest_per_scale(read_results(results_path, latest_dir)))
    doc.write_text(text + ("\n" + notes if notes else ""), encoding="utf-8")


def parse_scales(text: str) -> list[int]:
    """'10000,100k,1M' -> [10000, 100000, 1000000]."""
    scales = []
    for part in text.split(","):
        part = part.strip().lower()
        factor = {"k": 1_000, "m": 1_000_000}.get(part[-1:], 1)
        scales.append(int(float(part.rstrip("km")) * factor))
    return scales


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scales", default="10000,100000,1000000", help="customers per scale, comma separated"
    )
    parser.add_argument(
        "--work", default=os.environ.get("BENCH_WORK", "/tmp/lifecycle-bench"), help="scratch folder"
    )
    parser.add_argument("--keep", action="store_true", help="keep each scale's files and warehouse")
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="build the deliveries a --keep run left instead of generating",
    )
    parser.add_argument(
        "--reuse-ingest",
        action="store_true",
        help="with --reuse-data: also keep the raw tables a --keep run ingested (builds dropped)",
    )
    parser.add_argument("--no-head-to-head", action="store_true", help="skip the lifetimes comparisons")
    parser.add_argument(
        "--record-unfinished",
        metavar="LOG",
        help="append a result for the one scale of --scales whose full build was stopped, from the"
        " harness log LOG and the files --keep left in --work (needs --peak-rss-mb)",
    )
    parser.add_argument("--peak-rss-mb", type=int, help="peak RSS of the stopped build (sampled)")
    parser.add_argument("--report-only", action="store_true", help="only rewrite docs/benchmarks.md")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--step-args", help=argparse.SUPPRESS)
    parser.add_argument("--step-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:  # a child: run one step, write its result
        result = STEPS[args.step](**json.loads(args.step_args))
        Path(args.step_out).write_text(json.dumps(result, default=str), encoding="utf-8")
        return 0 if result.get("ok", True) else 1
    if args.record_unfinished:
        (customers,) = parse_scales(args.scales)
        result = record_unfinished(
            customers, Path(args.work) / f"c{customers}", Path(args.record_unfinished), args.peak_rss_mb
        )
        record_result(result)
    elif not args.report_only:
        work = Path(args.work)
        for customers in parse_scales(args.scales):
            result = run_scale(
                customers,
                work / f"c{customers}",
                not args.no_head_to_head,
                args.reuse_data,
                args.reuse_ingest,
            )
            record_result(result)
            write_report()  # after each scale: a long run shows its progress
            if not args.keep:
                shutil.rmtree(work / f"c{customers}", ignore_errors=True)
    write_report()
    print("\n".join(floor_section(latest_per_scale(read_results()))))
    print(f"{'' if args.report_only else f'results appended to {RESULTS}; '}{DOC} rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
