"""RecordingWriter: inbound frames to an NDJSON file, on a thread, never blocking the feed.

Line 1 is the metadata ``{"kraken_tui_recording": 1, "started": ..., "symbols": [...],
"depth": N, "version": ...}``; then one line per inbound frame
``{"t": <s since start>,"conn":"public"|"private","frame":<frame text spliced verbatim>}``.

Frames whose text is one JSON value are spliced in byte-for-byte (number tokens untouched);
raw CR/LF between tokens become spaces (valid JSON strings cannot hold raw control
characters, so this never touches a token or a string). A frame that is not one JSON value
(malformed, or binary) is written as ``"text": "<the frame as a JSON string>"`` in place of
``"frame"``, so the line stays valid and the reader still yields the exact text.

Only inbound text is accepted: the feed hands the writer what it *received*
(``tap_receiver`` wraps the receive call itself), so the outbound subscribe that carries the
WS token has no path into the file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal

import msgspec

from kraken_tui.record.compression import RecordingError, open_for_writing

__all__ = ["Conn", "RecordingError", "RecordingWriter"]

log = logging.getLogger(__name__)

Conn = Literal["public", "private"]
_CONNS: frozenset[str] = frozenset(("public", "private"))
_QUEUE_FRAMES = 100_000  # ~20 MB of book updates: seconds of a burst
_BATCH = 1_000
_STOP = object()
_NEWLINES = str.maketrans({"\n": " ", "\r": " "})


def metadata_line(symbols: Sequence[str], depth: int, version: str) -> str:
    started = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({
        "kraken_tui_recording": 1, "started": started, "symbols": list(symbols),
        "depth": depth, "version": version,
    })


def frame_line(t: float, conn: str, raw: str | bytes) -> str:
    """One recording line; the frame spliced verbatim when it is a single JSON value."""
    text: str | None
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    else:
        text = raw
    if text is not None:
        try:
            msgspec.json.decode(text)  # one JSON value, nothing trailing
        except (msgspec.DecodeError, ValueError, RecursionError):
            pass
        else:
            if "\n" in text or "\r" in text:
                text = text.translate(_NEWLINES)
            return f'{{"t":{t:.6f},"conn":"{conn}","frame":{text.strip()}}}\n'
    fallback = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return f'{{"t":{t:.6f},"conn":"{conn}","text":{json.dumps(fallback)}}}\n'


class RecordingWriter:
    """Writes inbound frames on a background thread; ``write`` never blocks the caller.

    When the bounded queue is full (the disk cannot keep up) the recording is dropped:
    ``on_drop`` is called once with a loud message, the rest is discarded, the feed goes on.
    """

    def __init__(
        self,
        path: str | Path,
        symbols: Sequence[str],
        depth: int,
        version: str,
        *,
        on_drop: Callable[[str], None] | None = None,
        sink: IO[bytes] | None = None,
        queue_frames: int = _QUEUE_FRAMES,
    ) -> None:
        self.path = Path(path)
        self.on_drop = on_drop  # may be set later (the monitor's, once its screen exists)
        try:
            self._sink = sink if sink is not None else open_for_writing(self.path)
        except OSError as exc:
            raise RecordingError(
                f"cannot write recording {self.path}: {exc.strerror or exc}; "
                "choose a writable --record/--output path"
            ) from exc
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_frames)
        self._start = time.monotonic()
        self._dropped = False
        self._closed = False
        self.frames_written = 0
        self._queue.put_nowait(metadata_line(symbols, depth, version) + "\n")
        self._thread = threading.Thread(target=self._run, name="recording-writer", daemon=True)
        self._thread.start()

    @property
    def dropped(self) -> bool:
        return self._dropped

    def write(self, conn: Conn, raw: str | bytes) -> None:
        """Record one *received* frame (never outbound text); O(1), never blocks."""
        if self._dropped or self._closed:
            return
        if conn not in _CONNS:
            raise ValueError(f"conn must be 'public' or 'private', not {conn!r}")
        try:
            self._queue.put_nowait((time.monotonic() - self._start, conn, raw))
        except queue.Full:
            self._drop(f"the disk is not keeping up ({self._queue.maxsize} frames queued)")

    def tap_receiver(
        self, conn: Conn, recv: Callable[[], Awaitable[str | bytes]]
    ) -> Callable[[], Awaitable[str | bytes]]:
        """Wrap a connection's receive call so every frame it returns is recorded."""

        async def recv_and_record() -> str | bytes:
            raw = await recv()
            self.write(conn, raw)
            return raw

        return recv_and_record

    def close(self) -> None:
        """Flush what is queued and close the file (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if not self._dropped:
            self._queue.put(_STOP)
        self._thread.join()

    def _drop(self, why: str) -> None:
        if self._dropped:
            return
        self._dropped = True
        message = (
            f"RECORDING DROPPED: {self.path}: {why}; the file is incomplete and nothing more "
            "is recorded (the feed continues)"
        )
        log.error(message)
        if self.on_drop is not None:
            self.on_drop(message)
        with contextlib.suppress(queue.Full):  # wake the thread; a full queue wakes it anyway
            self._queue.put_nowait(_STOP)

    def _run(self) -> None:
        """Drain the queue in batches: one write call per batch, not per frame."""
        get, get_nowait = self._queue.get, self._queue.get_nowait
        try:
            while True:
                batch = [get()]
                with contextlib.suppress(queue.Empty):
                    while len(batch) < _BATCH:
                        batch.append(get_nowait())
                lines: list[str] = []
                stop = False
                for item in batch:
                    if item is _STOP:
                        stop = True
                        break
                    if isinstance(item, str):
                        lines.append(item)
                    else:
                        t, conn, raw = item  # type: ignore[misc]
                        lines.append(frame_line(t, conn, raw))
                if self._dropped:
                    break
                self._sink.write("".join(lines).encode())
                self.frames_written += sum(1 for item in batch if isinstance(item, tuple))
                if stop:
                    break
        except OSError as exc:
            self._drop(f"write failed: {exc.strerror or exc}")
        finally:
            try:
                self._sink.close()
            except OSError as exc:
                log.error("recording %s: closing failed: %s", self.path, exc)
