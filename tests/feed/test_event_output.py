"""``events`` output: a slow reader gets the latest book, every other event, in order."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from decimal import Decimal

from kraken_tui.feed.events import (
    BookUpdated,
    CandlesUpdated,
    ConnectionChanged,
    ResyncStarted,
    TradesPrinted,
)
from kraken_tui.feed.output import EventOutput, write_now
from kraken_tui.kraken.market import Candle, Trade

WAIT_S = 10.0


class GatedWriter(io.StringIO):
    """Blocks every write until the gate opens, like a pipe whose reader is busy."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.writing = threading.Event()
        self.lines: list[dict] = []

    def write(self, text: str) -> int:
        self.writing.set()
        assert self.gate.wait(WAIT_S)
        self.lines += [json.loads(line) for line in text.splitlines()]
        return len(text)


def test_a_slow_reader_gets_one_latest_view_and_every_other_event_in_order() -> None:
    async def scenario() -> list[dict]:
        out = GatedWriter()
        output = EventOutput(out, on_broken=lambda: None)
        book = {"version": 0, "dirty": False}
        built: list[int] = []

        def pull() -> None:
            if book["dirty"]:
                book["dirty"] = False
                built.append(book["version"])
                output.emit(BookUpdated("BTC/USD", True, None, book["version"]))

        output.start(asyncio.get_running_loop(), pull)
        output.emit(ConnectionChanged("public", "connected", 1))
        await asyncio.wait_for(asyncio.to_thread(out.writing.wait, WAIT_S), WAIT_S)
        for version in range(1, 101):  # a burst while the reader is stuck
            book["version"], book["dirty"] = version, True
            output.kick()
            await asyncio.sleep(0)
        output.emit(ResyncStarted("ETH/USD", "checksum_mismatch", 1))
        output.emit(ConnectionChanged("public", "disconnected", 1, None, "stopped"))
        out.gate.set()
        await asyncio.wait_for(output.aclose(), WAIT_S)
        assert built == [100]  # one view built, of the latest state
        return out.lines

    lines = asyncio.run(scenario())
    assert [(line["event"], line.get("checksum"), line.get("state")) for line in lines] == [
        ("connection", None, "connected"),
        ("resync", None, None),
        ("connection", None, "disconnected"),
        ("book", 100, None),
    ]


def test_a_reader_that_goes_away_stops_the_feed_and_nothing_more_is_written() -> None:
    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    async def scenario() -> int:
        stopped = asyncio.Event()
        output = EventOutput(Gone(), on_broken=stopped.set)
        output.start(asyncio.get_running_loop(), lambda: None)
        output.emit(ConnectionChanged("public", "connected", 1))
        await asyncio.wait_for(stopped.wait(), WAIT_S)
        output.emit(ConnectionChanged("public", "disconnected", 1))
        await asyncio.wait_for(output.aclose(), WAIT_S)
        return 0

    assert asyncio.run(scenario()) == 0


def test_tickers_coalesce_to_the_latest_but_an_invalid_one_is_always_written() -> None:
    from decimal import Decimal

    from kraken_tui.feed.events import TickerUpdated
    from kraken_tui.kraken.market import Ticker

    def tick(last: int, valid: bool = True) -> TickerUpdated:
        d = Decimal(last)
        return TickerUpdated("BTC/USD", valid, Ticker("BTC/USD", d, d, d, d, d, d, d, d, d,
                                                      d, d), "" if valid else "disconnected")

    async def scenario() -> list[dict]:
        out = GatedWriter()
        output = EventOutput(out, on_broken=lambda: None)
        output.start(asyncio.get_running_loop(), lambda: None)
        output.emit(ConnectionChanged("public", "connected", 1))
        await asyncio.wait_for(asyncio.to_thread(out.writing.wait, WAIT_S), WAIT_S)
        for last in range(1, 51):  # a burst of trades while the reader is stuck
            output.emit(tick(last))
        output.emit(tick(50, valid=False))
        output.emit(tick(60))
        output.emit(tick(61))
        out.gate.set()
        await asyncio.wait_for(output.aclose(), WAIT_S)
        return out.lines

    lines = asyncio.run(scenario())
    assert [(e["event"], e.get("last"), e.get("valid")) for e in lines] == [
        ("connection", None, None), ("ticker", "50", True), ("ticker", "50", False),
        ("ticker", "61", True)]



