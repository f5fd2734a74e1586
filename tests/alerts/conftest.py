"""Helpers for the alert tests: a settable clock and minimal ticker/fill records."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest


class FakeClock:
    """Monotonic and wall time moved by the test, never by the machine."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Tick:
    symbol: str
    last: Decimal | None
    change_pct: Decimal | None = None
    valid: bool = True


@dataclass(frozen=True)
class Fill:
    symbol: str
    order_id: str
    exec_id: str
    side: str
    price: Decimal
    qty: Decimal


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
