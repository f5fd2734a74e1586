"""A symbol Kraken does not list gets a note naming the likely pair; the rest carry on."""

from __future__ import annotations

import pytest

from kraken_tui.feed.events import BookUpdated, FeedError, SymbolUnlisted
from kraken_tui.kraken.instruments import unlisted_note
from kraken_tui.sim import Simulator
from tests.feed.conftest import config_for

LISTED = ("BTC/USD", "DOGE/USD", "ETH/USD", "SOL/USD")


@pytest.mark.parametrize(("symbol", "note"), [
    ("XBT/USD", "XBT/USD is Kraken's v1 name; v2 uses BTC/USD"),
    ("XDG/USD", "XDG/USD is Kraken's v1 name; v2 uses DOGE/USD"),
    ("ETH/USDD", "ETH/USDD is not listed on Kraken; closest listed pair: ETH/USD"),
    ("NOPE/JPY", "NOPE/JPY is not listed on Kraken"),
])
def test_the_note_names_the_pair_meant(symbol: str, note: str) -> None:
    assert unlisted_note(symbol, LISTED) == note


async def test_unlisted_symbols_are_reported_and_never_subscribed(sim: Simulator,
                                                                 start_feed) -> None:
    runner = start_feed(config_for(sim, symbols=("BTC/USD", "XBT/USD", "NOPE/USD"),
                                   api_key=None, api_secret=None))
    xbt = await runner.log.next(SymbolUnlisted, lambda e: e.symbol == "XBT/USD")
    assert xbt.note == "XBT/USD is Kraken's v1 name; v2 uses BTC/USD"
    nope = await runner.log.next(SymbolUnlisted, lambda e: e.symbol == "NOPE/USD")
    assert nope.note.startswith("NOPE/USD is not listed on Kraken")
    await runner.log.next(BookUpdated, lambda e: e.symbol == "BTC/USD" and e.valid)
    stale = [e for e in runner.log.of(BookUpdated) if e.symbol == "XBT/USD"]
    assert stale and all(not e.valid and e.reason == "not_listed" for e in stale)
    # Nothing was asked of Kraken for them, so nothing was refused.
    assert not [e for e in runner.log.of(FeedError) if "refused" in e.error]
    assert [e.symbol for e in runner.log.of(SymbolUnlisted)] == ["XBT/USD", "NOPE/USD"]
