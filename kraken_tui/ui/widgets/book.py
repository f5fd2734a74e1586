"""The order-book ladder: a line-API widget that repaints only the rows that changed.

Asks sit above, bids below, meeting at a spread/mid row; each level shows price,
size and cumulative size with a depth bar behind it. A book the feed no longer
trusts is drawn dim and grey with the reason in its border: never as live.
Views arrive as whole immutable snapshots; the widget keeps the latest and
paints at most ``MAX_FPS`` times a second, so a burst cannot starve the screen.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from decimal import Decimal
from typing import ClassVar

from rich.cells import cell_len, chop_cells, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from kraken_tui.kraken.models import BookView, ViewLevel
from kraken_tui.ui.widgets.ladder_rows import (
    FLASH_SECONDS,
    MAX_FPS,
    BarScale,
    Row,
    describe_reason,
    paint_due,
)


class BookLadder(Widget, can_focus=False):
    """One symbol's ladder."""

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

    @property
    def pending(self) -> bool:
        """True while a received view has not been painted yet (tests wait on this)."""
        return self._pending and not self.paused

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
        if self.valid:
            subtitle = "PAUSED" if self.paused else "LIVE"
        else:
            subtitle = f"STALE — {describe_reason(self.reason)}"
        if self.border_title != title:
            self.border_title = title
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
        self.set_class(not self.valid, "-stale")
        self.set_class(self.paused, "-paused")

    def _levels_per_side(self, height: int) -> int:
        return max(0, (height - 4) // 2)  # tabs, header, spread, imbalance

    def _compute_rows(self, width: int, height: int) -> list[Row]:
        view = self.view
        n = self._levels_per_side(height)
        stale = not self.valid
        tabs = Row("tabs", self.symbols)
        if view is None:
            rows = [tabs, Row("header", ("Price", "Size", "Total"))]
            rows += [Row("empty")] * n
            note = f"waiting for {self.symbol} — {describe_reason(self.reason)}"
            rows.append(Row("note", (note,)))
            rows += [Row("empty")] * n
            rows.append(Row("empty"))
            return rows[:height]
        asks = view.asks[:n]
        bids = view.bids[:n]
        now = time.monotonic()
        deepest = max(asks[-1].cum_qty if asks else Decimal(0),
                      bids[-1].cum_qty if bids else Decimal(0))
        max_cum = self._bar_scale.update(deepest, now)
        qp = view.qty_precision
        texts = self._level_texts(view, asks, bids, qp)
        pw, qw, cw = self._col_widths(texts)
        # Huge sizes in a narrow panel: show fewer size decimals rather than crop digits.
        while 1 + pw + 2 + qw + 2 + cw > width and qp > 0:
            qp -= 1
            texts = self._level_texts(view, asks, bids, qp)
            pw, qw, cw = self._col_widths(texts)
        bar_room = max(0, width)
        animate = self.app.animation_level != "none"
        flash_until = self._flash_until

        def level_row(side: str, lv: ViewLevel, cells: tuple[str, str, str]) -> Row:
            bar = int(bar_room * (lv.cum_qty / max_cum)) if max_cum > 0 else 0
            flash = animate and flash_until.get((side, lv.price), 0.0) > now
            return Row(side, cells, bar, flash, stale)

        ask_texts, bid_texts = texts[:len(asks)], texts[len(asks):]
        header = ("Price".rjust(pw), "Size".rjust(qw), "Total".rjust(cw))
        rows = [tabs, Row("header", header, stale=stale)]
        rows += [Row("empty")] * (n - len(asks))
        rows += [level_row("ask", lv, t) for lv, t in zip(asks[::-1], ask_texts[::-1], strict=True)]
        rows.append(self._spread_row(view, stale))
        rows += [level_row("bid", lv, t) for lv, t in zip(bids, bid_texts, strict=True)]
        rows += [Row("empty")] * (n - len(bids))
        rows.append(self._imbalance_row(asks, bids, stale))
        return rows[:height]

    @staticmethod
    def _level_texts(view: BookView, asks: tuple[ViewLevel, ...], bids: tuple[ViewLevel, ...],
                     qp: int) -> list[tuple[str, str, str]]:
        """Price, size and total as drawn, asks then bids: formatted once per paint."""
        price = view.format_price
        return [(price(lv.price), f"{lv.qty:.{qp}f}", f"{lv.cum_qty:.{qp}f}")
                for lv in (*asks, *bids)]

    @staticmethod
    def _col_widths(texts: list[tuple[str, str, str]]) -> tuple[int, int, int]:
        pw = max([len(p) for p, _, _ in texts] + [5])
        qw = max([len(q) for _, q, _ in texts] + [4])
        cw = max([len(c) for _, _, c in texts] + [5])
        return pw, qw, cw

    def _spread_row(self, view: BookView, stale: bool) -> Row:
        if stale:
            return Row("spread", (f"STALE — {describe_reason(self.reason)}",), stale=True)
        spread, mid, bps = view.spread, view.mid, view.spread_bps
        if spread is None or mid is None:
            return Row("spread", ("one-sided book: no spread",))
        mid_text = f"{mid:.{view.price_precision + 1}f}"
        bps_text = f"{bps:.2f} bps" if bps is not None else "—"
        spread_text = f"spread {view.format_price(spread)} ({bps_text})"
        return Row("spread", (spread_text, f"mid {mid_text}"))

    def _imbalance_row(self, asks: tuple, bids: tuple, stale: bool) -> Row:
        bid_q = sum((lv.qty for lv in bids), Decimal(0))
        ask_q = sum((lv.qty for lv in asks), Decimal(0))
        total = bid_q + ask_q
        if total == 0:
            return Row("imbalance", ("", ""), stale=stale)
        share = float(bid_q / total)
        return Row("imbalance", (f"{share * 100:.0f}", f"{(1 - share) * 100:.0f}"), stale=stale)

    # -- painting -------------------------------------------------------------

    def _note_changes(self, visible: int) -> None:
        """Start a flash on visible levels whose size changed since the last painted view."""
        view = self.view
        if view is None:
            return
        now = time.monotonic()
        current: dict[tuple[str, Decimal], Decimal] = {}
        for side, levels in (("bid", view.bids[:visible]), ("ask", view.asks[:visible])):
            for lv in levels:
                key = (side, lv.price)
                current[key] = lv.qty
                if self._prev_qty and self._prev_qty.get(key) != lv.qty:
                    self._flash_until[key] = now + FLASH_SECONDS
        self._prev_qty = current
        self._flash_until = {k: t for k, t in self._flash_until.items() if t > now}

    def _paint(self, force: bool = False) -> None:
        if self.paused and not force:
            return
        width, height = self.content_size.width, self.content_size.height
        if width <= 0 or height <= 0:
            # Hidden (another tab): nothing to draw; on_resize paints the latest view.
            self._pending = False
            return
        if self._pending:
            self._note_changes(self._levels_per_side(height))
        self._pending = False
        started = time.monotonic()
        self._paint_times.append(started)
        self.paints += 1
        rows = self._compute_rows(width, height)
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
            return self._strip([(text, style)], width, base)
        if row.kind == "note":
            style = base + self._style("book--note")
            return self._strip([(row.cells[0].center(width), style)], width, base)
        if row.kind == "spread":
            style = base + (stale_style if row.stale else self._style("book--spread"))
            text = "   ".join(row.cells)
            # Centred under the number columns, where the eye already is.
            span = max(len(text), 1 + sum(self._widths) + 4)
            return self._strip([(" " + text.center(span - 1), style)], width, base)
        if row.kind == "imbalance":
            return self._imbalance_strip(row, width, base, stale_style)
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
        bar = min(row.bar, width) if not row.stale else 0
        return self._strip(cells, width, base, bar, self._bar_overlay(side))

    def _bar_overlay(self, side: str) -> Style:
        """Only the bar's background: it is laid over the text colours of the row's tail."""
        key = (f"overlay:{side}", False)
        style = self._styles.get(key)
        if style is None:
            style = Style(bgcolor=self._style(f"book--{side}-bar").bgcolor)
            self._styles[key] = style
        return style

    def _tab_labels(self) -> list[tuple[int, str, str]]:
        """(start cell, label, symbol) per tab: `` 1 BTC/USD  2 ETH/USD ``."""
        labels = []
        x = 0
        for i, symbol in enumerate(self.symbols):
            label = f" {i + 1} {symbol} " if i < 9 else f" {symbol} "
            labels.append((x, label, symbol))
            x += len(label)
        return labels

    def _tabs_strip(self, width: int, base: Style) -> Strip:
        """The tab row, the shown symbol highlighted."""
        pieces = [
            (label, base + self._style("book--tab-active" if symbol == self.symbol
                                       else "book--tab"))
            for _, label, symbol in self._tab_labels()
        ]
        return self._strip(pieces, width, base)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y != 0:
            return
        for start, label, symbol in self._tab_labels():
            if start <= offset.x < start + len(label):
                self.post_message(self.SymbolPicked(symbol))

    def _imbalance_strip(self, row: Row, width: int, base: Style, stale_style: Style) -> Strip:
        bid_pct, ask_pct = row.cells
        if not bid_pct:
            return Strip.blank(width, base)
        left_label = f" Bids {bid_pct}% "
        right_label = f" {ask_pct}% Asks "
        bar_width = max(0, width - len(left_label) - len(right_label))
        filled = round(bar_width * int(bid_pct) / 100)
        bid_style = base + (stale_style if row.stale else self._style("book--bid"))
        ask_style = base + (stale_style if row.stale else self._style("book--ask"))
        return self._strip(
            [
                (left_label, bid_style),
                ("█" * filled, bid_style),
                ("█" * (bar_width - filled), ask_style),
                (right_label, ask_style),
            ],
            width,
            base,
        )

    @staticmethod
    def _strip(
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
