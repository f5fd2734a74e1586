"""`events --record FILE` and `kraken-tui record` keep what the feed received, verbatim and
secret-free."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kraken_tui.kraken.book import OrderBook
from kraken_tui.kraken.frames import BookFrame, ExecutionsFrame, InstrumentFrame, decode_frame
from kraken_tui.kraken.instruments import InstrumentTable
from kraken_tui.record import RecordingReader


def kraken_tui(*argv: str) -> subprocess.CompletedProcess[str]:
    """The real command against the demo exchange; it must exit 0."""
    done = subprocess.run([sys.executable, "-m", "kraken_tui", *argv],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done


def test_events_records_both_connections_verbatim_and_every_book_verifies(
    tmp_path: Path,
) -> None:
    path = tmp_path / "session.ndjson.gz"
    kraken_tui("events", "--demo", "--private", "--record", str(path), "--duration", "4")
    reader = RecordingReader(path)
    frames = list(reader)
    assert reader.metadata is not None and reader.metadata["depth"] == 10
    assert reader.metadata["symbols"] == ["BTC/USD", "ETH/USD", "DOGE/USD"]
    assert reader.malformed == 0
    assert {f.conn for f in frames} == {"public", "private"}
    instruments = InstrumentTable()
    books: dict[str, OrderBook] = {}
    verified = executions = 0
    for recorded in frames:
        frame = decode_frame(recorded.frame)
        if isinstance(frame, InstrumentFrame):
            instruments.apply(frame)
        elif isinstance(frame, ExecutionsFrame):
            executions += 1
        elif isinstance(frame, BookFrame):
            for data in frame.books:
                if frame.is_snapshot:
                    info = instruments.get(data.symbol)
                    assert info is not None
                    books[data.symbol] = OrderBook(data.symbol, 10, info.price_precision,
                                                   info.qty_precision)
                assert books[data.symbol].apply(data, frame.is_snapshot)
                verified += 1
    assert verified > 3 and executions >= 1 and set(books) == {"BTC/USD", "ETH/USD", "DOGE/USD"}
    text = "\n".join(f.frame for f in frames)
    assert '"token"' not in text  # tokens only ever travel outbound, which is not recorded


def test_the_record_command_records_quietly_compressed(tmp_path: Path) -> None:
    path = tmp_path / "session.ndjson.zst"
    done = kraken_tui("--demo", "record", "--private", "--output", str(path), "--duration", "3")
    assert done.stdout == ""  # nothing printed: the recording is the output
    assert path.read_bytes()[:4] == b"\x28\xb5\x2f\xfd"  # zstd's magic number
    reader = RecordingReader(path)
    conns = {f.conn for f in reader}
    assert reader.metadata is not None and conns == {"public", "private"}
