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

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from kraken_tui.alerts.settings import AlertSettings
from kraken_tui.config import Config, default_log_path
from kraken_tui.feed.events import (
    BookUpdated,
    ConnectionChanged,
    DeadManSwitch,
    FeedEvent,
    FillReported,
    ModeChanged,
    OrdersUpdated,
    RoundTrip,
    SystemStatusChanged,
)
from kraken_tui.record.replay import ReplayProgress
from kraken_tui.ui.app_actions import MonitorActions
from kraken_tui.ui.app_cancel import CancelActions
from kraken_tui.ui.app_market import MarketPanels
from kraken_tui.ui.app_modes import ReplayAndAlerts
from kraken_tui.ui.keys import MONITOR_BINDINGS
from kraken_tui.ui.mailbox import BookMailbox
from kraken_tui.ui.messages import (
    BalancesMessage,
    BookMessage,
    FeedEventMessage,
    OrdersMessage,
    PrecisionLearned,
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
from kraken_tui.ui.widgets.alerts import AlertsPanel
from kraken_tui.ui.widgets.balances import BalancesTable
from kraken_tui.ui.widgets.banner import BannerStack
from kraken_tui.ui.widgets.book import BookLadder
from kraken_tui.ui.widgets.chart import PriceChart
from kraken_tui.ui.widgets.fills import MyFills
from kraken_tui.ui.widgets.health import HealthPanel
from kraken_tui.ui.widgets.orders import OrdersTable
from kraken_tui.ui.widgets.status import StatusBar
from kraken_tui.ui.widgets.ticker import TickerStrip
from kraken_tui.ui.widgets.trades import TradeTape

log = logging.getLogger("kraken_tui.ui")

Sink = Callable[[FeedEvent], None]

#: Orders, balances and the 1 Hz ages are drawn with the shown book's next paint, or
#: this many seconds after they arrive if the book is quiet. Each repaint of its own
#: is a compositor pass (~2 ms in Textual 8); at the demo's rates these were a fifth
#: of the passes. Also caps the panels' repaint rate when order flow bursts.
PANEL_DELAY = 0.1
Handler = TypeVar("Handler", bound=Callable[..., None])
#: Below this many columns one pane shows at a time (book, or panels with "t").
NARROW_BELOW = 100
#: Below this many rows the connection panel waits for "h" (the status bar has its gist):
#: from here, with it shown, Open orders keeps 8 lines (its column header and 7 orders).
SHORT_BELOW = 56
#: Below this many columns the footer drops its spacing and the palette key (ctrl+p still
#: opens it; ? lists it), so every key fits: at 80 columns "C Cancel all" read "C".
FULL_FOOTER_FROM = 100


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

class KrakenMonitor(CancelActions, MarketPanels, MonitorActions, ReplayAndAlerts, App[None]):
    """Order books, open orders, balances and connection health, kept honest."""

    CSS_PATH = "app.tcss"
    #: The shown book has the keys at start (arrows scroll it); tab moves them to a panel.
    AUTO_FOCUS = "BookLadder"
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
        handle_signals: bool = False,
    ) -> None:
        """``freeze_heap_after``: seconds after mount to freeze the startup heap (a
        process-wide act, so the command asks for it; tests and embedders do not).
        ``replay``: the feed replays a recording (``--replay``): REPLAY in the status
        bar, its keys shown, and the app exits at its end unless told otherwise.
        ``alerts``: rules evaluated on the feed's thread; firings go to the Alerts panel,
        a toast and the bell, as ``alerts.outputs`` says per rule kind.
        ``handle_signals``: SIGTERM, SIGHUP and SIGINT stop the app as ``q`` does."""
        super().__init__()
        self.alerts = alerts or AlertSettings()
        self._alert_runtime = None  # set with the feed (app_modes._feed_sink)
        self.replay = replay
        self._exit_at_replay_end = exit_at_replay_end
        self._freeze_heap_after = freeze_heap_after
        self._handle_signals = handle_signals
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
        self._init_market(config.symbols[0])
        self._precisions: dict[str, tuple[int, int]] = {}  # written on the feed's thread
        self._stopping = False
        self._notices = NoticeState(
            log_path=config.log_path or default_log_path(),
            config_source=str(config.source) if config.source else "the config file",
        )
        self._main: Screen | None = None  # the monitor screen, once mounted
        self.feed_done = threading.Event()  # set when the feed thread has finished
        self.events_seen = 0  # feed events handled on the UI loop (tests wait on this)
        self._panel_updates: dict[str, Callable[[], None]] = {}  # latest per panel wins
        self._last_orders: OrdersUpdated | None = None
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
        yield TickerStrip(id="ticker")
        with Horizontal(id="main"):
            # One ladder per symbol, only the current one displayed; no tab container:
            # every container around the ladder is redrawn with it at each paint.
            for i, symbol in enumerate(self.symbols):
                yield BookLadder(symbol, self.depth, symbols=self.symbols, id=f"book-{i}",
                                 classes=None if i == 0 else "-hidden")
            with Vertical(id="side", classes="-alerts" if self.alerts.rules else ""):
                with Horizontal(id="market"):
                    yield PriceChart(id="chart")
                    yield TradeTape(id="tape")
                yield HealthPanel(self.clock, self.config.heartbeat_timeout, id="health")
                yield OrdersTable(self.clock, id="orders")
                yield MyFills(id="fills")
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
            ConnectionChanged: self._on_connection,
            FillReported: self._on_fill,
            SystemStatusChanged: self._health.on_system,
            RoundTrip: self._health.on_rtt,
            DeadManSwitch: self._health.on_dms,
            ModeChanged: self._health.on_mode,
            ReplayProgress: self._on_replay_progress,
            **self._cancel_views(),
        }
        if self._handle_signals:
            self.stop_on_signals()
        self._mount_market(self.symbols[0])
        self._apply_size(*self.size)
        self._update_status()
        self.set_interval(1.0, lambda: self._defer_panel("tick", self.tick))
        self._feed = self._feed_factory(self.config, self._feed_sink())
        self._focus_feed(self.symbols[0])
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

    def on_resize(self, event: events.Resize) -> None:
        # The event's size: ``self.size`` still holds the previous one here, which left
        # the layout one resize behind (narrow after growing, wide after shrinking).
        self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        if self._main is not None:
            self._main.set_class(width < NARROW_BELOW, "-narrow")
            self._main.set_class(height < SHORT_BELOW, "-short")
            footer = self._main.query_one(Footer)
            footer.compact = width < FULL_FOOTER_FROM
            palette = width >= FULL_FOOTER_FROM
            if footer.show_command_palette != palette:
                footer.show_command_palette = palette
                footer.refresh(recompose=True)  # Footer reads it in compose() only

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
            view = event.view
            if view is not None and event.symbol not in self._precisions:
                self._precisions[event.symbol] = (view.price_precision, view.qty_precision)
                self.post_message(PrecisionLearned(event.symbol, *self._precisions[event.symbol]))
            if self._mailbox.put(event):
                self.post_message(BookMessage(event))
        elif not self._market_sink(event):
            self.post_message(wrap_event(event))

    def _focus_feed(self, symbol: str) -> None:
        """Tell the feed which book is on screen (a scripted feed may not care)."""
        focus = getattr(self._feed, "focus_symbol", None)
        if focus is not None:
            focus(symbol)

    def _on_connection(self, event: ConnectionChanged) -> None:
        self._health.on_connection(event)
        self._fills_follow(event)

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
        if ladder.paints != paints:
            self._paint_market_along()  # into the same compositor pass as the book
            if self._panel_updates:
                self._flush_panels()
        if event.valid and self._notices.banners:
            self._apply(book_trusted(event.symbol, self._notices))

    @while_running
    def on_orders_message(self, message: OrdersMessage) -> None:
        self.events_seen += 1
        event = message.event
        self._last_orders = event
        self._defer_panel("orders", lambda: self._orders.apply(event.orders, event.valid))
        if self._cancel_paints_now(event):  # an order we cancel leaves the table at once
            self._flush_panels()
        for ladder in self._ladders.values():  # markers: in the ladder's own next paint
            ladder.set_own_orders(event.orders)

    @while_running
    def on_precision_learned(self, message: PrecisionLearned) -> None:
        self._orders.precisions[message.symbol] = (message.price, message.qty)
        event = self._last_orders
        if event is not None and any(o.symbol == message.symbol for o in event.orders):
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
                          self.clock(), replay=self.replay, trading=self.trading_mode)
