"""The feed: the only code that touches Kraken's sockets.

One reconnect loop per endpoint (public book/status/instrument, private
executions/balances). Each loop: connect → (private: fresh token) → subscribe
from the registry → rebuild state from snapshots → apply updates, until the
connection dies or goes silent past the heartbeat deadline; then back off and
start again. A book is never shown as valid across a gap: every (re)connect
starts from a fresh snapshot, and a checksum mismatch forces a resubscribe.

Everything it learns leaves as typed events (``events.py``) through ``sink``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from kraken_tui.config import DEFAULT_REST_URL, DEFAULT_WS_AUTH_URL, DEFAULT_WS_URL, DEPTHS
from kraken_tui.feed.backoff import MAINTENANCE_MIN_DELAY_S, AttemptBudget, Backoff
from kraken_tui.feed.deadman import DeadManSwitchKeeper
from kraken_tui.feed.events import (
    BalancesUpdated,
    BookUpdated,
    ConnectionChanged,
    Endpoint,
    FeedError,
    FeedEvent,
    FeedStats,
    HeartbeatTimeout,
    ModeChanged,
    OrdersUpdated,
    PairStatusChanged,
    Reconciled,
    ResyncDone,
    ResyncStarted,
    RoundTrip,
    SystemStatusChanged,
)
from kraken_tui.feed.rest import KrakenRest, KrakenRestError
from kraken_tui.kraken.balances import Balances
from kraken_tui.kraken.book import BookDataError, OrderBook
from kraken_tui.kraken.frames import (
    BalancesFrame,
    BookData,
    BookFrame,
    ExecutionsFrame,
    FrameError,
    HeartbeatFrame,
    InstrumentFrame,
    MethodResponse,
    PongFrame,
    StatusFrame,
    decode_frame,
    ping_request,
    subscribe_request,
    unsubscribe_request,
)
from kraken_tui.kraken.instruments import InstrumentTable, normalize_asset
from kraken_tui.kraken.models import Order
from kraken_tui.kraken.orders import OpenOrders, orders_from_rest

log = logging.getLogger(__name__)

#: websockets logs every frame at DEBUG, and private subscribe frames carry the token.
#: Its logger for our sockets is pinned at WARNING so no log level can ever print one.
_wire_log = logging.getLogger("kraken_tui.feed.wire")
_wire_log.setLevel(logging.WARNING)


#: A checksum resync closer than this to the previous one backs off; a symbol
#: that has been quiet this long starts again from an immediate resync.
RESYNC_QUIET_S = 60.0
#: Errors that no retry can fix.
PERMANENT_SUBSCRIBE_ERRORS = ("Currency pair not supported", "Subscription depth not supported")


@dataclass(frozen=True)
class FeedConfig:
    """What to watch and where. Endpoints default to Kraken's; tests point them at the simulator."""

    symbols: tuple[str, ...] = ("BTC/USD",)
    depth: int = 10
    ws_url: str = DEFAULT_WS_URL
    ws_auth_url: str = DEFAULT_WS_AUTH_URL
    rest_url: str = DEFAULT_REST_URL
    api_key: str | None = field(default=None, repr=False)
    api_secret: str | None = field(default=None, repr=False)
    #: None: private channels whenever credentials are present.
    private: bool | None = None
    heartbeat_timeout: float = 5.0
    ping_interval: float = 15.0
    dead_man_switch: int | None = None
    #: 0 emits a book view on every frame; > 0 at most one per interval per book: the
    #: first change after a quiet interval goes out at once, later ones as one view
    #: when the interval is up (so an isolated update waits for nothing).
    book_emit_interval: float = 0.0
    #: Levels per side in emitted views: a screen shows a few dozen, and a full
    #: depth-1000 view costs about a millisecond to build.
    view_levels: int = 50
    stats_interval: float = 1.0
    backoff_initial: float = 1.0
    backoff_cap: float = 60.0
    connect_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.depth not in DEPTHS:
            raise ValueError(f"depth must be one of {DEPTHS}, not {self.depth}")
        if not self.symbols:
            raise ValueError("at least one symbol is needed")
        if self.heartbeat_timeout <= 0:
            raise ValueError("heartbeat_timeout must be positive")

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key and self.api_secret)

    @property
    def wants_private(self) -> bool:
        return self.has_credentials if self.private is None else self.private


