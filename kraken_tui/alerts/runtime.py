"""Alerts beside a running feed: the engine fed with every event, ticked, and the hook run.

Used on the feed's own event loop (``kraken-tui events``; the monitor's feed thread),
so evaluation adds no hop: an alert is decided by the same call that emits the event
that made it true. ``on_alert`` runs in the background and never blocks the feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable

from kraken_tui.alerts.engine import AlertEngine
from kraken_tui.alerts.feed_adapter import observe_feed_event
from kraken_tui.alerts.fired import AlertFired
from kraken_tui.alerts.outputs import HookRunner
from kraken_tui.alerts.rules import Rule
from kraken_tui.alerts.settings import AlertOutputs
from kraken_tui.feed.events import FeedEvent

log = logging.getLogger(__name__)

TICK_S = 1.0


class AlertRuntime:
    """The engine, its 1 Hz tick and the ``on_alert`` hook, for one feed."""

    def __init__(self, rules: Iterable[Rule], outputs: AlertOutputs,
                 on_alert: Callable[[AlertFired], None], *,
                 books: Iterable[str] = (), endpoints: Iterable[str] = ("public",),
                 wall_clock: Callable[[], float] = time.time) -> None:
        """``on_alert``: where each firing goes (an events line, a toast), on the loop;
        ``wall_clock``: the firings' time (the monitor passes its own clock)."""
        self.engine = AlertEngine(rules, wall_clock=wall_clock)
        self.engine.watch(books=books, endpoints=endpoints)
        self.outputs = outputs
        self._on_alert = on_alert
        self._hook = (HookRunner(outputs.on_alert, outputs.on_alert_timeout)
                      if outputs.on_alert else None)
        self._ticker: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def observe(self, event: FeedEvent) -> None:
        """Every feed event, as it is emitted (the first one starts the 1 Hz tick)."""
        if self._ticker is None:
            self.start(asyncio.get_running_loop())
        self._fired(observe_feed_event(self.engine, event))

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._ticker is not None:
            return
        self._loop = loop

        def tick() -> None:
            self._fired(self.engine.tick())
            self._ticker = loop.call_later(TICK_S, tick)

        self._ticker = loop.call_later(TICK_S, tick)

    def add_rule(self, rule: Rule) -> None:
        """Add a rule from another thread (the monitor's dialog): applied on the feed's loop."""
        self._on_loop(self.engine.add_rule, rule)

    def remove_rule(self, text: str) -> None:
        self._on_loop(self.engine.remove_rule, text)

    def _on_loop(self, fn: Callable[..., object], arg: object) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed just now: fall through
                loop.call_soon_threadsafe(fn, arg)
                return
        fn(arg)  # no feed loop (not started, or ended): nothing else touches the engine

    def _fired(self, fired: list[AlertFired]) -> None:
        for alert in fired:
            log.info("alert: %s (%s = %s)", alert.message, alert.rule.text, alert.value)
            self._on_alert(alert)
            if self._hook is not None and self.outputs.runs_command(alert.kind):
                self._hook.submit(alert)

    async def aclose(self) -> None:
        """Stop ticking; let hooks in flight finish (each within its timeout)."""
        if self._ticker is not None:
            self._ticker.cancel()
        if self._hook is not None:
            await self._hook.drain()
