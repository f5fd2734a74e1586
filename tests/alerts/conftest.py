"""Helpers for the alert tests: a settable clock and minimal ticker/fill records."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from kraken_tui.kraken.fills import Fill  # noqa: F401 (the tests' fills)


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


def reference_firings(
    rules: list[tuple[str, Decimal, Decimal]], values: list[Decimal]
) -> list[tuple[int, int]]:
    """(step, rule index) of each firing by a naive model checking every rule on every value.

    The engine's indexed evaluation must agree with it exactly.
    """
    armed: dict[int, bool] = {}
    fired = []
    for step, value in enumerate(values):
        for i, (op, threshold, hyst) in enumerate(rules):
            cond = {">": value > threshold, ">=": value >= threshold,
                    "<": value < threshold, "<=": value <= threshold}[op]
            band = abs(threshold) * hyst / 100
            if op in (">", ">="):
                rearm = value <= threshold - band if op == ">" else value < threshold - band
            else:
                rearm = value >= threshold + band if op == "<" else value > threshold + band
            if i not in armed:
                armed[i] = not cond
            elif armed[i] and cond:
                armed[i] = False
                fired.append((step, i))
            elif not armed[i] and rearm:
                armed[i] = True
    return sorted(fired)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
