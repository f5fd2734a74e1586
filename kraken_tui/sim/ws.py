"""WebSocket v2 endpoints (public and auth): connections, subscriptions, frames, errors.

One :class:`Connection` per socket with its own outbound queue and writer task, so a stall or a
slow client never blocks the market loop, and per-subscription state (book views, private
sequence numbers) lives with the subscription it belongs to.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from kraken_tui.sim.market import DEPTHS, BookView, Trade, checksum_levels
from kraken_tui.sim.wire import dumps, method_response, num, rfc3339_us

if TYPE_CHECKING:
    from kraken_tui.sim.server import Simulator

PUBLIC_CHANNELS = frozenset({"book", "ticker", "trade", "instrument", "ohlc"})
PRIVATE_CHANNELS = frozenset({"executions", "balances", "level3"})
PRIVATE_METHODS = frozenset({
    "add_order", "amend_order", "edit_order", "cancel_order", "cancel_all",
    "cancel_all_orders_after", "batch_add", "batch_cancel",
})
WRONG_HOST_PRIVATE = (
    "Private data and trading are unavailable on this endpoint. Try ws-auth.kraken.com"
)
WRONG_HOST_PUBLIC = (
    "Public market data subscriptions are unavailable on this endpoint. Try ws.kraken.com"
)
CHANNEL_PARAMS: dict[str, frozenset[str]] = {
    "book": frozenset({"channel", "symbol", "depth", "snapshot"}),
    "ticker": frozenset({"channel", "symbol", "event_trigger", "snapshot"}),
    "trade": frozenset({"channel", "symbol", "snapshot"}),
    "ohlc": frozenset({"channel", "symbol", "interval", "snapshot"}),
    "instrument": frozenset({"channel", "snapshot", "include_tokenized_assets",
                             "execution_venue"}),
    "executions": frozenset({"channel", "token", "snap_orders", "snap_trades", "order_status",
                             "ratecounter", "rebased", "users", "snapshot_trades", "snapshot"}),
    "balances": frozenset({"channel", "token", "snapshot", "rebased", "users"}),
    "level3": frozenset({"channel", "symbol", "depth", "snapshot", "token"}),
}
MAX_QUEUE = 100_000  # a client this far behind is dropped, as an exchange would
SERVER_VERSION = "2.0.10"


@dataclass(slots=True)
class PrivateSub:
    """An executions/balances subscription: its account, token and message sequence."""

    account_key: str
    token: str
    order_status: bool = True  # executions: False hides pending_new transitions
    sequence: int = 0
    skip_next: bool = False

    def next_sequence(self) -> int:
        self.sequence += 2 if self.skip_next else 1
        self.skip_next = False
        return self.sequence


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


class WsHub:
    """Both WS endpoints: accept connections, route market and account events to subscribers."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.connections: set[Connection] = set()
        self.sent: dict[tuple[str, int], deque[int]] = {}
        self.corrupt_next: set[str] = set()
        self.reject_next: list[tuple[str, str | None, str]] = []
        sim.exchange.listeners.append(self.on_account_event)

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

    def on_trades(self, symbol: str, trades: list[Trade]) -> None:
        market = self.sim.market[symbol]
        trade_frame = None
        ticker_frame = None
        bid, ask = market.book.top(True, 1), market.book.top(False, 1)
        bbo = (bid[0] + ask[0]) if bid and ask else (0, 0, 0, 0)
        for conn in list(self.connections):
            if trades and symbol in conn.trades:
                if trade_frame is None:
                    trade_frame = dumps({"channel": "trade", "type": "update", "data": [
                        {**market.trade_entry(t), "timestamp": rfc3339_us(t.timestamp)}
                        for t in trades]})
                conn.send(trade_frame)
            trigger = conn.tickers.get(symbol)
            if trigger is None:
                continue
            fire = bool(trades) if trigger == "trades" else conn.last_bbo.get(symbol) != bbo
            if fire:
                conn.last_bbo[symbol] = bbo
                if ticker_frame is None:
                    ticker_frame = dumps({"channel": "ticker", "type": "update", "data": [
                        {**market.ticker(), "timestamp": rfc3339_us()}]})
                conn.send(ticker_frame)

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

    # ---- requests -----------------------------------------------------------------------
    def dispatch(self, conn: Connection, message: str | bytes) -> None:
        """Handle one client frame. Never raises: garbage gets an error frame."""
        time_in = rfc3339_us()
        try:
            request = json.loads(message)
        except Exception:  # bad JSON, bad UTF-8, absurd nesting: all just garbage
            request = None
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            conn.send(dumps({"error": "Malformed request", "success": False,
                             "time_in": time_in, "time_out": rfc3339_us()}))
            return
        try:
            self._dispatch(conn, request, time_in)
        except Exception as exc:  # pragma: no cover - defensive: keep serving
            conn.send(method_response(str(request.get("method")), time_in=time_in,
                                      error=f"EGeneral:Internal error:{type(exc).__name__}"))

    def _dispatch(self, conn: Connection, request: dict[str, Any], time_in: str) -> None:
        method: str = request["method"]
        req_id = request.get("req_id")
        if not isinstance(req_id, int) or isinstance(req_id, bool):
            req_id = None

        def error(text: str, m: str = method, **extra: Any) -> None:
            conn.send(method_response(m, time_in=time_in, req_id=req_id, error=text, **extra))

        for key in request:
            if key not in ("method", "params", "req_id"):
                error(f"Unsupported field: '{key}' for the given msg type: {method}")
                return
        if method == "ping":
            if "params" in request:
                error(f"Unsupported field: 'params' for the given msg type: {method}")
                return
            pong: dict[str, Any] = {"method": "pong"}
            if req_id is not None:
                pong["req_id"] = req_id
            pong["time_in"] = time_in
            pong["time_out"] = rfc3339_us()
            conn.send(dumps(pong))
            return
        if method in PRIVATE_METHODS:
            if conn.endpoint == "public":
                error(WRONG_HOST_PRIVATE)
                return
            self._private_method(conn, method, request.get("params"), req_id, time_in)
            return
        if method not in ("subscribe", "unsubscribe"):
            error("Unsupported event")
            return
        params = request.get("params")
        if not isinstance(params, dict):
            error("EGeneral:Invalid arguments:params")
            return
        channel = params.get("channel")
        if not isinstance(channel, str) or channel not in CHANNEL_PARAMS:
            error(f"Channel {channel} not supported" if isinstance(channel, str)
                  else "EGeneral:Invalid arguments:channel")
            return
        if channel in PRIVATE_CHANNELS and conn.endpoint == "public":
            error(WRONG_HOST_PRIVATE)
            return
        if channel in PUBLIC_CHANNELS and conn.endpoint == "private":
            error(WRONG_HOST_PUBLIC)
            return
        for key in params:
            if key not in CHANNEL_PARAMS[channel]:
                error(f"Unsupported field: '{key}' for the given msg type: {method}")
                return
        if channel in ("executions", "balances"):
            self._private_sub(conn, method, channel, params, req_id, time_in)
        elif channel == "instrument":
            self._instrument_sub(conn, method, params, req_id, time_in)
        elif channel in ("book", "ticker", "trade"):
            self._symbol_sub(conn, method, channel, params, req_id, time_in)
        else:
            error(f"Channel {channel} not supported")

    def _take_rejection(self, channel: str, symbol: str | None) -> str | None:
        for i, (ch, sym, text) in enumerate(self.reject_next):
            if ch == channel and (sym is None or sym == symbol):
                del self.reject_next[i]
                return text
        return None

    def _symbol_sub(self, conn: Connection, method: str, channel: str, params: dict[str, Any],
                    req_id: int | None, time_in: str) -> None:
        symbols = params.get("symbol")
        if isinstance(symbols, str):
            symbols = [symbols]
        if not isinstance(symbols, list) or not symbols:
            conn.send(method_response(method, time_in=time_in, req_id=req_id,
                                      error="EGeneral:Invalid arguments:symbol"))
            return
        depth = params.get("depth", 10)
        if channel == "book" and (isinstance(depth, bool) or depth not in DEPTHS):
            conn.send(method_response(method, time_in=time_in, req_id=req_id,
                                      error="Subscription depth not supported"))
            return
        snapshot = params.get("snapshot", channel != "trade")
        trigger = params.get("event_trigger", "trades")
        if channel == "ticker" and trigger not in ("trades", "bbo"):
            conn.send(method_response(method, time_in=time_in, req_id=req_id,
                                      error="EGeneral:Invalid arguments:event_trigger"))
            return
        market = self.sim.market
        for symbol in symbols:
            sym = symbol if isinstance(symbol, str) else json.dumps(symbol)

            def err(text: str, m: str = method, sym: str = sym) -> None:
                conn.send(method_response(m, time_in=time_in, req_id=req_id, error=text,
                                          symbol=sym))

            if sym not in market:
                err(f"Currency pair not supported {sym}")
                continue
            subscribed = (sym in conn.books if channel == "book" else
                          sym in conn.tickers if channel == "ticker" else sym in conn.trades)
            if method == "unsubscribe":
                if not subscribed or (channel == "book" and conn.books[sym].depth != depth
                                      and "depth" in params):
                    err("Subscription Not Found", "subscribe")
                    continue
                result: dict[str, Any] = {"channel": channel, "symbol": sym}
                if channel == "book":
                    result["depth"] = conn.books.pop(sym).depth
                elif channel == "ticker":
                    del conn.tickers[sym]
                else:
                    conn.trades.discard(sym)
                conn.send(method_response(method, time_in=time_in, req_id=req_id,
                                          result=dict(sorted(result.items()))))
                continue
            if subscribed:
                err("Already subscribed")
                continue
            rejection = self._take_rejection(channel, sym)
            if rejection is not None:
                err(rejection)
                continue
            sm = market[sym]
            if channel == "book":
                result = {"channel": "book", "depth": depth, "snapshot": bool(snapshot),
                          "symbol": sym}
                view = BookView(depth)
                conn.books[sym] = view
                conn.send(method_response(method, time_in=time_in, req_id=req_id, result=result))
                bids, asks = view.snapshot(sm)
                if snapshot:
                    checksum = checksum_levels(bids, asks)
                    self._record(sym, depth, checksum)
                    conn.send(self._book_frame(sym, "snapshot", bids, asks, checksum))
            elif channel == "ticker":
                conn.tickers[sym] = trigger
                conn.send(method_response(method, time_in=time_in, req_id=req_id, result={
                    "channel": "ticker", "event_trigger": trigger, "snapshot": bool(snapshot),
                    "symbol": sym}))
                if snapshot:
                    conn.send(dumps({"channel": "ticker", "type": "snapshot", "data": [
                        {**sm.ticker(), "timestamp": rfc3339_us()}]}))
            else:
                conn.trades.add(sym)
                conn.send(method_response(method, time_in=time_in, req_id=req_id, result={
                    "channel": "trade", "snapshot": bool(snapshot), "symbol": sym}))
                if snapshot:
                    conn.send(dumps({"channel": "trade", "type": "snapshot", "data": [
                        {**sm.trade_entry(t), "timestamp": rfc3339_us(t.timestamp)}
                        for t in sm.recent_trades]}))
            self._start_heartbeat(conn)

    def _instrument_sub(self, conn: Connection, method: str, params: dict[str, Any],
                        req_id: int | None, time_in: str) -> None:
        if method == "unsubscribe":
            if not conn.instrument:
                conn.send(method_response("subscribe", time_in=time_in, req_id=req_id,
                                          error="Subscription Not Found"))
                return
            conn.instrument = False
            conn.send(method_response(method, time_in=time_in, req_id=req_id,
                                      result={"channel": "instrument"}))
            return
        if conn.instrument:
            conn.send(method_response(method, time_in=time_in, req_id=req_id,
                                      error="Already subscribed"))
            return
        rejection = self._take_rejection("instrument", None)
        if rejection is not None:
            conn.send(method_response(method, time_in=time_in, req_id=req_id, error=rejection))
            return
        snapshot = bool(params.get("snapshot", True))
        conn.instrument = True
        conn.send(method_response(method, time_in=time_in, req_id=req_id, result={
            "channel": "instrument", "snapshot": snapshot,
            "warnings": ["tick_size is deprecated, use price_increment"]}))
        if snapshot:
            conn.send(dumps({"channel": "instrument", "type": "snapshot",
                             "data": self.sim.instrument_data()}))
        self._start_heartbeat(conn)

    def _private_sub(self, conn: Connection, method: str, channel: str, params: dict[str, Any],
                     req_id: int | None, time_in: str) -> None:
        token = params.get("token")
        account = self.sim.account_for_token(token) if isinstance(token, str) else None
        if account is None:
            conn.send(method_response(method, time_in=time_in, req_id=req_id,
                                      error="ESession:Invalid session", channel=channel,
                                      status="error"))
            return
        if method == "unsubscribe":
            sub = conn.private.pop(channel, None)
            if sub is None:
                conn.send(method_response("subscribe", time_in=time_in, req_id=req_id,
                                          error="Subscription Not Found", channel=channel))
                return
            self.sim.release_token(sub.token)
            conn.send(method_response(method, time_in=time_in, req_id=req_id,
                                      result={"channel": channel}))
            return
        if channel in conn.private:
            conn.send(method_response(method, time_in=time_in, req_id=req_id,
                                      error="Already subscribed", channel=channel))
            return
        rejection = self._take_rejection(channel, None)
        if rejection is not None:
            conn.send(method_response(method, time_in=time_in, req_id=req_id, error=rejection,
                                      channel=channel))
            return
        assert isinstance(token, str)
        self.sim.hold_token(token)
        sub = PrivateSub(account.api_key, token, bool(params.get("order_status", True)))
        conn.private[channel] = sub
        exchange = self.sim.exchange
        if channel == "executions":
            snap_orders = bool(params.get("snap_orders", True))
            snap_trades = bool(params.get("snap_trades", False))
            conn.send(method_response(method, time_in=time_in, req_id=req_id, result={
                "channel": "executions", "maxratecount": 125, "snap_orders": snap_orders,
                "snap_trades": snap_trades}))
            data = ([o.ws_snapshot_entry() for o in exchange.open_orders(account)]
                    if snap_orders else [])
            if snap_trades:
                data += [dict(fill, order_status="filled") if account.orders[
                    fill["order_id"]].status == "filled" else fill for fill in account.fills]
            conn.send(dumps({"channel": "executions", "type": "snapshot", "data": data,
                             "sequence": sub.next_sequence()}))
        else:
            snapshot = bool(params.get("snapshot", True))
            conn.send(method_response(method, time_in=time_in, req_id=req_id, result={
                "channel": "balances", "snapshot": snapshot}))
            if snapshot:
                conn.send(dumps({"channel": "balances", "type": "snapshot",
                                 "data": exchange.balances_snapshot(account),
                                 "sequence": sub.next_sequence()}))
        self._start_heartbeat(conn)

    def _private_method(self, conn: Connection, method: str, params: Any, req_id: int | None,
                        time_in: str) -> None:
        """The trading methods the simulator supports over WS (others: Unsupported event)."""

        def reply(result: dict[str, Any] | None = None, error: str | None = None) -> None:
            conn.send(method_response(method, time_in=time_in, req_id=req_id, result=result,
                                      error=error))

        if not isinstance(params, dict):
            reply(error="EGeneral:Invalid arguments:params")
            return
        token = params.get("token")
        account = self.sim.account_for_token(token) if isinstance(token, str) else None
        if account is None:
            reply(error="ESession:Invalid session")
            return
        if "trade" not in account.permissions:
            reply(error="EGeneral:Permission denied")
            return
        if method == "cancel_all_orders_after":
            timeout = params.get("timeout")
            if not isinstance(timeout, int) or isinstance(timeout, bool) or not (
                    0 <= timeout < 86400):
                reply(error="EGeneral:Invalid arguments:timeout")
                return
            reply(result=self.sim.arm_deadman(account, timeout))
        elif method == "cancel_all":
            if self.sim.system_status == "maintenance":
                reply(error="EService:Unavailable")
                return
            reply(result={"count": self.sim.exchange.cancel_all(account)})
        elif method == "cancel_order":
            ids = params.get("order_id")
            ids = [ids] if isinstance(ids, str) else ids
            if not isinstance(ids, list) or not ids:
                reply(error="EGeneral:Invalid arguments:order_id")
                return
            for oid in ids:
                if not (isinstance(oid, str) and oid in account.orders
                        and self.sim.exchange.cancel_order(oid)):
                    reply(error="EOrder:Unknown order")
                    return
            reply(result={"order_id": ids[0]})
        else:
            reply(error="Unsupported event")

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
