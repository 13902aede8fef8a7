"""Number and date formatting for the report: one place, so every chart and tile agrees."""

from __future__ import annotations

import datetime as dt
import math

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def is_number(value: object) -> bool:
    """A finite int or float (None, NaN and infinities are 'no value')."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def number(value: float | None, decimals: int = 0) -> str:
    """1234.5 -> '1,235' (thousands separators); None -> 'n/a'."""
    return f"{value:,.{decimals}f}" if is_number(value) else "n/a"


def compact(value: float | None) -> str:
    """Short form for tiles and axes: 950 -> '950', 12_300 -> '12.3k', 4_560_000 -> '4.56M'."""
    if not is_number(value):
        return "n/a"
    magnitude = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            scaled = value / limit
            digits = 2 if abs(scaled) < 10 else (1 if abs(scaled) < 100 else 0)
            return f"{scaled:.{digits}f}{suffix}"
    return f"{value:,.0f}" if magnitude >= 10 or value == int(value) else f"{value:.2f}"


def money(value: float | None, currency: str, short: bool = False, decimals: int = 0) -> str:
    """'$12,345' for known symbols, else '12,345 SEK'; short gives '$12.3k'."""
    if not is_number(value):
        return "n/a"
    body = compact(abs(value)) if short else f"{abs(value):,.{decimals}f}"
    sign = "-" if value < 0 else ""
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency}"


def percent(value: float | None, decimals: int = 1) -> str:
    """A value already in percent (12.34 -> '12.3%'), as the KPI marts store rates."""
    return f"{value:.{decimals}f}%" if is_number(value) else "n/a"


def share(value: float | None, decimals: int = 1) -> str:
    """A 0-1 share as percent (0.1234 -> '12.3%')."""
    return f"{100 * value:.{decimals}f}%" if is_number(value) else "n/a"


def signed_points(value: float | None, decimals: int = 1) -> str:
    """A difference of two 0-1 rates in percentage points (0.012 -> '+1.2 pp')."""
    return f"{100 * value:+.{decimals}f} pp" if is_number(value) else "n/a"


def month(value: dt.date) -> str:
    """date(2026, 9, 1) -> 'Sep 2026'."""
    return value.strftime("%b %Y")


def day(value: dt.date) -> str:
    """date(2026, 9, 30) -> '30 Sep 2026'."""
    return f"{value.day} {value.strftime('%b %Y')}"


def label(name: str) -> str:
    """snake_case -> words: 'new_customer' -> 'new customer'."""
    return name.replace("_", " ")
