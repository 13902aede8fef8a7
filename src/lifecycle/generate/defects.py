"""Bad rows: a settable share of each table's rows gets exactly one defect that staging must
quarantine, listed with its reason in `_truth/bad_rows.csv`.

Each chunk draws its defects from its own stream (seed, 2, chunk), after the chunk is simulated,
so the share of bad rows changes only the rows it spoils.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.generate.arrow import DAY, STR, concat, money, take, ts

MIN_ROWS_FOR_DEFECTS = 200  # per chunk: small tables (products, campaigns, ...) stay clean
MIN_DEFECTS_PER_REASON = 2  # per chunk and table, when bad_row_share > 0

# Defects per table: (reason, column). Exactly one per bad row.
DEFECTS: dict[str, list[tuple[str, str | None]]] = {
    "orders": [("null_key", "order_id"), ("unparseable_timestamp", "ordered_at"),
               ("future_timestamp", "ordered_at"), ("negative_amount", "total_amount"),
               ("unknown_currency", "currency"), ("malformed_email", "email"),
               ("unparseable_number", "total_amount"), ("duplicate", None)],
    "order_items": [("null_key", "product_id"), ("unparseable_number", "quantity"), ("duplicate", None)],
    "customers": [("null_key", "customer_id"), ("unparseable_timestamp", "created_at"),
                  ("future_timestamp", "created_at"), ("malformed_email", "email"), ("duplicate", None)],
    "events": [("null_key", "event_id"), ("unparseable_timestamp", "timestamp"),
               ("future_timestamp", "timestamp"), ("duplicate", None)],
    "message_events": [("null_key", "message_event_id"), ("unparseable_timestamp", "occurred_at"),
                       ("future_timestamp", "occurred_at"), ("duplicate", None)],
    "consents": [("null_key", "customer_id"), ("unparseable_timestamp", "recorded_at"),
                 ("future_timestamp", "recorded_at"), ("duplicate", None)],
    "survey_responses": [("null_key", "response_id"), ("unparseable_number", "score"),
                         ("unparseable_timestamp", "responded_at"), ("duplicate", None)],
    "referrals": [("null_key", "referral_id"), ("unparseable_timestamp", "created_at"),
                  ("malformed_email", "referred_email"), ("duplicate", None)],
    "loyalty_transactions": [("null_key", "customer_id"), ("unparseable_number", "points"),
                             ("unparseable_timestamp", "occurred_at"), ("future_timestamp", "occurred_at"),
                             ("duplicate", None)],
}  # fmt: skip
BAD_VALUES = {
    "unparseable_timestamp": ["2026-13-45 25:61:00", "not a date", "31/31/2025", "2025-02-30T99:00"],
    "unparseable_number": ["abc", "NaN", "n/a", "12.3.4"],
    "unknown_currency": ["XXX", "ZZZ", "ABC"],
    "malformed_email": ["john.doe.example.com", "a@b", "jane@@example.com", "user@localhost"],
}
# The key written to bad_rows.csv (as staging's source_key: composite keys joined by |).
KEYS = {
    "orders": ["order_id"],
    "order_items": ["order_id", "product_id"],
    "customers": ["customer_id"],
    "events": ["event_id"],
    "message_events": ["message_event_id"],
    "consents": ["customer_id", "channel", "purpose", "recorded_at"],
    "survey_responses": ["response_id"],
    "referrals": ["referral_id"],
    "loyalty_transactions": ["customer_id", "occurred_at", "reason"],
}


def inject_defects(
    name: str, table: pa.Table, rng: np.random.Generator, share: float, end: int, first_row: int
) -> tuple[pa.Table, list[tuple]]:
    """Give `share` of the rows exactly one defect; exact re-deliveries are appended at the end.

    Returns the table to write and (table, row_number, key, reason) per bad row, where
    row_number is the 1-based data row in the file (first_row = number of the table's first row).
    """
    kinds = DEFECTS.get(name)
    rows = table.num_rows
    if not kinds or share <= 0 or rows < MIN_ROWS_FOR_DEFECTS:
        return table, []
    n_bad = max(MIN_DEFECTS_PER_REASON * len(kinds), int(round(share * rows)))
    n_bad = min(n_bad, rows // 10)
    chosen = np.sort(rng.choice(rows, n_bad, replace=False))
    reason_of = rng.permutation(np.arange(n_bad) % len(kinds))
    bad: list[tuple] = []
    columns = {c: table.column(c).combine_chunks() for c in table.column_names}
    duplicates = chosen[[kinds[r][0] == "duplicate" for r in reason_of]]
    for r, (reason, column) in enumerate(kinds):
        idx = chosen[reason_of == r]
        if reason == "duplicate" or not len(idx):
            continue
        m = len(idx)
        if reason == "null_key":
            values = pa.array([""] * m, STR) if rng.random() < 0.5 else pa.nulls(m, STR)
        elif reason == "future_timestamp":
            values = ts(end + rng.integers(5 * 365 * DAY, 6 * 365 * DAY, m))
        elif reason == "negative_amount":
            values = concat("-", money(rng.uniform(5, 300, m)))
            mask = np.zeros(rows, dtype=bool)
            mask[idx] = True
            columns["status"] = pc.replace_with_mask(
                columns["status"], pa.array(mask), take(["completed"], np.zeros(m))
            )
        else:
            values = take(BAD_VALUES[reason], rng.integers(0, len(BAD_VALUES[reason]), m))
        mask = np.zeros(rows, dtype=bool)
        mask[idx] = True
        columns[column] = pc.replace_with_mask(columns[column], pa.array(mask), values)
    out = pa.Table.from_arrays([columns[c] for c in table.column_names], names=table.column_names)
    key_cols = KEYS[name]
    for r, (reason, _) in enumerate(kinds):
        idx = chosen[reason_of == r]
        if reason == "duplicate" or not len(idx):
            continue
        keys = _keys(out.take(pa.array(idx)), key_cols)
        bad += [(name, first_row + int(i), k, reason) for i, k in zip(idx, keys, strict=True)]
    if len(duplicates):
        copies = out.take(pa.array(duplicates))
        keys = _keys(copies, key_cols)
        bad += [(name, first_row + rows + d, k, "duplicate") for d, k in enumerate(keys)]
        out = pa.concat_tables([out, copies])
    bad.sort(key=lambda b: b[1])
    return out, bad


def _keys(table: pa.Table, columns: list[str]) -> list[str]:
    parts = [pc.fill_null(table.column(c), "").to_pylist() for c in columns]
    return ["|".join(p) for p in zip(*parts, strict=True)]
