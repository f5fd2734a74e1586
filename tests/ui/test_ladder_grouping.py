"""Price grouping (display only): exact sums, asks to the ceiling, bids to the floor.

Checked by hand on small books and, on the real captures, against an independent
computation from the book's own level strings, with the checksum left as it was.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

import pytest

from kraken_tui.kraken.book import OrderBook
from kraken_tui.kraken.frames import BookFrame, decode_frame
from kraken_tui.kraken.models import ViewLevel
from kraken_tui.ui.widgets.ladder_grouping import (
    GROUPINGS,
    GroupedSides,
    bucket_price,
    group_levels,
    grouping_label,
    next_grouping,
    tick_size,
)
from tests.captures import capture_path

D = Decimal


def side(*levels: tuple[str, str]) -> tuple[ViewLevel, ...]:
    """Levels best first, with running totals, from (price, qty) text."""
    out, cum = [], D(0)
    for price, qty in levels:
        cum += D(qty)
        out.append(ViewLevel(D(price), D(qty), cum))
    return tuple(out)


def as_text(levels: tuple[ViewLevel, ...]) -> list[tuple[str, str, str]]:
    return [(str(lv.price), str(lv.qty), str(lv.cum_qty)) for lv in levels]


def test_one_tick_returns_the_levels_unchanged() -> None:
    asks = side(("100.1", "1.5"), ("100.2", "2"))
    assert group_levels(asks, 1, "ask", 1) == asks


def test_asks_go_up_to_the_ceiling_bucket_with_exact_sums() -> None:
    asks = side(("100.1", "0.10000000"), ("100.9", "0.20000000"), ("101.0", "0.30000000"),
                ("101.1", "1.00000001"), ("103.5", "2"))
    assert as_text(group_levels(asks, 10, "ask", 1)) == [
        ("101.0", "0.60000000", "0.60000000"),  # 100.1, 100.9 and 101.0 itself (on the edge)
        ("102.0", "1.00000001", "1.60000001"),
        ("104.0", "2", "3.60000001"),
    ]


def test_bids_go_down_to_the_floor_bucket_with_exact_sums() -> None:
    bids = side(("101.0", "0.3"), ("100.9", "0.2"), ("100.1", "0.1"), ("100.0", "0.4"),
                ("99.9", "5"))
    assert as_text(group_levels(bids, 10, "bid", 1)) == [
        ("101.0", "0.3", "0.3"),
        ("100.0", "0.7", "1.0"),  # 100.9, 100.1 and 100.0 itself
        ("99.0", "5", "6.0"),
    ]


def test_a_hundred_ticks_and_a_whole_number_tick() -> None:
    asks = side(("97215.4", "1"), ("97219.9", "2"), ("97220.0", "3"), ("97220.1", "4"))
    assert as_text(group_levels(asks, 100, "ask", 1)) == [
        ("97220.0", "6", "6"), ("97230.0", "4", "10")]
    bids = side(("1234", "1"), ("1230", "1"), ("1229", "2"), ("1100", "3"), ("1099", "4"))
    assert as_text(group_levels(bids, 10, "bid", 0)) == [
        ("1230", "2", "2"), ("1220", "2", "4"), ("1100", "3", "7"), ("1090", "4", "11")]
    assert as_text(group_levels(bids, 100, "bid", 0)) == [
        ("1200", "4", "4"), ("1100", "3", "7"), ("1000", "4", "11")]


def test_fine_precision_and_the_floor_at_zero() -> None:
    bids = side(("0.00012", "100"), ("0.00009", "50"), ("0.00001", "25"))
    assert as_text(group_levels(bids, 10, "bid", 5)) == [
        ("0.00010", "100", "100"), ("0.00000", "75", "175")]
    asks = side(("0.00001", "1"), ("0.00010", "2"), ("0.00011", "3"))
    assert as_text(group_levels(asks, 100, "ask", 5)) == [("0.00100", "6", "6")]


def test_sums_stay_exact_beyond_the_default_decimal_context() -> None:
    # 29 significant digits: the default 28-digit context would round this sum.
    asks = side(("10.1", "100000000000000000000"), ("10.9", "0.00000001"))
    [bucket] = group_levels(asks, 10, "ask", 1)
    assert bucket.qty == D("100000000000000000000.00000001")
    assert bucket.cum_qty == bucket.qty


def test_the_total_is_the_sides_total_and_the_sides_never_cross() -> None:
    asks = side(*[(f"{100 + i * 0.3:.1f}", f"0.{i + 1:08d}") for i in range(40)])
    bids = side(*[(f"{99.9 - i * 0.7:.1f}", f"{i + 1}.5") for i in range(40)])
    for multiple in GROUPINGS:
        g_asks = group_levels(asks, multiple, "ask", 1)
        g_bids = group_levels(bids, multiple, "bid", 1)
        assert g_asks[-1].cum_qty == asks[-1].cum_qty
        assert g_bids[-1].cum_qty == bids[-1].cum_qty
        assert g_asks[0].price > g_bids[0].price
        assert [lv.price for lv in g_asks] == sorted({lv.price for lv in g_asks})
        assert [lv.price for lv in g_bids] == sorted({lv.price for lv in g_bids}, reverse=True)


def test_a_price_off_the_tick_still_lands_in_its_bucket_and_bad_arguments_fail() -> None:
    # Not from the core (its prices are whole ticks), but no size is rounded either way.
    assert as_text(group_levels(side(("100.15", "1"), ("100.95", "2")), 10, "ask", 1)) == [
        ("101.0", "3", "3")]
    assert as_text(group_levels(side(("100.05", "1"), ("99.95", "2")), 10, "bid", 1)) == [
        ("100.0", "1", "1"), ("99.0", "2", "3")]
    with pytest.raises(ValueError):
        group_levels(side(("100.1", "1")), 0, "ask", 1)
    with pytest.raises(ValueError):
        group_levels(side(("100.1", "1")), 10, "buy", 1)


def test_bucket_price_rounds_like_the_buckets() -> None:
    assert bucket_price(D("97215.37"), 1, "ask", 1) == D("97215.4")
    assert bucket_price(D("97215.37"), 1, "bid", 1) == D("97215.3")
    assert bucket_price(D("97215.3"), 10, "ask", 1) == D("97216.0")
    assert bucket_price(D("97216.0"), 10, "ask", 1) == D("97216.0")
    assert bucket_price(D("97215.3"), 100, "bid", 1) == D("97210.0")


def test_labels_and_the_cycle() -> None:
    assert tick_size(1) == D("0.1") and tick_size(0) == D(1)
    assert grouping_label(10, 1) == "group 10\u00d70.1"
    assert grouping_label(100, 0) == "group 100\u00d71"
    assert grouping_label(1, 5) == "group 1\u00d70.00001"
    assert [next_grouping(m) for m in (1, 10, 100, 7)] == [10, 100, 1, 1]


def test_grouped_sides_are_summed_once_per_view() -> None:
    from ui_scenarios import make_view

    view, cache = make_view(depth=50), GroupedSides()
    first = cache.of(view, 10)
    assert cache.of(view, 10)[0] is first[0]
    assert cache.of(view, 1) == (view.asks, view.bids)
    assert cache.of(make_view(depth=50, bump=1), 10)[0] is not first[0]


# -- the real captures ------------------------------------------------------------------


def _pks_frames() -> list[str]:
    data = json.loads(capture_path("python-kraken-sdk-orderbook-v2.json").read_text())
    return [json.dumps(m) for m in [data["init"], *data["updates"]]]


def _mina_frames() -> list[str]:
    lines = capture_path("depthcharge-kraken_minagbp_d25_20260816.ndjson").read_text()
    out = []
    for line in lines.splitlines()[1:]:
        if '"dir": "tx"' in line:
            continue
        start = line.index('"frame":') + len('"frame":')
        out.append(line[start:].strip()[:-1].strip())
    return out


def _by_hand(levels: list[tuple[str, str]], multiple: int, side_name: str,
             precision: int) -> list[tuple[Decimal, Decimal]]:
    """Buckets from the book's level strings, by Decimal division (not the module's ticks)."""
    size = D(multiple) * D(1).scaleb(-precision)
    sums: dict[Decimal, Decimal] = defaultdict(D)
    for price, qty in levels:
        steps = D(price) / size
        rounded = steps.to_integral_value(rounding="ROUND_CEILING" if side_name == "ask"
                                          else "ROUND_FLOOR")
        sums[rounded * size] += D(qty)
    return sorted(sums.items(), reverse=side_name == "bid")


@pytest.mark.parametrize(("frames", "symbol", "depth", "pp", "qp"), [
    pytest.param(_pks_frames, "BTC/USD", 10, 1, 8, id="pks-btcusd"),
    pytest.param(_mina_frames, "MINA/GBP", 25, 4, 8, id="mina-gbp"),
])
def test_grouping_real_books_matches_by_hand_and_leaves_the_checksum(
        frames, symbol: str, depth: int, pp: int, qp: int) -> None:
    book = OrderBook(symbol, depth, pp, qp)
    checked = 0
    for text in frames():
        frame = decode_frame(text)
        if not isinstance(frame, BookFrame):
            continue
        for data in frame.books:
            assert book.apply(data, frame.is_snapshot)
            view = book.view()
            crc = book.checksum()
            bids, asks = book.levels()
            for multiple in GROUPINGS:
                for name, levels, raw in (("ask", view.asks, asks), ("bid", view.bids, bids)):
                    grouped = group_levels(levels, multiple, name, pp)
                    assert [(lv.price, lv.qty) for lv in grouped] == _by_hand(
                        raw, multiple, name, pp)
                    assert grouped[-1].cum_qty == sum((D(q) for _, q in raw), D(0))
            assert book.checksum() == crc == view.checksum  # grouping touched nothing
            assert book.view() is view
            checked += 1
    assert checked > 25
