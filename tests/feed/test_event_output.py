"""``events`` output: a slow reader gets the latest book, every other event, in order."""

from __future__ import annotations

import asyncio
import io
import json
import threading

from kraken_tui.feed.events import BookUpdated, ConnectionChanged, ResyncStarted
from kraken_tui.feed.output import EventOutput

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
