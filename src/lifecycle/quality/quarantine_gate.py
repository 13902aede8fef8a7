"""The quarantine gate of `lifecycle build`: a delivery that loses too many rows to quarantine is
not published.

Staging quarantines a bad row instead of failing the build, and ingest only refuses a column
that is mostly unreadable (a wrong file). Between the two, a delivery can lose a large share of
its rows (two in five order times written day-first) while every test passes: the published
revenue would be wrong without a word. So after dbt build, per raw table:

- the rows of the table's newest delivery (the ingest of its highest `_raw_row_id`) are counted
  by verdict in `staging.base_raw__<table>`; exact copies (`duplicate`) and older versions
  (`superseded`) are what re-deliveries look like and are not counted as lost;
- for orders, the completed-order value the quarantined rows carry (amounts that parse, in the
  reporting currency through `reference.currency_rates`) is compared with the delivery's;
- a share above var `quarantine_warn_share` (default 1%) is a build warning, above
  `quarantine_stop_share` (default 5%) the build stops before validation and publish. The message
  names the table, the delivery, each reason with its count and three example rows (file line,
  the row's required and typed columns as delivered: no names, emails or phones, since warnings
  are kept in the serving copy's history).

`no_orders_delivered` is the check before dbt: a warehouse without orders has nothing to build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lifecycle.contract import load_contract

DEFAULT_WARN_SHARE = 0.01
DEFAULT_STOP_SHARE = 0.05
NOT_LOST = ("duplicate", "superseded")
EXAMPLES = 3
EXAMPLE_VALUE_CHARS = 40
# typed columns that describe a person rather than the row's shape: never quoted in a message
PERSONAL = {"birth_date"}


@dataclass(frozen=True)
class Finding:
    """One table's quarantined share of its newest delivery, above the warn or the stop share."""

    table: str
    stops: bool
    message: str


@dataclass
class GateResult:
    findings: list[Finding] = field(default_factory=list)

    @property
    def stops(self) -> list[Finding]:
        return [f for f in self.findings if f.stops]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.stops]

    def format(self) -> str:
        if not self.findings:
            return "quarantine gate: every delivery within its shares"
        return "\n".join(("STOP " if f.stops else "warning ") + f.message for f in self.findings)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return (
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
        > 0
    )


def no_orders_delivered(working: Path) -> str | None:
    """The problem of a warehouse with no order rows in raw (None when it has some)."""
    if not working.exists():
        return (
            f"no orders delivered: {working} does not exist yet; ingest a folder first (lifecycle ingest DIR)"
        )
    con = duckdb.connect(str(working), read_only=True)
    try:
        rows = (
            con.execute("select count(*) from raw.orders").fetchall()[0][0]
            if _exists(con, "raw", "orders")
            else 0
        )
    finally:
        con.close()
    if rows:
        return None
    return (
        f"no orders delivered: raw.orders in {working} has no rows, so there is nothing to build."
        " Ingest a folder with orders.csv (or orders.parquet): lifecycle ingest DIR"
    )


def _examples(con: duckdb.DuckDBPyConnection, table: str, ingest_id: str, reason: str) -> list[str]:
    """Three quarantined rows of one reason as 'line N: column=value, ...' (file lines)."""
    contract = load_contract()[table]
    shown = [
        c.name
        for c in contract.columns
        if (c.required or c.data_type not in ("varchar", "json")) and c.name not in PERSONAL
    ]
    first = con.execute(
        "select min(first_raw_row_id) from raw._ingest_log where ingest_id = ? and table_name = ?",
        [ingest_id, table],
    ).fetchall()
    first_id = first[0][0] if first and first[0][0] is not None else 1
    columns = ", ".join(f"raw_rows.{_quote(c)}" for c in shown)
    rows = con.execute(
        f"select raw_rows._raw_row_id, {columns} from raw.{_quote(table)} as raw_rows"
        f" inner join staging.{_quote('base_raw__' + table)} as base"
        " on base._raw_row_id = raw_rows._raw_row_id"
        " where base._ingest_id = ? and base.quarantine_reason = ? order by raw_rows._raw_row_id limit ?",
        [ingest_id, reason, EXAMPLES],
    ).fetchall()
    examples = []
    for raw_row_id, *values in rows:
        parts = []
        for name, value in zip(shown, values, strict=True):
            if value is None or not str(value).strip():
                continue
            text = str(value)
            if len(text) > EXAMPLE_VALUE_CHARS:
                text = text[:EXAMPLE_VALUE_CHARS] + "..."
            parts.append(f"{name}={text!r}")
        examples.append(f"line {raw_row_id - first_id + 2}: {', '.join(parts) or '(nothing delivered)'}")
    return examples


