"""The layout follows the terminal: every resize gives the screen a fresh start would.

Textual hands ``App.on_resize`` the new size before ``App.size`` has it; reading the
latter left the layout one resize behind (issue 13).
"""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from textual.pilot import Pilot
from ui_scenarios import live_script, make_app, settle

from kraken_tui.ui.app import FULL_FOOTER_FROM, SHORT_BELOW

#: The sequence of the issue: grow from below the narrow limit, shrink, grow a lot.
SEQUENCE = ((79, 24), (120, 40), (80, 24), (200, 60))


async def screen_at(sizes: tuple[tuple[int, int], ...]) -> tuple[list[object], str, str]:
    """Start at ``sizes[0]``, resize through the rest; the widgets' places and the text."""
    app, holder = make_app(live_script())
    async with app.run_test(size=sizes[0]) as pilot:
        await settle(pilot, holder)
        for size in sizes[1:]:
            await pilot.resize_terminal(*size)
            await settle_layout(pilot)
        places = [(w.id, w.display, w.region) for w in app.screen.walk_children() if w.id]
        return places, screen_text(app), svg_without_ids(app.export_screenshot())


def screen_text(app: object) -> str:
    """The screen's characters, as ``export_screenshot`` renders them (readable diffs)."""
    width, height = app.size  # type: ignore[attr-defined]
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True))  # type: ignore[attr-defined]
    return console.export_text()


def svg_without_ids(svg: str) -> str:
    """The SVG's ids are a hash of its content; the content (colours too) must match."""
    return re.sub(r"terminal-\d+", "terminal", svg)


async def settle_layout(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("stage", range(1, len(SEQUENCE)), ids=lambda i: "x".join(
    map(str, SEQUENCE[i])))
async def test_each_resize_matches_a_fresh_start(stage: int) -> None:
    resized = await screen_at(SEQUENCE[: stage + 1])
    fresh = await screen_at(SEQUENCE[stage:stage + 1])
    assert resized[0] == fresh[0]
    assert resized[1].splitlines() == fresh[1].splitlines()
    assert resized[2] == fresh[2]


@pytest.mark.parametrize("rows", [50, 55, 56, 60, 70])
async def test_the_connection_panel_shows_only_where_open_orders_keeps_room(rows: int) -> None:
    """At 50 rows the connection panel squeezed Open orders to two visible orders (seen
    in the demo at 200x50); it now waits for "h" until the orders keep 8 lines."""
    app, holder = make_app(live_script())
    async with app.run_test(size=(200, rows)) as pilot:
        await settle(pilot, holder)
        await settle_layout(pilot)
        health = app.screen.query_one("#health")
        orders = app.screen.query_one("#orders")
        assert health.display == (rows >= SHORT_BELOW)
        assert orders.content_region.height >= 8


@pytest.mark.parametrize("size", [(80, 24), (99, 30), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_footer_shows_every_key_in_full(size: tuple[int, int]) -> None:
    """At 80 columns the last key read "C" with its label cut; narrow, the footer now
    drops its spacing and the palette key (ctrl+p still opens the palette)."""
    app, holder = make_app(live_script())
    async with app.run_test(size=size) as pilot:
        await settle(pilot, holder)
        await settle_layout(pilot)
        footer = screen_text(app).splitlines()[size[1] - 1]
        assert "C Cancel all" in footer
        assert ("^p palette" in footer) == (size[0] >= FULL_FOOTER_FROM)
