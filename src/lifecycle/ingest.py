"""`lifecycle ingest DIR [--append]`: load contract files into schema `raw`, all or nothing.

Raw is a landing zone. Every contract column is stored as VARCHAR exactly as delivered (no
trimming, no typing), followed by four load columns:

- `_raw_row_id` BIGINT: the row's position among every row delivered to the table since it was
  last replaced, in delivery then file order: for a replace it is the 1-based row number in the
  file; an append continues after the table's highest id (the file line is
  `_raw_row_id - first_raw_row_id + 1`, `first_raw_row_id` in `raw._ingest_log`). Unique per
  table, and increasing with delivery, so "the later delivery wins" is "the higher id wins"
  whether the deliveries arrived together or one by one;
- `_source_file` VARCHAR: the file name;
- `_loaded_at` TIMESTAMP: one value for the whole ingest (naive UTC);
- `_ingest_id` VARCHAR: one id per ingest (delivery), also in `raw._ingest_log`.

Staging (dbt) types, normalizes and quarantines; ingest only checks the contract:

1. Files are `<table>.csv`, `<table>.csv.gz` or `<table>.parquet` directly in DIR, named after
   the contract tables (case-insensitive). Other files and subfolders (e.g. `_truth/`) are
   ignored; two files for one table are an error.
2. Every file is checked before anything is written, and every problem is collected into one
   ContractError: the required `orders` file missing; a required column missing; a file DuckDB
   cannot read (not UTF-8, ragged rows, unclosed quotes: the file's line is found and named); a
   required column that is empty in every row; a column whose values mostly (more than half of
   the non-empty ones) cannot be read as its contract type. A minority of bad values is accepted
   and kept verbatim: staging quarantines those rows (and the build's quarantine gate stops a
   delivery that loses more than a few percent of its rows).
3. Headers match the contract case-insensitively after trimming; a contract column named twice
   is an error (which one to load is a guess). Columns outside the contract are not loaded and
   are listed as warnings; optional contract columns a file lacks are NULL.
4. Then, in ONE transaction, the raw tables are written and `raw._ingest_log` gets one row per
   table per ingest. Any failure rolls back, so `raw` stays exactly as it was.
   - Replace (the default): every contract table is replaced, from its file, or, when the file
     is absent, as an empty table. A smaller second delivery never leaves stale rows behind.
   - Append (`append=True`, `--append`): a delivery's rows are added to what raw already holds,
     so raw accumulates deliveries for incremental builds. A table without a file is left as it
     is (created empty if it does not exist yet); the `orders` file may be absent only when
     `raw.orders` already exists. Re-delivered rows are not filtered here: staging decides
     (exact copies are `duplicate`, other versions of a key `superseded`).

Files are read by DuckDB's own readers only (no pandas round trip): one aggregate query per
file to validate, one streaming `create table ... as select` (or `insert`) per file to load.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import duckdb

from lifecycle import paths
from lifecycle.contract import DUCKDB_TYPES, LOAD_COLUMNS, Table, load_contract
from lifecycle.locks import WarehouseLocked, lock_message

# A column is rejected as "not readable as its type" when more than this share of its
# delivered (non-null, non-empty) values fail to parse: that is a wrong file or a shifted
# column, not a few bad rows (those are staging's job).
MAX_UNPARSEABLE_SHARE = 0.5
SUFFIXES = (".csv.gz", ".csv", ".parquet")
EXAMPLES = 3
# Characters a header line read as one single column most likely was meant to be split on.
_DELIMITERS = (",", ";", "\t", "|")
# DuckDB's CSV reader refuses a line longer than this (its max_line_size default).
MAX_LINE_BYTES = 2_000_000
# A DuckDB error can quote a whole line (megabytes): messages keep this much of each of its lines.
MAX_REASON_CHARS = 200


class ContractError(Exception):
    """The files in a folder do not meet the raw data contract; nothing was written."""


@dataclass
class IngestReport:
    """What one ingest loaded. `tables` holds the tables delivered as files (rows loaded);
    `absent_tables` the contract tables without a file, created empty."""

    database: Path
    loaded_at: dt.datetime
    ingest_id: str = ""
    append: bool = False
    tables: dict[str, int] = field(default_factory=dict)
    absent_tables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def format(self) -> str:
        total = sum(self.tables.values())
        verb = "appended" if self.append else "ingested"
        lines = [
            f"{verb} {total:,} rows from {len(self.tables)} file(s) into {self.database} (schema raw)"
            f" at {self.loaded_at:%Y-%m-%d %H:%M:%S} UTC, ingest id {self.ingest_id}"
        ]
        for name, rows in self.tables.items():
            lines.append(f"  {name:<22}{rows:>12,} rows")
        if self.absent_tables:
            absent = "left as they were (no file)" if self.append else "created empty (no file)"
            lines.append(f"  {absent}: {', '.join(self.absent_tables)}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


@dataclass
class _Source:
    """A checked file and the select list that turns it into its raw table."""

    path: Path
    reader: str
    columns: list[str]  # the file's column names, as DuckDB reads them
    selects: list[str]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _csv_reader(path: Path) -> str:
    # Every column as text. RFC 4180 quoting is fixed rather than sniffed, so a quote that first
    # appears deep in a large file (a JSON property, a comma in a name) is still parsed; quoted
    # fields may hold delimiters, doubled quotes and newlines. The delimiter is auto-detected.
    # Strict mode stays on: a ragged row or an unclosed quote is an error, never a silent shift.
    options = [
        "header = true",
        "all_varchar = true",
        "quote = '\"'",
        "escape = '\"'",
        "encoding = 'utf-8'",
    ]
    if path.name.lower().endswith(".gz"):
        options.append("compression = 'gzip'")
    return f"read_csv({_literal(str(path))}, {', '.join(options)})"


def _parquet_reader(path: Path) -> str:
    return f"read_parquet({_literal(str(path))})"


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


def _reason(error: duckdb.Error) -> str:
    text = str(error).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # DuckDB's CSV errors put the useful part ("CSV Error on Line: 7", the reason) on lines 1-3,
    # and may quote the offending line whole
    shortened = [
        line if len(line) <= MAX_REASON_CHARS else line[:MAX_REASON_CHARS] + " ..." for line in lines
    ]
    return " ".join(shortened[:3]) if lines else type(error).__name__


def _open_text(path: Path) -> TextIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def _delimiter(header_line: str) -> str:
    # what DuckDB's sniffer would pick for a header: the candidate it holds most often
    return max(_DELIMITERS, key=lambda d: (header_line.count(d), d == ","))


def _csv_records(f: TextIO) -> csv.reader:
    first = f.readline()
    f.seek(0)
    csv.field_size_limit(2**31 - 1)  # long values are measured below, not refused by the reader
    return csv.reader(f, delimiter=_delimiter(first), quotechar='"', doublequote=True, strict=True)


def _csv_header(path: Path) -> list[str]:
    """The header of a CSV file as delivered (DuckDB renames a repeated name to name_1)."""
    try:
        with _open_text(path) as f:
            return next(_csv_records(f), [])
    except (csv.Error, UnicodeDecodeError, OSError):
        return []  # the file's own check reports what is wrong with it


def _first_broken_line(path: Path) -> str | None:
    """Where a CSV file first breaks its shape ('line N ...': file lines, the header is line 1),
    found by reading it with Python's csv module; None when it finds nothing wrong. Runs only
    when DuckDB has refused a file: DuckDB's sniffer errors carry no line number (or a wrong one)
    and can quote megabytes of the offending line."""
    line = 1
    try:
        with _open_text(path) as f:
            records = _csv_records(f)
            header = next(records, None)
            if header is None:
                return None
            line = records.line_num + 1
            for record in records:
                if record and len(record) != len(header):
                    return (
                        f"line {line} has {len(record)} fields where the header has {len(header)}"
                        " (a delimiter inside a value that is not quoted, or a field missing or too many)"
                    )
                size = sum(len(value.encode("utf-8")) for value in record)
                if size > MAX_LINE_BYTES:
                    return (
                        f"line {line} holds {size:,} bytes, more than the {MAX_LINE_BYTES:,} a line may"
                        " have (a missing line break, or a value that is not data)"
                    )
                line = records.line_num + 1
    except csv.Error as err:
        if "end of data" in str(err):
            return (
                f"line {line}: a quote opened on this line is never closed"
                " (the rest of the file reads as one value)"
            )
        return f"line {line}: {err}"
    except UnicodeDecodeError:
        return f"it is not UTF-8 text (undecodable bytes on or after line {line}): save it as UTF-8"
    return None


def _unreadable(path: Path, error: duckdb.Error | None = None) -> str:
    """The problem of a file DuckDB could not read: the broken line when one is found."""
    broken = None if path.name.lower().endswith(".parquet") else _first_broken_line(path)
    if broken:
        return f"{path.name}: cannot be read as CSV: {broken}; nothing was loaded"
    if error is None:
        return f"{path.name}: cannot be read as CSV: its rows do not agree with its header"
    return f"{path.name}: cannot be read: {_reason(error)}"


def _as_text(column: str, duckdb_type: str) -> str:
    """SQL turning one file column into the text raw stores."""
    col = _quote(column)
    upper = duckdb_type.upper()
    if upper == "VARCHAR":
        return col
    if upper.startswith(("STRUCT", "MAP", "UNION")) or upper.endswith("]"):
        # nested Parquet values (e.g. event properties) as JSON text, which staging parses
        return f"cast(to_json({col}) as varchar)"
    return f"cast({col} as varchar)"


def _check_file(
    con: duckdb.DuckDBPyConnection, table: Table, path: Path
) -> tuple[_Source | None, list[str], list[str]]:
    """Check one file against its contract table: (source to load, problems, warnings)."""
    problems: list[str] = []
    warnings: list[str] = []
    if path.stat().st_size == 0:
        return None, [f"{path.name}: the file is empty (not even a header row)"], []
    is_csv = not path.name.lower().endswith(".parquet")
    reader = _csv_reader(path) if is_csv else _parquet_reader(path)
    try:
        described = con.execute(f"describe select * from {reader}").fetchall()
    except duckdb.Error as err:
        return None, [_unreadable(path, err)], []
    columns = [(row[0], row[1]) for row in described]

    if is_csv and len(columns) == 1 and any(d in columns[0][0] for d in _DELIMITERS):
        # DuckDB's sniffer falls back to one column when rows disagree on their field count
        return None, [_unreadable(path)], []

    # a contract column named twice: DuckDB loads the first and renames the second (name_1)
    delivered = _csv_header(path) if is_csv else [name for name, _ in columns]
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(delivered, start=1):
        positions.setdefault(name.strip().lower(), []).append(i)
    for key, at in positions.items():
        if len(at) > 1 and key in table.column_names:
            listed = ", ".join(str(i) for i in at[:-1]) + f" and {at[-1]}"
            problems.append(
                f"{path.name}: column '{key}' appears {len(at)} times in the header (columns {listed}):"
                " which one to load is a guess; deliver it once"
            )

    by_name: dict[str, tuple[str, str]] = {}
    for name, duckdb_type in columns:
        by_name.setdefault(name.strip().lower(), (name, duckdb_type))
    for name in table.required_columns:
        if name not in by_name:
            problems.append(f"{path.name}: missing required column '{name}'")
    extra = [name for name, _ in columns if name.strip().lower() not in table.column_names]
    if extra:
        warnings.append(f"{path.name}: columns not in the contract, not loaded: {', '.join(extra)}")

    text = {c.name: _as_text(*by_name[c.name]) for c in table.columns if c.name in by_name}
    typed = [c for c in table.columns if c.name in text and DUCKDB_TYPES[c.data_type] != "varchar"]
    # One pass over the whole file: it proves the file parses to its end (so the load cannot
    # fail half-way on a malformed row) and counts, per typed column, the values that fail.
    aggregates = ["count(*)"]
    required = [name for name in table.required_columns if name in text]
    aggregates += [f"count(nullif(trim({text[name]}), ''))" for name in required]
    for c in typed:
        value = f"nullif(trim({text[c.name]}), '')"
        fails = f"{value} is not null and try_cast({value} as {DUCKDB_TYPES[c.data_type]}) is null"
        aggregates += [
            f"count({value})",
            f"count(*) filter (where {fails})",
            f"approx_top_k({value}, {EXAMPLES}) filter (where {fails})",
        ]
    try:
        result = con.execute(f"select {', '.join(aggregates)} from {reader}").fetchall()[0]
    except duckdb.Error as err:
        return None, [_unreadable(path, err)], warnings
    rows = result[0]
    for name, filled in zip(required, result[1 : 1 + len(required)], strict=True):
        if rows and not filled:
            problems.append(
                f"{path.name}: required column '{name}' is empty in all {rows:,} rows"
                " (a broken export: every row would be quarantined)"
            )
    offset = 1 + len(required)
    for i, c in enumerate(typed):
        delivered, failed, examples = result[offset + 3 * i : offset + 3 + 3 * i]
        if delivered and failed / delivered > MAX_UNPARSEABLE_SHARE:
            shown = ", ".join(repr(e) for e in (examples or []))
            problems.append(
                f"{path.name}: column '{c.name}' cannot be read as {c.data_type}: "
                f"{failed:,} of {delivered:,} non-empty values fail, e.g. {shown}"
            )

    selects = [
        f"{text[c.name]} as {_quote(c.name)}"
        if c.name in text
        else f"cast(null as varchar) as {_quote(c.name)}"
        for c in table.columns
    ]
    source = _Source(path=path, reader=reader, columns=[n for n, _ in columns], selects=selects)
    return source, problems, warnings


def _utc_naive(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def ingest(
    data_dir: Path | str,
    database: Path | str | None = None,
    *,
    loaded_at: dt.datetime | None = None,
    append: bool = False,
) -> IngestReport:
    """Load the contract files of `data_dir` into schema `raw` of `database`, all or nothing.

    `database` defaults to `lifecycle.paths.duckdb_path()` (parent folders are created);
    `loaded_at` (default: now) is stored as naive UTC in every row's `_loaded_at`.

    By default every contract table is replaced: from its file, or with an empty table when the
    folder has no file for it, so that a second ingest of a smaller folder does not leave stale
    rows from the first. With `append=True` the files' rows are added to the existing tables
    (a delivery for incremental builds) and tables without a file are left as they are.
    Raises ContractError, listing every problem with file and column, before the database is
    even opened (an append without `orders` into a warehouse that has no `raw.orders` yet is
    found inside the transaction and rolled back; WarehouseLocked when another process holds
    the file); a failure while loading rolls back, so `raw`
    is left exactly as it was.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ContractError(f"{data_dir}: not a folder")
    database = Path(database) if database else paths.duckdb_path()
    loaded_at = _utc_naive(loaded_at)
    tables = load_contract()
    report = IngestReport(database=database, loaded_at=loaded_at, ingest_id=str(uuid.uuid4()), append=append)

    # 1. check every file, on a private in-memory connection: nothing touches the warehouse
    files, problems = _find_files(data_dir, tables)
    for name, table in tables.items():
        # an append may deliver any subset of tables; that raw.orders exists is checked below
        if table.required and name not in files and not append:
            problems.append(f"{name}.csv: required file missing in {data_dir} (or {name}.parquet)")
    sources: dict[str, _Source] = {}
    check = duckdb.connect(config=paths.duckdb_config(database))
    try:
        check.execute("set TimeZone = 'UTC'").fetchall()
        for name, path in files.items():
            source, file_problems, file_warnings = _check_file(check, tables[name], path)
            problems += file_problems
            report.warnings += file_warnings
            if source is not None:
                sources[name] = source
    finally:
        check.close()
    if problems:
        raise ContractError("\n".join(problems))

    # 2. write every raw table in one transaction
    database.parent.mkdir(parents=True, exist_ok=True)
    load = _Load(loaded_at=loaded_at, ingest_id=report.ingest_id, append=append)
    try:
        con = duckdb.connect(str(database), config=paths.duckdb_config(database))
    except duckdb.Error as err:
        message = lock_message(database, err)
        if message is None:
            raise
        raise WarehouseLocked(message) from None
    try:
        # text of Parquet TIMESTAMPTZ columns in UTC, whatever the machine's zone
        con.execute("set TimeZone = 'UTC'").fetchall()
        con.execute("begin transaction").fetchall()
        try:
            con.execute("create schema if not exists raw").fetchall()
            con.execute(
                "create table if not exists raw._ingest_log (table_name varchar, source_file varchar,"
                " rows_loaded bigint, loaded_at timestamp, ingest_id varchar)"
            ).fetchall()
            # added after the first release: a log from an older version gains the columns
            for column, column_type in (("mode", "varchar"), ("first_raw_row_id", "bigint")):
                con.execute(
                    f"alter table raw._ingest_log add column if not exists {column} {column_type}"
                ).fetchall()
            if append:
                _check_append_target(con, tables, sources)
            for name, table in tables.items():
                source = sources.get(name)
                first_row_id = _load_table(con, table, source, load)
                # rows this ingest delivered (an append adds to what the table held)
                rows = con.execute(
                    f"select count(*) from raw.{_quote(name)} where _ingest_id = ?", [report.ingest_id]
                ).fetchall()[0][0]
                con.execute(
                    "insert into raw._ingest_log (table_name, source_file, rows_loaded, loaded_at,"
                    " ingest_id, mode, first_raw_row_id) values (?, ?, ?, ?, ?, ?, ?)",
                    [
                        name,
                        source.path.name if source else None,
                        rows,
                        loaded_at,
                        report.ingest_id,
                        "append" if append else "replace",
                        first_row_id,
                    ],
                ).fetchall()
                if source:
                    report.tables[name] = rows
                else:
                    report.absent_tables.append(name)
            con.execute("commit").fetchall()
        except BaseException:
            con.execute("rollback").fetchall()
            raise
    finally:
        con.close()
    return report


