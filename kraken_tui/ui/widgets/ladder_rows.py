"""The ladder's pure parts: paint pacing, the depth-bar scale, stale reasons, row values.

No Textual here: each is tested on its own, and ``book.py`` keeps only the widget.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import NamedTuple

from kraken_tui.kraken.models import BookView, ViewLevel

MAX_FPS = 20.0
#: The shortest gap between two paints, as a share of 1/MAX_FPS (see ``paint_due``).
PAINT_GAP_SHARE = 0.9
FLASH_SECONDS = 0.35
BAR_HEADROOM = Decimal("1.1")  # a full-width bar is 110% of the deepest total when rescaled
BAR_SHRINK_BELOW = Decimal("0.5")  # the scale shrinks once the depth stays under half of it
BAR_SHRINK_AFTER = 5.0  # seconds

STALE_REASONS = {
    "disconnected": "disconnected",
    "awaiting_snapshot": "awaiting snapshot",
    "checksum_mismatch": "checksum mismatch, resyncing",
    "resync": "resyncing",
    "reconnecting": "reconnecting",
    "paused": "paused",
    "not_listed": "not listed on Kraken",
}


def paint_due(paint_times: Sequence[float], fps: float) -> float:
    """When the next paint may start, given when the last ones did: the frame cap.

    At most ``fps`` paints in any one second, and none sooner than ``PAINT_GAP_SHARE/fps``
    after the last. The feed paces each book's views at 1/fps already; with a strict
    1/fps gap here as well, a view arriving a little early waited for the ladder's own
    slot, and the ladder stayed locked up to a frame behind the views for the rest of a
    burst (ui_bench: burst-end latency p50 ~55, max ~100 ms).
    """
    if not paint_times or math.isinf(fps):
        return -math.inf
    due = paint_times[-1] + PAINT_GAP_SHARE / fps
    per_second = int(fps)
    if 0 < per_second <= len(paint_times):
        due = max(due, paint_times[-per_second] + 1.0)
    return due


def describe_reason(reason: str) -> str:
    return STALE_REASONS.get(reason, reason.replace("_", " ") or "not live")


class BarScale:
    """The cumulative size a full-width depth bar stands for.

    Every rescale moves every bar, a redraw of every row, and bars that jump are hard
    to read. The scale grows at once when the depth outgrows it, and shrinks only after
    the depth has stayed under half of it for ``BAR_SHRINK_AFTER`` seconds. (Rescaling
    whenever the deepest total left a 75-110% band rescaled every fourth view of the
    demo's books: a depth-10 total swings as big levels enter and leave the top ten.)
    """

    def __init__(self) -> None:
        self.value: Decimal | None = None
        self._low_since: float | None = None

    def update(self, deepest: Decimal, now: float) -> Decimal:
        scale = self.value
        if scale is not None and deepest <= scale:
            if deepest >= scale * BAR_SHRINK_BELOW:
                self._low_since = None
                return scale
            if self._low_since is None:
                self._low_since = now
            if now - self._low_since < BAR_SHRINK_AFTER:
                return scale
        self._low_since = None
        self.value = deepest * BAR_HEADROOM
        return self.value


class Row(NamedTuple):
    """What one ladder line shows; equal rows need no repaint."""

    kind: str  # tabs | header | ask | bid | spread | imbalance | empty | note | edge
    cells: tuple[str, ...] = ()
    bar: int = 0  # cells of depth bar
    flash: bool = False
    stale: bool = False
    mark: str = ""  # my own orders at this level ("◀ B 0.5")


def shown_price(view: BookView) -> Callable[[Decimal], str]:
    """Prices as the ladder shows them: the pair's precision, thousands grouped."""
    places = view.price_precision
    return lambda value: f"{value:,.{places}f}"


def level_texts(view: BookView, levels: Sequence[ViewLevel],
                qty_precision: int) -> list[tuple[str, str, str]]:
    """Price, size and total as drawn: formatted once per paint, for the shown rows only.

    The app's one number format: the pair's precision, thousands grouped (the checksum's
    own digits are ``BookView.format_price``; these are for reading)."""
    pp, qp = view.price_precision, qty_precision
    return [(f"{lv.price:,.{pp}f}", f"{lv.qty:,.{qp}f}", f"{lv.cum_qty:,.{qp}f}")
            for lv in levels]


def col_widths(texts: Sequence[tuple[str, str, str]]) -> tuple[int, int, int]:
    pw = max([len(p) for p, _, _ in texts] + [5])
    qw = max([len(q) for _, q, _ in texts] + [4])
    cw = max([len(c) for _, _, c in texts] + [5])
    return pw, qw, cw


def spread_row(view: BookView, stale: bool, reason: str) -> Row:
    """The true spread and mid of the view, whatever the grouping (grouping is display only)."""
    if stale:
        return Row("spread", (f"STALE — {describe_reason(reason)}",), stale=True)
    spread, mid, bps = view.spread, view.mid, view.spread_bps
    if spread is None or mid is None:
        return Row("spread", ("one-sided book: no spread",))
    mid_text = f"{mid:,.{view.price_precision + 1}f}"
    bps_text = f"{bps:.2f} bps" if bps is not None else "—"
    spread_text = f"spread {spread:,.{view.price_precision}f} ({bps_text})"
    return Row("spread", (spread_text, f"mid {mid_text}"))


def imbalance_row(asks: Sequence[ViewLevel], bids: Sequence[ViewLevel], stale: bool) -> Row:
    """Bid share of the size in the levels given (the ladder gives its top rows per side)."""
    bid_q = sum((lv.qty for lv in bids), Decimal(0))
    ask_q = sum((lv.qty for lv in asks), Decimal(0))
    total = bid_q + ask_q
    if total == 0:
        return Row("imbalance", ("", ""), stale=stale)
    share = float(bid_q / total)
    return Row("imbalance", (f"{share * 100:.0f}", f"{(1 - share) * 100:.0f}"), stale=stale)


def waiting_rows(tabs: Row, symbol: str, reason: str, half: int) -> list[Row]:
    """No view yet: the tabs, the column titles and why, where the spread will be."""
    note = f"waiting for {symbol} — {describe_reason(reason)}"
    return [tabs, Row("header", ("Price", "Size", "Total")), *[Row("empty")] * half,
            Row("note", (note,)), *[Row("empty")] * half, Row("empty")]


def tab_labels(symbols: Sequence[str]) -> list[tuple[int, str, str]]:
    """(start cell, label, symbol) per tab: `` 1 BTC/USD  2 ETH/USD ``."""
    labels = []
    x = 0
    for i, symbol in enumerate(symbols):
        label = f" {i + 1} {symbol} " if i < 9 else f" {symbol} "
        labels.append((x, label, symbol))
        x += len(label)
    return labels


FlashKey = tuple[str, Decimal]  # (side, row price)


def note_changes(
    previous: dict[FlashKey, Decimal],
    flash_until: dict[FlashKey, float],
    shown: Sequence[tuple[str, ViewLevel]],
    flash: bool,
    now: float,
) -> tuple[dict[FlashKey, Decimal], dict[FlashKey, float]]:
    """The sizes on screen now, and the flashes: shown rows whose size changed since.

    ``flash`` False (the window moved or regrouped): only remember the rows now on
    screen, so rows that scrolled in do not flash at the next view as if new.
    """
    current: dict[FlashKey, Decimal] = {}
    for side, lv in shown:
        key = (side, lv.price)
        current[key] = lv.qty
        if flash and previous and previous.get(key) != lv.qty:
            flash_until[key] = now + FLASH_SECONDS
    return current, {k: t for k, t in flash_until.items() if t > now}
