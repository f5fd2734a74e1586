"""``kraken-tui events``: the feed, headless, as JSON lines on stdout.

One object per line, flushed per line, ``"event"`` naming the kind; made for
``jq`` and for debugging. Settings resolve exactly as for the monitor. Exits 0
on ``--duration`` or Ctrl-C, 2 with a one-line message on bad arguments or
unusable credentials.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from kraken_tui import __version__
from kraken_tui.config import ConfigError, check_seconds, default_config_path
from kraken_tui.feed.connection import Feed, FeedConfig
from kraken_tui.feed.events import FeedEvent
from kraken_tui.feed.feed_config import feed_config
from kraken_tui.feed.rest import KrakenRest, KrakenRestError
from kraken_tui.record import RecordingError, RecordingWriter

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's own flags (the shared settings flags come from kraken_tui.cli)."""
    group = parser.add_argument_group("events")
    group.add_argument("--private", action="store_true",
                       help="also stream open orders and balances (needs API keys: "
                       "KRAKEN_API_KEY and KRAKEN_API_SECRET, the config file, or --demo)")
    group.add_argument("--duration", metavar="S",
                       help="exit 0 by itself after S seconds")
    group.add_argument("--record", metavar="FILE",
                       help="also write every inbound frame, verbatim, to FILE as NDJSON "
                       "(.gz and .zst compress); see kraken_tui/record")
    group.add_argument("--book-interval", default="0", metavar="S",
                       help="at most one book event per symbol per S seconds "
                       "(default: every frame)")


def run(args: argparse.Namespace, flags: Mapping[str, Any],
        parser: argparse.ArgumentParser, *, out: TextIO | None = None) -> int:
    """``out``: where the event lines go (default stdout); ``kraken-tui record`` discards
    them and only records."""
    from kraken_tui.cli import DemoStartError, demo_exchange, fail, settings

    try:
        duration = None if args.duration is None else check_seconds("--duration", args.duration)
        book_interval = check_seconds("--book-interval", args.book_interval, zero_ok=True)
    except ConfigError as exc:
        parser.error(str(exc))
    config = settings(flags, parser)
    if flags.get("--dead-man-switch") and config.dead_man_switch and not args.private:
        parser.error("--dead-man-switch: needs --private (the switch guards your orders)")
    if args.private and not (config.demo or config.has_credentials):
        source = config.source or default_config_path()
        parser.error("--private: needs API keys; set KRAKEN_API_KEY and KRAKEN_API_SECRET "
                     f"(or api_key/api_secret in {source}), or use --demo")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format=f"{parser.prog}: %(levelname)s %(message)s")
    try:
        with demo_exchange(config) as config:
            private = bool(args.private)
            feed = feed_config(config, private=private, book_emit_interval=book_interval,
                               dead_man_switch=config.dead_man_switch if private else None)
            try:
                recorder = _open_recording(args.record, feed, parser.prog)
            except RecordingError as exc:
                return fail(parser, str(exc))
            try:
                return asyncio.run(_stream(feed, duration, out or sys.stdout, parser, recorder))
            except KeyboardInterrupt:
                return 0
            finally:
                if recorder is not None:
                    recorder.close()
    except DemoStartError as exc:
        return fail(parser, str(exc))


def _open_recording(path: str | None, config: FeedConfig, prog: str) -> RecordingWriter | None:
    if path is None:
        return None

    def dropped(message: str) -> None:  # any thread; stderr only, stdout is the events
        print(f"{prog}: {message}", file=sys.stderr, flush=True)

    return RecordingWriter(path, config.symbols, config.depth, __version__, on_drop=dropped)


async def _preflight(config: FeedConfig) -> str | None:
    """Refuse credentials the exchange rejects up front, rather than retrying forever."""
    rest = KrakenRest(config.rest_url, config.api_key, config.api_secret)
    try:
        await rest.websockets_token()
    except KrakenRestError as exc:
        if exc.is_auth:
            return f"credentials refused by {config.rest_url}: {', '.join(exc.errors)}"
        log.warning("could not check credentials yet (%s); continuing", exc)
    finally:
        await rest.aclose()
    return None


async def _stream(config: FeedConfig, duration: float | None, out: TextIO,
                  parser: argparse.ArgumentParser,
                  recorder: RecordingWriter | None = None) -> int:
    from kraken_tui.cli import fail

    if config.wants_private:
        problem = await _preflight(config)
        if problem:
            return fail(parser, problem)
    feed: Feed

    def write(event: FeedEvent) -> None:
        try:
            out.write(json.dumps(event.to_json(), default=_json_default) + "\n")
            out.flush()
        except BrokenPipeError:  # the reader went away (e.g. `| head`): finish quietly
            feed.stop()

    feed = Feed(config, write, recorder=recorder)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, feed.stop)
    if duration is not None:
        loop.call_later(duration, feed.stop)
    await feed.run()
    return 0


def _json_default(value: Any) -> Any:
    return str(value)