@dataclass(frozen=True)
class _Load:
    """What every row of one ingest gets: its load columns, and whether it replaces or appends."""

    loaded_at: dt.datetime
    ingest_id: str
    append: bool


def _check_append_target(
    con: duckdb.DuckDBPyConnection, tables: dict[str, Table], sources: dict[str, _Source]
) -> None:
    """An append adds rows to tables whose columns must be exactly the current contract's, and
    needs `raw.orders` (delivered now or before). Raises ContractError (the caller rolls back)."""
    problems = []
    expected_load = list(LOAD_COLUMNS)
    for name, table in tables.items():
        existing = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [name],
            ).fetchall()
        ]
        if not existing:
            if table.required and name not in sources:
                problems.append(
                    f"{name}.csv: required file missing, and raw.{name} does not exist yet: the first"
                    " delivery into a warehouse must include it (--append accepts a delivery without"
                    " it only once raw.orders exists)"
                )
            continue
        if existing != table.column_names + expected_load:
            problems.append(
                f"raw.{name}: its columns ({', '.join(existing)}) are not the current contract's"
                f" plus {', '.join(expected_load)} (loaded by an older version?): ingest once"
                " without --append to replace it"
            )
    if problems:
        raise ContractError("\n".join(problems))


def _load_table(
    con: duckdb.DuckDBPyConnection, table: Table, source: _Source | None, load: _Load
) -> int | None:
    """Write one raw table (replace it, or append to it); returns the first `_raw_row_id` given
    to this delivery's rows, None when the file was absent."""
    target = f"raw.{_quote(table.name)}"
    row_id, source_file, loaded, ingest_id = LOAD_COLUMNS
    empty = (
        f"create {{}} {target} ({', '.join(f'{_quote(c)} varchar' for c in table.column_names)},"
        f" {row_id} bigint, {source_file} varchar, {loaded} timestamp, {ingest_id} varchar)"
    )
    if source is None:
        # replace: an absent file means an empty table; append: the table stays as it is
        con.execute(empty.format("table if not exists" if load.append else "or replace table")).fetchall()
        return None
    offset = 0
    if load.append:
        con.execute(empty.format("table if not exists")).fetchall()
        offset = con.execute(f"select coalesce(max({row_id}), 0) from {target}").fetchall()[0][0]
    # WITH ORDINALITY numbers rows in file order (DuckDB plans it as an order-preserving
    # streaming window). Everything runs inside DuckDB, which spills to disk when a file is
    # larger than memory; nothing passes through Python. The alias list keeps the file's own
    # names and gives the row number a name no file column can take.
    row_number = "_lifecycle_row_number"
    while row_number in {c.lower() for c in source.columns}:
        row_number += "_"
    alias = ", ".join(_quote(c) for c in [*source.columns, row_number])
    select = (
        f"select {', '.join(source.selects)}, "
        f"cast({row_number} + {offset} as bigint) as {row_id}, "
        f"cast({_literal(source.path.name)} as varchar) as {source_file}, "
        f"cast({_literal(load.loaded_at.isoformat(sep=' '))} as timestamp) as {loaded}, "
        f"cast({_literal(load.ingest_id)} as varchar) as {ingest_id} "
        f"from {source.reader} with ordinality as src({alias}) "
        # the sort on the row number lets the insert run in parallel (measured faster than
        # an insertion-order-preserving insert) and stores rows in file order
        f"order by {row_number}"
    )
    if load.append:
        con.execute(f"insert into {target} {select}").fetchall()
    else:
        con.execute(f"create or replace table {target} as {select}").fetchall()
    return offset + 1
