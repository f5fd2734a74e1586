"""Every watched symbol's ticker, recent trades and candles, between feed thread and UI.

The feed's thread writes here (``put``) for every symbol; the UI loop is woken only
for the shown symbol, at most one message in flight, and takes what changed since
its last look (``take``). Switching symbols takes the whole state of the new one
(``show``), so the tape and the chart fill at once instead of starting empty. At
200 trades a second this costs the UI loop one wake-up per paint, not one per trade.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field, replace

from kraken_tui.feed.events import CandlesUpdated, TickerUpdated, TradesPrinted
from kraken_tui.kraken.market import Candle, Trade

#: Rows the tape keeps per symbol, and 1-minute candles the chart keeps (two hours).
TAPE_LENGTH = 200
CANDLES_KEPT = 120

MarketEvent = TickerUpdated | TradesPrinted | CandlesUpdated


@dataclass
class SymbolMarket:
    """One symbol's market as last told by the feed."""

    ticker: TickerUpdated | None = None
    trades: deque[Trade] = field(default_factory=lambda: deque(maxlen=TAPE_LENGTH))
    trades_stale: str = ""  # why the tape is not live ("" when it is)
    candles: dict[str, Candle] = field(default_factory=dict)  # by interval_begin
    candles_stale: str = ""


@dataclass
class MarketChange:
    """What the UI must draw for the shown symbol; ``reset``: redraw it all."""

    symbol: str
    reset: bool = False
    ticker: TickerUpdated | None = None
    new_trades: list[Trade] = field(default_factory=list)
    resubscribed: bool = False  # a (re)subscribe's snapshot came: trades may be missing
    trades: list[Trade] = field(default_factory=list)  # all of them, when ``reset``
    trades_stale: str | None = None  # set: the tape's state changed to this
    candles: list[Candle] | None = None  # the whole series, when it changed
    candles_stale: str | None = None


class MarketBoard:
    """Thread-safe market state per symbol; see the module's docstring."""

    def __init__(self, shown: str) -> None:
        self._lock = threading.Lock()
        self._markets: dict[str, SymbolMarket] = {}
        self._shown = shown
        self._change = MarketChange(shown)
        self._dirty = False
        self._in_flight = False
        self.events = 0  # every event put (tests count them as handled)

    @property
    def pending(self) -> bool:
        """A change of the shown symbol not yet drawn (tests wait on this)."""
        with self._lock:
            return self._dirty or self._in_flight

    def market(self, symbol: str) -> SymbolMarket:
        return self._markets.setdefault(symbol, SymbolMarket())

    def put(self, event: MarketEvent) -> bool:
        """Feed thread: store ``event``; True when the UI loop should get a message."""
        with self._lock:
            self.events += 1
            m = self.market(event.symbol)
            shown = event.symbol == self._shown
            change = self._change
            if isinstance(event, TickerUpdated):
                if event.ticker is None and m.ticker is not None and m.ticker.ticker:
                    # A stale mark keeps the last figures on screen (dimmed), however the
                    # UI's looks fall between the two events.
                    event = replace(event, ticker=m.ticker.ticker)
                m.ticker = event
                if shown:
                    change.ticker = event
            elif isinstance(event, TradesPrinted):
                self._put_trades(m, event, change if shown else None)
            else:
                self._put_candles(m, event, change if shown else None)
            if not shown:
                return False
            self._dirty = True
            if self._in_flight:
                return False
            self._in_flight = True
            return True

    @staticmethod
    def _put_trades(m: SymbolMarket, event: TradesPrinted, change: MarketChange | None
                    ) -> None:
        if not event.valid:
            m.trades_stale = event.reason or "stale"
        elif event.trades:
            m.trades.extend(event.trades)
            m.trades_stale = ""
        if change is not None:
            if event.valid:
                change.new_trades.extend(event.trades)
                change.resubscribed |= event.snapshot
            change.trades_stale = m.trades_stale

    @staticmethod
    def _put_candles(m: SymbolMarket, event: CandlesUpdated, change: MarketChange | None
                     ) -> None:
        if not event.valid:
            m.candles_stale = event.reason or "stale"
        else:
            for candle in event.candles:
                m.candles[candle.interval_begin] = candle
            if len(m.candles) > CANDLES_KEPT:
                for begin in sorted(m.candles)[: len(m.candles) - CANDLES_KEPT]:
                    del m.candles[begin]
            m.candles_stale = ""
        if change is not None:
            change.candles = [m.candles[b] for b in sorted(m.candles)]
            change.candles_stale = m.candles_stale

    def take(self) -> MarketChange | None:
        """UI loop: what changed for the shown symbol since the last take (None: nothing)."""
        with self._lock:
            self._in_flight = False
            if not self._dirty:
                return None
            change, self._change = self._change, MarketChange(self._shown)
            self._dirty = False
            return change

    def show(self, symbol: str) -> MarketChange:
        """UI loop: ``symbol`` is now shown; everything known about it, to draw afresh."""
        with self._lock:
            self._shown = symbol
            self._change = MarketChange(symbol)
            self._dirty = False
            m = self.market(symbol)
            return MarketChange(
                symbol, reset=True, ticker=m.ticker, trades=list(m.trades),
                trades_stale=m.trades_stale,
                candles=[m.candles[b] for b in sorted(m.candles)],
                candles_stale=m.candles_stale)
