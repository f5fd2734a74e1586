"""The Strip fix answers what Textual's own code answers, and Textual still needs it.

Each test applies the fix itself and restores Textual afterwards, so no other test
depends on whether this file was imported first.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from kraken_tui.ui import textual_fixes


@pytest.fixture(autouse=True)
def patched() -> Iterator[None]:
    textual_fixes.apply()
    try:
        yield
    finally:
        textual_fixes.restore()


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


def test_restore_gives_textual_its_own_methods_back() -> None:
    assert Strip.divide is textual_fixes._divide
    textual_fixes.restore()
    assert Strip.divide is textual_fixes._original_divide
    assert Strip.crop_extend is textual_fixes._original_crop_extend
