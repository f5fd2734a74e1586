"""WebSocket v2 endpoints (public and auth): connections, subscriptions, frames, errors.

One :class:`Connection` per socket with its own outbound queue and writer task, so a stall or a
slow client never blocks the market loop, and per-subscription state (book views, private
sequence numbers) lives with the subscription it belongs to.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from kraken_tui.sim.market import BookView, checksum_levels
from kraken_tui.sim.market_data import MarketData
from kraken_tui.sim.wire import dumps, num, rfc3339_us
from kraken_tui.sim.ws_market_data import MarketDataChannels
from kraken_tui.sim.ws_requests import PrivateSub, RequestHandler

if TYPE_CHECKING:
    from kraken_tui.sim.server import Simulator

MAX_QUEUE = 100_000  # a client this far behind is dropped, as an exchange would
SERVER_VERSION = "2.0.10"


@dataclass(slots=True, eq=False)
class Connection:
    """One client socket on either endpoint."""

    ws: ServerConnection
    endpoint: str  # "public" | "private"
    connection_id: int
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    books: dict[str, BookView] = field(default_factory=dict)
    tickers: dict[str, str] = field(default_factory=dict)  # symbol -> event_trigger
    trades: set[str] = field(default_factory=set)
    ohlc: set[tuple[str, int]] = field(default_factory=set)  # (symbol, interval)
    instrument: bool = False
    private: dict[str, PrivateSub] = field(default_factory=dict)
    stalled_until: float = 0.0
    heartbeat_task: asyncio.Task[None] | None = None
    last_bbo: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    closed: bool = False

    def send(self, text: str) -> None:
        if self.closed:
            return
        if self.queue.qsize() >= MAX_QUEUE:
            self.abort()
            return
        self.queue.put_nowait(text)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        self.closed = True
        transport = self.ws.transport
        if transport is not None:
            transport.abort()


class WsHub(MarketDataChannels, RequestHandler):
    """Both WS endpoints: accept connections, route market and account events to subscribers."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.connections: set[Connection] = set()
        self.sent: dict[tuple[str, int], deque[int]] = {}
        self.corrupt_next: set[str] = set()
        self.reject_next: list[tuple[str, str | None, str]] = []
        self.market_data = MarketData(sim.market)
        self.swallow_cancel = 0  # cancel reply frames to drop (faults.lose_cancel_replies)
        sim.exchange.listeners.append(self.on_account_event)
        sim.exchange.listeners.append(self.on_own_fill)  # fills print on the trade channel

    # ---- handshake ----------------------------------------------------------------------
    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse the upgrade with HTTP 503 while in maintenance."""
        if self.sim.system_status == "maintenance":
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "System under maintenance\n")
        return None

    async def handle_public(self, ws: ServerConnection) -> None:
        await self._handle(ws, "public")

    async def handle_private(self, ws: ServerConnection) -> None:
        await self._handle(ws, "private")

    async def _handle(self, ws: ServerConnection, endpoint: str) -> None:
        conn = Connection(ws, endpoint, self.sim.rng.getrandbits(64))
        self.connections.add(conn)
        writer = asyncio.create_task(self._writer(conn))
        conn.send(self.status_frame(conn.connection_id))
        try:
            while not conn.closed:
                try:
                    message = await asyncio.wait_for(ws.recv(), timeout=self.sim.idle_timeout)
                except TimeoutError:
                    conn.closed = True
                    await ws.close(1000, "idle timeout")
                    break
                self.dispatch(conn, message)
        except ConnectionClosed:
            pass
        finally:
            conn.closed = True
            self.connections.discard(conn)
            for sub in conn.private.values():
                self.sim.release_token(sub.token)
            if conn.heartbeat_task is not None:
                conn.heartbeat_task.cancel()
            writer.cancel()

    async def _writer(self, conn: Connection) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                text = await conn.queue.get()
                while (delay := conn.stalled_until - loop.time()) > 0:
                    await asyncio.sleep(delay)
                await conn.ws.send(text)
        except (ConnectionClosed, asyncio.CancelledError):
            return
        except Exception:  # a dying transport must not take the server down
            return

    async def _heartbeat(self, conn: Connection) -> None:
        loop = asyncio.get_running_loop()
        while not conn.closed:
            await asyncio.sleep(1.0)
            if conn.stalled_until <= loop.time():
                conn.send('{"channel":"heartbeat"}')

    def _start_heartbeat(self, conn: Connection) -> None:
        if conn.heartbeat_task is None:
            conn.heartbeat_task = asyncio.create_task(self._heartbeat(conn))

    # ---- frames -------------------------------------------------------------------------
    def status_frame(self, connection_id: int) -> str:
        return dumps({"channel": "status", "type": "update", "data": [{
            "version": SERVER_VERSION, "system": self.sim.system_status, "api_version": "v2",
            "connection_id": connection_id,
        }]})

    def push_status(self) -> None:
        for conn in list(self.connections):
            conn.send(self.status_frame(conn.connection_id))

    def _book_frame(self, symbol: str, kind: str, bids: list[tuple[int, int]],
                    asks: list[tuple[int, int]], checksum: int) -> str:
        spec = self.sim.market.specs[symbol]
        p, q = spec.price_decimals, spec.qty_decimals
        return dumps({"channel": "book", "type": kind, "data": [{
            "symbol": symbol,
            "bids": [{"price": num(px, p), "qty": num(lots, q)} for px, lots in bids],
            "asks": [{"price": num(px, p), "qty": num(lots, q)} for px, lots in asks],
            "checksum": checksum,
            "timestamp": rfc3339_us(),
        }]})

    def _record(self, symbol: str, depth: int, checksum: int) -> None:
        history = self.sent.get((symbol, depth))
        if history is None:
            history = self.sent[(symbol, depth)] = deque(maxlen=10_000)
        history.append(checksum)

    # ---- market fan-out -----------------------------------------------------------------
    def on_book_changed(self, symbol: str) -> None:
        corrupt = symbol in self.corrupt_next
        sent_any = False
        for conn in list(self.connections):
            view = conn.books.get(symbol)
            if view is None or conn.closed:
                continue
            bid_ch, ask_ch, bids, asks = view.diff(self.sim.market[symbol])
            if not bid_ch and not ask_ch:
                continue
            checksum = checksum_levels(bids, asks)
            self._record(symbol, view.depth, checksum)
            if corrupt:
                checksum ^= 0x5A5A5A5A
                sent_any = True
            conn.send(self._book_frame(symbol, "update", bid_ch, ask_ch, checksum))
        if sent_any:
            self.corrupt_next.discard(symbol)

    def on_pair_status(self, symbol: str) -> None:
        frame = dumps({"channel": "instrument", "type": "update",
                       "data": {"assets": [], "pairs": [self.sim.instrument_pair(symbol)]}})
        for conn in list(self.connections):
            if conn.instrument:
                conn.send(frame)

    def on_account_event(self, account_key: str, channel: str, entry: dict[str, Any]) -> None:
        for conn in list(self.connections):
            sub = conn.private.get(channel)
            if sub is None or sub.account_key != account_key:
                continue
            if not sub.order_status and entry.get("exec_type") == "pending_new":
                continue
            conn.send(dumps({"channel": channel, "type": "update", "data": [entry],
                             "sequence": sub.next_sequence()}))

    def send_raw(self, text: str, endpoint: str = "public") -> int:
        count = 0
        for conn in list(self.connections):
            if endpoint in ("all", conn.endpoint):
                conn.send(text)
                count += 1
        return count

    # ---- faults -------------------------------------------------------------------------
    def drop(self, endpoint: str = "all") -> int:
        victims = [c for c in self.connections if endpoint in ("all", c.endpoint)]
        for conn in victims:
            conn.abort()
        return len(victims)

    def stall(self, seconds: float, endpoint: str = "all") -> None:
        until = asyncio.get_running_loop().time() + seconds
        for conn in self.connections:
            if endpoint in ("all", conn.endpoint):
                conn.stalled_until = until

    async def close_all(self, code: int = 1013, reason: str = "Market data unavailable") -> None:
        """Close every socket with a close frame, after what is queued (e.g. a status) is out."""
        conns = list(self.connections)

        async def drain_and_close(conn: Connection) -> None:
            for _ in range(100):
                if conn.queue.empty() or conn.closed:
                    break
                await asyncio.sleep(0.01)
            conn.closed = True
            await conn.ws.close(code, reason)

        await asyncio.gather(*(drain_and_close(c) for c in conns), return_exceptions=True)

    def skip_sequence(self, channel: str) -> None:
        for conn in self.connections:
            sub = conn.private.get(channel)
            if sub is not None:
                sub.skip_next = True

    def corrupt_next_checksum(self, symbol: str) -> None:
        self.corrupt_next.add(symbol)

    def reject_next_subscribe(self, channel: str, symbol: str | None, error: str) -> None:
        self.reject_next.append((channel, symbol, error))
