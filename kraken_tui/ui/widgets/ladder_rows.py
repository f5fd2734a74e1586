"""The ladder's pure parts: paint pacing, the depth-bar scale, stale reasons, row values.

No Textual here: each is tested on its own, and ``book.py`` keeps only the widget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

MAX_FPS = 20.0
#: The shortest gap between two paints, as a share of 1/MAX_FPS (see ``paint_due``).
PAINT_GAP_SHARE = 0.9
FLASH_SECONDS = 0.35
BAR_HEADROOM = Decimal("1.1")  # a full-width bar is 110% of the deepest total when rescaled
BAR_SHRINK_BELOW = Decimal("0.5")  # the scale shrinks once the depth stays under half of it
BAR_SHRINK_AFTER = 5.0  # seconds

STALE_REASONS = {
    "disconnected": "disconnected",
    "awaiting_snapshot": "awaiting snapshot",
    "checksum_mismatch": "checksum mismatch, resyncing",
    "resync": "resyncing",
    "reconnecting": "reconnecting",
    "paused": "paused",
    "not_listed": "not listed on Kraken",
}


def paint_due(paint_times: Sequence[float], fps: float) -> float:
    """When the next paint may start, given when the last ones did: the frame cap.

    At most ``fps`` paints in any one second, and none sooner than ``PAINT_GAP_SHARE/fps``
    after the last. The feed paces each book's views at 1/fps already; with a strict
    1/fps gap here as well, a view arriving a little early waited for the ladder's own
    slot, and the ladder stayed locked up to a frame behind the views for the rest of a
    burst (ui_bench: burst-end latency p50 ~55, max ~100 ms).
    """
    if not paint_times or math.isinf(fps):
        return -math.inf
    due = paint_times[-1] + PAINT_GAP_SHARE / fps
    per_second = int(fps)
    if 0 < per_second <= len(paint_times):
        due = max(due, paint_times[-per_second] + 1.0)
    return due


def describe_reason(reason: str) -> str:
    return STALE_REASONS.get(reason, reason.replace("_", " ") or "not live")


class BarScale:
    """The cumulative size a full-width depth bar stands for.

    Every rescale moves every bar, a redraw of every row, and bars that jump are hard
    to read. The scale grows at once when the depth outgrows it, and shrinks only after
    the depth has stayed under half of it for ``BAR_SHRINK_AFTER`` seconds. (Rescaling
    whenever the deepest total left a 75-110% band rescaled every fourth view of the
    demo's books: a depth-10 total swings as big levels enter and leave the top ten.)
    """

    def __init__(self) -> None:
        self.value: Decimal | None = None
        self._low_since: float | None = None

    def update(self, deepest: Decimal, now: float) -> Decimal:
        scale = self.value
        if scale is not None and deepest <= scale:
            if deepest >= scale * BAR_SHRINK_BELOW:
                self._low_since = None
                return scale
            if self._low_since is None:
                self._low_since = now
            if now - self._low_since < BAR_SHRINK_AFTER:
                return scale
        self._low_since = None
        self.value = deepest * BAR_HEADROOM
        return self.value


class Row(NamedTuple):
    """What one ladder line shows; equal rows need no repaint."""

    kind: str  # tabs | header | ask | bid | spread | imbalance | empty | note
    cells: tuple[str, ...] = ()
    bar: int = 0  # cells of depth bar
    flash: bool = False
    stale: bool = False
