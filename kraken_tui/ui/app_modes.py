"""Two ways the monitor runs beyond the live screen: a replay, and alert rules.

A mixin of ``KrakenMonitor`` (``app.py`` keeps the screen, the feed worker and event
routing): the replay's keys and end, the alert engine beside the feed, the Alerts
panel's messages, and which keys exist in which mode.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kraken_tui.alerts.outputs import alert_notification
from kraken_tui.alerts.rules import AlertRuleError, Rule, parse_rule
from kraken_tui.alerts.runtime import AlertRuntime
from kraken_tui.alerts.store import add_rule_to_file, remove_rule_from_file
from kraken_tui.config import ConfigError, resolve_config_path
from kraken_tui.feed.events import FeedEvent
from kraken_tui.record.replay import ReplayProgress
from kraken_tui.ui.messages import AlertMessage
from kraken_tui.ui.replay import next_speed
from kraken_tui.ui.screens import AlertRulesScreen
from kraken_tui.ui.widgets.alerts import AlertsPanel

if TYPE_CHECKING:
    from kraken_tui.alerts.settings import AlertSettings
    from kraken_tui.config import Config
    from kraken_tui.ui.replay import ReplayState

Sink = Callable[[FeedEvent], None]


class ReplayAndAlerts:
    """What ``KrakenMonitor`` provides to this half."""

    replay: ReplayState | None
    alerts: AlertSettings
    _alert_runtime: AlertRuntime | None
    screen_stack: list[Any]
    push_screen: Callable[..., Any]
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
        """``_sink`` plus the alert engine, which lives on the feed's thread and sees every
        event there (tickers included) before any coalescing; rules can be added later."""
        runtime = self._alert_runtime = AlertRuntime(
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
        self._alerts_panel().add(alert)
        outputs = self.alerts.outputs
        if outputs.mode("toast", alert.kind) == "on":
            self._toast(f"ALERT {alert.message}", "warning")
        if outputs.mode("bell", alert.kind) == "on":
            self.bell()
        if outputs.mode("desktop", alert.kind) == "on":
            # OSC 9/777: a system notification in iTerm2, kitty, WezTerm, foot (over SSH
            # too). Written through the driver, as Textual's own bell() is.
            driver = getattr(self, "_driver", None)
            if driver is not None and not getattr(self, "is_headless", True):
                driver.write(alert_notification(alert, outputs.desktop_escape))

    def _alerts_panel(self) -> AlertsPanel:
        side = self.screen_stack[0].query_one("#side")
        found = side.query(AlertsPanel)
        if found:
            return found.first()
        panel = AlertsPanel(id="alerts")
        side.mount(panel)
        side.add_class("-alerts")
        return panel

    def action_clear_alerts(self) -> None:
        self._alerts_panel().clear_alerts()

    def action_alert_rules(self) -> None:
        self.push_screen(AlertRulesScreen([r.text for r in self._rules()],
                                          on_add=self._add_rule, on_remove=self._remove_rule))

    def _rules(self) -> tuple[Rule, ...]:
        runtime = self._alert_runtime
        return self.alerts.rules if runtime is None else runtime.engine.rules

    def _add_rule(self, text: str) -> str | None:
        """Checked as ``--alert`` is; applied at once; saved to the config file."""
        try:
            rule = parse_rule(text)
        except AlertRuleError as exc:
            return str(exc)
        if any(r.text == rule.text for r in self._rules()):
            return f"alert rule {rule.text!r}: already there"
        if self._alert_runtime is not None:
            self._alert_runtime.add_rule(rule)
        self._alerts_panel()
        try:
            add_rule_to_file(self._rules_file(), rule)
        except (OSError, ConfigError) as exc:
            return f"added for this session, not saved: {exc}"
        self._toast(f"Alert rule added and saved: {rule.text}")
        return None

    def _remove_rule(self, text: str) -> None:
        if self._alert_runtime is not None:
            self._alert_runtime.remove_rule(text)
        try:
            saved = remove_rule_from_file(self._rules_file(), text)
        except (OSError, ConfigError) as exc:
            self._toast(f"Alert rule removed for this session, not saved: {exc}", "error")
            return
        where = "and from the config file" if saved else "(it was not in the config file)"
        self._toast(f"Alert rule removed {where}: {text}")

    def _rules_file(self) -> Path:
        """The config file the settings came from, else where they would be looked for."""
        return self.config.source or resolve_config_path(None, os.environ)[0]

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
            return bool(self.screen_stack[0].query(AlertsPanel))
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
