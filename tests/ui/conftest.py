"""Fixtures for the UI tests: scripted feeds, a fixed clock, no blinking, no user config."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import ui_scenarios  # tests/ui is on sys.path (rootdir conftest, no __init__.py)
from textual.pilot import Pilot


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Never read the developer's config or keys, never blink a cursor."""
    monkeypatch.setenv("KRAKEN_TUI_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("KRAKEN_API_KEY", raising=False)
    monkeypatch.delenv("KRAKEN_API_SECRET", raising=False)


async def wait_for(pilot: Pilot, condition: Callable[[], bool], timeout: float = 5.0,
                   what: str = "condition") -> None:
    """Let the app run until ``condition()`` holds; fail loudly after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.02)


async def settle(pilot: Pilot, holder: ui_scenarios.FeedHolder, timeout: float = 5.0) -> None:
    await wait_for(pilot, lambda: ui_scenarios.settled(pilot.app, holder), timeout, "feed replay")
    await pilot.pause()


@pytest.fixture
def scenarios():
    return ui_scenarios
