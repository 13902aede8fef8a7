"""Small builders for the Great Expectations checks the suites use, named for what they mean.

Each builder returns a list of GX expectations, so a suite reads as a list of business rules:
`key("customer_key")`, `probability("churn_probability")`, `as_of("scored_as_of", facts)`.
Every expectation carries `notes` saying why it exists; Data Docs shows them beside the result.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import great_expectations.expectations as E  # noqa: N812 (GX's own idiom: gx.expectations)
import pandas as pd

# A SHA-256 hex digest (lower case): anything else in a hash column is an identifier leaking
# unhashed or hashed the wrong way.
SHA256_REGEX = r"^[0-9a-f]{64}$"


def _timestamp(value: dt.date | dt.datetime) -> pd.Timestamp:
    # pandas reads DuckDB dates and timestamps as datetime64; GX compares with the bound as is,
    # and a datetime.date cannot be compared with a Timestamp.
    return pd.Timestamp(value)


def rows(minimum: int = 1, maximum: int | None = None, why: str = "the table must not be empty") -> list:
    """Row count between `minimum` and `maximum` (inclusive; None = unbounded)."""
    return [E.ExpectTableRowCountToBeBetween(min_value=minimum, max_value=maximum, notes=why)]


def rows_equal(count: int, why: str) -> list:
    """Exactly `count` rows (a count measured on another table of the same build)."""
    return [E.ExpectTableRowCountToEqual(value=count, notes=why)]


def columns_as_declared(columns: Iterable[str], why: str) -> list:
    """The table has exactly these columns (in any order)."""
    return [E.ExpectTableColumnsToMatchSet(column_set=list(columns), exact_match=True, notes=why)]


def key(*columns: str, why: str = "primary key") -> list:
    """A primary key: every column not null and the combination unique."""
    checks: list = [E.ExpectColumnValuesToNotBeNull(column=c, notes=f"part of the {why}") for c in columns]
    return checks + unique(*columns, why=why)


def unique(*columns: str, why: str) -> list:
    """The column, or the combination of columns, is unique."""
    if len(columns) == 1:
        return [E.ExpectColumnValuesToBeUnique(column=columns[0], notes=why)]
    return [E.ExpectCompoundColumnsToBeUnique(column_list=list(columns), notes=why)]


def not_null(
    *columns: str, mostly: float | None = None, why: str = "required value", where: object | None = None
) -> list:
    """Columns without nulls (or with at least a `mostly` share of non-null values); `where` is a
    GX row condition."""
    extra = {} if mostly is None else {"mostly": mostly}
    if where is not None:
        extra["row_condition"] = where
    return [E.ExpectColumnValuesToNotBeNull(column=c, notes=why, **extra) for c in columns]


def between(
    *columns: str,
    low: float | None = None,
    high: float | None = None,
    why: str = "",
    where: object | None = None,
) -> list:
    """Values in [low, high] (nulls are ignored); `where` is a GX row condition."""
    extra = {} if where is None else {"row_condition": where}
    return [
        E.ExpectColumnValuesToBeBetween(column=c, min_value=low, max_value=high, notes=why or None, **extra)
        for c in columns
    ]


def non_negative(*columns: str) -> list:
    """Counts and amounts that cannot be negative."""
    return between(*columns, low=0, why="a count or amount cannot be negative")


def probability(*columns: str) -> list:
    """Probabilities and shares in [0, 1]."""
    return between(*columns, low=0, high=1, why="a probability or share lies in [0, 1]")


def percentage(*columns: str, low: float = 0) -> list:
    """Rates published as percentages (100 x a share) in [low, 100]."""
    return between(*columns, low=low, high=100, why="a rate in percent")


def accepted(column: str, values: Iterable[object], why: str = "documented values only") -> list:
    """Values from a closed list (nulls are ignored)."""
    return [E.ExpectColumnValuesToBeInSet(column=column, value_set=list(values), notes=why)]


def sha256(*columns: str, why: str = "hashed identifier: 64 lower-case hex digits or null") -> list:
    """Hash columns hold SHA-256 hex digests or null, never a raw identifier."""
    return [E.ExpectColumnValuesToMatchRegex(column=c, regex=SHA256_REGEX, notes=why) for c in columns]


def not_after(*columns: str, moment: dt.date | dt.datetime, why: str) -> list:
    """Dates or timestamps no later than `moment` (e.g. nothing in the future of as_of_date)."""
    return [
        E.ExpectColumnValuesToBeBetween(column=c, max_value=_timestamp(moment), notes=why) for c in columns
    ]


def equals(column: str, value: dt.date | dt.datetime, why: str) -> list:
    """Every non-null value equal to `value` (e.g. the as-of date the table was built for)."""
    bound = _timestamp(value)
    return [E.ExpectColumnValuesToBeBetween(column=column, min_value=bound, max_value=bound, notes=why)]


def latest_is(column: str, value: dt.date | dt.datetime, why: str) -> list:
    """The largest value equals `value`: the table reaches the as-of date (freshness)."""
    bound = _timestamp(value)
    return [E.ExpectColumnMaxToBeBetween(column=column, min_value=bound, max_value=bound, notes=why)]


def at_least(column_a: str, column_b: str, why: str) -> list:
    """column_a >= column_b on every row where both are set."""
    return [
        E.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=column_a,
            column_B=column_b,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            notes=why,
        )
    ]


def mean_between(column: str, low: float, high: float, why: str) -> list:
    """Distribution check: the column mean in [low, high]."""
    return [E.ExpectColumnMeanToBeBetween(column=column, min_value=low, max_value=high, notes=why)]


def share_in(column: str, values: Iterable[object], low: float, high: float, why: str) -> list:
    """Distribution check: the share of rows whose value is in `values` lies in [low, high].

    GX's `mostly` gives the lower bound directly; the upper bound is the lower bound of the
    complement (at least 1 - high of the rows are *not* in `values`).
    """
    values = list(values)
    checks: list = []
    if low > 0:
        checks.append(E.ExpectColumnValuesToBeInSet(column=column, value_set=values, mostly=low, notes=why))
    if high < 1:
        checks.append(
            E.ExpectColumnValuesToNotBeInSet(column=column, value_set=values, mostly=1 - high, notes=why)
        )
    return checks


def rate_band(rate: float, n: int, odds_factor: float) -> tuple[float, float]:
    """Where a mean predicted probability may lie given an observed rate on `n` customers.

    The band is the observed rate with its odds multiplied and divided by `odds_factor`, widened
    by three binomial standard errors so a small shop's noisy rate does not fail the build. A
    constant, inverted or uncalibrated model lands far outside it.
    """
    rate = min(max(rate, 1e-6), 1 - 1e-6)
    odds = rate / (1 - rate)
    low = odds / odds_factor / (1 + odds / odds_factor)
    high = odds * odds_factor / (1 + odds * odds_factor)
    noise = 3 * math.sqrt(rate * (1 - rate) / max(n, 1))
    return max(0.0, low - noise), min(1.0, high + noise)
