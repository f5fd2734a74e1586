"""The market engine on its own: checksum rule, formatting, determinism, top-D diff semantics."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kraken_tui.sim.market import DEPTHS, PAIRS, BookView, Market, checksum_levels
from kraken_tui.sim.wire import Num, dumps, fmt_units
from tests.captures import docs_examples


def _ints(levels: list[dict[str, Any]], pp: int, qp: int) -> list[tuple[int, int]]:
    return [(int(Decimal(str(lv["price"])).scaleb(pp)), int(Decimal(str(lv["qty"])).scaleb(qp)))
            for lv in levels]


def test_checksum_matches_kraken_guide_and_matic_examples() -> None:
    docs = docs_examples()
    guide = docs["book_checksum_guide_btcusd"]
    data = guide["message"]["data"][0]
    assert checksum_levels(_ints(data["bids"], 1, 8), _ints(data["asks"], 1, 8)) == 3310070434
    matic = docs["book_channel_reference_matic_usd"]["snapshot"]["data"][0]
    assert checksum_levels(_ints(matic["bids"], 4, 8), _ints(matic["asks"], 4, 8)) == 2439117997


def test_number_tokens_keep_precision() -> None:
    assert fmt_units(628070, 1) == "62807.0"
    assert fmt_units(0, 8) == "0.00000000"
    assert fmt_units(288, 4) == "0.0288"
    assert fmt_units(-5, 2) == "-0.05"
    assert dumps({"price": Num("62807.0"), "qty": Num("0.00000000"), "s": "x"}) == (
        '{"price":62807.0,"qty":0.00000000,"s":"x"}')


def test_market_is_deterministic_from_seed() -> None:
    a, b, c = Market(5), Market(5), Market(6)
    for _ in range(300):
        for m in (a, b, c):
            m["BTC/USD"].step(0.0)
    assert a["BTC/USD"].top(1000) == b["BTC/USD"].top(1000)
    assert a["BTC/USD"].top(10) != c["BTC/USD"].top(10)


def test_pairs_have_real_precisions_and_doge_sizes() -> None:
    m = Market(1)
    prec = {s.symbol: (s.price_decimals, s.qty_decimals) for s in PAIRS}
    assert prec == {"BTC/USD": (1, 8), "ETH/USD": (2, 8), "MINA/GBP": (4, 8), "DOGE/USD": (7, 8)}
    bids, asks = m["DOGE/USD"].top(50)
    assert all(q >= 10**4 * 10**8 for _, q in bids + asks)
    for symbol in prec:
        bids, asks = m[symbol].top(1000)
        assert len(bids) == len(asks) == 1000
        assert bids[0][0] < asks[0][0]


@pytest.mark.parametrize("depth", DEPTHS)
def test_view_diff_is_exactly_kraken_update_semantics(depth: int, mini_book: Any) -> None:
    """Apply every diff to an independent book: checksum and top-D match after each one;
    deletions only for levels that were in view and were not merely pushed out."""
    market = Market(11)
    sm = market["ETH/USD"]
    view = BookView(depth)
    client = mini_book(depth, 2, 8)

    def render(levels: list[tuple[int, int]]) -> list[dict[str, str]]:
        return [{"price": fmt_units(p, 2), "qty": fmt_units(q, 8)} for p, q in levels]

    bids, asks = view.snapshot(sm)
    assert client.apply({"bids": render(bids), "asks": render(asks),
                         "checksum": checksum_levels(bids, asks)}, True)
    sizes = []
    for i in range(1200 if depth < 500 else 200):
        before_b, before_a = dict(view.bids), dict(view.asks)
        sm.step(float(i))
        bid_ch, ask_ch, new_b, new_a = view.diff(sm)
        for changes, before, new in ((bid_ch, before_b, new_b), (ask_ch, before_a, new_a)):
            new_prices = {p for p, _ in new}
            for price, lots in changes:
                if lots == 0:
                    assert price in before and price not in new_prices
                else:
                    assert price in new_prices
            sizes.append(len(changes))
        frame = {"bids": render(bid_ch), "asks": render(ask_ch),
                 "checksum": checksum_levels(new_b, new_a)}
        assert client.apply(frame, False), f"checksum mismatch at step {i}"
        truth_b, truth_a = sm.render(new_b), sm.render(new_a)
        assert client.levels() == (truth_b, truth_a)
        assert len(truth_b) == len(truth_a) == depth
    assert max(sizes) >= 3  # bursts happen
