"""Fixtures for the chaos tests: the soak module, a slow simulator, feeds that stop cleanly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from types import ModuleType

import pytest
from chaos_harness import ChaosLog, ChaosRunner, load_benchmark

from kraken_tui.feed.connection import Feed, FeedConfig
from kraken_tui.sim import Simulator


@pytest.fixture(scope="session")
def chaos_soak() -> ModuleType:
    return load_benchmark("chaos_soak")


@pytest.fixture
async def chaos_sim() -> AsyncIterator[Simulator]:
    # A slow market: after each fuzz frame the feed's book can be compared with the truth.
    async with Simulator(seed=11, order_flow=False, updates_per_second=4.0) as simulator:
        yield simulator


@pytest.fixture
async def start_chaos_feed() -> AsyncIterator[Callable[[FeedConfig], ChaosRunner]]:
    runners: list[ChaosRunner] = []

    def start(config: FeedConfig) -> ChaosRunner:
        log = ChaosLog()
        runner = ChaosRunner(Feed(config, log), log)
        runners.append(runner)
        return runner

    yield start
    for runner in runners:
        if not runner.task.done():
            await runner.stop()
