"""The order-book ladder: a line-API widget that repaints only the rows that changed.

Asks sit above, bids below, meeting at a spread/mid row; each level shows price,
size and cumulative size with a depth bar behind it. A book the feed no longer
trusts is drawn dim and grey with the reason in its border: never as live.
Views arrive as whole immutable snapshots; the widget keeps the latest and
paints at most ``MAX_FPS`` times a second, so a burst cannot starve the screen.

A deep book scrolls (keys, mouse wheel) with only the rows on screen built, anchored
on a price so new views do not make it jump (``ladder_window``); ``g`` groups prices
for the eye only (``ladder_grouping``); my open orders are marked at their rows.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from kraken_tui.kraken.models import BookView, Order, ViewLevel
from kraken_tui.ui.keys import LADDER_BINDINGS
from kraken_tui.ui.widgets.ladder_grouping import GroupedSides, grouping_label, next_grouping
from kraken_tui.ui.widgets.ladder_paint import build_strip, imbalance_strip
from kraken_tui.ui.widgets.ladder_rows import (
    MAX_FPS,
    BarScale,
    Row,
    col_widths,
    describe_reason,
    imbalance_row,
    level_texts,
    note_changes,
    paint_due,
    shown_price,
    spread_row,
    tab_labels,
    waiting_rows,
)
from kraken_tui.ui.widgets.ladder_window import (
    WHEEL_ROWS,
    LadderScroll,
    deepest_total,
    edge_text,
    fit_edge,
    fit_mark,
    place_orders,
    plan_window,
    remaining,
    row_marks,
    scroll_label,
)


class BookLadder(Widget, can_focus=True):
    """One symbol's ladder. Focusable: its keys scroll and group it (``LADDER_BINDINGS``)."""

    BINDINGS: ClassVar[list[BindingType]] = LADDER_BINDINGS
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "book--header",
        "book--ask",
        "book--bid",
        "book--ask-bar",
        "book--bid-bar",
        "book--flash",
        "book--spread",
        "book--stale",
        "book--note",
        "book--tab",
        "book--tab-active",
        "book--own",
    }

    class SymbolPicked(Message):
        """A symbol's tab was clicked."""

        def __init__(self, symbol: str) -> None:
            super().__init__()
            self.symbol = symbol

    def __init__(self, symbol: str, depth: int, *, symbols: tuple[str, ...] = (),
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.symbol = symbol
        # The symbol tabs are the ladder's own first line: a separate tab widget (and
        # its container) would be drawn again by the compositor at every ladder paint.
        self.symbols = symbols or (symbol,)
        self.requested_depth = depth
        self.view: BookView | None = None
        self.valid = False
        self.reason = "awaiting_snapshot"
        self.paused = False
        self._pending = False  # a newer view than the painted one is waiting
        self._paint_times: deque[float] = deque(maxlen=64)  # starts of the latest paints
        self._paint_timer: asyncio.TimerHandle | None = None
        self._flash_timer: asyncio.TimerHandle | None = None
        self._rows: list[Row] = []
        self._strips: list[Strip] = []
        self._widths: tuple[int, ...] = (5, 4, 5)
        self._prev_qty: dict[tuple[str, Decimal], Decimal] = {}
        self._bar_scale = BarScale()
        self._flash_until: dict[tuple[str, Decimal], float] = {}
        # Component styles, resolved once until the CSS changes: resolving walks the CSS
        # (it was ~1.5% of a core when done at every paint).
        self._styles: dict[tuple[str, bool], Style] = {}
        self.paints = 0  # how many times rows were recomputed (tests, diagnostics)
        self.grouping = 1  # price buckets of this many ticks (display only)
        self.scroll = LadderScroll()
        self.scroll_text = ""  # "asks 1–12/1000 · bids 1–12/1000" when not all fit
        self.own_orders: tuple[Order, ...] = ()
        self._painted_view: BookView | None = None  # what is on screen (frozen while paused)
        self._grouped = GroupedSides()
        self._rebase = False  # the rows on screen changed by a move, not by the book

    # -- inputs ---------------------------------------------------------------

    def show(self, view: BookView | None, valid: bool, reason: str = "") -> None:
        """Take the latest view; paint now or at the next slot of the frame cap."""
        if view is not None:
            self.view = view
        self.valid = valid and view is not None
        self.reason = reason if not self.valid else ""
        self._pending = True
        self._update_chrome()
        self._schedule_paint()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._update_chrome()
        if not paused:
            self._schedule_paint()

    def set_requested_depth(self, depth: int) -> None:
        self.requested_depth = depth
        self._update_chrome()

    def set_own_orders(self, orders: tuple[Order, ...] | list[Order]) -> None:
        """My open orders (any symbols): this symbol's, with a price and size left, are
        marked at their rows, the others beyond the window on its edge lines."""
        mine = tuple(o for o in orders if o.symbol == self.symbol
                     and o.limit_price is not None and remaining(o) > 0)
        if mine != self.own_orders:
            self.own_orders = mine
            self._pending = True
            self._schedule_paint()

    @property
    def pending(self) -> bool:
        """True while a received view has not been painted yet (tests wait on this)."""
        return self._pending and not self.paused

    # -- keys and wheel -------------------------------------------------------

    def _sides(self) -> tuple[Sequence[ViewLevel], Sequence[ViewLevel]]:
        """The grouped levels on screen (or the latest view's, before the first paint)."""
        view = self._painted_view or self.view
        return self._grouped.of(view, self.grouping) if view is not None else ((), ())

    def _moved(self) -> None:
        """Redraw now, outside the frame cap: a key wants its answer on the next frame."""
        self._rebase = True
        self._bar_scale = BarScale()  # bars scaled to the rows now on screen, at once
        self._paint(force=True)

    def action_ladder_scroll(self, rows: int) -> None:
        asks, bids = self._sides()
        if self.scroll.move(rows, asks, bids, self._levels_per_side(self.content_size.height)):
            self._moved()

    def action_ladder_page(self, pages: int) -> None:
        rows = max(1, self.content_size.height - 5)  # a window less two lines of overlap
        self.action_ladder_scroll(pages * rows)

    def action_ladder_centre(self) -> None:
        if not self.scroll.following:
            self.scroll.recentre()
            self._moved()

    def action_ladder_group(self) -> None:
        """Next grouping; the window stays on the same price (the anchor is a price)."""
        self.grouping = next_grouping(self.grouping)
        self._update_chrome()
        self._moved()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.action_ladder_scroll(-WHEEL_ROWS)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.action_ladder_scroll(WHEEL_ROWS)

    # -- pacing ---------------------------------------------------------------

    def _schedule_paint(self) -> None:
        if self.paused or not self.is_mounted or self._paint_timer is not None:
            return
        wait = paint_due(self._paint_times, MAX_FPS) - time.monotonic()
        if wait <= 0:
            self._paint()
        else:
            # asyncio's call_later, not set_timer: Textual 8.2.8 drops a one-shot timer
            # whose delay has passed by the time its task reads the clock a second time,
            # so a wait of microseconds here never painted again (the ladder froze).
            loop = asyncio.get_running_loop()
            self._paint_timer = loop.call_later(wait, self._paint_from_timer)

    def _paint_from_timer(self) -> None:
        self._paint_timer = None
        self._paint()

    def on_unmount(self) -> None:
        # asyncio's handles, not Textual timers: not stopped with the widget.
        for handle in (self._paint_timer, self._flash_timer):
            if handle is not None:
                handle.cancel()
        self._paint_timer = self._flash_timer = None

    def on_mount(self) -> None:
        if self._pending:
            self._schedule_paint()

    def notify_style_update(self) -> None:
        """Theme, class (stale, paused) or hover changed: redraw every row in the new style."""
        super().notify_style_update()
        self._styles.clear()
        self._rows = []  # the next paint re-renders all rows; the old strips show until then
        self._pending = True
        self._schedule_paint()

    def on_resize(self) -> None:
        self._rows = []
        self._strips = []
        # Another size shows other levels: scale the bars to them as a fresh start would.
        self._bar_scale = BarScale()
        self._paint(force=True)

    # -- layout of rows -------------------------------------------------------

    def _update_chrome(self) -> None:
        depth = self.view.depth if self.view is not None else self.requested_depth
        depth_text = f"depth {depth}"
        if self.requested_depth != depth:
            depth_text = f"depth {depth}→{self.requested_depth}"
        title = f"{self.symbol} · {depth_text}"
        if self.grouping != 1 and self.view is not None:
            title += f" · {grouping_label(self.grouping, self.view.price_precision)}"
        if self.valid:
            subtitle = "PAUSED" if self.paused else "LIVE"
        else:
            subtitle = f"STALE — {describe_reason(self.reason)}"
        if self.scroll_text:
            subtitle = f"{subtitle} · {self.scroll_text}"
        if self.border_title != title:
            self.border_title = title
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
        self.set_class(not self.valid, "-stale")
        self.set_class(self.paused, "-paused")

    def _levels_per_side(self, height: int) -> int:
        return max(0, (height - 4) // 2)  # tabs, header, spread, imbalance

    def _compute_rows(self, view: BookView | None, width: int, height: int,
                      fresh: bool) -> list[Row]:
        """The rows of ``view`` in the window; ``fresh``: a new view (its changes flash)."""
        n = self._levels_per_side(height)
        stale = not self.valid
        tabs = Row("tabs", self.symbols)
        if view is None:
            self.scroll_text = ""
            return waiting_rows(tabs, self.symbol, self.reason, n)[:height]
        asks, bids = self._grouped.of(view, self.grouping)
        n_asks = len(asks)
        placed = (place_orders(self.own_orders, asks, bids, self.grouping, view.price_precision)
                  if self.own_orders else [])
        top = self.scroll.top(asks, bids, n)
        plan = plan_window(top, 2 * n + 1, n_asks, len(bids), placed)
        shown = [(kind, (asks if kind == "ask" else bids)[i]) for kind, i in plan.slots
                 if kind in ("ask", "bid")]
        now = time.monotonic()
        if fresh or self._rebase:
            self._prev_qty, self._flash_until = note_changes(
                self._prev_qty, self._flash_until, shown, fresh and not self._rebase, now)
            self._rebase = False
        max_cum = self._bar_scale.update(deepest_total(top, 2 * n + 1, asks, bids), now)
        qp = view.qty_precision
        levels = [lv for _, lv in shown]
        texts = level_texts(view, levels, qp)
        pw, qw, cw = col_widths(texts)
        # Huge sizes in a narrow panel: show fewer size decimals rather than crop digits.
        while 1 + pw + 2 + qw + 2 + cw > width and qp > 0:
            qp -= 1
            texts = level_texts(view, levels, qp)
            pw, qw, cw = col_widths(texts)
        bar_room = max(0, width)
        animate = self.app.animation_level != "none"
        flash_until = self._flash_until
        marks = row_marks(placed, shown_price(view)) if placed else {}
        header = ("Price".rjust(pw), "Size".rjust(qw), "Total".rjust(cw))
        rows = [tabs, Row("header", header, stale=stale)]
        level_cells = iter(texts)
        for kind, index in plan.slots:
            if kind in ("ask", "bid"):
                lv = (asks if kind == "ask" else bids)[index]
                bar = int(bar_room * (lv.cum_qty / max_cum)) if max_cum > 0 else 0
                flash = animate and flash_until.get((kind, lv.price), 0.0) > now
                pos = n_asks - 1 - index if kind == "ask" else n_asks + 1 + index
                rows.append(Row(kind, next(level_cells), bar, flash, stale, marks.get(pos, "")))
            elif kind == "spread":
                rows.append(spread_row(view, stale, self.reason))
            elif kind in ("above", "below"):
                beyond = plan.above if kind == "above" else plan.below
                rows.append(Row("edge", (edge_text(kind, beyond, shown_price(view)),),
                                stale=stale))
            else:
                rows.append(Row("empty"))
        rows.append(imbalance_row(view.asks[:n], view.bids[:n], stale))
        self.scroll_text = scroll_label(plan, n_asks, len(bids))
        return rows[:height]

    # -- painting -------------------------------------------------------------

    def _paint(self, force: bool = False) -> None:
        if self.paused and not force:
            return
        width, height = self.content_size.width, self.content_size.height
        if width <= 0 or height <= 0:
            # Hidden (another tab): nothing to draw; on_resize paints the latest view.
            self._pending = False
            return
        # Paused, a forced paint (a scroll key, a resize) redraws the frozen view.
        frozen = self.paused and self._painted_view is not None
        view = self._painted_view if frozen else self.view
        fresh = self._pending and not frozen
        if not frozen:
            self._pending = False
        started = time.monotonic()
        self._paint_times.append(started)
        self.paints += 1
        scroll_text = self.scroll_text
        rows = self._compute_rows(view, width, height, fresh)
        self._painted_view = view
        if self.scroll_text != scroll_text:
            self._update_chrome()
        rows += [Row("empty")] * (height - len(rows))
        old = self._rows
        header = next((r for r in rows if r.kind == "header" and len(r.cells) == 3), None)
        widths = tuple(len(c) for c in header.cells) if header else (5, 4, 5)
        full = widths != self._widths
        self._widths = widths
        if full or len(old) != len(rows) or len(self._strips) != len(rows):
            self._rows = rows
            self._strips = [self._render_row(r, width) for r in rows]
            self.refresh()
        else:
            # One refresh for all changed rows, runs of adjacent rows as one region:
            # a refresh per row cost more than rendering the row.
            dirty: list[Region] = []
            for y, row in enumerate(rows):
                if row != old[y]:
                    self._strips[y] = self._render_row(row, width)
                    if dirty and dirty[-1].bottom == y:
                        dirty[-1] = dirty[-1].grow((0, 0, 1, 0))
                    else:
                        dirty.append(Region(0, y, width, 1))
            if dirty:
                self.refresh(*dirty)
            self._rows = rows
        # Flashes over before these rows were computed are drawn plain now: drop them, or
        # the flash timer would re-fire every 20 ms until the next view prunes them.
        if any(t <= started for t in self._flash_until.values()):
            self._flash_until = {k: t for k, t in self._flash_until.items() if t > started}
        self._arm_flash_timer()

    def _arm_flash_timer(self) -> None:
        """Paint once more when the last flash ends, unless another paint comes first.

        Every paint redraws expired flashes plain, so on a busy book the data paints end
        them and this timer never fires: re-armed at each paint, it only fires once the
        book has been quiet. (Firing at each flash's own expiry doubled the paints.) An
        asyncio handle, not ``set_timer``: a Textual timer is a task, and one was created
        and cancelled at every paint.
        """
        if self._flash_timer is not None:
            self._flash_timer.cancel()
            self._flash_timer = None
        if not self._flash_until or self.app.animation_level == "none":
            return
        wait = max(0.02, max(self._flash_until.values()) - time.monotonic())
        self._flash_timer = asyncio.get_running_loop().call_later(wait, self._end_flashes)

    def _end_flashes(self) -> None:
        self._flash_timer = None  # cancelled in on_unmount: the widget is still mounted
        self._paint(force=not self.paused)

    def render_line(self, y: int) -> Strip:
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.content_size.width, self.rich_style)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    def _style(self, name: str, partial: bool = False) -> Style:
        """Resolved against the widget's background, so translucent bar colours blend."""
        style = self._styles.get((name, partial))
        if style is None:
            if name:
                style = self.get_component_rich_style(name, partial=partial)
            else:
                style = self.rich_style
            self._styles[(name, partial)] = style
        return style

    def _render_row(self, row: Row, width: int) -> Strip:
        base = self._style("")  # the widget's own rich_style
        stale_style = self._style("book--stale")
        if row.kind == "empty":
            return Strip.blank(width, base)
        if row.kind == "tabs":
            return self._tabs_strip(width, base)
        if row.kind == "header":
            style = base + self._style("book--header")
            text = " " + "  ".join(row.cells) if row.cells else ""
            return build_strip([(text, style)], width, base)
        if row.kind == "note":
            style = base + self._style("book--note")
            return build_strip([(row.cells[0].center(width), style)], width, base)
        if row.kind == "spread":
            style = base + (stale_style if row.stale else self._style("book--spread"))
            text = "   ".join(row.cells)
            # Centred under the number columns, where the eye already is.
            span = max(len(text), 1 + sum(self._widths) + 4)
            return build_strip([(" " + text.center(span - 1), style)], width, base)
        if row.kind == "imbalance":
            return self._imbalance_strip(row, width, base, stale_style)
        own = base + (stale_style if row.stale else self._style("book--own"))
        if row.kind == "edge":
            return build_strip([(" " + fit_edge(row.cells[0], width - 1), own)], width, base)
        side = row.kind
        text_style = base + (stale_style if row.stale else self._style(f"book--{side}"))
        price, qty, cum = row.cells
        pw, qw, cw = self._widths
        if row.flash:
            cells = [
                (" " + price.rjust(pw) + "  ", text_style),
                (qty.rjust(qw), text_style + self._style("book--flash", partial=True)),
                ("  " + cum.rjust(cw), text_style),
            ]
        else:  # one piece: each segment costs again in every compositor and output step
            cells = [(f" {price.rjust(pw)}  {qty.rjust(qw)}  {cum.rjust(cw)}", text_style)]
        if row.mark:
            mark = fit_mark(row.mark, width - (pw + qw + cw + 5) - 2)
            if mark:
                cells.append(("  " + mark, own))
        bar = min(row.bar, width) if not row.stale else 0
        return build_strip(cells, width, base, bar, self._bar_overlay(side))

    def _bar_overlay(self, side: str) -> Style:
        """Only the bar's background: it is laid over the text colours of the row's tail."""
        key = (f"overlay:{side}", False)
        style = self._styles.get(key)
        if style is None:
            style = Style(bgcolor=self._style(f"book--{side}-bar").bgcolor)
            self._styles[key] = style
        return style

    def _tabs_strip(self, width: int, base: Style) -> Strip:
        """The tab row, the shown symbol highlighted."""
        pieces = [
            (label, base + self._style("book--tab-active" if symbol == self.symbol
                                       else "book--tab"))
            for _, label, symbol in tab_labels(self.symbols)
        ]
        return build_strip(pieces, width, base)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y != 0:
            return
        for start, label, symbol in tab_labels(self.symbols):
            if start <= offset.x < start + len(label):
                self.post_message(self.SymbolPicked(symbol))

    def _imbalance_strip(self, row: Row, width: int, base: Style, stale_style: Style) -> Strip:
        bid_style = base + (stale_style if row.stale else self._style("book--bid"))
        ask_style = base + (stale_style if row.stale else self._style("book--ask"))
        return imbalance_strip(row.cells, width, base, bid_style, ask_style)
