"""The app with the real Feed against the simulator on loopback (no fakes in between)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from ui_scenarios import wait_for

from kraken_tui.config import Config
from kraken_tui.feed.events import ResyncStarted, SystemStatusChanged
from kraken_tui.sim import Simulator
from kraken_tui.ui.app import KrakenMonitor
from kraken_tui.ui.messages import BookMessage, FeedEventMessage
from kraken_tui.ui.widgets.banner import BannerStack
from kraken_tui.ui.widgets.book import BookLadder
from kraken_tui.ui.widgets.health import HealthPanel
from kraken_tui.ui.widgets.orders import OrdersTable

SYMBOLS = ("BTC/USD", "ETH/USD")


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, order_flow=True, updates_per_second=10.0) as sim:
        yield sim


def sim_app(sim: Simulator) -> KrakenMonitor:
    config = Config(
        symbols=SYMBOLS, depth=10, ws_url=sim.ws_url, ws_auth_url=sim.ws_auth_url,
        rest_url=sim.rest_url, api_key=sim.api_key, api_secret=sim.api_secret,
        heartbeat_timeout=5.0,
    )
    app = KrakenMonitor(config, toasts=False)
    app.animation_level = "none"
    return app


def banners(app: KrakenMonitor) -> dict[str, tuple[str, str]]:
    return app.query_one(BannerStack).active


async def live(pilot, app: KrakenMonitor, symbol: str = "BTC/USD", timeout: float = 10) -> None:
    ladder = app.query_one(f"#book-{SYMBOLS.index(symbol)}", BookLadder)
    await wait_for(pilot, lambda: ladder.valid and ladder.view is not None, timeout,
                   f"{symbol} book live")


async def test_live_book_orders_and_health_appear(sim: Simulator) -> None:
    app = sim_app(sim)
    async with app.run_test(size=(120, 34)) as pilot:
        await live(pilot, app)
        ladder = app.query_one("#book-0", BookLadder)
        bids, _asks = sim.truth_book("BTC/USD", 10)
        view = ladder.view
        assert view is not None and len(view.bids) == 10 and len(view.asks) == 10
        assert view.best_bid < view.best_ask
        assert view.format_price(view.bids[0].price).count(".") == bids[0][0].count(".")
        assert ladder.border_subtitle == "LIVE"
        health = app.query_one(HealthPanel)
        await wait_for(pilot, lambda: "LIVE" in str(health.get_cell("state", "private")), 10,
                       "private live")
        orders = app.query_one(OrdersTable)
        await wait_for(pilot, lambda: orders.row_count == len(sim.truth_open_orders()), 10,
                       "open orders match the simulator")
        assert not banners(app)


async def test_maintenance_banner_appears_and_clears(sim: Simulator) -> None:
    app = sim_app(sim)
    async with app.run_test(size=(120, 34)) as pilot:
        await live(pilot, app)
        sim.faults.start_maintenance()
        await wait_for(pilot, lambda: "system" in banners(app), 10, "maintenance banner")
        assert "MAINTENANCE" in banners(app)["system"][0]
        ladder = app.query_one("#book-0", BookLadder)
        await wait_for(pilot, lambda: not ladder.valid, 10, "book stale in maintenance")
        assert "STALE" in str(ladder.border_subtitle)
        sim.faults.end_maintenance()
        # The feed waits at least 5 s before retrying after a maintenance refusal.
        await wait_for(pilot, lambda: "system" not in banners(app), 30, "banner cleared")
        await live(pilot, app, timeout=15)


async def test_cancel_only_banner(sim: Simulator) -> None:
    app = sim_app(sim)
    async with app.run_test(size=(120, 34)) as pilot:
        await live(pilot, app)
        sim.faults.set_system_status("cancel_only")
        await wait_for(pilot, lambda: "CANCEL-ONLY" in banners(app).get("system", ("",))[0],
                       10, "cancel_only banner")
        sim.faults.set_system_status("online")
        await wait_for(pilot, lambda: "system" not in banners(app), 10, "banner cleared")


async def test_checksum_resync_marks_stale_then_live(sim: Simulator) -> None:
    seen: list[FeedEventMessage] = []
    app = sim_app(sim)
    hook = lambda m: seen.append(m) if isinstance(m, FeedEventMessage) else None  # noqa: E731
    async with app.run_test(size=(120, 34), message_hook=hook) as pilot:
        await live(pilot, app)
        start = len(seen)
        sim.faults.corrupt_next_checksum("BTC/USD")

        def resync_seen() -> bool:
            return any(isinstance(m.event, ResyncStarted) for m in seen[start:])

        await wait_for(pilot, resync_seen, 10, "resync started")
        stale = [m for m in seen[start:] if isinstance(m, BookMessage)
                 and m.event.symbol == "BTC/USD" and not m.event.valid]
        assert stale and stale[0].event.reason == "checksum_mismatch"
        await live(pilot, app)
        await wait_for(pilot, lambda: "resync:BTC/USD" not in banners(app), 10, "banner gone")
        health = app.query_one(HealthPanel)
        await wait_for(pilot, lambda: str(health.get_cell("resyncs", "public")) == "1", 5,
                       "resync counted")
        assert not any(isinstance(m.event, SystemStatusChanged) and m.event.system != "online"
                       for m in seen)


async def test_without_keys_the_app_runs_public_only(sim: Simulator) -> None:
    app = sim_app(sim)
    app.config = Config(symbols=SYMBOLS, ws_url=sim.ws_url, ws_auth_url=sim.ws_auth_url,
                        rest_url=sim.rest_url)
    async with app.run_test(size=(120, 34)) as pilot:
        await wait_for(pilot, lambda: "mode" in banners(app), 10, "public-only banner")
        assert "PUBLIC-ONLY" in banners(app)["mode"][0]
        await live(pilot, app)
        health = app.query_one(HealthPanel)
        assert "OFF" in str(health.get_cell("state", "private"))


async def test_the_monitor_records_what_it_receives(sim: Simulator, tmp_path) -> None:
    """``kraken-tui --record FILE``: the monitor's own feed writes every inbound frame."""
    from kraken_tui import __version__
    from kraken_tui.kraken.frames import BookFrame, decode_frame
    from kraken_tui.record import RecordingReader, RecordingWriter
    from kraken_tui.ui.run import recording_factory

    config = sim_app(sim).config
    writer = RecordingWriter(tmp_path / "monitor.ndjson", config.symbols, config.depth,
                             __version__)
    app = KrakenMonitor(config, recording_factory(writer), toasts=False)
    app.animation_level = "none"
    async with app.run_test(size=(120, 34)) as pilot:
        await live(pilot, app)
        health = app.query_one(HealthPanel)
        await wait_for(pilot, lambda: "LIVE" in str(health.get_cell("state", "private")), 10,
                       "private live")
    assert app.feed_done.wait(10)
    writer.close()
    reader = RecordingReader(tmp_path / "monitor.ndjson")
    frames = [decode_frame(f.frame) for f in reader]
    assert reader.metadata is not None and reader.metadata["symbols"] == list(SYMBOLS)
    books = [f for f in frames if isinstance(f, BookFrame)]
    assert {d.symbol for f in books if f.is_snapshot for d in f.books} == set(SYMBOLS)
    assert {f.conn for f in RecordingReader(tmp_path / "monitor.ndjson")} == {"public", "private"}
