"""The market board: the UI is woken for the shown symbol only, once per look."""

from __future__ import annotations

from decimal import Decimal

from kraken_tui.feed.events import CandlesUpdated, TickerUpdated, TradesPrinted
from kraken_tui.kraken.market import Candle, Trade
from kraken_tui.ui.market_board import CANDLES_KEPT, TAPE_LENGTH, MarketBoard


def trade(symbol: str, n: int) -> Trade:
    return Trade(symbol, "buy", Decimal("100.5"), Decimal("0.1"), "limit", n,
                 f"2026-12-03T08:00:{n % 60:02d}.000000Z")


def candle(symbol: str, minute: int, close: str = "100") -> Candle:
    begin = f"2026-12-03T{minute // 60:02d}:{minute % 60:02d}:00.000000000Z"
    c = Decimal(close)
    return Candle(symbol, c, c, c, c, c, 1, Decimal("1"), begin, 1, begin)


def test_only_the_shown_symbol_wakes_the_ui_once_per_take() -> None:
    board = MarketBoard("BTC/USD")
    assert board.put(TradesPrinted("BTC/USD", (trade("BTC/USD", 1),)))
    assert not board.put(TradesPrinted("BTC/USD", (trade("BTC/USD", 2),)))  # in flight
    assert not board.put(TradesPrinted("ETH/USD", (trade("ETH/USD", 1),)))  # hidden
    change = board.take()
    assert change is not None and [t.trade_id for t in change.new_trades] == [1, 2]
    assert board.take() is None
    assert board.put(TickerUpdated("BTC/USD", False, None, "disconnected"))


def test_switching_takes_the_whole_state_of_the_new_symbol() -> None:
    board = MarketBoard("BTC/USD")
    for n in range(TAPE_LENGTH + 5):
        board.put(TradesPrinted("ETH/USD", (trade("ETH/USD", n),)))
    for minute in range(CANDLES_KEPT + 3):
        board.put(CandlesUpdated("ETH/USD", (candle("ETH/USD", minute),)))
    board.put(TradesPrinted("ETH/USD", valid=False, reason="disconnected"))
    change = board.show("ETH/USD")
    assert change.reset and len(change.trades) == TAPE_LENGTH
    assert change.trades[-1].trade_id == TAPE_LENGTH + 4
    assert change.trades_stale == "disconnected"
    assert change.candles is not None and len(change.candles) == CANDLES_KEPT
    assert change.candles[0].interval_begin < change.candles[-1].interval_begin
    assert board.put(TradesPrinted("ETH/USD", (trade("ETH/USD", 999),)))
    later = board.take()
    assert later is not None and later.trades_stale == ""


def test_a_stale_ticker_keeps_its_last_figures_however_the_looks_fall() -> None:
    from kraken_tui.kraken.market import Ticker

    d = Decimal("1")
    live = Ticker("BTC/USD", d, d, d, d, Decimal("97215.4"), d, d, d, d, d, d)
    board = MarketBoard("BTC/USD")
    board.put(TickerUpdated("BTC/USD", True, live))
    board.put(TickerUpdated("BTC/USD", False, None, "disconnected"))
    change = board.take()
    assert change is not None and change.ticker is not None
    assert not change.ticker.valid and change.ticker.ticker == live
    assert board.show("BTC/USD").ticker.ticker == live  # type: ignore[union-attr]
