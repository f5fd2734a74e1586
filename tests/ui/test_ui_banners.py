"""Every persistent condition shows a banner that stays until the condition clears."""

from __future__ import annotations

from pathlib import Path

from ui_scenarios import (
    VIEWS,
    dms_failing_script,
    iso,
    keys_rejected_script,
    live_script,
    make_app,
    public_only_script,
    settle,
    shown_toasts,
    stats,
    wait_for,
)

from kraken_tui.config import default_log_path
from kraken_tui.feed.events import (
    BookUpdated,
    ConnectionChanged,
    CredentialsRejected,
    DeadManSwitch,
    FeedError,
    ModeChanged,
    PairStatusChanged,
    ResyncDone,
    ResyncStarted,
    SystemStatusChanged,
)
from kraken_tui.ui.messages import FeedEventMessage
from kraken_tui.ui.widgets.balances import BalancesTable
from kraken_tui.ui.widgets.banner import BannerStack
from kraken_tui.ui.widgets.book import BookLadder
from kraken_tui.ui.widgets.health import HealthPanel
from kraken_tui.ui.widgets.orders import OrdersTable
from kraken_tui.ui.widgets.status import StatusBar


def banner_texts(app) -> dict[str, str]:
    return {k: text for k, (text, _sev) in app.query_one(BannerStack).active.items()}


def visible_banner_text(app) -> str:
    stack = app.query_one(BannerStack)
    return " | ".join(
        str(w.render()) for w in stack.query(".banner") if w.display
    ) if stack.display else ""


async def test_maintenance_banner_stays_until_online_again() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        assert banner_texts(app) == {}
        holder.feed.emit(SystemStatusChanged("maintenance"))
        await wait_for(pilot, lambda: "system" in banner_texts(app), what="maintenance banner")
        assert "MAINTENANCE" in visible_banner_text(app)
        # Unrelated news does not clear it.
        holder.feed.emit(ConnectionChanged("public", "connected"))
        holder.feed.emit(BookUpdated("BTC/USD", True, VIEWS["BTC/USD"]))
        await settle(pilot, holder)
        assert "system" in banner_texts(app)
        holder.feed.emit(SystemStatusChanged("online"))
        await wait_for(pilot, lambda: "system" not in banner_texts(app), what="banner cleared")
        await pilot.pause()
        assert visible_banner_text(app) == ""
        assert not app.query_one(BannerStack).display


async def test_cancel_only_and_post_only_replace_each_other() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        holder.feed.emit(SystemStatusChanged("cancel_only"))
        await wait_for(pilot, lambda: "CANCEL-ONLY" in banner_texts(app).get("system", ""))
        holder.feed.emit(SystemStatusChanged("post_only"))
        await wait_for(pilot, lambda: "POST-ONLY" in banner_texts(app).get("system", ""))
        assert len(banner_texts(app)) == 1
        holder.feed.emit(SystemStatusChanged("online"))
        await wait_for(pilot, lambda: not banner_texts(app))


async def test_limit_only_is_per_pair() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        holder.feed.emit(PairStatusChanged("ETH/USD", "limit_only"))
        holder.feed.emit(PairStatusChanged("BTC/USD", "post_only"))
        await settle(pilot, holder)
        texts = banner_texts(app)
        assert "LIMIT-ONLY" in texts["pair:ETH/USD"] and "ETH/USD" in texts["pair:ETH/USD"]
        assert "POST-ONLY" in texts["pair:BTC/USD"]
        holder.feed.emit(PairStatusChanged("ETH/USD", "online"))
        await settle(pilot, holder)
        assert set(banner_texts(app)) == {"pair:BTC/USD"}


async def test_checksum_resync_marks_the_book_stale_until_a_valid_view() -> None:
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        ladder = app.query_one("#book-0", BookLadder)
        assert ladder.valid and ladder.border_subtitle == "LIVE"
        btc = VIEWS["BTC/USD"]
        holder.feed.emit(BookUpdated("BTC/USD", False, btc, reason="checksum_mismatch"))
        holder.feed.emit(ResyncStarted("BTC/USD", "checksum_mismatch", 1))
        await settle(pilot, holder)
        assert not ladder.valid and ladder.has_class("-stale")
        assert "STALE" in str(ladder.border_subtitle)
        assert "checksum mismatch" in str(ladder.border_subtitle)
        assert "RESYNCING" in banner_texts(app)["resync:BTC/USD"]
        # The other books stay live.
        assert app.query_one("#book-1", BookLadder).valid
        holder.feed.emit(BookUpdated("BTC/USD", True, VIEWS["BTC/USD"]))
        holder.feed.emit(ResyncDone("BTC/USD"))
        await settle(pilot, holder)
        assert ladder.valid and not ladder.has_class("-stale")
        assert ladder.border_subtitle == "LIVE"
        assert "resync:BTC/USD" not in banner_texts(app)


