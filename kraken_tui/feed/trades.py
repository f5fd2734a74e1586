"""The ``trade`` channel: every public print of the watched symbols, each exactly once.

Subscribed with ``snapshot: true`` (Kraken's default is false, §14.1) so a (re)connect
brings the last 50 trades. ``trade_id`` is a per-book sequence, so after a reconnect only
ids above the last one emitted are new: the snapshot re-sends what was already printed
and fills in what printed while we were away (when that was fewer than 50 trades).

A trade is a fact: one that arrives is always emitted. The tape's trust is marked like a
book's (``TradesPrinted(valid=False)`` at once on disconnect, heartbeat deadline or
maintenance); the next frame for the symbol makes it live again, announced by a
``TradesPrinted`` even when the snapshot held nothing new.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from kraken_tui.feed.events import FeedEvent, TradesPrinted
from kraken_tui.feed.market_channel import MarketChannel
from kraken_tui.kraken.market import Trade, TradeFrame

#: Trades kept per symbol for a consumer that arrives late (a tape widget's history).
TRADES_KEPT = 100


class TradeTracker(MarketChannel):
    """Every watched symbol's trades on the public connection."""

    channel = "trade"

    def __init__(self, symbols: tuple[str, ...], *, send: Callable[[str], None],
                 emit: Callable[[FeedEvent], None], next_req_id: Callable[[], int]) -> None:
        super().__init__(symbols, send=send, emit=emit, next_req_id=next_req_id)
        self.last_id: dict[str, int] = {}
        self._recent: dict[str, deque[Trade]] = {s: deque(maxlen=TRADES_KEPT) for s in symbols}

    def subscribe_params(self) -> dict[str, Any]:
        return {"snapshot": True}

    def stale_event(self, symbol: str, reason: str) -> FeedEvent:
        return TradesPrinted(symbol, valid=False, reason=reason)

    def recent(self, symbol: str) -> tuple[Trade, ...]:
        """The latest trades emitted for ``symbol``, oldest first (at most ``TRADES_KEPT``)."""
        kept = self._recent.get(symbol)
        return tuple(kept) if kept is not None else ()

    def on_frame(self, frame: TradeFrame) -> None:
        by_symbol: dict[str, list[Trade]] = {}
        for trade in frame.data:
            if trade.symbol in self.valid:
                by_symbol.setdefault(trade.symbol, []).append(trade)
        for symbol, trades in by_symbol.items():
            new = self._new(symbol, trades)
            was_stale = self.fresh(symbol)
            if new or was_stale:
                self._emit(TradesPrinted(symbol, tuple(new), snapshot=frame.is_snapshot))
            if self.maintenance and new:  # printed, but the tape is still not to be trusted
                self._emit(self.stale_event(symbol, "maintenance"))

    def _new(self, symbol: str, trades: list[Trade]) -> list[Trade]:
        """Trades above the last id emitted, in wire order (ascending on Kraken)."""
        last = self.last_id.get(symbol)
        new: list[Trade] = []
        for trade in trades:
            if last is None or trade.trade_id > last:
                new.append(trade)
                last = trade.trade_id
        if new:
            assert last is not None
            self.last_id[symbol] = last
            self._recent[symbol].extend(new)
        return new
