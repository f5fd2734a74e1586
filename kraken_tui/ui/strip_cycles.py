"""Stop Textual's ``Strip`` from caching itself, which made every such strip a reference cycle.

Why: in Textual 8.2.8 ``Strip.divide`` caches ``[self]`` when the cut is the whole
strip, and ``Strip.crop_extend`` caches ``self`` when nothing needs cropping or
padding. The compositor does both for nearly every line it draws, so each frame
leaves strips that reference counting cannot free: only the cyclic garbage collector
can, and during a 2,000 frames/s burst its older-generation passes paused the whole
app (the UI loop and the feed thread) for 50-200 ms, the monitor's worst key-press
and burst-end latencies. Returning ``self`` without caching it gives the same result
(the cache only ever answered with ``self`` for these arguments) and no cycle.

``apply()`` is idempotent and is called when the app module is imported. Textual is
pinned exactly in pyproject.toml; ``tests/ui/test_strip_cycles.py`` checks that the
patched methods still return what the originals do and leave no cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.style import Style
from textual.strip import Strip

_original_divide = Strip.divide
_original_crop_extend = Strip.crop_extend


def _divide(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cuts = list(cuts)
    length = self.cell_length
    if [cut for cut in cuts if cut <= length] == [length]:
        return [self]
    return _original_divide(self, cuts)


def _crop_extend(self: Strip, start: int, end: int, style: Style | None) -> Strip:
    if start <= 0 and end == self.cell_length:
        return self
    return _original_crop_extend(self, start, end, style)


def apply() -> None:
    Strip.divide = _divide  # type: ignore[method-assign]
    Strip.crop_extend = _crop_extend  # type: ignore[method-assign]
