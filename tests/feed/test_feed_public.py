"""The public connection against the simulator: books go live, survive faults, stay true."""

from __future__ import annotations

import asyncio

from kraken_tui.feed.events import (
    BookUpdated,
    ConnectionChanged,
    FeedError,
    HeartbeatTimeout,
    PairStatusChanged,
    ResyncDone,
    ResyncStarted,
    SystemStatusChanged,
)
from kraken_tui.sim import Simulator
from tests.feed.conftest import config_for
from tests.harness import EventLog, FeedRunner, FeedStarter


def _norm(levels: tuple[list, list]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    bids, asks = levels
    return [tuple(x) for x in bids], [tuple(x) for x in asks]


def matches_truth(runner: FeedRunner, sim: Simulator, symbol: str) -> bool:
    feed = runner.feed
    book = feed.book(symbol)
    if book is None or not feed.book_is_valid(symbol):
        return False
    return _norm(book.levels()) == _norm(sim.truth_book(symbol, feed.depth))


async def converged(runner: FeedRunner, sim: Simulator, symbols: tuple[str, ...] = ("BTC/USD",),
                    timeout: float = 10.0) -> None:
    await runner.log.wait(lambda: all(matches_truth(runner, sim, s) for s in symbols), timeout,
                          f"books {symbols} equal to the simulator's truth")


def no_valid_book_off_truth(log: EventLog, sim: Simulator) -> None:
    """Every view ever reported valid carried a checksum the exchange really published."""
    for event in log.of(BookUpdated):
        if event.valid:
            assert event.view is not None
            sent = sim.sent_checksums(event.symbol, event.view.depth)
            assert event.checksum in sent, event


async def test_books_go_live_and_equal_truth(sim: Simulator, start_feed) -> None:
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))
    await converged(runner, sim, ("BTC/USD", "ETH/USD"))
    first = runner.log.valid_books("BTC/USD")[0]
    assert first.view is not None and len(first.view.bids) == 10 and len(first.view.asks) == 10
    assert first.view.best_bid < first.view.best_ask
    await runner.log.next(SystemStatusChanged, lambda e: e.system == "online")
    no_valid_book_off_truth(runner.log, sim)


async def test_abrupt_close_marks_stale_then_recovers(sim: Simulator, start_feed) -> None:
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))
    await converged(runner, sim)
    mark = runner.log.mark()
    sim.faults.drop_connections("public")
    stale = await runner.log.next(BookUpdated, lambda e: not e.valid, after=mark)
    assert stale.reason == "disconnected"
    backoff = await runner.log.next(ConnectionChanged, lambda e: e.state == "backoff", after=mark)
    assert backoff.delay is not None and backoff.delay <= 2.0
    await runner.log.next(BookUpdated, lambda e: e.valid, after=mark)
    await converged(runner, sim)
    no_valid_book_off_truth(runner.log, sim)


async def test_silent_stall_hits_heartbeat_deadline(sim: Simulator, start_feed) -> None:
    runner = start_feed(config_for(sim, api_key=None, api_secret=None, heartbeat_timeout=1.0))
    await converged(runner, sim)
    mark = runner.log.mark()
    sim.faults.stall(30.0, endpoint="public")
    timeout = await runner.log.next(HeartbeatTimeout, after=mark)
    assert timeout.silence >= 1.0  # past the deadline (rounded to ms)
    stale = await runner.log.next(BookUpdated, lambda e: not e.valid, after=mark)
    assert stale.reason == "heartbeat_timeout"
    await runner.log.next(BookUpdated, lambda e: e.valid, after=mark, timeout=15)
    await converged(runner, sim)
    no_valid_book_off_truth(runner.log, sim)


async def test_corrupted_checksum_forces_resync(sim: Simulator, start_feed) -> None:
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))
    await converged(runner, sim)
    mark = runner.log.mark()
    sim.faults.corrupt_next_checksum("BTC/USD")
    started = await runner.log.next(ResyncStarted, after=mark)
    assert (started.symbol, started.reason, started.count) == ("BTC/USD", "checksum_mismatch", 1)
    stale = await runner.log.next(BookUpdated, lambda e: e.symbol == "BTC/USD", after=mark)
    assert not stale.valid and stale.reason == "checksum_mismatch"
    await runner.log.next(ResyncDone, after=mark)
    await converged(runner, sim)
    assert runner.feed.books.resyncs == 1
    no_valid_book_off_truth(runner.log, sim)


async def test_rejected_subscribe_is_retried(sim: Simulator, start_feed) -> None:
    sim.faults.reject_next_subscribe("book", "BTC/USD")
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))
    await converged(runner, sim, ("BTC/USD", "ETH/USD"))


async def test_maintenance_window_invalidates_and_recovers(sim: Simulator, start_feed) -> None:
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))
    await converged(runner, sim)
    mark = runner.log.mark()
    sim.faults.start_maintenance()
    await runner.log.next(SystemStatusChanged, lambda e: e.system == "maintenance", after=mark)
    stale = await runner.log.next(BookUpdated, lambda e: not e.valid, after=mark)
    assert stale.reason in ("maintenance", "disconnected")
    refused = await runner.log.next(
        ConnectionChanged, lambda e: e.state == "backoff" and "refused" in e.reason, after=mark
    )
    assert refused.delay is not None and refused.delay >= 5.0  # Kraken: no faster than every 5 s
    sim.faults.end_maintenance()
    await runner.log.next(SystemStatusChanged, lambda e: e.system == "online", after=mark,
                          timeout=20)
    await converged(runner, sim, timeout=20)


