"""`make bench`: time generate, ingest and dbt build at a given size; append the result to
benchmarks/results.jsonl. Scale is a flag: `make bench CUSTOMERS=100000`."""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

from lifecycle.cli import run_dbt
from lifecycle.generate import generate
from lifecycle.ingest import ingest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--keep", action="store_true", help="keep the generated files and warehouse")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lifecycle-bench-"))
    timings: dict[str, float] = {}
    started = time.monotonic()
    summary = generate(work / "data", customers=args.customers, months=args.months, progress=True)
    timings["generate_s"] = time.monotonic() - started

    started = time.monotonic()
    report = ingest(work / "data", database=work / "bench.duckdb")
    timings["ingest_s"] = time.monotonic() - started

    started = time.monotonic()
    code = run_dbt(["build"], database=work / "bench.duckdb")
    timings["dbt_build_s"] = time.monotonic() - started

    result = {
        "customers": args.customers,
        "months": args.months,
        "raw_rows": sum(report.tables.values()),
        "rows_per_table": summary.get("rows"),
        "build_ok": code == 0,
        **{k: round(v, 1) for k, v in timings.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    out = Path(__file__).with_name("results.jsonl")
    with out.open("a", encoding="utf-8") as f:
        f.write(json.dumps(result) + "\n")
    print(json.dumps(result, indent=2))
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
