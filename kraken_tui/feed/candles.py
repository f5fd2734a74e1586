"""The ``ohlc`` channel at one minute: new and changed candles, and a short history.

Kraken sends the recent candles as a snapshot (intervals without trades absent), then on
each trade only the in-progress candle; there is no "closed" message, a candle is final
when one with a later ``interval_begin`` arrives (§15.2). So a candle is keyed by its
``interval_begin``: a row equal to the one held is not news (a reconnect's snapshot mostly
repeats what we have), anything else is emitted. The latest ``CANDLES_KEPT`` per symbol
are kept so a chart that opens late can be given history.

Trust is marked as for books: ``CandlesUpdated(valid=False)`` at once on disconnect,
heartbeat deadline or maintenance; the next frame for the symbol makes it live again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kraken_tui.feed.events import CandlesUpdated, FeedEvent
from kraken_tui.feed.market_channel import MarketChannel
from kraken_tui.kraken.market import Candle, OhlcFrame

#: Candles kept per symbol: two hours of one-minute candles.
CANDLES_KEPT = 120
#: Minutes per candle: the one interval subscribed.
INTERVAL = 1


class CandleTracker(MarketChannel):
    """Every watched symbol's one-minute candles on the public connection."""

    channel = "ohlc"

    def __init__(self, symbols: tuple[str, ...], *, send: Callable[[str], None],
                 emit: Callable[[FeedEvent], None], next_req_id: Callable[[], int]) -> None:
        super().__init__(symbols, send=send, emit=emit, next_req_id=next_req_id)
        # symbol -> interval_begin -> candle, oldest first (interval_begin's fixed-width
        # RFC 3339 text sorts as time does).
        self._candles: dict[str, dict[str, Candle]] = {s: {} for s in symbols}

    def subscribe_params(self) -> dict[str, Any]:
        return {"interval": INTERVAL, "snapshot": True}

    def stale_event(self, symbol: str, reason: str) -> FeedEvent:
        return CandlesUpdated(symbol, valid=False, reason=reason)

    def history(self, symbol: str) -> tuple[Candle, ...]:
        """The candles held for ``symbol``, oldest first (at most ``CANDLES_KEPT``)."""
        return tuple(self._candles.get(symbol, {}).values())

    def on_frame(self, frame: OhlcFrame) -> None:
        by_symbol: dict[str, list[Candle]] = {}
        for candle in frame.data:
            if candle.symbol in self.valid and candle.interval == INTERVAL:
                by_symbol.setdefault(candle.symbol, []).append(candle)
        for symbol, candles in by_symbol.items():
            changed = self._store(symbol, candles)
            was_stale = self.fresh(symbol)
            if changed or was_stale:
                self._emit(CandlesUpdated(symbol, tuple(changed)))
            if self.maintenance and changed:  # shown, but not to be trusted yet
                self._emit(self.stale_event(symbol, "maintenance"))

    def _store(self, symbol: str, candles: list[Candle]) -> list[Candle]:
        """Keep the new and changed rows; returns them in wire order."""
        held = self._candles[symbol]
        changed: list[Candle] = []
        in_order = True
        for candle in candles:
            begin = candle.interval_begin
            if held.get(begin) == candle:
                continue
            if begin not in held and held and begin < next(reversed(held)):
                in_order = False
            held[begin] = candle
            changed.append(candle)
        if not in_order or len(held) > CANDLES_KEPT:
            self._candles[symbol] = dict(sorted(held.items())[-CANDLES_KEPT:])
        return changed
