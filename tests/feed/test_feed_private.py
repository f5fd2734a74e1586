"""The private connection: open orders and balances stay equal to the exchange through faults."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from kraken_tui.feed.events import (
    BalancesUpdated,
    DeadManSwitch,
    FeedError,
    OrdersUpdated,
    Reconciled,
)
from kraken_tui.sim import Simulator
from tests.feed.conftest import config_for
from tests.harness import FeedRunner, break_balances_handler_once


def orders_match(runner: FeedRunner, sim: Simulator) -> bool:
    ours = {
        o.order_id: (o.symbol, o.side, o.order_qty, o.cum_qty, o.limit_price)
        for o in runner.feed.account.orders.orders()
    }
    truth = {
        oid: (t["symbol"], t["side"], Decimal(t["order_qty"]), Decimal(t["cum_qty"]),
              Decimal(t["limit_price"]))
        for oid, t in sim.truth_open_orders().items()
    }
    return ours == truth


def balances_match(runner: FeedRunner, sim: Simulator) -> bool:
    ours = {b.asset: b.total for b in runner.feed.account.balances.balances()}
    return ours == sim.truth_balances()


async def converged(runner: FeedRunner, timeout: float = 10.0) -> None:
    sim: Simulator = runner.sim  # type: ignore[attr-defined]
    await runner.log.wait(
        lambda: runner.feed.account.orders_valid and orders_match(runner, sim)
        and balances_match(runner, sim),
        timeout, "orders and balances equal to the simulator's truth",
    )


def start(sim: Simulator, start_feed, **overrides) -> FeedRunner:
    runner = start_feed(config_for(sim, symbols=("BTC/USD",), **overrides))
    runner.sim = sim  # type: ignore[attr-defined]
    return runner


async def test_snapshot_then_live_order_lifecycle(sim: Simulator, start_feed) -> None:
    first = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    runner = start(sim, start_feed)
    await converged(runner)
    assert [o.order_id for o in runner.feed.account.orders.orders()] == [first]
    second = sim.place_order("ETH/USD", "sell", "2", "9000.00")
    await converged(runner)
    sim.fill_order(first, "0.2")
    await runner.log.wait(
        lambda: (o := runner.feed.account.orders.get(first)) is not None
        and o.cum_qty == Decimal("0.2"),
        what="partial fill seen",
    )
    await converged(runner)
    sim.fill_order(first)
    sim.cancel_order(second)
    await runner.log.wait(lambda: not runner.feed.account.orders.orders(), what="orders closed")
    await converged(runner)
    assert runner.log.of(BalancesUpdated)[-1].valid


async def test_changes_during_a_disconnect_are_caught_on_reconnect(
    sim: Simulator, start_feed
) -> None:
    keep = sim.place_order("BTC/USD", "buy", "1", "30000.0")
    gone = sim.place_order("BTC/USD", "sell", "1", "99000.0")
    runner = start(sim, start_feed)
    await converged(runner)
    mark = runner.log.mark()
    sim.faults.stall(30.0, endpoint="private")  # silent: the client must notice by itself
    sim.cancel_order(gone)
    sim.fill_order(keep, "0.25")
    new = sim.place_order("ETH/USD", "buy", "3", "1000.00")
    stale = await runner.log.next(OrdersUpdated, lambda e: not e.valid, after=mark)
    assert gone in {o.order_id for o in stale.orders}  # last known, flagged invalid
    await runner.log.next(Reconciled, lambda e: e.what == "orders", after=mark, timeout=15)
    await converged(runner, timeout=15)
    assert {o.order_id for o in runner.feed.account.orders.orders()} == {keep, new}


async def test_missed_sequence_triggers_rest_reconciliation(sim: Simulator, start_feed) -> None:
    runner = start(sim, start_feed)
    await converged(runner)
    mark = runner.log.mark()
    sim.faults.skip_sequence("executions")
    sim.place_order("BTC/USD", "buy", "0.1", "31000.0")
    sim.place_order("BTC/USD", "buy", "0.2", "31001.0")
    gap = await runner.log.next(FeedError, lambda e: e.error == "sequence gap", after=mark)
    assert "executions" in gap.detail
    await runner.log.next(Reconciled, lambda e: e.reason == "sequence_gap", after=mark)
    await converged(runner)


async def test_balances_sequence_gap_is_reconciled(sim: Simulator, start_feed) -> None:
    order = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    runner = start(sim, start_feed)
    await converged(runner)
    mark = runner.log.mark()
    sim.faults.skip_sequence("balances")
    sim.fill_order(order)
    await runner.log.next(Reconciled, lambda e: e.what == "balances", after=mark)
    await converged(runner)


async def test_revoked_token_gets_a_fresh_one(sim: Simulator, start_feed) -> None:
    runner = start(sim, start_feed)
    await converged(runner)
    mark = runner.log.mark()
    sim.faults.revoke_tokens()
    sim.faults.drop_connections("private")
    await runner.log.next(OrdersUpdated, lambda e: not e.valid, after=mark)
    await runner.log.next(OrdersUpdated, lambda e: e.valid, after=mark, timeout=15)
    sim.place_order("BTC/USD", "buy", "0.1", "30000.0")
    await converged(runner)


async def test_rest_errors_are_retried_and_reported(sim: Simulator, start_feed) -> None:
    sim.place_order("BTC/USD", "buy", "0.1", "30000.0")
    sim.faults.rest_error("OpenOrders", error="EService:Unavailable", count=2)
    runner = start(sim, start_feed)
    failure = await runner.log.next(FeedError, lambda e: "reconciliation failed" in e.error)
    assert "EService:Unavailable" in failure.detail
    await runner.log.next(Reconciled, lambda e: e.what == "orders", timeout=15)
    await converged(runner)


async def test_dead_man_switch_armed_then_disarmed_on_clean_exit(
    sim: Simulator, start_feed
) -> None:
    runner = start(sim, start_feed, dead_man_switch=5)
    armed = await runner.log.next(DeadManSwitch, lambda e: e.armed)
    assert armed.trigger_time and armed.error is None
    assert sim.deadman_armed()
    await runner.stop()
    assert not runner.log.of(DeadManSwitch)[-1].armed
    assert not sim.deadman_armed()


async def test_dead_man_switch_cancels_orders_when_the_client_dies(
    sim: Simulator, start_feed
) -> None:
    sim.place_order("BTC/USD", "buy", "0.1", "30000.0")
    runner = start(sim, start_feed, dead_man_switch=1)
    await runner.log.next(DeadManSwitch, lambda e: e.armed)
    runner.task.cancel()  # the process dies: nothing disarms the switch
    await asyncio.gather(runner.task, return_exceptions=True)
    assert sim.deadman_armed()

    async def all_cancelled() -> None:
        while sim.truth_open_orders():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(all_cancelled(), timeout=5)


async def test_refused_private_subscribe_restarts_the_connection(
    sim: Simulator, start_feed
) -> None:
    sim.place_order("BTC/USD", "buy", "0.1", "30000.0")
    sim.faults.reject_next_subscribe("executions")
    runner = start(sim, start_feed)
    refused = await runner.log.next(FeedError, lambda e: e.endpoint == "private")
    assert "refused" in refused.error
    await converged(runner, timeout=15)


async def test_token_never_reaches_the_logs_even_at_debug(
    sim: Simulator, start_feed, caplog, monkeypatch
) -> None:
    """websockets logs frames at DEBUG (cut at 75 chars unless told otherwise): never ours."""
    import logging

    from websockets.frames import Frame

    monkeypatch.setattr(Frame, "MAX_LOG_SIZE", 1_000_000)
    caplog.set_level(logging.DEBUG)
    runner = start(sim, start_feed)
    await converged(runner)
    tokens = list(sim.tokens)
    assert tokens, "the simulator issued a token"
    text = caplog.text
    assert all(token not in text for token in tokens)
    assert sim.api_secret not in text


async def test_a_bug_in_frame_handling_reconnects_instead_of_killing_the_loop(
    sim: Simulator, start_feed
) -> None:
    order = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    runner = start(sim, start_feed)
    await converged(runner)
    break_balances_handler_once(runner.feed, "boom")
    mark = runner.log.mark()
    sim.fill_order(order, "0.1")
    crash = await runner.log.next(FeedError, lambda e: e.error == "internal error", after=mark)
    assert "boom" in crash.detail
    await runner.log.next(OrdersUpdated, lambda e: not e.valid, after=mark)
    await converged(runner, timeout=15)
