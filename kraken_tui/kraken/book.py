"""One symbol's L2 book at a subscribed depth, verified by Kraken's CRC32 checksum.

Why it looks the way it does (it runs on every book frame, so it is the hot path):

* Prices become integer ticks at the pair's precision by string operations on the
  wire token; no float is ever involved, so "0.5660" and "0.566" both mean 5660.
* Each side is a sorted ``list`` of int keys (bids negated, so both sides are
  ascending = best first) plus a ``dict`` key -> checksum fragment. The fragment
  ``str(price_ticks) + qty_digits`` is exactly what the checksum needs for that
  level (the '.' removed, leading zeros stripped), built once per level change.
* Each side also keeps the fragments of its best 10 levels in a small list, updated
  in step with inserts/deletes/changes there; the CRC is recomputed only for a side
  whose top 10 changed (the ask CRC is cached and continued over the bids).
"""

from __future__ import annotations

import zlib
from bisect import bisect_left
from typing import TYPE_CHECKING

from kraken_tui.kraken.models import BookView
from kraken_tui.kraken.view_side import ViewSide

if TYPE_CHECKING:
    from kraken_tui.kraken.frames import BookData

__all__ = ["CHECKSUM_LEVELS", "BookDataError", "OrderBook", "checksum_fragment"]

CHECKSUM_LEVELS = 10
_MAX_TOKEN_CHARS = 48  # far above any real price/qty; keeps int() away from huge inputs
# Price tokens seen recently -> ticks. A deep book visits many prices, so the bound
# grows with depth; ~250 bytes an entry, so about 0.5 MB per book at depth <= 256
# (the soak saw 3.5 MB per book with a 16k floor, for no measurable speed gain).
_PRICE_CACHE_MIN = 2_048
_PRICE_CACHE_PER_LEVEL = 8


class BookDataError(ValueError):
    """A book message carried a number we cannot use (bad text, too precise, negative)."""


def _number_digits(token: str, precision: int) -> str:
    """``"62807.1"`` at precision 1 -> ``"628071"``: the value in ticks, as digits.

    Accepts plain decimal text only: no sign, no exponent, no NaN/Infinity, and no
    non-zero digit beyond ``precision`` (trailing zeros beyond it are fine).
    """
    if len(token) > _MAX_TOKEN_CHARS:
        raise BookDataError(f"number token too long: {token[:20]!r}...")
    whole, _, frac = token.partition(".")
    extra = len(frac) - precision
    if extra < 0:
        digits = whole + frac + "0" * -extra
    elif extra == 0:
        digits = whole + frac
    else:
        if frac[precision:].strip("0"):
            raise BookDataError(f"{token!r} has more than {precision} decimals")
        digits = whole + frac[:precision]
    if not (whole and digits.isdigit() and digits.isascii()):
        raise BookDataError(f"{token!r} is not a plain non-negative decimal number")
    if len(digits) > _MAX_TOKEN_CHARS:
        raise BookDataError(f"number token too long: {token[:20]!r}...")
    return digits


def checksum_fragment(price: str, qty: str, price_precision: int, qty_precision: int) -> str:
    """One level's checksum text: both values at precision, '.' removed, leading 0s off."""
    return (
        _number_digits(price, price_precision).lstrip("0")
        + _number_digits(qty, qty_precision).lstrip("0")
    )


def _render(ticks: int, precision: int) -> str:
    text = str(ticks)
    if precision == 0:
        return text
    text = text.rjust(precision + 1, "0")
    return f"{text[:-precision]}.{text[-precision:]}"


