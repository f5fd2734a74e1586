"""The monitor driven by a recording (``--replay``): the same widgets, REPLAY, its keys.

The real ``ReplayFeed`` replays real Kraken captures (``../shared/fixtures``); nothing
is scripted or faked between the file and the screen.
"""

from __future__ import annotations

import json
from pathlib import Path

from ui_scenarios import demo_config, fixed_clock, make_app, market_drawn, wait_for

from kraken_tui.record.replay import ReplayFeed, parse_speed, plan_replay
from kraken_tui.ui.app import KrakenMonitor
from kraken_tui.ui.replay import ReplayState
from kraken_tui.ui.run import BOOK_REPAINT_INTERVAL
from kraken_tui.ui.widgets.book import BookLadder
from kraken_tui.ui.widgets.status import StatusBar
from tests.captures import capture_path

DEPTHCHARGE = "depthcharge-kraken_minagbp_d25_20260816.ndjson"


def replay_app(path: Path, speed: str = "max", *, exit_at_end: bool = False
               ) -> tuple[KrakenMonitor, list[ReplayFeed]]:
    """The monitor as ``kraken-tui --replay PATH --speed SPEED`` builds it."""
    plan = plan_replay(path, measure=True)
    feeds: list[ReplayFeed] = []

    def factory(config, sink):  # type: ignore[no-untyped-def]
        feed = ReplayFeed(plan, sink, speed=parse_speed(speed),
                          book_emit_interval=BOOK_REPAINT_INTERVAL, progress=True)
        feeds.append(feed)
        return feed

    config = demo_config(symbols=plan.symbols, depth=plan.depth)
    state = ReplayState(path.name, None, duration=plan.duration, speed=parse_speed(speed))
    app = KrakenMonitor(config, factory, clock=fixed_clock, toasts=False, replay=state,
                        exit_at_replay_end=exit_at_end)
    app.animation_level = "none"
    return app, feeds


def final_checksum() -> int:
    lines = capture_path(DEPTHCHARGE).read_text().splitlines()
    frames = [json.loads(line).get("frame") or {} for line in lines]
    return [f for f in frames if f.get("channel") == "book"][-1]["data"][0]["checksum"]


def test_a_replayed_kraken_capture_on_screen(snap_compare) -> None:
    app, _ = replay_app(capture_path(DEPTHCHARGE))

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        ladder = pilot.app.query_one(BookLadder)
        await wait_for(pilot, lambda: app.replay.finished and ladder.view is not None
                       and ladder.view.checksum == final_checksum() and not ladder.pending,
                       10, "the replay's final book on screen")
        pilot.app.tick()
        await wait_for(pilot, lambda: market_drawn(pilot.app), 5, "the market panels drawn")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 34), run_before=run_before)


async def test_the_final_book_is_shown_valid_and_the_status_bar_says_replay() -> None:
    app, _ = replay_app(capture_path(DEPTHCHARGE))
    async with app.run_test(size=(120, 34)) as pilot:
        ladder = app.query_one(BookLadder)
        await wait_for(pilot, lambda: app.replay.finished and ladder.view is not None
                       and ladder.view.checksum == final_checksum(), 10, "final book")
        assert ladder.valid and ladder.symbol == "MINA/GBP"
        app.tick()
        await pilot.pause()
        status = app.query_one(StatusBar).text
        assert status.startswith(" REPLAY ") and "100%" in status and "END" in status


async def test_space_pauses_and_plus_minus_change_the_speed(tmp_path: Path) -> None:
    app, feeds = replay_app(capture_path(DEPTHCHARGE), "1")  # 60 s of recording
    async with app.run_test(size=(120, 34)) as pilot:
        await wait_for(pilot, lambda: bool(feeds) and feeds[0].stats["public"].frames > 0,
                       10, "the replay under way")
        feed = feeds[0]
        await pilot.press("space")
        await wait_for(pilot, lambda: app.replay.paused and feed.paused, 5, "paused")
        assert "PAUSED" in app.query_one(StatusBar).text
        await pilot.press("space")
        await wait_for(pilot, lambda: not app.replay.paused, 5, "resumed")
        await pilot.press("plus")
        await wait_for(pilot, lambda: app.replay.speed == 2.0 and feed.speed == 2.0, 5, "x2")
        await pilot.press("minus", "minus")
        await wait_for(pilot, lambda: app.replay.speed == 0.5, 5, "x0.5")


async def test_the_monitor_exits_by_itself_at_the_end_of_the_recording() -> None:
    app, _ = replay_app(capture_path(DEPTHCHARGE), exit_at_end=True)
    exits: list[object] = []
    real_exit = app.exit
    app.exit = lambda *a, **k: (exits.append(a), real_exit(*a, **k))  # type: ignore[method-assign]
    async with app.run_test(size=(120, 34)) as pilot:
        await wait_for(pilot, lambda: bool(exits), 10, "the app's own exit")
    assert app.feed_done.wait(5)


async def test_replay_keys_are_hidden_outside_a_replay() -> None:
    app, _ = make_app([])
    async with app.run_test(size=(120, 34)) as pilot:
        assert app.check_action("replay_pause", ()) is False
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-body Static").render())
        assert "Pause replay" not in text and "Cycle the subscribed depth" in text


async def test_depth_and_resync_are_hidden_in_a_replay() -> None:
    app, _ = replay_app(capture_path(DEPTHCHARGE))
    async with app.run_test(size=(120, 34)):
        assert app.check_action("cycle_depth", ()) is False
        assert app.check_action("resync", ()) is False
        assert app.check_action("replay_pause", ()) is True
