"""Alerts (issue 15): rule grammar, firing engine, plain-I/O outputs, config round-trip.

Nothing here imports Textual or the feed's connection code: the monitor and
``kraken-tui events`` feed observations to an ``AlertEngine`` and route each
``AlertFired`` to the outputs the config enables.
"""

from kraken_tui.alerts.engine import AlertEngine, FillLike, TickerLike
from kraken_tui.alerts.fired import AlertFired, rfc3339
from kraken_tui.alerts.rules import KINDS, AlertRuleError, Rule, parse_rule

__all__ = [
    "KINDS",
    "AlertEngine",
    "AlertFired",
    "AlertRuleError",
    "FillLike",
    "Rule",
    "TickerLike",
    "parse_rule",
    "rfc3339",
]
