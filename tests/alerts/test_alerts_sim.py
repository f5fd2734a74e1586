"""The engine fed by the real feed against the simulator (real sockets on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from kraken_tui.alerts.engine import AlertEngine
from kraken_tui.alerts.feed_adapter import observe_feed_event
from kraken_tui.alerts.fired import AlertFired
from kraken_tui.alerts.rules import parse_rule
from kraken_tui.feed.connection import Feed, FeedConfig
from kraken_tui.feed.events import BookUpdated, FeedEvent
from kraken_tui.sim import Simulator
from tests.alerts.conftest import reference_firings
from tests.harness import EventLog


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=5, order_flow=False, updates_per_second=40.0) as simulator:
        yield simulator


class AlertedLog(EventLog):
    """Feed events, each also handed to the engine (as the monitor's feed thread will)."""

    def __init__(self, engine: AlertEngine) -> None:
        super().__init__()
        self.engine = engine
        self.alerts: list[tuple[int, AlertFired]] = []  # (index of the event, alert)

    def __call__(self, event: FeedEvent) -> None:
        super().__call__(event)
        for alert in observe_feed_event(self.engine, event):
            self.alerts.append((len(self.events) - 1, alert))


async def test_price_rules_fire_once_per_crossing_of_valid_books_only(sim: Simulator) -> None:
    bids, _ = sim.truth_book("BTC/USD", 10)
    start = Decimal(bids[0][0])
    specs = []
    for k in (1, 2, 3, 5, 8):
        for op in (">", "<", ">=", "<="):
            for hyst in (Decimal(0), Decimal("0.001")):
                threshold = start + Decimal(k) / 10 * (1 if op.startswith(">") else -1)
                specs.append((op, threshold, hyst))
    rules = [parse_rule(f"BTC/USD bid {op} {t}", h) for op, t, h in specs]
    engine = AlertEngine(rules)
    log = AlertedLog(engine)
    config = FeedConfig(symbols=("BTC/USD",), depth=10, ws_url=sim.ws_url,
                        ws_auth_url=sim.ws_auth_url, rest_url=sim.rest_url,
                        heartbeat_timeout=1.5, ping_interval=0.5)
    feed = Feed(config, log)
    task = asyncio.create_task(feed.run())
    try:
        await log.wait(lambda: len(log.valid_books("BTC/USD")) >= 40, 30, "40 valid books")
        sim.faults.drop_connections("public")  # invalid books in between: never evaluated
        await log.wait(lambda: any(not e.valid for e in log.of(BookUpdated)), 10, "stale book")
        mark = len(log.valid_books("BTC/USD"))
        await log.wait(lambda: len(log.valid_books("BTC/USD")) >= mark + 40, 30, "40 more")
        await log.wait(lambda: log.alerts, 30, "a first firing")
    finally:
        feed.stop()
        await asyncio.wait_for(task, 10)
    valid = [e for e in log.of(BookUpdated) if e.valid and e.view is not None]
    values = [e.view.best_bid for e in valid]
    expected = reference_firings(specs, values)
    step_of = {id(e): i for i, e in enumerate(valid)}
    got = sorted(
        (step_of[id(log.events[index])], next(i for i, r in enumerate(rules) if r is a.rule))
        for index, a in log.alerts
    )
    assert got == expected
    for index, alert in log.alerts:  # fired by a valid book, with that book's own bid
        event = log.events[index]
        assert isinstance(event, BookUpdated) and event.valid
        assert alert.value == str(event.view.best_bid)


async def test_stale_and_status_rules_fire_once_per_outage_and_change(sim: Simulator) -> None:
    engine = AlertEngine([parse_rule("stale > 0.3"), parse_rule("status")])
    engine.watch(books=["BTC/USD"], endpoints=["public"])
    log = AlertedLog(engine)
    config = FeedConfig(symbols=("BTC/USD",), depth=10, ws_url=sim.ws_url,
                        ws_auth_url=sim.ws_auth_url, rest_url=sim.rest_url,
                        heartbeat_timeout=1.5, ping_interval=0.5, backoff_initial=1.0)
    feed = Feed(config, log)
    task = asyncio.create_task(feed.run())

    async def ticker() -> None:
        while True:
            for alert in engine.tick():
                log.alerts.append((len(log.events) - 1, alert))
            await asyncio.sleep(0.05)

    ticking = asyncio.create_task(ticker())
    try:
        await log.wait(lambda: log.valid_books("BTC/USD"), 30, "a valid book")
        log.alerts.clear()  # the start-up wait may or may not have passed 0.3 s
        sim.faults.set_system_status("post_only")
        await log.wait(lambda: [a for _, a in log.alerts if a.kind == "status"], 10, "status")
        sim.faults.drop_connections("public")  # reconnects after >= 1 s of backoff
        stale = lambda: {a.symbol for _, a in log.alerts if a.kind == "stale"}  # noqa: E731
        await log.wait(lambda: stale() == {"BTC/USD", None}, 10, "stale book and endpoint")
        mark = len(log.valid_books("BTC/USD"))
        await log.wait(lambda: len(log.valid_books("BTC/USD")) > mark + 5, 30, "live again")
    finally:
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
        feed.stop()
        await asyncio.wait_for(task, 10)
    kinds = sorted((a.kind, a.symbol or "-", a.value if a.kind == "status" else "")
                   for _, a in log.alerts)
    assert kinds == [("stale", "-", ""), ("stale", "BTC/USD", ""),
                     ("status", "-", "post_only")]
