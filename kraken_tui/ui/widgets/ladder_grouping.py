"""Price grouping for the ladder: levels summed into buckets of whole multiples of the tick.

Display only. The book, its checksum and the views the feed hands out are never touched:
this reads a view's levels and returns new, coarser ones for the eye. Arithmetic is in
integer ticks (the tick is ``10**-price_precision``) and exact ``Decimal`` sums and
comparisons: no size or total is ever rounded.

The bucket convention is the usual one for grouped ladders: an ask belongs to the bucket
at or *above* its price (the ceiling), a bid to the bucket at or *below* it (the floor),
so a bucket's price is never better for the taker than any level inside it, and the best
ask bucket always stays above the best bid bucket.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, Inexact, localcontext

from kraken_tui.kraken.models import BookView, ViewLevel

#: What ``g`` cycles through: 1x, 10x and 100x the pair's tick.
GROUPINGS: tuple[int, ...] = (1, 10, 100)
SIDES = ("ask", "bid")
# Wide enough for any sum of book quantities; Inexact trapped, so a rounding would raise.
_EXACT_DIGITS = 60


def tick_size(price_precision: int) -> Decimal:
    """The pair's tick: ``10**-price_precision`` (precision 1 -> 0.1)."""
    return Decimal(1).scaleb(-price_precision)


def grouping_label(tick_multiple: int, price_precision: int) -> str:
    """``group 10×0.1``: the multiple and the tick, as the ladder's title shows them."""
    return f"group {tick_multiple}×{tick_size(price_precision):f}"


def next_grouping(tick_multiple: int) -> int:
    """The multiple after ``tick_multiple`` in ``GROUPINGS`` (wrapping to 1x)."""
    index = GROUPINGS.index(tick_multiple) if tick_multiple in GROUPINGS else -1
    return GROUPINGS[(index + 1) % len(GROUPINGS)]


def bucket_ticks(ticks: int, tick_multiple: int, side: str) -> int:
    """The bucket (in ticks) a level at ``ticks`` belongs to: asks up, bids down."""
    if side == "ask":
        return -(-ticks // tick_multiple) * tick_multiple
    return ticks // tick_multiple * tick_multiple


def bucket_price(price: Decimal, tick_multiple: int, side: str, price_precision: int) -> Decimal:
    """The bucket price for any positive price, on the tick or not (an order's limit, say).

    Off-tick prices round the same way as the buckets: asks up, bids down.
    """
    scaled = price.scaleb(price_precision)
    ticks = int(scaled)  # the floor, for a positive price
    if side == "ask" and ticks != scaled:
        ticks += 1
    return Decimal(bucket_ticks(ticks, tick_multiple, side)).scaleb(-price_precision)


def group_levels(
    levels: Sequence[ViewLevel], tick_multiple: int, side: str, price_precision: int
) -> Sequence[ViewLevel]:
    """``levels`` (one side, best first) summed into buckets of ``tick_multiple`` ticks.

    Each bucket's ``qty`` is the exact sum of its levels' sizes and its ``cum_qty`` the
    running total from the best bucket, so the last bucket's total is the side's total.
    Asks go to the ceiling bucket, bids to the floor bucket (see the module docstring).
    At 1x every level is its own bucket: the levels come back unchanged, unread (a deep
    book is regrouped at every paint, so 1x costs nothing).

    Levels are best first, so a bucket's levels are consecutive: its bound is worked out
    in ticks once, at its first level, and the next levels are compared with it (exact
    Decimal comparisons; this runs over every level of a depth-1000 book at each paint).
    """
    if side not in SIDES:
        raise ValueError(f"side must be 'ask' or 'bid', not {side!r}")
    if tick_multiple < 1:
        raise ValueError(f"tick_multiple must be at least 1, not {tick_multiple}")
    if tick_multiple == 1:
        return levels
    out: list[ViewLevel] = []
    ask = side == "ask"
    with localcontext() as ctx:
        ctx.prec = _EXACT_DIGITS
        ctx.traps[Inexact] = True
        bound: Decimal | None = None  # the current bucket's price
        qty = running = Decimal(0)
        for level in levels:
            price = level.price
            if bound is not None and (price <= bound if ask else price >= bound):
                qty += level.qty
                continue
            if bound is not None:
                running += qty
                out.append(ViewLevel(bound, qty, running))
            bound = bucket_price(price, tick_multiple, side, price_precision)
            qty = level.qty
        if bound is not None:
            running += qty
            out.append(ViewLevel(bound, qty, running))
    return tuple(out)


class GroupedSides:
    """A view's asks and bids at a grouping, summed once per view (a paint, a scroll key
    and the next paint of the same view share them)."""

    def __init__(self) -> None:
        self._view: BookView | None = None
        self._multiple = 1
        self._sides: tuple[Sequence[ViewLevel], Sequence[ViewLevel]] = ((), ())

    def of(self, view: BookView,
           tick_multiple: int) -> tuple[Sequence[ViewLevel], Sequence[ViewLevel]]:
        if tick_multiple == 1:
            return view.asks, view.bids
        if view is not self._view or tick_multiple != self._multiple:
            pp = view.price_precision
            self._sides = (group_levels(view.asks, tick_multiple, "ask", pp),
                           group_levels(view.bids, tick_multiple, "bid", pp))
            self._view, self._multiple = view, tick_multiple
        return self._sides
