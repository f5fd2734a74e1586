"""WS v2 public endpoint conformance over real sockets (status, acks, errors, heartbeat, book)."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from kraken_tui.sim import Simulator

PRECISION = {"BTC/USD": (1, 8), "ETH/USD": (2, 8), "MINA/GBP": (4, 8), "DOGE/USD": (7, 8)}


async def test_status_is_first_frame_on_both_endpoints(sim: Simulator, ws_connect: Any) -> None:
    for url in (sim.ws_url, sim.ws_auth_url):
        async with ws_connect(url, skip_status=False) as c:
            text = await c.recv_text()
            assert text.startswith('{"channel":"status","type":"update","data":[{"version":')
            status = json.loads(text)["data"][0]
            assert status["system"] == "online" and status["api_version"] == "v2"
            assert isinstance(status["connection_id"], int)


async def test_ack_per_symbol_alphabetical_and_req_id_only_when_sent(
        sim: Simulator, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        await c.send({"method": "subscribe", "req_id": 42, "params": {
            "channel": "ticker", "symbol": ["BTC/USD", "ETH/USD"]}})
        acks = []
        while len(acks) < 2:
            text = await c.recv_text()
            if '"method"' in text:
                acks.append(text)
        for text in acks:
            keys = list(json.loads(text))
            assert keys == sorted(keys)
            msg = json.loads(text)
            assert msg["req_id"] == 42 and msg["success"] is True
            assert msg["result"]["channel"] == "ticker" and isinstance(msg["result"]["symbol"], str)
            assert msg["time_in"].endswith("Z") and len(msg["time_in"]) == 27
        await c.send({"method": "subscribe", "params": {"channel": "trade", "symbol": ["BTC/USD"]}})
        ack = await c.wait_for(lambda m: m.get("method") == "subscribe"
                               and m["result"]["channel"] == "trade")
        assert "req_id" not in ack and ack["result"]["snapshot"] is False


@pytest.mark.parametrize(("request_", "error", "symbol"), [
    ({"channel": "book", "symbol": ["XBT/USD"]}, "Currency pair not supported XBT/USD", "XBT/USD"),
    ({"channel": "book", "symbol": ["FOO/BAR"]}, "Currency pair not supported FOO/BAR", "FOO/BAR"),
    ({"channel": "book", "symbol": ["BTC/USD"], "depth": 27},
     "Subscription depth not supported", None),
    ({"channel": "executions", "token": "x"},
     "Private data and trading are unavailable on this endpoint. Try ws-auth.kraken.com", None),
    ({"channel": "book", "symbol": ["BTC/USD"], "bogus": 1},
     "Unsupported field: 'bogus' for the given msg type: subscribe", None),
])
async def test_subscribe_errors(sim: Simulator, ws_connect: Any, request_: dict[str, Any],
                                error: str, symbol: str | None) -> None:
    async with ws_connect(sim.ws_url) as c:
        await c.send({"method": "subscribe", "params": request_, "req_id": 9})
        msg = await c.recv()
        assert msg["success"] is False and msg["error"] == error and msg["req_id"] == 9
        assert msg.get("symbol") == symbol and "result" not in msg
        # a refused subscription leaves the socket serving
        await c.send({"method": "ping", "req_id": 10})
        assert (await c.recv())["method"] == "pong"


async def test_duplicate_unsubscribe_and_wrong_host(sim: Simulator, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        await c.subscribe("book", symbol=["BTC/USD"], depth=10)
        await c.wait_for(lambda m: m.get("type") == "snapshot")
        await c.subscribe("book", symbol=["BTC/USD"], depth=25)
        dup = await c.wait_for(lambda m: "error" in m)
        assert dup["error"] == "Already subscribed" and dup["symbol"] == "BTC/USD"
        await c.send({"method": "unsubscribe", "params": {"channel": "book",
                                                          "symbol": ["ETH/USD"]}, "req_id": 5})
        nf = await c.wait_for(lambda m: "error" in m)
        assert nf["error"] == "Subscription Not Found" and nf["method"] == "subscribe"
        assert nf["symbol"] == "ETH/USD" and nf["req_id"] == 5
        await c.send({"method": "unsubscribe", "params": {"channel": "book", "symbol": ["BTC/USD"],
                                                          "depth": 10}})
        ack = await c.wait_for(lambda m: m.get("method") == "unsubscribe")
        assert ack["result"] == {"channel": "book", "depth": 10, "symbol": "BTC/USD"}
    async with ws_connect(sim.ws_auth_url) as c:
        await c.subscribe("book", symbol=["BTC/USD"])
        msg = await c.recv()
        assert msg["error"] == ("Public market data subscriptions are unavailable on this "
                                "endpoint. Try ws.kraken.com")


async def test_ping_pong_unknown_method_and_garbage(sim: Simulator, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        await c.send({"method": "ping", "req_id": 101})
        text = await c.recv_text()
        assert text.startswith('{"method":"pong","req_id":101,"time_in":')
        assert "success" not in json.loads(text)
        await c.send({"method": "ping", "params": {}, "req_id": 0})
        msg = await c.recv()
        assert msg["error"] == "Unsupported field: 'params' for the given msg type: ping"
        await c.send({"method": "frobnicate"})
        assert (await c.recv())["error"] == "Unsupported event"
        await c.send("{not json")
        assert (await c.recv())["success"] is False
        await c.send("[1,2,3]")
        assert (await c.recv())["success"] is False
        await c.ws.send(b"\xff\x00binary")
        assert (await c.recv())["success"] is False
        await c.send({"method": "ping"})
        assert list(await c.recv()) == ["method", "time_in", "time_out"]  # no req_id sent


async def test_heartbeat_every_second_despite_traffic(sim: Simulator, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        await c.send({"method": "ping"})
        await c.recv()  # no heartbeat before a subscription: the next frame is our pong
        await c.subscribe("book", symbol=["BTC/USD", "ETH/USD"], depth=10)
        loop = asyncio.get_running_loop()
        beats: list[float] = []
        others = 0
        while len(beats) < 3:
            text = await c.recv_text(timeout=3.0)
            if text == '{"channel":"heartbeat"}':
                beats.append(loop.time())
            else:
                others += 1
        assert others > len(beats)  # book traffic flowed meanwhile
        gaps = [b - a for a, b in itertools.pairwise(beats)]
        assert all(g < 2.0 for g in gaps)


async def test_idle_timeout_closes_quiet_connections() -> None:
    async with (Simulator(seed=1, order_flow=False, idle_timeout=0.3) as s,
                connect(s.ws_url) as ws):
        await asyncio.wait_for(ws.recv(), 5)
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 5)


@pytest.mark.parametrize("depth", [10, 25, 100, 500, 1000])
async def test_book_depths_checksums_and_truth(sim: Simulator, ws_connect: Any,
                                              mini_book: Any, depth: int) -> None:
    async with ws_connect(sim.ws_url) as c:
        symbols = list(PRECISION)
        await c.subscribe("book", symbol=symbols, depth=depth)
        books = {s: mini_book(depth, *PRECISION[s]) for s in symbols}
        updates = 0
        target = 120 if depth <= 100 else 40
        while updates < target:
            msg = await c.recv()
            if msg.get("channel") != "book":
                continue
            data = msg["data"][0]
            sym = data["symbol"]
            pp, qp = PRECISION[sym]
            for level in data["bids"] + data["asks"]:
                assert len(level["price"].split(".")[1]) == pp
                assert len(level["qty"].split(".")[1]) == qp
            assert books[sym].apply(data, msg["type"] == "snapshot"), msg
            if msg["type"] == "snapshot":
                assert len(data["bids"]) == len(data["asks"]) == depth
                assert data["bids"] == sorted(data["bids"], key=lambda lv: -float(lv["price"]))
            else:
                updates += 1
                assert data["timestamp"].endswith("Z")
            assert data["checksum"] in sim.sent_checksums(sym, depth)
        # quiesce: the client's book equals the exchange's truth once nothing is in flight
        ping_id = 777
        await c.send({"method": "ping", "req_id": ping_id})
        async def drain() -> None:
            while True:
                m = await c.recv()
                if m.get("channel") == "book":
                    books[m["data"][0]["symbol"]].apply(m["data"][0], False)
                if m.get("method") == "pong":
                    return
        await drain()
        for sym, book in books.items():
            bids, asks = book.levels()
            assert len(bids) == len(asks) == depth
            # any state the client holds has a checksum the exchange actually sent
            assert book.checksum() in sim.sent_checksums(sym, depth)


async def test_doge_quantities_are_large(sim: Simulator, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        await c.subscribe("book", symbol=["DOGE/USD"], depth=10)
        snap = await c.wait_for(lambda m: m.get("type") == "snapshot")
        qtys = [float(lv["qty"]) for lv in snap["data"][0]["bids"]]
        assert all(q >= 10_000 for q in qtys)
        assert snap["data"][0]["bids"][0]["price"].count(".") == 1


async def test_ticker_and_trade_from_the_same_market(sim: Simulator, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        await c.subscribe("ticker", symbol=["BTC/USD"], event_trigger="bbo")
        snap = await c.wait_for(lambda m: m.get("channel") == "ticker")
        t = snap["data"][0]
        assert float(t["bid"]) < float(t["ask"]) and t["symbol"] == "BTC/USD"
        await c.subscribe("trade", symbol=["BTC/USD"], snapshot=True)
        trades = await c.wait_for(lambda m: m.get("channel") == "trade" and m["type"] == "update",
                                  timeout=10)
        entry = trades["data"][0]
        assert entry["side"] in ("buy", "sell") and isinstance(entry["trade_id"], int)
        assert len(entry["qty"].split(".")[1]) == 8


async def test_instrument_snapshot_and_pair_status_update(sim: Simulator, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        await c.send({"method": "subscribe", "params": {"channel": "instrument"}, "req_id": 79})
        ack = await c.recv()
        assert ack["result"]["channel"] == "instrument" and ack["req_id"] == 79
        snap = await c.wait_for(lambda m: m.get("channel") == "instrument")
        assert snap["type"] == "snapshot" and isinstance(snap["data"], dict)
        pairs = {p["symbol"]: p for p in snap["data"]["pairs"]}
        assert (pairs["DOGE/USD"]["price_precision"], pairs["DOGE/USD"]["qty_precision"]) == (7, 8)
        assert {"BTC", "USD", "DOGE"} <= {a["id"] for a in snap["data"]["assets"]}
        assert "SYN01/USD" in pairs
        sim.faults.set_pair_status("ETH/USD", "limit_only")
        upd = await c.wait_for(lambda m: m.get("channel") == "instrument")
        assert upd["type"] == "update"
        assert upd["data"]["pairs"][0]["symbol"] == "ETH/USD"
        assert upd["data"]["pairs"][0]["status"] == "limit_only"


GARBAGE: list[str | bytes] = [
    "", "null", "42", '"str"', "[" * 50_000, '{"method": 5}', '{"method": null}',
    '{"method":"subscribe"}', '{"method":"subscribe","params":[]}',
    '{"method":"subscribe","params":{"channel":["book"]}}',
    '{"method":"subscribe","params":{"channel":"book","symbol":[{}, 1, null],"depth":[10]}}',
    '{"method":"subscribe","params":{"channel":"book","symbol":"BTC/USD","depth":true}}',
    '{"method":"subscribe","params":{"channel":"executions","token":{"a":1}}}',
    '{"method":"unsubscribe","params":{"channel":"instrument"}}',
    '{"method":"cancel_order","params":{"token":"x"}}', '{"method":"ping","req_id":"x"}',
    '{"method":"ping","req_id":1e400}', b"\x00\x01\x02", "\ud800".encode("utf-8", "surrogatepass"),
]


async def test_garbage_gets_error_frames_and_service_continues(sim: Simulator,
                                                               ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        for junk in GARBAGE:
            await c.ws.send(junk)
            reply = await c.recv()
            assert reply.get("success") is False or reply.get("method") == "pong", (junk, reply)
        await c.subscribe("book", symbol=["BTC/USD"], depth=10)
        assert (await c.wait_for(lambda m: m.get("type") == "snapshot"))["channel"] == "book"
