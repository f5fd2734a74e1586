"""Compressed recording files: gzip (stdlib) and zstandard (imported only when used)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import IO, Any

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class RecordingError(Exception):
    """A recording cannot be written or read; the message names the file and the fix."""


def _zstandard() -> Any:
    try:
        import zstandard
    except ImportError as exc:
        raise RecordingError(
            ".zst recordings need the zstandard package: pip install zstandard "
            "(or use a .gz or plain .ndjson file)"
        ) from exc
    return zstandard


def open_for_writing(path: Path) -> IO[bytes]:
    """A binary sink for ``path``; compression follows the extension (.gz, .zst)."""
    suffix = path.suffix.lower()
    if suffix == ".zst":
        zstandard = _zstandard()
        raw = path.open("wb")
        return zstandard.ZstdCompressor().stream_writer(raw, closefd=True)  # type: ignore[no-any-return]
    if suffix == ".gz":
        return gzip.open(path, "wb")
    return path.open("wb")


def open_for_reading(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """A binary source for ``path`` and the file under it (whose position is the progress);
    compression is detected by magic bytes, not the name."""
    raw = path.open("rb")
    head = raw.read(4)
    raw.seek(0)
    if head.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    if head.startswith(ZSTD_MAGIC):
        try:
            zstandard = _zstandard()
        except RecordingError:
            raw.close()
            raise
        # The zstd reader has no readline: a BufferedReader gives it one (and line speed).
        stream = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
        return io.BufferedReader(stream), raw
    return raw, raw
