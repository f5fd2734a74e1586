"""The ladder's window over a deep book: scrolling anchored on a price, my orders' places."""

from __future__ import annotations

from decimal import Decimal

from kraken_tui.kraken.models import Order, ViewLevel
from kraken_tui.ui.widgets.ladder_window import (
    Anchor,
    LadderScroll,
    deepest_total,
    edge_text,
    fit_edge,
    fit_mark,
    locate,
    place_orders,
    plan_window,
    row_marks,
    scroll_label,
)

D = Decimal


def book(n_asks: int, n_bids: int, start_ask: int = 1001, start_bid: int = 1000,
         step: int = 1) -> tuple[tuple[ViewLevel, ...], tuple[ViewLevel, ...]]:
    """Whole-number prices, size 1 each: ask i at start_ask + i*step, bid i below."""
    asks = tuple(ViewLevel(D(start_ask + i * step), D(1), D(i + 1)) for i in range(n_asks))
    bids = tuple(ViewLevel(D(start_bid - i * step), D(1), D(i + 1)) for i in range(n_bids))
    return asks, bids


def order(side: str, price: str | None, qty: str = "1", filled: str = "0",
          symbol: str = "X/USD") -> Order:
    return Order(f"O-{side}-{price}-{qty}", symbol, side, "limit", D(qty),
                 None if price is None else D(price), D(filled))


def prices(plan, asks, bids) -> list[str]:
    """What each line shows, for reading a plan at a glance."""
    out = []
    for kind, index in plan.slots:
        if kind == "ask":
            out.append(f"a{asks[index].price}")
        elif kind == "bid":
            out.append(f"b{bids[index].price}")
        else:
            out.append(kind)
    return out


def test_locate_finds_the_row_at_or_beyond_a_price() -> None:
    asks, bids = book(5, 5, step=2)  # asks 1001..1009, bids 1000..992
    assert locate(D(1003), "ask", asks) == 1
    assert locate(D(1004), "ask", asks) == 2  # no level: the next one out (1005)
    assert locate(D(1100), "ask", asks) == 5  # beyond the deepest
    assert locate(D(998), "bid", bids) == 1
    assert locate(D(997), "bid", bids) == 2  # 996
    assert locate(D(900), "bid", bids) == 5


def test_a_window_that_is_not_scrolled_follows_the_spread() -> None:
    asks, bids = book(1000, 1000)
    scroll = LadderScroll()
    top = scroll.top(asks, bids, 3)
    plan = plan_window(top, 7, len(asks), len(bids))
    assert prices(plan, asks, bids) == ["a1003", "a1002", "a1001", "spread", "b1000", "b999",
                                        "b998"]
    assert scroll_label(plan, 1000, 1000) == "asks 1\u20133/1000 \u00b7 bids 1\u20133/1000"


def test_a_shallow_book_sits_centred_with_blank_lines_and_cannot_scroll() -> None:
    asks, bids = book(2, 1)
    scroll = LadderScroll()
    plan = plan_window(scroll.top(asks, bids, 3), 7, 2, 1)
    assert prices(plan, asks, bids) == ["empty", "a1002", "a1001", "spread", "b1000", "empty",
                                        "empty"]
    assert scroll_label(plan, 2, 1) == ""  # everything is on screen
    assert not scroll.move(-5, asks, bids, 3) and not scroll.move(5, asks, bids, 3)
    assert scroll.following


def test_scrolling_is_clamped_to_the_deepest_rows() -> None:
    asks, bids = book(10, 10)
    scroll = LadderScroll()
    assert scroll.move(-100, asks, bids, 2)
    plan = plan_window(scroll.top(asks, bids, 2), 5, 10, 10)
    assert prices(plan, asks, bids)[0] == "a1010"  # the deepest ask on the top line
    assert scroll_label(plan, 10, 10) == "asks 6\u201310/10"
    assert scroll.move(100, asks, bids, 2)
    plan = plan_window(scroll.top(asks, bids, 2), 5, 10, 10)
    assert prices(plan, asks, bids)[-1] == "b991"  # the deepest bid on the bottom line
    scroll.move(-8, asks, bids, 2)  # back to the centred place: following again
    assert scroll.following


