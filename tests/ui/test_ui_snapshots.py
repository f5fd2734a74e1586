"""Snapshot tests: fixed data, fixed clock, no animation, no toasts, fixed terminal size.

Each was looked at as a picture before it was accepted (see screenshots/).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ladder_scenarios as ls
import pytest
import ui_scenarios as sc
from textual.pilot import Pilot

from kraken_tui.feed.events import FeedEvent

WIDE = (120, 34)
NARROW = (80, 24)


def scripted(script: Sequence[FeedEvent]) -> tuple[object, Callable[[Pilot], object]]:
    app, holder = sc.make_app(script)

    async def run_before(pilot: Pilot) -> None:
        await sc.settle(pilot, holder)

    return app, run_before


@pytest.mark.parametrize(
    ("script", "size"),
    [
        pytest.param(sc.live_script, WIDE, id="live"),
        pytest.param(sc.stale_script, WIDE, id="stale"),
        pytest.param(sc.maintenance_script, WIDE, id="maintenance"),
        pytest.param(sc.cancel_only_script, WIDE, id="cancel_only"),
        pytest.param(sc.resync_script, WIDE, id="resync"),
        pytest.param(sc.public_only_script, WIDE, id="public_only"),
        pytest.param(sc.keys_rejected_script, WIDE, id="keys_rejected"),
        pytest.param(sc.dms_failing_script, WIDE, id="dms_failing"),
        pytest.param(sc.live_script, NARROW, id="narrow"),
    ],
)
def test_ui_snapshot(snap_compare, script, size: tuple[int, int]) -> None:
    app, run_before = scripted(script())
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_unlisted_symbol_snapshot(snap_compare) -> None:
    """XBT/USD (Kraken's v1 name) beside two listed pairs: a banner, the rest live."""
    app, holder = sc.make_app(sc.unlisted_script(), symbols=sc.UNLISTED_SYMBOLS)

    async def run_before(pilot: Pilot) -> None:
        await sc.settle(pilot, holder)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


@pytest.mark.parametrize(("size", "keys"), [
    pytest.param(NARROW, ("t",), id="narrow-panels"),
    pytest.param((200, 60), (), id="tall-wide"),
])
def test_layout_snapshot(snap_compare, size: tuple[int, int], keys: tuple[str, ...]) -> None:
    """80x24 with the panels pane (t), and a big screen with every panel at once."""
    app, holder = sc.make_app(sc.live_script())

    async def run_before(pilot: Pilot) -> None:
        await sc.settle(pilot, holder)
        for key in keys:
            await pilot.press(key)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize(
    ("script", "keys"),
    [
        pytest.param(ls.deep_script, ("pageup", "pageup", "up"), id="deep_scrolled"),
        pytest.param(ls.deep_script, ("g",), id="grouped"),
        pytest.param(ls.own_orders_script, (), id="own_orders"),
    ],
)
def test_ladder_snapshot(snap_compare, script, keys: tuple[str, ...]) -> None:
    """A depth-1000 book: scrolled up (the offset in the border), grouped 10x, my orders."""
    app, holder = sc.make_app(script(), depth=1000)

    async def run_before(pilot: Pilot) -> None:
        await sc.settle(pilot, holder)
        await pilot.press(*keys)
        await sc.settle(pilot, holder)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)
