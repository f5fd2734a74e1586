"""Each fault, observed from a real client socket."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from kraken_tui.sim import Simulator, SimulatorThread, faults


async def _drain_until_closed(c: Any) -> ConnectionClosed:
    try:
        while True:
            await asyncio.wait_for(c.ws.recv(), 5)
    except ConnectionClosed as exc:
        return exc


async def test_drop_is_abrupt_without_close_frame(sim: Simulator, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as pub, ws_connect(sim.ws_auth_url) as priv:
        await pub.subscribe("book", symbol=["BTC/USD"])
        await pub.wait_for(lambda m: m.get("type") == "snapshot")
        assert sim.faults.drop_connections("public") == 1
        exc = await _drain_until_closed(pub)
        assert exc.rcvd is None  # no close frame from the server
        await priv.send({"method": "ping", "req_id": 1})
        assert (await priv.recv())["method"] == "pong"  # other endpoint untouched


async def test_stall_holds_frames_then_resumes(sim: Simulator, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        loop = asyncio.get_running_loop()
        sim.faults.stall(0.8)
        start = loop.time()
        await c.send({"method": "ping", "req_id": 5})
        pong = await c.wait_for(lambda m: m.get("method") == "pong")
        assert pong["req_id"] == 5
        assert loop.time() - start >= 0.7  # nothing left the server during the stall
        await c.send({"method": "ping", "req_id": 6})
        assert (await c.wait_for(lambda m: m.get("method") == "pong"))["req_id"] == 6


async def test_maintenance_window(sim: Simulator, ws_connect: Any, rest: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        await c.subscribe("book", symbol=["BTC/USD"])
        await c.wait_for(lambda m: m.get("type") == "snapshot")
        sim.faults.start_maintenance()
        status = await c.wait_for(lambda m: m.get("channel") == "status")
        assert status["data"][0]["system"] == "maintenance"
        exc = await _drain_until_closed(c)
        assert exc.rcvd is not None and exc.rcvd.code == 1013
    with pytest.raises(InvalidStatus) as refused:
        async with connect(sim.ws_url):
            pass
    assert refused.value.response.status_code == 503
    assert (await rest.public("SystemStatus"))["result"]["status"] == "maintenance"
    resp = await rest.private("AddOrder", pair="XBTUSD", type="buy", price="1", volume="1")
    assert resp == {"error": ["EService:Unavailable"]}
    sim.faults.end_maintenance()
    async with ws_connect(sim.ws_url, skip_status=False) as c:
        assert (await c.recv())["data"][0]["system"] == "online"
    assert (await rest.public("SystemStatus"))["result"]["status"] == "online"


async def test_awaitable_maintenance_and_status_pushes(sim: Simulator, ws_connect: Any,
                                                       rest: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        for status in ("cancel_only", "post_only", "online"):
            sim.faults.set_system_status(status)
            msg = await c.wait_for(lambda m: m.get("channel") == "status")
            assert msg["data"][0]["system"] == status
    sim.faults.set_system_status("cancel_only")
    resp = await rest.private("AddOrder", pair="XBTUSD", type="buy", price="1", volume="1")
    assert resp == {"error": ["EService:Market in cancel_only mode"]}
    sim.faults.set_system_status("online")
    await sim.faults.maintenance(0.05)
    assert sim.system_status == "online"


async def test_one_corrupted_checksum(sim: Simulator, ws_connect: Any, mini_book: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        await c.subscribe("book", symbol=["BTC/USD"], depth=10)
        book = mini_book(10, 1, 8)
        snap = await c.wait_for(lambda m: m.get("type") == "snapshot")
        assert book.apply(snap["data"][0], True)
        sim.faults.corrupt_next_checksum("BTC/USD")
        results = []
        while len(results) < 30:
            msg = await c.wait_for(lambda m: m.get("channel") == "book")
            ok = book.apply(msg["data"][0], False)
            results.append(ok)
            if not ok:  # the data was true: our state is one the exchange published
                assert book.checksum() in sim.sent_checksums("BTC/USD", 10)
        assert results.count(False) == 1


async def test_reject_next_subscribe_and_send_raw(sim: Simulator, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        sim.faults.reject_next_subscribe("book", "ETH/USD", error="EGeneral:Internal error")
        await c.subscribe("book", symbol=["ETH/USD"])
        msg = await c.recv()
        assert msg["error"] == "EGeneral:Internal error" and msg["symbol"] == "ETH/USD"
        await c.subscribe("book", symbol=["ETH/USD"])
        assert (await c.recv())["success"] is True
        assert sim.faults.send_raw('{"garbage":') == 1

        async def raw_arrives() -> None:
            while await c.ws.recv() != '{"garbage":':
                pass

        await asyncio.wait_for(raw_arrives(), 5)  # delivered verbatim, interleaved with the book


async def test_rest_faults(sim: Simulator, rest: Any) -> None:
    sim.faults.rest_error("Balance", "EService:Unavailable")
    assert await rest.private("Balance") == {"error": ["EService:Unavailable"]}
    assert (await rest.private("Balance"))["error"] == []
    sim.faults.rate_limit(2)
    for _ in range(2):
        assert await rest.private("Balance") == {"error": ["EAPI:Rate limit exceeded"]}
    assert (await rest.private("Balance"))["error"] == []
    sim.faults.rest_latency(0.3)
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert (await rest.public("Time"))["error"] == []
    assert loop.time() - start >= 0.3
    sim.faults.rest_latency(0)


async def test_burst_over_synthetic_symbols(sim: Simulator, ws_connect: Any,
                                            mini_book: Any) -> None:
    symbols = [f"SYN{i:02d}/USD" for i in range(1, 21)]
    async with ws_connect(sim.ws_url) as c:
        await c.subscribe("book", symbol=symbols, depth=10)
        books = {s: mini_book(10, 4, 8) for s in symbols}
        sim.faults.burst(2000)
        updates = 0
        while updates < 600:
            msg = await c.wait_for(lambda m: m.get("channel") == "book")
            data = msg["data"][0]
            assert books[data["symbol"]].apply(data, msg["type"] == "snapshot")
            updates += msg["type"] == "update"
        sim.faults.stop_burst()


async def test_trade_burst_prints_at_book_levels(ws_connect: Any, mini_book: Any) -> None:
    """200 trades/s on BTC/USD: trade frames of a few takers each, trade_ids rising, every
    price a level of the book frame before (the market is quiet, so only the burst moves
    it), the book's checksums still good; a ``seconds`` burst prints exactly its due."""
    async with Simulator(seed=7, order_flow=False, updates_per_second=0.01) as sim, \
            ws_connect(sim.ws_url) as c:
        await c.subscribe("book", symbol=["BTC/USD"], depth=10)
        book = mini_book(10, 1, 8)
        assert book.apply((await c.wait_for(lambda m: m.get("type") == "snapshot"))["data"][0],
                          True)
        await c.subscribe("trade", symbol=["BTC/USD"])
        await c.wait_for(lambda m: m.get("method") == "subscribe" and m["success"]
                         and m["result"]["channel"] == "trade")
        before = book.levels()
        last_id = 0

        async def read(until: int) -> tuple[int, int]:
            """Trades and trade frames until ``until`` trades; checks each as it comes."""
            nonlocal before, last_id
            trades = frames = 0
            while trades < until:
                msg = await c.recv()
                if msg.get("channel") == "book":
                    before = book.levels()
                    assert book.apply(msg["data"][0], False)
                elif msg.get("channel") == "trade":
                    assert msg["type"] == "update"
                    frames += 1
                    for t in msg["data"]:
                        assert t["symbol"] == "BTC/USD" and t["trade_id"] > last_id
                        last_id = t["trade_id"]
                        bids, asks = before
                        side = asks if t["side"] == "buy" else bids  # a buyer lifts an ask
                        assert t["price"] in {price for price, _ in side}, (t, before)
                        trades += 1
            return trades, frames

        sim.faults.trade_burst(200, "BTC/USD")
        trades, frames = await asyncio.wait_for(read(400), 30)  # ~2 s at 200/s
        sim.faults.stop_trade_burst()
        assert frames < trades  # several takers share a frame, as on Kraken
        await c.send({"method": "ping", "req_id": 1})  # what the stopped burst had sent
        await c.wait_for(lambda m: m.get("method") == "pong")

        sim.faults.trade_burst(200, "BTC/USD", seconds=0.25)
        assert (await asyncio.wait_for(read(50), 30))[0] == 50
        await c.send({"method": "ping", "req_id": 2})
        rest = await c.wait_for(lambda m: m.get("channel") == "trade"
                                or m.get("method") == "pong")
        assert rest["method"] == "pong"  # it stopped by itself at 0.25 s * 200/s = 50 trades


