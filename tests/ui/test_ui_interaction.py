"""Keys, in-place tables, coalescing and the feed thread boundary."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from decimal import Decimal

from textual.widgets import OptionList
from ui_scenarios import (
    BALANCES,
    ORDERS,
    T0,
    VIEWS,
    live_script,
    make_app,
    make_view,
    settle,
    wait_for,
)

from kraken_tui.feed.events import (
    BalancesUpdated,
    BookUpdated,
    ConnectionChanged,
    OrdersUpdated,
    SystemStatusChanged,
)
from kraken_tui.kraken.models import Balance, BookView
from kraken_tui.ui.mailbox import BookMailbox
from kraken_tui.ui.messages import BookMessage, OrdersMessage, wrap_event
from kraken_tui.ui.screens import HelpScreen, SymbolSwitcher
from kraken_tui.ui.widgets.balances import BalancesTable
from kraken_tui.ui.widgets.banner import BannerStack
from kraken_tui.ui.widgets.book import BookLadder
from kraken_tui.ui.widgets.health import HealthPanel
from kraken_tui.ui.widgets.ladder_rows import shown_price
from kraken_tui.ui.widgets.orders import OrdersTable


async def test_orders_update_in_place_with_stable_rows() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        table = app.query_one(OrdersTable)
        keys_before = table.row_keys
        assert keys_before == [o.order_id for o in ORDERS]
        first = ORDERS[0]
        # A first fill lines the Filled column up on 8 decimals (BTC's lot precision):
        # the whole column moves once.
        holder.feed.emit(OrdersUpdated((replace(first, cum_qty=Decimal("0.05"),
                                                status="partially_filled"), *ORDERS[1:])))
        await settle(pilot, holder)
        await wait_for(pilot, lambda: not app.panels_pending, 5, "the first fill drawn")
        await pilot.pause()
        filled = replace(first, cum_qty=Decimal("0.1"), status="partially_filled")
        renders_before = table.row_renders
        # The order fills more: only its row is drawn again.
        holder.feed.emit(OrdersUpdated((filled, *ORDERS[1:])))
        await settle(pilot, holder)
        await wait_for(pilot, lambda: table.row_renders > renders_before, 5, "a repaint")
        await pilot.pause()  # the pass that drew it drew every dirty row
        assert table.row_renders - renders_before == 1
        # One is gone: the others keep their order.
        holder.feed.emit(OrdersUpdated((filled, *ORDERS[1:3])))
        await settle(pilot, holder)
        await wait_for(pilot, lambda: table.row_keys == keys_before[:3], 5, "the row removed")
        assert "0.10000000" in table.render_line(1).text  # the first order, under the header
        assert str(table.get_cell(first.order_id, "filled")).strip() == "0.10000000"
        assert str(table.get_cell(first.order_id, "status")).strip() == "partial"
        assert str(table.get_cell(first.order_id, "age")).strip() == "3h02m"


async def test_order_ages_follow_the_clock() -> None:
    now = [T0]
    app, holder = make_app(live_script())
    app.clock = lambda: now[0]  # before run_test: widgets take it when composed
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        table = app.query_one(OrdersTable)
        now[0] = T0 + 60
        table.tick()
        assert str(table.get_cell(ORDERS[3].order_id, "age")).strip() == "1m42s"


async def test_balances_update_in_place() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        table = app.query_one(BalancesTable)
        btc = Balance("BTC", Decimal("2"), (("spot", "main", Decimal("2")),))
        holder.feed.emit(BalancesUpdated((btc, *BALANCES[1:])))
        await settle(pilot, holder)
        assert table.row_keys == ["BTC", "ETH", "SOL", "USD"]
        assert str(table.get_cell("BTC", "total")) == "2"
        assert "spot 2 " in table.render_line(1).text
        assert str(table.get_cell("BTC", "wallets")) == "spot 2"


async def test_depth_key_cycles_and_tells_the_feed() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        ladder = app.query_one("#book-0", BookLadder)
        assert ladder.border_title == "BTC/USD · depth 10"
        await pilot.press("d")
        assert holder.feed.depth_requests == [25]
        assert ladder.border_title == "BTC/USD · depth 10→25"
        holder.feed.emit(BookUpdated("BTC/USD", True, make_view(depth=25)))
        await settle(pilot, holder)
        assert ladder.border_title == "BTC/USD · depth 25"
        for _ in range(4):
            await pilot.press("d")
        assert holder.feed.depth_requests == [25, 100, 500, 1000, 10]


async def test_resync_pause_and_panel_keys() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        await pilot.press("r")
        assert holder.feed.resync_requests == ["BTC/USD"]
        await pilot.press("p")
        ladder = app.query_one("#book-0", BookLadder)
        assert ladder.paused and ladder.border_subtitle == "PAUSED"
        painted = ladder.paints
        holder.feed.emit(BookUpdated("BTC/USD", True, make_view(bump=3)))
        await settle(pilot, holder)
        assert ladder.paints == painted  # frozen while paused
        await pilot.press("2")  # another book shown while paused is paused too
        eth = app.query_one("#book-1", BookLadder)
        await wait_for(pilot, lambda: eth.display and eth.paused, what="ETH/USD paused")
        assert eth.border_subtitle == "PAUSED"
        await pilot.press("p", "1")
        await wait_for(pilot, lambda: ladder.paints > painted, what="repaint after resume")
        assert not ladder.paused and not eth.paused and ladder.border_subtitle == "LIVE"
        await pilot.press("t")
        await pilot.pause()
        assert not app.query_one("#side").display
        # 34 rows: the connection panel waits for "h" (the status bar has its gist).
        await pilot.press("t")
        await pilot.pause()
        assert app.query_one("#side").display and not app.query_one("#health").display
        await pilot.press("h")
        await pilot.pause()
        assert app.query_one("#health").display
        await pilot.press("h", "f", "k")
        await pilot.pause()
        assert not any(app.query_one(f"#{name}").display
                       for name in ("health", "fills", "market"))


async def test_narrow_terminal_swaps_book_and_panels() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, holder)
        assert app.query_one("#book-0").display and not app.query_one("#side").display
        await pilot.press("t")
        await pilot.pause()
        assert not app.query_one("#book-0").display and app.query_one("#side").display


async def test_symbol_switching_keys_and_switcher() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)

        def shown() -> list[str]:
            return [ladder.symbol for ladder in app.query(BookLadder) if ladder.display]

        await pilot.press("right_square_bracket")
        assert app.current_symbol() == "ETH/USD"
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.current_symbol() == "SOL/USD"
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SymbolSwitcher))
        assert app.screen.query_one(OptionList).highlighted == 2
        await pilot.press("2")
        await wait_for(pilot, lambda: not isinstance(app.screen, SymbolSwitcher))
        assert app.current_symbol() == "ETH/USD" and shown() == ["ETH/USD"]
        await pilot.press("3")
        assert app.current_symbol() == "SOL/USD"
        await pilot.press("2")
        # The newly shown book paints its latest view.
        ladder = app.query_one("#book-1", BookLadder)
        await wait_for(pilot, lambda: ladder.paints > 0 and not ladder.pending)
        assert ladder.valid
        # The tab row is the ladder's first line: " 1 BTC/USD  2 ETH/USD  3 SOL/USD ".
        assert ladder.render_line(0).text.split() == ["1", "BTC/USD", "2", "ETH/USD", "3",
                                                      "SOL/USD"]
        await pilot.click("#book-1", offset=(1 + 25, 1))  # border, then inside "3 SOL/USD"
        await wait_for(pilot, lambda: app.current_symbol() == "SOL/USD", 5, "a tab click")
        assert shown() == ["SOL/USD"]


async def test_help_screen_lists_the_keys() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help-text").render())
        for word in ("Quit", "Depth", "Pause", "Resync", "Symbol", "Panels"):
            assert word in text
        # Feed events and the 1 Hz tick keep working under a modal screen.
        holder.feed.emit(SystemStatusChanged("maintenance"))
        await settle(pilot, holder)
        app.tick()
        # The banners live on the monitor's screen, under the help screen.
        assert "system" in app.screen_stack[0].query_one(BannerStack).active
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_commands_are_in_the_palette() -> None:
    app, _holder = make_app(live_script())
    async with app.run_test(size=(120, 34)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Cycle book depth", "Force resync", "Pause / resume rendering",
                      "Show ETH/USD", "Theme"):
            assert any(title in t for t in titles), title


def test_book_messages_coalesce_per_symbol_but_status_never() -> None:
    a1 = BookMessage(BookUpdated("BTC/USD", True, VIEWS["BTC/USD"]))
    a2 = BookMessage(BookUpdated("BTC/USD", False, None, reason="disconnected"))
    b = BookMessage(BookUpdated("ETH/USD", True, VIEWS["ETH/USD"]))
    assert a1.can_replace(a2) and not a1.can_replace(b)
    conn = wrap_event(ConnectionChanged("public", "connected"))
    assert not conn.can_replace(wrap_event(ConnectionChanged("public", "connected")))
    assert isinstance(wrap_event(OrdersUpdated(ORDERS)), OrdersMessage)


def test_mailbox_keeps_only_the_latest_view() -> None:
    box = BookMailbox()
    first = BookUpdated("BTC/USD", True, VIEWS["BTC/USD"])
    assert box.put(first)
    latest = BookUpdated("BTC/USD", False, None, reason="disconnected")
    assert not box.put(latest)
    assert box.take("BTC/USD") is latest and box.take("BTC/USD") is None
    assert box.coalesced == 1


def eth_view(bump: int) -> BookView:
    """An ETH/USD book at its own price and precision; ``bump`` changes a few sizes."""
    return make_view("ETH/USD", mid="3124.565", tick="0.01", price_precision=2, bump=bump)


def test_mailbox_parks_hidden_books_until_their_validity_changes() -> None:
    box = BookMailbox(shown="BTC/USD")
    eth = [BookUpdated("ETH/USD", True, eth_view(i)) for i in range(4)]
    assert box.put(eth[0])  # validity not yet known to the UI: post
    assert box.take("ETH/USD") is eth[0]
    assert not box.put(eth[1]) and not box.put(eth[2])  # parked, the UI is not woken
    assert box.parked == 1 and box.coalesced == 1
    stale = BookUpdated("ETH/USD", False, None, reason="checksum_mismatch")
    assert box.put(stale)  # trust lost: the UI must know now
    assert box.parked == 0 and box.take("ETH/USD") is stale
    assert box.put(eth[3])  # and trust regained
    assert box.take("ETH/USD") is eth[3]
    btc = BookUpdated("BTC/USD", True, VIEWS["BTC/USD"])
    assert box.put(btc) and not box.put(btc)  # the shown book: one message in flight
    assert box.take("BTC/USD") is btc
    assert not box.put(eth[1])
    assert box.show("ETH/USD") is eth[1]  # switching takes the parked view
    assert box.put(eth[2])  # and the newly shown book wakes the UI again


async def test_a_hidden_book_is_drawn_current_when_shown() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        feed = holder.feed
        assert feed is not None
        for bump in (1, 2):
            feed.emit(BookUpdated("ETH/USD", True, eth_view(bump)))
        latest = eth_view(3)
        feed.emit(BookUpdated("ETH/USD", True, latest))
        await settle(pilot, holder)
        assert app.parked_books == 1  # none of them woke the UI loop
        await pilot.press("2")
        ladder = app.query_one("#book-1", BookLadder)
        assert ladder.view is latest
        await wait_for(pilot, lambda: ladder.paints > 0 and not ladder.pending, 5, "a paint")
        assert app.parked_books == 0


async def test_a_burst_from_the_feed_thread_ends_on_the_latest_view() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        ladder = app.query_one("#book-0", BookLadder)
        views = [make_view(bump=i) for i in range(1, 401)]

        def burst() -> None:
            for view in views:
                holder.feed.emit(BookUpdated("BTC/USD", True, view))

        thread = threading.Thread(target=burst)
        thread.start()
        thread.join()
        await settle(pilot, holder)
        assert ladder.view is views[-1]
        assert app.coalesced_books > 0  # most frames never reached the UI loop
        assert ladder.paints < len(views)


async def test_health_counts_down_the_next_try() -> None:
    now = [T0]
    app, holder = make_app(live_script())
    app.clock = lambda: now[0]
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        health = app.query_one(HealthPanel)
        holder.feed.emit(ConnectionChanged("public", "backoff", 3, 9.0, "refused: HTTP 503"))
        await settle(pilot, holder)
        assert "next try in 9s" in str(health.get_cell("state", "public"))
        now[0] += 4
        health.tick()
        assert "next try in 5s" in str(health.get_cell("state", "public"))
        assert "1m" not in str(health.get_cell("last_msg", "public"))
        assert str(health.get_cell("last_msg", "public")) == "4s ago"


async def test_theme_comes_from_config() -> None:
    app, holder = make_app(live_script(), theme="nord")
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        assert app.theme == "nord"


class CrashingFeed:
    """A feed whose loop dies: the UI must say so and stop looking live."""

    def __init__(self, config, sink) -> None:
        self.sink = sink

    async def run(self) -> None:
        self.sink(BookUpdated("BTC/USD", True, VIEWS["BTC/USD"]))
        raise RuntimeError("boom")

    def stop(self) -> None:
        pass

    def request_resync(self, symbol: str | None = None) -> None:
        pass

    def set_depth(self, depth: int) -> None:
        pass


async def test_a_crashed_feed_is_a_banner_naming_the_log_and_stale_books(tmp_path) -> None:
    from ui_scenarios import demo_config, fixed_clock

    from kraken_tui.ui.app import KrakenMonitor

    log_path = tmp_path / "logs" / "kraken-tui.log"
    app = KrakenMonitor(demo_config(log_path=log_path), CrashingFeed, clock=fixed_clock,
                        toasts=False)
    async with app.run_test(size=(120, 34)) as pilot:
        banners = app.query_one(BannerStack).active
        await wait_for(pilot, lambda: "feed" in banners, what="feed banner")
        text, severity = banners["feed"]
        assert "FEED STOPPED" in text and "RuntimeError('boom')" in text
        assert f"details in the log: {log_path}" in text and severity == "error"
        assert not app.query_one("#book-0", BookLadder).valid
        assert app.feed_done.is_set()


async def test_changed_levels_flash_briefly() -> None:
    app, holder = make_app(live_script())
    app.animation_level = "full"
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        ladder = app.query_one("#book-0", BookLadder)

        def flashing() -> list:
            return [row for row in ladder._rows if row.flash]

        assert not flashing()
        holder.feed.emit(BookUpdated("BTC/USD", True, make_view(bump=2)))
        await wait_for(pilot, lambda: bool(flashing()), what="a flash")
        flashed = {row.cells[0] for row in flashing()}
        view = VIEWS["BTC/USD"]
        # make_view(bump=...) changes the size of every third level on each side.
        changed = {shown_price(view)(lv.price) for lv in (*view.bids[::3], *view.asks[::3])}
        assert flashed and flashed <= changed
        await wait_for(pilot, lambda: not flashing(), what="the flash to fade")


async def test_feed_events_during_shutdown_are_dropped_not_crashes() -> None:
    """The feed talks until it is stopped, and the DOM goes first on the way out.

    Pilot's teardown prunes the screen while the app still drains its queue, so
    events arriving at exit meet widgets already unmounted (CI once caught the
    status bar's fields missing). run_test re-raises any handler's exception.
    """
    app, holder = make_app(live_script())
    flooding = threading.Event()

    def flood() -> None:
        feed = holder.feed
        assert feed is not None
        attempt = 0
        while not feed.stopped.is_set():
            attempt += 1
            state = "connected" if attempt % 2 else "reconnecting"
            feed.emit(ConnectionChanged("public", state, attempt, None if attempt % 2 else 1.0))
            if attempt == 50:
                flooding.set()
            # Hand the GIL over each time: a producer that never does outruns the UI loop
            # on a loaded machine and the queue grows without bound (a CI run once hung).
            time.sleep(0)

    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        thread = threading.Thread(target=flood, daemon=True)
        thread.start()
        await wait_for(pilot, flooding.is_set, what="the flood to start")
    thread.join(timeout=5)
    assert not thread.is_alive(), "stopping the app stops the feed"


def deliver_book(app, event: BookUpdated) -> None:
    """What the feed thread's sink and the UI loop do with a book event, done now."""
    app._mailbox.put(event)
    app.on_book_message(BookMessage(event))


async def test_panel_updates_are_drawn_with_the_next_book_paint(monkeypatch) -> None:
    """An orders update waits for the shown book's paint, so both take one screen pass."""
    from kraken_tui.ui.widgets import book

    monkeypatch.setattr(book, "MAX_FPS", 1e9)  # no frame cap: every view paints at once
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        table = app.query_one(OrdersTable)
        filled = replace(ORDERS[0], cum_qty=Decimal("0.1"), status="partially_filled")
        app.on_orders_message(OrdersMessage(OrdersUpdated((filled, *ORDERS[1:]))))
        assert app.panels_pending
        assert str(table.get_cell(filled.order_id, "filled")).strip() != "0.10000000"

        # A view for a hidden symbol paints nothing, so the panels keep waiting.
        deliver_book(app, BookUpdated("ETH/USD", True, eth_view(1)))
        assert app.panels_pending

        moved = make_view("BTC/USD", bump=1)
        deliver_book(app, BookUpdated("BTC/USD", True, moved))
        assert not app.panels_pending
        assert str(table.get_cell(filled.order_id, "filled")).strip() == "0.10000000"


async def test_panel_updates_on_a_quiet_book_are_drawn_soon() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        table = app.query_one(OrdersTable)
        app.on_orders_message(OrdersMessage(OrdersUpdated(ORDERS[:2])))
        assert app.panels_pending
        await wait_for(pilot, lambda: table.row_keys == [o.order_id for o in ORDERS[:2]],
                       2, "the orders drawn without any book paint")
        assert not app.panels_pending


async def test_a_view_held_by_the_frame_cap_is_painted_however_short_the_wait(
        monkeypatch) -> None:
    """Textual 8.2.8 drops a one-shot timer whose delay is shorter than the moment its
    task takes to read the clock twice: a paint deferred by microseconds froze the
    ladder for good (seen in ui_bench: the last paint 100 s old, LIVE in the border)."""
    from types import SimpleNamespace

    from kraken_tui.ui.widgets import book, ladder_rows

    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        ladder = app.query_one("#book-0", BookLadder)
        now = [time.monotonic() + 1.0]  # the settle's last paint is a second old
        monkeypatch.setattr(book, "time", SimpleNamespace(monotonic=lambda: now[0]))
        deliver_book(app, BookUpdated("BTC/USD", True, make_view("BTC/USD", bump=1)))
        assert not ladder.pending  # painted at once: the last paint is long ago
        # the next paint is due in 0.1 µs
        now[0] += ladder_rows.PAINT_GAP_SHARE / ladder_rows.MAX_FPS - 1e-7
        latest = make_view("BTC/USD", bump=2)
        deliver_book(app, BookUpdated("BTC/USD", True, latest))
        assert ladder.pending  # held by the frame cap
        await wait_for(pilot, lambda: not ladder.pending, 2, "the deferred paint")
        assert ladder.view is latest


def test_the_frame_cap_allows_max_fps_paints_in_any_second() -> None:
    """Views every 1 ms for 3 s, each painted as soon as the cap allows."""
    import itertools

    from kraken_tui.ui.widgets.ladder_rows import MAX_FPS, PAINT_GAP_SHARE, paint_due

    painted: list[float] = []
    pending = False
    for tick in range(3000):
        now = tick * 0.001
        pending = True  # a new view
        if pending and paint_due(painted, MAX_FPS) <= now + 1e-9:
            painted.append(now)
            pending = False
    gaps = [b - a for a, b in itertools.pairwise(painted)]
    assert min(gaps) >= PAINT_GAP_SHARE / MAX_FPS - 1e-9
    for start in painted:  # every one-second window starting at a paint
        assert sum(start <= t < start + 1.0 - 1e-6 for t in painted) <= MAX_FPS
    assert len(painted) >= 3 * MAX_FPS - 1  # the cap is met, not undershot


def test_a_view_a_little_early_is_painted_at_once() -> None:
    """The feed's 1/MAX_FPS pacing jitters: a view 47 ms after the last paint is not held."""
    from kraken_tui.ui.widgets.ladder_rows import MAX_FPS, paint_due

    assert paint_due([], MAX_FPS) < 0
    assert paint_due([10.0], MAX_FPS) <= 10.0 + 0.047
    assert paint_due([10.0], MAX_FPS) > 10.0 + 0.04


def test_the_depth_bar_scale_grows_at_once_and_shrinks_only_after_a_quiet_spell() -> None:
    from kraken_tui.ui.widgets.ladder_rows import BAR_SHRINK_AFTER, BarScale

    scale = BarScale()
    assert scale.update(Decimal(10), 0.0) == Decimal(11)  # 110% of the deepest
    assert scale.update(Decimal(7), 1.0) == Decimal(11)  # swings inside: no rescale
    assert scale.update(Decimal(12), 2.0) == Decimal("13.2")  # outgrown: at once
    assert scale.update(Decimal(3), 3.0) == Decimal("13.2")  # under half: not yet
    assert scale.update(Decimal(5), 3.0 + BAR_SHRINK_AFTER - 0.1) == Decimal("13.2")
    assert scale.update(Decimal(8), 3.0 + BAR_SHRINK_AFTER) == Decimal("13.2")  # back up
    assert scale.update(Decimal(2), 10.0) == Decimal("13.2")  # a new quiet spell starts
    assert scale.update(Decimal(2), 10.0 + BAR_SHRINK_AFTER) == Decimal("2.2")


async def test_the_monitor_freezes_its_startup_heap_when_asked() -> None:
    import gc

    from ui_scenarios import FeedHolder, demo_config, fixed_clock

    from kraken_tui.ui.app import KrakenMonitor

    app = KrakenMonitor(demo_config(), FeedHolder(live_script()), clock=fixed_clock,
                        toasts=False, freeze_heap_after=0.1)
    try:
        async with app.run_test(size=(120, 34)) as pilot:
            await wait_for(pilot, lambda: gc.get_freeze_count() > 0, 5, "the heap frozen")
    finally:
        gc.unfreeze()  # the test process goes on: let its heap be collected again


async def test_hiding_every_side_panel_gives_the_book_the_width() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        ladder = app.query_one("#book-0")
        assert ladder.size.width < 60
        await pilot.press("k", "o", "f", "b")  # the connection panel is out at 34 rows
        await pilot.pause()
        assert not app.query_one("#side").display
        assert ladder.size.width >= 110
        await pilot.press("o")
        await pilot.pause()
        assert app.query_one("#side").display and ladder.size.width < 60


async def test_a_focused_panel_scrolls_with_the_keyboard() -> None:
    many = tuple(Balance(f"A{i:02d}", Decimal(i + 1), ()) for i in range(30))
    app, holder = make_app([*live_script(), BalancesUpdated(many)])
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        table = app.query_one(BalancesTable)
        await wait_for(pilot, lambda: table.row_count == 30, 5, "30 balances")
        assert isinstance(app.focused, BookLadder)  # the book has the keys until told
        table.focus()
        await pilot.press("pagedown")
        await pilot.pause()
        assert table.scroll_offset.y > 0
        await pilot.press("home")
        await pilot.pause()
        assert table.scroll_offset.y == 0
