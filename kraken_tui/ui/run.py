"""The default command: the Textual monitor (``kraken-tui``, ``kraken-tui --demo``).

Settings are resolved and validated (credentials included) before any screen
opens or anything connects, so a bad value prints one clear line instead of a
traceback; logging goes to a file only, never over the UI.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kraken_tui import __version__
from kraken_tui.alerts.rules import AlertRuleError
from kraken_tui.alerts.settings import AlertSettings, parse_cli_rules
from kraken_tui.config import DEPTHS, Config, default_log_path
from kraken_tui.feed.connection import Feed
from kraken_tui.feed.events import FeedError, FeedEvent
from kraken_tui.feed.feed_config import feed_config
from kraken_tui.record import RecordingError, RecordingWriter

if TYPE_CHECKING:
    from kraken_tui.ui.app import FeedFactory
    from kraken_tui.ui.replay import ReplayState

#: Seconds between book views from the feed: the ladder's 20 fps repaint cap.
BOOK_REPAINT_INTERVAL = 0.05
#: Levels per side in the monitor's views: the whole subscribed depth, which the ladder
#: scrolls through (a view holds no more levels than the book, so depth 10 costs 10).
LADDER_VIEW_LEVELS = max(DEPTHS)


def real_feed_factory(config: Config, sink: Callable[[FeedEvent], None]) -> Feed:
    """Build the real websocket feed from the app's settings."""
    # The ladder repaints at most 20 times a second, so a view per frame would be
    # built only to be dropped: at burst rates that alone capped the feed at ~4k fps.
    return Feed(feed_config(config, book_emit_interval=BOOK_REPAINT_INTERVAL,
                            view_levels=LADDER_VIEW_LEVELS), sink)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The monitor's own flags (the shared settings flags come from kraken_tui.cli)."""
    group = parser.add_argument_group("monitor")
    group.add_argument("--theme", dest="--theme", default=argparse.SUPPRESS, metavar="NAME",
                       help="Textual theme, e.g. nord, gruvbox")
    group.add_argument("--allow-cancel", dest="--allow-cancel", action="store_true",
                       default=argparse.SUPPRESS,
                       help="let c / C cancel the highlighted order / all open orders "
                       "(after a confirmation); without it the monitor is read-only "
                       "(config: allow_cancel = true)")
    group.add_argument("--log-file", dest="--log-file", default=argparse.SUPPRESS,
                       metavar="PATH", help=argparse.SUPPRESS)
    group.add_argument("--record", dest="--record", default=argparse.SUPPRESS, metavar="FILE",
                       help="also write every inbound frame, verbatim, to FILE as NDJSON "
                       "(.gz and .zst compress); replay it with --replay FILE")
    group.add_argument("--alert", dest="--alert", action="append", default=argparse.SUPPRESS,
                       metavar="RULE", help="an alert rule (repeatable), e.g. 'BTC/USD last > "
                       "70000': a toast, the bell and a row in the Alerts panel when it fires; "
                       "the config's [[alerts]] apply too (docs/ALERTS.md)")
    group.add_argument("--replay", dest="--replay", default=argparse.SUPPRESS, metavar="FILE",
                       help="show a recording instead of connecting (space pauses, +/- "
                       "change speed); exits 0 at its end")
    group.add_argument("--speed", dest="--speed", default=argparse.SUPPRESS, metavar="X",
                       help="with --replay: 1 = real time (default), 10 = ten times faster, "
                       "max = as fast as possible")


#: The monitor's own flags: not settings, so kept away from the settings resolver.
MONITOR_ONLY = ("--record", "--replay", "--speed", "--alert")
#: What a replay cannot honour: the recording decides it, and nothing is connected.
NOT_WITH_REPLAY = ("--symbol", "--depth", "--dead-man-switch", "--demo", "--record",
                   "--ws-url", "--ws-auth-url", "--rest-url", "--allow-cancel")


