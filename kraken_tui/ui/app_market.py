"""The market on screen: ticker strip, trade tape, price chart and my fills.

A mixin of ``KrakenMonitor``. Tickers, trades and candles of every symbol go to the
``MarketBoard`` on the feed's thread; the UI loop is woken for the shown symbol only
and draws what changed since its last look. Fills are rare and come as ordinary
feed-event messages.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from kraken_tui.feed.events import (
    CandlesUpdated,
    ConnectionChanged,
    FeedEvent,
    FillReported,
    TickerUpdated,
    TradesPrinted,
)
from kraken_tui.ui.market_board import MarketBoard, MarketChange
from kraken_tui.ui.widgets.chart import PriceChart
from kraken_tui.ui.widgets.fills import MyFills
from kraken_tui.ui.widgets.ticker import TickerStrip
from kraken_tui.ui.widgets.trades import TradeTape

MARKET_EVENTS = (TickerUpdated, TradesPrinted, CandlesUpdated)


class MarketMessage(Message):
    """The shown symbol's market changed: take the change from the board."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, MarketMessage)


class MarketPanels:
    """What ``KrakenMonitor`` provides to this half."""

    post_message: Any
    query_one: Any
    is_running: bool
    _stopping: bool

    def _init_market(self, shown: str) -> None:
        self._board = MarketBoard(shown)

    def _mount_market(self, shown: str) -> None:
        self._ticker = self.query_one(TickerStrip)
        self._tape = self.query_one(TradeTape)
        self._chart = self.query_one(PriceChart)
        self._fills = self.query_one(MyFills)
        self._draw_market(self._board.show(shown))

    def _market_sink(self, event: FeedEvent) -> bool:
        """Feed thread: True if ``event`` was a market event (stored, maybe a wake-up)."""
        if not isinstance(event, MARKET_EVENTS):
            return False
        if self._board.put(event):
            self.post_message(MarketMessage())
        return True

    def on_market_message(self, message: MarketMessage) -> None:
        if not self.is_running or self._stopping:
            return
        change = self._board.take()
        if change is not None:
            self._draw_market(change)

    def _show_market_of(self, symbol: str) -> None:
        """A symbol switch: the panels show everything known about ``symbol``."""
        self._draw_market(self._board.show(symbol))

    def _draw_market(self, change: MarketChange) -> None:
        if change.reset:
            self._tape.clear()
            self._chart.clear()
        t = change.ticker
        if t is not None or change.reset:
            self._ticker.show(change.symbol, t.ticker if t else None, bool(t and t.valid),
                              t.reason if t else "awaiting_snapshot")
        trades = change.trades if change.reset else change.new_trades
        if trades:
            self._tape.add(trades, snapshot=change.resubscribed)
        if change.trades_stale:
            self._tape.set_stale(change.trades_stale)
        if change.candles:
            self._chart.set_candles(change.candles)
        if change.candles_stale:
            self._chart.set_stale(change.candles_stale)

    def _paint_market_along(self) -> None:
        """The book just painted: the market panels' waiting paints join its pass."""
        for widget in (self._ticker, self._tape, self._chart):
            widget.paint_along()

    def _on_fill(self, event: FillReported) -> None:
        self._fills.add(event.fill)

    def _fills_follow(self, event: ConnectionChanged) -> None:
        """My fills come from the private connection: stale while it is down."""
        if event.endpoint != "private":
            return
        if event.state == "connected":
            self._fills.set_stale(False)
        elif self._fills.stale_reason is None and event.state in ("disconnected", "backoff"):
            self._fills.set_stale("disconnected")
