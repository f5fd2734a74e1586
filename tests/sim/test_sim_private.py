"""Auth endpoint: tokens, executions and balances flows with sequences, dead man's switch."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from kraken_tui.sim import Simulator


async def _token(rest: Any) -> str:
    resp = await rest.private("GetWebSocketsToken")
    assert resp["error"] == [] and resp["result"]["expires"] == 900
    return str(resp["result"]["token"])


def _dec(msg: dict[str, Any], key: str) -> Decimal:
    return Decimal(str(msg[key]))


async def test_executions_snapshot_and_order_lifecycle(sim: Simulator, rest: Any,
                                                       ws_connect: Any) -> None:
    resting = sim.place_order("BTC/USD", "buy", "0.5", "60000.0")
    token = await _token(rest)
    async with ws_connect(sim.ws_auth_url) as c:
        await c.subscribe("executions", token=token, snap_orders=True)
        ack = await c.recv()
        assert ack["success"] and ack["result"]["channel"] == "executions"
        snap = await c.recv()
        assert snap["type"] == "snapshot" and snap["sequence"] == 1
        assert [o["order_id"] for o in snap["data"]] == [resting]
        assert snap["data"][0]["limit_price"] == "60000.0"
        assert snap["data"][0]["order_qty"] == "0.50000000"

        oid = sim.place_order("ETH/USD", "sell", "2", "3200.00")
        sim.fill_order(oid, "0.5")
        sim.fill_order(oid)
        sim.cancel_order(resting)
        seen: list[tuple[int, str, str]] = []
        while len(seen) < 6:
            msg = await c.wait_for(lambda m: m.get("channel") == "executions")
            for report in msg["data"]:
                seen.append((msg["sequence"], report["exec_type"], report["order_status"]))
                if report["exec_type"] == "canceled":
                    assert report["reason"] == "User requested"
                    assert report["order_id"] == resting
                if report["exec_type"] == "trade":
                    assert report["last_price"] == "3200.00" and report["fees"][0]["asset"] == "USD"
        assert [s for s, _, _ in seen] == [2, 3, 4, 5, 6, 7]
        assert [(e, st) for _, e, st in seen] == [
            ("pending_new", "pending_new"), ("new", "new"), ("trade", "partially_filled"),
            ("trade", "partially_filled"), ("filled", "filled"), ("canceled", "canceled")]
        assert sim.truth_open_orders() == {}


async def test_balances_ledger_pairs_are_consistent(sim: Simulator, rest: Any,
                                                    ws_connect: Any) -> None:
    token = await _token(rest)
    async with ws_connect(sim.ws_auth_url) as c:
        await c.subscribe("balances", token=token)
        ack = await c.recv()
        assert ack["result"] == {"channel": "balances", "snapshot": True}
        snap = await c.recv()
        assert snap["sequence"] == 1
        balances = {e["asset"]: _dec(e, "balance") for e in snap["data"]}
        assert all(e["wallets"][0]["type"] == "spot" for e in snap["data"])
        for side, qty in (("buy", "0.25"), ("sell", "0.1")):
            oid = sim.place_order("BTC/USD", side, qty, "62000.0")
            sim.fill_order(oid)
        sequences = []
        refs: dict[str, list[str]] = {}
        for _ in range(4):
            msg = await c.wait_for(lambda m: m.get("channel") == "balances")
            sequences.append(msg["sequence"])
            (entry,) = msg["data"]
            asset = entry["asset"]
            assert _dec(entry, "balance") == balances[asset] + _dec(entry, "amount") - _dec(
                entry, "fee")
            balances[asset] = _dec(entry, "balance")
            refs.setdefault(entry["ref_id"], []).append(asset)
        assert sequences == [2, 3, 4, 5]
        assert sorted(map(sorted, refs.values())) == [["BTC", "USD"], ["BTC", "USD"]]
        assert balances == sim.truth_balances()
        assert balances["BTC"] == Decimal("5.15")
    rest_bal = (await rest.private("Balance"))["result"]
    assert Decimal(rest_bal["XXBT"]) == balances["BTC"]
    assert Decimal(rest_bal["ZUSD"]) == balances["USD"]
    assert {"XXBT", "ZUSD", "XETH", "ZGBP", "MINA", "XXDG"} <= set(rest_bal)


async def test_invalid_missing_revoked_tokens(sim: Simulator, rest: Any, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_auth_url) as c:
        for params in ({}, {"token": "nope"}):
            await c.subscribe("executions", **params)
            msg = await c.recv()
            assert msg["error"] == "ESession:Invalid session"
            assert msg["channel"] == "executions" and msg["status"] == "error"
        token = await _token(rest)
        sim.faults.revoke_tokens()
        await c.subscribe("balances", token=token)
        assert (await c.recv())["error"] == "ESession:Invalid session"
        fresh = await _token(rest)
        await c.subscribe("balances", token=fresh)
        assert (await c.recv())["success"] is True


async def test_token_expires_unless_held_by_live_subscription(ws_connect: Any,
                                                              rest_factory: Any) -> None:
    async with Simulator(seed=3, order_flow=False, token_ttl=0.3) as s:
        rest = rest_factory(s)
        unused = (await rest.private("GetWebSocketsToken"))["result"]["token"]
        held = (await rest.private("GetWebSocketsToken"))["result"]["token"]
        async with ws_connect(s.ws_auth_url) as c:
            await c.subscribe("executions", token=held)
            await c.wait_for(lambda m: m.get("type") == "snapshot")
            await asyncio.sleep(0.4)  # past the TTL (a wall-clock rule, not a race)
            await c.subscribe("balances", token=held)
            assert (await c.wait_for(lambda m: "success" in m))["success"] is True
            await c.subscribe("balances", token=unused)
            assert (await c.wait_for(lambda m: "success" in m))["error"] in (
                "ESession:Invalid session", "Already subscribed")
        async with ws_connect(s.ws_auth_url) as c:
            await c.subscribe("executions", token=unused)
            assert (await c.recv())["error"] == "ESession:Invalid session"
        await rest.aclose()


async def test_sequence_gap_fault(sim: Simulator, rest: Any, ws_connect: Any) -> None:
    token = await _token(rest)
    async with ws_connect(sim.ws_auth_url) as c:
        await c.subscribe("executions", token=token)
        await c.wait_for(lambda m: m.get("type") == "snapshot")
        sim.faults.skip_sequence("executions")
        sim.place_order("BTC/USD", "buy", "0.1", "50000.0")
        a = await c.wait_for(lambda m: m.get("channel") == "executions")
        b = await c.wait_for(lambda m: m.get("channel") == "executions")
        assert (a["sequence"], b["sequence"]) == (3, 4)


async def test_cancel_all_orders_after_fires_and_disarms(sim: Simulator, rest: Any,
                                                         ws_connect: Any) -> None:
    ids = {sim.place_order("MINA/GBP", "buy", "100", "0.4000") for _ in range(3)}
    token = await _token(rest)
    async with ws_connect(sim.ws_auth_url) as c:
        await c.subscribe("executions", token=token)
        await c.wait_for(lambda m: m.get("type") == "snapshot")
        resp = await rest.private("CancelAllOrdersAfter", timeout=60)
        cur, trig = resp["result"]["currentTime"], resp["result"]["triggerTime"]
        assert len(cur) == 20 and cur.endswith("Z") and "." not in cur and trig > cur
        assert sim.deadman_armed()
        resp = await rest.private("CancelAllOrdersAfter", timeout=0)
        assert resp["error"] == [] and not sim.deadman_armed()
        await rest.private("CancelAllOrdersAfter", timeout=1)
        cancelled = set()
        while cancelled != ids:
            msg = await c.wait_for(lambda m: m.get("channel") == "executions", timeout=5)
            for r in msg["data"]:
                assert r["exec_type"] == "canceled"
                assert r["reason"] == "CancelAllOrdersAfter Timeout"
                cancelled.add(r["order_id"])
        assert sim.truth_open_orders() == {}
        # the WS method arms the same switch
        await c.send({"method": "cancel_all_orders_after", "params": {"timeout": 30,
                                                                      "token": token}, "req_id": 4})
        ack = await c.wait_for(lambda m: m.get("method") == "cancel_all_orders_after")
        assert ack["success"] and set(ack["result"]) == {"currentTime", "triggerTime"}


async def test_demo_order_flow_runs_by_itself(rest_factory: Any, ws_connect: Any) -> None:
    async with Simulator(seed=5, order_flow=True) as s:
        rest = rest_factory(s)
        token = (await rest.private("GetWebSocketsToken"))["result"]["token"]
        await rest.aclose()
        async with ws_connect(s.ws_auth_url) as c:
            await c.subscribe("executions", token=token)
            kinds: set[str] = set()
            last = 0
            while not {"pending_new", "new", "trade"} <= kinds:
                msg = await c.wait_for(lambda m: m.get("channel") == "executions", timeout=15)
                assert msg["sequence"] == last + 1
                last = msg["sequence"]
                kinds |= {r["exec_type"] for r in msg["data"]}


async def test_snap_trades_and_order_status_filter(sim: Simulator, rest: Any,
                                                   ws_connect: Any) -> None:
    oid = sim.place_order("BTC/USD", "buy", "0.2", "61000.0")
    sim.fill_order(oid, "0.05")
    token = await _token(rest)
    async with ws_connect(sim.ws_auth_url) as c:
        await c.subscribe("executions", token=token, snap_trades=True, order_status=False)
        snap = await c.wait_for(lambda m: m.get("type") == "snapshot")
        assert [r["exec_type"] for r in snap["data"]] == ["new", "trade"]
        sim.place_order("ETH/USD", "buy", "1", "3000.00")
        msg = await c.wait_for(lambda m: m.get("channel") == "executions")
        assert msg["data"][0]["exec_type"] == "new" and msg["sequence"] == 2