async def test_private_sequence_gap_on_balances(sim: Simulator, rest: Any, ws_connect: Any) -> None:
    token = (await rest.private("GetWebSocketsToken"))["result"]["token"]
    async with ws_connect(sim.ws_auth_url) as c:
        await c.subscribe("balances", token=token)
        await c.wait_for(lambda m: m.get("type") == "snapshot")
        sim.faults.skip_sequence("balances")
        oid = sim.place_order("ETH/USD", "buy", "1", "3000.00")
        sim.fill_order(oid)
        a = await c.wait_for(lambda m: m.get("channel") == "balances")
        b = await c.wait_for(lambda m: m.get("channel") == "balances")
        assert (a["sequence"], b["sequence"]) == (3, 4)


def test_simulator_thread_is_callable_from_other_threads() -> None:
    from websockets.sync.client import connect as sync_connect

    with SimulatorThread(seed=4, order_flow=False) as handle:
        sim = handle.sim
        oid = sim.place_order("BTC/USD", "buy", "0.1", "50000.0")
        assert oid in sim.truth_open_orders()
        bids, asks = sim.truth_book("BTC/USD", 25)
        assert len(bids) == len(asks) == 25
        assert handle.call(lambda: sim.system_status) == "online"
        with sync_connect(sim.ws_url) as ws:
            assert '"status"' in str(ws.recv(timeout=5))
            assert sim.faults.drop_connections() == 1
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=5)
        handle.run(sim.faults.maintenance(0.05))
        assert handle.call(lambda: sim.system_status) == "online"


def test_the_fault_injector_only_calls_methods_of_the_hub_and_rest_app() -> None:
    """faults.py steers the hub, the REST app and the simulator through their methods, so
    their state stays theirs: every ``self.sim.hub.X`` / ``self.sim.rest.X`` is a call."""
    tree = ast.parse(Path(faults.__file__).read_text())
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    reached_into = [
        ast.unparse(node) for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and ((ast.unparse(node.value) in ("self.sim.hub", "self.sim.rest")
              and id(node) not in called) or ast.unparse(node) == "self.sim.tokens")
    ]
    assert reached_into == []
