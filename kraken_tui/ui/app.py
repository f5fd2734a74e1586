"""The monitor app: runs the feed in a thread worker and routes its events to widgets.

The feed lives on its own asyncio loop in a Textual thread worker and hands
every event to ``_sink`` on that thread; ``_sink`` only posts messages
(``post_message`` is thread-safe). Books go through a per-symbol mailbox so at
most one book message per symbol is ever queued: a burst of frames costs the UI
loop nothing more than replacing a reference. All DOM work happens in the
message handlers, on the UI loop.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Protocol, TypeVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from kraken_tui.alerts.settings import AlertSettings
from kraken_tui.config import DEPTHS, Config, default_log_path
from kraken_tui.feed.events import (
    BookUpdated,
    ConnectionChanged,
    DeadManSwitch,
    FeedEvent,
    ModeChanged,
    RoundTrip,
    SystemStatusChanged,
)
from kraken_tui.record.replay import ReplayProgress
from kraken_tui.ui.app_modes import ReplayAndAlerts
from kraken_tui.ui.keys import MONITOR_BINDINGS
from kraken_tui.ui.mailbox import BookMailbox
from kraken_tui.ui.messages import (
    BalancesMessage,
    BookMessage,
    FeedEventMessage,
    OrdersMessage,
    StatsMessage,
    wrap_event,
)
from kraken_tui.ui.notices import (
    ClearBanner,
    HealthNote,
    Notice,
    NoticeState,
    PanelsNote,
    SetBanner,
    Toast,
    book_trusted,
    feed_stopped,
    notices_for,
)
from kraken_tui.ui.replay import ReplayState
from kraken_tui.ui.screens import HelpScreen, SymbolSwitcher
from kraken_tui.ui.widgets.alerts import AlertsPanel
from kraken_tui.ui.widgets.balances import BalancesTable
from kraken_tui.ui.widgets.banner import BannerStack
from kraken_tui.ui.widgets.book import BookLadder
from kraken_tui.ui.widgets.health import HealthPanel
from kraken_tui.ui.widgets.orders import OrdersTable
from kraken_tui.ui.widgets.status import StatusBar

log = logging.getLogger("kraken_tui.ui")

Sink = Callable[[FeedEvent], None]

#: Orders, balances and the 1 Hz ages are drawn with the shown book's next paint, or
#: this many seconds after they arrive if the book is quiet. Each repaint of its own
#: is a compositor pass (~2 ms in Textual 8); at the demo's rates these were a fifth
#: of the passes. Also caps the panels' repaint rate when order flow bursts.
PANEL_DELAY = 0.1
Handler = TypeVar("Handler", bound=Callable[..., None])


def while_running(handler: Handler) -> Handler:
    """Drop feed messages and ticks once shutdown has begun.

    Textual prunes the screen while the app's queue is still being drained, and
    the feed talks until it is stopped, so a late event would meet widgets that
    are already unmounted. Nothing is lost: the monitor is going away.
    """

    @functools.wraps(handler)
    def guarded(self: App[Any], *args: Any) -> None:
        if self.is_running and not getattr(self, "_stopping", False):
            handler(self, *args)

    return guarded  # type: ignore[return-value]


class FeedLike(Protocol):
    """What the app needs from a feed: the real ``Feed`` or a scripted fake."""

    async def run(self) -> None: ...
    def stop(self) -> None: ...
    def request_resync(self, symbol: str | None = None) -> None: ...
    def set_depth(self, depth: int) -> None: ...


FeedFactory = Callable[[Config, Sink], FeedLike]

class KrakenMonitor(ReplayAndAlerts, App[None]):
    """Order books, open orders, balances and connection health, kept honest."""

    CSS_PATH = "app.tcss"
    TITLE = "kraken-tui"
    BINDINGS: ClassVar[list[BindingType]] = MONITOR_BINDINGS

    def __init__(
        self,
        config: Config,
        feed_factory: FeedFactory | None = None,
        *,
        clock: Callable[[], float] = time.time,
        toasts: bool = True,
        freeze_heap_after: float | None = None,
        replay: ReplayState | None = None,
        exit_at_replay_end: bool = True,
        alerts: AlertSettings | None = None,
    ) -> None:
        """``freeze_heap_after``: seconds after mount to freeze the startup heap (a
        process-wide act, so the command asks for it; tests and embedders do not).
        ``replay``: the feed replays a recording (``--replay``): REPLAY in the status
        bar, its keys shown, and the app exits at its end unless told otherwise.
        ``alerts``: rules evaluated on the feed's thread; firings go to the Alerts panel,
        a toast and the bell, as ``alerts.outputs`` says per rule kind."""
        super().__init__()
        self.alerts = alerts or AlertSettings()
        self._alert_runtime = None  # set with the feed (app_modes._feed_sink)
        self.replay = replay
        self._exit_at_replay_end = exit_at_replay_end
        self._freeze_heap_after = freeze_heap_after
        self.config = config
        self.symbols = config.symbols
        self.depth = config.depth
        self.paused = False
        self.clock = clock
        self.toasts = toasts
        if feed_factory is None:
            from kraken_tui.ui.run import real_feed_factory

            feed_factory = real_feed_factory
        self._feed_factory = feed_factory
        self._feed: FeedLike | None = None
        self._mailbox = BookMailbox(shown=config.symbols[0])
        self._stopping = False
        self._notices = NoticeState(
            log_path=config.log_path or default_log_path(),
            config_source=str(config.source) if config.source else "the config file",
        )
        self._main: Screen | None = None  # the monitor screen, once mounted
        self.feed_done = threading.Event()  # set when the feed thread has finished
        self.events_seen = 0  # feed events handled on the UI loop (tests wait on this)
        self._panel_updates: dict[str, Callable[[], None]] = {}  # latest per panel wins
        self._panel_timer: Timer | None = None
        if config.theme in self.available_themes:  # run.py reports an unknown name
            self.theme = config.theme

    @property
    def coalesced_books(self) -> int:
        return self._mailbox.coalesced

    @property
    def parked_books(self) -> int:
        return self._mailbox.parked

    @property
    def panels_pending(self) -> bool:
        """True while a panel update waits for its paint (tests wait on this)."""
        return bool(self._panel_updates)

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield BannerStack(id="banners")
        with Horizontal(id="main"):
            # One ladder per symbol, only the current one displayed; no tab container:
            # every container around the ladder is redrawn with it at each paint.
            for i, symbol in enumerate(self.symbols):
                yield BookLadder(symbol, self.depth, symbols=self.symbols, id=f"book-{i}",
                                 classes=None if i == 0 else "-hidden")
            with Vertical(id="side", classes="-alerts" if self.alerts.rules else ""):
                yield HealthPanel(self.clock, self.config.heartbeat_timeout, id="health")
                yield OrdersTable(self.clock, id="orders")
                yield BalancesTable(id="balances")
                if self.alerts.rules:
                    yield AlertsPanel(id="alerts")
        yield Footer()

    def on_mount(self) -> None:
        # Held directly: while a modal screen is up, app.query_one() searches *that* screen.
        self._main = self.screen
        self._health = self.query_one(HealthPanel)
        self._orders = self.query_one(OrdersTable)
        self._balances = self.query_one(BalancesTable)
        self._banners = self.query_one(BannerStack)
        self._status = self.query_one(StatusBar)
        self._current = 0  # index of the symbol whose ladder is shown
        self._ladders = {ladder.symbol: ladder for ladder in self.query(BookLadder)}
        self._health.border_title = "Connection"
        self._orders.border_title = "Open orders"
        self._balances.border_title = "Balances"
        self._banners.display = False
        #: Widgets that draw a feed event's own state; the notices rules add the rest.
        self._event_views: dict[type[FeedEvent], Callable[[Any], None]] = {
            ConnectionChanged: self._health.on_connection,
            SystemStatusChanged: self._health.on_system,
            RoundTrip: self._health.on_rtt,
            DeadManSwitch: self._health.on_dms,
            ModeChanged: self._health.on_mode,
            ReplayProgress: self._on_replay_progress,
        }
        self._apply_width(self.size.width)
        self._update_status()
        self.set_interval(1.0, lambda: self._defer_panel("tick", self.tick))
        self._feed = self._feed_factory(self.config, self._feed_sink())
        self._run_feed()
        if self._freeze_heap_after is not None:
            self.set_timer(self._freeze_heap_after, self._freeze_startup_heap)

    def _freeze_startup_heap(self) -> None:
        """Keep the startup heap out of the garbage collector's full passes.

        Textual, Rich and our modules leave ~90k long-lived objects; every full
        collection traversed them all, pausing the UI loop and the feed for ~60 ms
        during bursts. Collected once here, then frozen (``gc.freeze``), a full pass
        only walks what was made since.
        """
        gc.collect()
        gc.freeze()
        log.info("startup heap frozen: %d objects", gc.get_freeze_count())

    def on_resize(self, event: object) -> None:
        self._apply_width(self.size.width)

    def _apply_width(self, width: int) -> None:
        if self._main is not None:
            self._main.set_class(width < 100, "-narrow")

    # -- the feed worker ------------------------------------------------------

    @work(thread=True, exclusive=True, group="feed", exit_on_error=False)
    def _run_feed(self) -> None:
        """Run the feed on its own event loop in this thread until ``stop()``."""
        feed = self._feed
        assert feed is not None
        try:
            asyncio.run(feed.run())
        finally:
            self.feed_done.set()

    def _sink(self, event: FeedEvent) -> None:
        """Called on the feed's thread: post only, never touch the DOM here."""
        if isinstance(event, BookUpdated):
            if self._mailbox.put(event):
                self.post_message(BookMessage(event))
        elif event.kind in ("ticker", "trade", "candle"):
            return  # nothing on screen draws these yet (issue 14): no message per trade
        else:
            self.post_message(wrap_event(event))

    def stop_feed(self) -> None:
        self._stopping = True
        if self._feed is not None:
            self._feed.stop()

    def on_unmount(self) -> None:
        self.stop_feed()

    async def action_quit(self) -> None:
        self.stop_feed()
        self.exit()

    @while_running
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "feed":
            return
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            log.error("feed stopped with an error", exc_info=error)
            self._apply(feed_stopped(error, self._notices))
            self._mark_all_stale("feed stopped")
        elif event.state == WorkerState.SUCCESS and not self._stopping:
            if self.replay is not None and self.replay.finished:
                return  # the recording ended: its last moment stays on screen, marked END
            self._apply(feed_stopped(None, self._notices))
            self._mark_all_stale("feed stopped")

    # -- routing feed events --------------------------------------------------

    def _mark_all_stale(self, reason: str) -> None:
        for ladder in self._ladders.values():
            if ladder.valid:
                ladder.show(None, False, reason)

    def _toast(self, message: str, severity: str = "information") -> None:
        if self.toasts:
            self.notify(message, severity=severity, timeout=4)  # type: ignore[arg-type]

    @while_running
    def on_book_message(self, message: BookMessage) -> None:
        event = self._mailbox.take(message.event.symbol)
        if event is not None:  # None: a symbol switch took it first
            self._show_book(event)

    def _show_book(self, event: BookUpdated) -> None:
        self.events_seen += 1
        ladder = self._ladders.get(event.symbol)
        if ladder is None:
            return
        paints = ladder.paints
        ladder.show(event.view, event.valid, event.reason)
        if ladder.paints != paints and self._panel_updates:
            self._flush_panels()  # into the same compositor pass as the book
        if event.valid and self._notices.banners:
            self._apply(book_trusted(event.symbol, self._notices))

    @while_running
    def on_orders_message(self, message: OrdersMessage) -> None:
        self.events_seen += 1
        event = message.event
        self._defer_panel("orders", lambda: self._orders.apply(event.orders, event.valid))

    @while_running
    def on_balances_message(self, message: BalancesMessage) -> None:
        self.events_seen += 1
        event = message.event
        self._defer_panel("balances", lambda: self._balances.apply(event.balances, event.valid))

    def _defer_panel(self, panel: str, update: Callable[[], None]) -> None:
        """Draw ``update`` with the next book paint, or after ``PANEL_DELAY``."""
        self._panel_updates[panel] = update
        if self._panel_timer is None:
            self._panel_timer = self.set_timer(PANEL_DELAY, self._flush_panels)

    @while_running
    def _flush_panels(self) -> None:
        if self._panel_timer is not None:
            self._panel_timer.stop()
            self._panel_timer = None
        updates, self._panel_updates = self._panel_updates, {}
        for update in updates.values():
            update()

    @while_running
    def on_stats_message(self, message: StatsMessage) -> None:
        self.events_seen += 1
        self._health.on_stats(message.event)

    @while_running
    def on_feed_event_message(self, message: FeedEventMessage) -> None:
        self.events_seen += 1
        event = message.event
        if not isinstance(event, RoundTrip):
            log.info("feed: %r", event)
        view = self._event_views.get(type(event))
        if view is not None:
            view(event)
        notices = notices_for(event, self._notices, self.clock())
        if notices:
            self._apply(notices)
        self._update_status()

    def _apply(self, notices: Iterable[Notice]) -> None:
        banners = self._banners
        for notice in notices:
            match notice:
                case SetBanner(key, text, severity):
                    banners.set_banner(key, text, severity)
                case ClearBanner(key):
                    banners.clear_banner(key)
                case Toast(text, severity):
                    self._toast(text, severity)
                case HealthNote(target, title, reason):
                    self._health.set_note(target, title, reason)
                case PanelsNote(subtitle):
                    self._orders.border_subtitle = subtitle
                    self._balances.border_subtitle = subtitle

    # -- periodic (1 Hz) ------------------------------------------------------

    @while_running
    def tick(self) -> None:
        """Ages, countdowns, stats and RTT; state changes draw as their messages arrive."""
        self._health.tick()
        self._orders.tick()
        self._update_status()

    def _update_status(self) -> None:
        self._status.show(self._health.endpoints, self._notices.system, self.paused,
                          self.clock(), replay=self.replay)

    # -- actions --------------------------------------------------------------

    def current_symbol(self) -> str:
        return self.symbols[self._current]

    def select_symbol(self, symbol: str) -> None:
        if symbol not in self.symbols:
            return
        self._current = self.symbols.index(symbol)
        for ladder in self._ladders.values():
            ladder.set_class(ladder.symbol != symbol, "-hidden")
        shown = self._ladders[symbol]
        if shown.paused != self.paused:
            shown.set_paused(self.paused)
        parked = self._mailbox.show(symbol)
        if parked is not None:
            self._show_book(parked)

    def on_book_ladder_symbol_picked(self, message: BookLadder.SymbolPicked) -> None:
        self.select_symbol(message.symbol)

    def action_show_index(self, index: int) -> None:
        if 0 <= index < len(self.symbols):
            self.select_symbol(self.symbols[index])

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_switch_symbol(self) -> None:
        def picked(symbol: str | None) -> None:
            if symbol:
                self.select_symbol(symbol)

        self.push_screen(SymbolSwitcher(self.symbols, self.current_symbol()), picked)

    def _step_symbol(self, step: int) -> None:
        index = self.symbols.index(self.current_symbol())
        self.select_symbol(self.symbols[(index + step) % len(self.symbols)])

    def action_next_symbol(self) -> None:
        self._step_symbol(1)

    def action_prev_symbol(self) -> None:
        self._step_symbol(-1)

    def action_cycle_depth(self) -> None:
        """Next subscribed depth (10→25→100→500→1000→10); the feed resubscribes."""
        index = DEPTHS.index(self.depth) if self.depth in DEPTHS else -1
        self.depth = DEPTHS[(index + 1) % len(DEPTHS)]
        for ladder in self._ladders.values():
            ladder.set_requested_depth(self.depth)
        if self._feed is not None:
            self._feed.set_depth(self.depth)
        log.info("depth -> %d", self.depth)

    def action_toggle_pause(self) -> None:
        # The shown ladder only; the others follow when shown (select_symbol). A ladder's
        # restyle costs a few ms (eleven component classes): ten of them made the key
        # wait ~30 ms during a burst.
        self.paused = not self.paused
        self._ladders[self.current_symbol()].set_paused(self.paused)
        self._update_status()

    def action_resync(self) -> None:
        symbol = self.current_symbol()
        if self._feed is not None:
            self._feed.request_resync(symbol)
        self._toast(f"Resync requested for {symbol}")

    def action_toggle_side(self) -> None:
        """Wide: hide/show the side panels. Narrow: swap the book and the panels."""
        self.screen_stack[0].toggle_class("-toggled")

    def action_toggle_panel(self, name: str) -> None:
        panel = self.screen_stack[0].query_one(f"#{name}")
        panel.display = not panel.display

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Cycle book depth", "Next depth: 10 → 25 → 100 → 500 → 1000",
                            self.action_cycle_depth)
        yield SystemCommand("Pause / resume rendering", "Freeze the ladders to read them",
                            self.action_toggle_pause)
        yield SystemCommand("Force resync", "Rebuild the current book from a fresh snapshot",
                            self.action_resync)
        yield SystemCommand("Toggle side panels", "Health, orders and balances",
                            self.action_toggle_side)
        yield SystemCommand("Alert rules", "Add or remove alert rules (saved to the config)",
                            self.action_alert_rules)
        yield SystemCommand("Help", "List every key", self.action_help)
        for symbol in self.symbols:
            yield SystemCommand(f"Show {symbol}", f"Switch the book to {symbol}",
                                lambda s=symbol: self.select_symbol(s))
