"""Replay: a recording drives the real feed's frame handlers, with no socket at all.

``ReplayFeed`` *is* a ``Feed`` (same book state machine, checksums, account, status
and banners), whose frames come from a file instead of two websockets. The book
tracker's requests are answered at once by the replay itself (there is no Kraken to
ask): a subscribe is acked, and a resync (say, after a checksum mismatch) waits for
the next snapshot in the file, as the live session waited for Kraken's. Acks that
were recorded carry the live session's request ids and are ignored as stale.

What a recording does not say is worked out first (``plan_replay``): the symbols and
depth (our metadata line; else the subscribe acks and snapshots), and each pair's
precision from its first snapshot's number tokens, which Kraken pads to the pair's
precision. An ``instrument`` frame in the recording replaces those guesses.

Time is the recording's: ``speed`` 1 replays in real time, 10 ten times faster,
``None`` (``max``) as fast as the machine goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from kraken_tui.config import DEPTHS
from kraken_tui.feed.connection import Feed
from kraken_tui.feed.events import ConnectionChanged, FeedEvent, ModeChanged
from kraken_tui.feed.feed_config import FeedConfig
from kraken_tui.kraken.frames import (
    BookFrame,
    MethodResponse,
    book_frame_from_wire,
    decode_frame,
)
from kraken_tui.kraken.models import PairInfo
from kraken_tui.record.compression import RecordingError
from kraken_tui.record.fast_line import DECODE_ERRORS, decode_recorded_book
from kraken_tui.record.reader import RecordingReader, snapshot_precision

log = logging.getLogger(__name__)

#: At speed max, yield to the loop this often (output flushes, the UI's calls).
YIELD_EVERY_FRAMES = 1024
_YIELD_MASK = YIELD_EVERY_FRAMES - 1
SPEED_STEPS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0, 100.0, math.inf)


def parse_speed(text: str) -> float | None:
    """``"max"`` -> None (as fast as possible); else a positive number (1 = real time)."""
    if text.strip().lower() == "max":
        return None
    try:
        speed = float(text)
    except ValueError:
        speed = math.nan
    if not (0 < speed < math.inf):
        raise ValueError(f"--speed: {text} is not a speed; use a positive number "
                         "(1 = real time, 10 = ten times faster) or max")
    return speed


@dataclass(frozen=True, slots=True)
class ReplayPlan:
    """What the replay needs before the first frame; see the module docstring."""

    path: Path
    symbols: tuple[str, ...]
    depth: int
    precisions: dict[str, tuple[int, int]]
    started: str | None = None  # the metadata's RFC 3339 start, when there is one
    duration: float | None = None  # seconds from the first timed frame to the last (measured)
    first_t: float | None = None  # the first timed frame's t: the replay clock's zero


def plan_replay(path: str | Path, *, measure: bool = False) -> ReplayPlan:
    """Read as far as needed to know the symbols, depth and precisions (all of a file
    without our metadata line; a few lines of one with it). ``measure``: also read to
    the end for the duration (the monitor's progress bar)."""
    reader = RecordingReader(path)
    meta = reader.metadata or {}
    symbols: list[str] = [s for s in meta.get("symbols", []) if isinstance(s, str)]
    depth = meta.get("depth") if isinstance(meta.get("depth"), int) else None
    known_symbols = bool(symbols)
    precisions: dict[str, tuple[int, int]] = {}
    widest = 0
    first_t: float | None = None
    for recorded in reader:
        if first_t is None:
            first_t = recorded.t
        text = recorded.frame
        if '"book"' not in text:
            continue
        if '"snapshot"' in text and '"data"' in text:
            frame = decode_frame(text)
            if not isinstance(frame, BookFrame) or not frame.is_snapshot:
                continue
            for symbol, precision in snapshot_precision(frame).items():
                precisions.setdefault(symbol, precision)
                if symbol not in symbols:
                    symbols.append(symbol)
            widest = max(widest, *(max(len(b.bids), len(b.asks)) for b in frame.books))
        elif depth is None and '"method"' in text:
            depth = _acked_depth(text)
        if (known_symbols and depth is not None and first_t is not None
                and all(s in precisions for s in symbols)):
            break
    reader.close()  # perhaps stopped early: the replay reads the file again from the top
    if not symbols:
        raise RecordingError(f"{path}: holds no book frames to replay")
    if depth not in DEPTHS:
        depth = next((d for d in DEPTHS if d >= widest), DEPTHS[-1])
    started = meta.get("started") if isinstance(meta.get("started"), str) else None
    duration = _duration(path) if measure else None
    return ReplayPlan(Path(path), tuple(symbols), depth, precisions, started, duration,
                      first_t)


def _duration(path: str | Path) -> float | None:
    """Last timed frame's t less the first's: one pass, parsing only those two lines."""
    reader = RecordingReader(path)
    first: float | None = None
    last_batch: list[str] = []
    for first_line, batch in reader.batches():
        if first is None:
            first = next((f.t for n, line in enumerate(batch, first_line)
                          if (f := reader.parse(line, n)) is not None and f.t is not None), None)
        last_batch = batch
    last = next((f.t for line in reversed(last_batch)
                 if (f := reader.parse(line, 0)) is not None and f.t is not None), None)
    if first is None or last is None:
        return None
    return max(0.0, last - first)


def _acked_depth(text: str) -> int | None:
    try:
        result = json.loads(text).get("result")
    except ValueError:
        return None
    depth = result.get("depth") if isinstance(result, dict) else None
    return depth if isinstance(depth, int) else None


@dataclass(frozen=True, slots=True)
class ReplayProgress(FeedEvent):
    """Where a replay is (the monitor's status bar); never printed by ``events``."""

    kind: ClassVar[str] = "replay"
    position: float  # seconds into the recording
    fraction: float  # of the file read, 0..1
    speed: float | None  # None: max
    paused: bool
    finished: bool = False


class ReplayFeed(Feed):
    """A ``Feed`` whose frames come from a recording; see the module docstring."""

    def __init__(
        self,
        plan: ReplayPlan,
        sink: Callable[[FeedEvent], None],
        *,
        speed: float | None = None,
        view_levels: int = 50,
        book_emit_interval: float = 0.0,
        on_books_dirty: Callable[[], None] | None = None,
        progress: bool = False,
    ) -> None:
        """``progress``: emit ``ReplayProgress`` (the monitor); ``events`` does not."""
        config = FeedConfig(symbols=plan.symbols, depth=plan.depth, private=False,
                            view_levels=view_levels, book_emit_interval=book_emit_interval,
                            backoff_initial=0.0, backoff_cap=0.0)  # a resync waits for no one
        self._now = 0.0
        super().__init__(config, sink, clock=lambda: self._now, on_books_dirty=on_books_dirty)
        self.plan = plan
        self.speed = speed
        self.paused = False
        self._progress = progress
        self._reader: RecordingReader | None = None
        self._acks: deque[str] = deque()
        self._acking = False
        self._wake: asyncio.Event | None = None
        self._anchor: tuple[float, float] = (0.0, 0.0)  # (loop time, recording time)
        self._private_seen = False
        self._first_t: float | None = plan.first_t
        self._next_stats = 0.0
        self._first_line = 1
        for symbol, (price, qty) in plan.precisions.items():
            base, _, quote = symbol.partition("/")
            self.instruments.add(PairInfo(symbol, base, quote, "online", price, qty))

    # ------------------------------------------------------------------ control (any thread)

    def set_speed(self, speed: float | None) -> None:
        self._call_threadsafe(self._set_speed, speed)

    def toggle_pause(self) -> None:
        self._call_threadsafe(self._set_paused, not self.paused)

    def request_resync(self, symbol: str | None = None) -> None:
        log.info("replay: a resync cannot be asked of a recording")

    def set_depth(self, depth: int) -> None:
        log.info("replay: the depth is the recording's (%d)", self.plan.depth)

    def _set_speed(self, speed: float | None) -> None:
        self.speed = speed
        self._reanchor()
        self._report()

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._reanchor()
        self._report()

    def _reanchor(self) -> None:
        if self._loop is not None:
            self._anchor = (self._loop.time(), self._now)
        if self._wake is not None:
            self._wake.set()

    # ------------------------------------------------------------------ the run

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        self._wake = asyncio.Event()
        if self._stop_requested:
            return
        try:
            self._reader = RecordingReader(self.plan.path)
            self.emit(ModeChanged(private=False, note=f"replay of {self.plan.path.name}",
                                  replay=True))
            self.emit(ConnectionChanged("public", "connecting", 1))
            self.emit(ConnectionChanged("public", "connected", 1))
            self._request_books()  # answered by _send_public: no Kraken to wait for
            # The end of the file is not a disconnect: the books stay as the recording
            # left them (the monitor marks the replay END; events simply ends).
            await self._play(self._reader)
        finally:
            await self._shutdown(disarm=False)

    async def _play(self, reader: RecordingReader) -> None:
        """The hot loop: at max speed, per frame only decode and route (as ``Feed._read``);
        the clock, stats and stop checks run every ``YIELD_EVERY_FRAMES`` frames."""
        assert self._loop is not None and self._wake is not None
        public = self._frame_handlers("public")
        private = self._frame_handlers("private")
        private.pop(MethodResponse)  # the private handshake is not replayed
        private_stats = self.stats["private"]
        self._first_line = 2 if reader.metadata is not None else 1
        decode, parse = decode_frame, reader.parse
        decode_line, from_wire = decode_recorded_book, book_frame_from_wire
        self._anchor = (self._loop.time(), 0.0)
        paced = self.paused or self.speed is not None  # changes only while we yield
        on_book = self.books.on_book
        t: float | None = None
        line_no = self._first_line - 1
        skipped = 0  # lines that held no frame
        for first_line, batch in reader.batches():
            for line_no, line in enumerate(batch, first_line):
                try:
                    hit = decode_line(line)
                except DECODE_ERRORS:
                    hit = None
                frame = from_wire(hit.frame) if hit is not None else None
                if frame is not None:
                    if line_no & _YIELD_MASK and not paced and hit.conn == "public":
                        snapshot = frame.is_snapshot  # the common case, kept bare
                        for data in frame.books:
                            on_book(data, snapshot)
                        continue
                    t, conn = hit.t, hit.conn
                else:
                    recorded = parse(line, line_no)
                    if recorded is None:
                        skipped += 1
                        continue
                    t, conn, text = recorded
                    frame = decode(text)
                # Off the bare path (rare at max speed): the clock and stats are exact.
                self._clock_to(t)
                self._count(line_no, skipped)
                if paced or not line_no & _YIELD_MASK:
                    if paced:
                        await self._pace()
                    else:
                        await asyncio.sleep(0)  # output flushes, the UI's calls
                    if self.stopping:
                        return
                    paced = self.paused or self.speed is not None
                    self._periodic()
                if conn == "private":
                    if not self._private_seen:
                        self._private_seen = True
                        self.emit(ModeChanged(private=True, replay=True))
                        self.emit(ConnectionChanged("private", "connected", 1))
                    private_stats.frames += 1
                    private_stats.last_rx = self._now
                    handler = private.get(type(frame))
                else:
                    handler = public.get(type(frame))
                if handler is not None:
                    handler(frame)
        self._clock_to(t)
        self._count(line_no, skipped)
        self.books.flush_all()
        self._next_stats = 0.0
        self._periodic()  # the final stats and progress
        self._report(finished=True)
        if reader.malformed:
            log.warning("replay: %d unreadable lines, e.g. %s", reader.malformed,
                        "; ".join(reader.problems[:3]))

    def _count(self, line_no: int, skipped: int) -> None:
        """Public frames so far: the lines read, less those without a frame and private ones."""
        stats = self.stats["public"]
        stats.frames = line_no - self._first_line + 1 - skipped - self.stats["private"].frames
        stats.last_rx = self._now

    def _clock_to(self, t: float | None) -> None:
        """The replay clock: seconds since the recording's first timed frame."""
        if t is None:
            return
        if self._first_t is None:
            self._first_t = t
        self._now = max(self._now, t - self._first_t)

    async def _pace(self) -> None:
        """Wait until the recording's clock is due (never at max), or while paused."""
        assert self._loop is not None and self._wake is not None
        while not self.stopping:
            if self.paused:
                wait: float | None = None
            elif self.speed is None or math.isinf(self.speed):
                return
            else:
                wall, position = self._anchor
                wait = wall + (self._now - position) / self.speed - self._loop.time()
                if wait <= 0:
                    return
            self._wake.clear()
            waiters = [asyncio.ensure_future(self._wake.wait())]
            assert self._stop_event is not None
            waiters.append(asyncio.ensure_future(self._stop_event.wait()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    def _periodic(self) -> None:
        """Stats once per ``stats_interval`` of recording time (and the progress with them)."""
        if self._now < self._next_stats:
            return
        self._next_stats = self._now + self.config.stats_interval
        endpoints = ["public", "private"] if self._private_seen else ["public"]
        for endpoint in endpoints:
            resyncs = self.books.resyncs if endpoint == "public" else 0
            self.emit(self._stats_event(endpoint, self._now, resyncs))  # type: ignore[arg-type]
        self._report()

    def _report(self, *, finished: bool = False) -> None:
        if self._progress:
            fraction = self._reader.progress if self._reader is not None else 0.0
            self.emit(ReplayProgress(self._now, 1.0 if finished else fraction, self.speed,
                                     self.paused, finished))

    # ------------------------------------------------------------------ no Kraken to ask

    def _send_public(self, text: str) -> None:
        """Answer the tracker's (un)subscribe at once; queued, so a reply's follow-up
        request is answered after the reply, not inside it."""
        self._acks.append(text)
        if self._acking:
            return
        self._acking = True
        try:
            while self._acks:
                self._ack(json.loads(self._acks.popleft()))
        finally:
            self._acking = False

    def _ack(self, request: dict[str, Any]) -> None:
        params = request.get("params") or {}
        if params.get("channel") != "book":
            return  # ticker, trade, ohlc need no ack: the recorded frames simply arrive
        for symbol in params.get("symbol") or []:
            result = {"channel": params.get("channel"), "symbol": symbol,
                      "depth": params.get("depth")}
            self.books.on_response(MethodResponse(request["method"], True, request.get("req_id"),
                                                  result, None, symbol, params.get("channel")))

    async def _precision_from_rest(self) -> None:
        self._request_books()  # no REST in a replay: the plan's precisions stand
