"""Which part of a deep book the ladder shows, and where my own orders sit in it.

No Textual here. The ladder is one long column of rows: every ask from the deepest
down to the best, the spread row, then every bid from the best down to the deepest.
A row's *position* counts from the top of that column (asks ``0..A-1``, the spread at
``A``, bids from ``A+1``). The screen shows ``height`` consecutive positions; positions
beyond either end are blank, so a shallow book sits centred on its spread.

Scrolling anchors on a price, not a position: new views move levels in and out above
and below, and a window kept at a fixed position would jump at every frame. A window
that is not scrolled follows the spread.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple

from kraken_tui.kraken.models import Order, ViewLevel
from kraken_tui.kraken.view_side import ViewSide
from kraken_tui.ui.widgets.ladder_grouping import bucket_price

#: Rows one mouse-wheel notch moves.
WHEEL_ROWS = 3


def _price(level: ViewLevel) -> Decimal:
    return level.price


def _minus_price(level: ViewLevel) -> Decimal:
    return -level.price


def locate(price: Decimal, side: str, levels: Sequence[ViewLevel]) -> int:
    """Index of the first level at ``price`` or beyond it (away from the spread).

    Asks are ascending and bids descending (best first), so both are binary searches;
    ``len(levels)`` means beyond the deepest level held. A book's own side searches its
    keys (building no level); grouped levels are searched as they are.
    """
    if isinstance(levels, ViewSide):
        return levels.locate(price)
    if side == "ask":
        return bisect_left(levels, price, key=_price)
    return bisect_left(levels, -price, key=_minus_price)


class Anchor(NamedTuple):
    """The row a scrolled window keeps at its centre line: a level's price, or the spread."""

    kind: str  # "ask" | "bid" | "spread"
    price: Decimal | None = None


class LadderScroll:
    """The window's place in the column: following the spread, or anchored on a price."""

    def __init__(self) -> None:
        self.anchor: Anchor | None = None  # None: follow the spread

    @property
    def following(self) -> bool:
        return self.anchor is None

    def recentre(self) -> None:
        self.anchor = None

    def top(self, asks: Sequence[ViewLevel], bids: Sequence[ViewLevel], half: int) -> int:
        """The window's first position for these levels (``2*half+1`` rows tall)."""
        centred = len(asks) - half
        if self.anchor is None:
            return centred
        return self._clamp(self._position(self.anchor, asks, bids) - half, asks, bids, half)

    def move(self, rows: int, asks: Sequence[ViewLevel], bids: Sequence[ViewLevel],
             half: int) -> bool:
        """Scroll ``rows`` (negative: up, toward the deep asks); True if the window moved.

        Back at the centred place it follows the spread again.
        """
        before = self.top(asks, bids, half)
        top = self._clamp(before + rows, asks, bids, half)
        if top == len(asks) - half:
            self.anchor = None
        else:
            self.anchor = self._anchor_at(top + half, asks, bids)
        return top != before

    @staticmethod
    def _clamp(top: int, asks: Sequence[ViewLevel], bids: Sequence[ViewLevel],
               half: int) -> int:
        """From the deepest ask on the top line to the deepest bid on the bottom line.

        A book shorter than the window cannot scroll past its centred place.
        """
        centred = len(asks) - half
        last = len(asks) + len(bids) - 2 * half  # total rows minus the window's height
        return max(min(0, centred), min(top, max(last, centred)))

    @staticmethod
    def _position(anchor: Anchor, asks: Sequence[ViewLevel], bids: Sequence[ViewLevel]) -> int:
        if anchor.kind == "spread" or anchor.price is None:
            return len(asks)
        index = locate(anchor.price, anchor.kind, asks if anchor.kind == "ask" else bids)
        return len(asks) - 1 - index if anchor.kind == "ask" else len(asks) + 1 + index

    @staticmethod
    def _anchor_at(position: int, asks: Sequence[ViewLevel],
                   bids: Sequence[ViewLevel]) -> Anchor:
        if position < len(asks):
            return Anchor("ask", asks[len(asks) - 1 - max(position, 0)].price)
        index = position - len(asks) - 1
        if index < 0 or not bids:
            return Anchor("spread")
        return Anchor("bid", bids[min(index, len(bids) - 1)].price)


