"""The default command: the Textual monitor (``kraken-tui``, ``kraken-tui --demo``).

Settings are resolved and validated before any screen opens, so a bad value
prints one clear line instead of a traceback; logging goes to a file only,
never over the UI.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from kraken_tui.config import (
    Config,
    ConfigError,
    apply_overrides,
    check_depth,
    check_symbols,
    default_log_path,
    load_config,
)
from kraken_tui.feed.connection import Feed, FeedConfig
from kraken_tui.feed.events import FeedEvent

DEMO_SYMBOLS = ("BTC/USD", "ETH/USD", "DOGE/USD")

#: Seconds between book views from the feed: the ladder's 20 fps repaint cap.
BOOK_REPAINT_INTERVAL = 0.05


def real_feed_factory(config: Config, sink: Callable[[FeedEvent], None]) -> Feed:
    """Build the real websocket feed from the app's settings."""
    feed_config = FeedConfig(
        symbols=config.symbols,
        depth=config.depth,
        ws_url=config.ws_url,
        ws_auth_url=config.ws_auth_url,
        rest_url=config.rest_url,
        api_key=config.api_key,
        api_secret=config.api_secret,
        heartbeat_timeout=config.heartbeat_timeout,
        dead_man_switch=config.dead_man_switch,
        # The ladder repaints at most 20 times a second, so a view per frame would be
        # built only to be dropped: at burst rates that alone capped the feed at ~4k fps.
        book_emit_interval=BOOK_REPAINT_INTERVAL,
    )
    return Feed(feed_config, sink)


def _depth(text: str) -> int:
    try:
        return check_depth("--depth", int(text))
    except (ValueError, ConfigError) as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--depth: ")) from None


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not whole seconds") from None
    if not 0 <= value < 86400:
        raise argparse.ArgumentTypeError("must be 0 (off) to 86399 seconds")
    return value


def add_monitor_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("monitor")
    group.add_argument("--demo", action="store_true",
                       help="run against the embedded simulator on loopback (no network, no keys)")
    group.add_argument("--config", metavar="PATH",
                       help="config file (default: the user config dir; env KRAKEN_TUI_CONFIG)")
    group.add_argument("--symbol", action="append", dest="monitor_symbols", metavar="PAIR",
                       help="pair to watch, e.g. BTC/USD (repeatable)")
    group.add_argument("--depth", type=_depth, metavar="N",
                       help="book depth: 10, 25, 100, 500 or 1000")
    group.add_argument("--ws-url", metavar="URL", help="public WebSocket v2 URL")
    group.add_argument("--ws-auth-url", metavar="URL", help="authenticated WebSocket v2 URL")
    group.add_argument("--rest-url", metavar="URL", help="REST API base URL")
    group.add_argument("--dead-man-switch", type=_seconds, metavar="SECONDS",
                       help="keep CancelAllOrdersAfter armed with this timeout (0 = off)")
    group.add_argument("--theme", metavar="NAME", help="Textual theme, e.g. nord, gruvbox")
    group.add_argument("--log-file", metavar="PATH", help=argparse.SUPPRESS)


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


def _fail(message: str) -> int:
    print(f"kraken-tui: {message}", file=sys.stderr)
    return 2


def run_monitor(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        config = load_config(args.config)
        config = apply_overrides(
            config,
            symbols=(check_symbols("--symbol", args.monitor_symbols)
                     if args.monitor_symbols else None),
            depth=args.depth,
            ws_url=args.ws_url,
            ws_auth_url=args.ws_auth_url,
            rest_url=args.rest_url,
            dead_man_switch=args.dead_man_switch,
            theme=args.theme,
        )
    except ConfigError as exc:
        return _fail(f"config error: {exc}")
    if args.dead_man_switch == 0:
        config = replace(config, dead_man_switch=None)
    from textual.theme import BUILTIN_THEMES

    if config.theme not in BUILTIN_THEMES:
        names = ", ".join(sorted(BUILTIN_THEMES))
        return _fail(f"config error: theme: {config.theme!r} is not a theme (one of {names})")

    log_path = Path(args.log_file) if args.log_file else default_log_path()
    try:
        setup_logging(log_path)
    except OSError as exc:
        return _fail(f"cannot write the log file {log_path}: {exc.strerror}")
    log = logging.getLogger("kraken_tui")
    log.info("starting monitor %r", config)

    from kraken_tui.ui import textual_fixes
    from kraken_tui.ui.app import KrakenMonitor

    textual_fixes.apply()

    sim_thread = None
    if args.demo:
        from kraken_tui.sim import SimulatorThread

        sim_thread = SimulatorThread(seed=1, order_flow=True)
        try:
            sim_thread.start()
        except RuntimeError as exc:
            return _fail(f"the demo simulator did not start: {exc.__cause__ or exc}")
        sim = sim_thread.sim
        config = replace(
            config,
            ws_url=sim.ws_url,
            ws_auth_url=sim.ws_auth_url,
            rest_url=sim.rest_url,
            api_key=sim.api_key,
            api_secret=sim.api_secret,
            symbols=config.symbols if args.monitor_symbols else DEMO_SYMBOLS,
            dead_man_switch=config.dead_man_switch or 60,
        )
        log.info("demo: simulator at %s", sim.ws_url)
    try:
        # By then the screen, the feed and the first views exist: the heap to freeze.
        app = KrakenMonitor(config, freeze_heap_after=2.0)
        app.run()
        # Let the feed finish its clean stop (it disarms the dead man's switch) first.
        app.feed_done.wait(10)
    finally:
        if sim_thread is not None:
            sim_thread.stop()
    return 0
