"""Recordings round-trip real Kraken captures byte-for-byte; every checksum still verifies."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from kraken_tui.kraken.book import OrderBook
from kraken_tui.kraken.frames import BookFrame, decode_frame
from kraken_tui.record import RecordingError, RecordingReader, RecordingWriter
from kraken_tui.record.reader import precision_from_snapshot
from tests.captures import capture_path
from tests.core.conftest import frame_text_of_line

MINA = "depthcharge-kraken_minagbp_d25_20260816.ndjson"


def mina_rx_frames() -> list[str]:
    lines = capture_path(MINA).read_text().splitlines()
    return [frame_text_of_line(line) for line in lines[1:] if '"dir": "tx"' not in line]


def pks_frames_pretty() -> list[str]:
    """The SDK capture, each message multi-line (indented): frames with raw newlines."""
    data = json.loads(capture_path("python-kraken-sdk-orderbook-v2.json").read_text())
    return [json.dumps(m, indent=2) for m in [data["init"], *data["updates"]]]


def record(path: Path, frames: list[str], conn: str = "public") -> None:
    writer = RecordingWriter(path, ["X/Y"], 25, "0.1.0")
    for frame in frames:
        writer.write(conn, frame)  # type: ignore[arg-type]
    writer.close()
    assert not writer.dropped


def verify_books(frames: list[str], book: OrderBook) -> list[bool]:
    results = []
    for text in frames:
        frame = decode_frame(text)
        if isinstance(frame, BookFrame):
            results += [book.apply(data, frame.is_snapshot) for data in frame.books]
    return results


@pytest.mark.parametrize("name", ["rec.ndjson", "rec.ndjson.gz", "rec.zst"])
def test_mina_capture_round_trips_verbatim(tmp_path: Path, name: str) -> None:
    frames = mina_rx_frames()
    record(tmp_path / name, frames)
    reader = RecordingReader(tmp_path / name)
    assert reader.metadata is not None
    assert reader.metadata["kraken_tui_recording"] == 1
    assert reader.metadata["symbols"] == ["X/Y"]
    back = list(reader)
    assert [f.frame for f in back] == frames  # byte-identical
    assert all(f.conn == "public" and f.t is not None and f.t >= 0 for f in back)
    assert reader.malformed == 0
    results = verify_books([f.frame for f in back], OrderBook("MINA/GBP", 25, 4, 8))
    assert len(results) == 30 and all(results)


def test_compression_is_detected_by_magic_not_name(tmp_path: Path) -> None:
    record(tmp_path / "a.gz", mina_rx_frames())
    (tmp_path / "a.gz").rename(tmp_path / "plain-looking.ndjson")
    assert [f.frame for f in RecordingReader(tmp_path / "plain-looking.ndjson")] == mina_rx_frames()


def test_multiline_frames_become_one_line_and_still_verify(tmp_path: Path) -> None:
    frames = pks_frames_pretty()
    assert "\n" in frames[0]
    record(tmp_path / "pks.ndjson", frames)
    lines = (tmp_path / "pks.ndjson").read_text().splitlines()
    assert len(lines) == 1 + len(frames)
    back = [f.frame for f in RecordingReader(tmp_path / "pks.ndjson")]
    assert [json.loads(b) for b in back] == [json.loads(f) for f in frames]
    results = verify_books(back, OrderBook("BTC/USD", 10, 1, 8))
    assert len(results) == 510 and all(results)


def test_not_json_frame_is_kept_exactly_as_text(tmp_path: Path) -> None:
    odd = ['{"channel": "book", oops\n', "plain \"words\" \\ and\nnewline", "[1, 2] trailing"]
    record(tmp_path / "odd.ndjson", odd)
    for line in (tmp_path / "odd.ndjson").read_text().splitlines():
        json.loads(line)  # every line stays valid JSON
    assert [f.frame for f in RecordingReader(tmp_path / "odd.ndjson")] == odd


def test_foreign_capture_replays_its_rx_frames(tmp_path: Path) -> None:
    """DepthCharge's own file: a header, an outbound (tx) line, then {"rx_ns", "frame"}."""
    reader = RecordingReader(capture_path(MINA))
    back = list(reader)
    assert reader.metadata is None
    assert [f.frame for f in back] == mina_rx_frames()
    assert all(f.conn == "public" for f in back)
    rx_ns = [int(n) for n in re.findall(r'"rx_ns": ([0-9]+)', capture_path(MINA).read_text())]
    assert [f.t for f in back] == [n / 1e9 for n in rx_ns[1:]]  # its receive clock is the t
    assert reader.malformed == 0


def test_bare_frames_and_malformed_lines(tmp_path: Path) -> None:
    frames = mina_rx_frames()
    path = tmp_path / "bare.jsonl"
    body = [frames[0], "not json at all", frames[1], '{"frame": 1, "conn": "sideways"}', "{"]
    path.write_text("\n".join(body) + "\n\n")
    reader = RecordingReader(path)
    assert [f.frame for f in reader] == frames[:2]
    assert reader.malformed == 3
    assert [p.rsplit(":", 2)[-2] for p in reader.problems] == ["2", "4", "5"]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="not found"):
        RecordingReader(tmp_path / "nope.ndjson")


def test_truncated_gzip_ends_cleanly(tmp_path: Path) -> None:
    record(tmp_path / "t.gz", mina_rx_frames())
    data = (tmp_path / "t.gz").read_bytes()
    (tmp_path / "t.gz").write_bytes(data[: len(data) // 2])
    reader = RecordingReader(tmp_path / "t.gz")
    back = list(reader)
    assert 0 < len(back) < len(mina_rx_frames())
    assert [f.frame for f in back] == mina_rx_frames()[:len(back)]  # every whole line, once
    assert reader.malformed == 1


def test_precision_from_the_snapshot_tokens() -> None:
    snapshot = next(f for f in mina_rx_frames() if '"type":"snapshot"' in f.replace(" ", ""))
    assert precision_from_snapshot(snapshot) == {"MINA/GBP": (4, 8)}
    assert precision_from_snapshot(mina_rx_frames()[0]) == {}  # not a snapshot


def test_gzip_output_is_really_gzip(tmp_path: Path) -> None:
    record(tmp_path / "g.gz", mina_rx_frames()[:3])
    lines = gzip.decompress((tmp_path / "g.gz").read_bytes()).decode().splitlines()
    assert json.loads(lines[0])["kraken_tui_recording"] == 1
    assert len(lines) == 4


def test_frame_stored_as_a_json_string_yields_its_text(tmp_path: Path) -> None:
    frame = mina_rx_frames()[2]
    path = tmp_path / "strings.jsonl"
    path.write_text(json.dumps({"conn": "private", "t": 1.5, "frame": frame}) + "\n")
    assert [tuple(f) for f in RecordingReader(path)] == [(1.5, "private", frame)]
