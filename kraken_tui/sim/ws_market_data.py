"""The public market data channels on the hub: ohlc subscriptions and the trade fan-out.

A mixin of ``WsHub`` (like ``ws_requests.RequestHandler``), so ``ws.py`` only routes to it.
One engine event (a market step, or a demo-account fill) fans out in Kraken's order: the
trade message, then the ticker, then the in-progress candle, all stamped with the event's
own clock (protocol notes §13.3).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from kraken_tui.sim.market import Trade
from kraken_tui.sim.market_data import INTERVALS, OHLC_WARNING, MarketData
from kraken_tui.sim.wire import dumps, method_response, rfc3339_us

if TYPE_CHECKING:
    from kraken_tui.sim.server import Simulator
    from kraken_tui.sim.ws import Connection

#: The v1 text (the only one on record); the v2 wording is unconfirmed (§15.1, §20).
BAD_INTERVAL = "Subscription ohlc interval not supported"


class MarketDataChannels:
    """ohlc subscribe/unsubscribe and the trade/ticker/ohlc fan-out.

    Mixed into ``WsHub`` ahead of ``RequestHandler``, whose ``_ohlc_sub`` is only a stub.
    """

    sim: Simulator
    connections: set[Connection]
    market_data: MarketData

    if TYPE_CHECKING:  # provided by the hub (ws.py / ws_requests.py); no stubs to shadow them
        def _start_heartbeat(self, conn: Connection) -> None: ...

        def _take_rejection(self, channel: str, symbol: str | None) -> str | None: ...

    # ---- requests ------------------------------------------------------------------------
    def _ohlc_sub(self, conn: Connection, method: str, params: dict[str, Any],
                  req_id: int | None, time_in: str) -> None:
        """One ack per symbol; a subscription is (symbol, interval), default interval 1."""

        def reply(result: dict[str, Any] | None = None, error: str | None = None,
                  m: str = method, **extra: Any) -> None:
            conn.send(method_response(m, time_in=time_in, req_id=req_id, result=result,
                                      error=error, **extra))

        symbols = params.get("symbol")
        if isinstance(symbols, str):
            symbols = [symbols]
        if not isinstance(symbols, list) or not symbols:
            reply(error="EGeneral:Invalid arguments:symbol")
            return
        interval = params.get("interval", 1)
        if isinstance(interval, bool) or interval not in INTERVALS:
            reply(error=BAD_INTERVAL)
            return
        snapshot = params.get("snapshot", True)
        market = self.sim.market
        for symbol in symbols:
            sym = symbol if isinstance(symbol, str) else dumps(symbol)
            key = (sym, interval)
            if sym not in market:
                reply(error=f"Currency pair not supported {sym}", symbol=sym)
                continue
            if method == "unsubscribe":
                if key not in conn.ohlc:
                    reply(error="Subscription Not Found", m="subscribe", symbol=sym)
                    continue
                conn.ohlc.discard(key)
                reply({"channel": "ohlc", "interval": interval, "symbol": sym})
                continue
            if key in conn.ohlc:
                reply(error="Already subscribed", symbol=sym)
                continue
            rejection = self._take_rejection("ohlc", sym)
            if rejection is not None:
                reply(error=rejection, symbol=sym)
                continue
            conn.ohlc.add(key)
            reply({"channel": "ohlc", "interval": interval, "snapshot": bool(snapshot),
                   "symbol": sym, "warnings": [OHLC_WARNING]})
            if snapshot:
                conn.send(dumps(self.market_data.ohlc_snapshot(sym, interval, time.time())))
            self._start_heartbeat(conn)

    # ---- fan-out -------------------------------------------------------------------------
    def on_own_fill(self, account_key: str, channel: str, entry: dict[str, Any]) -> None:
        """Exchange listener: a fill of an account's order is also a public trade."""
        if channel != "executions" or entry.get("exec_type") != "trade":
            return
        trade = self.market_data.own_fill(entry)
        if trade is not None:
            self.on_trades(trade.symbol, [trade])

    def on_trades(self, symbol: str, trades: list[Trade]) -> None:
        """After a market step (``trades`` may be empty: bbo tickers still look)."""
        market = self.sim.market[symbol]
        self.market_data.record(symbol, trades)
        event_ts = trades[-1].timestamp if trades else time.time()
        trade_frame = ticker_frame = None
        ohlc_frames: dict[int, str | None] = {}
        bid, ask = market.book.top(True, 1), market.book.top(False, 1)
        bbo = (bid[0] + ask[0]) if bid and ask else (0, 0, 0, 0)
        for conn in list(self.connections):
            if conn.closed:
                continue
            if trades and symbol in conn.trades:
                if trade_frame is None:
                    trade_frame = dumps({"channel": "trade", "type": "update", "data": [
                        {**market.trade_entry(t), "timestamp": rfc3339_us(t.timestamp)}
                        for t in trades]})
                conn.send(trade_frame)
            trigger = conn.tickers.get(symbol)
            fire = trigger is not None and (
                bool(trades) if trigger == "trades" else conn.last_bbo.get(symbol) != bbo)
            if fire:
                conn.last_bbo[symbol] = bbo
                if ticker_frame is None:
                    ticker_frame = dumps({"channel": "ticker", "type": "update", "data": [
                        {**market.ticker(), "timestamp": rfc3339_us(event_ts)}]})
                conn.send(ticker_frame)
            if not trades or not conn.ohlc:
                continue
            for sym, interval in sorted(conn.ohlc):
                if sym != symbol:
                    continue
                if interval not in ohlc_frames:
                    frame = self.market_data.ohlc_update(symbol, interval, event_ts)
                    ohlc_frames[interval] = None if frame is None else dumps(frame)
                text = ohlc_frames[interval]
                if text is not None:
                    conn.send(text)
