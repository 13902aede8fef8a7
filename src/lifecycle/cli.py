"""`lifecycle` command line: generate demo data, ingest files, build the warehouse, summarize.

Each command is a thin wrapper: the work is in lifecycle.build (the build's phases), lifecycle.
summary, lifecycle.report, lifecycle.export, lifecycle.metrics; dbt runs through
lifecycle.dbt_runner. Nothing in the package imports this module.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lifecycle import paths
from lifecycle.summary import summary_text


def _cmd_generate(args: argparse.Namespace) -> int:
    from lifecycle.generate import generate

    out = Path(args.out) if args.out else paths.demo_data_dir()
    summary = generate(
        out,
        customers=args.customers,
        months=args.months,
        seed=args.seed,
        end_date=args.end_date,
        bad_row_share=args.bad_row_share,
        file_format=args.format,
        progress=not args.quiet,
    )
    rows = summary.get("rows", {})
    print(f"generated {sum(rows.values()):,} rows in {len(rows)} files under {out}")
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from lifecycle.ingest import ContractError, ingest
    from lifecycle.locks import WarehouseLocked

    try:
        report = ingest(Path(args.data_dir), database=_database(args), append=getattr(args, "append", False))
    except (ContractError, WarehouseLocked) as err:
        print(f"ingest failed, raw left unchanged:\n{err}", file=sys.stderr)
        return 2
    print(report.format())
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    """dbt build -> Great Expectations -> warnings -> publish (serving file + exports) -> summary."""
    from lifecycle.build import build

    return build(_database(args), _serving(args), args.dbt_args)


def _cmd_forget(args: argparse.Namespace) -> int:
    """Erase the persons with a deletion request from raw for good; the logic is lifecycle.forget."""
    from lifecycle.forget import ForgetError, forget
    from lifecycle.locks import WarehouseLocked

    try:
        report = forget(_database(args), _serving(args))
    except (ForgetError, WarehouseLocked) as err:
        print(f"forget failed, nothing was erased:\n{err}", file=sys.stderr)
        return 2
    print(report.format())
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from lifecycle.export import export

    out = Path(args.out) if args.out else paths.project_dir() / "data" / "exports"
    manifest = export(_database(args), out)
    print(f"exported {len(manifest['files'])} files to {out} (manifest.json)")
    for note in manifest["notes"]:
        print(f"  note: {note}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """The HTML report of the published build (or --database); with --docs the dbt docs of the
    working file beside it. The logic is lifecycle.report."""
    from lifecycle.report import GXResultsError, default_report_path, generate_docs, write_report

    working = Path(args.working).resolve() if getattr(args, "working", None) else paths.duckdb_path()
    if args.database:
        source = Path(args.database).resolve()
    else:
        source = Path(args.serving).resolve() if args.serving else paths.serving_path(working)
    out = Path(args.out).resolve() if args.out else default_report_path()
    if not source.is_file():
        print(
            f"report failed: warehouse not found: {source} (build it first: lifecycle build)", file=sys.stderr
        )
        return 2
    try:
        if args.docs:
            docs = generate_docs(out.parent / "docs", database=working)
            print(f"dbt docs written to {docs} (open static_index.html)")
        path = write_report(source, out, gx_results=args.gx_results)
    except (FileNotFoundError, GXResultsError, RuntimeError) as err:
        print(f"report failed: {err}", file=sys.stderr)
        return 2
    print(f"report written to {path}")
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    database = Path(args.database).resolve() if args.database else _serving(args)
    if not database.exists():
        print(
            f"no published build at {database}: run `lifecycle build` (or pass --database)", file=sys.stderr
        )
        return 1
    print(summary_text(database))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    """Everything on the default demo data: generate, ingest, build (validate, publish, export),
    report (+ dbt docs). The demo files and the report go beside the warehouse file (data/demo/
    and data/report/ by default), so a demo run with --database leaves the project's own alone."""
    started = time.monotonic()
    working = _database(args)
    data_dir = working.parent / "demo"
    gen = argparse.Namespace(
        out=str(data_dir),
        customers=args.customers,
        months=args.months,
        seed=args.seed,
        end_date=args.end_date,
        bad_row_share=args.bad_row_share,
        format="csv",
        quiet=False,
    )
    for step in (
        lambda: _cmd_generate(gen),
        lambda: _cmd_ingest(argparse.Namespace(data_dir=str(data_dir), database=args.database)),
        lambda: _cmd_build(argparse.Namespace(dbt_args=[], database=args.database, serving=args.serving)),
        lambda: _cmd_report(
            argparse.Namespace(
                database=None,
                serving=args.serving,
                working=args.database,
                out=str(working.parent / "report" / "lifecycle_report.html"),
                gx_results=None,
                docs=True,
            )
        ),
    ):
        code = step()
        if code:
            return code
    print(f"demo finished in {time.monotonic() - started:.0f} s")
    return 0


