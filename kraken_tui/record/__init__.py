"""Recordings of inbound WebSocket frames: an NDJSON file format, its writer and reader.

Pure file I/O (no asyncio, no Textual): the feed attaches a writer to its inbound read
path; replay reads frames back, verbatim, so checksums verify exactly as they did live.
"""

from kraken_tui.record.reader import (
    RecordedFrame,
    RecordingReader,
    precision_from_snapshot,
)
from kraken_tui.record.writer import RecordingError, RecordingWriter

__all__ = [
    "RecordedFrame",
    "RecordingError",
    "RecordingReader",
    "RecordingWriter",
    "precision_from_snapshot",
]