def test_a_scrolled_window_stays_on_its_price_as_the_book_changes() -> None:
    asks, bids = book(100, 100)
    scroll = LadderScroll()
    scroll.move(-20, asks, bids, 3)
    before = prices(plan_window(scroll.top(asks, bids, 3), 7, 100, 100), asks, bids)
    assert scroll.anchor == Anchor("ask", D(1020))  # the centre line
    # Five new asks inside the spread and two bids gone: positions shift, prices do not.
    more_asks = tuple(ViewLevel(D(1000) + D(i + 1) / 10, D(1), D(i + 1)) for i in range(5))
    moved = (*more_asks, *asks)
    after = prices(plan_window(scroll.top(moved, bids[2:], 3), 7, 105, 98), moved, bids[2:])
    assert after == before
    # The anchored level itself goes: the window keeps the line with the next one out.
    gone = tuple(lv for lv in asks if lv.price != D(1020))
    after = prices(plan_window(scroll.top(gone, bids, 3), 7, 99, 100), gone, bids)
    assert after[3] == "a1021"


def test_the_spread_can_be_the_anchor_and_recentre_follows_again() -> None:
    asks, bids = book(50, 50)
    scroll = LadderScroll()
    scroll.move(2, asks, bids, 3)  # the spread two lines above the centre
    assert scroll.anchor == Anchor("bid", D(999))
    scroll.recentre()
    assert scroll.following and scroll.top(asks, bids, 3) == 47


def test_orders_are_placed_by_their_price_and_beyond_the_book_at_the_edges() -> None:
    asks, bids = book(10, 10)  # asks 1001..1010, bids 1000..991
    placed = place_orders([order("sell", "1003"), order("buy", "995", "2", "0.5"),
                           order("sell", "2000"), order("buy", "1"),
                           order("sell", "990"),  # a stop sell below the market: bid side
                           order("buy", None), order("buy", "999", "1", "1")],
                          asks, bids, 1, 0)
    assert [(p.position, p.order.limit_price, p.exact) for p in placed] == [
        (7, D(1003), True), (16, D(995), True), (-1, D(2000), False), (21, D(1), False),
        (21, D(990), False)]  # no price, or nothing left to fill: no row


def test_an_order_between_levels_is_marked_on_the_next_row_out() -> None:
    asks, bids = book(5, 5, step=2)  # asks 1001, 1003, ...; bids 1000, 998, ...
    [ask] = place_orders([order("sell", "1002", "0.5")], asks, bids, 1, 0)
    [bid] = place_orders([order("buy", "999")], asks, bids, 1, 0)
    assert (ask.position, ask.exact) == (3, False)  # the 1003 row
    assert (bid.position, bid.exact) == (7, False)  # the 998 row
    marks = row_marks([ask, bid], lambda p: f"{p:.1f}")
    assert marks == {3: "\u25c0 S 0.5 @1002.0", 7: "\u25c0 B 1 @999.0"}
    # In the spread, the order's own side decides.
    asks, bids = book(5, 5, start_ask=1010)
    [inside] = place_orders([order("buy", "1005")], asks, bids, 1, 0)
    assert inside.position == 6  # bid 0


