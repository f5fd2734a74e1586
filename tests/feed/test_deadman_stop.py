"""A stop that lands while the arm request is in flight still disarms (issue 13).

The exchange may have armed the switch even though its reply was never read; a
clean stop that skipped the disarm would leave the trader's orders on a timer.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kraken_tui.feed.deadman import DeadManSwitchKeeper


class SlowRest:
    """Arms on the exchange at once, answers only when told."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.answer = asyncio.Event()
        self.sent = asyncio.Event()

    async def cancel_all_orders_after(self, timeout: int) -> dict[str, Any]:
        self.calls.append(timeout)
        self.sent.set()
        if timeout:
            await self.answer.wait()
        return {"currentTime": "now", "triggerTime": "later" if timeout else "0"}


async def test_a_stop_during_the_arm_request_disarms() -> None:
    rest = SlowRest()
    keeper = DeadManSwitchKeeper(rest, 60, lambda event: None)  # type: ignore[arg-type]
    task = asyncio.create_task(keeper.run())
    await asyncio.wait_for(rest.sent.wait(), 5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert await keeper.disarm()
    assert rest.calls == [60, 0]


async def test_never_asked_to_arm_means_no_disarm() -> None:
    rest = SlowRest()
    keeper = DeadManSwitchKeeper(rest, 60, lambda event: None)  # type: ignore[arg-type]
    assert await keeper.disarm()
    assert rest.calls == []
