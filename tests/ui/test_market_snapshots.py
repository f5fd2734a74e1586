"""Snapshots of the four market panels together, live and stale, at 80x24 and 120x40.

Fixed data (``market_scenarios``), no animation; each was looked at as a picture
before it was accepted.
"""

from __future__ import annotations

import pytest
from market_scenarios import MarketApp, settled
from textual.pilot import Pilot
from ui_scenarios import wait_for


async def _settle(pilot: Pilot) -> None:
    await wait_for(pilot, settled(pilot.app), 5, "the market panels painted")  # type: ignore[arg-type]
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("stale", [False, True], ids=["live", "stale"])
def test_market_panels(snap_compare, stale: bool, size: tuple[int, int]) -> None:
    assert snap_compare(MarketApp(stale=stale), terminal_size=size, run_before=_settle)