class OrderBook:
    """The local copy of one symbol's book; ``apply`` says whether it matches Kraken's."""

    __slots__ = (
        "_ask_frags",
        "_ask_keys",
        "_ask_top",
        "_asks_crc",
        "_bid_bytes",
        "_bid_frags",
        "_bid_keys",
        "_bid_top",
        "_checksum",
        "_price_cache",
        "_price_cache_limit",
        "_version",
        "_view_cache",
        "depth",
        "price_precision",
        "qty_precision",
        "symbol",
    )

    def __init__(self, symbol: str, depth: int, price_precision: int, qty_precision: int) -> None:
        if depth < 1:
            raise ValueError("depth must be at least 1")
        if price_precision < 0 or qty_precision < 0:
            raise ValueError("precision cannot be negative")
        self.symbol = symbol
        self.depth = depth
        self.price_precision = price_precision
        self.qty_precision = qty_precision
        # price token text -> (price ticks, str(price ticks)); prices repeat a lot
        self._price_cache: dict[str, tuple[int, str]] = {}
        self._price_cache_limit = max(_PRICE_CACHE_MIN, _PRICE_CACHE_PER_LEVEL * depth)
        self._view_cache: tuple[int, int | None, BookView] | None = None
        self.clear()

    def clear(self) -> None:
        """Forget every level (before a resubscribe, or after a bad message)."""
        self._bid_keys: list[int] = []  # -price ticks, ascending = best bid first
        self._ask_keys: list[int] = []  # price ticks, ascending = best ask first
        self._bid_frags: dict[int, str] = {}
        self._ask_frags: dict[int, str] = {}
        self._ask_top: list[str] = []  # fragments of the best 10 asks, best first
        self._bid_top: list[str] = []
        self._asks_crc = 0
        self._bid_bytes = b""
        self._checksum = 0
        self._version = getattr(self, "_version", 0) + 1

    def __len__(self) -> int:
        return len(self._bid_keys) + len(self._ask_keys)

    # --- applying messages ---------------------------------------------------------------

    def apply(self, data: BookData, is_snapshot: bool) -> bool:
        """Apply one snapshot/update; True if the resulting checksum matches (or none sent).

        Raises BookDataError on an unusable number; the book is then cleared, since a
        half-applied message leaves it wrong, and the caller should resubscribe.
        """
        if data.symbol != self.symbol:
            raise BookDataError(f"message for {data.symbol!r} given to the {self.symbol} book")
        if is_snapshot:
            self.clear()
        try:
            asks = data.asks
            asks_dirty = asks and self._apply_side(
                asks, self._ask_keys, self._ask_frags, self._ask_top, 1
            )
            bids = data.bids
            bids_dirty = bids and self._apply_side(
                bids, self._bid_keys, self._bid_frags, self._bid_top, -1
            )
        except BookDataError:
            self.clear()
            raise
        self._version += 1
        if asks_dirty or bids_dirty or is_snapshot:
            if asks_dirty or is_snapshot:
                self._asks_crc = zlib.crc32("".join(self._ask_top).encode())
            if bids_dirty or is_snapshot:
                self._bid_bytes = "".join(self._bid_top).encode()
            # CRC32 over asks then bids: continue from the (cached) ask CRC.
            self._checksum = zlib.crc32(self._bid_bytes, self._asks_crc)
        expected = data.checksum
        return expected is None or expected == self._checksum

    def _apply_side(
        self,
        levels: list[tuple[str, str]],
        keys: list[int],
        frags: dict[int, str],
        top: list[str],
        sign: int,
    ) -> bool:
        """Apply levels in array order, then truncate; True if the top 10 changed.

        ``top`` mirrors the fragments of the best 10 keys, kept in step here so the
        checksum never has to look levels up again.
        """
        top_changed = False
        price_cache = self._price_cache
        qty_precision = self.qty_precision
        for price_token, qty_token in levels:
            cached = price_cache.get(price_token)
            if cached is None:
                cached = self._price(price_token)
            ticks, price_text = cached
            key = ticks * sign

            # qty -> digits at precision (inlined _number_digits: this loop is the hot path)
            whole, _, frac = qty_token.partition(".")
            extra = len(frac) - qty_precision
            if extra == 0:
                digits = whole + frac
            elif extra < 0:
                digits = whole + frac + "0" * -extra
            else:
                digits = _number_digits(qty_token, qty_precision)
            if not (whole and digits.isdigit() and digits.isascii()) or len(digits) > 48:
                _number_digits(qty_token, qty_precision)  # raises with the precise reason
            qty_text = digits.lstrip("0")

            if not qty_text:  # qty 0: delete; a price we do not hold is a no-op
                if frags.pop(key, None) is not None:
                    index = bisect_left(keys, key)
                    del keys[index]
                    if index < CHECKSUM_LEVELS:
                        top_changed = True
                        del top[index]
                        if len(keys) >= CHECKSUM_LEVELS:
                            top.append(frags[keys[CHECKSUM_LEVELS - 1]])
                continue
            fragment = price_text + qty_text
            old = frags.get(key)
            frags[key] = fragment
            if old is None:
                index = bisect_left(keys, key)
                keys.insert(index, key)
                if index < CHECKSUM_LEVELS:
                    top_changed = True
                    top.insert(index, fragment)
                    if len(top) > CHECKSUM_LEVELS:
                        del top[CHECKSUM_LEVELS]
            elif old != fragment and (
                len(keys) <= CHECKSUM_LEVELS or key <= keys[CHECKSUM_LEVELS - 1]
            ):
                top_changed = True
                top[bisect_left(keys, key)] = fragment
        depth = self.depth
        if len(keys) > depth:
            for key in keys[depth:]:
                del frags[key]
            del keys[depth:]
            if depth < CHECKSUM_LEVELS:
                top_changed = True
                del top[depth:]
        return top_changed

    def _price(self, token: str) -> tuple[int, str]:
        ticks = int(_number_digits(token, self.price_precision))
        if ticks == 0:
            raise BookDataError(f"price {token!r} is zero")
        cached = (ticks, str(ticks))
        cache = self._price_cache
        if len(cache) >= self._price_cache_limit:
            self._trim_price_cache()
            cache = self._price_cache
        cache[token] = cached
        return cached

    def _trim_price_cache(self) -> None:
        """Keep the tokens of prices the book still holds (they recur); drop the rest."""
        asks, bids = self._ask_frags, self._bid_frags
        kept = {
            token: value
            for token, value in self._price_cache.items()
            if value[0] in asks or -value[0] in bids
        }
        self._price_cache = kept if len(kept) < self._price_cache_limit // 2 else {}

    # --- reading ---------------------------------------------------------------------------

    def checksum(self) -> int:
        """CRC32 of the current top 10 per side, as Kraken computes it."""
        return self._checksum

    def _qty_ticks(self, key: int, frags: dict[int, str]) -> int:
        fragment = frags[key]
        return int(fragment[len(str(abs(key))) :] or "0")

    def levels(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """All bids and asks, best first, rendered at the pair's precision."""
        pp, qp = self.price_precision, self.qty_precision
        bids = [
            (_render(-k, pp), _render(self._qty_ticks(k, self._bid_frags), qp))
            for k in self._bid_keys
        ]
        asks = [
            (_render(k, pp), _render(self._qty_ticks(k, self._ask_frags), qp))
            for k in self._ask_keys
        ]
        return bids, asks

    def view(self, levels: int | None = None) -> BookView:
        """Immutable top-``levels`` view (default: the whole depth), cached until a change."""
        cached = self._view_cache
        if cached is not None and cached[0] == self._version and cached[1] == levels:
            return cached[2]
        count = self.depth if levels is None else max(0, levels)
        view = BookView(
            symbol=self.symbol,
            depth=self.depth,
            price_precision=self.price_precision,
            qty_precision=self.qty_precision,
            bids=self._view_side(self._bid_keys[:count], self._bid_frags, bid=True),
            asks=self._view_side(self._ask_keys[:count], self._ask_frags, bid=False),
            checksum=self._checksum,
        )
        self._view_cache = (self._version, levels, view)
        return view

    def _view_side(self, keys: list[int], frags: dict[int, str], *, bid: bool) -> ViewSide:
        # Copies (C speed): the book changes on, the view must not.
        return ViewSide(keys, dict(frags), self.price_precision, self.qty_precision, bid=bid)
