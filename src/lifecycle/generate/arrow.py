"""Vectorised column builders shared by every step: numpy arrays in, pyarrow string arrays out.

Every raw file is text, so every column is built as a pyarrow string array. None of these
helpers draws random numbers except `ts_mixed`, which takes the caller's generator.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.contract import Table as ContractTable

Contract = dict[str, ContractTable]  # the raw tables' contract, by table name
DAY = 86_400
HOUR = 3_600
STR = pa.string()


def text(values) -> pa.Array:
    """A string array from a list or numpy array (None stays null)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values if values.type == STR else pc.cast(values, STR)
    return pa.array(values, STR)


def take(choices: list[str], idx: np.ndarray) -> pa.Array:
    """choices[idx] for every element of idx, as strings."""
    return pc.take(pa.array(choices, STR), pa.array(np.asarray(idx, dtype=np.int64)))


def null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    """arr with null where mask is true."""
    if not mask.any():
        return arr
    return pc.if_else(pa.array(mask), pa.nulls(len(arr), STR), arr)


def where(mask: np.ndarray, a, b) -> pa.Array:
    """a where mask is true, else b (arrays or scalars)."""
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), a, b)


def concat(*parts) -> pa.Array:
    """Element-wise concatenation; a null part gives null."""
    return pc.binary_join_element_wise(*parts, "")


def num(values: np.ndarray, width: int = 0) -> pa.Array:
    """Integers as text, zero-padded to `width` when given."""
    arr = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), STR)
    return pc.utf8_lpad(arr, width, "0") if width else arr


def ids(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    """Identifiers such as C0000042: prefix + zero-padded number."""
    return concat(prefix, num(values, width))


def ts(secs: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS' (UTC, no zone)."""
    return pc.cast(pa.array(np.asarray(secs, dtype=np.int64).astype("datetime64[s]")), STR)


def ts_mixed(secs: np.ndarray, rng: np.random.Generator, share: float = 0.02) -> pa.Array:
    """As ts, but a share of values is the same instant written with an explicit UTC offset."""
    secs = np.asarray(secs, dtype=np.int64)
    plain = ts(secs)
    mask = rng.random(len(secs)) < share
    if not mask.any():
        return plain
    offsets = np.array([-5, 1, 2, 3, 8])
    hours = offsets[rng.integers(0, len(offsets), len(secs))]
    local = pc.replace_substring(ts(secs + hours * HOUR), " ", "T", max_replacements=1)
    suffix = take(["-05:00", "+01:00", "+02:00", "+03:00", "+08:00"], np.searchsorted(offsets, hours))
    return where(mask, concat(local, suffix), plain)


def money(values: np.ndarray) -> pa.Array:
    """Amounts rounded to cents, written without exponent."""
    return pa.array(np.round(values, 2)).cast(pa.decimal128(20, 2), safe=False).cast(STR)


def month_of(secs: np.ndarray) -> np.ndarray:
    """Month 0-11 of epoch seconds."""
    return (
        np.asarray(secs, dtype=np.int64).astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12
    )


def lookup(values: np.ndarray | pa.Array, idx: np.ndarray):
    """values[idx] where idx may be -1 (no row: the caller masks those results out).

    The -1 entries read row 0, or a zero/null when `values` is empty: a chunk may have no guest
    shopper or no order, and then every idx is -1.
    """
    idx = np.maximum(idx, 0)
    if isinstance(values, pa.Array):
        return pc.take(values, pa.array(idx)) if len(values) else pa.nulls(len(idx), values.type)
    return values[idx] if len(values) else np.zeros(len(idx), dtype=values.dtype)


def flat(lists: list[list[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Flatten per-group lists: values, offset and length of each group."""
    values = [v for group in lists for v in group]
    lengths = np.array([len(g) for g in lists])
    return values, np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths


def pick_in_group(rng, groups: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A uniformly drawn member of each element's group (indexes into the flat values)."""
    return offsets[groups] + (rng.random(len(groups)) * lengths[groups]).astype(np.int64)


def build_table(contract_table: ContractTable, columns: dict[str, pa.Array], n: int) -> pa.Table:
    """The contract's columns in the contract's order; a column not given is all null."""
    arrays = [text(columns[c]) if c in columns else pa.nulls(n, STR) for c in contract_table.column_names]
    return pa.Table.from_arrays(arrays, names=contract_table.column_names)
