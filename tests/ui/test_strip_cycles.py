"""The Strip patch: same results as Textual's own methods, without a strip caching itself."""

from __future__ import annotations

import sys

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from kraken_tui.ui import strip_cycles

strip_cycles.apply()


def make_strip() -> Strip:
    return Strip([Segment("hello", Style(bold=True)), Segment(" world", Style(color="red"))], 11)


def test_whole_strip_divide_and_crop_extend_keep_no_reference_to_the_strip() -> None:
    strip = make_strip()
    before = sys.getrefcount(strip)
    assert strip.divide([11]) == [strip]
    assert strip.crop_extend(0, 11, None) is strip
    assert sys.getrefcount(strip) == before  # nothing cached holds it: no cycle


def test_textual_itself_still_caches_the_strip_in_itself() -> None:
    """The reason for the patch; when this fails, Textual fixed it: drop strip_cycles."""
    strip = make_strip()
    before = sys.getrefcount(strip)
    strip_cycles._original_divide(strip, [11])
    strip_cycles._original_crop_extend(strip, 0, 11, None)
    assert sys.getrefcount(strip) > before


def test_patched_methods_answer_like_the_originals() -> None:
    for cuts in ([11], [3, 11], [5, 8, 11], [2, 20], [11, 12]):
        patched = [s.text for s in make_strip().divide(iter(cuts))]
        original = [s.text for s in strip_cycles._original_divide(make_strip(), cuts)]
        assert patched == original, cuts
    for start, end in ((0, 11), (0, 15), (2, 11), (0, 5), (-1, 11)):
        style = Style(bgcolor="blue")
        patched_strip = make_strip().crop_extend(start, end, style)
        original_strip = strip_cycles._original_crop_extend(make_strip(), start, end, style)
        assert list(patched_strip) == list(original_strip), (start, end)
        assert patched_strip.cell_length == original_strip.cell_length


async def test_the_monitor_freezes_its_startup_heap_when_asked() -> None:
    import gc

    from ui_scenarios import FeedHolder, demo_config, fixed_clock, live_script, wait_for

    from kraken_tui.ui.app import KrakenMonitor

    app = KrakenMonitor(demo_config(), FeedHolder(live_script()), clock=fixed_clock,
                        toasts=False, freeze_heap_after=0.1)
    try:
        async with app.run_test(size=(120, 34)) as pilot:
            await wait_for(pilot, lambda: gc.get_freeze_count() > 0, 5, "the heap frozen")
    finally:
        gc.unfreeze()  # the test process goes on: let its heap be collected again
