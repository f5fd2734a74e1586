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
from typing import Any

from kraken_tui.config import Config, default_log_path
from kraken_tui.feed.connection import Feed
from kraken_tui.feed.events import FeedEvent
from kraken_tui.feed.feed_config import feed_config

#: Seconds between book views from the feed: the ladder's 20 fps repaint cap.
BOOK_REPAINT_INTERVAL = 0.05


def real_feed_factory(config: Config, sink: Callable[[FeedEvent], None]) -> Feed:
    """Build the real websocket feed from the app's settings."""
    # The ladder repaints at most 20 times a second, so a view per frame would be
    # built only to be dropped: at burst rates that alone capped the feed at ~4k fps.
    return Feed(feed_config(config, book_emit_interval=BOOK_REPAINT_INTERVAL), sink)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The monitor's own flags (the shared settings flags come from kraken_tui.cli)."""
    group = parser.add_argument_group("monitor")
    group.add_argument("--theme", dest="--theme", default=argparse.SUPPRESS, metavar="NAME",
                       help="Textual theme, e.g. nord, gruvbox")
    group.add_argument("--log-file", dest="--log-file", default=argparse.SUPPRESS,
                       metavar="PATH", help=argparse.SUPPRESS)


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

    config = settings(flags, parser, themes=BUILTIN_THEMES)
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
            app = KrakenMonitor(config, freeze_heap_after=2.0)
            app.run()
            # Let the feed finish its clean stop (it disarms the dead man's switch) first.
            app.feed_done.wait(10)
    except DemoStartError as exc:
        return fail(parser, str(exc))
    return 0