class Placed(NamedTuple):
    """One open order of mine in the column."""

    position: int  # -1: above the deepest ask held; A+1+len(bids): below the deepest bid
    order: Order
    exact: bool  # the row at ``position`` is the order's own bucket (else the next one out)


def remaining(order: Order) -> Decimal:
    return order.order_qty - order.cum_qty


def place_orders(orders: Iterable[Order], asks: Sequence[ViewLevel],
                 bids: Sequence[ViewLevel], tick_multiple: int,
                 price_precision: int) -> list[Placed]:
    """Each order at the row of its price's bucket (or the next row out, if no level is there).

    The side is the price's: at or above the best ask it is on the ask side, at or below
    the best bid on the bid side (a stop sell below the market sits among the bids); in
    the spread, the order's own side. Orders without a limit price or with nothing left
    to fill have no row.
    """
    placed: list[Placed] = []
    for order in orders:
        price = order.limit_price
        if price is None or remaining(order) <= 0:
            continue
        if asks and price >= asks[0].price:
            side = "ask"
        elif bids and price <= bids[0].price:
            side = "bid"
        else:
            side = "ask" if order.side == "sell" else "bid"
        bucket = bucket_price(price, tick_multiple, side, price_precision)
        levels = asks if side == "ask" else bids
        index = locate(bucket, side, levels)
        exact = index < len(levels) and levels[index].price == bucket
        position = len(asks) - 1 - index if side == "ask" else len(asks) + 1 + index
        placed.append(Placed(position, order, exact))
    return placed


class WindowPlan(NamedTuple):
    """What each line of the window shows."""

    slots: list[tuple[str, int]]  # ("ask"|"bid", index), ("spread"|"empty"|"above"|"below", 0)
    above: list[Placed]  # orders beyond the top line (drawn as one "above" line)
    below: list[Placed]
    asks_shown: tuple[int, int] | None  # first and last ask index on screen, if any
    bids_shown: tuple[int, int] | None


def plan_window(top: int, height: int, n_asks: int, n_bids: int,
                placed: Sequence[Placed] = ()) -> WindowPlan:
    """Lines ``top .. top+height-1`` of the column.

    With orders beyond an edge of the window, or beyond the deepest level held, that
    edge's line says so instead of showing a row (the row it hides counts as beyond
    too). On a blank line (a book shorter than the window) this costs no level.
    """
    end = n_asks + n_bids + 1  # the first position past the deepest bid
    positions = [p.position for p in placed]
    top_edge = height >= 3 and any(pos < max(top, 0) for pos in positions)
    bottom_edge = height >= 3 and any(pos > min(top + height - 1, end - 1) for pos in positions)
    first, last = top + top_edge, top + height - 1 - bottom_edge
    slots: list[tuple[str, int]] = [("above", 0)] if top_edge else []
    asks_seen: list[int] = []
    bids_seen: list[int] = []
    for pos in range(first, last + 1):
        if 0 <= pos < n_asks:
            index = n_asks - 1 - pos
            slots.append(("ask", index))
            asks_seen.append(index)
        elif pos == n_asks:
            slots.append(("spread", 0))
        elif n_asks < pos < end:
            index = pos - n_asks - 1
            slots.append(("bid", index))
            bids_seen.append(index)
        else:
            slots.append(("empty", 0))
    if bottom_edge:
        slots.append(("below", 0))
    return WindowPlan(
        slots,
        [p for p in placed if p.position < max(first, 0)],
        [p for p in placed if p.position > min(last, end - 1)],
        (min(asks_seen), max(asks_seen)) if asks_seen else None,
        (min(bids_seen), max(bids_seen)) if bids_seen else None,
    )


def deepest_total(top: int, height: int, asks: Sequence[ViewLevel],
                  bids: Sequence[ViewLevel]) -> Decimal:
    """The largest running total among the window's positions: what the depth bars scale to.

    Edge lines do not count (the row under one still does), so the scale does not move
    when my orders come and go.
    """
    n_asks, end = len(asks), len(asks) + len(bids) + 1
    deepest = Decimal(0)
    if top < n_asks:  # the top line, or the deepest ask if the window starts above it
        deepest = asks[n_asks - 1 - max(top, 0)].cum_qty
    bottom = min(top + height - 1, end - 1)
    if bottom > n_asks:
        deepest = max(deepest, bids[bottom - n_asks - 1].cum_qty)
    return deepest