def _order_value(con: duckdb.DuckDBPyConnection, ingest_id: str, currency: str) -> tuple[float, float] | None:
    """(quarantined, delivered) completed-order value of one orders delivery, reporting currency."""
    if not _exists(con, "reference", "currency_rates"):
        return None
    quarantined, delivered = con.execute(
        """
        select
            coalesce(sum(value) filter (where is_lost), 0),
            coalesce(sum(value), 0)
        from (
            select
                base.quarantine_reason is not null and base.quarantine_reason not in (?, ?) as is_lost,
                cast(base.total_amount as double) * rates.usd_per_unit / reporting.usd_per_unit as value
            from staging.base_raw__orders as base
            inner join reference.currency_rates as rates on rates.currency_code = base.currency_code
            cross join (
                select usd_per_unit from reference.currency_rates where currency_code = ?
            ) as reporting
            where base._ingest_id = ? and base.status = 'completed' and base.total_amount > 0
        ) as orders
        """,
        [*NOT_LOST, currency, ingest_id],
    ).fetchall()[0]
    return float(quarantined), float(delivered)


def _percent(share: float) -> str:
    return f"{100 * share:.1f}%"


def check(working: Path, variables: dict) -> GateResult:
    """The quarantine shares of every raw table's newest delivery against the vars' thresholds."""
    warn_share = float(variables.get("quarantine_warn_share", DEFAULT_WARN_SHARE))
    stop_share = float(variables.get("quarantine_stop_share", DEFAULT_STOP_SHARE))
    currency = str(variables.get("reporting_currency", "USD"))
    result = GateResult()
    con = duckdb.connect(str(working), read_only=True)
    try:
        for table in load_contract():
            base = f"base_raw__{table}"
            if not _exists(con, "staging", base):
                continue
            newest = con.execute(
                f"select _ingest_id, _source_file, _loaded_at from staging.{_quote(base)}"
                f" where _raw_row_id = (select max(_raw_row_id) from staging.{_quote(base)})"
            ).fetchall()
            if not newest:
                continue
            ingest_id, source_file, loaded_at = newest[0]
            counts = con.execute(
                f"select quarantine_reason, count(*) from staging.{_quote(base)} where _ingest_id = ?"
                " group by 1 order by 2 desc, 1",
                [ingest_id],
            ).fetchall()
            delivered = sum(n for _, n in counts)
            lost = [(reason, n) for reason, n in counts if reason is not None and reason not in NOT_LOST]
            lost_rows = sum(n for _, n in lost)
            row_share = lost_rows / delivered if delivered else 0.0
            value = _order_value(con, ingest_id, currency) if table == "orders" and lost else None
            value_share = value[0] / value[1] if value and value[1] else 0.0
            share = max(row_share, value_share)
            if not lost or share <= warn_share:
                continue
            stops = share > stop_share
            limit = (
                f"above quarantine_stop_share {_percent(stop_share)}"
                if stops
                else f"above quarantine_warn_share {_percent(warn_share)}"
            )
            lines = [
                f"raw.{table}: {lost_rows:,} of {delivered:,} rows ({_percent(row_share)}) of its newest"
                f" delivery ({source_file}, loaded {loaded_at:%Y-%m-%d %H:%M} UTC, ingest {ingest_id})"
                f" were quarantined, {limit}"
            ]
            if value:
                lines[0] += (
                    f"; they carry {value[0]:,.2f} of {value[1]:,.2f} {currency} of completed-order"
                    f" value ({_percent(value_share)})"
                )
            for reason, n in lost:
                examples = "; ".join(_examples(con, table, ingest_id, reason))
                lines.append(f"  {reason}: {n:,} rows, e.g. {examples}")
            lines.append(
                "  the rows are in staging.quarantined_rows; fix the export and ingest it again, or"
                " raise the share with --vars '{quarantine_stop_share: ...}' to publish anyway"
                if stops
                else "  the rows are in staging.quarantined_rows"
            )
            result.findings.append(Finding(table=table, stops=stops, message="\n".join(lines)))
    finally:
        con.close()
    return result
