"""``kraken-tui events`` output: JSON lines written as fast as the reader takes them.

Why a writer thread: a ``print`` per event blocks the feed whenever the reader (a
pipe into ``jq``, a script) is slower than the wire, so the output lags ever further
behind. Here the feed never waits on the output. Lines queue on the event loop; a
single thread writes each batch; while it writes, the feed keeps applying frames, and
books only get *dirty*. When the thread is free again, the latest view of each dirty
book is built and written (``BookTracker.flush_views``): a burst costs one view per
book per write, never a queue of stale views; likewise a valid ticker replaces its
symbol's unwritten one, and a candle its unwritten line for the same symbol and
``interval_begin`` (the in-progress candle is re-sent on every trade; its latest numbers
are what matter). Trades are never coalesced: each is its own line. Every other event
(validity changes, resyncs, connection changes, alerts, ...) is queued as it comes, so
all of them are written, in order; a stale mark ends the coalescing of what came before.

A flush is scheduled with ``call_soon``: it runs once the feed's reader has drained
the frames already received, which is what lets a burst collapse even when the
output is fast.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol, TextIO

from kraken_tui.feed.events import CandlesUpdated, TickerUpdated

log = logging.getLogger(__name__)


class Line(Protocol):
    """Anything written as one JSON line: a feed event, an alert."""

    def to_json(self) -> dict[str, Any]: ...


def event_line(event: Line) -> str:
    """The event's JSON line(s): ``to_json_lines`` when it has one (a trade event is one
    line per trade), else one line."""
    return "".join(_dump(obj) + "\n" for obj in _objects(event))


def _objects(event: Line) -> list[dict[str, Any]]:
    to_lines = getattr(event, "to_json_lines", None)
    return to_lines() if to_lines is not None else [event.to_json()]


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, default=str)


class EventOutput:
    """Queues event lines on the loop; one thread writes them; see the module docstring."""

    def __init__(self, out: TextIO, *, on_broken: Callable[[], None]) -> None:
        """``on_broken``: the reader went away (``| head``): the caller stops the feed."""
        self._out = out
        self._on_broken = on_broken
        self._pending: list[str] = []
        self._ticker_at: dict[str, int] = {}  # symbol -> its valid ticker line in _pending
        # (symbol, interval_begin) -> that candle's line in _pending
        self._candle_at: dict[tuple[str, str], int] = {}
        self._pull: Callable[[], None] = lambda: None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="events-out")
        self._busy = False  # a batch is being written by the thread
        self._scheduled = False  # a flush is queued on the loop
        self._broken = False
        self._idle = threading.Event()
        self._idle.set()

    def start(self, loop: asyncio.AbstractEventLoop, pull: Callable[[], None]) -> None:
        """``pull``: emits the latest view of every dirty book (through ``emit``)."""
        self._loop = loop
        self._pull = pull

    def emit(self, event: Line) -> None:
        """The feed's sink (loop thread). A valid ticker replaces its symbol's valid ticker
        still waiting to be written (in place); an invalid one is always kept."""
        if self._broken:
            return
        if isinstance(event, CandlesUpdated):
            self._emit_candles(event)
            return
        line = event_line(event)
        if not line:  # e.g. a tape live again with nothing new to print
            return
        if isinstance(event, TickerUpdated):
            at = self._ticker_at.get(event.symbol)
            if event.valid and at is not None:
                self._pending[at] = line
                return
            if event.valid:
                self._ticker_at[event.symbol] = len(self._pending)
            else:
                self._ticker_at.pop(event.symbol, None)
        self._pending.append(line)
        self.kick()

    def _emit_candles(self, event: CandlesUpdated) -> None:
        """One line per candle; a valid one replaces its unwritten line (in place)."""
        symbol = event.symbol
        if not event.valid:
            for key in [k for k in self._candle_at if k[0] == symbol]:
                del self._candle_at[key]
            self._pending.append(event_line(event))
            self.kick()
            return
        for candle, obj in zip(event.candles, event.to_json_lines(), strict=True):
            key = (symbol, candle.interval_begin)
            line = _dump(obj) + "\n"
            at = self._candle_at.get(key)
            if at is not None:
                self._pending[at] = line
                continue
            self._candle_at[key] = len(self._pending)
            self._pending.append(line)
        self.kick()

    def kick(self) -> None:
        """Something is waiting to be written: flush once the loop is free."""
        if self._busy or self._scheduled or self._loop is None:
            return
        self._scheduled = True
        self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        if self._busy or self._broken:
            return
        self._pull()  # appends the dirty books' latest views to _pending
        if not self._pending:
            return
        data = "".join(self._pending)
        self._pending.clear()
        self._ticker_at.clear()
        self._candle_at.clear()
        self._busy = True
        self._idle.clear()
        future = self._writer.submit(self._write, data)
        future.add_done_callback(self._written_threadsafe)

    def _write(self, data: str) -> None:
        self._out.write(data)
        self._out.flush()

    def _written_threadsafe(self, future: Future[None]) -> None:
        loop = self._loop
        try:
            assert loop is not None
            loop.call_soon_threadsafe(self._written, future)
        except RuntimeError:  # the loop is closed: nothing more will be written
            self._idle.set()

    def _written(self, future: Future[None]) -> None:
        self._busy = False
        self._idle.set()
        exc = future.exception()
        if isinstance(exc, BrokenPipeError | ConnectionResetError):
            self._broken = True
            self._pending.clear()
            self._ticker_at.clear()
            self._candle_at.clear()
            self._on_broken()
            return
        if exc is not None:
            log.error("could not write events: %s", exc)
        self.kick()

    async def aclose(self) -> None:
        """Write everything still queued (the final views too), then stop the thread."""
        while not self._broken:
            if self._busy:
                await asyncio.get_running_loop().run_in_executor(None, self._idle.wait)
                await asyncio.sleep(0)  # let _written run
                continue
            self._pull()
            if not self._pending:
                break
            self._flush()
        self._writer.shutdown(wait=True)


def write_now(out: TextIO, on_broken: Callable[[], None]) -> Callable[[Line], None]:
    """A sink writing each event as it comes (``--every-frame``: one event per frame)."""

    def write(event: Line) -> None:
        try:
            out.write(event_line(event))
            out.flush()
        except BrokenPipeError:
            on_broken()

    return write
