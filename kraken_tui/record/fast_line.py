"""One pass over a recording line that holds a book frame: the replay's hot path.

A recorded book line is ``{"t":T,"conn":C,"frame":<book frame>}``. Slicing the frame out
and then decoding it reads every byte twice; here msgspec decodes the whole line
against the book frame's own schema (``WireBookMessage``, the live feed's fast path),
and ``frames.book_frame_from_wire`` turns it into the BookFrame the live feed makes of
the same frame text. Anything else (other frames, other tools' lines, odd tokens)
raises ``DECODE_ERRORS`` or gives None there, and takes the general path.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from kraken_tui.kraken.frames import WireBookMessage


class _RecordedBookLine(msgspec.Struct, gc=False):
    t: float
    conn: Literal["public", "private"]
    frame: WireBookMessage


_DECODER = msgspec.json.Decoder(_RecordedBookLine, float_hook=str)
#: For the replay's innermost loop: the decoder itself (raises ``DECODE_ERRORS`` on any
#: line that is not a recorded book line) and ``book_frame_from_wire`` for its frame.
decode_recorded_book = _DECODER.decode
DECODE_ERRORS = (msgspec.DecodeError, ValueError, TypeError, RecursionError)
