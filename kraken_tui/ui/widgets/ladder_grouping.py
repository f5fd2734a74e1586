"""Price grouping for the ladder: levels summed into buckets of whole multiples of the tick.

Display only. The book, its checksum and the views the feed hands out are never touched:
this reads a view's levels and returns new, coarser ones for the eye. Arithmetic is in
integer ticks (the tick is ``10**-price_precision``) and exact ``Decimal`` sums; a price
that is not a whole number of ticks is an error, never rounded away.

The bucket convention is the usual one for grouped ladders: an ask belongs to the bucket
at or *above* its price (the ceiling), a bid to the bucket at or *below* it (the floor),
so a bucket's price is never better for the taker than any level inside it, and the best
ask bucket always stays above the best bid bucket.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, Inexact, localcontext

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


def price_ticks(price: Decimal, price_precision: int) -> int:
    """``price`` in whole ticks; ValueError if it is not a whole number of them."""
    scaled = price.scaleb(price_precision)
    ticks = int(scaled)
    if ticks != scaled:
        tick = tick_size(price_precision)
        raise ValueError(f"price {price} is not a multiple of the tick {tick}")
    return ticks


def bucket_ticks(ticks: int, tick_multiple: int, side: str) -> int:
    """The bucket (in ticks) a level at ``ticks`` belongs to: asks up, bids down."""
    if side == "ask":
        return -(-ticks // tick_multiple) * tick_multiple
    return ticks // tick_multiple * tick_multiple


def bucket_price(price: Decimal, tick_multiple: int, side: str, price_precision: int) -> Decimal:
    """The bucket price for any price, on the tick or not (an order's limit, say).

    Off-tick prices round the same way as the buckets: asks up, bids down.
    """
    rounding = ROUND_CEILING if side == "ask" else ROUND_FLOOR
    ticks = int(price.scaleb(price_precision).to_integral_value(rounding=rounding))
    return Decimal(bucket_ticks(ticks, tick_multiple, side)).scaleb(-price_precision)


def group_levels(
    levels: Sequence[ViewLevel], tick_multiple: int, side: str, price_precision: int
) -> tuple[ViewLevel, ...]:
    """``levels`` (one side, best first) summed into buckets of ``tick_multiple`` ticks.

    Each bucket's ``qty`` is the exact sum of its levels' sizes and its ``cum_qty`` the
    running total from the best bucket, so the last bucket's total is the side's total.
    Asks go to the ceiling bucket, bids to the floor bucket (see the module docstring).
    At 1x every level is its own bucket: the levels come back unchanged, unread (a deep
    book is regrouped at every paint, so 1x costs nothing).
    """
    if side not in SIDES:
        raise ValueError(f"side must be 'ask' or 'bid', not {side!r}")
    if tick_multiple < 1:
        raise ValueError(f"tick_multiple must be at least 1, not {tick_multiple}")
    if tick_multiple == 1:
        return tuple(levels)
    out: list[ViewLevel] = []
    exp = -price_precision
    with localcontext() as ctx:
        ctx.prec = _EXACT_DIGITS
        ctx.traps[Inexact] = True
        bucket: int | None = None
        qty = running = Decimal(0)
        for level in levels:
            key = bucket_ticks(price_ticks(level.price, price_precision), tick_multiple, side)
            if key != bucket:
                if bucket is not None:
                    running += qty
                    out.append(ViewLevel(Decimal(bucket).scaleb(exp), qty, running))
                bucket, qty = key, level.qty
            else:
                qty += level.qty
        if bucket is not None:
            running += qty
            out.append(ViewLevel(Decimal(bucket).scaleb(exp), qty, running))
    return tuple(out)


class GroupedSides:
    """A view's asks and bids at a grouping, summed once per view (a paint, a scroll key
    and the next paint of the same view share them)."""

    def __init__(self) -> None:
        self._view: BookView | None = None
        self._multiple = 1
        self._sides: tuple[tuple[ViewLevel, ...], tuple[ViewLevel, ...]] = ((), ())

    def of(self, view: BookView,
           tick_multiple: int) -> tuple[tuple[ViewLevel, ...], tuple[ViewLevel, ...]]:
        if tick_multiple == 1:
            return view.asks, view.bids
        if view is not self._view or tick_multiple != self._multiple:
            pp = view.price_precision
            self._sides = (group_levels(view.asks, tick_multiple, "ask", pp),
                           group_levels(view.bids, tick_multiple, "bid", pp))
            self._view, self._multiple = view, tick_multiple
        return self._sides
