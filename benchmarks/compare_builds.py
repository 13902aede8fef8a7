"""Do two builds of the same raw data publish the same rows? Compares every public table.

The scale work (DECISIONLOG "A narrow event spine") rewrote the hot path of the build; its rule
was: every public mart and audience of the new build equals the old build's, row for row, or the
difference is a documented fix. This script is that check, reproducible:

    python benchmarks/compare_builds.py OLD.duckdb NEW.duckdb [--schemas marts audiences]
    python benchmarks/compare_builds.py --build-old REV --raw FILE.duckdb --work DIR

The first form compares two built warehouses. The second builds the raw schema of FILE with the
code of git revision REV (a worktree under DIR, the current virtualenv) and with this checkout,
then compares them (both builds run `dbt build` without unit tests, as `lifecycle build` does).

Tables are compared as multisets of rows (EXCEPT ALL both ways), on the columns both have (but a
snapshot's dbt_* columns, which record when a build ran), with doubles rounded to `--digits`
decimals (a sum's last bits depend on summing order). Columns and tables only one side has are
listed. Known, documented differences can be excused with `--ignore schema.table.column`
(repeatable). Exit status 1 when any table differs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCHEMAS = ("marts", "audiences", "restricted")
# a snapshot's dbt_valid_from/_to, dbt_scd_id, dbt_updated_at say when a build ran, not what it built
SNAPSHOT_COLUMNS_PREFIX = "dbt_"


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> dict[str, str]:
    return dict(
        con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
            [catalog, schema, table],
        ).fetchall()
    )


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]) -> set[tuple[str, str]]:
    placeholders = ", ".join("?" for _ in schemas)
    return set(
        con.execute(
            "select table_schema, table_name from information_schema.tables"
            f" where table_catalog = ? and table_schema in ({placeholders}) and table_type = 'BASE TABLE'",
            [catalog, *schemas],
        ).fetchall()
    )


def _expression(column: str, data_type: str, digits: int) -> str:
    quoted = f'"{column}"'
    if data_type in ("DOUBLE", "FLOAT", "REAL"):
        return f"round({quoted}, {digits}) as {quoted}"
    return quoted


def compare(
    old: Path,
    new: Path,
    schemas: tuple[str, ...] = DEFAULT_SCHEMAS,
    digits: int = 9,
    ignore: frozenset[str] = frozenset(),
) -> list[str]:
    """Differences between the public tables of two warehouses, one line each (empty: same)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{old}' as old_db (read_only)").fetchall()
        con.execute(f"attach '{new}' as new_db (read_only)").fetchall()
        old_tables, new_tables = _tables(con, "old_db", schemas), _tables(con, "new_db", schemas)
        lines = [f"{s}.{t}: only in the old build" for s, t in sorted(old_tables - new_tables)]
        lines += [f"{s}.{t}: only in the new build" for s, t in sorted(new_tables - old_tables)]
        for schema, table in sorted(old_tables & new_tables):
            name = f"{schema}.{table}"
            old_columns = _columns(con, "old_db", schema, table)
            new_columns = _columns(con, "new_db", schema, table)
            for column in old_columns.keys() ^ new_columns.keys():
                if f"{name}.{column}" not in ignore:
                    side = "old" if column in old_columns else "new"
                    lines.append(f"{name}: column {column} only in the {side} build")
            shared = [
                c
                for c in old_columns
                if c in new_columns
                and f"{name}.{c}" not in ignore
                and name not in ignore
                and not c.startswith(SNAPSHOT_COLUMNS_PREFIX)
            ]
            if not shared:
                continue
            select = ", ".join(_expression(c, old_columns[c], digits) for c in shared)
            counts = []
            for a, b in (("old_db", "new_db"), ("new_db", "old_db")):
                counts.append(
                    con.execute(
                        f'select count(*) from (select {select} from {a}."{schema}"."{table}"'
                        f' except all select {select} from {b}."{schema}"."{table}")'
                    ).fetchall()[0][0]
                )
            if any(counts):
                rows = [
                    con.execute(f'select count(*) from {db}."{schema}"."{table}"').fetchall()[0][0]
                    for db in ("old_db", "new_db")
                ]
                lines.append(
                    f"{name}: {counts[0]:,} old rows not in the new build, {counts[1]:,} new rows not in"
                    f" the old ({rows[0]:,} and {rows[1]:,} rows)"
                )
        return lines
    finally:
        con.close()


def build_with(checkout: Path, database: Path, python: Path) -> None:
    """`dbt build` (no unit tests) of `database` with the project and package of `checkout`."""
    env = {
        **os.environ,
        "LIFECYCLE_DUCKDB_PATH": str(database),
        "LIFECYCLE_PROJECT_DIR": str(checkout),
        "PYTHONPATH": str(checkout / "src"),
    }
    subprocess.run(
        [str(python.parent / "dbt"), "build", "--exclude", "resource_type:unit_test", "--profiles-dir", "."],
        cwd=checkout,
        env=env,
        check=True,
    )


def raw_copy(raw: Path, target: Path) -> None:
    """`target`: a copy of `raw` with only its raw schema (what ingest wrote)."""
    shutil.copy(raw, target)
    con = duckdb.connect(str(target))
    try:
        for (schema,) in con.execute(
            "select schema_name from information_schema.schemata where catalog_name = current_database()"
            " and schema_name not in ('raw', 'main', 'information_schema', 'pg_catalog')"
        ).fetchall():
            con.execute(f'drop schema "{schema}" cascade').fetchall()
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("old", nargs="?", help="the old build's warehouse file")
    parser.add_argument("new", nargs="?", help="the new build's warehouse file")
    parser.add_argument(
        "--build-old", metavar="REV", help="build --raw with git revision REV and with this checkout"
    )
    parser.add_argument("--raw", help="warehouse file whose raw schema both builds read (with --build-old)")
    parser.add_argument("--work", default="/tmp/lifecycle-compare", help="scratch folder (with --build-old)")
    parser.add_argument("--schemas", nargs="+", default=list(DEFAULT_SCHEMAS))
    parser.add_argument("--digits", type=int, default=9, help="decimals doubles are rounded to")
    parser.add_argument("--ignore", action="append", default=[], help="schema.table or schema.table.column")
    args = parser.parse_args(argv)
    if args.build_old:
        if not args.raw:
            parser.error("--build-old needs --raw")
        work = Path(args.work)
        work.mkdir(parents=True, exist_ok=True)
        checkout = work / "old-checkout"
        if checkout.exists():
            subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=ROOT, check=False)
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(checkout), args.build_old], cwd=ROOT, check=True
        )
        old, new = work / "old.duckdb", work / "new.duckdb"
        for target, project in ((old, checkout), (new, ROOT)):
            raw_copy(Path(args.raw), target)
            build_with(project, target, Path(sys.executable))
    elif args.old and args.new:
        old, new = Path(args.old), Path(args.new)
    else:
        parser.error("give OLD and NEW warehouse files, or --build-old REV --raw FILE")
    lines = compare(old, new, tuple(args.schemas), args.digits, frozenset(args.ignore))
    print("\n".join(lines) if lines else f"same rows in every table of {', '.join(args.schemas)}")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
