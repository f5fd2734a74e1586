"""Guarded cancels through the real feed against the simulator (issue 16): WS when the
private socket is live, REST when it is down, deadlines, de-dup, maintenance."""

from __future__ import annotations

import json

from kraken_tui.feed.cancels import MAINTENANCE_NOTE
from kraken_tui.feed.events import (
    CancelFinished,
    CancelOutcome,
    ConnectionChanged,
    OrdersUpdated,
    Reconciled,
    SystemStatusChanged,
)
from kraken_tui.kraken.models import Order
from kraken_tui.sim import Simulator
from tests.feed.conftest import config_for
from tests.harness import FeedRunner, FeedStarter


def start(sim: Simulator, start_feed: FeedStarter) -> FeedRunner:
    return start_feed(config_for(sim, symbols=("BTC/USD",)))


async def live_with(runner: FeedRunner, sim: Simulator, ids: set[str]) -> dict[str, Order]:
    """Private live and every order in ``ids`` known to the feed; the known orders."""
    account = runner.feed.account
    await runner.log.wait(
        lambda: runner.feed.handshake.live and account.orders_valid
        and ids <= {o.order_id for o in account.orders.orders()},
        what="the private side live with the orders")
    return {o.order_id: o for o in account.orders.orders()}


def outcomes(runner: FeedRunner, after: int = 0) -> dict[str, CancelOutcome]:
    return {e.order_id: e for e in runner.log.events[after:] if isinstance(e, CancelOutcome)}


async def finished(runner: FeedRunner, after: int = 0, timeout: float = 10.0) -> CancelFinished:
    return await runner.log.next(CancelFinished, after=after, timeout=timeout)


async def private_down(runner: FeedRunner, sim: Simulator) -> None:
    """The private socket drops and stays down (no token is issued); REST still answers."""
    sim.faults.rest_error("GetWebSocketsToken", "EService:Unavailable", count=10_000)
    mark = runner.log.mark()
    sim.faults.drop_connections("private")
    await runner.log.next(ConnectionChanged, lambda e: e.endpoint == "private"
                          and e.state == "disconnected", after=mark)
    assert not runner.feed.handshake.live


async def test_single_cancel_over_ws_then_the_stream_closes_the_order(
        sim: Simulator, start_feed) -> None:
    oid = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    keep = sim.place_order("BTC/USD", "sell", "0.2", "99000.0")
    runner = start(sim, start_feed)
    known = await live_with(runner, sim, {oid, keep})
    mark = runner.log.mark()
    runner.feed.request_cancel([oid], [known[oid]])
    done = await finished(runner, mark)
    (outcome,) = outcomes(runner, mark).values()
    assert (outcome.order_id, outcome.outcome, outcome.via) == (oid, "cancelled", "ws")
    assert (outcome.symbol, outcome.side, str(outcome.qty)) == ("BTC/USD", "buy", "0.50000000")
    assert (done.method, done.orders, done.cancelled, done.ok) == ("cancel_order", 1, 1, True)
    assert runner.feed.cancels.sent == {"ws": 1}
    await runner.log.next(OrdersUpdated, lambda e: oid not in {o.order_id for o in e.orders},
                          after=mark)
    assert set(sim.truth_open_orders()) == {keep}
    line = json.loads(json.dumps(outcome.to_json()))
    assert (line["event"], line["outcome"], line["qty"]) == ("cancel", "cancelled", "0.50000000")


async def test_cancel_all_across_symbols_reports_each_order(sim: Simulator, start_feed) -> None:
    ids = {sim.place_order("BTC/USD", "buy", "0.1", "30000.0"),
           sim.place_order("ETH/USD", "sell", "2", "9000.00"),
           sim.place_order("DOGE/USD", "buy", "100000", "0.0500000"),
           sim.place_order("MINA/GBP", "sell", "10", "5.0000")}
    runner = start(sim, start_feed)
    known = await live_with(runner, sim, ids)
    mark = runner.log.mark()
    runner.feed.request_cancel(None, list(known.values()))
    done = await finished(runner, mark)
    got = outcomes(runner, mark)
    assert set(got) == ids and {o.outcome for o in got.values()} == {"cancelled"}
    assert {o.symbol for o in got.values()} == {"BTC/USD", "ETH/USD", "DOGE/USD", "MINA/GBP"}
    assert (done.method, done.via, done.count, done.cancelled, done.ok) == (
        "cancel_all", "ws", 4, 4, True)
    assert sim.truth_open_orders() == {} and runner.feed.cancels.sent == {"ws": 1}
    await runner.log.wait(lambda: not runner.feed.account.orders.orders(), what="table empty")


