"""The ladder in the running app: scrolling a deep book, grouping, my orders on it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ladder_scenarios import DEEP, deep_script, deep_view, my_orders, own_orders_script
from textual import events
from textual.pilot import Pilot
from ui_scenarios import make_app, settle, wait_for

from kraken_tui.feed.events import BookUpdated, OrdersUpdated
from kraken_tui.kraken.models import BookView, Order, ViewLevel
from kraken_tui.ui.widgets.book import BookLadder
from kraken_tui.ui.widgets.ladder_grouping import group_levels
from kraken_tui.ui.widgets.ladder_rows import Row, shown_price

SIZE = (120, 35)  # the ladder's window (under the ticker line): 27 lines, 13 levels a side
D = Decimal


def ladder_of(app, index: int = 0) -> BookLadder:
    return app.query_one(f"#book-{index}", BookLadder)


def window(ladder: BookLadder) -> list[Row]:
    """The rows between the column titles and the imbalance line."""
    rows = ladder._rows
    start = next(i for i, r in enumerate(rows) if r.kind == "header") + 1
    end = next(i for i, r in enumerate(rows) if r.kind == "imbalance")
    return rows[start:end]


def prices(ladder: BookLadder) -> list[str]:
    return [r.cells[0] if r.kind in ("ask", "bid") else r.kind for r in window(ladder)]


def spread_line(ladder: BookLadder) -> int | None:
    kinds = [r.kind for r in window(ladder)]
    return kinds.index("spread") if "spread" in kinds else None


async def started(pilot: Pilot, holder) -> BookLadder:
    await settle(pilot, holder)
    ladder = ladder_of(pilot.app)
    await wait_for(pilot, lambda: ladder.has_focus, 5, "the shown ladder to have focus")
    return ladder


async def test_scroll_keys_move_the_window_and_m_recentres() -> None:
    app, holder = make_app(deep_script(), depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        ladder = await started(pilot, holder)
        assert spread_line(ladder) == 13 and ladder.scroll.following
        assert prices(ladder)[12] == "97,215.4" and prices(ladder)[14] == "97,215.3"
        assert ladder.border_subtitle == "LIVE · asks 1–13/1000 · bids 1–13/1000"
        await pilot.press("up")
        assert spread_line(ladder) == 14 and not ladder.scroll.following
        await pilot.press("pageup")  # 25 rows: the window less two lines of overlap
        assert spread_line(ladder) is None
        assert prices(ladder)[0] == shown_price(DEEP)(DEEP.asks[38].price)
        assert ladder.border_subtitle == "LIVE · asks 13–39/1000"
        await pilot.press("down", "down")
        assert ladder.border_subtitle == "LIVE · asks 11–37/1000"
        await pilot.press("m")
        assert spread_line(ladder) == 13 and ladder.scroll.following
        await pilot.press("pagedown", "pagedown")
        assert ladder.border_subtitle == "LIVE · bids 37–63/1000"
        await pilot.press("home")
        assert spread_line(ladder) == 13
        assert ladder.border_subtitle == "LIVE · asks 1–13/1000 · bids 1–13/1000"


async def test_the_window_reaches_the_deepest_levels_and_no_further() -> None:
    app, holder = make_app(deep_script(), depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        ladder = await started(pilot, holder)
        for _ in range(45):
            await pilot.press("pageup")
        assert prices(ladder)[0] == shown_price(DEEP)(DEEP.asks[-1].price)
        assert ladder.border_subtitle == "LIVE · asks 974–1000/1000"
        await pilot.press("up")  # already at the top: nothing moves
        assert ladder.border_subtitle == "LIVE · asks 974–1000/1000"


async def test_the_mouse_wheel_scrolls_the_ladder() -> None:
    app, holder = make_app(deep_script(), depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        ladder = await started(pilot, holder)
        # Pilot has no wheel helper: its own mouse-event path, as a terminal's wheel.
        await pilot._post_mouse_events([events.MouseScrollUp], ladder, offset=(10, 10))
        assert spread_line(ladder) == 16
        await pilot._post_mouse_events([events.MouseScrollDown], ladder, offset=(10, 10))
        await pilot._post_mouse_events([events.MouseScrollDown], ladder, offset=(10, 10))
        assert spread_line(ladder) == 10


async def test_a_scrolled_window_stays_on_its_prices_as_new_views_arrive() -> None:
    app, holder = make_app(deep_script(), depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        ladder = await started(pilot, holder)
        await pilot.press("pageup", "pageup")
        before = prices(ladder)
        # A new view: three new asks inside the spread, different sizes everywhere.
        later = deep_view(bump=3)
        extra = tuple(ViewLevel(later.asks[0].price - D("0.1") * (i + 1), D("0.5"), D("0.5"))
                      for i in range(3))
        holder.feed.emit(BookUpdated("BTC/USD", True, replace(later, asks=extra + later.asks)))
        await settle(pilot, holder)
        assert prices(ladder) == before
        # Following (not scrolled), the spread stays in the middle whatever arrives.
        await pilot.press("m")
        holder.feed.emit(BookUpdated("BTC/USD", True, DEEP))
        await settle(pilot, holder)
        assert spread_line(ladder) == 13


async def test_g_groups_rows_and_totals_exactly_and_cycles_back() -> None:
    app, holder = make_app(deep_script(), depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        ladder = await started(pilot, holder)
        await pilot.press("g")
        assert ladder.grouping == 10
        assert ladder.border_title == "BTC/USD · depth 1000 · group 10×0.1"
        asks = group_levels(DEEP.asks, 10, "ask", 1)
        bids = group_levels(DEEP.bids, 10, "bid", 1)
        rows = window(ladder)
        assert rows[13].kind == "spread"
        qp = DEEP.qty_precision
        expected_asks = [(f"{lv.price:,.1f}", f"{lv.qty:,.{qp}f}", f"{lv.cum_qty:,.{qp}f}")
                         for lv in asks[12::-1]]
        assert [r.cells for r in rows[:13]] == expected_asks
        assert rows[14].cells == (f"{bids[0].price:,.1f}", f"{bids[0].qty:,.{qp}f}",
                                  f"{bids[0].cum_qty:,.{qp}f}")
        # By hand: the best ask bucket is 97216.0, the levels 97215.4 .. 97216.0.
        assert asks[0].price == D("97216.0")
        assert asks[0].qty == sum((lv.qty for lv in DEEP.asks if lv.price <= D("97216.0")),
                                  D(0))
        assert ladder.view is not None and ladder.view.asks == DEEP.asks  # display only
        await pilot.press("g")
        assert ladder.border_title == "BTC/USD · depth 1000 · group 100×0.1"
        assert window(ladder)[12].cells[0] == "97,220.0"
        await pilot.press("g")
        assert ladder.border_title == "BTC/USD · depth 1000"
        assert prices(ladder)[12] == "97,215.4"


async def test_grouping_keeps_a_scrolled_window_on_its_price() -> None:
    app, holder = make_app(deep_script(), depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        ladder = await started(pilot, holder)
        await pilot.press("pageup", "pageup", "pageup")
        centre = D(prices(ladder)[13].replace(",", ""))
        await pilot.press("g")
        bucket = D(prices(ladder)[13].replace(",", ""))
        assert bucket - D(1) < centre <= bucket  # the ask bucket holding that price


async def test_my_orders_are_marked_on_their_rows_and_beyond_on_the_edges() -> None:
    app, holder = make_app(own_orders_script(), depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        ladder = await started(pilot, holder)
        rows = window(ladder)
        marked = {r.cells[0]: r.mark for r in rows if r.kind in ("ask", "bid") and r.mark}
        assert marked == {"97,216.2": "◀ S 0.3", "97,215.1": "◀ B 2 ×2"}
        assert rows[0] == Row("edge", ("▲ 1 order above: S 2 @ 97,274.9",))
        assert rows[-1] == Row("edge", ("▼ 1 order below: B 3 @ 97,116.7",))
        assert spread_line(ladder) == 13  # the edge lines took the deepest rows' places
        # Scrolled up, the near orders go below the window and join the far buy.
        for _ in range(3):
            await pilot.press("pageup")
        assert window(ladder)[-1] == Row("edge", ("▼ 4 orders below, nearest 97,216.2",))
        # Grouped, the orders are marked on their buckets.
        await pilot.press("m", "g")
        marked = {r.cells[0]: r.mark for r in window(ladder) if r.mark}
        assert marked == {"97,217.0": "◀ S 0.3", "97,215.0": "◀ B 2 ×2"}
        # Filled or cancelled: gone from the ladder.
        holder.feed.emit(OrdersUpdated(my_orders()[3:]))
        await settle(pilot, holder)
        assert not any(r.mark for r in window(ladder))
        assert ladder.own_orders == my_orders()[3:]


async def test_scrolling_while_paused_keeps_the_frozen_view() -> None:
    app, holder = make_app(deep_script(), depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        ladder = await started(pilot, holder)
        await pilot.press("p")
        holder.feed.emit(BookUpdated("BTC/USD", True, deep_view(bump=7)))
        await settle(pilot, holder)
        await pilot.press("up")
        frozen: BookView = DEEP
        assert window(ladder)[13].cells[1] == f"{frozen.asks[0].qty:.8f}"
        await pilot.press("p")
        await wait_for(pilot, lambda: not ladder.pending, 5, "the resumed paint")
        assert window(ladder)[13].cells[1] == f"{deep_view(bump=7).asks[0].qty:.8f}"


async def test_the_shown_ladder_takes_the_keys_after_a_symbol_switch() -> None:
    app, holder = make_app(deep_script(), depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, holder)
        await pilot.press("2")
        eth = ladder_of(app, 1)
        await wait_for(pilot, lambda: eth.has_focus, 5, "ETH/USD's ladder to take focus")
        await pilot.press("g")
        assert eth.grouping == 10 and ladder_of(app, 0).grouping == 1


async def test_tab_hands_the_arrows_to_the_orders_table_and_back() -> None:
    from kraken_tui.ui.widgets.orders import OrdersTable

    app, holder = make_app(own_orders_script(), depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        ladder = await started(pilot, holder)
        await pilot.press("tab")
        assert isinstance(app.focused, OrdersTable)
        await pilot.press("up", "pageup")
        assert ladder.scroll.following  # the arrows went to the table
        await pilot.press("shift+tab")  # tab goes on to My fills and Balances
        assert app.focused is ladder
        await pilot.press("up")
        assert not ladder.scroll.following


async def test_the_help_screen_lists_the_ladder_keys() -> None:
    from kraken_tui.ui.screens import HelpScreen

    app, holder = make_app(deep_script(), depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, holder)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "the help")
        text = str(app.screen.query_one("#help-text").render())
        for line in ("↑    Scroll up", "PgDn Page down", "m    Centre", "g    Group"):
            assert line in text


async def test_a_marker_too_wide_for_the_ladder_loses_its_size_not_digits() -> None:
    """At 120 columns an 8-decimal size beside the three columns does not fit: the row
    says "◀ B" (the size is in Open orders), never a cut "◀ B 0.0006"."""
    odd = (Order("OBUY-ODD", "BTC/USD", "buy", "limit", D("0.00066780"), DEEP.bids[1].price,
                 D("0")),
           Order("OSELL-ODD", "BTC/USD", "sell", "limit", D("1.5"), DEEP.asks[1].price,
                 D("0")))
    app, holder = make_app([*deep_script(), OrdersUpdated(odd)], depth=1000)
    async with app.run_test(size=SIZE) as pilot:
        ladder = await started(pilot, holder)
        lines = [ladder.render_line(y).text.rstrip() for y in range(ladder.size.height)]
        shown = shown_price(DEEP)
        bid_line = next(t for t in lines if t.lstrip().startswith(shown(DEEP.bids[1].price)))
        ask_line = next(t for t in lines if t.lstrip().startswith(shown(DEEP.asks[1].price)))
        assert bid_line.endswith("\u25c0 B")
        assert ask_line.endswith("\u25c0 S 1.5")  # it fits: shown whole
