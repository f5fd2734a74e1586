"""Reconnect pacing: exponential backoff with jitter, plus Kraken's connection budget.

Pure and seedable (inject ``rng`` and ``clock``) so the policy is testable
without waiting.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

#: Kraken (Cloudflare) bans an IP for 10 minutes after ~150 connection attempts
#: in a rolling 10 minutes; we stay under it with a margin.
ATTEMPT_WINDOW_S = 600.0
ATTEMPT_BUDGET = 120

#: After maintenance or extended downtime, Kraken asks for no more than one
#: reconnect every 5 seconds.
MAINTENANCE_MIN_DELAY_S = 5.0


@dataclass
class Backoff:
    """Delay before attempt n: ``initial * 2**(n-1)``, capped, times a jitter in [1-jitter, 1].

    Jitter spreads clients that lost the same server so they do not reconnect
    in lockstep; it only shortens a delay, so the cap is a true maximum.
    """

    initial: float = 1.0
    cap: float = 60.0
    jitter: float = 0.5
    rng: random.Random | None = None
    failures: int = 0

    def __post_init__(self) -> None:
        if self.rng is None:
            self.rng = random.Random()

    def nominal(self) -> float:
        if self.failures <= 0:
            return 0.0
        return min(self.cap, self.initial * 2 ** (self.failures - 1))

    def next_delay(self, *, floor: float = 0.0) -> float:
        """Count one more failure and return how long to wait before retrying."""
        self.failures += 1
        nominal = self.nominal()
        assert self.rng is not None
        delay = nominal * (1.0 - self.jitter * self.rng.random())
        return max(delay, floor)

    def reset(self) -> None:
        self.failures = 0


class AttemptBudget:
    """Sliding-window cap on connection attempts, shared by every connection to one host.

    ``wait_time()`` says how long to hold off so that starting an attempt now
    would not exceed ``budget`` attempts within ``window`` seconds.
    """

    def __init__(
        self,
        budget: int = ATTEMPT_BUDGET,
        window: float = ATTEMPT_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget
        self.window = window
        self._clock = clock
        self._attempts: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self._attempts and now - self._attempts[0] >= self.window:
            self._attempts.popleft()

    def wait_time(self) -> float:
        now = self._clock()
        self._expire(now)
        if len(self._attempts) < self.budget:
            return 0.0
        return self._attempts[0] + self.window - now

    def record(self) -> None:
        now = self._clock()
        self._expire(now)
        self._attempts.append(now)

    def __len__(self) -> int:
        self._expire(self._clock())
        return len(self._attempts)
