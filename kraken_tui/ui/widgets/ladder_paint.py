"""Turning a ladder line's pieces into one Textual ``Strip``, cheaply.

Apart from ``book.py`` because it is the widget's innermost loop and has nothing to do
with what a row means: text pieces and styles in, one strip of ``width`` cells out.
"""

from __future__ import annotations

from rich.cells import cell_len, chop_cells, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


def build_strip(
    parts: list[tuple[str, Style]],
    width: int,
    base: Style,
    bar: int = 0,
    overlay: Style | None = None,
) -> Strip:
    """Pieces padded or cut to ``width``; the last ``bar`` cells get ``overlay``.

    Built segment by segment: this runs for every changed row at every paint, and
    the obvious way (Strip adjust, then crop twice and join for the bar) makes four
    Strips, each with its own caches, per row.
    """
    used = sum(cell_len(text) for text, _ in parts)
    if used < width:
        parts = [*parts, (" " * (width - used), base)]
    start = width - bar
    segments: list[Segment] = []
    x = 0
    for text, style in parts:
        if x >= width:
            break
        size = cell_len(text)
        if x + size > width:
            text = set_cell_size(text, width - x)
            size = width - x
        end = x + size
        if not text:
            continue
        if overlay is None or end <= start:
            segments.append(Segment(text, style))
        elif x >= start:
            segments.append(Segment(text, style + overlay))
        else:  # the bar starts inside this piece
            head = text[: start - x] if text.isascii() else chop_cells(text, start - x)[0]
            tail = text[len(head):]
            segments.append(Segment(head, style))
            segments.append(Segment(tail, style + overlay))
        x = end
    return Strip(segments, width)


def imbalance_strip(cells: tuple[str, ...], width: int, base: Style, bid_style: Style,
                    ask_style: Style) -> Strip:
    """`` Bids 32% ████████ 68% Asks ``: the bid share as a bar across the line."""
    bid_pct, ask_pct = cells
    if not bid_pct:
        return Strip.blank(width, base)
    left_label = f" Bids {bid_pct}% "
    right_label = f" {ask_pct}% Asks "
    bar_width = max(0, width - len(left_label) - len(right_label))
    filled = round(bar_width * int(bid_pct) / 100)
    return build_strip(
        [
            (left_label, bid_style),
            ("█" * filled, bid_style),
            ("█" * (bar_width - filled), ask_style),
            (right_label, ask_style),
        ],
        width,
        base,
    )
