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

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from kraken_tui.config import DEPTHS, Config
from kraken_tui.feed.events import (
    BookUpdated,
    ConnectionChanged,
    DeadManSwitch,
    FeedError,
    FeedEvent,
    HeartbeatTimeout,
    ModeChanged,
    PairStatusChanged,
    Reconciled,
    ResyncDone,
    ResyncStarted,
    RoundTrip,
    SystemStatusChanged,
)
from kraken_tui.ui.messages import (
    BalancesMessage,
    BookMessage,
    FeedEventMessage,
    OrdersMessage,
    StatsMessage,
    wrap_event,
)
from kraken_tui.ui.widgets.balances import BalancesTable
from kraken_tui.ui.widgets.banner import BannerStack
from kraken_tui.ui.widgets.book import BookLadder
from kraken_tui.ui.widgets.health import HealthPanel, state_text, system_style
from kraken_tui.ui.widgets.orders import OrdersTable

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
        if self.is_running:
            handler(self, *args)

    return guarded  # type: ignore[return-value]


class FeedLike(Protocol):
    """What the app needs from a feed: the real ``Feed`` or a scripted fake."""

    async def run(self) -> None: ...
    def stop(self) -> None: ...
    def request_resync(self, symbol: str | None = None) -> None: ...
    def set_depth(self, depth: int) -> None: ...


FeedFactory = Callable[[Config, Sink], FeedLike]

class BookMailbox:
    """Latest book event per symbol, shared between the feed thread and the UI loop.

    At most one message per symbol is in flight; a burst only replaces the stored
    event. Books that are not shown are *parked*: their views wait here, and the UI
    loop is woken only when such a book's validity changes (its banners and stale
    marks must follow at once). Switching symbols takes the parked view. In the demo
    the hidden books were two thirds of the UI loop's wake-ups.
    """

    def __init__(self, shown: str | None = None) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, BookUpdated] = {}
        self._in_flight: set[str] = set()  # symbols with a message posted, not yet taken
        self._valid_told: dict[str, bool] = {}  # validity the UI last took, per symbol
        self._shown = shown
        self.coalesced = 0  # events superseded before the UI saw them

    def put(self, event: BookUpdated) -> bool:
        """Store ``event``; True when the UI loop should be sent a message for it."""
        symbol = event.symbol
        with self._lock:
            if symbol in self._latest:
                self.coalesced += 1
            self._latest[symbol] = event
            if symbol in self._in_flight:
                return False
            if symbol != self._shown and self._valid_told.get(symbol) == event.valid:
                return False  # parked
            self._in_flight.add(symbol)
            return True

    def take(self, symbol: str) -> BookUpdated | None:
        with self._lock:
            self._in_flight.discard(symbol)
            event = self._latest.pop(symbol, None)
            if event is not None:
                self._valid_told[symbol] = event.valid
            return event

    def show(self, symbol: str) -> BookUpdated | None:
        """``symbol`` is now shown: its updates wake the UI; returns its parked view."""
        with self._lock:
            self._shown = symbol
        return self.take(symbol)

    @property
    def parked(self) -> int:
        """Events held for hidden books with no message on its way (tests count these)."""
        with self._lock:
            return len(self._latest.keys() - self._in_flight)


SYSTEM_BANNERS = {
    "maintenance": ("error", "EXCHANGE MAINTENANCE — no new orders and no cancels until it ends"),
    "cancel_only": (
        "warning",
        "EXCHANGE CANCEL-ONLY — cancels accepted, no new orders, no matching",
    ),
    "post_only": ("warning", "EXCHANGE POST-ONLY — only post-only limit orders, no matching"),
}

#: Resyncs the user caused (a depth change): no banner, no toast.
QUIET_RESYNCS = frozenset({"depth_change"})

PAIR_STATUS_TEXT = {
    "limit_only": "LIMIT-ONLY — only limit orders accepted",
    "cancel_only": "CANCEL-ONLY — cancels only",
    "post_only": "POST-ONLY — only post-only limit orders",
    "reduce_only": "REDUCE-ONLY — only orders that reduce a position",
    "maintenance": "MAINTENANCE — trading halted",
    "delisted": "DELISTED",
    "work_in_progress": "WORK IN PROGRESS — not tradable",
}


