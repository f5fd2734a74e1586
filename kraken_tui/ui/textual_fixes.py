"""A fix to Textual 8.2.8's ``Strip``, applied by the monitor's entry point (``ui/run.py``).

Textual is pinned exactly in pyproject.toml, and ``tests/ui/test_textual_fixes.py``
checks that the fix answers what Textual's own code answers, and that Textual still has
the problem (when that test fails, upstream fixed it: drop the fix).

**Strips that cache themselves.** ``Strip.divide`` caches ``[self]`` when the cut is the
whole strip, and ``Strip.crop_extend`` caches ``self`` when nothing needs cropping or
padding. The compositor does both for nearly every line it draws, so each frame left
strips that reference counting cannot free: only the cyclic garbage collector can, and
during a 2,000 frames/s burst its older-generation passes paused the whole app (the UI
loop and the feed thread) for 50-200 ms, the monitor's worst key-press and burst-end
latencies. Returning ``self`` without caching it gives the same result (the cache only
ever answered with ``self`` for these arguments) and no cycle.

(A rewrite of the compositor's partial update was here too; measured with
``benchmarks/ui_bench.py`` it saved no CPU at the demo rate, so it was removed.)
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
    """Patch Textual (idempotent)."""
    Strip.divide = _divide  # type: ignore[method-assign]
    Strip.crop_extend = _crop_extend  # type: ignore[method-assign]


def restore() -> None:
    """Textual's own methods back, so a test leaves no patch behind for other tests."""
    Strip.divide = _original_divide  # type: ignore[method-assign]
    Strip.crop_extend = _original_crop_extend  # type: ignore[method-assign]
