"""A keyed table that repaints only the rows whose cells changed.

Why not ``DataTable``: its ``update_cell`` invalidates every cached row, so one
changed cell re-renders the whole visible table through Rich. The side panels
change a few cells a second for days (ages, countdowns, fills), and profiling the
monitor showed that re-rendering ~30% of the UI loop's CPU. Here each row is
rendered once into ``Strip``s and kept until one of its cells changes; the
compositor is asked to redraw that row's lines only.

Rows keep their insertion order (nothing jumps under the reader's eye); the
header stays on the first line while the body scrolls.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = Text | str


@dataclass(frozen=True)
class Column:
    """``width`` (cells, padding excluded) None: as wide as the widest cell or the label.

    ``decimal``: numbers line up on their decimal point (right-aligned, the shorter
    fractions padded with spaces). ``drop``: when the table is wider than the panel,
    columns go in decreasing ``drop`` order (0: never), so a number is never cut.
    """

    key: str
    label: Cell
    width: int | None = None
    justify: Literal["left", "right"] = "left"
    decimal: bool = False
    drop: int = 0


def fraction_len(text: str) -> int:
    """Digits after the decimal point (0 without one)."""
    point = text.rfind(".")
    return 0 if point < 0 else len(text.rstrip()) - point - 1


def decimal_pad(text: str, fraction: int) -> str:
    """Spaces that line ``text`` up with numbers of ``fraction`` decimals."""
    own = fraction_len(text)
    if own == 0 and "." not in text:
        return " " * (fraction + 1) if fraction else ""
    return " " * (fraction - own)


def _as_text(cell: Cell) -> Text:
    return cell if isinstance(cell, Text) else Text(cell)


def _same(a: Mapping[str, Text], b: Mapping[str, Text]) -> bool:
    """Equal as drawn: ``Text.__eq__`` ignores the base style (a late heartbeat's red)."""
    return all(
        a[k].plain == b[k].plain and a[k].style == b[k].style and a[k].spans == b[k].spans
        for k in a
    )


class KeyedTable(ScrollView, can_focus=True):
    """Columns and keyed rows of ``Text`` cells; changed rows repaint, nothing else.

    Focusable (tab or a click) so that every panel scrolls with the keyboard too.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]

    DEFAULT_CSS = """
    KeyedTable {
        background: $surface;
        color: $foreground;
    }
    KeyedTable > .keyed-table--header {
        text-style: bold;
        background: $panel;
        color: $foreground;
    }
    KeyedTable > .keyed-table--even-row {
        background: $surface-lighten-1 50%;
    }
    KeyedTable:dark > .keyed-table--even-row {
        background: $surface-darken-1 40%;
    }
    KeyedTable:focus {
        border-title-style: bold reverse;
    }
    KeyedTable > .keyed-table--stale {
        color: $text-disabled;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "keyed-table--header",
        "keyed-table--even-row",
        "keyed-table--stale",
    }

    def __init__(
        self,
        *,
        cell_padding: int = 1,
        zebra_stripes: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.cell_padding = cell_padding
        self.zebra_stripes = zebra_stripes
        self._all_columns: list[Column] = []
        self._columns: list[Column] = []  # those shown: the widest drop first when cramped
        self._widths: list[int] = []
        self._fractions: dict[str, int] = {}  # decimal column -> longest fraction
        self._data: dict[str, dict[str, Text]] = {}
        self._heights: dict[str, int] = {}
        self._order: list[str] = []  # row keys, in insertion order
        self._top: dict[str, int] = {}  # row key -> first body line
        self._index: dict[str, int] = {}  # row key -> row number (zebra parity)
        self._lines: list[tuple[str, int]] = []  # body line -> (row key, line within row)
        self._strips: dict[str, list[Strip]] = {}  # rendered rows, until a cell changes
        self._header: Strip | None = None
        self._styles: dict[str, Style] = {}
        self._stale = False
        # Inside ``batch()``: what to redo once at its end (widths scan every row).
        self._batching = False
        self._pending_relayout = False
        self._pending_rows: set[str] = set()
        self.row_renders = 0  # rows rendered to strips (tests check repaints stay local)
        self.width_fits = 0  # scans of every cell for the widths (tests check batching)

    # -- building --------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many row changes, one width fit and one relayout at the end.

        Why: fitting the widths reads every cell, so doing it per changed row made
        a 200-order table's once-a-second age refresh cost 200 x 200 x 8 reads."""
        if self._batching:
            yield
            return
        self._batching = True
        try:
            yield
        finally:
            self._batching = False
            relayout, rows = self._pending_relayout, self._pending_rows
            self._pending_relayout, self._pending_rows = False, set()
            if relayout:
                self._relayout()
            elif rows and not self._fit_widths():
                for key in rows:
                    if key in self._top:
                        self._repaint_row(key)

    def set_columns(self, columns: Iterable[Column]) -> None:
        self._all_columns = list(columns)
        self._columns = list(self._all_columns)
        self._widths = []
        self._relayout()

    @property
    def shown_columns(self) -> list[str]:
        return [col.key for col in self._columns]

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def row_keys(self) -> list[str]:
        return list(self._order)

    def get_cell(self, row: str, column: str) -> Text:
        return self._data[row][column]

    def set_row(self, key: str, cells: Mapping[str, Cell], height: int = 1) -> None:
        """Add the row ``key`` (at the end) or update the cells that differ."""
        new = {col.key: _as_text(cells.get(col.key, "")) for col in self._all_columns}
        old = self._data.get(key)
        if old is None:
            self._data[key] = new
            self._heights[key] = height
            self._order.append(key)
            self._relayout_soon()
            return
        if self._heights[key] == height and _same(old, new):
            return
        self._data[key] = new
        self._strips.pop(key, None)
        if self._heights[key] != height:
            self._heights[key] = height
            self._relayout_soon()
        elif self._batching:
            self._pending_rows.add(key)
        elif not self._fit_widths():
            self._repaint_row(key)

    def set_rows(self, rows: Iterable[tuple[str, Mapping[str, Cell]]]) -> None:
        """Replace every row, in this order, with one relayout (one-line rows).

        For tables whose order is not arrival order (newest on top): rows whose cells
        did not change keep their rendered strips, wherever they move to.
        """
        data: dict[str, dict[str, Text]] = {}
        for key, cells in rows:
            data[key] = {col.key: _as_text(cells.get(col.key, "")) for col in self._all_columns}
        for key, old in self._data.items():
            new = data.get(key)
            if new is None or self._heights[key] != 1 or not _same(old, new):
                self._strips.pop(key, None)
        if self.zebra_stripes and list(data) != self._order:
            self._strips.clear()  # rows moved: their parity may have changed
        self._data = data
        self._heights = dict.fromkeys(data, 1)
        self._order = list(data)
        self._relayout()

    def set_cell(self, row: str, column: str, value: Cell) -> None:
        cells = dict(self._data[row])
        cells[column] = _as_text(value)
        self.set_row(row, cells, self._heights[row])

    def remove_row(self, key: str) -> None:
        if key not in self._data:
            return
        del self._data[key], self._heights[key]
        self._order.remove(key)
        self._strips.pop(key, None)
        if self.zebra_stripes:
            self._strips.clear()  # the rows below changed parity
        self._relayout_soon()

    def set_stale(self, stale: bool) -> None:
        """Stale rows lose their colours: nothing on them may look live."""
        if stale != self._stale:
            self._stale = stale
            self.set_class(stale, "-stale")
            self._strips.clear()
            self.refresh()

    # -- geometry -----------------------------------------------------------------

    def _natural_width(self, col: Column) -> int:
        if col.width is not None:
            return col.width
        values = [self._data[k][col.key].plain for k in self._order]
        if col.decimal:
            fraction = max((fraction_len(v) for v in values), default=0)
            self._fractions[col.key] = fraction
            values = [v + decimal_pad(v, fraction) for v in values]
        lines = [_as_text(col.label).plain, *values]
        return max(cell_len(line) for text in lines for line in text.split("\n"))

    def _shown(self) -> tuple[list[Column], list[int]]:
        """Every column that fits the panel, dropping the highest ``drop`` first."""
        columns = list(self._all_columns)
        widths = [self._natural_width(col) for col in columns]
        room = self.size.width - (1 if self.show_vertical_scrollbar else 0)
        droppable = sorted((c for c in columns if c.drop), key=lambda c: -c.drop)
        pad = 2 * self.cell_padding
        while room > 0 and sum(widths) + pad * len(widths) > room and droppable:
            index = columns.index(droppable.pop(0))
            del columns[index], widths[index]
        return columns, widths

    def _fit_widths(self) -> bool:
        """Recompute auto widths; True (and a full repaint) when any changed."""
        fractions = dict(self._fractions)
        self.width_fits += 1
        columns, widths = self._shown()
        if widths == self._widths and columns == self._columns and fractions == self._fractions:
            return False
        self._columns, self._widths = columns, widths
        self._strips.clear()
        self._header = None
        self._resize_virtual()
        return True

    def _content_size(self) -> Size:
        """Columns with their padding, by the header plus every body line."""
        padded = sum(self._widths) + 2 * self.cell_padding * len(self._widths)
        return Size(padded, len(self._lines) + 1)

    def _resize_virtual(self) -> None:
        size = self._content_size()
        # Setting virtual_size (a layout reactive) costs a layout pass of the whole screen
        # (~14 ms), and the demo's order flow changed the rows a few times a minute. Only
        # the scrollbars depend on it: while every row fits, keep the old size; otherwise
        # store it quietly and update the scrollbars, which ask for a layout themselves
        # only when one appears or goes.
        visible = self.size.height
        fits = size.height <= visible and self.virtual_size.height <= visible
        if size != self.virtual_size and not (fits and size.width == self.virtual_size.width):
            self.set_reactive(KeyedTable.virtual_size, size)
            self._scroll_update(size)
        self._mark_fits(size)
        self.refresh()  # rows moved: redraw from the cached strips

    def _mark_fits(self, size: Size) -> None:
        """``-fits`` while every row shows: a panel whose scrollbar is always there (no
        layout pass each time rows overflow or fit again) styles it invisible then."""
        self.set_class(size.height <= self.size.height, "-fits")

    def _relayout_soon(self) -> None:
        if self._batching:
            self._pending_relayout = True
        else:
            self._relayout()

    def _relayout(self) -> None:
        """Row positions after rows were added or removed."""
        self._top.clear()
        self._lines = []
        self._index = {key: i for i, key in enumerate(self._order)}
        for key in self._order:
            self._top[key] = len(self._lines)
            self._lines.extend((key, i) for i in range(self._heights[key]))
        if not self._fit_widths():
            self._resize_virtual()

    def _repaint_row(self, key: str) -> None:
        self._strips.pop(key, None)
        top = 1 + self._top[key] - self.scroll_offset.y
        height = self._heights[key]
        if top + height > 1 and top < self.size.height:
            self.refresh(Region(0, top, self.size.width, height))

    def on_resize(self) -> None:
        self._strips.clear()
        self._header = None
        self._fit_widths()  # another width may show more columns, or fewer
        self.virtual_size = self._content_size()  # exact again: scrollbars may change
        self._mark_fits(self.virtual_size)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()
        self._header = None

    # -- rendering -------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(name) if name else self.rich_style
            self._styles[name] = style
        return style

    def _render_cells(self, cells: list[Text], height: int, base: Style, plain: bool,
                      header: bool = False) -> list[Strip]:
        console = self.app.console
        pad = " " * self.cell_padding
        lines: list[list[Segment]] = [[] for _ in range(height)]
        for col, width, cell in zip(self._columns, self._widths, cells, strict=True):
            parts = cell.split("\n", allow_blank=True) if "\n" in cell.plain else [cell]
            for y in range(height):
                part = parts[y] if y < len(parts) else Text()
                part = Text(part.plain) if plain else part.copy()
                if col.decimal and y == 0 and part.plain and not header:
                    part.append(decimal_pad(part.plain, self._fractions.get(col.key, 0)))
                part.truncate(width, overflow="ellipsis")
                part.align(col.justify, width)
                # Text.render leaves out the text's own style: it is layered here.
                style = base + console.get_style(part.style) if part.style else base
                segments = lines[y]
                segments.append(Segment(pad, base))
                for seg in part.render(console, end=""):
                    segments.append(Segment(seg.text, style + seg.style if seg.style else style))
                segments.append(Segment(pad, base))
        width = self.size.width
        return [Strip(segs).adjust_cell_length(width, base) for segs in lines]

    def _header_strip(self) -> Strip:
        if self._header is None:
            base = self._style("") + self._style("keyed-table--header")
            labels = [_as_text(col.label) for col in self._columns]
            self._header = self._render_cells(labels, 1, base, plain=False, header=True)[0]
        return self._header

    def _row_strips(self, key: str) -> list[Strip]:
        strips = self._strips.get(key)
        if strips is None:
            base = self._style("")
            if self.zebra_stripes and self._index[key] % 2 == 0:
                base = base + self._style("keyed-table--even-row")
            if self._stale:
                base = base + self._style("keyed-table--stale")
            cells = [self._data[key][col.key] for col in self._columns]
            strips = self._render_cells(cells, self._heights[key], base, plain=self._stale)
            self._strips[key] = strips
            self.row_renders += 1
        return strips

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._header_strip().crop_extend(0, width, self._style(""))
        line = y - 1 + self.scroll_offset.y
        if line >= len(self._lines):
            return Strip.blank(width, self._style(""))
        key, offset = self._lines[line]
        return self._row_strips(key)[offset]
