"""Snapshots of the guarded cancels (issue 16): both confirmations, the maintenance
refusal and the read-only toast. Fixed data, fixed clock; each was looked at as a
picture before it was accepted."""

from __future__ import annotations

from typing import Any

import pytest
import ui_scenarios as sc
from textual.pilot import Pilot

from kraken_tui.ui.cancel_dialog import CancelDialog

WIDE = (120, 34)
KEYS: dict[str, Any] = {"api_key": "demo-key", "api_secret": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}


@pytest.mark.parametrize(("script", "keys", "allow"), [
    pytest.param(sc.live_script, ("tab", "down", "c"), True, id="cancel_one"),
    pytest.param(sc.live_script, ("C",), True, id="cancel_all"),
    pytest.param(sc.maintenance_script, ("C",), True, id="maintenance"),
])
def test_cancel_dialog_snapshot(snap_compare, script, keys: tuple[str, ...],
                                allow: bool) -> None:
    app, holder = sc.make_app(script(), allow_cancel=allow, **KEYS)

    async def run_before(pilot: Pilot) -> None:
        await sc.settle(pilot, holder)
        await pilot.press(*keys)
        await sc.wait_for(pilot, lambda: isinstance(pilot.app.screen, CancelDialog), 5,
                          "the dialog")
        await pilot.pause()

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_read_only_toast_snapshot(snap_compare) -> None:
    app, holder = sc.make_app(sc.live_script(), toasts=True, **KEYS)

    async def run_before(pilot: Pilot) -> None:
        await sc.settle(pilot, holder)
        await pilot.press("c")
        await sc.wait_for(pilot, lambda: bool(pilot.app.screen.query("Toast")), 5, "the toast")
        await pilot.pause()

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)
