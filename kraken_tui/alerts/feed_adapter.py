"""Feed events -> engine observations, for the events that are already stable.

The monitor's feed thread and ``kraken-tui events`` both call ``observe_feed_event``
with every feed event (tickers and my fills included).
"""

from __future__ import annotations

from kraken_tui.alerts.engine import AlertEngine
from kraken_tui.alerts.fired import AlertFired
from kraken_tui.feed.events import (
    BookUpdated,
    ConnectionChanged,
    DeadManSwitch,
    FeedEvent,
    FillReported,
    PairStatusChanged,
    SystemStatusChanged,
    TickerUpdated,
)
from kraken_tui.ui.widgets.fmt import parse_time  # pure text helper: no Textual import


def observe_feed_event(engine: AlertEngine, event: FeedEvent) -> list[AlertFired]:
    """Hand one feed event to the engine; returns what fired (often nothing)."""
    if isinstance(event, BookUpdated):
        return engine.observe_book_event(event)
    if isinstance(event, TickerUpdated):
        return engine.observe_ticker(event)
    if isinstance(event, FillReported):  # a fill from before this run is not news
        return [] if event.history else engine.observe_fill(event)
    if isinstance(event, ConnectionChanged):
        return engine.observe_endpoint(event.endpoint, event.state == "connected")
    if isinstance(event, SystemStatusChanged):
        return engine.observe_system_status(event.system)
    if isinstance(event, PairStatusChanged):
        return engine.observe_pair_status(event.symbol, event.status)
    if isinstance(event, DeadManSwitch):
        return engine.observe_deadman(
            armed=event.armed, error=event.error, trigger_at=parse_time(event.trigger_time)
        )
    return []
