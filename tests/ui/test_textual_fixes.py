"""Textual fixes: each draws what Textual's own code draws, and Textual still needs it."""

from __future__ import annotations

import sys

from rich.segment import Segment
from rich.style import Style
from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from kraken_tui.ui import textual_fixes

textual_fixes.apply()


def make_strip() -> Strip:
    return Strip([Segment("hello", Style(bold=True)), Segment(" world", Style(color="red"))], 11)


def test_whole_strip_divide_and_crop_extend_keep_no_reference_to_the_strip() -> None:
    strip = make_strip()
    before = sys.getrefcount(strip)
    assert strip.divide([11]) == [strip]
    assert strip.crop_extend(0, 11, None) is strip
    assert sys.getrefcount(strip) == before  # nothing cached holds it: no cycle


def test_textual_itself_still_caches_the_strip_in_itself() -> None:
    """The reason for the patch; when this fails, Textual fixed it: drop textual_fixes."""
    strip = make_strip()
    before = sys.getrefcount(strip)
    textual_fixes._original_divide(strip, [11])
    textual_fixes._original_crop_extend(strip, 0, 11, None)
    assert sys.getrefcount(strip) > before


def test_patched_methods_answer_like_the_originals() -> None:
    for cuts in ([11], [3, 11], [5, 8, 11], [2, 20], [11, 12]):
        patched = [s.text for s in make_strip().divide(iter(cuts))]
        original = [s.text for s in textual_fixes._original_divide(make_strip(), cuts)]
        assert patched == original, cuts
    for start, end in ((0, 11), (0, 15), (2, 11), (0, 5), (-1, 11)):
        style = Style(bgcolor="blue")
        patched_strip = make_strip().crop_extend(start, end, style)
        original_strip = textual_fixes._original_crop_extend(make_strip(), start, end, style)
        assert list(patched_strip) == list(original_strip), (start, end)
        assert patched_strip.cell_length == original_strip.cell_length


def render_partial(app, regions: list[Region], fixed: bool) -> tuple[str, list[str]]:
    """The terminal output of a partial update of ``regions``, and the widgets it rendered."""
    compositor = app.screen._compositor
    rendered: list[str] = []
    render_lines = Widget.render_lines

    def counting(widget: Widget, crop: Region) -> list[Strip]:
        rendered.append(widget.id or type(widget).__name__)
        return render_lines(widget, crop)

    saved = Compositor._get_renders, Compositor.render_partial_update
    try:
        if fixed:
            Compositor._get_renders = textual_fixes._get_renders
            Compositor.render_partial_update = textual_fixes._render_partial_update
        else:
            Compositor._get_renders = textual_fixes._original_get_renders
            Compositor.render_partial_update = textual_fixes._original_render_partial_update
        Widget.render_lines = counting
        compositor._dirty_regions.update(regions)
        update = compositor.render_partial_update()
        assert update is not None
        return update.render_segments(app.console), rendered
    finally:
        Compositor._get_renders, Compositor.render_partial_update = saved
        Widget.render_lines = render_lines


PARTIAL_UPDATES = {
    "two ladder rows far apart": [Region(1, 8, 45, 1), Region(1, 28, 45, 1)],
    "one ladder row": [Region(1, 12, 45, 1)],
    "across ladder and side panels": [Region(10, 5, 80, 3)],
    "health panel rows": [Region(48, 4, 70, 2)],
    "the footer": [Region(0, 33, 120, 1)],
    "ladder rows with orders and health rows": [
        Region(1, 8, 45, 1), Region(1, 28, 45, 2), Region(49, 20, 60, 1), Region(49, 5, 60, 2),
    ],
    "ladder and health rows on the same lines": [Region(1, 8, 45, 2), Region(49, 9, 60, 1)],
    "overlapping columns": [Region(1, 3, 60, 1), Region(40, 20, 30, 2), Region(100, 9, 5, 1)],
    "whole screen": [Region(0, 0, 120, 34)],
}


async def test_partial_updates_draw_what_textual_draws() -> None:
    from ui_scenarios import live_script, make_app, settle

    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        for name, regions in PARTIAL_UPDATES.items():
            ours, _ = render_partial(app, regions, fixed=True)
            textuals, _ = render_partial(app, regions, fixed=False)
            assert ours == textuals, name
            assert ours, name


async def test_ladder_rows_render_only_the_widgets_under_them() -> None:
    """The reason for the fix: Textual renders the footer and side column for ladder rows."""
    from ui_scenarios import live_script, make_app, settle

    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        rows = PARTIAL_UPDATES["two ladder rows far apart"]
        _, ours = render_partial(app, rows, fixed=True)
        _, textuals = render_partial(app, rows, fixed=False)
        assert set(ours) == {"_default", "main", "book-0"}  # screen, row container, ladder
        assert {"side", "status"} <= set(textuals)  # when this fails, Textual fixed it
