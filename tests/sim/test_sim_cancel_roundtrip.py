"""The core's cancel builders and CancelReply against the simulator, over a real socket.

The other simulator tests speak raw JSON on purpose (the simulator checked from the
outside); this one checks the two independently written sides agree: what the core
sends is accepted, and every reply the simulator sends decodes to a CancelReply.
"""

from __future__ import annotations

from typing import Any

from kraken_tui.kraken import (
    CancelReply,
    cancel_all_request,
    cancel_order_request,
    decode_cancel_reply,
)
from kraken_tui.sim import Simulator
from tests.sim.conftest import Rest


async def test_core_requests_and_replies_round_trip(sim: Simulator, rest: Rest,
                                                    ws_connect: Any) -> None:
    a = sim.place_order("BTC/USD", "buy", "0.5", "60000.0")
    b = sim.place_order("ETH/USD", "sell", "2", "3200.00")
    c = sim.place_order("MINA/GBP", "buy", "100", "0.4000")
    token = (await rest.private("GetWebSocketsToken"))["result"]["token"]
    async with ws_connect(sim.ws_auth_url) as client:
        await client.send(cancel_order_request([a, "OUNKNW-NOTAN-ORDER1", b], token, 7))
        replies = []
        while len(replies) < 3:
            reply = decode_cancel_reply(await client.recv_text())
            assert isinstance(reply, CancelReply), reply
            replies.append(reply)
        assert {r.req_id for r in replies} == {7} and all(r.method == "cancel_order"
                                                          for r in replies)
        assert sorted(r.order_id for r in replies if r.success) == sorted([a, b])
        (failed,) = [r for r in replies if not r.success]
        assert failed.error == "EOrder:Unknown order" and failed.order_id is None
        assert all(r.time_in and r.time_out for r in replies)

        await client.send(cancel_all_request(token, 8))
        reply = decode_cancel_reply(await client.recv_text())
        assert isinstance(reply, CancelReply)
        assert (reply.method, reply.success, reply.req_id, reply.count) == ("cancel_all", True,
                                                                             8, 1)
    assert c not in sim.truth_open_orders() and sim.truth_open_orders() == {}
