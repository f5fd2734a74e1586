"""REST over real HTTP: signing (Kraken's worked example), nonces, errors, endpoint shapes."""

from __future__ import annotations

from typing import Any

from kraken_tui.sim import Simulator
from kraken_tui.sim.rest import api_sign
from tests.captures import docs_examples


def test_api_sign_matches_kraken_worked_example() -> None:
    ex = docs_examples()["rest_signature_example"]
    got = api_sign(ex["private_key"], ex["uri_path"], ex["nonce"], ex["encoded_payload"].encode())
    assert got == ex["expected_api_sign"]
    assert got == ("4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0"
                   "nmbRn6H8n"
                   "dwLUQ==")


async def test_signed_requests_form_and_json(sim: Simulator, rest: Any) -> None:
    form = await rest.private("Balance")
    assert form["error"] == [] and form["result"]["XXBT"] == "5.0000000000"
    as_json = await rest.private("Balance", as_json=True)
    assert as_json == form


async def test_auth_errors_are_kraken_worded(sim: Simulator, rest: Any,
                                             rest_factory: Any) -> None:
    assert await rest.private("Balance", tamper=True) == {"error": ["EAPI:Invalid signature"]}
    assert await rest.private("Balance", key="bm90LWEta2V5") == {"error": ["EAPI:Invalid key"]}
    nonce = rest.next_nonce()
    assert (await rest.private("Balance", nonce=nonce))["error"] == []
    assert await rest.private("Balance", nonce=nonce) == {"error": ["EAPI:Invalid nonce"]}
    assert await rest.private("Balance", nonce=str(int(nonce) - 5)) == {
        "error": ["EAPI:Invalid nonce"]}
    assert (await rest.private("Balance"))["error"] == []  # a higher nonce works again
    weak = sim.add_account(permissions={"query_funds"})
    limited = rest_factory(sim, weak)
    assert (await limited.private("Balance"))["error"] == []
    assert await limited.private("GetWebSocketsToken") == {"error": ["EGeneral:Permission denied"]}
    await limited.aclose()


async def test_public_endpoints(sim: Simulator, rest: Any) -> None:
    status = await rest.public("SystemStatus")
    assert status["result"]["status"] == "online" and status["result"]["timestamp"].endswith("Z")
    t = (await rest.public("Time"))["result"]
    assert isinstance(t["unixtime"], int) and t["rfc1123"].endswith("+0000")
    pairs = (await rest.public("AssetPairs"))["result"]
    btc = pairs["XXBTZUSD"]
    assert (btc["altname"], btc["wsname"], btc["base"], btc["quote"]) == (
        "XBTUSD", "XBT/USD", "XXBT", "ZUSD")
    assert (btc["pair_decimals"], btc["lot_decimals"], btc["status"]) == (1, 8, "online")
    assert pairs["XDGUSD"]["pair_decimals"] == 7 and pairs["MINAGBP"]["pair_decimals"] == 4
    one = (await rest.public("AssetPairs", pair="XBTUSD"))["result"]
    assert list(one) == ["XXBTZUSD"]
    assert list((await rest.public("AssetPairs", pair="BTC/USD"))["result"]) == ["BTC/USD"]
    assert await rest.public("AssetPairs", pair="NOPE") == {"error": ["EQuery:Unknown asset pair"]}
    sim.faults.set_pair_status("ETH/USD", "cancel_only")
    assert (await rest.public("AssetPairs", pair="ETHUSD"))["result"]["XETHZUSD"][
        "status"] == "cancel_only"


async def test_order_queries_match_ws_state(sim: Simulator, rest: Any) -> None:
    open_id = sim.place_order("BTC/USD", "buy", "1.25", "27500.0")
    done_id = sim.place_order("DOGE/USD", "sell", "250000", "0.1300000")
    sim.fill_order(done_id, "100000")
    sim.cancel_order(done_id)
    oo = (await rest.private("OpenOrders"))["result"]["open"]
    assert list(oo) == [open_id]
    o = oo[open_id]
    assert o["descr"]["pair"] == "XBTUSD" and o["descr"]["price"] == "27500.0"
    assert o["descr"]["order"] == "buy 1.25000000 XBTUSD @ limit 27500.0"
    assert o["vol"] == "1.25000000" and o["vol_exec"] == "0.00000000"
    assert isinstance(o["opentm"], float) and o["status"] == "open"
    closed = (await rest.private("ClosedOrders", trades=True))["result"]
    assert closed["count"] == 1
    c = closed["closed"][done_id]
    assert c["status"] == "canceled" and c["reason"] == "User requested"
    assert c["vol_exec"] == "100000.00000000" and len(c["trades"]) == 1
    q = (await rest.private("QueryOrders", txid=f"{open_id},{done_id}"))["result"]
    assert set(q) == {open_id, done_id}
    assert set(sim.truth_open_orders()) == {open_id}


async def test_add_and_cancel_order_over_rest(sim: Simulator, rest: Any) -> None:
    added = await rest.private("AddOrder", pair="XBTUSD", type="buy", ordertype="limit",
                               price="37500", volume="1.25")
    (txid,) = added["result"]["txid"]
    assert sim.truth_open_orders()[txid]["limit_price"] == "37500.0"
    assert (await rest.private("CancelOrder", txid=txid))["result"] == {"count": 1}
    assert sim.truth_open_orders() == {}
