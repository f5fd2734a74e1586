"""Exact numbers from the wire: Decimal from the token text, never via float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


class NotANumber(ValueError):
    """A field that must be a finite number is not one (garbage, NaN, infinity)."""


def exact_decimal(value: Any) -> Decimal | None:
    """Exact Decimal from token text (or an int); None when absent."""
    if value is None:
        return None
    if type(value) is int:
        return Decimal(value)
    if type(value) is str:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise NotANumber(f"not a number: {value[:30]!r}") from None
        if number.is_finite():
            return number
    if type(value) is float:  # a caller that decoded with plain json: go via repr text
        return exact_decimal(repr(value))
    raise NotANumber(f"not a finite number: {str(value)[:30]!r}")