def test_grouped_orders_share_their_bucket_row() -> None:
    # asks 1001..1030 and bids 1000..971 grouped by 10: asks to the ceiling, bids down.
    grouped_asks = (ViewLevel(D(1010), D(10), D(10)), ViewLevel(D(1020), D(10), D(20)),
                    ViewLevel(D(1030), D(10), D(30)))
    grouped_bids = (ViewLevel(D(1000), D(1), D(1)), ViewLevel(D(990), D(10), D(11)))
    placed = place_orders([order("sell", "1011", "0.25"), order("sell", "1019", "0.5"),
                           order("buy", "995", "2")], grouped_asks, grouped_bids, 10, 0)
    assert [p.exact for p in placed] == [True, True, True]  # 1011, 1019 -> 1020; 995 -> 990
    assert row_marks(placed, str) == {1: "\u25c0 S 0.75 \u00d72", 5: "\u25c0 B 2"}


def test_edge_lines_take_a_blank_line_or_hide_one_row() -> None:
    asks, bids = book(2, 2)
    placed = place_orders([order("sell", "1500"), order("buy", "900", "3")], asks, bids, 1, 0)
    plan = plan_window(LadderScroll().top(asks, bids, 3), 7, 2, 2, placed)
    assert prices(plan, asks, bids) == ["above", "a1002", "a1001", "spread", "b1000", "b999",
                                        "below"]
    assert edge_text("above", plan.above, str) == "\u25b2 1 order above: S 1 @ 1500"
    assert edge_text("below", plan.below, str) == "\u25bc 1 order below: B 3 @ 900"
    asks, bids = book(100, 100)
    placed = place_orders([order("sell", "1050"), order("sell", "1004"),
                           order("sell", "1040")], asks, bids, 1, 0)
    plan = plan_window(LadderScroll().top(asks, bids, 3), 7, 100, 100, placed)
    assert prices(plan, asks, bids) == ["above", "a1002", "a1001", "spread", "b1000", "b999",
                                        "b998"]
    # 1004 was shown on the top line, now the edge line: it counts as above too.
    assert edge_text("above", plan.above, str) == "\u25b2 3 orders above, nearest 1004"


def test_the_bar_scale_is_the_deepest_total_in_the_window() -> None:
    asks, bids = book(100, 100)
    assert deepest_total(97, 7, asks, bids) == D(3)  # asks 1-3, bids 1-3
    assert deepest_total(0, 7, asks, bids) == D(100)  # the deepest ask on the top line
    assert deepest_total(150, 7, asks, bids) == D(56)  # only bids
    asks, bids = book(2, 1)
    assert deepest_total(-1, 7, asks, bids) == D(2)


def test_a_marker_that_does_not_fit_drops_its_numbers_never_cuts_them() -> None:
    text = "\u25c0 B 0.0006678 \u00d72 S 1.5"
    assert fit_mark(text, len(text)) == text
    assert fit_mark(text, len(text) - 1) == "\u25c0 B \u00d72 S"
    assert fit_mark("\u25c0 B 0.0006678", 10) == "\u25c0 B"
    assert fit_mark(text, 5) == "\u25c0"
    assert fit_mark(text, 0) == ""


def test_an_off_level_marker_keeps_its_price_longest_then_says_it_is_elsewhere() -> None:
    text = "\u25c0 S 2 @62,001.5"  # the order rests between levels: marked on the next row
    assert fit_mark(text, len(text)) == text
    assert fit_mark(text, len(text) - 1) == "\u25c0 S @62,001.5"
    assert fit_mark(text, 8) == "\u25c0 S @\u2026"  # not at this row's price
    assert fit_mark(text, 5) == "\u25c0 S"
    assert fit_mark(text, 2) == "\u25c0"


def test_an_edge_line_that_does_not_fit_keeps_its_arrow_and_count() -> None:
    one = "\u25b2 1 order above: S 0.00066780 @ 97,800.0"
    many = "\u25bc 3 orders below, nearest 96,900.0"
    assert fit_edge(one, 60) == one
    assert fit_edge(one, 30) == "\u25b2 1 order above"
    assert fit_edge(many, 20) == "\u25bc 3 orders below"
    assert fit_edge(many, 5) == "\u25bc 3"
    assert fit_edge(many, 2) == "\u25bc"