class StatusBar(Horizontal):
    """One line: app name, both endpoints' state, exchange status, pause; UTC clock on the right."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._left = Static(id="status-left")
        self._clock = Static(id="status-clock")
        self._shown: tuple[str, str] = ("", "")

    def compose(self) -> ComposeResult:
        yield self._left
        yield self._clock

    def show(self, left: Text, clock: str) -> None:
        # Both fields have fixed sizes (1fr and a constant-width clock): after the first
        # update they repaint without a screen-wide layout pass, once a second for days.
        if (left.markup, clock) == self._shown:
            return
        first = not self._shown[1]
        self._shown = (left.markup, clock)
        self._left.update(left, layout=first)
        self._clock.update(clock, layout=first)


class HelpScreen(ModalScreen[None]):
    """Every key the monitor answers to, generated from the app's bindings."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        lines = Text()
        lines.append("Keys\n\n", style="bold")
        for binding in self.app.BINDINGS:
            if not isinstance(binding, Binding) or binding.action.startswith("show_index"):
                continue
            keys = binding.key_display or binding.key.replace(",", " / ")
            lines.append(f"  {keys:<5}", style="bold cyan")
            lines.append(f"{binding.description:<16}", style="bold")
            lines.append(f"{binding.tooltip}\n")
        lines.append(f"  {'1-9':<5}", style="bold cyan")
        lines.append(f"{'Symbol n':<16}", style="bold")
        lines.append("Show the n-th symbol's book\n")
        lines.append("\nCtrl+P opens the command palette (themes, symbols, every action).\n")
        lines.append("Press Esc to close.", style="dim")
        with VerticalScroll(id="help-body"):
            yield Static(lines, id="help-text")


