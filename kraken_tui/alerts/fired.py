"""One alert firing: an immutable record, and its ``kraken-tui events`` JSON line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kraken_tui.alerts.rules import Kind, Rule


def rfc3339(epoch: float) -> str:
    """UTC, millisecond precision, ``Z`` suffix: ``2026-12-02T18:30:00.123Z``."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@dataclass(frozen=True, slots=True)
class AlertFired:
    """A rule became true. ``value`` is the exact text of what fired it."""

    rule: Rule
    symbol: str | None
    value: str
    time: float  # epoch seconds (wall clock)
    message: str  # one line for a person

    @property
    def kind(self) -> Kind:
        return self.rule.kind

    def to_json(self) -> dict[str, Any]:
        """Exactly the events contract of issue 15 (key order included)."""
        return {
            "event": "alert",
            "rule": self.rule.text,
            "kind": self.rule.kind,
            "symbol": self.symbol,
            "value": self.value,
            "time": rfc3339(self.time),
            "message": self.message,
        }
