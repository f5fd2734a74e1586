"""Shared test harness: collect feed events and wait on conditions with a timeout.

Used by the feed and chaos suites alike (``pythonpath = ["."]`` in pyproject makes
``tests.harness`` importable from every test directory).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from kraken_tui.feed.connection import Feed, FeedConfig
from kraken_tui.feed.events import BookUpdated, FeedEvent

E = TypeVar("E", bound=FeedEvent)


class EventLog:
    """Feed events plus a ``wait`` that resolves on a condition or fails after a timeout.

    The condition is re-checked on every event and at least every 50 ms, so it may
    also look at state outside the log (the simulator's truth, the feed's book).
    """

    def __init__(self) -> None:
        self.events: list[FeedEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: FeedEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    def mark(self) -> int:
        return len(self.events)

    def valid_books(self, symbol: str) -> list[BookUpdated]:
        return [e for e in self.of(BookUpdated) if e.symbol == symbol and e.valid]

    async def wait(
        self, condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        async def poll() -> Any:
            while True:
                result = condition()
                if result:
                    return result
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.05)

        try:
            return await asyncio.wait_for(poll(), timeout)
        except TimeoutError:
            tail = "\n".join(repr(e)[:200] for e in self.events[-15:])
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last events:"
                                 f"\n{tail}") from None

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


class FeedRunner:
    """A feed running as a task on the test's loop; ``stop`` is the clean shutdown path."""

    def __init__(self, feed: Feed, log: EventLog) -> None:
        self.feed = feed
        self.log = log
        self.task: asyncio.Task[None] = asyncio.create_task(feed.run())

    async def stop(self) -> None:
        self.feed.stop()
        await asyncio.wait_for(self.task, 10)


class FeedStarter:
    """Starts feeds for one test and stops every one still running at teardown."""

    def __init__(self) -> None:
        self.runners: list[FeedRunner] = []

    def __call__(self, config: FeedConfig) -> FeedRunner:
        log = EventLog()
        runner = FeedRunner(Feed(config, log), log)
        self.runners.append(runner)
        return runner

    async def stop_all(self) -> None:
        for runner in self.runners:
            if not runner.task.done():
                await runner.stop()


def break_balances_handler_once(feed: Feed, message: str) -> None:
    """The feed's next balances frame raises ``RuntimeError(message)``: a bug in frame
    handling, on purpose. The healthy handler is back for the rebuild that follows."""
    healthy = feed.account.balances

    class Exploding(type(healthy)):  # type: ignore[misc]
        def apply(self, frame: object) -> list:  # type: ignore[override]
            feed.account.balances = healthy
            raise RuntimeError(message)

    feed.account.balances = Exploding()
