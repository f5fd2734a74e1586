"""Only the book on screen is viewed in full; a switch gives the new one its depth at once."""

from __future__ import annotations

from kraken_tui.feed.books import UNFOCUSED_VIEW_LEVELS
from kraken_tui.feed.events import BookUpdated
from kraken_tui.sim import Simulator
from tests.feed.conftest import config_for


def levels(event: BookUpdated) -> int:
    assert event.view is not None
    return max(len(event.view.bids), len(event.view.asks))


async def test_views_are_full_only_for_the_focused_book(sim: Simulator, start_feed) -> None:
    runner = start_feed(config_for(sim, depth=100, view_levels=1000, api_key=None,
                                   api_secret=None))
    runner.feed.focus_symbol("BTC/USD")
    btc = await runner.log.next(BookUpdated, lambda e: e.symbol == "BTC/USD" and e.valid)
    eth = await runner.log.next(BookUpdated, lambda e: e.symbol == "ETH/USD" and e.valid)
    assert levels(btc) == 100
    assert levels(eth) == UNFOCUSED_VIEW_LEVELS
    mark = runner.log.mark()
    runner.feed.focus_symbol("ETH/USD")
    eth = await runner.log.next(BookUpdated, lambda e: e.symbol == "ETH/USD" and e.valid,
                                after=mark)
    assert levels(eth) == 100
    btc = await runner.log.next(BookUpdated, lambda e: e.symbol == "BTC/USD" and e.valid,
                                after=mark)
    assert levels(btc) == UNFOCUSED_VIEW_LEVELS