def replay_setup(flags: Mapping[str, Any], parser: argparse.ArgumentParser,
                 config: Config) -> tuple[Config, FeedFactory | None, ReplayState | None]:
    """For ``--replay FILE``: the recording's symbols and depth, its feed, its state."""
    from kraken_tui.cli import fail
    from kraken_tui.record.replay import ReplayFeed, parse_speed, plan_replay
    from kraken_tui.ui.replay import ReplayState, parse_started

    path = flags.get("--replay")
    if path is None:
        if "--speed" in flags:
            parser.error("--speed: only with --replay FILE")
        return config, None, None
    for flag in NOT_WITH_REPLAY:
        if flag in flags:
            parser.error(f"{flag}: not with --replay (a replay connects to nothing, and "
                         "the recording decides what it shows); drop it")
    try:
        speed = parse_speed(flags.get("--speed", "1"))
    except ValueError as exc:
        parser.error(str(exc))
    try:
        plan = plan_replay(path, measure=True)
    except RecordingError as exc:
        raise SystemExit(fail(parser, str(exc))) from None
    config = replace(config, symbols=plan.symbols, depth=plan.depth, api_key=None,
                     api_secret=None, dead_man_switch=None, demo=False)

    def factory(config: Config, sink: Callable[[FeedEvent], None]) -> Feed:
        return ReplayFeed(plan, sink, speed=speed, book_emit_interval=BOOK_REPAINT_INTERVAL,
                          view_levels=LADDER_VIEW_LEVELS, progress=True)

    state = ReplayState(Path(path).name, parse_started(plan.started), speed=speed,
                        duration=plan.duration)
    return config, factory, state


def recording_factory(writer: RecordingWriter) -> FeedFactory:
    """The real feed, recording every inbound frame with ``writer`` (``--record``)."""

    def factory(config: Config, sink: Callable[[FeedEvent], None]) -> Feed:
        def dropped(message: str) -> None:  # any thread: the sink only posts
            sink(FeedError("feed", "recording stopped", message))

        writer.on_drop = dropped
        return Feed(feed_config(config, book_emit_interval=BOOK_REPAINT_INTERVAL,
                                view_levels=LADDER_VIEW_LEVELS), sink, recorder=writer)

    return factory


def setup_logging(path: Path) -> None:
    """Log to a file only: nothing may print over the UI."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for chatty in ("httpx", "httpcore", "websockets", "uvicorn", "uvicorn.access"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def run(args: argparse.Namespace, flags: Mapping[str, Any],
        parser: argparse.ArgumentParser) -> int:
    from textual.theme import BUILTIN_THEMES

    from kraken_tui.cli import DemoStartError, demo_exchange, fail, settings

    try:
        cli_rules = parse_cli_rules(flags.get("--alert", []))
    except AlertRuleError as exc:
        parser.error(str(exc))
    config = settings({k: v for k, v in flags.items() if k not in MONITOR_ONLY}, parser,
                      themes=BUILTIN_THEMES)
    file_alerts = config.alerts or AlertSettings()
    alerts = replace(file_alerts, rules=(*file_alerts.rules, *cli_rules))
    config, factory, replay = replay_setup(flags, parser, config)
    writers: list[RecordingWriter] = []
    if "--record" in flags:
        try:  # opened now: a bad path is one line before any screen opens
            writers.append(RecordingWriter(flags["--record"], config.symbols, config.depth,
                                           __version__))
        except RecordingError as exc:
            return fail(parser, str(exc))
        factory = recording_factory(writers[0])
    log_path = Path(flags["--log-file"]) if flags.get("--log-file") else default_log_path()
    try:
        setup_logging(log_path)
    except OSError as exc:
        return fail(parser, f"cannot write the log file {log_path} ({exc.strerror}); "
                    "check the directory's permissions")
    config = replace(config, log_path=log_path)
    log = logging.getLogger("kraken_tui")

    from kraken_tui.ui import textual_fixes
    from kraken_tui.ui.app import KrakenMonitor

    textual_fixes.apply()
    try:
        with demo_exchange(config) as config:
            log.info("starting monitor %r", config)
            # By then the screen, the feed and the first views exist: the heap to freeze.
            app = KrakenMonitor(config, feed_factory=factory, freeze_heap_after=2.0,
                                replay=replay, alerts=alerts, handle_signals=True)
            try:
                app.run()
            finally:
                # However the app ended (q, a signal, a terminal gone), the feed finishes
                # its clean stop (it disarms the dead man's switch) before we exit.
                app.stop_feed()
                app.feed_done.wait(10)
    except DemoStartError as exc:
        return fail(parser, str(exc))
    finally:
        for writer in writers:
            writer.close()
    return 0
