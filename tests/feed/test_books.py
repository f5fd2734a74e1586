"""The book state machine on its own: every transition, no socket, no event loop.

A small model of Kraken's subscription table answers the tracker's requests the
way Kraken (and the simulator) does: "Already subscribed" for a second subscribe,
"Subscription Not Found" for an unsubscribe at another depth. Time is a number
the test moves; scheduled callbacks run when it passes them.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kraken_tui.feed.backoff import Backoff
from kraken_tui.feed.books import BookTracker
from kraken_tui.feed.events import BookUpdated, FeedError, FeedEvent, ResyncDone, ResyncStarted
from kraken_tui.kraken.book import OrderBook
from kraken_tui.kraken.frames import BookData, MethodResponse
from kraken_tui.kraken.instruments import PairInfo

SYMBOLS = ("BTC/USD", "ETH/USD")


def pair(symbol: str) -> PairInfo:
    base, quote = symbol.split("/")
    return PairInfo(symbol, base, quote, "online", 1, 8)


def levels(depth: int, best_bid: int = 60000) -> tuple[list[tuple[str, str]], ...]:
    bids = [(f"{best_bid - i}.0", f"{1 + i}.00000000") for i in range(depth)]
    asks = [(f"{best_bid + 1 + i}.0", f"{2 + i}.00000000") for i in range(depth)]
    return bids, asks


def with_checksum(symbol: str, depth: int, bids: list, asks: list, *, snapshot: bool,
                  book: OrderBook | None = None) -> BookData:
    """A frame carrying the checksum Kraken would put on it (computed by a scratch book)."""
    scratch = OrderBook(symbol, depth, 1, 8)
    if book is not None:
        scratch.apply(BookData(symbol, *book.levels(), None, None), True)
    scratch.apply(BookData(symbol, bids, asks, None, None), snapshot)
    return BookData(symbol, bids, asks, scratch.checksum(), None)


@dataclass
class Timer:
    at: float
    fn: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class World:
    """The tracker, a model of Kraken's side, a clock and a timer queue."""

    depth: int = 10
    emit_interval: float = 0.0
    now: float = 100.0
    sent: list[dict[str, Any]] = field(default_factory=list)
    events: list[FeedEvent] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    server: dict[str, int] = field(default_factory=dict)  # Kraken's subscriptions
    settled: int = 0
    pull: bool = False  # the tracker's pull mode; ``dirty_calls`` counts its signals
    dirty_calls: int = 0

    def __post_init__(self) -> None:
        ids = itertools.count(1)
        self.tracker = BookTracker(
            SYMBOLS, self.depth,
            send=lambda text: self.sent.append(json.loads(text)),
            emit=self.events.append,
            clock=lambda: self.now,
            call_later=self.call_later,
            precision=lambda s: pair(s) if s in SYMBOLS else None,
            new_backoff=lambda: Backoff(initial=1.0, cap=8.0, rng=random.Random(1)),
            next_req_id=lambda: next(ids),
            emit_interval=self.emit_interval,
            on_settled=self._count_settled,
            on_dirty=self._count_dirty if self.pull else None,
        )
        self.cursor = 0  # requests the model has answered

    def _count_settled(self) -> None:
        self.settled += 1

    def _count_dirty(self) -> None:
        self.dirty_calls += 1

    def call_later(self, delay: float, fn: Callable[[], None]) -> Timer:
        timer = Timer(self.now + delay, fn)
        self.timers.append(timer)
        return timer

    def advance(self, seconds: float) -> None:
        end = self.now + seconds
        while True:
            due = [t for t in self.timers if not t.cancelled and t.at <= end]
            if not due:
                break
            timer = min(due, key=lambda t: t.at)
            self.timers.remove(timer)
            self.now = max(self.now, timer.at)
            timer.fn()
        self.now = end

    # -- Kraken's side ----------------------------------------------------------

    def pending(self) -> list[dict[str, Any]]:
        return self.sent[self.cursor:]

    def answer(self, count: int | None = None, *, snapshots: bool = True) -> None:
        """Answer requests in order, as Kraken does (acks, then the snapshot); without a
        count, also what the answers make the tracker send, until it waits."""
        todo = self.pending() if count is None else self.pending()[:count]
        for request in todo:
            self.cursor += 1
            params = request["params"]
            for symbol in params["symbol"]:
                self._answer_one(request, symbol, params.get("depth", 10), snapshots)
        if count is None and self.pending():
            self.answer(snapshots=snapshots)

    def _answer_one(self, request: dict[str, Any], symbol: str, depth: int,
                    snapshot: bool) -> None:
        method, req_id = request["method"], request["req_id"]
        if method == "subscribe":
            if symbol in self.server:
                self.reply(method, req_id, symbol, error="Already subscribed")
                return
            self.server[symbol] = depth
            self.reply(method, req_id, symbol)
            if snapshot:
                self.tracker.on_book(with_checksum(symbol, depth, *levels(depth),
                                                   snapshot=True), True)
        else:
            if self.server.get(symbol) != depth:
                # The simulator (like Kraken) names the method "subscribe" here.
                self.reply("subscribe", req_id, symbol, error="Subscription Not Found")
                return
            del self.server[symbol]
            self.reply(method, req_id, symbol)

    def reply(self, method: str, req_id: int | None, symbol: str | None, *,
              error: str | None = None) -> None:
        result = None if error else {"channel": "book", "symbol": symbol}
        self.tracker.on_response(MethodResponse(method, error is None, req_id, result, error,
                                                symbol, "book" if error is None else None))

    def errors(self) -> list[FeedError]:
        return [e for e in self.events if isinstance(e, FeedError)]

    def last_book(self, symbol: str) -> BookUpdated:
        return [e for e in self.events if isinstance(e, BookUpdated) and e.symbol == symbol][-1]

    def live(self) -> World:
        self.tracker.start()
        self.answer()
        return self


