"""The writer never blocks the feed, drops loudly when the disk lags, and records no secret."""

from __future__ import annotations

import gzip
import io
import threading
from pathlib import Path

import pytest

from kraken_tui.record import RecordingError, RecordingReader, RecordingWriter


class StalledSink(io.RawIOBase):
    """A disk that takes its first write and then hangs until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.first_write = threading.Event()
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.first_write.set()
        self.release.wait(timeout=30)
        self.data += b
        return len(b)


def test_slow_disk_never_blocks_write_and_drops_loudly() -> None:
    sink = StalledSink()
    drops: list[str] = []
    writer = RecordingWriter("slow.ndjson", ["BTC/USD"], 10, "0.1.0", on_drop=drops.append,
                             sink=sink, queue_frames=50)  # type: ignore[arg-type]
    assert sink.first_write.wait(timeout=10)  # the thread is now stuck inside write()
    for i in range(1000):  # would hang forever if write() waited for the disk
        writer.write("public", f'{{"channel":"heartbeat","n":{i}}}')
    assert writer.dropped
    assert len(drops) == 1  # loud, once
    assert "RECORDING DROPPED" in drops[0] and "the feed continues" in drops[0]
    sink.release.set()
    writer.close()
    assert writer.frames_written < 1000


def test_a_fast_disk_keeps_everything(tmp_path: Path) -> None:
    drops: list[str] = []
    writer = RecordingWriter(tmp_path / "r.ndjson", [], 10, "0.1.0", on_drop=drops.append)
    for i in range(5000):
        writer.write("private", f'{{"channel":"heartbeat","n":{i}}}')
    writer.close()
    assert not drops
    back = list(RecordingReader(tmp_path / "r.ndjson"))
    assert len(back) == 5000 and back[-1].frame.endswith('"n":4999}')
    assert {f.conn for f in back} == {"private"}


def test_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="cannot write recording"):
        RecordingWriter(tmp_path / "missing-dir" / "r.ndjson", [], 10, "0.1.0")


def test_conn_is_checked() -> None:
    writer = RecordingWriter("x", [], 10, "v", sink=io.BytesIO())
    with pytest.raises(ValueError, match="public"):
        writer.write("outbound", "{}")  # type: ignore[arg-type]
    writer.close()


class FakePrivateSocket:
    """A private session: the client sends a subscribe with its token, receives acks."""

    TOKEN = "WW91ciBhdXRoZW50aWNhdGlvbiB0b2tlbiBnb2VzIGhlcmUu"

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.inbox = [
            '{"channel":"status","type":"update","data":[{"system":"online"}]}',
            '{"method":"subscribe","result":{"channel":"executions","snapshot":true},'
            '"success":true,"time_in":"2026-01-01T00:00:00.000000Z",'
            '"time_out":"2026-01-01T00:00:00.000100Z"}',
            '{"channel":"executions","type":"snapshot","data":[],"sequence":1}',
        ]

    async def send(self, text: str) -> None:
        self.sent.append(text)

    async def recv(self) -> str:
        return self.inbox.pop(0)


async def test_private_session_records_inbound_but_never_the_token(tmp_path: Path) -> None:
    socket = FakePrivateSocket()
    writer = RecordingWriter(tmp_path / "p.ndjson.gz", [], 10, "0.1.0")
    recv = writer.tap_receiver("private", socket.recv)
    await socket.send('{"method":"subscribe","params":{"channel":"executions",'
                      f'"token":"{FakePrivateSocket.TOKEN}"}}}}')
    received = [await recv() for _ in range(3)]
    writer.close()
    assert FakePrivateSocket.TOKEN in socket.sent[0]  # the token really was on the wire
    back = list(RecordingReader(tmp_path / "p.ndjson.gz"))
    assert [f.frame for f in back] == received
    assert all(f.conn == "private" for f in back)
    raw = gzip.decompress((tmp_path / "p.ndjson.gz").read_bytes()).decode()
    assert FakePrivateSocket.TOKEN not in raw
    assert '"channel":"executions"' in raw
