"""Fixtures for simulator tests: a running Simulator and small, independent WS/REST clients.

Nothing here imports kraken_tui.kraken: these tests check the simulator from the outside.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import time
import zlib
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from kraken_tui.sim import Simulator

TIMEOUT = 5.0


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=7, order_flow=False, updates_per_second=40.0) as s:
        yield s


class WsClient:
    """A raw v2 client: JSON in/out with timeouts; floats kept as their token text."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.req = itertools.count(1)

    async def send(self, obj: dict[str, Any] | str) -> None:
        await self.ws.send(obj if isinstance(obj, str) else json.dumps(obj))

    async def recv_text(self, timeout: float = TIMEOUT) -> str:
        msg = await asyncio.wait_for(self.ws.recv(), timeout)
        assert isinstance(msg, str)
        return msg

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        return json.loads(await self.recv_text(timeout), parse_float=str)  # type: ignore[no-any-return]

    async def wait_for(self, pred: Callable[[dict[str, Any]], bool],
                       timeout: float = TIMEOUT) -> dict[str, Any]:
        async def loop() -> dict[str, Any]:
            while True:
                msg = json.loads(await self.ws.recv(), parse_float=str)
                if pred(msg):
                    return msg  # type: ignore[no-any-return]
        return await asyncio.wait_for(loop(), timeout)

    async def subscribe(self, channel: str, **params: Any) -> None:
        await self.send({"method": "subscribe", "params": {"channel": channel, **params}})


@pytest.fixture
def ws_connect() -> Callable[[str], Any]:
    """``async with ws_connect(url) as client`` -> WsClient (status frame already consumed)."""

    class _Ctx:
        def __init__(self, url: str, skip_status: bool = True) -> None:
            self.url, self.skip_status = url, skip_status

        async def __aenter__(self) -> WsClient:
            self.cm = connect(self.url, max_size=None, compression=None)
            client = WsClient(await self.cm.__aenter__())
            if self.skip_status:
                status = await client.recv()
                assert status["channel"] == "status"
            return client

        async def __aexit__(self, *exc: object) -> None:
            await self.cm.__aexit__(None, None, None)

    return _Ctx


class MiniBook:
    """A tiny independent L2 book: apply, truncate, CRC32 by Kraken's published rule."""

    def __init__(self, depth: int, price_decimals: int, qty_decimals: int) -> None:
        self.depth, self.pp, self.qp = depth, price_decimals, qty_decimals
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}

    def apply(self, data: dict[str, Any], snapshot: bool) -> bool:
        if snapshot:
            self.bids.clear()
            self.asks.clear()
        for key, side in (("bids", self.bids), ("asks", self.asks)):
            for level in data[key]:
                price, qty = Decimal(level["price"]), Decimal(level["qty"])
                if qty == 0:
                    side.pop(price, None)
                else:
                    side[price] = qty
        for side, rev in ((self.bids, True), (self.asks, False)):
            if len(side) > self.depth:
                for p in sorted(side, reverse=rev)[self.depth:]:
                    del side[p]
        return self.checksum() == data["checksum"]

    def _fmt(self, v: Decimal, places: int) -> str:
        return f"{v:.{places}f}".replace(".", "").lstrip("0")

    def checksum(self) -> int:
        asks = sorted(self.asks.items())[:10]
        bids = sorted(self.bids.items(), reverse=True)[:10]
        text = "".join(self._fmt(p, self.pp) + self._fmt(q, self.qp) for p, q in asks + bids)
        return zlib.crc32(text.encode())

    def levels(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        bids = sorted(self.bids.items(), reverse=True)
        asks = sorted(self.asks.items())
        return ([(f"{p:.{self.pp}f}", f"{q:.{self.qp}f}") for p, q in bids],
                [(f"{p:.{self.pp}f}", f"{q:.{self.qp}f}") for p, q in asks])


def sign(secret: str, path: str, nonce: str, body: bytes) -> str:
    """Kraken API-Sign, written independently of the simulator."""
    sha = hashlib.sha256(nonce.encode() + body).digest()
    return base64.b64encode(
        hmac.new(base64.b64decode(secret), path.encode() + sha, hashlib.sha512).digest()
    ).decode()


class Rest:
    """A signed REST client over real HTTP to the simulator."""

    def __init__(self, base: str, key: str, secret: str) -> None:
        self.base, self.key, self.secret = base, key, secret
        self.client = httpx.AsyncClient(base_url=base, timeout=TIMEOUT)
        self.nonce = int(time.time() * 1000)

    def next_nonce(self) -> str:
        self.nonce += 1
        return str(self.nonce)

    async def private(self, method: str, *, as_json: bool = False, nonce: str | None = None,
                      tamper: bool = False, key: str | None = None,
                      **params: Any) -> dict[str, Any]:
        path = f"/0/private/{method}"
        data = {"nonce": nonce or self.next_nonce(), **params}
        if as_json:
            body = json.dumps(data).encode()
            ctype = "application/json"
        else:
            body = urlencode(data).encode()
            ctype = "application/x-www-form-urlencoded; charset=utf-8"
        signature = sign(self.secret, path, str(data["nonce"]), body)
        if tamper:
            signature = signature[:-4] + ("AAA=" if not signature.endswith("AAA=") else "BBB=")
        response = await self.client.post(path, content=body, headers={
            "API-Key": key or self.key, "API-Sign": signature, "Content-Type": ctype})
        assert response.status_code == 200
        return response.json()  # type: ignore[no-any-return]

    async def public(self, method: str, **params: Any) -> dict[str, Any]:
        response = await self.client.get(f"/0/public/{method}", params=params)
        assert response.status_code == 200
        return response.json()  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        await self.client.aclose()


@pytest.fixture
async def rest(sim: Simulator) -> AsyncIterator[Rest]:
    client = Rest(sim.rest_url, sim.api_key, sim.api_secret)
    yield client
    await client.aclose()


@pytest.fixture
def mini_book() -> type[MiniBook]:
    return MiniBook


@pytest.fixture
def rest_factory() -> Callable[..., Rest]:
    """``rest_factory(sim, account=None)``: a signed REST client (close it with aclose)."""

    def make(s: Simulator, account: Any = None) -> Rest:
        acct = account or s.demo
        return Rest(s.rest_url, acct.api_key, acct.api_secret)

    return make