def update(world: World, symbol: str, *, corrupt: bool = False) -> None:
    book = world.tracker.book(symbol)
    assert book is not None
    bids, _ = book.levels()
    top = bids[0]
    frame = with_checksum(symbol, book.depth, [(top[0], "9.00000000")], [], snapshot=False,
                          book=book)
    if corrupt:
        frame = BookData(symbol, frame.bids, frame.asks, (frame.checksum or 0) ^ 1, None)
    world.tracker.on_book(frame, False)


# -- connect and subscribe -------------------------------------------------------------

def test_start_subscribes_every_book_in_one_request_and_snapshots_make_them_valid() -> None:
    world = World()
    world.tracker.start()
    assert [(r["method"], r["params"]["symbol"], r["params"]["depth"]) for r in world.sent] == [
        ("subscribe", list(SYMBOLS), 10)]
    assert [st.phase for st in world.tracker.books.values()] == ["subscribing"] * 2
    world.answer()
    assert all(world.tracker.is_valid(s) for s in SYMBOLS)
    assert world.settled == 1 and world.tracker.all_settled()
    assert [st.phase for st in world.tracker.books.values()] == ["live"] * 2


def test_nothing_is_requested_before_start() -> None:
    world = World()
    world.tracker.resync("BTC/USD", "user_request")
    world.tracker.set_depth(25)
    assert world.sent == []


def test_a_snapshot_that_overtakes_its_ack_is_used() -> None:
    world = World()
    world.tracker.start()
    request = world.sent[0]
    world.cursor = 1
    for symbol in SYMBOLS:
        world.tracker.on_book(with_checksum(symbol, 10, *levels(10), snapshot=True), True)
    assert all(world.tracker.is_valid(s) for s in SYMBOLS)
    for symbol in SYMBOLS:  # the late acks change nothing
        world.reply("subscribe", request["req_id"], symbol)
    assert all(world.tracker.is_valid(s) for s in SYMBOLS) and len(world.sent) == 1


# -- updates and checksums -------------------------------------------------------------

def test_a_verified_update_is_a_new_valid_view() -> None:
    world = World().live()
    before = len(world.events)
    update(world, "BTC/USD")
    assert world.last_book("BTC/USD").valid and len(world.events) == before + 1
    assert world.tracker.book("BTC/USD").levels()[0][0][1] == "9.00000000"


def test_checksum_mismatch_marks_stale_at_once_and_resubscribes_unpaced_the_first_time() -> None:
    world = World().live()
    update(world, "BTC/USD", corrupt=True)
    stale = world.last_book("BTC/USD")
    assert (stale.valid, stale.reason) == (False, "checksum_mismatch")
    assert isinstance(world.events[-1], ResyncStarted)
    assert world.pending() == [{"method": "unsubscribe", "params": {
        "channel": "book", "symbol": ["BTC/USD"], "depth": 10}, "req_id": 2}]
    world.answer()  # unsubscribed, then at once subscribed again, snapshot
    assert world.tracker.is_valid("BTC/USD")
    assert any(isinstance(e, ResyncDone) for e in world.events)
    assert world.tracker.resyncs == 1 and world.tracker.is_valid("ETH/USD")


def test_repeated_mismatches_are_paced_by_the_backoff() -> None:
    world = World().live()
    update(world, "BTC/USD", corrupt=True)
    world.answer()
    update(world, "BTC/USD", corrupt=True)  # again within the quiet minute
    world.answer()  # the unsubscribe is confirmed; the subscribe waits
    assert world.pending() == [] and world.tracker.books["BTC/USD"].phase == "waiting"
    world.advance(0.9)  # the second fault waits 2 s, shortened by at most half by jitter
    assert world.pending() == []
    world.advance(1.1)
    assert [r["method"] for r in world.pending()] == ["subscribe"]
    world.answer()
    assert world.tracker.is_valid("BTC/USD") and world.tracker.resyncs == 2