async def test_a_hidden_books_resync_shows_and_clears_while_it_stays_hidden() -> None:
    """Hidden books' views are parked, but a change of trust reaches the UI at once."""
    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        eth = app.query_one("#book-1", BookLadder)
        assert not eth.display and eth.valid
        mismatch = BookUpdated("ETH/USD", False, VIEWS["ETH/USD"], reason="checksum_mismatch")
        holder.feed.emit(mismatch)
        holder.feed.emit(ResyncStarted("ETH/USD", "checksum_mismatch", 1))
        await settle(pilot, holder)
        assert not eth.valid and "RESYNCING" in banner_texts(app)["resync:ETH/USD"]
        holder.feed.emit(BookUpdated("ETH/USD", True, VIEWS["ETH/USD"]))
        holder.feed.emit(ResyncDone("ETH/USD"))
        await settle(pilot, holder)
        assert eth.valid and "resync:ETH/USD" not in banner_texts(app)
        assert not eth.display


async def test_public_only_mode_is_announced_not_a_crash() -> None:
    app, holder = make_app(public_only_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        assert "PUBLIC-ONLY" in banner_texts(app)["mode"]
        assert "KRAKEN_API_KEY" in banner_texts(app)["mode"]
        assert "OFF" in str(app.query_one(HealthPanel).get_cell("state", "private"))
        holder.feed.emit(ModeChanged(private=True))
        await wait_for(pilot, lambda: "mode" not in banner_texts(app))


async def test_dead_mans_switch_failure_is_loud_until_it_recovers() -> None:
    app, holder = make_app(dms_failing_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        assert "DEAD MAN'S SWITCH FAILING" in banner_texts(app)["dms"]
        assert "FAILING" in str(app.query_one(HealthPanel).get_cell("dms", "private"))
        holder.feed.emit(DeadManSwitch(True, 60, trigger_time="2025-11-25T12:01:00Z"))
        await wait_for(pilot, lambda: "dms" not in banner_texts(app))
        assert "ARMED" in str(app.query_one(HealthPanel).get_cell("dms", "private"))


async def test_feed_down_banner_and_reconnected_toast() -> None:
    seen: list[FeedEventMessage] = []
    app, holder = make_app(live_script(), toasts=True)
    async with app.run_test(size=(120, 34), notifications=True,
                            message_hook=lambda m: seen.append(m)
                            if isinstance(m, FeedEventMessage) else None) as pilot:
        await settle(pilot, holder)
        holder.feed.emit(ConnectionChanged("public", "disconnected", 1, None, "connection lost"))
        holder.feed.emit(ConnectionChanged("public", "backoff", 1, 2.0, "connection lost"))
        await wait_for(pilot, lambda: "conn:public" in banner_texts(app))
        assert "books are stale" in banner_texts(app)["conn:public"]
        state = str(app.query_one(HealthPanel).get_cell("state", "public"))
        assert "RECONNECTING 1" in state and "next try in 2s" in state
        holder.feed.emit(ConnectionChanged("public", "connected", 1))
        await wait_for(pilot, lambda: "conn:public" not in banner_texts(app))
        await wait_for(pilot, lambda: "Public feed reconnected" in shown_toasts(app),
                       what="the reconnected toast")
        # The hook saw the connection messages in order, none coalesced away.
        states = [m.event.state for m in seen if isinstance(m.event, ConnectionChanged)
                  and m.event.endpoint == "public"]
        assert states[-3:] == ["disconnected", "backoff", "connected"]


async def test_rejected_keys_are_a_red_banner_until_private_is_really_live() -> None:
    app, holder = make_app(keys_rejected_script(), toasts=True)
    async with app.run_test(size=(120, 34), notifications=True) as pilot:
        await settle(pilot, holder)
        health, status = app.query_one(HealthPanel), app.query_one(StatusBar)
        text, severity = app.query_one(BannerStack).active["keys"]
        assert severity == "error" and "API KEYS REJECTED" in visible_banner_text(app)
        assert "EAPI:Invalid key" in text and "KRAKEN_API_SECRET" in text
        assert "conn:private" not in banner_texts(app)  # not "FEED DOWN (closed by server)"
        assert str(health.get_cell("state", "private")) == "● KEYS REJECTED\n(Invalid key)"
        assert "private ● KEYS REJECTED (Invalid key)" in status.text
        orders, balances = app.query_one(OrdersTable), app.query_one(BalancesTable)
        assert orders.border_subtitle == balances.border_subtitle == "API keys rejected"
        # Each retry is refused again: the header never says LIVE, no "reconnected" toast.
        for attempt in (2, 3):
            holder.feed.emit(ConnectionChanged("private", "connecting", attempt))
            holder.feed.emit(CredentialsRejected("EAPI:Invalid key"))
            holder.feed.emit(ConnectionChanged("private", "backoff", attempt, 8.0, "rejected"))
        await settle(pilot, holder)
        assert set(banner_texts(app)) == {"keys"}
        assert "KEYS REJECTED" in status.text and "LIVE" not in status.text.split("private")[1]
        assert not any("reconnected" in toast for toast in shown_toasts(app))
        holder.feed.emit(ConnectionChanged("private", "connected", 4))  # token + subscriptions
        await wait_for(pilot, lambda: "keys" not in banner_texts(app), what="banner cleared")
        assert str(health.get_cell("state", "private")) == "● LIVE"
        assert "private ● LIVE" in status.text and orders.border_subtitle == ""
        await wait_for(pilot, lambda: "Private feed live: the API keys were accepted"
                       in shown_toasts(app), what="the keys accepted toast")


async def test_a_dead_mans_switch_that_crashed_before_arming_is_loud_until_it_arms() -> None:
    log_path = Path("/var/log/kraken-tui/monitor.log")
    never_armed = [e for e in live_script() if not isinstance(e, DeadManSwitch)]
    app, holder = make_app(never_armed, log_path=log_path)
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        health = app.query_one(HealthPanel)
        assert str(health.get_cell("dms", "private")) == "off"
        crash = FeedError("deadman", "internal error", "binascii.Error: Incorrect padding")
        holder.feed.emit(crash)
        await wait_for(pilot, lambda: "dms" in banner_texts(app), what="the dms banner")
        text = banner_texts(app)["dms"]
        assert text.startswith(
            "DEAD MAN'S SWITCH FAILING: internal error: binascii.Error: Incorrect padding")
        assert str(log_path) in text and "NOT protected" in visible_banner_text(app)
        assert str(health.get_cell("dms", "private")).startswith("FAILING\ninternal error")
        holder.feed.emit(DeadManSwitch(False, 0))  # off is not re-armed
        await settle(pilot, holder)
        assert "dms" in banner_texts(app)
        holder.feed.emit(DeadManSwitch(True, 60, trigger_time=iso(60)))
        await wait_for(pilot, lambda: "dms" not in banner_texts(app), what="re-armed")
        assert str(health.get_cell("dms", "private")).startswith("ARMED (60s)")


async def test_errors_from_every_source_reach_the_screen() -> None:
    app, holder = make_app(live_script(), toasts=True)
    async with app.run_test(size=(120, 34), notifications=True) as pilot:
        await settle(pilot, holder)
        holder.feed.emit(FeedError("public", "subscribe refused", "book: EGeneral:Invalid"))
        holder.feed.emit(FeedError("private", "sequence gap", "executions: 4 -> 7"))
        holder.feed.emit(FeedError("feed", "internal error", "stats: KeyError('x')"))
        await settle(pilot, holder)
        await wait_for(pilot, lambda: len(shown_toasts(app)) == 2, what="two toasts")
        assert sorted(shown_toasts(app)) == [
            "Private feed: sequence gap — executions: 4 -> 7",
            "Public feed: subscribe refused — book: EGeneral:Invalid",
        ]
        banner = banner_texts(app)["internal:feed"]
        assert "INTERNAL ERROR" in banner and "KeyError('x')" in banner
        assert str(default_log_path()) in banner  # the config names no log: the default one


async def test_a_malformed_frame_flood_is_one_toast_and_a_count_in_the_panel() -> None:
    app, holder = make_app(live_script(), toasts=True)
    async with app.run_test(size=(120, 34), notifications=True) as pilot:
        await settle(pilot, holder)
        for i in range(200):
            holder.feed.emit(FeedError("public", "malformed frame", f"frame #{i}: not JSON"))
        holder.feed.emit(stats("public", malformed=200))
        await settle(pilot, holder)
        await wait_for(pilot, lambda: bool(shown_toasts(app)), what="a toast")
        await pilot.pause()
        assert shown_toasts(app) == ["Public feed: malformed frame — frame #0: not JSON"]
        health = app.query_one(HealthPanel)
        assert str(health.get_cell("fps", "public")) == "41.5 (200 malformed)"


async def test_a_reconnect_never_shows_live_beside_an_old_last_message() -> None:
    """Stats from before the reconnect must not say "10s ago" next to LIVE."""
    from ui_scenarios import stats

    from kraken_tui.ui.widgets.health import HealthPanel

    app, holder = make_app(live_script())
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, holder)
        holder.feed.emit(stats("public", last_message_age=10.0, last_heartbeat_age=10.0))
        holder.feed.emit(ConnectionChanged("public", "backoff", 1, 1.0, "closed"))
        holder.feed.emit(ConnectionChanged("public", "connected", 2))
        await settle(pilot, holder)
        panel = app.query_one(HealthPanel)
        panel.tick()
        assert str(panel.get_cell("last_msg", "public")).strip() == "0s ago"
        assert str(panel.get_cell("heartbeat", "public")).strip() == "0s ago"
