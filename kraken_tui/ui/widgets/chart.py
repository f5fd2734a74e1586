"""The price chart: 1-minute candles as terminal cells, one column per candle.

Each column is a candle: a thin line from low to high with a block body from open to
close, at half-cell resolution (``▀ ▄ █``, ``╵ ╷ │``), green up, red down. The right axis
shows the chart's high and low and marks the last price (``◀``) with a dotted guide
across the plot; the bottom row gives the first and last candle's minute (UTC). Under
``SPARK_BELOW`` rows it is one sparkline of closes with the last price beside it.

Candles replace each other by ``interval_begin`` (an update re-sends the candle in
progress). Rows are drawn from plain Textual strips: a plotting dependency would draw
the same thing slower. Floats appear only to place a price on a row.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from kraken_tui.kraken.market import Candle
from kraken_tui.ui.widgets.fmt import parse_time
from kraken_tui.ui.widgets.ladder_rows import describe_reason
from kraken_tui.ui.widgets.paced import PacedLines, clock_text, exact, line

MAX_CANDLES = 720  # 12 hours of 1-minute candles: wider than any terminal
SPARK_BELOW = 5  # content rows under which the chart is a one-line sparkline
BARS = "▁▂▃▄▅▆▇█"
MIN_PLOT = 8  # plot columns needed to keep the price axis

Cell = tuple[str, str]  # glyph, component class


def _glyph(body: tuple[bool, bool], wick: tuple[bool, bool]) -> str:
    """The cell for (upper, lower) halves covered by the body and by the wick."""
    if body == (True, True):
        return "█"
    if body[0]:
        return "▀"
    if body[1]:
        return "▄"
    return {(True, True): "│", (True, False): "╵", (False, True): "╷"}.get(wick, " ")


class PriceChart(PacedLines):
    """``set_candles`` as they come; ``set_stale`` when the feed stops trusting them."""

    MAX_FPS: ClassVar[float] = 5.0  # a 1-minute chart gains nothing from more

    DEFAULT_CSS = """
    PriceChart {
        border: round $primary 50%;
        border-title-color: $foreground;
        border-title-style: bold;
        border-subtitle-color: $success;
        background: $surface;
        color: $foreground;
    }
    PriceChart.-stale {
        border: heavy $error;
        border-subtitle-color: $error;
        background: $surface-darken-1;
    }
    PriceChart > .chart--up {
        color: $success;
    }
    PriceChart > .chart--down {
        color: $error;
    }
    PriceChart > .chart--guide {
        color: $text-muted 50%;
    }
    PriceChart > .chart--label {
        color: $text-muted;
    }
    PriceChart > .chart--last {
        text-style: bold reverse;
    }
    PriceChart > .chart--note {
        color: $text-muted;
        text-style: italic;
    }
    PriceChart > .chart--stale {
        color: $text-disabled;
    }
    PriceChart > .chart--stale-tag {
        color: $text-error;
        text-style: bold;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "chart--up",
        "chart--down",
        "chart--guide",
        "chart--label",
        "chart--last",
        "chart--note",
        "chart--stale",
        "chart--stale-tag",
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "1m candles"
        self._by_begin: dict[str, Candle] = {}
        self._order: list[tuple[float, str]] = []  # (begin as epoch seconds, begin text)
        self.stale_reason: str | None = "awaiting_snapshot"
        self._update_chrome()

    # -- inputs -------------------------------------------------------------------

    def set_candles(self, candles: Sequence[Candle]) -> None:
        """Add new candles, replace ones with the same ``interval_begin``; live again."""
        for candle in candles:
            begin = candle.interval_begin
            if begin not in self._by_begin:
                epoch = parse_time(begin)
                bisect.insort(self._order, (epoch if epoch is not None else 0.0, begin))
            self._by_begin[begin] = candle
        while len(self._order) > MAX_CANDLES:
            _, begin = self._order.pop(0)
            del self._by_begin[begin]
        if candles:
            self.stale_reason = None
        self._update_chrome()
        self.request_paint()

    def set_stale(self, reason: str) -> None:
        """The candles are no longer current: drawn dim until candles arrive again."""
        self.stale_reason = reason or "not live"
        self._update_chrome()
        self.request_paint()

    def clear(self) -> None:
        """Forget every candle (another symbol is shown); stale until its candles arrive."""
        self._by_begin.clear()
        self._order.clear()
        self.stale_reason = "awaiting_snapshot"
        self._update_chrome()
        self.request_paint()

    @property
    def candles(self) -> list[Candle]:
        """Oldest first."""
        return [self._by_begin[begin] for _, begin in self._order]

    @property
    def stale(self) -> bool:
        return self.stale_reason is not None

    def _update_chrome(self) -> None:
        reason = self.stale_reason
        subtitle = "LIVE" if reason is None else f"STALE — {describe_reason(reason)}"
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
        self.set_class(self.stale, "-stale")

    # -- drawing ------------------------------------------------------------------

    def _cells(self, cells: list[Cell], width: int) -> Strip:
        """A row of (glyph, class) cells, runs of one class as one segment."""
        segments: list[Segment] = []
        run, run_style = "", ""
        for glyph, style in cells:
            if style != run_style and run:
                segments.append(Segment(run, self.style_of(run_style)))
                run = ""
            run += glyph
            run_style = style
        if run:
            segments.append(Segment(run, self.style_of(run_style)))
        return Strip(segments).adjust_cell_length(width, self.style_of(""))

    def _direction(self, candle: Candle) -> str:
        if self.stale:
            return "chart--stale"
        return "chart--up" if candle.close >= candle.open else "chart--down"

    def build(self, width: int, height: int) -> list[Strip]:
        candles = self.candles
        base = self.style_of("")
        if not candles:
            text = "waiting for candles"
            if self.stale_reason not in (None, "awaiting_snapshot"):
                text = f"STALE — {describe_reason(self.stale_reason or '')}"
            lines = [Strip.blank(width, base)] * (height // 2)
            return [*lines, line([(text.center(width), self.style_of("chart--note"))],
                                 width, base)]
        if height < SPARK_BELOW:
            return [self._sparkline(candles, width)]
        return self._chart(candles, width, height)

    def _stale_texts(self) -> list[str]:
        if self.stale_reason is None:
            return [""]
        return [f" STALE — {describe_reason(self.stale_reason)}", " STALE"]

    def _sparkline(self, candles: list[Candle], width: int) -> Strip:
        """One row: a bar per close, the last price and any stale mark on the right."""
        last = candles[-1]
        label = ""
        for stale_text in self._stale_texts():
            label = f" {exact(last.close)}{stale_text}"
            if width - len(label) >= 4:
                break
        room = max(0, width - len(label))
        shown = candles[-room:] if room else []
        closes = [c.close for c in shown]
        lo, hi = (min(closes), max(closes)) if closes else (Decimal(0), Decimal(0))
        cells: list[Cell] = [(" ", "")] * (room - len(shown))
        for candle in shown:
            level = 3 if hi == lo else round(float((candle.close - lo) / (hi - lo)) * 7)
            cells.append((BARS[level], self._direction(candle)))
        price = exact(last.close)
        cells += [(" ", "")] + [(ch, self._direction(last)) for ch in price]
        tag_style = "chart--stale-tag" if self.stale else ""
        cells += [(ch, tag_style) for ch in label[len(price) + 1:]]
        return self._cells(cells, width)

    def _chart(self, candles: list[Candle], width: int, height: int) -> list[Strip]:
        rows = height - 1  # the last row is the time axis
        last = candles[-1]
        # Any label is the high or low of a candle that may show, or the last close.
        widest = max(len(exact(p)) for c in candles[-width:] for p in (c.high, c.low))
        axis = max(widest, len(exact(last.close))) + 3  # " ◀ " before the price
        plot = width - axis
        if plot < MIN_PLOT:
            axis, plot = 0, width
        shown = candles[-plot:]
        hi = max(c.high for c in shown)
        lo = min(c.low for c in shown)
        units = rows * 2
        span = hi - lo

        def unit(price: Decimal) -> int:
            if span == 0:
                return units // 2
            return round(float((price - lo) / span) * (units - 1))

        grid: list[list[Cell]] = [[(" ", "")] * plot for _ in range(rows)]
        left = plot - len(shown)
        for x, candle in enumerate(shown, start=left):
            low, high = unit(candle.low), unit(candle.high)
            body_lo = unit(min(candle.open, candle.close))
            body_hi = unit(max(candle.open, candle.close))
            style = self._direction(candle)
            for r in range(rows):
                upper, lower = 2 * (rows - 1 - r) + 1, 2 * (rows - 1 - r)
                glyph = _glyph((body_lo <= upper <= body_hi, body_lo <= lower <= body_hi),
                               (low <= upper <= high, low <= lower <= high))
                if glyph != " ":
                    grid[r][x] = (glyph, style)
        last_row = rows - 1 - unit(last.close) // 2
        guide = "chart--stale" if self.stale else "chart--guide"
        grid[last_row] = [(("┈", guide) if g == " " else (g, s)) for g, s in grid[last_row]]
        if axis:
            self._axis(grid, [exact(hi), exact(lo), exact(last.close)], last_row, last)
        strips = [self._cells(cells, width) for cells in grid]
        strips.append(self._time_axis(shown, left, plot, width))
        return strips

    def _axis(self, grid: list[list[Cell]], texts: list[str], last_row: int,
              last: Candle) -> None:
        """The high on top, the low at the bottom, the last price marked on its row."""
        hi_text, lo_text, last_text = texts
        label = "chart--stale" if self.stale else "chart--label"
        rows = len(grid)
        for r, cells in enumerate(grid):
            if r == last_row:
                cells += [(" ", "")] + [(ch, "last") for ch in f"◀ {last_text}"]
            elif r == 0:
                cells += [(ch, label) for ch in f"   {hi_text}"]
            elif r == rows - 1:
                cells += [(ch, label) for ch in f"   {lo_text}"]
        # The last price's label: the candle's colour, reversed (a tag on the axis).
        direction = self._direction(last)
        key = f"last:{direction}"
        if key not in self._styles:
            self._styles[key] = self.style_of(direction) + (
                Style() if self.stale else self.overlay_of("chart--last"))
        grid[last_row] = [(g, key if s == "last" else s) for g, s in grid[last_row]]

    def _time_axis(self, shown: list[Candle], left: int, plot: int, width: int) -> Strip:
        """The first and last candle's minute under their columns; a stale mark between.

        A label the mark would touch is left out: the mark matters more than the minute.
        """
        label = "chart--stale" if self.stale else "chart--label"
        spans = [(max(0, plot - 5), clock_text(shown[-1].interval_begin)[:5])]
        if left + 5 < plot - 5:  # room for the first minute too, a space apart
            spans.insert(0, (left, clock_text(shown[0].interval_begin)[:5]))
        tag = next((t for t in self._stale_texts() if t and len(t) <= width), "")
        start = max(0, (width - len(tag)) // 2)
        cells: list[Cell] = [(" ", "")] * width
        for x, text in spans:
            if tag and x < start + len(tag) + 1 and x + len(text) + 1 > start:
                continue
            cells[x:x + len(text)] = [(ch, label) for ch in text]
        if tag:
            cells[start:start + len(tag)] = [(ch, "chart--stale-tag") for ch in tag]
        return self._cells(cells[:width], width)
