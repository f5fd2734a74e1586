"""The tracker's pull mode (``kraken-tui events``): views are built when the output asks.

A burst of updates marks a book dirty once and builds one view, of the latest state;
validity changes and resyncs are never coalesced away.
"""

from __future__ import annotations

from decimal import Decimal

from kraken_tui.feed.events import BookUpdated, ResyncStarted
from tests.feed.test_books import SYMBOLS, World, update, with_checksum


def set_top_bid_qty(world: World, symbol: str, qty: str) -> None:
    book = world.tracker.book(symbol)
    assert book is not None
    price = book.levels()[0][0][0]
    world.tracker.on_book(with_checksum(symbol, book.depth, [(price, qty)], [],
                                        snapshot=False, book=book), False)


def books(world: World, start: int = 0) -> list[BookUpdated]:
    return [e for e in world.events[start:] if isinstance(e, BookUpdated)]


def test_a_burst_signals_once_per_book_and_one_flush_writes_the_latest_state() -> None:
    world = World(pull=True).live()
    assert all(world.last_book(s).valid for s in SYMBOLS)  # invalid -> valid goes out at once
    start, signals = len(world.events), world.dirty_calls
    for qty in ("1.00000000", "2.00000000", "3.00000000"):
        set_top_bid_qty(world, "BTC/USD", qty)
    set_top_bid_qty(world, "ETH/USD", "7.00000000")
    assert world.events[start:] == []  # nothing built yet
    assert world.dirty_calls == signals + 2  # once per book, not per frame
    world.tracker.flush_views()
    views = {e.symbol: e for e in books(world, start)}
    assert len(books(world, start)) == 2
    assert views["BTC/USD"].valid and views["BTC/USD"].view is not None
    assert views["BTC/USD"].view.bids[0].qty == Decimal("3")
    assert views["ETH/USD"].view is not None and str(views["ETH/USD"].view.bids[0].qty) == (
        "7.00000000")
    world.tracker.flush_views()
    assert len(books(world, start)) == 2  # nothing changed since: nothing more


def test_a_checksum_mismatch_after_dirty_updates_goes_out_at_once_and_in_order() -> None:
    world = World(pull=True).live()
    start = len(world.events)
    set_top_bid_qty(world, "BTC/USD", "4.00000000")
    update(world, "BTC/USD", corrupt=True)
    kinds = [(type(e).__name__, getattr(e, "valid", None)) for e in world.events[start:]]
    assert kinds == [("BookUpdated", False), ("ResyncStarted", None)]
    assert isinstance(world.events[-1], ResyncStarted)
    world.tracker.flush_views()  # the stale dirty mark is gone: no valid view of a bad book
    assert not [e for e in books(world, start) if e.valid]
    world.answer()  # resubscribed, fresh snapshot: valid again, at once, without a flush
    assert world.last_book("BTC/USD").valid


def test_maintenance_is_written_at_once_and_no_view_is_built_during_it() -> None:
    world = World(pull=True).live()
    set_top_bid_qty(world, "BTC/USD", "5.00000000")
    world.tracker.set_maintenance(True)
    assert not world.last_book("BTC/USD").valid
    start = len(world.events)
    set_top_bid_qty(world, "BTC/USD", "6.00000000")
    world.tracker.flush_views()
    assert books(world, start) == []
    world.tracker.set_maintenance(False)
    assert world.last_book("BTC/USD").valid
