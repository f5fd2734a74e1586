"""Fixed market data and a small app composing the four market panels (tests, snapshots).

Seeded, so every run draws the same screen: a ticker, trades with same-timestamp groups
and a few large prints, two hours of 1-minute candles and some fills of mine.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from ui_scenarios import iso

from kraken_tui.kraken.fills import Fill
from kraken_tui.kraken.market import Candle, Ticker, Trade
from kraken_tui.ui.widgets.chart import PriceChart
from kraken_tui.ui.widgets.fills import MyFills
from kraken_tui.ui.widgets.paced import PacedLines
from kraken_tui.ui.widgets.ticker import TickerStrip
from kraken_tui.ui.widgets.trades import TradeTape

SYMBOL = "BTC/USD"
TENTH = Decimal("0.1")
LOT = Decimal("0.00000001")

TICKER = Ticker(
    symbol=SYMBOL, bid=Decimal("97215.3"), bid_qty=Decimal("0.41213000"),
    ask=Decimal("97215.4"), ask_qty=Decimal("1.20000000"), last=Decimal("97215.4"),
    volume=Decimal("1843.27718520"), vwap=Decimal("96802.7"), low=Decimal("95120.0"),
    high=Decimal("97480.5"), change=Decimal("1250.6"), change_pct=Decimal("1.30"),
)


def trade(price: str, qty: str, side: str = "buy", offset: float = 0.0, trade_id: int = 1
          ) -> Trade:
    return Trade(SYMBOL, side, Decimal(price), Decimal(qty), "limit", trade_id, iso(offset))


def make_trades(n: int = 80, seed: int = 3) -> list[Trade]:
    """Trades oldest first, about two a second; every fifth a sweep of 2-4 levels."""
    rng = random.Random(seed)
    price = Decimal("97200.0")
    trades: list[Trade] = []
    offset = -n / 2
    for i in range(n):
        offset += rng.choice((0.13, 0.4, 0.71, 1.2))
        side = rng.choice(("buy", "sell"))
        price += rng.choice((-1, 0, 1)) * rng.randint(1, 30) * TENTH
        qty = Decimal(str(round(rng.expovariate(8), 8))).quantize(LOT)
        if i % 23 == 22:
            qty = (qty + Decimal("2.5")).quantize(LOT)  # a large print
        levels = 1 if i % 5 else rng.randint(2, 4)
        for level in range(levels):
            step = TENTH * level * (1 if side == "buy" else -1)
            trades.append(Trade(SYMBOL, side, price + step, qty + LOT * level, "market",
                                1000 + len(trades), iso(offset)))
    return trades


def make_candles(n: int = 120, seed: int = 5) -> list[Candle]:
    """``n`` 1-minute candles ending at the fixed clock, a seeded random walk."""
    rng = random.Random(seed)
    close = Decimal("96400.0")
    candles = []
    for i in range(n):
        begin = -60 * (n - i)
        open_ = close
        close = (open_ + Decimal(rng.randint(-180, 190)) * TENTH * 3).quantize(TENTH)
        high = max(open_, close) + Decimal(rng.randint(0, 120)) * TENTH
        low = min(open_, close) - Decimal(rng.randint(0, 120)) * TENTH
        candles.append(Candle(SYMBOL, open_, high, low, close, close, rng.randint(5, 90),
                              Decimal("1.5"), iso(begin), 1, iso(begin + 60)))
    return candles


def make_fill(exec_id: str, offset: float, side: str = "buy", price: str = "97100.0",
              qty: str = "0.01500000", liquidity: str | None = "maker") -> Fill:
    return Fill(SYMBOL, "OQCLML-BW3P3-BUCMWZ", exec_id, side, Decimal(price), Decimal(qty),
                Decimal("0.37863"), "USD", liquidity, iso(offset))


FILLS = (
    make_fill("TX1", -3600, "buy", "96150.0", "0.25000000", "maker"),
    make_fill("TX2", -1800, "sell", "96880.5", "0.10000000", "taker"),
    make_fill("TX3", -600, "buy", "97010.2", "0.04000000", "maker"),
    replace(make_fill("TX4", -42, "sell", "97214.9", "0.00120000", "taker"), symbol="ETH/USD",
            price=Decimal("3124.56"), fee=None),
)


class MarketApp(App[None]):
    """The ticker over the tape, the chart and my fills; ``stale`` marks them all stale."""

    CSS = """
    Horizontal { height: 1fr; }
    TradeTape { width: 42; height: 100%; }
    #right { width: 1fr; }
    PriceChart { height: 1fr; }
    MyFills { height: 9; }
    """

    played = False  # set once ``play`` has fed everything

    def __init__(self, stale: bool = False, feed: bool = True) -> None:
        super().__init__()
        self.stale = stale
        self.feed = feed
        self.animation_level = "none"

    def compose(self) -> ComposeResult:
        yield TickerStrip()
        with Horizontal():
            yield TradeTape()
            with Vertical(id="right"):
                yield PriceChart()
                yield MyFills()

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        if self.feed:
            self.call_after_refresh(self.play)

    def play(self) -> None:
        """Feed the fixed data, then (``stale``) what a disconnect would say."""
        self.query_one(TickerStrip).show(SYMBOL, TICKER, True)
        tape = self.query_one(TradeTape)
        trades = make_trades()
        tape.add(trades[:30], snapshot=True)
        tape.add(trades[30:])
        self.query_one(PriceChart).set_candles(make_candles())
        fills = self.query_one(MyFills)
        for fill in FILLS:
            fills.add(fill)
        if self.stale:
            self.query_one(TickerStrip).show(SYMBOL, None, False, "disconnected")
            tape.set_stale("disconnected")
            self.query_one(PriceChart).set_stale("heartbeat_timeout")
            fills.set_stale("disconnected")
        self.played = True


def settled(app: App[None]) -> Callable[[], bool]:
    """A condition: the data was fed and every panel painted it."""
    return lambda: getattr(app, "played", False) and not any(
        w.pending for w in app.query(PacedLines))
