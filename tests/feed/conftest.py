"""Feed-vs-simulator harness: real sockets on 127.0.0.1, waits on events with timeouts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from kraken_tui.feed.connection import FeedConfig
from kraken_tui.sim import Simulator
from tests.harness import FeedStarter


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=7, order_flow=False, updates_per_second=20.0) as simulator:
        yield simulator


def config_for(sim: Simulator, **overrides: Any) -> FeedConfig:
    base = FeedConfig(
        symbols=("BTC/USD", "ETH/USD"),
        depth=10,
        ws_url=sim.ws_url,
        ws_auth_url=sim.ws_auth_url,
        rest_url=sim.rest_url,
        api_key=sim.api_key,
        api_secret=sim.api_secret,
        heartbeat_timeout=1.5,
        ping_interval=0.5,
        backoff_initial=0.2,
        backoff_cap=2.0,
    )
    return replace(base, **overrides)


@pytest.fixture
async def start_feed() -> AsyncIterator[FeedStarter]:
    starter = FeedStarter()
    yield starter
    await starter.stop_all()