def test_a_quiet_minute_resets_the_pacing() -> None:
    world = World().live()
    for _ in range(3):
        update(world, "BTC/USD", corrupt=True)
        world.answer()
        world.advance(10)  # the paced subscribe goes out
        world.answer()
    assert world.tracker.books["BTC/USD"].backoff.failures == 3
    world.advance(61)
    update(world, "BTC/USD", corrupt=True)
    world.answer()
    assert world.tracker.is_valid("BTC/USD")  # resubscribed at once


@pytest.mark.parametrize("bad", ["no checksum", "second snapshot"])
def test_unverifiable_book_messages_start_a_resync(bad: str) -> None:
    world = World().live()
    if bad == "no checksum":
        world.tracker.on_book(BookData("BTC/USD", [], [], None, None), False)
    else:
        world.tracker.on_book(with_checksum("BTC/USD", 10, *levels(10), snapshot=True), True)
    assert world.last_book("BTC/USD").reason == "unverifiable_book_message"
    world.answer()
    assert world.tracker.is_valid("BTC/USD")


def test_updates_of_a_subscription_being_replaced_are_ignored() -> None:
    world = World().live()
    good = world.tracker.book("BTC/USD")
    update(world, "BTC/USD", corrupt=True)
    assert good is not None
    # An update in flight before our unsubscribe reached Kraken: nothing to apply it to.
    world.tracker.on_book(BookData("BTC/USD", [("1.0", "1.00000000")], [], 5, None), False)
    assert world.tracker.book("BTC/USD") is None and world.tracker.resyncs == 1


# -- disconnect, deadline, maintenance -------------------------------------------------

@pytest.mark.parametrize("reason", ["disconnected", "heartbeat_timeout"])
def test_losing_the_connection_invalidates_and_a_new_one_starts_clean(reason: str) -> None:
    world = World().live()
    if reason == "heartbeat_timeout":
        world.tracker.invalidate_all("heartbeat_timeout")
        assert world.last_book("BTC/USD").reason == "heartbeat_timeout"
    world.tracker.disconnected(reason)
    world.server.clear()
    assert all(world.last_book(s).reason == reason for s in SYMBOLS)
    assert world.tracker.book("BTC/USD") is None
    world.cursor = len(world.sent)
    world.tracker.start()
    world.answer()
    assert all(world.tracker.is_valid(s) for s in SYMBOLS) and world.errors() == []


def test_a_disconnect_cancels_a_paced_resubscribe() -> None:
    world = World().live()
    for _ in range(2):
        update(world, "BTC/USD", corrupt=True)
        world.answer()
    assert world.tracker.books["BTC/USD"].phase == "waiting"
    world.tracker.disconnected("disconnected")
    world.advance(30)
    assert world.pending() == []  # the old connection's timer sent nothing


def test_maintenance_holds_every_book_stale_until_it_ends() -> None:
    world = World().live()
    world.tracker.set_maintenance(True)
    assert all(world.last_book(s).reason == "maintenance" for s in SYMBOLS)
    update(world, "BTC/USD")
    assert not world.last_book("BTC/USD").valid  # data flows, but nothing shows as live
    world.tracker.set_maintenance(False)
    assert all(world.last_book(s).valid for s in SYMBOLS)


# -- depth changes ---------------------------------------------------------------------

def test_a_depth_change_replaces_every_subscription_without_counting_a_fault() -> None:
    world = World().live()
    world.tracker.set_depth(25)
    assert [(r["method"], r["params"]["depth"]) for r in world.pending()] == [
        ("unsubscribe", 10), ("unsubscribe", 10)]
    world.answer()
    world.answer()
    assert world.server == {"BTC/USD": 25, "ETH/USD": 25}
    assert all(world.tracker.is_valid(s) for s in SYMBOLS)
    assert world.tracker.book("BTC/USD").depth == 25 and world.tracker.resyncs == 0


def test_quick_depth_presses_never_wedge_a_book_and_the_last_depth_wins() -> None:
    """Issue 12: `d` pressed 3-4 times within ~300 ms looped "Already subscribed" /
    "Subscription Not Found" for minutes. One request in flight per symbol at a time."""
    world = World().live()
    for depth in (25, 100, 500, 1000):
        world.tracker.set_depth(depth)
        world.answer(1)  # Kraken answers only part of the traffic between presses
        in_flight = [st.in_flight for st in world.tracker.books.values() if st.in_flight]
        assert len(in_flight) <= len(SYMBOLS)
    for _ in range(10):
        world.answer()
    assert world.errors() == []
    assert world.server == {"BTC/USD": 1000, "ETH/USD": 1000}
    assert all(world.tracker.is_valid(s) for s in SYMBOLS)


