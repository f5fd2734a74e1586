"""Two fixes to Textual 8.2.8's drawing, applied by the monitor's entry point (``ui/run.py``).

Textual is pinned exactly in pyproject.toml, and ``tests/ui/test_textual_fixes.py``
checks that each fix draws what Textual's own code draws, and that Textual still has
the problem (when that test fails, upstream fixed it: drop the fix).

**Strips that cache themselves.** ``Strip.divide`` caches ``[self]`` when the cut is the
whole strip, and ``Strip.crop_extend`` caches ``self`` when nothing needs cropping or
padding. The compositor does both for nearly every line it draws, so each frame left
strips that reference counting cannot free: only the cyclic garbage collector can, and
during a 2,000 frames/s burst its older-generation passes paused the whole app (the UI
loop and the feed thread) for 50-200 ms, the monitor's worst key-press and burst-end
latencies. Returning ``self`` without caching it gives the same result (the cache only
ever answered with ``self`` for these arguments) and no cycle.

**Partial updates that render whole widgets.** For a partial update (a few ladder rows)
the compositor's ``_get_renders`` picks the widgets whose *clip* overlaps the dirty box:
the clip of a top-level widget is the whole screen, so the footer, the status bar and
the side column were rendered at every ladder paint although nothing of them is in the
box; and every picked widget renders *all* its lines, although only the box's lines are
used. Here a widget is picked when its visible region overlaps the box, and renders
only the box's rows (full width, so the compositor's cuts still line up). It is the
same pass Textual already makes for a widget its parent clips. And dirty regions in
separate columns (ladder rows, and an orders row drawn in the same pass) are rendered
group by group: their bounding box was most of the screen. A book update costs 13-22%
less in ``benchmarks/frame_bench.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

from rich.style import Style
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

_original_divide = Strip.divide
_original_crop_extend = Strip.crop_extend
_original_get_renders = Compositor._get_renders
_original_render_partial_update = Compositor.render_partial_update


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


def _get_renders(
    self: Compositor, crop: Region | None = None
) -> Iterator[tuple[Region, Region, list[Strip]]]:
    """(region, clip, strips) per visible widget, front to back; strips cover ``crop``'s rows."""
    intersection = Region.intersection
    for widget, (region, clip) in self.visible_widgets.items():
        visible = intersection(region, clip)
        if crop is not None:
            if not crop.overlaps(visible):
                continue
            top = max(visible.y, crop.y)
            bottom = min(visible.bottom, crop.bottom)
            if top != visible.y or bottom != visible.bottom:
                visible = Region(visible.x, top, visible.width, bottom - top)
                clip = intersection(clip, visible)  # the compositor reads rows from it
        x, y, width, height = visible
        if width and height:
            lines = Region(x - region.x, y - region.y, width, height)
            yield region, clip, widget.render_lines(lines)


def _column_groups(regions: Iterable[Region]) -> list[list[Region]]:
    """Regions grouped so that groups share no column."""
    groups: list[tuple[int, list[Region]]] = []  # (right edge, regions)
    for region in sorted(regions, key=lambda r: r.x):
        if groups and region.x < groups[-1][0]:
            right, members = groups[-1]
            members.append(region)
            groups[-1] = (max(right, region.right), members)
        else:
            groups.append((region.right, [region]))
    return [members for _, members in groups]


def _render_partial_update(self: Compositor) -> ChopsUpdate | None:
    """Textual's partial update, each column group of dirty regions rendered by itself.

    A chop (the piece of a line between two widget edges) is taken from the group whose
    box overlaps it: every widget visible in that piece overlapped the box, so the group
    rendered it, and the front one won as usual.
    """
    groups = _column_groups(self._dirty_regions)
    if len(groups) <= 1:  # one box (or nothing): Textual's own pass, with _get_renders fixed
        return _original_render_partial_update(self)
    regions = self._dirty_regions.copy()
    self._dirty_regions.clear()
    screen = self.size.region
    spans = list(self._regions_to_spans(regions))
    chop_ends = [cut_set[1:] for cut_set in self.cuts]
    chops = [dict.fromkeys(cut_set[:-1]) for cut_set in self.cuts]
    for group in groups:
        crop = Region.from_union(group).intersection(screen)
        if not crop:
            continue
        lines = {y for r in group for y in range(r.y, r.bottom) if crop.y <= y < crop.bottom}
        x1, x2 = crop.x, crop.right
        group_chops = self._render_chops(crop, lines.__contains__)
        for y in lines:
            line = chops[y]
            for (cut, strip), end in zip(group_chops[y].items(), chop_ends[y], strict=True):
                if strip is not None and cut < x2 and end > x1:
                    line[cut] = strip
    return ChopsUpdate(chops, spans, chop_ends)


COMPOSITOR_SWITCH = "KRAKEN_TUI_COMPOSITOR_FIX"  # "0": leave the compositor as Textual has it


def apply(compositor: bool | None = None) -> None:
    """Patch Textual (idempotent). ``compositor=None`` reads ``KRAKEN_TUI_COMPOSITOR_FIX``
    (``0`` turns the compositor fix off), so a benchmark can measure its gain."""
    if compositor is None:
        compositor = os.environ.get(COMPOSITOR_SWITCH, "1") != "0"
    Strip.divide = _divide  # type: ignore[method-assign]
    Strip.crop_extend = _crop_extend  # type: ignore[method-assign]
    if compositor:
        Compositor._get_renders = _get_renders  # type: ignore[method-assign]
        Compositor.render_partial_update = _render_partial_update  # type: ignore[method-assign]
    else:
        _restore_compositor()


def restore() -> None:
    """Textual's own methods back, so tests leave no patch behind for other tests."""
    Strip.divide = _original_divide  # type: ignore[method-assign]
    Strip.crop_extend = _original_crop_extend  # type: ignore[method-assign]
    _restore_compositor()


def _restore_compositor() -> None:
    Compositor._get_renders = _original_get_renders  # type: ignore[method-assign]
    Compositor.render_partial_update = _original_render_partial_update  # type: ignore[method-assign]
