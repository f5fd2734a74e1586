"""Guarded cancels on the monitor with a scripted feed (issue 16): read-only by default,
the highlighted order, the confirmation, bursts of keys, maintenance, honest rows."""

from __future__ import annotations

from typing import Any

from ui_scenarios import (
    ORDERS,
    live_script,
    maintenance_script,
    make_app,
    settle,
    shown_toasts,
    wait_for,
)

from kraken_tui.feed.events import CancelFinished, CancelOutcome, OrdersUpdated
from kraken_tui.ui.app_cancel import READ_ONLY_TOAST
from kraken_tui.ui.cancel_dialog import CancelDialog
from kraken_tui.ui.screens import HelpScreen
from kraken_tui.ui.widgets.orders import OrdersTable

SIZE = (120, 34)
SECRET = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"  # base64, 24 bytes: a plausible secret
KEYS: dict[str, Any] = {"api_key": "demo-key", "api_secret": SECRET}


class Requests:
    """Stands in for ``Feed.request_cancel`` on the scripted feed."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str] | None, tuple[str, ...]]] = []

    def __call__(self, ids: Any, orders: Any) -> None:
        self.calls.append((None if ids is None else list(ids),
                           tuple(o.order_id for o in orders)))


async def armed(pilot: Any, holder: Any) -> Requests:
    await settle(pilot, holder)
    requests = Requests()
    holder.feed.request_cancel = requests
    return requests


async def dialog(pilot: Any) -> CancelDialog:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CancelDialog), 5, "the dialog")
    return pilot.app.screen  # type: ignore[no-any-return]


async def test_read_only_by_default_the_keys_say_how_to_enable_them() -> None:
    app, holder = make_app(live_script(), toasts=True, **KEYS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        requests = await armed(pilot, holder)
        assert "READ-ONLY" in app.query_one("#status").text
        await pilot.press("tab", "c", "C")
        await pilot.pause()
        assert not isinstance(app.screen, CancelDialog) and requests.calls == []
        assert shown_toasts(app).count(READ_ONLY_TOAST) == 2
        assert "--allow-cancel" in READ_ONLY_TOAST and "allow_cancel = true" in READ_ONLY_TOAST


async def test_c_cancels_the_highlighted_order_after_the_confirmation() -> None:
    app, holder = make_app(live_script(), allow_cancel=True, **KEYS)
    async with app.run_test(size=SIZE) as pilot:
        requests = await armed(pilot, holder)
        assert "CANCEL ENABLED" in app.query_one("#status").text
        table = app.query_one(OrdersTable)
        await pilot.press("tab", "down")  # the table takes the keys; the highlight moves
        assert table.cursor_key == ORDERS[1].order_id
        await pilot.press("c")
        shown = await dialog(pilot)
        assert shown.plan.method == "cancel_order" and shown.plan.orders == (ORDERS[1],)
        assert shown.focused is not None and shown.focused.id == "abort"
        text = str(shown.query_one("#cancel-title").render())
        assert "BTC/USD SELL 0.06000000 @ 97,800.0" in text  # left to fill, not 0.10
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, CancelDialog), 5, "closed")
        assert requests.calls == []
        await pilot.press("c")
        await dialog(pilot)
        await pilot.press("enter")  # Enter confirms, although focus is on the abort button
        await wait_for(pilot, lambda: bool(requests.calls), 5, "the request")
        assert requests.calls == [([ORDERS[1].order_id], (ORDERS[1].order_id,))]


async def test_a_burst_of_keys_sends_one_request() -> None:
    app, holder = make_app(live_script(), allow_cancel=True, toasts=True, **KEYS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        requests = await armed(pilot, holder)
        await pilot.press("tab", "c", "c", "c", "y", "y", "enter", "c")
        await pilot.pause()
        assert requests.calls == [([ORDERS[0].order_id], (ORDERS[0].order_id,))]
        # The last c met the order in flight: no second dialog, a toast says why.
        assert not isinstance(app.screen, CancelDialog)
        assert any("already in flight" in t for t in shown_toasts(app))


async def test_the_row_goes_only_when_the_stream_says_so() -> None:
    app, holder = make_app(live_script(), allow_cancel=True, toasts=True, **KEYS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await armed(pilot, holder)
        table = app.query_one(OrdersTable)
        oid = ORDERS[0].order_id
        await pilot.press("tab", "c", "y")
        holder.feed.emit(CancelOutcome(1, oid, "cancelled", "ws", symbol="BTC/USD",
                                       side="buy", qty=ORDERS[0].order_qty,
                                       price=ORDERS[0].limit_price))
        holder.feed.emit(CancelFinished(1, "cancel_order", "ws", 1, cancelled=1))
        await settle(pilot, holder)
        assert any(t.startswith("Cancelled: BTC/USD BUY 0.25") for t in shown_toasts(app))
        assert oid in table.row_keys  # Kraken said yes; the stream has not said closed yet
        holder.feed.emit(OrdersUpdated(ORDERS[1:]))
        await settle(pilot, holder)
        assert oid not in table.row_keys
        assert table.cursor_key == ORDERS[1].order_id  # the highlight steps to the next row
        assert oid not in app._cancel_busy


async def test_outcomes_say_what_kraken_said() -> None:
    app, holder = make_app(live_script(), allow_cancel=True, toasts=True, **KEYS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await armed(pilot, holder)
        o = ORDERS[2]
        common = {"symbol": o.symbol, "side": o.side, "qty": o.order_qty, "price": o.limit_price}
        holder.feed.emit(CancelOutcome(7, o.order_id, "rejected", "rest",
                                       "EGeneral:Permission denied", **common))
        holder.feed.emit(CancelOutcome(8, o.order_id, "unknown", "ws", "no reply within 5s",
                                       **common))
        holder.feed.emit(CancelOutcome(9, o.order_id, "already_gone", "ws",
                                       "EOrder:Unknown order", **common))
        await settle(pilot, holder)
        toasts = shown_toasts(app)
        # At the pair's precision, as in the table; left to fill; the transport; Kraken's text.
        assert ("Cancel REJECTED: ETH/USD BUY 2.50000000 @ 3,050.00 (rest): "
                "EGeneral:Permission denied") in toasts
        assert any(t.startswith("Cancel UNKNOWN: ETH/USD BUY") and
                   t.endswith("checking the open orders over REST") for t in toasts)
        assert ("Already gone: ETH/USD BUY 2.50000000 @ 3,050.00 (ws): EOrder:Unknown order"
                in toasts)


async def test_cancel_all_lists_every_order_and_sends_cancel_all() -> None:
    app, holder = make_app(live_script(), allow_cancel=True, **KEYS)
    async with app.run_test(size=SIZE) as pilot:
        requests = await armed(pilot, holder)
        await pilot.press("C")
        shown = await dialog(pilot)
        assert shown.plan.method == "cancel_all" and shown.plan.orders == ORDERS
        assert "Cancel ALL 4 open orders on 3 symbols?" in str(
            shown.query_one("#cancel-title").render())
        notes = str(shown.query_one("#cancel-notes").render())
        assert "BTC/USD 2 (1 buy, 1 sell) · ETH/USD 1 buy · SOL/USD 1 sell" in notes
        await pilot.press("y")
        await wait_for(pilot, lambda: bool(requests.calls), 5, "the request")
        assert requests.calls == [(None, tuple(o.order_id for o in ORDERS))]


async def test_maintenance_says_so_and_sends_nothing() -> None:
    app, holder = make_app(maintenance_script(), allow_cancel=True, **KEYS)
    async with app.run_test(size=SIZE) as pilot:
        requests = await armed(pilot, holder)
        await pilot.press("C")
        shown = await dialog(pilot)
        assert shown.plan.blocked and not shown.query("#confirm")
        assert "maintenance" in str(shown.query_one("#cancel-title").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: not isinstance(app.screen, CancelDialog), 5, "closed")
        await pilot.pause()
        assert requests.calls == []


async def test_cursor_follows_arrows_and_the_mouse() -> None:
    app, holder = make_app(live_script(), allow_cancel=True, **KEYS)
    async with app.run_test(size=SIZE) as pilot:
        await armed(pilot, holder)
        table = app.query_one(OrdersTable)
        assert table.cursor_key is None  # no highlight until the table is used
        await pilot.click(OrdersTable, offset=(3, 1))  # the border, then the header
        assert table.has_focus and table.cursor_key == ORDERS[0].order_id  # focus: the first
        await pilot.click(OrdersTable, offset=(3, 3))  # the second order's row
        assert table.cursor_key == ORDERS[1].order_id
        await pilot.press("down", "down", "down")
        assert table.cursor_key == ORDERS[3].order_id  # stops at the last row
        await pilot.pause()
        body = table.size.height - 1  # under the header
        assert table.scroll_offset.y <= 3 < table.scroll_offset.y + body  # kept in sight
        await pilot.press("home")
        assert table.cursor_key == ORDERS[0].order_id
        await pilot.press("up")
        assert table.cursor_key == ORDERS[0].order_id


async def test_c_without_a_highlight_hands_the_keys_to_the_table() -> None:
    app, holder = make_app(live_script(), allow_cancel=True, toasts=True, **KEYS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        requests = await armed(pilot, holder)
        app.set_focus(None)
        await pilot.press("c")
        await pilot.pause()
        table = app.query_one(OrdersTable)
        assert table.has_focus and table.cursor_key == ORDERS[0].order_id
        assert not isinstance(app.screen, CancelDialog) and requests.calls == []
        assert any("Pick the order" in t for t in shown_toasts(app))


async def test_keys_are_in_the_help_the_footer_and_the_palette() -> None:
    app, holder = make_app(live_script(), **KEYS)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, holder)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Cancel the highlighted order" in titles and "Cancel ALL open orders" in titles
        assert app.check_action("cancel_order", ()) and app.check_action("cancel_all", ())
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), 5, "the help")
        text = str(app.screen.query_one("#help-text").render())
        assert "c    Cancel" in text and "C    Cancel all" in text


async def test_no_screen_or_log_shows_the_secret(tmp_path: Any) -> None:
    import logging

    log_path = tmp_path / "monitor.log"
    handler = logging.FileHandler(log_path)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    try:
        app, holder = make_app(live_script(), allow_cancel=True, toasts=True, **KEYS)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await armed(pilot, holder)
            await pilot.press("C")
            await dialog(pilot)
            screen = app.export_screenshot()
            await pilot.press("y")
            await pilot.pause()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert SECRET not in screen
    assert SECRET not in log_path.read_text()


def test_the_status_line_keeps_the_trading_mode_at_any_width() -> None:
    from kraken_tui.ui.widgets.health import EndpointHealth
    from kraken_tui.ui.widgets.status import status_line

    live = {ep: EndpointHealth(state="connected") for ep in ("public", "private")}
    wide = status_line(live, "online", True, 0.0, width=200, trading="read_only").plain
    assert wide.endswith("exchange online  READ-ONLY  ❚❚ PAUSED")
    on = status_line(live, "online", False, 0.0, width=200, trading="cancel").plain
    assert on.endswith("exchange online  CANCEL ENABLED")
    for width in (56, 40, 20):  # 80 columns less the clock, and narrower
        text = status_line(live, "online", False, 0.0, width=width, trading="cancel").plain
        assert text.endswith("online  CXL") and len(text) <= width
    assert "RO" not in status_line(live, "online", False, 0.0, width=200).plain  # replay