async def test_unknown_id_is_rejected_and_a_known_gone_order_is_already_gone(
        sim: Simulator, start_feed) -> None:
    gone = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    live = sim.place_order("BTC/USD", "buy", "0.3", "30001.0")
    runner = start(sim, start_feed)
    known = await live_with(runner, sim, {gone, live})
    sim.fill_order(gone)  # filled after the user picked it
    mark = runner.log.mark()
    runner.feed.request_cancel(["OBOGUS-AAAAA-BBBBBB", gone, live],
                               [known[gone], known[live]])
    done = await finished(runner, mark)
    got = outcomes(runner, mark)
    assert got[live].outcome == "cancelled"
    assert (got[gone].outcome, got[gone].error) == ("already_gone", "EOrder:Unknown order")
    bogus = got["OBOGUS-AAAAA-BBBBBB"]
    assert (bogus.outcome, bogus.error, bogus.symbol) == ("rejected", "EOrder:Unknown order",
                                                          None)
    assert (done.cancelled, done.already_gone, done.rejected, done.ok) == (1, 1, 1, False)


async def test_private_socket_down_cancels_over_rest_and_reconciles(
        sim: Simulator, start_feed) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    b = sim.place_order("ETH/USD", "sell", "1", "9000.00")
    c = sim.place_order("BTC/USD", "sell", "0.1", "99000.0")
    runner = start(sim, start_feed)
    known = await live_with(runner, sim, {a, b, c})
    await private_down(runner, sim)
    sim.faults.rest_error("OpenOrders", "EService:Unavailable", count=1)
    mark = runner.log.mark()
    runner.feed.request_cancel([a], [known[a]])
    await finished(runner, mark)
    assert outcomes(runner, mark)[a].via == "rest"
    assert outcomes(runner, mark)[a].outcome == "cancelled"
    # No stream: REST's own answer takes the order off the table, without waiting for
    # the REST cross-check that follows (here OpenOrders fails once: it comes later).
    await runner.log.next(OrdersUpdated, lambda e: a not in {o.order_id for o in e.orders},
                          after=mark)
    assert not [e for e in runner.log.events[mark:] if isinstance(e, Reconciled)]
    assert {b, c} <= {o.order_id for o in runner.feed.account.orders.orders()}
    await runner.log.next(Reconciled, lambda e: e.reason == "cancel", after=mark)
    assert a not in {o.order_id for o in runner.feed.account.orders.orders()}
    mark = runner.log.mark()
    runner.feed.request_cancel(None, [known[b], known[c]])
    done = await finished(runner, mark)
    assert (done.method, done.via, done.count, done.cancelled) == ("cancel_all", "rest", 2, 2)
    assert runner.feed.cancels.sent == {"rest": 2} and sim.truth_open_orders() == {}
    await runner.log.wait(lambda: not runner.feed.account.orders.orders(), what="table empty")


async def test_maintenance_sends_nothing_cancel_only_and_post_only_proceed(
        sim: Simulator, start_feed) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    b = sim.place_order("BTC/USD", "buy", "0.4", "30001.0")
    runner = start(sim, start_feed)
    known = await live_with(runner, sim, {a, b})
    for status, oid in (("cancel_only", a), ("post_only", b)):
        mark = runner.log.mark()
        sim.faults.set_system_status(status)
        await runner.log.next(SystemStatusChanged, lambda e, s=status: e.system == s, after=mark)
        runner.feed.request_cancel([oid], [known[oid]])
        await finished(runner, mark)
        assert outcomes(runner, mark)[oid].outcome == "cancelled"
    c = sim.place_order("BTC/USD", "buy", "0.3", "30002.0")
    known = await live_with(runner, sim, {c})
    mark = runner.log.mark()
    sim.faults.start_maintenance()
    await runner.log.wait(lambda: runner.feed.system_status == "maintenance", what="maintenance")
    sent = dict(runner.feed.cancels.sent)
    runner.feed.request_cancel([c], [known[c]])
    done = await finished(runner, mark)
    assert (outcomes(runner, mark)[c].outcome, outcomes(runner, mark)[c].via) == (
        "rejected", "none")
    assert outcomes(runner, mark)[c].error == MAINTENANCE_NOTE
    assert done.rejected == 1 and runner.feed.cancels.sent == sent  # nothing went out
    assert c in sim.truth_open_orders()


