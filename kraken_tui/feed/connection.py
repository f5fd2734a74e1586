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
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from kraken_tui.config import DEPTHS
from kraken_tui.feed.account import PrivateAccount
from kraken_tui.feed.backoff import MAINTENANCE_MIN_DELAY_S, AttemptBudget, Backoff
from kraken_tui.feed.books import BookTracker
from kraken_tui.feed.cancels import CancelDesk
from kraken_tui.feed.deadman import DeadManSwitchKeeper
from kraken_tui.feed.events import (
    ConnectionChanged,
    Endpoint,
    ErrorSource,
    FeedError,
    FeedEvent,
    FeedStats,
    ModeChanged,
)
from kraken_tui.feed.feed_config import FeedConfig
from kraken_tui.feed.liveness import Liveness
from kraken_tui.feed.private_session import PrivateHandshake, SessionFailed
from kraken_tui.feed.public_channels import PublicChannels
from kraken_tui.feed.rest import KrakenRest
from kraken_tui.feed.stats import EndpointStats
from kraken_tui.kraken.frames import (
    BalancesFrame,
    BookFrame,
    ExecutionsFrame,
    FrameError,
    HeartbeatFrame,
    InstrumentFrame,
    MethodResponse,
    PongFrame,
    StatusFrame,
    decode_frame,
    subscribe_request,
)
from kraken_tui.kraken.instruments import InstrumentTable
from kraken_tui.kraken.market import OhlcFrame, TickerFrame, TradeFrame
from kraken_tui.kraken.models import Order

log = logging.getLogger(__name__)

#: websockets logs every frame at DEBUG, and private subscribe frames carry the token.
#: Its logger for our sockets is pinned at WARNING so no log level can ever print one.
_wire_log = logging.getLogger("kraken_tui.feed.wire")
_wire_log.setLevel(logging.WARNING)

#: After Kraken refused the API key or signature, retry no faster than this: the
#: user has to fix the keys, and a hot loop of failed logins only risks a ban.
AUTH_REJECTED_MIN_DELAY_S = 30.0


#: A connection's session: runs until the socket closes; sets result["delivered"]
#: once every snapshot it asked for has arrived.
Session = Callable[[ClientConnection, dict[str, bool]], Awaitable[None]]


class FrameRecorder(Protocol):
    def write(self, conn: Endpoint, raw: str | bytes) -> None: ...


