"""A keyed table with a highlighted row: the open order a cancel key acts on.

Why not ``DataTable``'s cursor: ``KeyedTable`` repaints only changed rows, and the
cursor keeps that: moving it repaints the two rows concerned. The cursor follows an
order id, not a position, so rows coming and going never move it to another order
under the reader's eye; when its own row goes, it steps to the row that took its place.
It appears once the table is focused (Tab) or clicked; the arrows then move it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.strip import Strip

from kraken_tui.ui.widgets.table import KeyedTable


class RowCursorTable(KeyedTable):
    """``KeyedTable`` plus ``cursor_key``, moved with the arrows or the mouse."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Previous row", show=False),
        Binding("down", "cursor(1)", "Next row", show=False),
        Binding("pageup", "cursor_page(-1)", "Page up", show=False),
        Binding("pagedown", "cursor_page(1)", "Page down", show=False),
        Binding("home", "cursor_edge(0)", "First row", show=False),
        Binding("end", "cursor_edge(-1)", "Last row", show=False),
    ]

    DEFAULT_CSS = """
    RowCursorTable > .row-cursor--focused {
        background: $accent 45%;
        text-style: bold;
    }
    RowCursorTable > .row-cursor--blurred {
        background: $accent 18%;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *KeyedTable.COMPONENT_CLASSES, "row-cursor--focused", "row-cursor--blurred",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor_key: str | None = None

    # -- moving -------------------------------------------------------------------------

    def move_cursor(self, key: str | None) -> None:
        """Highlight ``key``'s row (None: no highlight) and keep it on screen."""
        if key is not None and key not in self._data:
            return
        old, self.cursor_key = self.cursor_key, key
        for row in {old, key} - {None}:
            if row in self._data:
                self._repaint_row(row)  # type: ignore[arg-type]
        if key is not None:
            self._scroll_to_row(key)

    def _step(self, step: int) -> None:
        if not self._order:
            return
        if self.cursor_key not in self._data:
            self.move_cursor(self._order[0])
            return
        index = self._order.index(self.cursor_key) + step  # type: ignore[arg-type]
        self.move_cursor(self._order[max(0, min(len(self._order) - 1, index))])

    def action_cursor(self, step: int) -> None:
        self._step(step)

    def action_cursor_page(self, step: int) -> None:
        self._step(step * max(1, self.size.height - 2))

    def action_cursor_edge(self, end: int) -> None:
        if self._order:
            self.move_cursor(self._order[end])

    def _scroll_to_row(self, key: str) -> None:
        top, height = self._top[key], self._heights[key]
        body = max(1, self.scrollable_content_region.height - 1)  # the header stays put
        y = int(self.scroll_offset.y)
        if top < y:
            self.scroll_to(y=top, animate=False)
        elif top + height > y + body:
            self.scroll_to(y=top + height - body, animate=False)

    # -- focus and the mouse -------------------------------------------------------------

    def on_focus(self) -> None:
        if self.cursor_key is None and self._order:
            self.move_cursor(self._order[0])
        elif self.cursor_key is not None:
            self._repaint_row(self.cursor_key)  # focused look

    def on_blur(self) -> None:
        if self.cursor_key is not None and self.cursor_key in self._data:
            self._repaint_row(self.cursor_key)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return  # the header
        line = offset.y - 1 + int(self.scroll_offset.y)
        if 0 <= line < len(self._lines):
            self.move_cursor(self._lines[line][0])

    # -- rows coming and going -----------------------------------------------------------

    def remove_row(self, key: str) -> None:
        if key == self.cursor_key and key in self._data:
            index = self._order.index(key)
            rest = self._order[:index] + self._order[index + 1:]
            self.cursor_key = rest[min(index, len(rest) - 1)] if rest else None
            super().remove_row(key)
            if self.cursor_key is not None:
                self._repaint_row(self.cursor_key)
            return
        super().remove_row(key)

    # -- drawing -------------------------------------------------------------------------

    def _row_strips(self, key: str) -> list[Strip]:
        strips = super()._row_strips(key)
        if key != self.cursor_key:
            return strips
        name = "row-cursor--focused" if self.has_focus else "row-cursor--blurred"
        component = self._style(name)
        # Only the background and weight: the cells keep their own colours (BUY green).
        overlay = Style(bgcolor=component.bgcolor, bold=component.bold)
        return [Strip([Segment(text, (style or Style()) + overlay, control)
                       for text, style, control in strip], strip.cell_length)
                for strip in strips]
