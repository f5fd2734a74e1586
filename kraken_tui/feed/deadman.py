"""Dead Man's Switch: keep CancelAllOrdersAfter armed while we are alive.

Refreshed every ``timeout / 2`` seconds. Any failure (a REST error, a signing
error, a bug) is reported at once as a ``DeadManSwitch`` event with ``error``
set, and retried: quickly for a passing fault, because a switch that silently
stops refreshing cancels the trader's orders; backing off when Kraken refuses
the keys, which only the user can fix. Disarmed (timeout 0) only on a clean
shutdown, and only if it was ever armed: a crash leaves it armed, which is the
point.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from kraken_tui.feed.backoff import Backoff
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
        self._auth_backoff = Backoff(initial=RETRY_AFTER_FAILURE_S, cap=self.interval)
        self._last_failure_auth = False
        #: An arm request was sent and its reply never read (the task was cancelled by a
        #: stop): the exchange may hold it armed, so the clean stop must disarm.
        self._arm_unanswered = False

    @property
    def interval(self) -> float:
        return max(1.0, self.timeout / 2)

    @property
    def armed(self) -> bool:
        return self.trigger_time is not None

    def _failed(self, what: str, exc: BaseException) -> None:
        self.failures += 1
        self._last_failure_auth = isinstance(exc, KrakenRestError) and exc.is_auth
        reason = str(exc) if isinstance(exc, KrakenRestError) else f"{type(exc).__name__}: {exc}"
        log.warning("dead man's switch %s failed: %s", what, reason)
        self._emit(DeadManSwitch(armed=self.armed, timeout=self.timeout,
                                 trigger_time=self.trigger_time, error=reason))

    async def refresh_once(self) -> bool:
        self._arm_unanswered = True  # stays True only if a stop cancels us mid-request
        try:
            result = await self.rest.cancel_all_orders_after(self.timeout)
        except Exception as exc:  # any failure leaves the orders unprotected: say so
            self._arm_unanswered = False
            self._failed("refresh", exc)
            return False
        self._arm_unanswered = False
        self.refreshes += 1
        self._auth_backoff.reset()
        self.trigger_time = str(result.get("triggerTime") or "") or None
        self._emit(DeadManSwitch(armed=True, timeout=self.timeout, trigger_time=self.trigger_time))
        return True

    def retry_delay(self) -> float:
        if self._last_failure_auth:
            return self._auth_backoff.next_delay()
        return min(self.interval, RETRY_AFTER_FAILURE_S)

    async def run(self) -> None:
        """Refresh until cancelled."""
        while True:
            ok = await self.refresh_once()
            await asyncio.sleep(self.interval if ok else self.retry_delay())

    async def disarm(self) -> bool:
        """Never raises; does nothing if the switch was never armed (nor asked to be)."""
        if self.refreshes == 0 and not self._arm_unanswered:
            return True
        try:
            await self.rest.cancel_all_orders_after(0)
        except Exception as exc:
            self._failed("disarm", exc)
            return False
        self.trigger_time = None
        self._emit(DeadManSwitch(armed=False, timeout=0))
        return True
