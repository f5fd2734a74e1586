"""Public market data state driven by the simulated market's own trades: candles and frames.

Every public trade (the market's matching and the demo account's fills alike) passes through
:meth:`MarketData.record`, so the trade, ticker and ohlc channels all describe the same prints,
with one clock per engine event, as Kraken's do (protocol notes §13.3). Prices and quantities
stay integer ticks and lots here and become exact number tokens only when rendered.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kraken_tui.sim.market import Market, PairSpec, Trade
from kraken_tui.sim.wire import num, rfc3339_us

#: The ``interval`` values Kraken accepts, in minutes (protocol notes §15.1).
INTERVALS = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)
#: How many intervals a snapshot reaches back (the one untrimmed live sample showed 12).
SNAPSHOT_INTERVALS = 12
OHLC_WARNING = "timestamp is deprecated, use interval_begin"


@dataclass(slots=True)
class CandleState:
    """One interval's running candle in integer ticks/lots; ``begin`` in epoch seconds."""

    begin: int
    open: int
    high: int
    low: int
    close: int
    trades: int
    volume: int  # lots
    notional: int  # ticks * lots, for the vwap

    @classmethod
    def first(cls, begin: int, trade: Trade) -> CandleState:
        return cls(begin, trade.price, trade.price, trade.price, trade.price, 1, trade.qty,
                   trade.price * trade.qty)

    def add(self, trade: Trade) -> None:
        self.high = max(self.high, trade.price)
        self.low = min(self.low, trade.price)
        self.close = trade.price
        self.trades += 1
        self.volume += trade.qty
        self.notional += trade.price * trade.qty

    @property
    def vwap(self) -> int:
        """Volume-weighted price in ticks, rounded half up (a candle always has volume)."""
        return (2 * self.notional + self.volume) // (2 * self.volume)


class Candles:
    """One symbol's candles at every interval; an interval without trades never exists."""

    def __init__(self) -> None:
        self.by_interval: dict[int, deque[CandleState]] = {
            interval: deque(maxlen=SNAPSHOT_INTERVALS + 1) for interval in INTERVALS
        }

    def add(self, trade: Trade) -> None:
        for interval, candles in self.by_interval.items():
            seconds = interval * 60
            begin = int(trade.timestamp // seconds) * seconds
            last = candles[-1] if candles else None
            if last is not None and begin <= last.begin:  # a clock step back joins the open one
                last.add(trade)
            else:
                candles.append(CandleState.first(begin, trade))

    def current(self, interval: int) -> CandleState | None:
        candles = self.by_interval[interval]
        return candles[-1] if candles else None

    def recent(self, interval: int, now: float) -> list[CandleState]:
        """Oldest first: the intervals of the last ``SNAPSHOT_INTERVALS`` that saw trades."""
        seconds = interval * 60
        since = (int(now // seconds) - SNAPSHOT_INTERVALS + 1) * seconds
        return [c for c in self.by_interval[interval] if c.begin >= since]


def rfc3339_ns(ts: float) -> str:
    """ohlc's top-level ``timestamp``: trailing fractional zeros trimmed (RFC3339Nano style).

    Built from the µs text of the same instant, so it shares its digits with the trade and
    ticker messages of the same event, as in Kraken's capture (§13.3).
    """
    text = rfc3339_us(ts)[:-1]
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}Z" if fraction else f"{whole}Z"


def interval_begin_text(begin: int) -> str:
    """``2026-09-10T17:32:00.000000000Z``: always nine fractional digits."""
    return datetime.fromtimestamp(begin, UTC).strftime("%Y-%m-%dT%H:%M:%S") + ".000000000Z"


def candle_entry(spec: PairSpec, candle: CandleState, interval: int) -> dict[str, Any]:
    """One ohlc row; its ``timestamp`` is the interval END (what Kraken sends, not the doc)."""
    p, q = spec.price_decimals, spec.qty_decimals
    return {
        "symbol": spec.symbol,
        "open": num(candle.open, p),
        "high": num(candle.high, p),
        "low": num(candle.low, p),
        "close": num(candle.close, p),
        "trades": candle.trades,
        "volume": num(candle.volume, q),
        "vwap": num(candle.vwap, p),
        "interval_begin": interval_begin_text(candle.begin),
        "interval": interval,
        "timestamp": rfc3339_us(candle.begin + interval * 60),
    }


class MarketData:
    """Candles for every symbol that traded, fed by every public trade in order."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self.candles: dict[str, Candles] = {}

    def record(self, symbol: str, trades: list[Trade]) -> None:
        candles = self.candles.get(symbol)
        if candles is None:
            candles = self.candles[symbol] = Candles()
        for trade in trades:
            candles.add(trade)

    def own_fill(self, entry: dict[str, Any]) -> Trade | None:
        """A demo-account fill (an executions ``trade`` entry) as the public print it makes.

        The account's resting order is the maker, so the taker took the other side, at the
        order's own price, with the trade_id the exchange already drew from the book's sequence.
        """
        symbol = entry.get("symbol")
        if entry.get("exec_type") != "trade" or symbol not in self.market:
            return None
        sm = self.market[symbol]
        spec = sm.spec
        stamp = datetime.strptime(entry["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
        trade = Trade(
            symbol, "sell" if entry["side"] == "buy" else "buy",
            spec.price_ticks(entry["last_price"]), spec.qty_lots(entry["last_qty"]), "market",
            int(entry["trade_id"]), stamp.replace(tzinfo=UTC).timestamp(),
        )
        sm.publish(trade)
        return trade

    def ohlc_update(self, symbol: str, interval: int, ts: float) -> dict[str, Any] | None:
        current = self.candles[symbol].current(interval) if symbol in self.candles else None
        if current is None:
            return None
        spec = self.market.specs[symbol]
        return {"channel": "ohlc", "type": "update", "timestamp": rfc3339_ns(ts),
                "data": [candle_entry(spec, current, interval)]}

    def ohlc_snapshot(self, symbol: str, interval: int, now: float) -> dict[str, Any]:
        spec = self.market.specs[symbol]
        candles = self.candles[symbol].recent(interval, now) if symbol in self.candles else []
        return {"channel": "ohlc", "type": "snapshot", "timestamp": rfc3339_ns(now),
                "data": [candle_entry(spec, c, interval) for c in candles]}
