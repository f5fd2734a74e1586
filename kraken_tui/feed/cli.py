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
import logging
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TextIO

from kraken_tui import __version__
from kraken_tui.alerts.rules import AlertRuleError, Rule
from kraken_tui.alerts.runtime import AlertRuntime
from kraken_tui.alerts.settings import AlertOutputs, AlertSettings, parse_cli_rules
from kraken_tui.config import Config, ConfigError, check_seconds, default_config_path
from kraken_tui.feed.connection import Feed, FeedConfig
from kraken_tui.feed.events import FeedEvent
from kraken_tui.feed.feed_config import feed_config
from kraken_tui.feed.output import EventOutput, write_now
from kraken_tui.feed.rest import KrakenRest, KrakenRestError
from kraken_tui.record import RecordingError, RecordingWriter
from kraken_tui.record.replay import ReplayFeed, parse_speed, plan_replay

log = logging.getLogger(__name__)

#: Levels per side in a book event (``BookUpdated.to_json``): views are built for no more.
EVENT_LEVELS = 10


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
                       help="at most one book event per symbol per S seconds")
    group.add_argument("--alert", action="append", default=[], metavar="RULE",
                       help="an alert rule (repeatable), e.g. 'BTC/USD last > 70000', "
                       "'stale > 30', fill: each firing is an \"alert\" event; rules in "
                       "the config's [[alerts]] apply too (docs/ALERTS.md)")
    group.add_argument("--replay", metavar="FILE",
                       help="print the events of a recording (from `kraken-tui record` or "
                       "--record) instead of connecting; exits 0 at its end")
    group.add_argument("--speed", default="max", metavar="X",
                       help="with --replay: 1 = real time, 10 = ten times faster, "
                       "max = as fast as possible (default)")
    group.add_argument("--every-frame", action="store_true",
                       help="one book event per book frame, however slow the reader "
                       "(default: the latest book as soon as the output can take it)")


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
    if args.every_frame and book_interval:
        parser.error("--every-frame and --book-interval: choose one")
    try:
        cli_rules = parse_cli_rules(args.alert)
    except AlertRuleError as exc:
        parser.error(str(exc))
    pull = not (args.every_frame or book_interval)
    if args.replay is not None:
        config = settings({k: v for k, v in flags.items() if k not in _NOT_WITH_REPLAY},
                          parser)
        alerts = _alerts(config, cli_rules, private=False)
        return _replay(args, flags, parser, out or sys.stdout, duration, book_interval, pull,
                       alerts)
    if args.speed != "max":
        parser.error("--speed: only with --replay FILE")
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
                               dead_man_switch=config.dead_man_switch if private else None,
                               view_levels=EVENT_LEVELS)
            try:
                recorder = _open_recording(args.record, feed, parser.prog)
            except RecordingError as exc:
                return fail(parser, str(exc))
            try:
                alerts = _alerts(config, cli_rules, private=private)
                return asyncio.run(_live(feed, duration, out or sys.stdout, parser, recorder,
                                         pull=pull, alerts=alerts))
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


def _alerts(config: Config, cli_rules: tuple[Rule, ...], *, private: bool) -> Alerts | None:
    """The config's rules and outputs plus ``--alert`` rules; None when there are none."""
    settings = config.alerts or AlertSettings()
    rules = (*settings.rules, *cli_rules)
    if not rules:
        return None
    endpoints = ("public", "private") if private else ("public",)
    return Alerts(rules, settings.outputs, config.symbols, endpoints)


async def _live(config: FeedConfig, duration: float | None, out: TextIO,
                parser: argparse.ArgumentParser, recorder: RecordingWriter | None = None, *,
                pull: bool = True, alerts: Alerts | None = None) -> int:
    from kraken_tui.cli import fail

    if config.wants_private:
        problem = await _preflight(config)
        if problem:
            return fail(parser, problem)

    def make_feed(sink: Callable[[FeedEvent], None],
                  on_books_dirty: Callable[[], None] | None) -> Feed:
        return Feed(config, sink, recorder=recorder, on_books_dirty=on_books_dirty)

    return await _stream(make_feed, duration, out, pull=pull, alerts=alerts)


#: Flags a replay cannot honour: the recording decides what is in it.
_NOT_WITH_REPLAY = ("--symbol", "--depth", "--dead-man-switch")


def _replay(args: argparse.Namespace, flags: Mapping[str, Any],
            parser: argparse.ArgumentParser, out: TextIO, duration: float | None,
            book_interval: float, pull: bool, alerts: Alerts | None) -> int:
    from kraken_tui.cli import fail

    for flag, given in (("--record", args.record), ("--private", args.private)):
        if given:
            parser.error(f"{flag}: not with --replay (a replay connects to nothing)")
    for flag in _NOT_WITH_REPLAY:
        if flag in flags:
            parser.error(f"{flag}: not with --replay (the recording decides it); drop it")
    try:
        speed = parse_speed(args.speed)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        plan = plan_replay(args.replay)
    except RecordingError as exc:
        return fail(parser, str(exc))

    def make_feed(sink: Callable[[FeedEvent], None],
                  on_books_dirty: Callable[[], None] | None) -> Feed:
        return ReplayFeed(plan, sink, speed=speed, view_levels=EVENT_LEVELS,
                          book_emit_interval=book_interval, on_books_dirty=on_books_dirty)

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format=f"{parser.prog}: %(levelname)s %(message)s")
    try:
        if alerts is not None:  # the recording's symbols, not the config's
            alerts = replace(alerts, books=plan.symbols)
        return asyncio.run(_stream(make_feed, duration, out, pull=pull, alerts=alerts))
    except KeyboardInterrupt:
        return 0


@dataclass(frozen=True)
class Alerts:
    """What the alert runtime needs for one run of ``events``."""

    rules: tuple[Rule, ...]
    outputs: AlertOutputs
    books: tuple[str, ...]
    endpoints: tuple[str, ...]


async def _stream(make_feed: Callable[[Callable[[FeedEvent], None],
                                       Callable[[], None] | None], Feed],
                  duration: float | None, out: TextIO, *, pull: bool = True,
                  alerts: Alerts | None = None) -> int:
    """``pull``: book events coalesce by backpressure (``output.py``); else one per frame
    (or per ``--book-interval``), written as they come. ``alerts``: each event also goes
    to the alert engine, and each firing is written right after the event that made it."""
    loop = asyncio.get_running_loop()
    feed: Feed | None = None

    def broken() -> None:  # the reader went away (e.g. `| head`): finish quietly
        if feed is not None:
            feed.stop()

    output = EventOutput(out, on_broken=broken) if pull else None
    write: Callable[[Any], None] = output.emit if output is not None else write_now(out, broken)
    runtime = None
    sink: Callable[[FeedEvent], None] = write
    if alerts is not None:
        runtime = AlertRuntime(alerts.rules, alerts.outputs, write, books=alerts.books,
                               endpoints=alerts.endpoints)
        observe = runtime.observe

        def sink(event: FeedEvent) -> None:
            write(event)
            observe(event)

        runtime.start(loop)
    feed = make_feed(sink, output.kick if output is not None else None)
    if output is not None:
        output.start(loop, feed.books.flush_views)
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, feed.stop)
    if duration is not None:
        loop.call_later(duration, feed.stop)
    try:
        await feed.run()
    finally:
        if runtime is not None:
            await runtime.aclose()
        if output is not None:
            await output.aclose()
    return 0