def scroll_label(plan: WindowPlan, n_asks: int, n_bids: int) -> str:
    """``asks 1–12/1000 · bids 1–12/1000``: the rows on screen, when some are not.

    Empty when the whole book fits (nothing to scroll to).
    """
    a, b = plan.asks_shown, plan.bids_shown
    everything = ((n_asks == 0 or (a is not None and a[1] - a[0] + 1 == n_asks))
                  and (n_bids == 0 or (b is not None and b[1] - b[0] + 1 == n_bids)))
    if everything:
        return ""
    parts = [f"{name} {shown[0] + 1}–{shown[1] + 1}/{count}"
             for name, shown, count in (("asks", a, n_asks), ("bids", b, n_bids))
             if shown is not None]
    return " · ".join(parts) or "no levels on screen"


def _qty_text(qty: Decimal) -> str:
    return format(qty.normalize(), "f")


def _side_letter(order: Order) -> str:
    return "B" if order.side == "buy" else "S"


def row_marks(placed: Iterable[Placed],
              format_price: Callable[[Decimal], str]) -> dict[int, str]:
    """Position -> marker text: ``◀ B 0.5`` (sizes left to fill, summed per side).

    Several orders in one row add ``×n``; a lone order whose price has no level of its
    own (so it is marked on the next row out) adds ``@price``.
    """
    by_position: dict[int, list[Placed]] = {}
    for p in placed:
        by_position.setdefault(p.position, []).append(p)
    marks: dict[int, str] = {}
    for position, here in by_position.items():
        parts = []
        for letter in ("B", "S"):
            mine = [p for p in here if _side_letter(p.order) == letter]
            if mine:
                total = sum((remaining(p.order) for p in mine), Decimal(0))
                count = f" ×{len(mine)}" if len(mine) > 1 else ""
                parts.append(f"{letter} {_qty_text(total)}{count}")
        text = "◀ " + " ".join(parts)
        if len(here) == 1 and not here[0].exact:
            text += f" @{format_price(here[0].order.limit_price or Decimal(0))}"
        marks[position] = text
    return marks


def fit_mark(text: str, room: int) -> str:
    """A row marker in ``room`` cells, never a number cut short (``B 0.0006`` for an
    order of 0.00066780 reads as another size): the sizes go first (the open-orders
    panel has them), then an off-level order's price (``@…`` still says the order is not
    at this row's price), then all but the arrow."""
    if len(text) <= room:
        return text
    tokens = text.split(" ")
    short = " ".join(t for t in tokens if t in ("\u25c0", "B", "S") or t.startswith("\u00d7"))
    price = next((t for t in tokens if t.startswith("@")), None)
    tries = [f"{short} {price}", f"{short} @\u2026"] if price else []
    for candidate in (*tries, short):
        if len(candidate) <= room:
            return candidate
    return "\u25c0" if room >= 1 else ""


def fit_edge(text: str, room: int) -> str:
    """An edge line in ``room`` cells: the details after the count go first."""
    if len(text) <= room:
        return text
    head = text.split(":")[0].split(",")[0]  # "▲ 3 orders above"
    if len(head) <= room:
        return head
    arrow_count = " ".join(text.split(" ")[:2])  # "▲ 3"
    if len(arrow_count) <= room:
        return arrow_count
    return text[0] if room >= 1 else ""


def edge_text(direction: str, beyond: Sequence[Placed],
              format_price: Callable[[Decimal], str]) -> str:
    """``▲ 1 order above: S 0.06 @ 97800.0`` / ``▼ 3 orders below, nearest 96900.0``."""
    arrow = "▲" if direction == "above" else "▼"
    nearest = (max if direction == "above" else min)(beyond, key=lambda p: p.position)
    price = format_price(nearest.order.limit_price or Decimal(0))
    if len(beyond) == 1:
        order = nearest.order
        return (f"{arrow} 1 order {direction}: {_side_letter(order)} "
                f"{_qty_text(remaining(order))} @ {price}")
    return f"{arrow} {len(beyond)} orders {direction}, nearest {price}"