def _trade(trade_id: int, price: str = "100.0") -> Trade:
    return Trade("BTC/USD", "sell", Decimal(price), Decimal("0.10000000"), "market", trade_id,
                 f"2026-09-25T17:48:{trade_id % 60:02d}.000001Z")


def _candle(minute: int, close: str, trades: int) -> Candle:
    d = Decimal("10.0")
    return Candle("BTC/USD", d, Decimal("11.0"), Decimal("9.0"), Decimal(close), d, trades,
                  Decimal("1.00000000"), f"2026-09-10T17:{minute:02d}:00.000000000Z", 1,
                  f"2026-09-10T17:{minute + 1:02d}:00.000000Z")

def test_trades_are_never_coalesced_candles_are_per_minute() -> None:
    """While the reader is stuck: every trade keeps its line (in order), an in-progress
    candle keeps only its latest numbers, and a stale mark is never overwritten."""
    async def scenario() -> list[dict]:
        out = GatedWriter()
        output = EventOutput(out, on_broken=lambda: None)
        output.start(asyncio.get_running_loop(), lambda: None)
        output.emit(ConnectionChanged("public", "connected", 1))
        await asyncio.wait_for(asyncio.to_thread(out.writing.wait, WAIT_S), WAIT_S)
        for trade_id in range(1, 101):  # a burst of trades, each moving the minute's candle
            output.emit(TradesPrinted("BTC/USD", (_trade(trade_id),)))
            output.emit(CandlesUpdated("BTC/USD", (_candle(48, f"1{trade_id}.0", trade_id),)))
        output.emit(TradesPrinted("BTC/USD", (_trade(101), _trade(102))))  # one batch, 2 lines
        output.emit(TradesPrinted("BTC/USD", ()))  # live again, nothing new: no line
        output.emit(CandlesUpdated("BTC/USD", valid=False, reason="disconnected"))
        output.emit(CandlesUpdated("BTC/USD", (_candle(48, "7.0", 101), _candle(49, "8.0", 1))))
        output.emit(CandlesUpdated("BTC/USD", (_candle(49, "9.0", 2),)))
        out.gate.set()
        await asyncio.wait_for(output.aclose(), WAIT_S)
        return out.lines

    lines = asyncio.run(scenario())
    trades = [e for e in lines if e["event"] == "trade"]
    assert [e["trade_id"] for e in trades] == list(range(1, 103))
    assert trades[0] == {"event": "trade", "symbol": "BTC/USD", "side": "sell",
                         "price": "100.0", "qty": "0.10000000", "trade_id": 1,
                         "time": "2026-09-25T17:48:01.000001Z"}
    candles = [(e.get("begin", "")[14:16], e.get("close"), e.get("trades"), e.get("valid"))
               for e in lines if e["event"] == "candle"]
    assert candles == [("48", "1100.0", 100, None), ("", None, None, False),
                       ("48", "7.0", 101, None), ("49", "9.0", 2, None)]
    assert lines.index(next(e for e in lines if e["event"] == "candle")) == 2  # where it came


def test_every_frame_writes_each_trade_on_its_own_line() -> None:
    out = io.StringIO()
    write = write_now(out, lambda: None)
    write(TradesPrinted("BTC/USD", (_trade(7), _trade(8))))
    write(TradesPrinted("BTC/USD", ()))
    assert [json.loads(line)["trade_id"] for line in out.getvalue().splitlines()] == [7, 8]
