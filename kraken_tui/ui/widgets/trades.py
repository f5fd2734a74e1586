"""The trade tape: the shown symbol's public trades, newest on top, repaint-capped.

Each row is time (``HH:MM:SS`` from the trade's own RFC 3339 text, UTC), a side mark,
the price coloured by the taker's side, the size and, for a group, the trade count.
Trades with the same timestamp and side are one taker order sweeping the book: they
are one row (see ``TapeRow``). A row whose size is at least ``LARGE_FACTOR`` times the
mean of the previous ``RECENT`` rows is highlighted. The last ``MAX_ROWS`` rows are
kept (the visible ones are the newest that fit; there is no scrolling: it is a tape).

Trades arrive in batches far faster than a screen needs (hundreds a second on a busy
pair); the tape keeps them and paints at most ``MAX_FPS`` times a second.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.style import Style
from textual.strip import Strip

from kraken_tui.kraken.market import Trade
from kraken_tui.ui.widgets.ladder_rows import describe_reason
from kraken_tui.ui.widgets.paced import PacedLines, clock_text, exact, line, places

MAX_ROWS = 200
RECENT = 100  # rows the "large" mean is taken over
LARGE_FACTOR = Decimal(3)
MIN_HISTORY = 10  # rows needed before anything counts as large
TIMES = "\N{MULTIPLICATION SIGN}"  # a group's trade count: x3


@dataclass(slots=True)
class TapeRow:
    """One trade, or a group of trades with the same timestamp and taker side.

    A group shows the count, the summed size and, as its price, the VWAP of its trades
    (sum of price * qty over the summed qty) rounded half-even to the finest price
    digits among them, marked ``≈``; when every trade of the group has the same price,
    that price itself, unmarked.
    """

    timestamp: str
    side: str
    price: Decimal  # the first trade's price, or the group's VWAP (see ``vwap``)
    qty: Decimal
    count: int = 1
    vwap: bool = False
    baseline: Decimal | None = None  # mean size of the previous rows when this row began
    notional: Decimal = Decimal(0)
    gap: bool = False  # not a trade: the mark of a resubscribe, trades may be missing
    strip: Strip | None = None  # rendered row, until it or the layout changes
    strip_key: tuple[object, ...] = ()
    texts: tuple[str, str] | None = None  # price and size as drawn, made at first paint

    def text(self) -> tuple[str, str]:
        """Price and size as drawn; formatted only for rows that get painted."""
        if self.texts is None:
            self.texts = (exact(self.price), exact(self.qty))
        return self.texts

    @classmethod
    def of(cls, trade: Trade, baseline: Decimal | None) -> TapeRow:
        return cls(trade.timestamp, trade.side, trade.price, trade.qty, baseline=baseline,
                   notional=trade.price * trade.qty)

    def joins(self, trade: Trade) -> bool:
        return not self.gap and trade.timestamp == self.timestamp and trade.side == self.side

    def merge(self, trade: Trade) -> None:
        """Add a trade of the same taker order: summed size, VWAP price if prices differ."""
        self.count += 1
        self.qty += trade.qty
        self.notional += trade.price * trade.qty
        if trade.price != self.price or self.vwap:
            digits = max(places(self.price), places(trade.price))
            quantum = Decimal(1).scaleb(-digits)
            self.price = (self.notional / self.qty).quantize(quantum) if self.qty else trade.price
            self.vwap = True
        self.strip = self.texts = None

    @property
    def large(self) -> bool:
        return self.baseline is not None and self.qty >= LARGE_FACTOR * self.baseline


class TradeTape(PacedLines):
    """``add`` trades as they print; ``set_stale`` when the feed stops trusting them."""

    DEFAULT_CSS = """
    TradeTape {
        border: round $primary 50%;
        border-title-color: $foreground;
        border-title-style: bold;
        border-subtitle-color: $success;
        background: $surface;
        color: $foreground;
    }
    TradeTape.-stale {
        border: heavy $error;
        border-subtitle-color: $error;
        background: $surface-darken-1;
    }
    TradeTape > .tape--header {
        color: $text-muted;
        text-style: bold;
    }
    TradeTape > .tape--time {
        color: $text-muted;
    }
    TradeTape > .tape--buy {
        color: $success;
    }
    TradeTape > .tape--sell {
        color: $error;
    }
    TradeTape > .tape--large {
        background: $warning 25%;
        text-style: bold;
    }
    TradeTape > .tape--note {
        color: $text-muted;
        text-style: italic;
    }
    TradeTape > .tape--stale {
        color: $text-disabled;
    }
    TradeTape > .tape--stale-tag {
        color: $text-error;
        text-style: bold;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tape--header",
        "tape--time",
        "tape--buy",
        "tape--sell",
        "tape--large",
        "tape--note",
        "tape--stale",
        "tape--stale-tag",
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.border_title = "Trades"
        self.rows: deque[TapeRow] = deque(maxlen=MAX_ROWS)  # newest first
        self._recent: deque[Decimal] = deque(maxlen=RECENT)  # row sizes, oldest first
        self._recent_sum = Decimal(0)
        self._price_width = 5
        self._qty_width = 3
        self.stale_reason: str | None = "awaiting_snapshot"
        self.trades_seen = 0
        self._update_chrome()

    # -- inputs -------------------------------------------------------------------

    def add(self, trades: Sequence[Trade], snapshot: bool = False) -> None:
        """Trades oldest first (as the feed sends them); the tape is live again after."""
        if snapshot and self.rows and not self.rows[0].gap:
            # A resubscribe's batch: trades printed while we were away may be missing.
            self.rows.appendleft(TapeRow("", "", Decimal(0), Decimal(0), gap=True))
        for trade in trades:
            self.trades_seen += 1
            top = self.rows[0] if self.rows else None
            if top is not None and top.joins(trade):
                top.merge(trade)
                self._note_size(top.qty, merged=True)
            else:
                top = TapeRow.of(trade, self._baseline())
                self.rows.appendleft(top)
                self._note_size(top.qty, merged=False)
        if trades or snapshot:
            self.stale_reason = None
        if self.stale_reason is None and self.border_subtitle != "LIVE":
            self._update_chrome()  # only when it changes: set_class is not free per batch
        self.request_paint()

    def set_stale(self, reason: str) -> None:
        """The shown trades are no longer current: drawn dim until trades arrive again."""
        self.stale_reason = reason or "not live"
        self._update_chrome()
        self.request_paint()

    def clear(self) -> None:
        """Forget every row (another symbol is shown); stale until its trades arrive."""
        self.rows.clear()
        self._recent.clear()
        self._recent_sum = Decimal(0)
        self._price_width, self._qty_width = 5, 3
        self.stale_reason = "awaiting_snapshot"
        self._update_chrome()
        self.request_paint()

    @property
    def stale(self) -> bool:
        return self.stale_reason is not None

    # -- the recent mean ------------------------------------------------------------

    def _baseline(self) -> Decimal | None:
        if len(self._recent) < MIN_HISTORY:
            return None
        return self._recent_sum / len(self._recent)

    def _note_size(self, qty: Decimal, merged: bool) -> None:
        """Keep a running sum of the last ``RECENT`` row sizes (a merge grows the newest)."""
        if merged and self._recent:
            self._recent_sum += qty - self._recent[-1]
            self._recent[-1] = qty
            return
        if len(self._recent) == self._recent.maxlen:
            self._recent_sum -= self._recent[0]
        self._recent.append(qty)
        self._recent_sum += qty

    # -- drawing ------------------------------------------------------------------

    def _update_chrome(self) -> None:
        if self.stale_reason is None:
            subtitle = "LIVE"
        else:
            subtitle = f"STALE — {describe_reason(self.stale_reason)}"
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
        self.set_class(self.stale, "-stale")

    def _columns(self, width: int) -> tuple[bool, bool]:
        """Whether the time and the count columns fit beside price and size."""
        core = 1 + 3 + self._price_width + 2 + self._qty_width
        if core + 10 + 5 <= width:
            return True, True
        return core + 10 <= width, False

    def build(self, width: int, height: int) -> list[Strip]:
        base = self.style_of("")
        shown = list(self.rows)[: height - 1]
        for row in shown:  # columns only ever widen: rows do not jitter as they scroll
            if not row.gap:
                price, qty = row.text()
                self._price_width = max(self._price_width, len(price))
                self._qty_width = max(self._qty_width, len(qty))
        show_time, show_count = self._columns(width)
        pw, qw = self._price_width, self._qty_width
        if self.stale_reason is not None:
            tag = f" STALE — {describe_reason(self.stale_reason)}"
            lines = [line([(tag, self.style_of("tape--stale-tag"))], width, base)]
        else:
            head = (" " + "Time".ljust(10) if show_time else " ") + "   " + "Price".rjust(pw)
            head += "  " + "Qty".rjust(qw)
            lines = [line([(head, self.style_of("tape--header"))], width, base)]
        if not self.rows:
            note = "waiting for trades".center(width)
            lines.append(line([(note, self.style_of("tape--note"))], width, base))
            return lines
        key = (width, pw, qw, show_time, show_count, self.stale)
        for row in shown:
            if row.strip is None or row.strip_key != key:
                row.strip = self._row_strip(row, width, show_time, show_count, base)
                row.strip_key = key
            lines.append(row.strip)
        return lines

    def _row_strip(self, row: TapeRow, width: int, show_time: bool, show_count: bool,
                   base: Style) -> Strip:
        if row.gap:
            note = "·· resubscribed: trades may be missing ··".center(width)
            return line([(note, self.style_of("tape--note"))], width, base)
        stale = self.stale
        large = row.large and not stale
        extra = self.overlay_of("tape--large") if large else Style()
        plain = self.style_of("tape--stale") if stale else base
        side_style = plain if stale else self.style_of(f"tape--{row.side}")
        time_style = plain if stale else self.style_of("tape--time")
        mark = "▲" if row.side == "buy" else "▼"
        price_text, qty_text = row.text()
        price = ("≈" if row.vwap else " ") + price_text.rjust(self._price_width)
        parts = [(" ", plain + extra)]
        if show_time:
            parts.append((clock_text(row.timestamp) + "  ", time_style + extra))
        parts += [
            (mark + " " + price, side_style + extra),
            ("  " + qty_text.rjust(self._qty_width), plain + extra),
        ]
        if show_count:
            parts.append((f" {TIMES}{row.count}" if row.count > 1 else "", plain + extra))
        if large:  # the highlight runs to the edge: a bar the eye catches
            used = sum(len(text) for text, _ in parts)
            parts.append((" " * max(0, width - used), base + extra))
        return line(parts, width, base)
