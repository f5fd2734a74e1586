"""Client requests on both WebSocket endpoints: subscribe, unsubscribe, trading methods
(the latter in ``ws_trading.py``).

Kept apart from the hub's connection and fan-out machinery (``ws.py``) because this is
where the simulator must answer exactly as Kraken does: acks per symbol, error texts,
which parameters each channel accepts, and which methods belong to which endpoint.
``WsHub`` inherits these handlers; they reach the market and accounts through
``self.sim`` and send through the requesting ``Connection``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kraken_tui.sim.market import DEPTHS, BookView, checksum_levels
from kraken_tui.sim.wire import dumps, method_response, rfc3339_us
from kraken_tui.sim.ws_trading import TradingMethods

if TYPE_CHECKING:
    from kraken_tui.sim.server import Simulator
    from kraken_tui.sim.ws import Connection

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


class RequestHandler(TradingMethods):
    """What a client may ask of either endpoint (mixed into ``WsHub``); the trading
    methods come from ``TradingMethods`` (``ws_trading.py``)."""

    sim: Simulator
    reject_next: list[tuple[str, str | None, str]]

    # Provided by the hub (ws.py): its heartbeat, book framing and checksum history.
    def _start_heartbeat(self, conn: Connection) -> None:
        raise NotImplementedError

    def _book_frame(self, symbol: str, kind: str, bids: list[tuple[int, int]],
                    asks: list[tuple[int, int]], checksum: int) -> str:
        raise NotImplementedError

    def _record(self, symbol: str, depth: int, checksum: int) -> None:
        raise NotImplementedError

    def _ohlc_sub(self, conn: Connection, method: str, params: dict[str, Any],
                  req_id: int | None, time_in: str) -> None:  # in ws_market_data.py
        raise NotImplementedError

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
        elif channel == "ohlc":
            self._ohlc_sub(conn, method, params, req_id, time_in)
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
                    result["event_trigger"] = conn.tickers.pop(sym)  # the ack echoes it (§13.1)
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
