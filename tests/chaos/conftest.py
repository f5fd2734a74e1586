"""Fixtures for the chaos tests: the soak module, a slow simulator, feeds that stop cleanly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import ModuleType

import pytest
from chaos_harness import load_benchmark

from kraken_tui.sim import Simulator
from tests.harness import FeedStarter


@pytest.fixture(scope="session")
def chaos_soak() -> ModuleType:
    return load_benchmark("chaos_soak")


@pytest.fixture
async def chaos_sim() -> AsyncIterator[Simulator]:
    # A slow market: after each fuzz frame the feed's book can be compared with the truth.
    async with Simulator(seed=11, order_flow=False, updates_per_second=4.0) as simulator:
        yield simulator


@pytest.fixture
async def start_chaos_feed() -> AsyncIterator[FeedStarter]:
    starter = FeedStarter()
    yield starter
    await starter.stop_all()