class Feed(PublicChannels):
    """Owns both Kraken connections; see the module docstring."""

    def __init__(
        self,
        config: FeedConfig,
        sink: Callable[[FeedEvent], None],
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        recorder: FrameRecorder | None = None,
        on_books_dirty: Callable[[], None] | None = None,
    ) -> None:
        """``recorder``: gets every inbound frame verbatim (``kraken_tui.record``).
        ``on_books_dirty``: book views are pulled, not pushed (``BookTracker``'s pull mode)."""
        self.config = config
        self._recorder = recorder
        self._sink = sink
        self._rng = rng or random.Random()
        self._clock = clock
        self.instruments = InstrumentTable()
        self.unlisted: set[str] = set()
        self.system_status: str | None = None
        self.budget = AttemptBudget(clock=clock)
        self.stats: dict[Endpoint, EndpointStats] = {
            "public": EndpointStats(),
            "private": EndpointStats(),
        }
        self._req_ids = itertools.count(1)
        self.next_req_id = self._req_ids.__next__
        self.books = BookTracker(
            config.symbols,
            config.depth,
            send=self._send_public,
            emit=self.emit,
            clock=clock,
            call_later=lambda delay, fn: asyncio.get_running_loop().call_later(delay, fn),
            precision=self.instruments.get,
            new_backoff=self._new_backoff,
            next_req_id=self.next_req_id,
            view_levels=config.view_levels,
            emit_interval=config.book_emit_interval,
            on_settled=lambda: self._public_result.__setitem__("delivered", True),
            on_dirty=on_books_dirty,
        )
        self._init_market_data(self._send_public, self.next_req_id, config.symbols)
        self.account = PrivateAccount(lambda: self.rest, self.emit, self.instruments,
                                      self._new_backoff)
        self.liveness = Liveness(clock=clock, emit=self.emit, next_req_id=self.next_req_id,
                                 heartbeat_timeout=config.heartbeat_timeout,
                                 ping_interval=config.ping_interval)
        self.handshake = PrivateHandshake(emit=self.emit, account=self.account,
                                          stats=self.stats["private"], clock=clock,
                                          next_req_id=self.next_req_id)
        self.cancels = CancelDesk(
            rest=lambda: self.rest, link=self.handshake, emit=self.emit,
            next_req_id=self.next_req_id, system_status=lambda: self.system_status,
            reconcile=lambda: self.account.reconcile("orders", "cancel"),
            closed=self.account.closed_over_rest, clock=clock)
        self._public_ws: ClientConnection | None = None
        self._books_requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._stop_requested = False
        self.rest: KrakenRest | None = None
        self.dms: DeadManSwitchKeeper | None = None
        self._public_result: dict[str, bool] = {}
        self._tasks: dict[asyncio.Task[Any], ErrorSource] = {}

    # ------------------------------------------------------------------ control

    def stop(self) -> None:
        """Ask the feed to finish; safe from any thread."""
        self._stop_requested = True
        if self._loop is not None and self._stop_event is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed
                self._loop.call_soon_threadsafe(self._stop_event.set)

    def request_resync(self, symbol: str | None = None) -> None:
        """Force a fresh snapshot for one symbol (or all); safe from any thread."""
        symbols = [symbol] if symbol else list(self.books.books)
        for s in symbols:
            self._call_threadsafe(self.books.resync, s, "user_request")

    def set_depth(self, depth: int) -> None:
        """Resubscribe every book at ``depth`` (the latest call wins); safe from any thread."""
        if depth not in DEPTHS:
            raise ValueError(f"depth must be one of {DEPTHS}")
        self._call_threadsafe(self.books.set_depth, depth)

    def focus_symbol(self, symbol: str) -> None:
        """The book on screen: only its views carry every level; safe from any thread."""
        if self._loop is None:
            self.books.set_focus(symbol)
        else:
            self._call_threadsafe(self.books.set_focus, symbol)

    def request_cancel(self, order_ids: Sequence[str] | None, orders: Sequence[Order] = ()
                       ) -> None:
        """Cancel these orders (None: all), as ``feed/cancels.py`` says; outcomes come as
        ``CancelOutcome`` events. ``orders``: what the caller shows of them. Thread-safe."""
        ids = None if order_ids is None else tuple(order_ids)
        self._call_threadsafe(self.cancels.submit, ids, tuple(orders))

    @property
    def depth(self) -> int:
        return self.books.depth

    def book(self, symbol: str) -> Any:
        """The live book for ``symbol`` (None while awaiting a snapshot); feed thread only."""
        return self.books.book(symbol)

    def book_is_valid(self, symbol: str) -> bool:
        return self.books.is_valid(symbol)

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
        """Run both connections until ``stop()``.

        The dead man's switch is disarmed only on a clean stop (a crash leaves it armed:
        that is its point); the HTTP client is closed whatever happens.
        """
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        if self._stop_requested:
            return
        cfg = self.config
        self.rest = KrakenRest(cfg.rest_url, cfg.api_key, cfg.api_secret)
        clean = False
        try:
            private = cfg.wants_private and cfg.has_credentials
            if private:
                self.emit(ModeChanged(private=True))
            else:
                self.emit(ModeChanged(private=False, note="no API keys" if not cfg.has_credentials
                                      else "private channels not requested"))
            self._spawn(self._public_loop(), "public")
            if private:
                self._spawn(self._private_loop(), "private")
                if cfg.dead_man_switch:
                    self.dms = DeadManSwitchKeeper(self.rest, cfg.dead_man_switch, self.emit)
                    self._spawn(self.dms.run(), "deadman")
            self._spawn(self._ticker(), "feed")
            await self._stop_event.wait()
            clean = True
        finally:
            await self._shutdown(disarm=clean)

    async def _shutdown(self, *, disarm: bool) -> None:
        """Never raises: a stop must always get as far as closing the HTTP client."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await self.cancels.aclose()
            await self.account.aclose()
            if disarm and self.dms is not None:
                await self.dms.disarm()
        except Exception:
            log.exception("feed shutdown: cleanup failed")
        finally:
            if self.rest is not None:
                try:
                    await self.rest.aclose()
                except Exception:
                    log.exception("feed shutdown: closing the HTTP client failed")

    def _spawn(self, coro: Any, source: ErrorSource) -> None:
        task = asyncio.create_task(coro, name=source)
        self._tasks[task] = source
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        source = self._tasks.pop(task, "feed")
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("feed task %s crashed", task.get_name(), exc_info=exc)
            self.emit(FeedError(source, "internal error", f"{type(exc).__name__}: {exc}"))

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

    async def _connection_loop(self, endpoint: Endpoint, url: str, session: Session) -> None:
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
            attempt = stats.attempt = backoff.failures + 1
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
                    if endpoint == "public":
                        # Private is "connected" only once authenticated and subscribed.
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
            floor = 0.0
            if self.system_status == "maintenance" or reason.startswith("refused"):
                floor = MAINTENANCE_MIN_DELAY_S
            if reason.startswith("credentials rejected"):
                floor = AUTH_REJECTED_MIN_DELAY_S
            delay = backoff.next_delay(floor=floor)
            self.emit(ConnectionChanged(endpoint, "disconnected", attempt, None, reason))
            self.emit(ConnectionChanged(endpoint, "backoff", backoff.failures, delay, reason))
            log.info("%s connection lost (%s); retrying in %.2fs", endpoint, reason, delay)
            await self._sleep_or_stop(delay)
        self.emit(ConnectionChanged(endpoint, "disconnected", 0, None, "stopped"))

    async def _watched(
        self, ws: ClientConnection, endpoint: Endpoint, session: Session
    ) -> tuple[bool, str]:
        """Run a session with a heartbeat deadline and periodic pings beside it."""
        stats = self.stats[endpoint]
        stats.closing_reason = ""
        on_silence = self._public_silent if endpoint == "public" else self.account.invalidate
        watchdog = asyncio.create_task(self.liveness.watchdog(ws, endpoint, stats, on_silence))
        pinger = asyncio.create_task(self.liveness.pinger(ws, endpoint))
        result: dict[str, bool] = {"delivered": False}
        try:
            await session(ws, result)
            reason = "closed by server"
        except SessionFailed as exc:
            reason = str(exc)
        except ConnectionClosed as exc:
            reason = _closed_reason(exc)
        finally:
            watchdog.cancel()
            pinger.cancel()
        if watchdog.done() and not watchdog.cancelled() and watchdog.exception() is None:
            reason = "heartbeat timeout"  # the watchdog returns only after aborting the socket
        elif stats.closing_reason:
            reason = stats.closing_reason
        delivered = result["delivered"] or (endpoint == "private" and self.account.delivered)
        return delivered, reason

    def _public_silent(self) -> None:
        self.books.invalidate_all("heartbeat_timeout")
        self._market_data_stale("heartbeat_timeout")

    def _on_disconnect(self, endpoint: Endpoint, reason: str) -> None:
        if endpoint == "public":
            self._public_ws = None
            why = reason if reason == "heartbeat_timeout" else "disconnected"
            self.books.disconnected(why)
            self._market_data_stale(why)
        else:
            self.handshake.closed()
            self.account.invalidate()

    # ------------------------------------------------------------------ sessions

    async def _public_loop(self) -> None:
        await self._connection_loop("public", self.config.ws_url, self._public_session)

    async def _public_session(self, ws: ClientConnection, result: dict[str, bool]) -> None:
        self._public_ws = ws
        self._books_requested = False
        self._public_result = result
        await ws.send(subscribe_request("instrument", req_id=next(self._req_ids)))
        await self._read(ws, "public")

    async def _private_loop(self) -> None:
        await self._connection_loop("private", self.config.ws_auth_url, self._private_session)

    async def _private_session(self, ws: ClientConnection, result: dict[str, bool]) -> None:
        assert self.rest is not None
        await self.handshake.open(ws, self.rest)
        await self._read(ws, "private")

    async def _read(self, ws: ClientConnection, endpoint: Endpoint) -> None:
        """Decode and route every frame until the socket closes (the hot loop)."""
        stats = self.stats[endpoint]
        clock = self._clock
        handlers = self._frame_handlers(endpoint)
        record = self._recorder.write if self._recorder is not None else None
        async for raw in ws:
            stats.frames += 1
            stats.last_rx = clock()
            if record is not None:  # inbound frames only: a token is never among them
                record(endpoint, raw)
            frame = decode_frame(raw)
            handler = handlers.get(type(frame))
            if handler is not None:
                handler(frame)

    def _send_public(self, text: str) -> None:
        ws = self._public_ws
        if ws is not None:
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
            PongFrame: self.liveness.on_pong,
            FrameError: lambda frame: self._on_malformed(endpoint, frame),
        }
        if endpoint == "public":
            return {
                BookFrame: self._on_book_frame,
                TickerFrame: self.tickers.on_frame,
                TradeFrame: self.trades.on_frame,
                OhlcFrame: self.candles.on_frame,
                MethodResponse: self._on_public_response,
                InstrumentFrame: self._on_instrument,
                **common,
            }
        return self.cancels.hooked({
            ExecutionsFrame: self.account.on_executions,
            BalancesFrame: lambda frame: self.account.on_balances(frame),
            MethodResponse: self.handshake.on_response,
            **common,
        })

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
                resyncs = self.books.resyncs if endpoint == "public" else 0
                self.emit(self._stats_event(endpoint, now, resyncs))

    def _stats_event(self, endpoint: Endpoint, now: float, resyncs: int) -> FeedStats:
        return self.stats[endpoint].event(endpoint, now, resyncs)


def _closed_reason(exc: ConnectionClosed) -> str:
    rcvd = exc.rcvd
    if rcvd is None:
        return "connection lost"
    return f"closed by server ({rcvd.code}{': ' + rcvd.reason if rcvd.reason else ''})"


def _ignore_closed(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("send failed: %r", task.exception())
