"""Guarded cancels from the monitor's keys through the real feed to the simulator and
back (issue 16): a row leaves the table only when the stream (or REST) says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from ui_scenarios import shown_toasts, wait_for

from kraken_tui.config import Config
from kraken_tui.feed.connection import Feed
from kraken_tui.feed.events import CancelFinished, CancelOutcome, FeedEvent
from kraken_tui.sim import Simulator
from kraken_tui.ui.app import KrakenMonitor
from kraken_tui.ui.cancel_dialog import CancelDialog
from kraken_tui.ui.widgets.orders import OrdersTable

SIZE = (120, 34)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=5, order_flow=False, updates_per_second=10.0) as sim:
        yield sim


class Recorded:
    """The real feed factory, keeping the feed and every event it sent the app."""

    def __init__(self) -> None:
        self.feed: Feed | None = None
        self.events: list[FeedEvent] = []

    def __call__(self, config: Config, sink: Any) -> Feed:
        from kraken_tui.ui.run import real_feed_factory

        def both(event: FeedEvent) -> None:
            self.events.append(event)
            sink(event)

        self.feed = real_feed_factory(config, both)
        return self.feed

    def outcomes(self) -> list[CancelOutcome]:
        return [e for e in self.events if isinstance(e, CancelOutcome)]


def sim_app(sim: Simulator, *, allow_cancel: bool = True) -> tuple[KrakenMonitor, Recorded]:
    config = Config(symbols=("BTC/USD", "ETH/USD"), depth=10, ws_url=sim.ws_url,
                    ws_auth_url=sim.ws_auth_url, rest_url=sim.rest_url, api_key=sim.api_key,
                    api_secret=sim.api_secret, allow_cancel=allow_cancel)
    recorded = Recorded()
    app = KrakenMonitor(config, recorded, toasts=True)
    app.animation_level = "none"
    return app, recorded


async def rows(pilot: Any, ids: set[str]) -> OrdersTable:
    table = pilot.app.query_one(OrdersTable)
    await wait_for(pilot, lambda: set(table.row_keys) == ids, 10, "the orders in the table")
    return table


async def confirm(pilot: Any, key: str) -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CancelDialog), 5, "the dialog")
    await pilot.press("y")


async def test_c_cancels_the_order_and_its_row_goes_when_the_stream_says(
        sim: Simulator) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    b = sim.place_order("ETH/USD", "sell", "2", "9000.00")
    app, recorded = sim_app(sim)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        table = await rows(pilot, {a, b})
        table.focus()
        table.move_cursor(b)
        await confirm(pilot, "c")
        await wait_for(pilot, lambda: set(table.row_keys) == {a}, 10, "b's row gone")
        assert set(sim.truth_open_orders()) == {a}
        (outcome,) = recorded.outcomes()
        assert (outcome.order_id, outcome.outcome, outcome.via) == (b, "cancelled", "ws")
        await wait_for(pilot, lambda: any(t.startswith("Cancelled: ETH/USD SELL 2")
                                          for t in shown_toasts(app)), 5, "the toast")
        assert table.cursor_key == a  # the highlight moved to the row that took its place


async def test_cancel_all_on_several_symbols(sim: Simulator) -> None:
    ids = {sim.place_order("BTC/USD", "buy", "0.5", "30000.0"),
           sim.place_order("ETH/USD", "sell", "2", "9000.00"),
           sim.place_order("DOGE/USD", "buy", "100000", "0.0500000")}
    app, recorded = sim_app(sim)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        table = await rows(pilot, ids)
        await confirm(pilot, "C")
        await wait_for(pilot, lambda: table.row_count == 0, 10, "every row gone")
        assert sim.truth_open_orders() == {}
        assert {(o.order_id, o.outcome) for o in recorded.outcomes()} == {
            (i, "cancelled") for i in ids}
        (done,) = [e for e in recorded.events if isinstance(e, CancelFinished)]
        assert (done.method, done.count, done.ok) == ("cancel_all", 3, True)


async def test_private_socket_down_goes_over_rest_and_the_reconcile_clears_the_row(
        sim: Simulator) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    b = sim.place_order("BTC/USD", "buy", "0.4", "30001.0")
    app, recorded = sim_app(sim)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        table = await rows(pilot, {a, b})
        sim.faults.rest_error("GetWebSocketsToken", "EService:Unavailable", count=10_000)
        sim.faults.drop_connections("private")
        assert recorded.feed is not None
        await wait_for(pilot, lambda: not recorded.feed.handshake.live and not table.valid, 10,
                       "the private side down")
        table.focus()
        table.move_cursor(a)
        await confirm(pilot, "c")
        await wait_for(pilot, lambda: set(table.row_keys) == {b}, 10, "a's row gone via REST")
        (outcome,) = recorded.outcomes()
        assert (outcome.outcome, outcome.via) == ("cancelled", "rest")
        assert recorded.feed.cancels.sent == {"rest": 1}


async def test_a_lost_reply_is_unknown_then_the_table_is_reconciled(sim: Simulator) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    app, recorded = sim_app(sim)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        table = await rows(pilot, {a})
        assert recorded.feed is not None
        recorded.feed.cancels.deadline = 0.5
        sim.faults.lose_cancel_replies(1)
        table.focus()
        await confirm(pilot, "c")
        await wait_for(pilot, lambda: bool(recorded.outcomes()), 10, "the outcome")
        assert recorded.outcomes()[0].outcome == "unknown"
        await wait_for(pilot, lambda: any(t.startswith("Cancel UNKNOWN") for t in
                                          shown_toasts(app)), 5, "the UNKNOWN toast")
        await wait_for(pilot, lambda: table.row_count == 0, 10, "the row gone")
        # The executions stream may take the row off before the REST reconcile lands.
        await wait_for(pilot, lambda: any(getattr(e, "reason", None) == "cancel"
                                          for e in recorded.events), 10, "the REST reconcile")


async def test_a_double_key_press_sends_one_request(sim: Simulator) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    app, recorded = sim_app(sim)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        table = await rows(pilot, {a})
        feed = recorded.feed
        assert feed is not None
        calls: list[Any] = []
        forward = feed.request_cancel
        feed.request_cancel = (  # type: ignore[method-assign]
            lambda *args: (calls.append(args), forward(*args)))
        table.focus()
        await pilot.press("c", "c", "c", "y", "y", "enter")
        # Every key has been handled once press() returns: one request left the UI.
        assert len(calls) == 1
        await wait_for(pilot, lambda: table.row_count == 0, 10, "the row gone")
        await wait_for(pilot, lambda: any(isinstance(e, CancelFinished)
                                          for e in recorded.events), 10, "the request done")
        assert feed.cancels.sent == {"ws": 1}
        assert [o.outcome for o in recorded.outcomes()] == ["cancelled"]


async def test_read_only_sends_nothing(sim: Simulator) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    app, recorded = sim_app(sim, allow_cancel=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        table = await rows(pilot, {a})
        table.focus()
        await pilot.press("c", "y", "C", "y")
        await pilot.pause()
        assert not isinstance(app.screen, CancelDialog)
        assert recorded.feed is not None and recorded.feed.cancels.sent == {}
        assert set(sim.truth_open_orders()) == {a} and table.row_keys == [a]
        assert any("--allow-cancel" in t for t in shown_toasts(app))
