"""`lifecycle` command line: generate demo data, ingest files, build the warehouse, summarize."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from lifecycle import paths


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
    """dbt build -> Great Expectations -> publish (serving file + exports) -> summary."""
    from lifecycle.build import build

    serving = _serving(args)
    code = build(_database(args), serving, args.dbt_args)
    if code == 0:
        print(summary_text(serving))
    return code


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


def _database(args: argparse.Namespace) -> Path:
    return Path(args.database).resolve() if getattr(args, "database", None) else paths.duckdb_path()


def _serving(args: argparse.Namespace) -> Path:
    if getattr(args, "serving", None):
        return Path(args.serving).resolve()
    return paths.serving_path(_database(args))


def run_dbt(dbt_args: list[str], database: Path | None = None) -> int:
    """Run dbt in-process on this project; returns 0 on success, 1 on failure."""
    from dbt.cli.main import dbtRunner

    project = paths.project_dir()
    database = database or paths.duckdb_path()
    database.parent.mkdir(parents=True, exist_ok=True)
    os.environ["LIFECYCLE_DUCKDB_PATH"] = str(database)
    cli_args = [*dbt_args, "--project-dir", str(project), "--profiles-dir", str(project)]
    result = dbtRunner().invoke(cli_args)
    _release_duckdb()
    return 0 if result.success else 1


def _release_duckdb() -> None:
    """Close dbt-duckdb's process-wide connection so the file can be opened again (read-only
    readers, tests, the next ingest) in this process."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter
        return
    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()


def summary_text(database: Path) -> str:
    """A few lines a newcomer can read after a build: what was loaded, staged, quarantined."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:

        def one(sql: str):
            return con.execute(sql).fetchall()[0]

        def exists(schema: str, table: str) -> bool:
            sql = "select count(*) from information_schema.tables where table_schema=? and table_name=?"
            return con.execute(sql, [schema, table]).fetchall()[0][0] > 0

        lines = ["", "warehouse summary", "-----------------"]
        # from the marts, so the summary of the serving copy (no staging there) reads the same
        currency = _reporting_currency()
        if exists("marts", "kpi_daily") and exists("marts", "customer_profiles"):
            orders, revenue = one(
                "select coalesce(sum(orders), 0), coalesce(sum(revenue), 0) from marts.kpi_daily"
            )
            buyers = one("select count(*) from marts.customer_profiles where orders > 0")[0]
            aov = revenue / orders if orders else 0
            lines.append(f"orders            {int(orders):>12,}  (completed, marts.kpi_daily)")
            lines.append(f"buyers            {buyers:>12,}  (marts.customer_profiles)")
            lines.append(f"revenue           {revenue:>12,.2f} {currency} (completed orders)")
            lines.append(f"average order     {aov:>12,.2f} {currency}")
        if exists("marts", "customer_lifecycle"):
            lines.append("customers per lifecycle stage:")
            for stage, n in con.execute(
                "select lifecycle_stage, count(*) from marts.customer_lifecycle group by 1 order by 2 desc"
            ).fetchall():
                lines.append(f"  {stage:<16}{n:>12,}")
        if exists("marts", "kpi_monthly"):
            month, repeat_rate, churn_rate, open_rate, nps = con.execute(
                "select kpi_month, repeat_customer_rate, churn_rate, email_open_rate, nps"
                " from marts.kpi_monthly order by kpi_month desc limit 1"
            ).fetchall()[0]
            lines.append(f"KPIs for {month:%Y-%m} (marts.kpi_monthly):")
            for label, value in (
                ("repeat customer rate", repeat_rate),
                ("churn rate", churn_rate),
                ("email open rate", open_rate),
                ("NPS", nps),
            ):
                shown = "n/a" if value is None else f"{value:,.1f}"
                lines.append(f"  {label:<22}{shown:>8}")
        if exists("marts", "model_evaluation"):
            for task, model, auc in con.execute(
                "select task, model, value from marts.model_evaluation"
                " where metric = 'roc_auc' and model_role = 'chosen' order by task"
            ).fetchall():
                lines.append(f"{task} model: {model}, holdout ROC AUC {auc:.3f} (marts.model_evaluation)")
        if exists("audiences", "audience_memberships"):
            lines.append("audiences (audiences.audience_memberships):")
            for audience, n in con.execute(
                "select audience, count(*) from audiences.audience_memberships group by 1 order by 1"
            ).fetchall():
                lines.append(f"  {audience:<34}{n:>8,}")
        if exists("staging", "quarantined_rows"):
            source = "staging.quarantined_rows"
            quarantined = con.execute(
                "select quarantine_reason, count(*) from staging.quarantined_rows group by 1 order by 2 desc"
            ).fetchall()
        else:  # the serving copy keeps the counts per build
            source = "publish.quarantine_counts"
            quarantined = (
                con.execute(
                    "select quarantine_reason, sum(row_count) from publish.quarantine_counts where build_id ="
                    " (select max(build_id) from publish.builds) group by 1 order by 2 desc"
                ).fetchall()
                if exists("publish", "quarantine_counts")
                else []
            )
        total_q = sum(n for _, n in quarantined)
        lines.append(f"quarantined rows  {total_q:>12,}  ({source})")
        for reason, n in quarantined:
            lines.append(f"  {reason:<22}{n:>6,}")
        if exists("publish", "builds"):
            lines += _build_lines(con)
        lines.append(f"database          {database}")
        return "\n".join(lines)
    finally:
        con.close()


def _build_lines(con) -> list[str]:
    """The published build: id, validation, exports and its warnings (schema publish)."""
    build_id, published_at, as_of, evaluated, tables, docs, exports = con.execute(
        "select build_id, published_at, as_of_date, expectations_evaluated, tables_validated, data_docs,"
        " exports from publish.builds order by published_at desc limit 1"
    ).fetchall()[0]
    lines = [f"published build   {build_id} at {published_at:%Y-%m-%d %H:%M} UTC, as of {as_of}"]
    lines.append(
        f"validation        {evaluated:,} expectations on {tables} tables passed (Great Expectations)"
    )
    if docs:
        lines.append(f"  Data Docs       {docs}")
    if exports:
        lines.append(f"exports           {exports}")
    warnings = con.execute(
        "select kind, subject, message from publish.warnings where build_id = ? order by kind, subject",
        [build_id],
    ).fetchall()
    lines.append(f"warnings          {len(warnings):>12,}")
    lines += [f"  [{kind}] {subject}: {message}" for kind, subject, message in warnings]
    return lines


def _reporting_currency() -> str:
    import yaml

    project = yaml.safe_load((paths.project_dir() / "dbt_project.yml").read_text())
    return project["vars"]["reporting_currency"]


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
    )
    add_database(p)
    add_serving(p)
    p.add_argument("dbt_args", nargs="*", help="extra dbt arguments (e.g. --select x --vars '{...}')")
    p.set_defaults(func=_cmd_build)

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
    if extra and args.command != "build":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "build":
        args.dbt_args = [*extra, *args.dbt_args]  # everything unknown goes to dbt
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
