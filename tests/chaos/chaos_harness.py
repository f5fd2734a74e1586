"""Helpers for the chaos tests: an event log with timed waits, a feed runner, truth checks.

A uniquely named module (tests/chaos has no ``__init__.py``; pytest puts the directory on
``sys.path``), so ``import chaos_harness`` cannot collide with another directory's helpers.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from kraken_tui.feed.connection import FeedConfig
from kraken_tui.feed.events import BookUpdated, FeedEvent
from kraken_tui.sim import Simulator
from tests.harness import EventLog, FeedRunner

ROOT = Path(__file__).resolve().parents[2]
E = TypeVar("E", bound=FeedEvent)


def load_benchmark(name: str) -> ModuleType:
    """Import ``benchmarks/<name>.py`` (not a package) once."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def chaos_config(sim: Simulator, **overrides: Any) -> FeedConfig:
    base = FeedConfig(
        symbols=("BTC/USD", "ETH/USD"), depth=10, ws_url=sim.ws_url,
        ws_auth_url=sim.ws_auth_url, rest_url=sim.rest_url, api_key=None, api_secret=None,
        heartbeat_timeout=2.0, ping_interval=0.5, backoff_initial=0.2, backoff_cap=1.0,
    )
    return replace(base, **overrides)


def levels_equal_truth(runner: FeedRunner, sim: Simulator, symbol: str) -> bool:
    feed = runner.feed
    book = feed.book(symbol)
    if book is None or not feed.book_is_valid(symbol):
        return False
    ours_b, ours_a = book.levels()
    truth_b, truth_a = sim.truth_book(symbol, feed.depth)
    return ([tuple(x) for x in ours_b], [tuple(x) for x in ours_a]) == (
        [tuple(x) for x in truth_b], [tuple(x) for x in truth_a])


def stale_views(log: EventLog, sim: Simulator) -> list[BookUpdated]:
    """Views shown valid whose checksum the simulator never sent (must be empty)."""
    return [e for e in log.of(BookUpdated)
            if e.valid and e.view is not None
            and e.checksum not in sim.sent_checksums(e.symbol, e.view.depth)]
