"""Read a recording back: ``(t, conn, frame text)``, the frame text sliced out verbatim.

Accepts our format (metadata line + ``{"t","conn","frame"}`` lines), other tools' captures
with lines ``{"frame": ...}`` (other keys ignored; ``conn`` defaults to public; lines marked
``"dir": "tx"`` are outbound and skipped), and bare Kraken frames, one per line. Plain,
gzip and zstandard files are told apart by their magic bytes. A malformed line is counted
and reported with its number, never raised.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from kraken_tui.kraken.frames import BookFrame, decode_frame
from kraken_tui.record.compression import RecordingError, open_for_reading

__all__ = ["RecordedFrame", "RecordingReader", "precision_from_snapshot"]

# Our own lines, written by frame_line: the frame runs from here to the closing brace.
_OWN_LINE = re.compile(r'\{"t":(-?[0-9][0-9.eE+-]*),"conn":"(public|private)","frame":')
# JSON structure outside strings: a whole string (escapes included) or one structural char.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')
_MAX_PROBLEMS = 100
_BATCH_BYTES = 1 << 20  # per readlines: far cheaper per line than readline


class RecordedFrame(NamedTuple):
    t: float | None
    conn: str
    frame: str


def top_level_members(line: str) -> dict[str, str] | None:
    """The raw value text of each key of a one-line JSON object, sliced, not re-encoded.

    None when the line is not a well-bracketed object. Values are not validated here:
    the frame's own decoder judges them.
    """
    text = line.strip()
    if not text.startswith("{") or not text.endswith("}"):
        return None
    members: dict[str, str] = {}
    depth = 0
    key: str | None = None
    value_start = -1
    expect_key = True
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "{[":
            depth += 1
            continue
        if token in "}]" or (token == "," and depth == 1):
            if depth == 1 and key is not None:
                members[key] = text[value_start:match.start()].strip()
                key = None
                expect_key = True
            if token != ",":
                depth -= 1
                if depth < 0:
                    return None
            continue
        if depth != 1:
            continue
        if token == ":":
            if key is None:
                return None
            value_start = match.end()
            expect_key = False
        elif token.startswith('"') and expect_key:
            try:
                key = json.loads(token)
            except ValueError:
                return None
    return members if depth == 0 else None


class RecordingReader:
    """Iterate a recording's inbound frames; ``metadata`` is our line 1, when present."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            stream, self._raw = open_for_reading(self.path)
            self._size = max(1, self.path.stat().st_size)
            # Decoding in TextIOWrapper (C) rather than per line: the replay's hot loop.
            self._file = io.TextIOWrapper(stream, encoding="utf-8", errors="replace",
                                          newline="\n")
        except FileNotFoundError as exc:
            raise RecordingError(
                f"recording {self.path} not found; pass the file `kraken-tui record` wrote"
            ) from exc
        except OSError as exc:
            raise RecordingError(f"cannot read recording {self.path}: {exc}") from exc
        self.malformed = 0
        self.problems: list[str] = []
        self.metadata: dict[str, Any] | None = None
        self._first = self._readline()
        if self._first is not None and self._first.lstrip().startswith('{"kraken_tui_recording"'):
            try:
                self.metadata = json.loads(self._first)
            except ValueError:
                self._problem(1, "metadata line is not valid JSON")
            self._first = None

    def close(self) -> None:
        self._file.close()

    @property
    def progress(self) -> float:
        """How far through the file reading has got, 0..1 (by bytes of the file on disk)."""
        try:
            return min(1.0, self._raw.tell() / self._size)
        except (OSError, ValueError):  # closed: read to the end
            return 1.0

    def _readline(self) -> str | None:
        try:
            raw = self._file.readline()
        except (OSError, EOFError) as exc:  # a truncated .gz/.zst ends the replay cleanly
            self._problem(0, f"file ends early: {exc}")
            return None
        return raw or None

    def _problem(self, line_no: int, why: str) -> None:
        self.malformed += 1
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(f"{self.path}:{line_no}: {why}")

    def __iter__(self) -> Iterator[RecordedFrame]:
        """The frames, once (the file is read as it goes and closed at its end)."""
        parse = self.parse
        for line_no, batch in self.batches():
            for line_no, line in enumerate(batch, line_no):  # noqa: B020
                frame = parse(line, line_no)
                if frame is not None:
                    yield frame

    def batches(self) -> Iterator[tuple[int, list[str]]]:
        """The file's remaining lines, a megabyte at a time, each batch with the line
        number of its first line; the file is closed at the end. A truncated .gz/.zst
        ends the lines cleanly, after the last whole line, and is counted as malformed."""
        line_no = 1 if self._first is not None else 2
        try:
            if self._first is not None:
                yield line_no, [self._first]
                line_no += 1
            while True:
                try:
                    batch = self._file.readlines(_BATCH_BYTES)
                except (OSError, EOFError):
                    # readlines loses the lines it had: read them again one by one.
                    yield from self._salvage(line_no)
                    return
                if not batch:
                    return
                yield line_no, batch
                line_no += len(batch)
        finally:
            self._file.close()

    def _salvage(self, line_no: int) -> Iterator[tuple[int, list[str]]]:
        self._file.close()
        stream, self._raw = open_for_reading(self.path)
        self._file = io.TextIOWrapper(stream, encoding="utf-8", errors="replace",
                                      newline="\n")
        try:
            for _ in range(line_no - 1):  # the lines already given
                self._file.readline()
            while line := self._file.readline():
                yield line_no, [line]
                line_no += 1
        except (OSError, EOFError) as exc:
            self._problem(line_no, f"file ends early: {exc}")

    def parse(self, line: str, line_no: int) -> RecordedFrame | None:
        """One line as a frame; None (counted if malformed) for a line that holds none."""
        match = _OWN_LINE.match(line)
        if match is not None and line.rstrip().endswith("}"):
            return RecordedFrame(float(match[1]), match[2], line[match.end():].rstrip()[:-1])
        if line.strip():
            return self._foreign(line, line_no)
        return None

    def _foreign(self, line: str, line_no: int) -> RecordedFrame | None:
        members = top_level_members(line)
        if members is None:
            self._problem(line_no, "not a one-line JSON object")
            return None
        if "frame" not in members and "text" not in members:
            if "channel" in members or "method" in members:
                return RecordedFrame(None, "public", line.strip())
            if line_no != 1:  # line 1 may be another tool's header
                self._problem(line_no, "neither a Kraken frame nor a {\"frame\": ...} line")
            return None
        if members.get("dir") in ('"tx"', '"out"', '"outbound"'):
            return None
        try:
            t = float(members["t"]) if "t" in members else None
            if t is None and "rx_ns" in members:  # other tools' monotonic receive clock
                t = int(members["rx_ns"]) / 1e9
            conn = json.loads(members["conn"]) if "conn" in members else "public"
            frame = members["frame"] if "frame" in members else members["text"]
            if frame.startswith('"'):  # a frame stored as a JSON string: its text is the frame
                frame = json.loads(frame)
        except (ValueError, TypeError):
            self._problem(line_no, "bad t/conn/text value")
            return None
        if conn not in ("public", "private") or not isinstance(frame, str):
            self._problem(line_no, f"conn must be public or private, not {conn!r}")
            return None
        return RecordedFrame(t, conn, frame)


def _decimals(token: str) -> int:
    _, dot, fraction = token.partition(".")
    return len(fraction.split("e")[0].split("E")[0]) if dot else 0


def precision_from_snapshot(frame_text: str) -> dict[str, tuple[int, int]]:
    """Each pair's (price, qty) precision from a book snapshot's token decimals.

    Kraken pads every number to the pair's precision, so the widest fraction seen is it.
    Only meaningful on verbatim frames (a re-serialised capture loses trailing zeros).
    """
    frame = decode_frame(frame_text)
    if not isinstance(frame, BookFrame) or not frame.is_snapshot:
        return {}
    return snapshot_precision(frame)


def snapshot_precision(frame: BookFrame) -> dict[str, tuple[int, int]]:
    """``precision_from_snapshot`` for a frame already decoded."""
    out: dict[str, tuple[int, int]] = {}
    for data in frame.books:
        levels = [*data.bids, *data.asks]
        if not levels:
            continue
        price = max(_decimals(p) for p, _ in levels)
        qty = max(_decimals(q) for _, q in levels)
        old = out.get(data.symbol, (0, 0))
        out[data.symbol] = (max(price, old[0]), max(qty, old[1]))
    return out