@pytest.mark.parametrize("seed", range(40))
def test_any_interleaving_of_depth_presses_and_replies_converges(seed: int) -> None:
    rng = random.Random(seed)
    world = World().live()
    depth = 10
    for _ in range(rng.randint(1, 8)):
        if rng.random() < 0.6:
            depth = rng.choice((10, 25, 100, 500, 1000))
            world.tracker.set_depth(depth)
        if world.pending() and rng.random() < 0.7:
            world.answer(rng.randint(1, len(world.pending())))
        for st in world.tracker.books.values():  # never two requests for one symbol
            mine = [r for r in world.pending() if st.symbol in r["params"]["symbol"]]
            assert len(mine) <= 1
    for _ in range(10):
        world.answer()
    assert world.errors() == []
    assert world.server == dict.fromkeys(SYMBOLS, depth)
    assert all(world.tracker.is_valid(s) for s in SYMBOLS)


def test_a_depth_change_during_a_paced_resync_is_not_held_back() -> None:
    world = World().live()
    for _ in range(2):
        update(world, "BTC/USD", corrupt=True)
        world.answer()
    assert world.tracker.books["BTC/USD"].phase == "waiting"
    world.tracker.set_depth(25)  # the user asked: now, not after the fault's backoff
    world.answer()
    world.answer()
    assert world.tracker.is_valid("BTC/USD") and world.server["BTC/USD"] == 25


# -- refusals --------------------------------------------------------------------------

def test_a_permanent_refusal_fails_that_book_for_good_and_the_others_carry_on() -> None:
    world = World()
    world.tracker.start()
    request = world.sent[0]
    world.cursor = 1
    world.reply("subscribe", request["req_id"], "BTC/USD",
                error="Currency pair not supported BTC/USD")
    world.server["ETH/USD"] = 10
    world.reply("subscribe", request["req_id"], "ETH/USD")
    world.tracker.on_book(with_checksum("ETH/USD", 10, *levels(10), snapshot=True), True)
    assert world.last_book("BTC/USD").reason == "refused: Currency pair not supported BTC/USD"
    assert world.tracker.books["BTC/USD"].phase == "failed"
    assert world.tracker.is_valid("ETH/USD") and world.settled == 1
    world.tracker.resync("BTC/USD", "user_request")
    world.advance(120)
    assert world.pending() == []
    assert world.errors()[0].detail == "BTC/USD: Currency pair not supported BTC/USD"


def test_already_subscribed_replaces_the_subscription_paced_by_the_backoff() -> None:
    world = World()
    world.server["BTC/USD"] = 10  # Kraken disagrees with us: it has one already
    world.tracker.start()
    world.answer()
    assert world.errors()[0].detail == "BTC/USD: Already subscribed"
    world.answer()  # unsubscribe, then the fresh subscribe
    assert world.tracker.is_valid("BTC/USD") and world.tracker.is_valid("ETH/USD")


def test_a_transient_refusal_retries_after_the_backoff() -> None:
    world = World()
    world.tracker.start()
    request = world.sent[0]
    world.cursor = 1
    world.reply("subscribe", request["req_id"], "BTC/USD", error="Exceeded msg rate")
    world.reply("subscribe", request["req_id"], "ETH/USD", error="Exceeded msg rate")
    assert world.last_book("BTC/USD").reason == "subscribe_refused"
    assert world.pending() == []
    world.advance(1.0)
    assert sorted(r["params"]["symbol"][0] for r in world.pending()) == list(SYMBOLS)
    world.answer()
    assert all(world.tracker.is_valid(s) for s in SYMBOLS)


def test_a_reply_to_no_request_in_flight_changes_nothing() -> None:
    world = World().live()
    world.reply("unsubscribe", 999, "BTC/USD")
    assert world.tracker.is_valid("BTC/USD") and world.pending() == []


# -- views -----------------------------------------------------------------------------

def test_views_are_coalesced_to_the_emit_interval_with_the_first_change_at_once() -> None:
    world = World(emit_interval=0.05).live()
    world.advance(1.0)
    before = len(world.events)
    update(world, "BTC/USD")
    assert len(world.events) == before + 1  # after a quiet interval: at once
    update(world, "BTC/USD")
    update(world, "BTC/USD")
    assert len(world.events) == before + 1  # held for the trailing view
    world.advance(0.05)
    assert len(world.events) == before + 2 and world.last_book("BTC/USD").valid


def test_a_book_that_went_stale_sends_no_trailing_view() -> None:
    world = World(emit_interval=0.05).live()
    update(world, "BTC/USD")
    update(world, "BTC/USD", corrupt=True)
    stale = len(world.events)
    world.advance(0.1)
    assert not [e for e in world.events[stale:] if isinstance(e, BookUpdated) and e.valid]
