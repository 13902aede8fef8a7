"""`lifecycle ingest DIR`: load contract files into schema `raw`, all or nothing.

Raw is a landing zone: every contract column is stored as text exactly as delivered, plus
_raw_row_id (1-based row in the file), _source_file and _loaded_at. Staging types and
quarantines. Files are read by DuckDB's own readers (no pandas round trip), validated first,
then every raw table is replaced in one transaction, so a failure leaves `raw` as it was.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lifecycle import paths
from lifecycle.contract import DUCKDB_TYPES, Table, load_contract

# A column is rejected as "not readable as its type" when more than this share of its
# delivered (non-empty) values fail to parse: that is a wrong file or a shifted column, not a
# few bad rows (those are staging's job).
MAX_UNPARSEABLE_SHARE = 0.5
SUFFIXES = (".csv", ".csv.gz", ".parquet")


class ContractError(Exception):
    """The files in a folder do not meet the raw data contract; nothing was written."""


@dataclass
class IngestReport:
    database: Path
    loaded_at: dt.datetime
    tables: dict[str, int] = field(default_factory=dict)
    absent_tables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def format(self) -> str:
        lines = [f"ingested into {self.database} (schema raw) at {self.loaded_at:%Y-%m-%d %H:%M:%S} UTC"]
        for name, rows in self.tables.items():
            lines.append(f"  {name:<22}{rows:>12,} rows")
        if self.absent_tables:
            lines.append(f"  created empty (no file): {', '.join(self.absent_tables)}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _find_files(data_dir: Path, tables: dict[str, Table]) -> tuple[dict[str, Path], list[str]]:
    found: dict[str, Path] = {}
    problems: list[str] = []
    for path in sorted(p for p in data_dir.iterdir() if p.is_file()):
        name = path.name
        suffix = next((s for s in SUFFIXES if name.lower().endswith(s)), None)
        if suffix is None:
            continue
        table = name[: -len(suffix)].lower()
        if table not in tables:
            continue
        if table in found:
            problems.append(f"{name}: table '{table}' is delivered twice ({found[table].name} and {name})")
            continue
        found[table] = path
    return found, problems


def _reader(path: Path) -> str:
    if path.name.lower().endswith(".parquet"):
        return f"read_parquet({_literal(str(path))})"
    # every column as text, header row, quotes and embedded newlines handled by DuckDB's sniffer
    return (
        f"read_csv({_literal(str(path))}, header = true, all_varchar = true, "
        f"sample_size = -1, null_padding = true, encoding = 'utf-8')"
    )


def _file_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    return [row[0] for row in con.execute(f"describe select * from {_reader(path)}").fetchall()]


def _check_file(
    con: duckdb.DuckDBPyConnection, table: Table, path: Path
) -> tuple[dict[str, str], list[str], list[str]]:
    """Map contract column -> file column; return (mapping, problems, warnings)."""
    problems: list[str] = []
    warnings: list[str] = []
    try:
        columns = _file_columns(con, path)
    except duckdb.Error as err:
        return {}, [f"{path.name}: cannot be read: {str(err).splitlines()[0]}"], []
    by_name = {c.strip().lower(): c for c in columns}
    mapping = {c.name: by_name[c.name] for c in table.columns if c.name in by_name}
    for name in table.required_columns:
        if name not in mapping:
            problems.append(f"{path.name}: missing required column '{name}'")
    extra = sorted(set(by_name) - set(table.column_names))
    if extra:
        warnings.append(f"{path.name}: columns not in the contract, not loaded: {', '.join(extra)}")

    typed = [c for c in table.columns if c.name in mapping and DUCKDB_TYPES[c.data_type] != "varchar"]
    if typed:
        selects = []
        for c in typed:
            value = f"nullif(trim(cast({_quote(mapping[c.name])} as varchar)), '')"
            selects.append(f"count({value})")
            selects.append(
                f"count({value}) filter (where try_cast({value} as {DUCKDB_TYPES[c.data_type]}) is null)"
            )
            selects.append(
                f"list({value}) filter (where try_cast({value} as {DUCKDB_TYPES[c.data_type]}) is null)[1:3]"
            )
        row = con.execute(f"select {', '.join(selects)} from {_reader(path)}").fetchall()[0]
        for i, c in enumerate(typed):
            delivered, failed, examples = row[3 * i], row[3 * i + 1], row[3 * i + 2]
            if delivered and failed / delivered > MAX_UNPARSEABLE_SHARE:
                problems.append(
                    f"{path.name}: column '{c.name}' cannot be read as {c.data_type}: "
                    f"{failed:,} of {delivered:,} values fail, e.g. {examples}"
                )
    return mapping, problems, warnings


def ingest(
    data_dir: Path | str,
    database: Path | str | None = None,
    *,
    loaded_at: dt.datetime | None = None,
) -> IngestReport:
    """Load `<table>.csv|.csv.gz|.parquet` files of `data_dir` into schema `raw`.

    Every contract table is replaced: from its file, or empty when the file is absent (so a
    smaller second delivery never leaves stale rows). Raises ContractError, listing every
    problem with file and column, before anything is written.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ContractError(f"{data_dir}: not a folder")
    database = Path(database) if database else paths.duckdb_path()
    database.parent.mkdir(parents=True, exist_ok=True)
    loaded_at = loaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    tables = load_contract()
    report = IngestReport(database=database, loaded_at=loaded_at)

    con = duckdb.connect(str(database))
    try:
        files, problems = _find_files(data_dir, tables)
        for name, table in tables.items():
            if table.required and name not in files:
                problems.append(
                    f"{name}.csv: required file missing in {data_dir} (also accepted: {name}.parquet)"
                )
        mappings: dict[str, dict[str, str]] = {}
        for name, path in files.items():
            mapping, file_problems, file_warnings = _check_file(con, tables[name], path)
            mappings[name] = mapping
            problems += file_problems
            report.warnings += file_warnings
        if problems:
            raise ContractError("\n".join(problems))

        ingest_id = str(uuid.uuid4())
        con.execute("begin transaction")
        try:
            con.execute("create schema if not exists raw")
            con.execute(
                "create table if not exists raw._ingest_log (ingest_id varchar, table_name varchar,"
                " source_file varchar, rows_loaded bigint, loaded_at timestamp)"
            )
            for name, table in tables.items():
                _load_table(con, table, files.get(name), mappings.get(name, {}), loaded_at)
                rows = con.execute(f"select count(*) from raw.{_quote(name)}").fetchall()[0][0]
                source = files[name].name if name in files else None
                con.execute(
                    "insert into raw._ingest_log values (?, ?, ?, ?, ?)",
                    [ingest_id, name, source, rows, loaded_at],
                )
                if name in files:
                    report.tables[name] = rows
                else:
                    report.absent_tables.append(name)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()
    return report


def _load_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    path: Path | None,
    mapping: dict[str, str],
    loaded_at: dt.datetime,
) -> None:
    target = f"raw.{_quote(table.name)}"
    if path is None:
        columns = ", ".join(f"{_quote(c)} varchar" for c in table.column_names)
        con.execute(
            f"create or replace table {target} ({columns}, _raw_row_id bigint,"
            " _source_file varchar, _loaded_at timestamp)"
        )
        return
    selects = [
        f"cast({_quote(mapping[c])} as varchar) as {_quote(c)}"
        if c in mapping
        else f"cast(null as varchar) as {_quote(c)}"
        for c in table.column_names
    ]
    # WITH ORDINALITY numbers rows in file order, whatever the scan parallelism
    con.execute(
        f"create or replace table {target} as "
        f"select {', '.join(selects)}, "
        f"cast(ordinality as bigint) as _raw_row_id, "
        f"{_literal(path.name)} as _source_file, "
        f"cast({_literal(loaded_at.isoformat(sep=' '))} as timestamp) as _loaded_at "
        f"from {_reader(path)} with ordinality "
        f"order by ordinality"
    )
