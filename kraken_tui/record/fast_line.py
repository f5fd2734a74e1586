"""One pass over a recording line that holds a book frame: the replay's hot path.

A recorded book line is ``{"t":T,"conn":C,"frame":<book frame>}``. Slicing the frame out
and then decoding it reads every byte twice; here msgspec decodes the whole line
against the book frame's own schema (``WireBookMessage``, the live feed's fast path),
so the result is exactly what the live feed made of the same frame text. Anything else
(other frames, other tools' lines, odd tokens) returns None and takes the general path.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from kraken_tui.kraken.frames import BookFrame, WireBookMessage, book_frame_from_wire

_PREFIX = '{"t":'
_BOOK_MARK = ',"frame":{"channel":"book",'


class _RecordedBookLine(msgspec.Struct, gc=False):
    t: float
    conn: Literal["public", "private"]
    frame: WireBookMessage


_DECODER = msgspec.json.Decoder(_RecordedBookLine, float_hook=str)


def decode_book_line(line: str) -> tuple[float, str, BookFrame] | None:
    """(t, conn, the book frame), or None for any other line."""
    if not line.startswith(_PREFIX) or _BOOK_MARK not in line:
        return None
    try:
        decoded = _DECODER.decode(line)
    except (msgspec.DecodeError, ValueError, TypeError, RecursionError):
        return None
    frame = book_frame_from_wire(decoded.frame)
    if frame is None:
        return None
    return decoded.t, decoded.conn, frame
