"""Reconnect pacing policy: exponential, jittered, capped, budgeted."""

from __future__ import annotations

import random

from kraken_tui.feed.backoff import ATTEMPT_BUDGET, AttemptBudget, Backoff


def test_delays_double_from_initial_to_cap_with_jitter_only_shortening() -> None:
    backoff = Backoff(initial=1.0, cap=60.0, jitter=0.5, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(10)]
    nominals = [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    for delay, nominal in zip(delays, nominals, strict=True):
        assert nominal * 0.5 <= delay <= nominal


def test_jitter_spreads_clients_apart() -> None:
    firsts = {Backoff(rng=random.Random(seed)).next_delay() for seed in range(20)}
    assert len(firsts) == 20


def test_reset_starts_again_from_initial() -> None:
    backoff = Backoff(initial=1.0, cap=60.0, rng=random.Random(1))
    for _ in range(6):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_floor_applies_during_maintenance() -> None:
    backoff = Backoff(initial=1.0, rng=random.Random(1))
    assert backoff.next_delay(floor=5.0) == 5.0


def test_attempt_budget_blocks_until_the_oldest_attempt_leaves_the_window() -> None:
    now = [0.0]
    budget = AttemptBudget(budget=3, window=600.0, clock=lambda: now[0])
    for t in (0.0, 10.0, 20.0):
        now[0] = t
        assert budget.wait_time() == 0.0
        budget.record()
    now[0] = 30.0
    assert budget.wait_time() == 570.0  # the attempt at t=0 leaves the window at 600
    now[0] = 600.0
    assert budget.wait_time() == 0.0


def test_default_budget_stays_under_kraken_limit() -> None:
    assert ATTEMPT_BUDGET < 150
