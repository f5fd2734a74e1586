"""Small text helpers shared by the panels (numbers and ages for humans)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal


def fmt_dec(value: Decimal | None, places: int | None = None) -> str:
    """A Decimal without exponent or trailing zeros (or at fixed ``places``)."""
    if value is None:
        return "—"
    if places is not None:
        return f"{value:,.{places}f}"
    text = format(value.normalize(), "f")
    if "." in text:
        whole, frac = text.split(".")
        return f"{int(whole):,}.{frac}" if whole not in ("-0",) else text
    return f"{int(text):,}"


def fmt_age(seconds: float | None, short: bool = False) -> str:
    """Compact age: 4s, 3m12s, 2h05m, 3d04h (``short``: at most 5 cells, 3m not 3m12s)."""
    if seconds is None:
        return "—"
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m" if short else f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def parse_time(text: str | None) -> float | None:
    """RFC3339 (Kraken's ``...Z`` form included) to epoch seconds; None if unusable."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