class SymbolSwitcher(ModalScreen[str | None]):
    """Quick symbol picker: arrows/Enter or the symbol's number."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        *[Binding(str(n), f"pick({n - 1})", f"Symbol {n}", show=False) for n in range(1, 10)],
    ]

    def __init__(self, symbols: Iterable[str], current: str) -> None:
        super().__init__()
        self._symbols = list(symbols)
        self._current = current

    def compose(self) -> ComposeResult:
        options = [Option(f"{i + 1}  {s}", id=s) for i, s in enumerate(self._symbols)]
        option_list = OptionList(*options, id="symbol-list")
        option_list.border_title = "Switch symbol"
        yield option_list

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        if self._current in self._symbols:
            option_list.highlighted = self._symbols.index(self._current)
        option_list.focus()

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self._symbols):
            self.dismiss(self._symbols[index])

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class KrakenMonitor(App[None]):
    """Order books, open orders, balances and connection health, kept honest."""

    CSS_PATH = "app.tcss"
    TITLE = "kraken-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="Quit (disarms the dead man's switch cleanly)"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="This list of keys"),
        Binding("s", "switch_symbol", "Symbol", tooltip="Pick the book to show (or press 1-9)"),
        Binding("right_square_bracket", "next_symbol", "Next symbol", key_display="]",
                show=False, tooltip="Next symbol's book"),
        Binding("left_square_bracket", "prev_symbol", "Prev symbol", key_display="[",
                show=False, tooltip="Previous symbol's book"),
        Binding("d", "cycle_depth", "Depth",
                tooltip="Cycle the subscribed depth: 10 → 25 → 100 → 500 → 1000"),
        Binding("p", "toggle_pause", "Pause",
                tooltip="Freeze the ladders to read them (data keeps flowing)"),
        Binding("r", "resync", "Resync",
                tooltip="Rebuild the shown book from a fresh snapshot"),
        Binding("t", "toggle_side", "Panels",
                tooltip="Hide/show the side panels (narrow screens: swap book and panels)"),
        Binding("h", "toggle_panel('health')", "Health panel", show=False,
                tooltip="Hide/show the connection panel"),
        Binding("o", "toggle_panel('orders')", "Orders panel", show=False,
                tooltip="Hide/show open orders"),
        Binding("b", "toggle_panel('balances')", "Balances panel", show=False,
                tooltip="Hide/show balances"),
        *[Binding(str(n), f"show_index({n - 1})", f"Symbol {n}", show=False) for n in range(1, 10)],
    ]

    def __init__(
        self,
        config: Config,
        feed_factory: FeedFactory | None = None,
        *,
        clock: Callable[[], float] = time.time,
        toasts: bool = True,
        freeze_heap_after: float | None = None,
    ) -> None:
        """``freeze_heap_after``: seconds after mount to freeze the startup heap (a
        process-wide act, so the command asks for it; tests and embedders do not)."""
        super().__init__()
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
        self._system: str | None = None
        self._resync_reason: dict[str, str] = {}
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
            with Vertical(id="side"):
                yield HealthPanel(self.clock, self.config.heartbeat_timeout, id="health")
                yield OrdersTable(self.clock, id="orders")
                yield BalancesTable(id="balances")
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
        self._apply_width(self.size.width)
        self._update_status()
        self.set_interval(1.0, lambda: self._defer_panel("tick", self.tick))
        self._feed = self._feed_factory(self.config, self._sink)
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
        banners = self._banners
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            log.error("feed stopped with an error", exc_info=error)
            banners.set_banner(
                "feed", f"FEED STOPPED — {error!r}; data is frozen (see log)", "error"
            )
            self._mark_all_stale("feed stopped")
        elif event.state == WorkerState.SUCCESS and not self._stopping:
            banners.set_banner("feed", "FEED ENDED — data is frozen; restart the monitor", "error")
            self._mark_all_stale("feed stopped")

    # -- routing feed events --------------------------------------------------

    def _ladder(self, symbol: str) -> BookLadder | None:
        return self._ladders.get(symbol)

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
        ladder = self._ladder(event.symbol)
        if ladder is None:
            return
        paints = ladder.paints
        ladder.show(event.view, event.valid, event.reason)
        if ladder.paints != paints and self._panel_updates:
            self._flush_panels()  # into the same compositor pass as the book
        if event.valid:
            self._banners.clear_banner(f"resync:{event.symbol}")

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
        health, banners = self._health, self._banners
        if isinstance(event, ConnectionChanged):
            self._on_connection(event, health, banners)
        elif isinstance(event, SystemStatusChanged):
            log.info("exchange status %s", event.system)
            health.on_system(event)
            previous, self._system = self._system, event.system
            if event.system in SYSTEM_BANNERS:
                severity, text = SYSTEM_BANNERS[event.system]
                banners.set_banner("system", text, severity)
            else:
                banners.clear_banner("system")
                if previous in SYSTEM_BANNERS and event.system == "online":
                    self._toast("Exchange is back online")
            self._update_status()
        elif isinstance(event, PairStatusChanged):
            log.info("pair %s status %s", event.symbol, event.status)
            if event.status == "online":
                banners.clear_banner(f"pair:{event.symbol}")
            else:
                text = PAIR_STATUS_TEXT.get(event.status, event.status.upper())
                banners.set_banner(f"pair:{event.symbol}", f"{event.symbol} {text}", "warning")
        elif isinstance(event, ResyncStarted):
            log.warning("resync %s: %s (#%d)", event.symbol, event.reason, event.count)
            self._resync_reason[event.symbol] = event.reason
            if event.reason in QUIET_RESYNCS:
                return  # asked for by the user; the stale ladder says enough
            reason = event.reason.replace("_", " ")
            banners.set_banner(
                f"resync:{event.symbol}",
                f"{event.symbol} RESYNCING — {reason}; rebuilding the book from a fresh "
                f"snapshot (resync #{event.count})",
                "warning",
            )
            # The ladder goes stale through the feed's own BookUpdated(valid=False); marking
            # it here could land after a newer valid view that the mailbox already holds.
        elif isinstance(event, ResyncDone):
            banners.clear_banner(f"resync:{event.symbol}")
            if self._resync_reason.pop(event.symbol, "") not in QUIET_RESYNCS:
                self._toast(f"{event.symbol} book resynced")
        elif isinstance(event, RoundTrip):
            health.on_rtt(event)
        elif isinstance(event, DeadManSwitch):
            health.on_dms(event)
            if event.error:
                log.error("dead man's switch failing: %s", event.error)
                banners.set_banner(
                    "dms",
                    f"DEAD MAN'S SWITCH FAILING — {event.error}; open orders are NOT protected",
                    "error",
                )
            else:
                banners.clear_banner("dms")
        elif isinstance(event, ModeChanged):
            self._on_mode(event, health, banners)
        elif isinstance(event, Reconciled):
            log.info("reconciled %s: %d changes (%s)", event.what, event.changes, event.reason)
            if event.changes:
                self._toast(f"{event.what.capitalize()} reconciled: {event.changes} corrected")
        elif isinstance(event, HeartbeatTimeout):
            log.warning("%s heartbeat timeout after %.1fs", event.endpoint, event.silence)
            self._toast(
                f"{event.endpoint.capitalize()} feed silent for {event.silence:.1f}s"
                " — reconnecting",
                "warning",
            )
        elif isinstance(event, FeedError):
            log.warning("feed error (%s): %s %s", event.endpoint, event.error, event.detail)
            if event.endpoint == "rest":
                self._toast(f"REST: {event.error}", "warning")

    def _on_connection(
        self, event: ConnectionChanged, health: HealthPanel, banners: BannerStack
    ) -> None:
        log.info(
            "%s %s attempt=%d delay=%s %s",
            event.endpoint, event.state, event.attempt, event.delay, event.reason,
        )
        reconnect = health.endpoints[event.endpoint].ever_connected
        health.on_connection(event)
        key = f"conn:{event.endpoint}"
        what = (
            "books are stale"
            if event.endpoint == "public"
            else "orders and balances may be stale"
        )
        if event.state in ("backoff", "disconnected"):
            why = f" ({event.reason})" if event.reason else ""
            banners.set_banner(
                key, f"{event.endpoint.upper()} FEED DOWN{why} — {what}; reconnecting", "error"
            )
        elif event.state == "connected":
            had_banner = key in banners.active
            banners.clear_banner(key)
            if had_banner or reconnect:
                self._toast(f"{event.endpoint.capitalize()} feed reconnected")
        self._update_status()

    def _on_mode(self, event: ModeChanged, health: HealthPanel, banners: BannerStack) -> None:
        health.set_private_enabled(event.private)
        orders, balances = self._orders, self._balances
        if event.private:
            banners.clear_banner("mode")
            orders.border_subtitle = ""
            balances.border_subtitle = ""
        else:
            source = self.config.source or "the config file"
            note = event.note or "no API keys"
            banners.set_banner(
                "mode",
                f"PUBLIC-ONLY MODE — {note}. Orders, balances and the dead man's switch are off. "
                f"Set KRAKEN_API_KEY and KRAKEN_API_SECRET (or api_key/api_secret in {source}).",
                "info",
            )
            orders.border_subtitle = "needs API keys"
            balances.border_subtitle = "needs API keys"
        self._update_status()

    # -- periodic (1 Hz) ------------------------------------------------------

    @while_running
    def tick(self) -> None:
        """Ages, countdowns, stats and RTT; state changes draw as their messages arrive."""
        self._health.tick()
        self._orders.tick()
        self._update_status()

    def _update_status(self) -> None:
        health = self._health
        now = self.clock()
        line = Text()
        line.append(" kraken-tui ", style="bold reverse")
        for ep in ("public", "private"):
            line.append(f"  {ep} ", style="dim")
            line.append_text(state_text(health.endpoints[ep], now))
        system = self._system or "unknown"
        line.append("  exchange ", style="dim")
        line.append(system.replace("_", " "), style=system_style(self._system))
        if self.paused:
            line.append("  ❚❚ PAUSED", style="bold yellow")
        self._status.show(line, time.strftime("%H:%M:%S UTC ", time.gmtime(now)))

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
        yield SystemCommand("Help", "List every key", self.action_help)
        for symbol in self.symbols:
            yield SystemCommand(f"Show {symbol}", f"Switch the book to {symbol}",
                                lambda s=symbol: self.select_symbol(s))