async def test_lost_ws_reply_is_unknown_then_reconciled(sim: Simulator, start_feed) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    runner = start(sim, start_feed)
    known = await live_with(runner, sim, {a})
    runner.feed.cancels.deadline = 0.5
    sim.faults.lose_cancel_replies(1)
    mark = runner.log.mark()
    runner.feed.request_cancel([a], [known[a]])
    done = await finished(runner, mark)
    outcome = outcomes(runner, mark)[a]
    assert (outcome.outcome, outcome.via) == ("unknown", "ws")
    assert outcome.error.startswith("no reply within 0.5s")
    assert "executions stream reports it canceled" in outcome.error  # news, not a guess
    assert done.unknown == 1 and not done.ok
    await runner.log.next(Reconciled, lambda e: e.reason == "cancel", after=mark)
    assert runner.feed.cancels.sent == {"ws": 1}  # never retried over REST
    assert a not in {o.order_id for o in runner.feed.account.orders.orders()}


async def test_lost_rest_reply_is_unknown_then_reconciled(sim: Simulator, start_feed) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    runner = start(sim, start_feed)
    known = await live_with(runner, sim, {a})
    await private_down(runner, sim)
    runner.feed.cancels.deadline = 0.5
    sim.faults.lose_rest_replies("CancelOrder", 1)
    mark = runner.log.mark()
    runner.feed.request_cancel([a], [known[a]])
    await finished(runner, mark)
    outcome = outcomes(runner, mark)[a]
    assert (outcome.outcome, outcome.via, outcome.error) == (
        "unknown", "rest", "no REST answer within 0.5s")
    await runner.log.next(Reconciled, lambda e: e.reason == "cancel", after=mark)
    await runner.log.wait(lambda: not runner.feed.account.orders.orders(),
                          what="the reconcile drops the order the lost call cancelled")
    assert sim.truth_open_orders() == {}


async def test_a_burst_of_requests_sends_one(sim: Simulator, start_feed) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    runner = start(sim, start_feed)
    known = await live_with(runner, sim, {a})
    mark = runner.log.mark()
    for _ in range(5):
        runner.feed.request_cancel([a], [known[a]])
    for _ in range(3):
        runner.feed.request_cancel(None, [known[a]])
    await runner.log.wait(lambda: len(runner.log.of(CancelFinished)) >= 2, what="two requests")
    assert [o.order_id for o in runner.log.events[mark:] if isinstance(o, CancelOutcome)] == [a]
    # The first cancel_all went out (the panic button is never held back) without `a`, which
    # was already in flight; the other two were dropped while it was.
    assert sorted((f.method, f.orders) for f in runner.log.of(CancelFinished)) == [
        ("cancel_all", 0), ("cancel_order", 1)]
    assert runner.feed.cancels.sent == {"ws": 2}


async def test_no_event_carries_the_secret_or_the_token(sim: Simulator, start_feed) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "30000.0")
    runner = start(sim, start_feed)
    known = await live_with(runner, sim, {a})
    runner.feed.request_cancel([a], [known[a]])
    await finished(runner)
    text = "\n".join(repr(e) + json.dumps(e.to_json(), default=str) for e in runner.log.events)
    assert sim.api_secret not in text
    assert all(token not in text for token in sim.tokens)


async def test_a_refused_token_backs_off_instead_of_retrying_every_second(
        sim: Simulator, start_feed: FeedStarter) -> None:
    """Found with the REST path's benchmark: the last session's snapshots counted as
    delivered, so every failed token fetch reset the backoff."""
    runner = start(sim, start_feed)
    await live_with(runner, sim, set())
    mark = runner.log.mark()
    await private_down(runner, sim)
    await runner.log.wait(
        lambda: any(isinstance(e, ConnectionChanged) and e.endpoint == "private"
                    and e.state == "backoff" and e.attempt >= 3
                    for e in runner.log.events[mark:]),
        timeout=15, what="the third failure in a row, backing off")


async def test_private_rest_calls_reach_kraken_in_nonce_order(sim: Simulator) -> None:
    """A cancel beside a reconcile and a token fetch: one private call on the wire at a
    time, so Kraken sees the nonces in order (two in flight can arrive swapped: the
    benchmark's token fetch got EAPI:Invalid nonce beside a REST cancel)."""
    import asyncio

    from kraken_tui.feed.rest import KrakenRest

    rest = KrakenRest(sim.rest_url, sim.api_key, sim.api_secret)
    post = rest._client.post
    on_wire, most = 0, 0

    async def counted(*args: object, **kwargs: object) -> object:
        nonlocal on_wire, most
        on_wire += 1
        most = max(most, on_wire)
        try:
            return await post(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            on_wire -= 1

    rest._client.post = counted  # type: ignore[method-assign]
    try:
        results = await asyncio.gather(*[rest.private(m) for m in
                                         ("OpenOrders", "GetWebSocketsToken", "Balance") * 8],
                                       return_exceptions=True)
    finally:
        await rest.aclose()
    assert not [r for r in results if isinstance(r, Exception)]
    assert most == 1
