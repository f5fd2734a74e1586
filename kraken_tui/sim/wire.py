"""Wire helpers: exact JSON number tokens, Kraken timestamps, alphabetical envelopes.

Python's ``json`` cannot write ``62807.0`` or ``0.00000000`` from a float, and Kraken's checksum
depends on those exact digits, so every price/qty goes out as a :class:`Num` token rendered
by hand.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any


class Num(str):
    """A JSON number written verbatim (already formatted at the pair's precision)."""

    __slots__ = ()


def fmt_units(units: int, decimals: int) -> str:
    """Render an integer count of 10^-decimals units as a decimal string, zero-padded."""
    if decimals == 0:
        return str(units)
    sign = "-" if units < 0 else ""
    digits = str(abs(units)).rjust(decimals + 1, "0")
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"


def num(units: int, decimals: int) -> Num:
    return Num(fmt_units(units, decimals))


def dumps(obj: Any) -> str:
    """Compact JSON where :class:`Num` values are emitted as bare number tokens."""
    parts: list[str] = []
    _write(obj, parts)
    return "".join(parts)


def _write(obj: Any, out: list[str]) -> None:
    if isinstance(obj, Num):
        out.append(str.__str__(obj))
    elif isinstance(obj, str):
        out.append(json.dumps(obj))
    elif isinstance(obj, dict):
        out.append("{")
        first = True
        for key, value in obj.items():
            if not first:
                out.append(",")
            first = False
            out.append(json.dumps(str(key)))
            out.append(":")
            _write(value, out)
        out.append("}")
    elif isinstance(obj, (list, tuple)):
        out.append("[")
        for i, value in enumerate(obj):
            if i:
                out.append(",")
            _write(value, out)
        out.append("]")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif obj is None:
        out.append("null")
    elif isinstance(obj, int):
        out.append(str(obj))
    elif isinstance(obj, float):
        out.append(repr(obj))
    else:  # Decimal and friends: their str() is a valid JSON number
        out.append(str(obj))


def rfc3339_us(ts: float | None = None) -> str:
    """``2026-08-16T23:37:04.316445Z`` — the µs form used on every v2 frame."""
    t = time.time() if ts is None else ts
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rfc3339_s(ts: float) -> str:
    """``2023-03-24T17:41:56Z`` — REST's form, no fractions."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def method_response(
    method: str,
    *,
    time_in: str,
    req_id: int | None = None,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    **extra: Any,
) -> str:
    """A method response with keys in alphabetical order, as server 2.0.x sends them."""
    body: dict[str, Any] = dict(extra)
    body["method"] = method
    if req_id is not None:
        body["req_id"] = req_id
    if error is None:
        body["result"] = result if result is not None else {}
        body["success"] = True
    else:
        body["error"] = error
        body["success"] = False
    body["time_in"] = time_in
    body["time_out"] = rfc3339_us()
    return dumps(dict(sorted(body.items())))