def _cmd_metrics(args: argparse.Namespace) -> int:
    """MetricFlow on the serving copy (lifecycle.metrics)."""
    from lifecycle.metrics import MetricsError, run

    if not args.list and not args.mf_args:
        print(
            "metrics: give `mf query` arguments, e.g. --metrics revenue --group-by metric_time__month"
            " (or --list)",
            file=sys.stderr,
        )
        return 2
    try:
        return run(_serving(args), args.mf_args, list_metrics=args.list)
    except MetricsError as err:
        print(f"metrics failed: {err}", file=sys.stderr)
        return 2


def _database(args: argparse.Namespace) -> Path:
    return Path(args.database).resolve() if getattr(args, "database", None) else paths.duckdb_path()


def _serving(args: argparse.Namespace) -> Path:
    if getattr(args, "serving", None):
        return Path(args.serving).resolve()
    return paths.serving_path(_database(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lifecycle", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add_database(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--database",
            help="DuckDB file (default: $LIFECYCLE_DUCKDB_PATH or data/warehouse.duckdb)",
        )

    def add_serving(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--serving",
            help="published copy (default: $LIFECYCLE_SERVING_PATH or serving/ beside the working file)",
        )

    def add_sizes(p: argparse.ArgumentParser) -> None:
        p.add_argument("--customers", type=int, default=3000, help="registered customers (default 3000)")
        p.add_argument("--months", type=int, default=24, help="months of history (default 24)")
        p.add_argument("--seed", type=int, default=42, help="random seed (same seed, same bytes)")
        p.add_argument("--end-date", default="2026-09-30", help="last day of data (YYYY-MM-DD)")
        p.add_argument(
            "--bad-row-share",
            type=float,
            default=0.005,
            help="share of rows per table carrying one defect (default 0.005)",
        )

    p = sub.add_parser("generate", help="write a deterministic synthetic shop (every raw table)")
    add_sizes(p)
    p.add_argument("--out", help="output folder (default data/demo)")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("ingest", help="load CSV/Parquet files named after the raw tables into schema raw")
    p.add_argument("data_dir")
    add_database(p)
    p.add_argument(
        "--append",
        action="store_true",
        help="add this delivery's rows to raw (for incremental builds) instead of replacing every table",
    )
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser(
        "build",
        help="dbt build, validate (Great Expectations), publish the serving copy and exports, summarize",
        usage="lifecycle build [--database FILE] [--serving FILE] [dbt build arguments ...]",
        epilog="Every other argument goes to `dbt build`, in its order: --select x y --vars '{...}'.",
    )
    add_database(p)
    add_serving(p)
    # every other argument goes to dbt, in its order (e.g. --select x y --vars '{...}')
    p.set_defaults(func=_cmd_build, dbt_args=[])

    p = sub.add_parser(
        "metrics",
        help="MetricFlow (`mf query`) on the serving copy: lifecycle metrics --metrics revenue"
        " --group-by metric_time__month (rows ordered by time)",
        usage="lifecycle metrics [--database FILE | --serving FILE] [--list] [mf query arguments ...]",
        epilog="Every other argument goes to `mf query`, in its order (--metrics, --group-by, --where,"
        " --csv ...). Grouped by metric_time, rows are ordered by it unless --order is given.",
    )
    add_database(p)
    add_serving(p)
    p.add_argument("--list", action="store_true", help="list the metrics (`mf list metrics`)")
    # every other argument goes to `mf query` (--metrics, --group-by, --where, --csv ...), in order
    p.set_defaults(func=_cmd_metrics, mf_args=[])

    p = sub.add_parser(
        "forget",
        help="erase every person with a deletion request in the last build from raw, with an audit record;"
        " the next build publishes without them",
    )
    add_database(p)
    add_serving(p)
    p.set_defaults(func=_cmd_forget)

    p = sub.add_parser(
        "export",
        help="write the audiences of a warehouse file to a folder (lifecycle build publishes validated ones)",
    )
    add_database(p)
    p.add_argument("--out", help="output folder (default data/exports)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser(
        "report", help="write the HTML report (self-contained, offline) of the published build"
    )
    p.add_argument("--database", help="warehouse to report on (default: the published serving copy)")
    add_serving(p)
    p.add_argument("--out", help="HTML file (default data/report/lifecycle_report.html)")
    p.add_argument(
        "--gx-results",
        help="Great Expectations results JSON to show (default: the published build's own results)",
    )
    p.add_argument(
        "--docs", action="store_true", help="also write the dbt docs (of the working file) to <out dir>/docs"
    )
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("summary", help="print the summary of the published build (or of --database)")
    add_database(p)
    add_serving(p)
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("demo", help="generate + ingest + build on the demo data")
    add_sizes(p)
    add_database(p)
    add_serving(p)
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # build and metrics pass everything they do not know to dbt / mf, in the order given (they
    # have no positional arguments, so argparse leaves those arguments in order in `extra`)
    passed_on = {"build": "dbt_args", "metrics": "mf_args"}
    if extra and args.command not in passed_on:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command in passed_on:
        setattr(args, passed_on[args.command], extra)
    try:
        return args.func(args)
    except paths.ProjectNotFound as err:
        print(f"lifecycle {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
