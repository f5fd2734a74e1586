"""Bid and ask prices stay readable on the ladder's background in every built-in theme."""

from __future__ import annotations

import pytest
from textual.color import Color
from textual.theme import BUILTIN_THEMES
from ui_scenarios import live_script, make_app, settle

from kraken_tui.ui.widgets.book import BookLadder

#: WCAG's minimum for large or bold text; the ladder's digits are what a trader reads.
MIN_CONTRAST = 3.0


def luminance(color: Color) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("theme", ["textual-light", "textual-dark", "solarized-light",
                                   "nord", "gruvbox", "catppuccin-latte"])
async def test_bid_and_ask_text_is_readable(theme: str) -> None:
    assert theme in BUILTIN_THEMES
    app, holder = make_app(live_script(), theme=theme)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        ladder = app.query_one(BookLadder)
        background = ladder.styles.background
        for name in ("book--bid", "book--ask"):
            color = ladder.get_component_styles(name).color
            ratio = contrast(background.blend(color, color.a), background)
            assert ratio >= MIN_CONTRAST, f"{theme} {name}: {ratio:.2f}"
