"""Feed events reach the engine; the alerts package stays free of Textual."""

from __future__ import annotations

import json
import subprocess
import sys

from kraken_tui.alerts.engine import AlertEngine
from kraken_tui.alerts.feed_adapter import observe_feed_event
from kraken_tui.alerts.fired import rfc3339
from kraken_tui.alerts.rules import parse_rule
from kraken_tui.feed.events import (
    ConnectionChanged,
    DeadManSwitch,
    PairStatusChanged,
    RoundTrip,
    SystemStatusChanged,
)
from tests.alerts.conftest import FakeClock


def test_feed_events_drive_deadman_status_and_stale(clock: FakeClock) -> None:
    engine = AlertEngine(
        [parse_rule(t) for t in ("deadman", "status", "stale > 1")],
        clock=clock, wall_clock=clock,
    )
    soon = rfc3339(clock.now + 5)  # Kraken's RFC 3339 trigger time, 5 s away
    (alert,) = observe_feed_event(engine, DeadManSwitch(True, 60, trigger_time=soon))
    assert (alert.kind, alert.value) == ("deadman", "5.0")
    assert observe_feed_event(engine, SystemStatusChanged("online")) == []
    (alert,) = observe_feed_event(engine, SystemStatusChanged("cancel_only"))
    assert alert.value == "cancel_only"
    (alert,) = observe_feed_event(engine, PairStatusChanged("ETH/USD", "limit_only"))
    assert alert.symbol == "ETH/USD"
    assert observe_feed_event(engine, RoundTrip("public", 1.0)) == []
    observe_feed_event(engine, ConnectionChanged("private", "connected"))
    observe_feed_event(engine, ConnectionChanged("private", "backoff", 1, 2.0))
    clock.advance(1.5)
    (alert,) = engine.tick()
    assert alert.message == "private endpoint not live for 1.5 s"


def test_the_alerts_package_imports_no_textual() -> None:
    script = (
        "import json, sys\n"
        "import kraken_tui.alerts, kraken_tui.alerts.engine, kraken_tui.alerts.settings\n"
        "import kraken_tui.alerts.feed_adapter, kraken_tui.alerts.store\n"
        "print(json.dumps(sorted(m for m in ('textual', 'rich') if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == []


def test_a_fill_from_before_this_run_never_fires(clock: FakeClock) -> None:
    """The first executions snapshot brings the last 50 fills (snap_trades): history."""
    from decimal import Decimal

    from kraken_tui.feed.events import FillReported
    from kraken_tui.kraken.fills import Fill

    engine = AlertEngine([parse_rule("fill")], clock=clock, wall_clock=clock)
    old = Fill("BTC/USD", "OABC", "TX1", "buy", Decimal("70000.1"), Decimal("0.5"))
    assert observe_feed_event(engine, FillReported(old, history=True)) == []
    new = Fill("BTC/USD", "OABC", "TX2", "buy", Decimal("70000.2"), Decimal("0.5"))
    (alert,) = observe_feed_event(engine, FillReported(new))
    assert alert.value == "70000.2"
