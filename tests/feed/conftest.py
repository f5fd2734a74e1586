"""Feed-vs-simulator harness: real sockets on 127.0.0.1, waits on events with timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any, TypeVar

import pytest

from kraken_tui.feed.connection import Feed, FeedConfig
from kraken_tui.feed.events import BookUpdated, FeedEvent
from kraken_tui.sim import Simulator

E = TypeVar("E", bound=FeedEvent)


class EventLog:
    """Collects feed events; ``wait`` resolves when a condition holds, or fails after a timeout."""

    def __init__(self) -> None:
        self.events: list[FeedEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: FeedEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    async def wait(
        self, condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        async def poll() -> Any:
            while True:
                result = condition()
                if result:
                    return result
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(poll(), timeout)
        except TimeoutError:
            tail = "\n".join(repr(e)[:200] for e in self.events[-15:])
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last events:\n"
                                 f"{tail}") from None

    async def next(
        self, kind: type[E], where: Callable[[E], bool] = lambda e: True, *, after: int = 0,
        timeout: float = 10.0,
    ) -> E:
        """The first event of ``kind`` at index >= ``after`` matching ``where``."""

        def find() -> E | None:
            for e in self.events[after:]:
                if isinstance(e, kind) and where(e):
                    return e
            return None

        return await self.wait(find, timeout, f"{kind.__name__} after #{after}")

    def mark(self) -> int:
        return len(self.events)

    def valid_books(self, symbol: str) -> list[BookUpdated]:
        return [e for e in self.of(BookUpdated) if e.symbol == symbol and e.valid]


class FeedRunner:
    def __init__(self, feed: Feed, log: EventLog) -> None:
        self.feed = feed
        self.log = log
        self.task: asyncio.Task[None] = asyncio.create_task(feed.run())

    async def stop(self) -> None:
        self.feed.stop()
        await asyncio.wait_for(self.task, 10)


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
async def start_feed() -> AsyncIterator[Callable[..., FeedRunner]]:
    runners: list[FeedRunner] = []

    def start(config: FeedConfig) -> FeedRunner:
        log = EventLog()
        runner = FeedRunner(Feed(config, log), log)
        runners.append(runner)
        return runner

    yield start
    for runner in runners:
        if not runner.task.done():
            await runner.stop()
