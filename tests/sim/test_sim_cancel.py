"""Cancels on the simulator over real sockets (issue 16 groundwork): WS cancel_order and
cancel_all (§16), REST CancelOrder and CancelAll (§17), maintenance, and lost replies (WS
and REST).

Every frame and REST answer a test sees is kept, and none may contain the API secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from kraken_tui.sim import Simulator
from tests.sim.conftest import TIMEOUT, Rest, WsClient

Frames = list[dict[str, Any]]


class Session:
    """An auth-endpoint client subscribed to executions that keeps every frame it reads."""

    def __init__(self, client: WsClient, token: str) -> None:
        self.client, self.token = client, token
        self.frames: Frames = []
        self.texts: list[str] = []

    async def send(self, method: str, req_id: int, **params: Any) -> None:
        await self.client.send({"method": method, "params": {**params, "token": self.token},
                                "req_id": req_id})

    async def until(self, done: Callable[[Frames], bool], timeout: float = TIMEOUT) -> None:
        """Read frames until ``done(frames)`` holds; fail after ``timeout`` seconds."""

        async def read() -> None:
            while not done(self.frames):
                text = await self.client.recv_text(timeout)
                self.texts.append(text)
                self.frames.append(json.loads(text, parse_float=str))

        await asyncio.wait_for(read(), timeout)

    def replies(self, method: str, req_id: int) -> Frames:
        return [f for f in self.frames if f.get("method") == method and f.get("req_id") == req_id]

    def canceled(self) -> Frames:
        return [r for f in self.frames if f.get("channel") == "executions"
                and f.get("type") == "update" for r in f["data"] if r["exec_type"] == "canceled"]

    async def barrier(self, req_id: int) -> Frames:
        """Ping and wait for its pong: every frame the server sent before it has been read."""
        await self.client.send({"method": "ping", "req_id": req_id})
        await self.until(lambda fs: any(f.get("method") == "pong" and f.get("req_id") == req_id
                                        for f in fs))
        return self.frames


async def _token(rest: Rest) -> str:
    return str((await rest.private("GetWebSocketsToken"))["result"]["token"])


@contextlib.asynccontextmanager
async def session(sim: Simulator, rest: Rest, ws_connect: Any) -> AsyncIterator[Session]:
    token = await _token(rest)
    async with ws_connect(sim.ws_auth_url) as client:
        s = Session(client, token)
        await client.subscribe("executions", token=token, snap_orders=True)
        await s.until(lambda fs: any(f.get("type") == "snapshot" for f in fs))
        yield s
        assert all(sim.api_secret not in t for t in s.texts)


def _no_secret(sim: Simulator, *answers: dict[str, Any]) -> None:
    assert all(sim.api_secret not in json.dumps(a) for a in answers)


def _is_canceled_report(report: dict[str, Any], oid: str) -> bool:
    return (report["order_id"] == oid and report["order_status"] == "canceled"
            and report["reason"] == "User requested")


async def test_single_cancel_replies_once_and_streams_the_execution(
        sim: Simulator, rest: Rest, ws_connect: Any) -> None:
    oid = sim.place_order("BTC/USD", "buy", "0.5", "60000.0")
    keep = sim.place_order("BTC/USD", "buy", "0.1", "59000.0")
    async with session(sim, rest, ws_connect) as s:
        await s.send("cancel_order", 11, order_id=[oid])
        await s.until(lambda fs: bool(s.replies("cancel_order", 11)) and bool(s.canceled()))
        (reply,) = s.replies("cancel_order", 11)
        assert list(reply) == sorted(reply)  # server 2.0.x: alphabetical keys
        assert {k: reply[k] for k in ("method", "req_id", "result", "success")} == {
            "method": "cancel_order", "req_id": 11, "result": {"order_id": oid}, "success": True}
        assert reply["time_in"] <= reply["time_out"] and "error" not in reply
        (report,) = s.canceled()
        assert _is_canceled_report(report, oid)
        assert set(sim.truth_open_orders()) == {keep}
        await s.barrier(12)
        assert len(s.replies("cancel_order", 11)) == 1 and len(s.canceled()) == 1


async def test_multi_id_cancel_one_reply_per_id_unknown_ids_fail(
        sim: Simulator, rest: Rest, ws_connect: Any) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "60000.0")
    b = sim.place_order("ETH/USD", "sell", "1", "3500.00")
    done = sim.place_order("ETH/USD", "sell", "1", "3600.00")
    sim.cancel_order(done)
    other = sim.add_account()
    theirs = sim.place_order("BTC/USD", "buy", "0.1", "50000.0", account=other)
    ids = [a, "OUNKNW-NOTAN-ORDER1", b, done, theirs]
    async with session(sim, rest, ws_connect) as s:
        await s.send("cancel_order", 21, order_id=ids)
        await s.until(lambda fs: len(s.replies("cancel_order", 21)) == 5 and len(s.canceled()) == 2)
        replies = s.replies("cancel_order", 21)
        ok = [r["result"]["order_id"] for r in replies if r["success"]]
        assert ok == [b, a]  # reverse request order, as Kraken's example: pair by id only
        failed = [r for r in replies if not r["success"]]
        assert len(failed) == 3
        assert all(r["error"] == "EOrder:Unknown order" and "result" not in r for r in failed)
        assert sorted(r["order_id"] for r in s.canceled()) == sorted([a, b])
        assert all(r["order_status"] == "canceled" for r in s.canceled())
        assert set(sim.truth_open_orders(other)) == {theirs}  # another account's order stays
        assert sim.truth_open_orders() == {}


async def test_cancel_all_across_symbols_counts_and_streams_each(
        sim: Simulator, rest: Rest, ws_connect: Any) -> None:
    ids = {sim.place_order("BTC/USD", "buy", "0.5", "60000.0"),
           sim.place_order("ETH/USD", "sell", "2", "3200.00"),
           sim.place_order("MINA/GBP", "buy", "100", "0.4000"),
           sim.place_order("DOGE/USD", "sell", "250000", "0.1300000")}
    other = sim.add_account()
    theirs = sim.place_order("BTC/USD", "buy", "0.1", "50000.0", account=other)
    async with session(sim, rest, ws_connect) as s:
        await s.send("cancel_all", 31)
        await s.until(lambda fs: bool(s.replies("cancel_all", 31)) and len(s.canceled()) == 4)
        (reply,) = s.replies("cancel_all", 31)
        assert reply["success"] is True and reply["result"] == {"count": 4}
        assert {r["order_id"] for r in s.canceled()} == ids
        assert all(_is_canceled_report(r, r["order_id"]) for r in s.canceled())
        sequences = [f["sequence"] for f in s.frames if f.get("channel") == "executions"]
        assert sequences == list(range(1, 6))
        assert sim.truth_open_orders() == {}
        assert set(sim.truth_open_orders(other)) == {theirs}
        await s.send("cancel_all", 32)
        await s.until(lambda fs: bool(s.replies("cancel_all", 32)))
        assert s.replies("cancel_all", 32)[0]["result"] == {"count": 0}


async def test_cancels_need_a_valid_token_the_auth_host_and_trade_permission(
        sim: Simulator, rest: Rest, ws_connect: Any, rest_factory: Any) -> None:
    oid = sim.place_order("BTC/USD", "buy", "0.5", "60000.0")
    weak = sim.add_account(permissions={"websocket", "query_orders"})
    weak_rest = rest_factory(sim, weak)
    weak_token = await _token(weak_rest)
    await weak_rest.aclose()
    async with ws_connect(sim.ws_auth_url) as c:
        for rid, params in enumerate(({"order_id": [oid]}, {"order_id": [oid], "token": "bad"},
                                      {"order_id": [oid], "token": weak_token}), start=1):
            await c.send({"method": "cancel_order", "params": params, "req_id": rid})
            msg = await c.wait_for(lambda m: m.get("req_id") == rid)  # noqa: B023
            assert msg["success"] is False
            assert msg["error"] == ("EGeneral:Permission denied" if rid == 3
                                    else "ESession:Invalid session")
        await c.send({"method": "cancel_order", "params": {"order_id": [oid], "token": "x",
                                                            "bogus": 1}, "req_id": 4})
        msg = await c.wait_for(lambda m: m.get("req_id") == 4)
        assert msg["error"] == "Unsupported field: 'bogus' for the given msg type: cancel_order"
        await c.send({"method": "cancel_order", "params": {"token": "x"}, "req_id": 5})
        assert (await c.wait_for(lambda m: m.get("req_id") == 5))["success"] is False
    async with ws_connect(sim.ws_url) as c:
        await c.send({"method": "cancel_all", "params": {"token": "x"}, "req_id": 6})
        msg = await c.wait_for(lambda m: m.get("req_id") == 6)
        assert msg["error"].startswith("Private data and trading are unavailable")
    assert set(sim.truth_open_orders()) == {oid}


async def test_maintenance_refuses_cancels_cancel_only_and_post_only_allow_them(
        sim: Simulator, rest: Rest, ws_connect: Any) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "60000.0")
    b = sim.place_order("ETH/USD", "sell", "2", "3200.00")
    c = sim.place_order("MINA/GBP", "buy", "100", "0.4000")
    async with session(sim, rest, ws_connect) as s:
        # the status is pushed first; sockets stay open in this window (the fault closes them)
        sim.set_system_status("maintenance")
        await s.until(lambda fs: any(f.get("channel") == "status"
                                     and f["data"][0]["system"] == "maintenance" for f in fs))
        await s.send("cancel_order", 41, order_id=[a, b])
        await s.send("cancel_all", 42)
        await s.until(lambda fs: len(s.replies("cancel_order", 41)) == 2
                      and bool(s.replies("cancel_all", 42)))
        for r in [*s.replies("cancel_order", 41), *s.replies("cancel_all", 42)]:
            assert r["success"] is False and r["error"] == "EService:Unavailable"
        maint = await rest.private("CancelOrder", txid=a)
        assert maint == {"error": ["EService:Unavailable"]}
        assert await rest.private("CancelAll") == {"error": ["EService:Unavailable"]}
        await s.barrier(43)
        assert s.canceled() == [] and set(sim.truth_open_orders()) == {a, b, c}

        sim.set_system_status("cancel_only")
        await s.send("cancel_order", 44, order_id=[a])
        await s.until(lambda fs: bool(s.replies("cancel_order", 44)))
        assert s.replies("cancel_order", 44)[0]["result"] == {"order_id": a}
        assert (await rest.private("CancelOrder", txid=b))["result"] == {"count": 1}
        sim.set_system_status("post_only")
        await s.send("cancel_all", 45)
        await s.until(lambda fs: bool(s.replies("cancel_all", 45)) and len(s.canceled()) == 3)
        assert s.replies("cancel_all", 45)[0]["result"] == {"count": 1}
        assert sim.truth_open_orders() == {}
        _no_secret(sim, maint)


async def test_rest_cancel_order_and_cancel_all(sim: Simulator, rest: Rest,
                                                ws_connect: Any) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "60000.0")
    async with session(sim, rest, ws_connect) as s:
        answers = [await rest.private("CancelOrder", txid=a)]
        assert answers[-1] == {"error": [], "result": {"count": 1}}
        await s.until(lambda fs: len(s.canceled()) == 1)
        assert _is_canceled_report(s.canceled()[0], a)
        answers.append(await rest.private("CancelOrder", txid=a))  # already cancelled
        answers.append(await rest.private("CancelOrder", txid="OUNKNW-NOTAN-ORDER1"))
        assert answers[-2] == answers[-1] == {"error": ["EOrder:Unknown order"]}
        answers.append(await rest.private("CancelOrder"))
        assert answers[-1] == {"error": ["EGeneral:Invalid arguments:txid"]}

        added = []
        for pair, userref, cl in (("XBTUSD", 42, None), ("ETHUSD", 42, None),
                                  ("XBTUSD", 7, "mine-1"), ("MINAGBP", 7, None)):
            extra = {"cl_ord_id": cl} if cl else {}
            res = await rest.private("AddOrder", pair=pair, type="buy", ordertype="limit",
                                     price="1" if pair != "MINAGBP" else "0.1", volume="10",
                                     userref=userref, **extra)
            assert res["error"] == [], res
            added.append(res["result"]["txid"][0])
        answers.append(await rest.private("CancelOrder", txid=42, as_json=True))  # userref
        assert answers[-1]["result"] == {"count": 2}
        answers.append(await rest.private("CancelOrder", cl_ord_id="mine-1"))
        assert answers[-1]["result"] == {"count": 1}
        assert set(sim.truth_open_orders()) == {added[3]}
        sim.place_order("DOGE/USD", "sell", "250000", "0.1300000")
        answers.append(await rest.private("CancelAll"))
        assert answers[-1] == {"error": [], "result": {"count": 2}}
        answers.append(await rest.private("CancelAll"))
        assert answers[-1] == {"error": [], "result": {"count": 0}}
        await s.until(lambda fs: len(s.canceled()) == 6)
        assert sim.truth_open_orders() == {}
        _no_secret(sim, *answers)


async def test_rest_cancels_are_signed_and_nonce_checked(sim: Simulator, rest: Rest) -> None:
    oid = sim.place_order("BTC/USD", "buy", "0.5", "60000.0")
    nonce = rest.next_nonce()
    assert (await rest.private("Balance", nonce=nonce))["error"] == []
    assert await rest.private("CancelOrder", txid=oid, nonce=nonce) == {
        "error": ["EAPI:Invalid nonce"]}
    assert await rest.private("CancelAll", tamper=True) == {"error": ["EAPI:Invalid signature"]}
    assert await rest.private("CancelAll", key="bm90LWEta2V5") == {"error": ["EAPI:Invalid key"]}
    assert set(sim.truth_open_orders()) == {oid}
    assert (await rest.private("CancelAll"))["result"] == {"count": 1}


async def test_lost_cancel_reply_the_cancel_still_happens(
        sim: Simulator, rest: Rest, ws_connect: Any) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "60000.0")
    b = sim.place_order("ETH/USD", "sell", "2", "3200.00")
    c = sim.place_order("MINA/GBP", "buy", "100", "0.4000")
    async with session(sim, rest, ws_connect) as s:
        sim.faults.lose_cancel_replies(1)
        await s.send("cancel_order", 51, order_id=[a])
        await s.until(lambda fs: len(s.canceled()) == 1)
        await s.barrier(52)
        assert s.replies("cancel_order", 51) == []  # lost, yet the order is gone
        assert _is_canceled_report(s.canceled()[0], a) and a not in sim.truth_open_orders()
        await s.send("cancel_order", 53, order_id=[a])  # a retry learns it is gone
        await s.until(lambda fs: bool(s.replies("cancel_order", 53)))
        assert s.replies("cancel_order", 53)[0]["error"] == "EOrder:Unknown order"

        sim.faults.lose_cancel_replies(1)  # one of two per-id frames goes missing
        await s.send("cancel_order", 54, order_id=[b, c])
        await s.until(lambda fs: len(s.canceled()) == 3)
        await s.barrier(55)
        assert len(s.replies("cancel_order", 54)) == 1

        d = sim.place_order("DOGE/USD", "sell", "250000", "0.1300000")
        sim.faults.lose_cancel_replies(1)
        await s.send("cancel_all", 56)
        await s.until(lambda fs: len(s.canceled()) == 4)
        await s.barrier(57)
        assert s.replies("cancel_all", 56) == [] and s.canceled()[-1]["order_id"] == d
        await s.send("cancel_all", 58)  # the fault is spent: replies flow again
        await s.until(lambda fs: bool(s.replies("cancel_all", 58)))
        assert s.replies("cancel_all", 58)[0]["result"] == {"count": 0}


async def test_lost_rest_cancel_reply_times_out_after_the_cancel(
        sim: Simulator, rest: Rest, ws_connect: Any) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "60000.0")
    b = sim.place_order("ETH/USD", "sell", "2", "3200.00")
    async with session(sim, rest, ws_connect) as s:
        sim.faults.lose_rest_replies("CancelOrder")
        rest.client.timeout = httpx.Timeout(0.5)  # the client's patience, not a sleep
        with pytest.raises(httpx.ReadTimeout):
            await rest.private("CancelOrder", txid=a)
        rest.client.timeout = httpx.Timeout(TIMEOUT)
        await s.until(lambda fs: len(s.canceled()) == 1)
        assert _is_canceled_report(s.canceled()[0], a) and set(sim.truth_open_orders()) == {b}
        # a retry learns the first attempt worked; other methods were never affected
        assert await rest.private("CancelOrder", txid=a) == {"error": ["EOrder:Unknown order"]}
        assert (await rest.private("CancelAll"))["result"] == {"count": 1}


async def test_cancel_by_client_order_id(sim: Simulator, rest: Rest, ws_connect: Any) -> None:
    added = await rest.private("AddOrder", pair="XBTUSD", type="buy", ordertype="limit",
                               price="30000", volume="0.1", cl_ord_id="guarded-1")
    (txid,) = added["result"]["txid"]
    async with session(sim, rest, ws_connect) as s:
        await s.send("cancel_order", 61, cl_ord_id=["guarded-1", "nobody"])
        await s.until(lambda fs: len(s.replies("cancel_order", 61)) == 2 and bool(s.canceled()))
        results = [r.get("result") for r in s.replies("cancel_order", 61)]
        errors = [r.get("error") for r in s.replies("cancel_order", 61)]
        assert results == [None, {"cl_ord_id": "guarded-1"}]
        assert errors == ["EOrder:Unknown order", None]
        assert s.canceled()[0]["order_id"] == txid and sim.truth_open_orders() == {}
        await s.send("cancel_order", 62, cl_ord_id="guarded-1", order_id=[])
        await s.until(lambda fs: bool(s.replies("cancel_order", 62)))
        assert s.replies("cancel_order", 62)[0]["error"] == "EOrder:Unknown order"
        await s.send("cancel_order", 63, order_id=[5])
        await s.until(lambda fs: bool(s.replies("cancel_order", 63)))
        assert s.replies("cancel_order", 63)[0]["error"] == "EGeneral:Invalid arguments:order_id"