async def test_cancel_only_and_pair_status_are_reported(sim: Simulator, start_feed) -> None:
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))
    await converged(runner, sim)
    mark = runner.log.mark()
    sim.faults.set_system_status("cancel_only")
    await runner.log.next(SystemStatusChanged, lambda e: e.system == "cancel_only", after=mark)
    sim.faults.set_pair_status("ETH/USD", "limit_only")
    await runner.log.next(PairStatusChanged,
                          lambda e: (e.symbol, e.status) == ("ETH/USD", "limit_only"), after=mark)
    sim.faults.set_system_status("online")
    await runner.log.next(SystemStatusChanged, lambda e: e.system == "online", after=mark)


async def test_depth_change_resubscribes_at_new_depth(sim: Simulator, start_feed) -> None:
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))
    await converged(runner, sim)
    mark = runner.log.mark()
    runner.feed.set_depth(100)
    event = await runner.log.next(
        BookUpdated, lambda e: e.valid and e.view is not None and e.view.depth == 100, after=mark
    )
    assert len(event.view.bids) == runner.feed.config.view_levels  # a view is the top of it
    assert len(runner.feed.book("BTC/USD").levels()[0]) == 100
    assert runner.feed.books.resyncs == 0  # asked for, not a fault
    await converged(runner, sim)
    no_valid_book_off_truth(runner.log, sim)


async def test_repeated_mismatches_are_paced_by_the_backoff(sim: Simulator, start_feed) -> None:
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))
    await converged(runner, sim)
    for n in (1, 2, 3):
        mark = runner.log.mark()
        sim.faults.corrupt_next_checksum("BTC/USD")
        started = await runner.log.next(ResyncStarted, after=mark)
        assert started.count == n
        await runner.log.next(ResyncDone, after=mark)
    # The first resync goes at once; each further one within a minute waits a doubling delay.
    backoff = runner.feed.books.books["BTC/USD"].backoff
    assert backoff.failures == 3
    assert backoff.nominal() == 4 * runner.feed.config.backoff_initial
    await converged(runner, sim)
    no_valid_book_off_truth(runner.log, sim)


def _view_levels(event: BookUpdated) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    view = event.view
    assert view is not None
    return ([(str(lv.price), str(lv.qty)) for lv in view.bids],
            [(str(lv.price), str(lv.qty)) for lv in view.asks])


def _truth(sim: Simulator, symbol: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    from decimal import Decimal

    bids, asks = sim.truth_book(symbol, 10)
    return ([(str(Decimal(p)), str(Decimal(q))) for p, q in bids],
            [(str(Decimal(p)), str(Decimal(q))) for p, q in asks])


def _step_until_changed(sim: Simulator, symbol: str) -> tuple[list, list]:
    before = _truth(sim, symbol)
    for _ in range(50):
        sim.tick(symbol, 3)
        after = _truth(sim, symbol)
        if after != before:
            return after
    raise AssertionError("the market did not move the top 10 levels")


async def test_coalesced_views_lead_then_trail() -> None:
    """With a coalescing interval, the first change after a quiet spell goes out at once
    (it does not wait for the interval) and a run of changes inside the interval goes
    out as one view of the last state."""
    async with Simulator(seed=7, order_flow=False, updates_per_second=0.01) as sim:
        starter = FeedStarter()
        try:
            runner = starter(config_for(sim, api_key=None, api_secret=None,
                                        symbols=("BTC/USD",), book_emit_interval=0.5))
            await converged(runner, sim)
            await runner.log.wait(
                lambda: _view_levels(runner.log.valid_books("BTC/USD")[-1])
                == _truth(sim, "BTC/USD"), 5, "the settled book")
            # The condition under test is itself a span of time: a quiet spell longer than
            # the interval, after which the next change must lead.
            await asyncio.sleep(0.6)
            mark = runner.log.mark()
            first = _step_until_changed(sim, "BTC/USD")
            states = [_step_until_changed(sim, "BTC/USD") for _ in range(4)]

            def views() -> list[BookUpdated]:
                return [e for e in runner.log.events[mark:]
                        if isinstance(e, BookUpdated) and e.valid]

            # Every view until the last state is shown: an extra one (an intermediate state,
            # or the last state late after another) would be in this list.
            await runner.log.wait(
                lambda: views() and _view_levels(views()[-1]) == states[-1], 5,
                "the trailing view of the last state")
            assert [_view_levels(v) for v in views()] == [first, states[-1]]
        finally:
            await starter.stop_all()


async def test_quick_depth_presses_never_wedge_the_books(sim: Simulator, start_feed) -> None:
    """Issue 12: `d` pressed 3-4 times within ~300 ms looped "Already subscribed" /
    "Subscription Not Found" and left the books RESYNCING until a reconnect (this test
    reproduced that loop before the book state machine serialised its requests)."""
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))
    await converged(runner, sim)
    mark = runner.log.mark()
    # Presses land while requests are in flight: on loopback a round trip takes about
    # a millisecond, so the presses come that fast (a person's ~100 ms over the internet).
    for depth in (25, 100, 500, 25, 100, 1000):
        runner.feed.set_depth(depth)
        for _ in range(3):
            await asyncio.sleep(0.001)
    await runner.log.wait(
        lambda: all(runner.feed.book_is_valid(s) and runner.feed.book(s).depth == 1000
                    for s in runner.feed.config.symbols),
        10, "every book valid at depth 1000")
    refusals = [e for e in runner.log.events[mark:] if isinstance(e, FeedError)]
    assert refusals == []
    assert runner.feed.books.resyncs == 0
    await converged(runner, sim)