#: A connection's session: runs until the socket closes; sets result["delivered"]
#: once every snapshot it asked for has arrived.
Session = Callable[[ClientConnection, dict[str, bool]], Awaitable[None]]

BookPhase = Literal["subscribing", "live", "unsubscribing", "waiting", "failed"]


@dataclass
class _BookState:
    symbol: str
    depth: int
    phase: BookPhase = "subscribing"
    book: OrderBook | None = None
    valid: bool = False
    reason: str = "awaiting_snapshot"
    resyncs: int = 0
    resyncing: bool = False
    last_resync: float = -1e9
    dirty: bool = False
    emitted_at: float = -1e9  # loop time of the last view sent
    flush: asyncio.TimerHandle | None = None  # the pending trailing view, if any
    backoff: Backoff = field(default_factory=Backoff)


@dataclass
class _EndpointStats:
    frames: int = 0
    malformed: int = 0
    reconnects: int = 0
    resyncs: int = 0
    last_rx: float | None = None
    last_heartbeat: float | None = None
    token_at: float | None = None
    frames_at_last_tick: int = 0
    last_tick: float = 0.0


class Feed:
    """Owns both Kraken connections; see the module docstring."""

    def __init__(
        self,
        config: FeedConfig,
        sink: Callable[[FeedEvent], None],
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._sink = sink
        self._rng = rng or random.Random()
        self._clock = clock
        self.depth = config.depth
        self.instruments = InstrumentTable()
        self.orders = OpenOrders()
        self.balances = Balances()
        self.system_status: str | None = None
        self.budget = AttemptBudget(clock=clock)
        self.stats: dict[Endpoint, _EndpointStats] = {
            "public": _EndpointStats(),
            "private": _EndpointStats(),
        }
        self._books: dict[str, _BookState] = {
            s: _BookState(s, config.depth, backoff=self._new_backoff()) for s in config.symbols
        }
        self._req_ids = itertools.count(1)
        self._pings: dict[int, tuple[Endpoint, float]] = {}
        self._public_ws: ClientConnection | None = None
        self._private_ws: ClientConnection | None = None
        self._public_generation = 0
        self._books_requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._stop_requested = False
        self.rest: KrakenRest | None = None
        self.dms: DeadManSwitchKeeper | None = None
        # Reconciliation against REST: which orders/assets the stream touched, and when.
        self._exec_counter = 0
        self._order_touch: dict[str, int] = {}
        self._balance_counter = 0
        self._asset_touch: dict[str, int] = {}
        self._reconcile_tasks: dict[str, asyncio.Task[None]] = {}
        self._reconcile_again: dict[str, str] = {}
        self._orders_valid = False
        self._balances_valid = False
        self._private_snapshots: set[str] = set()
        self._public_result: dict[str, bool] = {}
        self._private_result: dict[str, bool] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ control

    def stop(self) -> None:
        """Ask the feed to finish; safe from any thread."""
        self._stop_requested = True
        if self._loop is not None and self._stop_event is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                self._loop.call_soon_threadsafe(self._stop_event.set)

    def request_resync(self, symbol: str | None = None) -> None:
        """Force a fresh snapshot for one symbol (or all); safe from any thread."""
        symbols = [symbol] if symbol else list(self._books)
        for s in symbols:
            self._call_threadsafe(self._start_resync, s, "user_request")

    def set_depth(self, depth: int) -> None:
        """Resubscribe every book at ``depth``; safe from any thread."""
        if depth not in DEPTHS:
            raise ValueError(f"depth must be one of {DEPTHS}")
        self._call_threadsafe(self._change_depth, depth)

    def book(self, symbol: str) -> OrderBook | None:
        """The live book for ``symbol`` (None while awaiting a snapshot); feed thread only."""
        st = self._books.get(symbol)
        return st.book if st is not None else None

    def book_is_valid(self, symbol: str) -> bool:
        st = self._books.get(symbol)
        return st is not None and st.valid

    def _call_threadsafe(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._loop is None:
            return
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(fn, *args)

    def emit(self, event: FeedEvent) -> None:
        try:
            self._sink(event)
        except Exception:  # a broken consumer must not take the feed down
            log.exception("event sink failed on %s", event.kind)

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        """Run both connections until ``stop()``; disarm the DMS only on this clean path."""
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        if self._stop_requested:
            return
        cfg = self.config
        self.rest = KrakenRest(cfg.rest_url, cfg.api_key, cfg.api_secret)
        private = cfg.wants_private and cfg.has_credentials
        if private:
            self.emit(ModeChanged(private=True))
        else:
            note = "no API keys" if not cfg.has_credentials else "private channels not requested"
            self.emit(ModeChanged(private=False, note=note))
        self._spawn(self._public_loop(), "public")
        if private:
            self._spawn(self._private_loop(), "private")
            if cfg.dead_man_switch:
                self.dms = DeadManSwitchKeeper(self.rest, cfg.dead_man_switch, self.emit)
                self._spawn(self.dms.run(), "dead man's switch")
        self._spawn(self._ticker(), "stats")
        try:
            await self._stop_event.wait()
        finally:
            for task in list(self._tasks) + list(self._reconcile_tasks.values()):
                task.cancel()
            await asyncio.gather(*self._tasks, *self._reconcile_tasks.values(),
                                 return_exceptions=True)
        # Reached only on a clean stop (an exception above skips it): disarm the switch.
        if self.dms is not None:
            await self.dms.disarm()
        await self.rest.aclose()

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("feed task %s crashed", task.get_name(), exc_info=exc)
            self.emit(FeedError("public", "internal error", f"{task.get_name()}: {exc!r}"))

    def _new_backoff(self) -> Backoff:
        return Backoff(
            initial=self.config.backoff_initial, cap=self.config.backoff_cap, rng=self._rng
        )

    async def _sleep_or_stop(self, delay: float) -> None:
        assert self._stop_event is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), timeout=delay)

    @property
    def stopping(self) -> bool:
        return self._stop_requested or (self._stop_event is not None and self._stop_event.is_set())

    # ------------------------------------------------------------------ reconnect loop

    async def _connection_loop(
        self,
        endpoint: Endpoint,
        url: str,
        session: Session,
    ) -> None:
        backoff = self._new_backoff()
        stats = self.stats[endpoint]
        first = True
        while not self.stopping:
            wait = self.budget.wait_time()
            if wait > 0:
                self.emit(ConnectionChanged(endpoint, "backoff", backoff.failures + 1, wait,
                                            "connection attempt budget"))
                await self._sleep_or_stop(wait)
                continue
            attempt = backoff.failures + 1
            self.emit(ConnectionChanged(endpoint, "connecting", attempt))
            self.budget.record()
            if not first:
                stats.reconnects += 1
            first = False
            delivered = False
            reason = ""
            try:
                async with connect(
                    url,
                    open_timeout=self.config.connect_timeout,
                    ping_interval=None,  # liveness is our heartbeat deadline + app pings
                    close_timeout=1,
                    max_size=2**24,
                    logger=_wire_log,
                ) as ws:
                    self.emit(ConnectionChanged(endpoint, "connected", attempt))
                    stats.last_rx = self._clock()
                    delivered, reason = await self._watched(ws, endpoint, session)
            except InvalidStatus as exc:
                reason = f"refused: HTTP {exc.response.status_code}"
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                reason = f"connect failed: {type(exc).__name__}: {exc}"
            except ConnectionClosed as exc:
                reason = _closed_reason(exc)
            except Exception as exc:  # a bug of ours: log it, then rebuild from fresh snapshots
                log.exception("%s: internal error; reconnecting", endpoint)
                reason = f"internal error: {type(exc).__name__}"
                self.emit(FeedError(endpoint, "internal error", f"{type(exc).__name__}: {exc}"))
            finally:
                self._on_disconnect(endpoint, reason or "disconnected")
            if self.stopping:
                break
            if delivered:
                backoff.reset()
            maintenance = self.system_status == "maintenance" or reason.startswith("refused")
            delay = backoff.next_delay(floor=MAINTENANCE_MIN_DELAY_S if maintenance else 0.0)
            self.emit(ConnectionChanged(endpoint, "disconnected", attempt, None, reason))
            self.emit(ConnectionChanged(endpoint, "backoff", backoff.failures, delay, reason))
            log.info("%s connection lost (%s); retrying in %.2fs", endpoint, reason, delay)
            await self._sleep_or_stop(delay)
        self.emit(ConnectionChanged(endpoint, "disconnected", 0, None, "stopped"))

    async def _watched(
        self, ws: ClientConnection, endpoint: Endpoint, session: Session
    ) -> tuple[bool, str]:
        """Run a session with a heartbeat deadline and periodic pings beside it."""
        watchdog = asyncio.create_task(self._watchdog(ws, endpoint))
        pinger = asyncio.create_task(self._pinger(ws, endpoint))
        result: dict[str, bool] = {"delivered": False}
        try:
            await session(ws, result)
            reason = "closed by server"
        except ConnectionClosed as exc:
            reason = _closed_reason(exc)
        finally:
            watchdog.cancel()
            pinger.cancel()
        if watchdog.done() and not watchdog.cancelled() and watchdog.exception() is None:
            reason = "heartbeat timeout"  # the watchdog returns only after aborting the socket
        return result["delivered"], reason

    async def _watchdog(self, ws: ClientConnection, endpoint: Endpoint) -> None:
        """Close the socket when nothing at all arrived within the deadline (TCP may never say)."""
        stats = self.stats[endpoint]
        limit = self.config.heartbeat_timeout
        tick = min(0.25, limit / 4)
        while True:
            await asyncio.sleep(tick)
            last = stats.last_rx if stats.last_rx is not None else self._clock()
            silence = self._clock() - last
            if silence > limit:
                log.warning("%s: no message for %.1fs; reconnecting", endpoint, silence)
                self.emit(HeartbeatTimeout(endpoint, round(silence, 3)))
                if endpoint == "public":
                    self._invalidate_books("heartbeat_timeout")
                else:
                    self._invalidate_private("heartbeat_timeout")
                ws.transport.abort()
                return

    async def _pinger(self, ws: ClientConnection, endpoint: Endpoint) -> None:
        """App-level pings: measure the round trip (first one at once) and keep us un-idle."""
        while True:
            req_id = next(self._req_ids)
            self._pings[req_id] = (endpoint, self._clock())
            if len(self._pings) > 100:  # pongs that never came: forget the oldest
                del self._pings[next(iter(self._pings))]
            await ws.send(ping_request(req_id))
            await asyncio.sleep(self.config.ping_interval)

    def _on_pong(self, frame: PongFrame) -> None:
        sent = self._pings.pop(frame.req_id, None) if frame.req_id is not None else None
        if sent is not None:
            endpoint, at = sent
            self.emit(RoundTrip(endpoint, round((self._clock() - at) * 1000, 3)))

    def _on_disconnect(self, endpoint: Endpoint, reason: str) -> None:
        if endpoint == "public":
            self._public_ws = None
            self._public_generation += 1
            self._invalidate_books(reason if reason == "heartbeat_timeout" else "disconnected")
        else:
            self._private_ws = None
            self._invalidate_private("disconnected")

    # ------------------------------------------------------------------ public side

    async def _public_loop(self) -> None:
        await self._connection_loop("public", self.config.ws_url, self._public_session)

    async def _public_session(self, ws: ClientConnection, result: dict[str, bool]) -> None:
        self._public_ws = ws
        self._books_requested = False
        for state in self._books.values():
            state.book = None
            state.phase = "subscribing"
            state.depth = self.depth
            state.resyncing = False
        self._public_result = result
        await ws.send(subscribe_request("instrument", req_id=next(self._req_ids)))
        await self._read(ws, "public")

    async def _read(self, ws: ClientConnection, endpoint: Endpoint) -> None:
        """Decode and route every frame until the socket closes (the hot loop)."""
        stats = self.stats[endpoint]
        clock = self._clock
        handlers = self._frame_handlers(endpoint)
        async for raw in ws:
            stats.frames += 1
            stats.last_rx = clock()
            frame = decode_frame(raw)
            handler = handlers.get(type(frame))
            if handler is not None:
                handler(frame)

    def _subscribe_books(self, symbols: list[str]) -> None:
        ws = self._public_ws
        if ws is None or not symbols:
            return
        for s in symbols:
            st = self._books[s]
            st.phase = "subscribing"
            st.depth = self.depth
        self._send(ws, subscribe_request("book", symbols=symbols, depth=self.depth,
                                         req_id=next(self._req_ids)))

    def _send(self, ws: ClientConnection, text: str) -> None:
        task = asyncio.ensure_future(ws.send(text))
        task.add_done_callback(_ignore_closed)

    def _frame_handlers(self, endpoint: Endpoint) -> dict[type, Callable[[Any], None]]:
        """Which method takes each decoded frame type on ``endpoint`` (others are ignored)."""
        stats = self.stats[endpoint]

        def heartbeat(_: HeartbeatFrame) -> None:
            stats.last_heartbeat = stats.last_rx

        common: dict[type, Callable[[Any], None]] = {
            HeartbeatFrame: heartbeat,
            StatusFrame: self._on_status,
            PongFrame: self._on_pong,
            FrameError: lambda frame: self._on_malformed(endpoint, frame),
        }
        if endpoint == "public":
            return {
                BookFrame: self._on_book_frame,
                MethodResponse: self._on_public_response,
                InstrumentFrame: self._on_instrument,
                **common,
            }
        return {
            ExecutionsFrame: self._on_executions,
            BalancesFrame: self._on_balances,
            MethodResponse: self._on_private_response,
            **common,
        }

    def _on_book_frame(self, frame: BookFrame) -> None:
        for data in frame.books:
            self._on_book(data, frame.is_snapshot)

    def _on_malformed(self, endpoint: Endpoint, frame: FrameError) -> None:
        stats = self.stats[endpoint]
        stats.malformed += 1
        log.warning("%s: malformed frame #%d: %s", endpoint, stats.malformed, frame.reason)
        # Report the first few, then one in a hundred: a flood must not flood the UI.
        if stats.malformed <= 10 or stats.malformed % 100 == 0:
            self.emit(FeedError(endpoint, "malformed frame", frame.reason))

    def _on_status(self, frame: StatusFrame) -> None:
        system = frame.system
        if system == self.system_status:
            return
        previous, self.system_status = self.system_status, system
        self.emit(SystemStatusChanged(system, frame.version))
        if system == "maintenance":
            self._invalidate_books("maintenance")
        elif previous == "maintenance":
            for st in self._books.values():
                if st.book is not None and st.phase == "live":
                    self._mark_valid(st)

    def _on_instrument(self, frame: InstrumentFrame) -> None:
        for symbol, status in self.instruments.apply(frame):
            self.emit(PairStatusChanged(symbol, status))
        if not self._books_requested:
            self._books_requested = True
            self._subscribe_books([s for s, st in self._books.items() if st.phase != "failed"])

    async def _precision_from_rest(self) -> None:
        """Fallback when the instrument channel is refused: REST AssetPairs."""
        assert self.rest is not None
        try:
            self.instruments.apply_asset_pairs(await self.rest.asset_pairs())
        except KrakenRestError as exc:
            self.emit(FeedError("rest", "AssetPairs failed", str(exc)))
        if not self._books_requested:
            self._books_requested = True
            self._subscribe_books(list(self._books))

    def _on_public_response(self, resp: MethodResponse) -> None:
        symbol = resp.symbol
        state = self._books.get(symbol) if symbol else None
        if resp.success:
            unsubscribed = resp.method == "unsubscribe" and state is not None
            if unsubscribed and state.phase == "unsubscribing":
                self._schedule_resubscribe(state)
            return
        error = resp.error or "unknown error"
        channel = resp.channel
        log.warning("public %s refused: %s (%s)", resp.method, error, symbol)
        self.emit(FeedError("public", f"{resp.method} refused", f"{symbol or channel}: {error}"))
        if channel == "instrument" or (not symbol and not self._books_requested):
            self._spawn(self._precision_from_rest(), "asset pairs")
            return
        targets = [state] if state is not None else [
            st for st in self._books.values() if st.phase == "subscribing"
        ]
        for st in targets:
            if "Subscription Not Found" in error and st.phase == "unsubscribing":
                self._schedule_resubscribe(st)
            elif "Already subscribed" in error:
                # We think we are not subscribed; start clean.
                st.phase = "live"
                self._start_resync(st.symbol, "already_subscribed")
            elif any(p in error for p in PERMANENT_SUBSCRIBE_ERRORS):
                st.phase = "failed"
                self._set_invalid(st, f"refused: {error}")
            elif st.phase == "subscribing":
                self._set_invalid(st, "subscribe_refused")
                st.phase = "unsubscribing"  # reuse the paced resubscribe path
                self._schedule_resubscribe(st)

    def _on_book(self, data: BookData, is_snapshot: bool) -> None:
        st = self._books.get(data.symbol)
        if st is None or (st.phase != "live" and st.phase != "subscribing"):
            return  # not ours, or mid-resync: nothing to apply it to
        book = st.book
        if data.checksum is None or (is_snapshot and st.phase != "subscribing"):
            # v2 puts a checksum on every snapshot and update, and sends a snapshot only
            # right after a subscribe: anything else cannot be verified, so start clean.
            self._start_resync(data.symbol, "unverifiable_book_message")
            return
        if is_snapshot:
            info = self.instruments.get(data.symbol)
            if info is None:
                self.emit(FeedError("public", "no precision", f"{data.symbol}: instrument unknown"))
                self._start_resync(data.symbol, "no_precision")
                return
            book = st.book = OrderBook(data.symbol, st.depth, info.price_precision,
                                       info.qty_precision)
        elif book is None:
            return  # updates before the snapshot cannot be applied
        try:
            ok = book.apply(data, is_snapshot)
        except BookDataError as exc:
            log.warning("%s: unusable book data: %s", data.symbol, exc)
            ok = False
        if not ok:
            self._start_resync(data.symbol, "checksum_mismatch")
            return
        if is_snapshot:
            st.phase = "live"
            if st.resyncing:
                st.resyncing = False
                self.emit(ResyncDone(data.symbol))
            if all(s.phase == "live" or s.phase == "failed" for s in self._books.values()):
                self._public_result["delivered"] = True
        if self.system_status == "maintenance":
            return
        interval = self.config.book_emit_interval
        if interval <= 0 or not st.valid:
            self._mark_valid(st)
            return
        loop = asyncio.get_running_loop()
        wait = st.emitted_at + interval - loop.time()
        if wait <= 0:
            self._mark_valid(st)
        else:
            st.dirty = True
            if st.flush is None:
                st.flush = loop.call_later(wait, self._flush_book, st)

    def _mark_valid(self, st: _BookState) -> None:
        assert st.book is not None
        st.valid = True
        st.reason = ""
        st.dirty = False
        st.emitted_at = asyncio.get_running_loop().time()
        view = st.book.view(self.config.view_levels)
        self.emit(BookUpdated(st.symbol, True, view, st.book.checksum()))

    def _set_invalid(self, st: _BookState, reason: str) -> None:
        if not st.valid and st.reason == reason:
            return
        st.valid = False
        st.reason = reason
        st.dirty = False
        view = st.book.view(self.config.view_levels) if st.book is not None else None
        self.emit(BookUpdated(st.symbol, False, view, None, reason))

    def _invalidate_books(self, reason: str) -> None:
        for st in self._books.values():
            if st.phase != "failed":
                self._set_invalid(st, reason)

    def _flush_book(self, st: _BookState) -> None:
        """The trailing view of a coalescing interval (nothing if the book went stale)."""
        st.flush = None
        if st.dirty and st.valid and st.book is not None:
            self._mark_valid(st)

    # ------------------------------------------------------------------ resync

    def _start_resync(self, symbol: str, reason: str) -> None:
        st = self._books.get(symbol)
        if st is None or st.phase in ("unsubscribing", "waiting", "failed"):
            return
        if reason == "depth_change":
            st.backoff.reset()  # the user asked: not a fault, so neither paced nor counted
        else:
            now = self._clock()
            if now - st.last_resync > RESYNC_QUIET_S:
                st.backoff.reset()
            st.last_resync = now
            st.resyncs += 1
            self.stats["public"].resyncs += 1
        st.resyncing = True
        self._set_invalid(st, reason)
        st.book = None
        log.warning("%s: resync #%d (%s)", symbol, st.resyncs, reason)
        self.emit(ResyncStarted(symbol, reason, st.resyncs))
        ws = self._public_ws
        if ws is None:
            return  # the reconnect will resubscribe from scratch
        if st.phase == "subscribing":
            # No subscription is confirmed yet, so there is nothing to unsubscribe from.
            st.phase = "unsubscribing"
            self._schedule_resubscribe(st)
            return
        st.phase = "unsubscribing"
        self._send(ws, unsubscribe_request("book", symbols=[symbol], depth=st.depth,
                                           req_id=next(self._req_ids)))

    def _schedule_resubscribe(self, st: _BookState) -> None:
        """Resubscribe after the unsubscribe is confirmed, no faster than the backoff allows."""
        st.phase = "waiting"
        delay = 0.0 if st.backoff.failures == 0 else st.backoff.next_delay()
        if st.backoff.failures == 0:
            st.backoff.failures = 1
        generation = self._public_generation
        assert self._loop is not None

        def resubscribe() -> None:
            if generation != self._public_generation or st.phase != "waiting":
                return  # the connection changed; its own (re)subscribe covers this symbol
            self._subscribe_books([st.symbol])

        self._loop.call_later(delay, resubscribe)

    def _change_depth(self, depth: int) -> None:
        if depth == self.depth:
            return
        self.depth = depth
        for symbol in self._books:
            self._start_resync(symbol, "depth_change")

    # ------------------------------------------------------------------ private side

    async def _private_loop(self) -> None:
        await self._connection_loop("private", self.config.ws_auth_url, self._private_session)

    async def _private_session(self, ws: ClientConnection, result: dict[str, bool]) -> None:
        assert self.rest is not None
        stats = self.stats["private"]
        try:
            token = await self.rest.websockets_token()
        except KrakenRestError as exc:
            self.emit(FeedError("rest", "GetWebSocketsToken failed", str(exc)))
            return
        stats.token_at = self._clock()
        self._private_ws = ws
        self._private_snapshots = set()
        self._private_result = result
        await ws.send(subscribe_request("executions", token=token, snap_orders=True,
                                        snap_trades=False, req_id=next(self._req_ids)))
        await ws.send(subscribe_request("balances", token=token, req_id=next(self._req_ids)))
        del token
        await self._read(ws, "private")

    def _on_private_response(self, resp: MethodResponse) -> None:
        if resp.success:
            return
        error = resp.error or "unknown error"
        self.emit(FeedError("private", f"{resp.method} refused", f"{resp.channel}: {error}"))
        # Orders and balances are all or nothing: any refusal (most often a bad or expired
        # token) restarts the connection, which fetches a fresh token, paced by the backoff.
        ws = self._private_ws
        if ws is not None:
            ws.transport.abort()

    def _on_executions(self, frame: ExecutionsFrame) -> None:
        self._exec_counter += 1
        for report in frame.reports:
            oid = report.get("order_id")
            if isinstance(oid, str):
                self._order_touch[oid] = self._exec_counter
        gaps = self.orders.apply(frame)
        if frame.is_snapshot:
            self._orders_valid = True
            self._private_snapshot_in("executions")
            self._reconcile("orders", "reconnect")
        for gap in gaps:
            self.emit(FeedError("private", "sequence gap",
                                f"{gap.channel}: expected {gap.expected}, got {gap.received}"))
            self._reconcile("orders", "sequence_gap")
        self.emit(OrdersUpdated(self.orders.orders(), self._orders_valid))

    def _on_balances(self, frame: BalancesFrame) -> None:
        self._balance_counter += 1
        for entry in frame.entries:
            asset = entry.get("asset")
            if isinstance(asset, str):
                self._asset_touch[asset] = self._balance_counter
        gaps = self.balances.apply(frame)
        if frame.is_snapshot:
            self._balances_valid = True
            self._private_snapshot_in("balances")
        for gap in gaps:
            self.emit(FeedError("private", "sequence gap",
                                f"{gap.channel}: expected {gap.expected}, got {gap.received}"))
            self._reconcile("balances", "sequence_gap")
        self.emit(BalancesUpdated(self.balances.balances(), self._balances_valid))

    def _private_snapshot_in(self, channel: str) -> None:
        self._private_snapshots.add(channel)
        if {"executions", "balances"} <= self._private_snapshots:
            self._private_result["delivered"] = True

    def _invalidate_private(self, reason: str) -> None:
        if self._orders_valid:
            self._orders_valid = False
            self.emit(OrdersUpdated(self.orders.orders(), False))
        if self._balances_valid:
            self._balances_valid = False
            self.emit(BalancesUpdated(self.balances.balances(), False))

    # ------------------------------------------------------------------ REST reconciliation

    def _reconcile(self, what: Literal["orders", "balances"], reason: str) -> None:
        """Single-flight: one cross-check per kind at a time, rerun once if asked meanwhile."""
        task = self._reconcile_tasks.get(what)
        if task is not None and not task.done():
            self._reconcile_again[what] = reason
            return
        job = self._reconcile_orders if what == "orders" else self._reconcile_balances
        task = asyncio.create_task(self._reconcile_with_retry(what, job, reason))
        self._reconcile_tasks[what] = task

    async def _reconcile_with_retry(
        self, what: Literal["orders", "balances"], job: Callable[[str], Any], reason: str
    ) -> None:
        backoff = self._new_backoff()
        while True:
            try:
                await job(reason)
            except KrakenRestError as exc:
                self.emit(FeedError("rest", f"{what} reconciliation failed", str(exc)))
                if exc.is_auth or backoff.failures >= 5:
                    return
                await asyncio.sleep(backoff.next_delay(floor=1.0 if exc.is_rate_limit else 0.0))
                continue
            if what in self._reconcile_again:
                reason = self._reconcile_again.pop(what)
                continue
            return

    async def _reconcile_orders(self, reason: str) -> None:
        assert self.rest is not None
        mark = self._exec_counter
        rest_open = orders_from_rest(await self.rest.open_orders(), self.instruments)
        current = {o.order_id: o for o in self.orders.orders()}
        rest_ids = {o.order_id for o in rest_open}
        vanished = [
            oid for oid in current
            if oid not in rest_ids and self._order_touch.get(oid, -1) <= mark
        ]
        closed: set[str] = set()
        if vanished:
            queried = await self.rest.query_orders(vanished)
            for oid in vanished:
                info = queried.get(oid)
                status = info.get("status") if isinstance(info, dict) else None
                if status in ("closed", "canceled", "expired"):
                    closed.add(oid)
        # Re-read after the awaits: the stream may have moved on meanwhile.
        current = {o.order_id: o for o in self.orders.orders()}
        merged: dict[str, Order] = {}
        changes = 0
        for oid, order in current.items():
            if oid in closed and self._order_touch.get(oid, -1) <= mark:
                changes += 1
                continue
            merged[oid] = order
        for order in rest_open:
            if self._order_touch.get(order.order_id, -1) > mark:
                continue  # the stream has newer news of this order
            known = merged.get(order.order_id)
            if known is None:
                merged[order.order_id] = order
                changes += 1
            elif (known.cum_qty, known.order_qty) != (order.cum_qty, order.order_qty):
                merged[order.order_id] = _replace_progress(known, order)
                changes += 1
        if changes:
            self.orders.replace(merged.values())
            self.emit(OrdersUpdated(self.orders.orders(), self._orders_valid))
        self.emit(Reconciled("orders", changes, reason))

    async def _reconcile_balances(self, reason: str) -> None:
        assert self.rest is not None
        mark = self._balance_counter
        result = await self.rest.balance()
        fresh = {
            name: value for name, value in result.items()
            if self._asset_touch.get(normalize_asset(name), -1) <= mark
        }
        before = {b.asset: b.total for b in self.balances.balances()}
        self.balances.replace_from_rest(fresh)
        after = {b.asset: b.total for b in self.balances.balances()}
        changes = sum(1 for a in set(before) | set(after) if before.get(a) != after.get(a))
        if changes:
            self.emit(BalancesUpdated(self.balances.balances(), self._balances_valid))
        self.emit(Reconciled("balances", changes, reason))

    # ------------------------------------------------------------------ periodic

    async def _ticker(self) -> None:
        """Stats once per ``stats_interval``."""
        endpoints: list[Endpoint] = ["public"]
        if self.config.wants_private and self.config.has_credentials:
            endpoints.append("private")
        while True:
            await asyncio.sleep(self.config.stats_interval)
            now = self._clock()
            for endpoint in endpoints:
                self.emit(self._stats_event(endpoint, now))

    def _stats_event(self, endpoint: Endpoint, now: float) -> FeedStats:
        s = self.stats[endpoint]
        elapsed = now - s.last_tick if s.last_tick else 0.0
        fps = (s.frames - s.frames_at_last_tick) / elapsed if elapsed > 0 else 0.0
        s.frames_at_last_tick, s.last_tick = s.frames, now
        return FeedStats(
            endpoint=endpoint,
            frames=s.frames,
            frames_per_s=round(fps, 1),
            malformed=s.malformed,
            reconnects=s.reconnects,
            resyncs=s.resyncs,
            last_message_age=None if s.last_rx is None else round(now - s.last_rx, 3),
            last_heartbeat_age=(
                None if s.last_heartbeat is None else round(now - s.last_heartbeat, 3)
            ),
            token_age=None if s.token_at is None else round(now - s.token_at, 1),
        )


def _replace_progress(known: Order, rest: Order) -> Order:
    from dataclasses import replace

    return replace(known, cum_qty=rest.cum_qty, order_qty=rest.order_qty,
                   avg_price=rest.avg_price or known.avg_price, status=rest.status)


def _closed_reason(exc: ConnectionClosed) -> str:
    rcvd = exc.rcvd
    if rcvd is None:
        return "connection lost"
    return f"closed by server ({rcvd.code}{': ' + rcvd.reason if rcvd.reason else ''})"


def _ignore_closed(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("send failed: %r", task.exception())
