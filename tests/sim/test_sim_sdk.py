"""An independent client (python-kraken-sdk 3.5.1) against the simulator.

The SDK's REST calls are synchronous (requests), and its order book fetches AssetPairs
synchronously from inside its WS callback, so the simulator runs in a SimulatorThread here.
"""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from typing import Any

import pytest
from kraken.exceptions import KrakenInvalidSignatureError
from kraken.spot import Market, SpotClient, User
from kraken.spot.orderbook import SpotOrderBookClient

from kraken_tui.sim import SimulatorThread

SYMBOLS = ["BTC/USD", "ETH/USD", "MINA/GBP", "DOGE/USD"]


@pytest.fixture
def threaded_sim() -> Any:
    with SimulatorThread(seed=9, order_flow=True, updates_per_second=40.0) as handle:
        yield handle.sim


async def test_sdk_order_book_checksums_hold_at_depth_10_and_1000(
        threaded_sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = threaded_sim
    # SpotOrderBookClient takes no URL arguments: point its class-level endpoint at the sim
    # (it appends "/v2" itself) and give it a REST Market aimed at the sim for AssetPairs.
    monkeypatch.setattr(SpotOrderBookClient, "WS_URL", sim.ws_url.removesuffix("/v2"))
    frames: Counter[tuple[int, str]] = Counter()
    snapshots: Counter[tuple[int, str]] = Counter()
    errors: list[str] = []
    done = asyncio.Event()
    error_seen = asyncio.Event()

    def make(depth: int) -> SpotOrderBookClient:
        async def on_update(pair: str, message: dict[str, Any]) -> None:
            if "error" in message:
                errors.append(f"depth {depth} {pair}: {message['error']}")
                error_seen.set()
                done.set()
                return
            frames[(depth, message["type"])] += 1
            if message["type"] == "snapshot":
                snapshots[(depth, pair)] += 1
            if frames[(10, "update")] >= 500 and frames[(1000, "update")] >= 100:
                done.set()

        client = SpotOrderBookClient(depth=depth, callback=on_update)
        client._SpotOrderBookClient__market = Market(url=sim.rest_url)  # type: ignore[attr-defined]
        return client

    clients = [make(10), make(1000)]
    try:
        # The SDK re-sorts its whole side per level, so at depth 1000 it is CPU-bound: one pair
        # there keeps it ahead of the feed on a small shared machine.
        for client, pairs in zip(clients, (SYMBOLS, ["BTC/USD"]), strict=True):
            await client.start()
            await client.add_book(pairs=pairs)
        await asyncio.wait_for(done.wait(), 45)
        assert errors == []
        assert not any(c.exception_occur for c in clients)
        assert frames[(10, "update")] >= 500 and frames[(1000, "update")] >= 100, frames
        # no silent resubscribe: exactly one snapshot per book
        assert all(n == 1 for n in snapshots.values()) and len(snapshots) == 5, snapshots
        for client, depth in zip(clients, (10, 1000), strict=True):
            book = client.get("BTC/USD")
            assert book is not None and book["valid"]
            assert len(book["bid"]) == len(book["ask"]) == depth
        # negative control: the SDK does notice a bad checksum, so silence above means valid
        sim.faults.corrupt_next_checksum("BTC/USD")
        await asyncio.wait_for(error_seen.wait(), 10)
        assert errors and all("BTC/USD" in e and "Checksum mismatch" in e for e in errors)
    finally:
        for client in clients:
            await client.close()


def test_sdk_rest_signing_is_accepted_and_tampering_refused(threaded_sim: Any) -> None:
    sim = threaded_sim
    user = User(key=sim.api_key, secret=sim.api_secret, url=sim.rest_url)
    balances = user.get_account_balance()
    assert balances["XXBT"] == "5.0000000000" and "ZUSD" in balances
    client = SpotClient(key=sim.api_key, secret=sim.api_secret, url=sim.rest_url)
    token = client.request("POST", "/0/private/GetWebSocketsToken")
    assert token["expires"] == 900 and len(token["token"]) > 20
    wrong_secret = base64.b64encode(b"x" * 64).decode()
    tampered = User(key=sim.api_key, secret=wrong_secret, url=sim.rest_url)
    with pytest.raises(KrakenInvalidSignatureError):
        tampered.get_account_balance()
