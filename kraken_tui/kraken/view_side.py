"""One side of a book view, its levels built as they are read.

Why lazy: a depth-1000 view built whole cost ~2.5 ms (two thousand ``Decimal`` levels
with running totals), twenty times a second for the book on screen, while the ladder
reads the dozen rows around the spread. A side here keeps a private copy of the book's
keys and checksum fragments (C-speed copies, ~20 µs at depth 1000) and turns the best
levels into ``ViewLevel`` values only when something reads them; reading level ``i``
builds levels ``0..i`` once (each carries the running total from the best level), and
at most as many again ahead.

The copy is taken on the feed's thread and never changes after, so the UI thread can
read (and build) it without a lock; two readers racing only build the same prefix twice.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import overload

from kraken_tui.kraken.models import ViewLevel

__all__ = ["ViewSide"]


class ViewSide(Sequence[ViewLevel]):
    """Levels best first, exact ``Decimal`` prices, sizes and running totals."""

    __slots__ = ("_bid", "_built", "_frags", "_keys", "_price_exp", "_qty_exp")

    def __init__(self, keys: list[int], frags: dict[int, str], price_precision: int,
                 qty_precision: int, *, bid: bool) -> None:
        """``keys`` (ticks, bids negated) and ``frags`` (key -> checksum fragment: the
        price's tick digits then the size's digits) must be copies nobody changes."""
        self._bid = bid
        self._keys = keys
        self._frags = frags
        self._price_exp = -price_precision
        self._qty_exp = -qty_precision
        self._built: list[ViewLevel] = []

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> ViewLevel: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[ViewLevel, ...]: ...

    def __getitem__(self, index: int | slice) -> ViewLevel | tuple[ViewLevel, ...]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self._keys))
            if step == 1 and stop > start:
                self._build_to(stop - 1)
                return tuple(self._built[start:stop])
            return tuple(self[i] for i in range(start, stop, step))
        n = len(self._keys)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("view level index out of range")
        built = self._built
        if index >= len(built):
            built = self._build_to(index)
        return built[index]

    def __iter__(self) -> Iterator[ViewLevel]:
        return iter(self._build_to(len(self._keys) - 1))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"ViewSide({len(self._keys)} levels, {len(self._built)} built)"

    def locate(self, price: Decimal) -> int:
        """Index of the first level at ``price`` or beyond it (away from the spread);
        ``len(self)`` past the deepest. A search of the keys: it builds no level (a
        bisect over the levels themselves built half the side to place one order)."""
        ticks = price.scaleb(-self._price_exp)
        if self._bid:  # keys are -ticks: the first bid at or below the price
            return bisect_left(self._keys, -math.floor(ticks))
        return bisect_left(self._keys, math.ceil(ticks))

    def _build_to(self, index: int) -> list[ViewLevel]:
        built = self._built
        start = len(built)
        if index < start:
            return built
        # Readers walk outward from the best level: build ahead, doubling what is built
        # (a reader of the best price alone, as the alerts are, builds one level).
        index = min(max(index, 2 * start), len(self._keys) - 1)
        keys, frags = self._keys, self._frags
        price_exp, qty_exp = self._price_exp, self._qty_exp
        running = built[-1].cum_qty if built else Decimal(0).scaleb(qty_exp)
        new: list[ViewLevel] = []
        for key in keys[start : index + 1]:
            price_ticks = abs(key)
            qty_digits = frags[key][len(str(price_ticks)) :]
            qty = Decimal(int(qty_digits or "0")).scaleb(qty_exp)
            running += qty
            new.append(ViewLevel(Decimal(price_ticks).scaleb(price_exp), qty, running))
        built = built + new  # a new list: a reader holding the old one keeps a valid prefix
        self._built = built
        return built
