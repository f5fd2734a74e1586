"""Dead Man's Switch: keep CancelAllOrdersAfter armed while we are alive.

Refreshed every ``timeout / 2`` seconds; a failure is reported at once and retried
quickly, because a switch that silently stops refreshing cancels the trader's
orders. Disarmed (timeout 0) only on a clean shutdown: a crash leaves it armed,
which is the point.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from kraken_tui.feed.events import DeadManSwitch, FeedEvent
from kraken_tui.feed.rest import KrakenRest, KrakenRestError

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE_S = 2.0


class DeadManSwitchKeeper:
    def __init__(self, rest: KrakenRest, timeout: int, emit: Callable[[FeedEvent], None]) -> None:
        if not 0 < timeout < 86400:
            raise ValueError("dead man's switch timeout must be between 1 and 86399 seconds")
        self.rest = rest
        self.timeout = timeout
        self._emit = emit
        self.trigger_time: str | None = None
        self.refreshes = 0
        self.failures = 0

    @property
    def interval(self) -> float:
        return max(1.0, self.timeout / 2)

    async def refresh_once(self) -> bool:
        try:
            result = await self.rest.cancel_all_orders_after(self.timeout)
        except KrakenRestError as exc:
            self.failures += 1
            log.warning("dead man's switch refresh failed: %s", exc)
            self._emit(
                DeadManSwitch(
                    armed=self.trigger_time is not None,
                    timeout=self.timeout,
                    trigger_time=self.trigger_time,
                    error=str(exc),
                )
            )
            return False
        self.refreshes += 1
        self.trigger_time = str(result.get("triggerTime") or "") or None
        self._emit(DeadManSwitch(armed=True, timeout=self.timeout, trigger_time=self.trigger_time))
        return True

    async def run(self) -> None:
        """Refresh until cancelled."""
        while True:
            ok = await self.refresh_once()
            await asyncio.sleep(self.interval if ok else min(self.interval, RETRY_AFTER_FAILURE_S))

    async def disarm(self) -> bool:
        try:
            await self.rest.cancel_all_orders_after(0)
        except KrakenRestError as exc:
            log.warning("dead man's switch disarm failed: %s", exc)
            self._emit(
                DeadManSwitch(
                    armed=True, timeout=self.timeout, trigger_time=self.trigger_time, error=str(exc)
                )
            )
            return False
        self.trigger_time = None
        self._emit(DeadManSwitch(armed=False, timeout=0))
        return True
