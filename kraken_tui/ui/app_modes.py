"""Two ways the monitor runs beyond the live screen: a replay, and alert rules.

A mixin of ``KrakenMonitor`` (``app.py`` keeps the screen, the feed worker and event
routing): the replay's keys and end, the alert engine beside the feed, the Alerts
panel's messages, and which keys exist in which mode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kraken_tui.alerts.runtime import AlertRuntime
from kraken_tui.feed.events import FeedEvent
from kraken_tui.record.replay import ReplayProgress
from kraken_tui.ui.messages import AlertMessage
from kraken_tui.ui.replay import next_speed
from kraken_tui.ui.widgets.alerts import AlertsPanel

if TYPE_CHECKING:
    from kraken_tui.alerts.settings import AlertSettings
    from kraken_tui.config import Config
    from kraken_tui.ui.replay import ReplayState

Sink = Callable[[FeedEvent], None]


class ReplayAndAlerts:
    """What ``KrakenMonitor`` provides to this half."""

    replay: ReplayState | None
    alerts: AlertSettings | None
    symbols: tuple[str, ...]
    config: Config
    clock: Callable[[], float]
    _feed: Any
    _exit_at_replay_end: bool
    _sink: Sink
    post_message: Callable[..., Any]
    query_one: Callable[..., Any]
    stop_feed: Callable[[], None]
    exit: Callable[..., None]
    bell: Callable[[], None]
    _toast: Callable[..., None]

    def _feed_sink(self) -> Sink:
        """``_sink``, plus the alert engine when there are rules (it lives on the feed's
        thread and sees every event there, tickers included, before any coalescing)."""
        if self.alerts is None:
            return self._sink
        runtime = AlertRuntime(
            self.alerts.rules, self.alerts.outputs,
            lambda alert: self.post_message(AlertMessage(alert)), books=self.symbols,
            endpoints=("public", "private") if self.config.has_credentials else ("public",),
            wall_clock=self.clock)
        sink, observe = self._sink, runtime.observe

        def with_alerts(event: FeedEvent) -> None:
            sink(event)
            observe(event)

        return with_alerts

    def on_alert_message(self, message: AlertMessage) -> None:
        if not getattr(self, "is_running", False) or getattr(self, "_stopping", False):
            return  # shutting down (as app.while_running)
        alert = message.alert
        assert self.alerts is not None
        self.query_one(AlertsPanel).add(alert)
        outputs = self.alerts.outputs
        if outputs.mode("toast", alert.kind) == "on":
            self._toast(f"ALERT {alert.message}", "warning")
        if outputs.mode("bell", alert.kind) == "on":
            self.bell()

    def action_clear_alerts(self) -> None:
        self.query_one(AlertsPanel).clear_alerts()

    # -- replay (--replay) ----------------------------------------------------

    def _on_replay_progress(self, event: ReplayProgress) -> None:
        if self.replay is None:
            return
        self.replay.update(event)
        if event.finished and self._exit_at_replay_end:
            self.stop_feed()
            self.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The replay keys exist only in a replay; depth and resync only outside one (a
        recording cannot be asked for another depth or a fresh snapshot)."""
        if action.startswith("replay_"):
            return self.replay is not None
        if action == "clear_alerts":
            return self.alerts is not None
        if action in ("cycle_depth", "resync"):
            return self.replay is None
        return True

    def action_replay_pause(self) -> None:
        toggle = getattr(self._feed, "toggle_pause", None)
        if toggle is not None:
            toggle()

    def action_replay_speed(self, step: int) -> None:
        set_speed = getattr(self._feed, "set_speed", None)
        if set_speed is not None and self.replay is not None:
            set_speed(next_speed(self.replay.speed, step))
