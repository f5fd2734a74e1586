"""A book view's sides are built as they are read: same levels, same totals, frozen."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from kraken_tui.kraken.book import OrderBook
from kraken_tui.kraken.frames import BookData
from kraken_tui.kraken.models import ViewLevel


def deep_book(depth: int = 300, seed: int = 7) -> OrderBook:
    rng = random.Random(seed)
    book = OrderBook("BTC/USD", depth, 1, 8)
    asks = [(f"{50000.1 + i * 0.3:.1f}", f"{rng.uniform(0.001, 3):.8f}") for i in range(depth)]
    bids = [(f"{50000.0 - i * 0.3:.1f}", f"{rng.uniform(0.001, 3):.8f}") for i in range(depth)]
    book.apply(BookData("BTC/USD", bids, asks, None, None), True)
    return book


def eager(book: OrderBook, side: str) -> list[ViewLevel]:
    """The levels worked out independently, from the book's rendered text."""
    bids, asks = book.levels()
    out, running = [], Decimal(0)
    for price, qty in bids if side == "bid" else asks:
        running += Decimal(qty)
        out.append(ViewLevel(Decimal(price), Decimal(qty), running))
    return out


def test_every_level_matches_an_independent_build_whatever_the_reading_order() -> None:
    book = deep_book()
    expected_bids, expected_asks = eager(book, "bid"), eager(book, "ask")
    view = book.view()
    # A deep level first (builds the prefix), then a shallow one, a slice, negatives.
    assert view.asks[250] == expected_asks[250]
    assert view.asks[3] == expected_asks[3]
    assert view.bids[-1] == expected_bids[-1]
    assert view.bids[10:14] == tuple(expected_bids[10:14])
    assert list(view.asks) == expected_asks
    assert list(view.bids) == expected_bids
    assert len(view.asks) == len(view.bids) == 300
    assert view.asks == tuple(expected_asks)


def test_a_view_does_not_change_when_the_book_does() -> None:
    book = deep_book()
    view = book.view()
    before = eager(book, "bid")
    assert view.bids[0] == before[0]  # partly built, the rest still to come
    book.apply(BookData("BTC/USD", [(f"{before[40].price}", "0.0"),
                                    (f"{before[100].price}", "9.00000000")], [], None, None),
               False)
    assert list(view.bids) == before
    assert book.view().bids[99].qty == Decimal(9)  # one level above it went
    assert len(book.view().bids) == 299


def test_out_of_range_and_empty_sides() -> None:
    book = OrderBook("BTC/USD", 10, 1, 8)
    view = book.view()
    assert len(view.bids) == 0 and list(view.asks) == []
    with pytest.raises(IndexError):
        view.bids[0]
    assert view.best_bid is None and view.spread is None


@pytest.mark.parametrize("side", ["ask", "bid"])
def test_locate_by_keys_agrees_with_a_search_of_the_levels(side: str) -> None:
    """Prices on a level, between levels (off the tick too), before the best and past
    the deepest: the same index as a plain search of the built levels."""
    view = deep_book(depth=50).view()
    levels = view.asks if side == "ask" else view.bids
    built = list(levels)
    probes = [lv.price for lv in built[::7]]
    probes += [p + d for p in probes for d in (Decimal("0.05"), Decimal("-0.15"),
                                               Decimal("0.1"))]
    probes += [Decimal("1"), Decimal("99999.9"), built[-1].price]
    for price in probes:
        if side == "ask":
            expected = next((i for i, lv in enumerate(built) if lv.price >= price), len(built))
        else:
            expected = next((i for i, lv in enumerate(built) if lv.price <= price), len(built))
        assert levels.locate(price) == expected, price


def test_reading_the_best_level_builds_it_alone_and_walking_out_builds_ahead() -> None:
    """The alerts read only the best prices of every view: one level each, not a chunk."""
    view = deep_book().view()
    assert view.best_bid is not None and view.best_ask is not None
    assert repr(view.bids) == repr(view.asks) == "ViewSide(300 levels, 1 built)"
    view.asks[20]
    assert repr(view.asks) == "ViewSide(300 levels, 21 built)"
    view.asks[21]  # one past: as many again ahead, so a walk outward costs few builds
    assert repr(view.asks) == "ViewSide(300 levels, 43 built)"
    view.asks[299]
    assert repr(view.asks) == "ViewSide(300 levels, 300 built)"
