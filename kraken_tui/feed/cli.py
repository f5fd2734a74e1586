"""``kraken-tui events``: the feed, headless, as JSON lines on stdout.

One object per line, flushed per line, ``"event"`` naming the kind; made for
``jq`` and for debugging. Exits 0 on ``--duration`` or Ctrl-C, 2 with a
one-line message on bad arguments or unusable credentials.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from kraken_tui.config import DEFAULT_REST_URL, DEFAULT_WS_AUTH_URL, DEFAULT_WS_URL, DEPTHS
from kraken_tui.feed.connection import Feed, FeedConfig
from kraken_tui.feed.events import FeedEvent
from kraken_tui.feed.rest import KrakenRest, KrakenRestError, check_secret

log = logging.getLogger(__name__)


def add_events_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--symbol", action="append", dest="symbols", metavar="SYMBOL",
                        help="book to watch, e.g. BTC/USD (repeatable; default BTC/USD)")
    parser.add_argument("--depth", type=int, default=10, choices=DEPTHS)
    parser.add_argument("--private", action="store_true",
                        help="also stream open orders and balances (needs KRAKEN_API_KEY and "
                        "KRAKEN_API_SECRET, or --demo)")
    parser.add_argument("--dead-man-switch", type=int, metavar="SECONDS", default=None,
                        help="keep CancelAllOrdersAfter(SECONDS) armed while running")
    parser.add_argument("--demo", action="store_true",
                        help="run against the embedded simulator on loopback")
    parser.add_argument("--ws-url", default=None,
                        help=f"public WebSocket (default {DEFAULT_WS_URL})")
    parser.add_argument("--ws-auth-url", default=None,
                        help=f"private WebSocket (default {DEFAULT_WS_AUTH_URL})")
    parser.add_argument("--rest-url", default=None,
                        help=f"REST base; private calls go to <base>/0/private/<Method> "
                        f"(default {DEFAULT_REST_URL})")
    parser.add_argument("--duration", type=float, default=None, metavar="S",
                        help="exit 0 by itself after S seconds")
    parser.add_argument("--book-interval", type=float, default=0.0, metavar="S",
                        help="at most one book event per symbol per S seconds "
                        "(default: every frame)")
    parser.add_argument("--heartbeat-timeout", type=float, default=5.0, metavar="S")


def run_events(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.duration is not None and args.duration <= 0:
        parser.error("--duration must be positive")
    if args.dead_man_switch is not None and not 0 < args.dead_man_switch < 86400:
        parser.error("--dead-man-switch must be between 1 and 86399 seconds")
    if args.dead_man_switch and not args.private:
        parser.error("--dead-man-switch needs --private")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="kraken-tui events: %(levelname)s %(message)s")
    with _endpoints(args) as endpoints:
        api_key = endpoints.get("api_key") or os.environ.get("KRAKEN_API_KEY") or None
        api_secret = endpoints.get("api_secret") or os.environ.get("KRAKEN_API_SECRET") or None
        if args.private:
            if not (api_key and api_secret):
                return _fail("--private needs KRAKEN_API_KEY and KRAKEN_API_SECRET in the "
                             "environment (or --demo)")
            try:
                check_secret(api_secret)
            except ValueError as exc:
                return _fail(f"KRAKEN_API_SECRET is unusable: {exc}")
        try:
            config = FeedConfig(
                symbols=tuple(args.symbols or ["BTC/USD"]),
                depth=args.depth,
                ws_url=endpoints.get("ws_url") or args.ws_url or DEFAULT_WS_URL,
                ws_auth_url=endpoints.get("ws_auth_url") or args.ws_auth_url or DEFAULT_WS_AUTH_URL,
                rest_url=endpoints.get("rest_url") or args.rest_url or DEFAULT_REST_URL,
                api_key=api_key,
                api_secret=api_secret,
                private=bool(args.private),
                dead_man_switch=args.dead_man_switch,
                book_emit_interval=args.book_interval,
                heartbeat_timeout=args.heartbeat_timeout,
            )
        except ValueError as exc:
            parser.error(str(exc))
        try:
            return asyncio.run(_stream(config, args.duration, sys.stdout))
        except KeyboardInterrupt:
            return 0


@contextlib.contextmanager
def _endpoints(args: argparse.Namespace) -> Iterator[dict[str, str]]:
    """With --demo, a simulator on loopback supplies the URLs and demo keys."""
    if not args.demo:
        yield {}
        return
    from kraken_tui.sim import SimulatorThread

    with SimulatorThread() as handle:
        sim = handle.sim
        yield {
            "ws_url": sim.ws_url,
            "ws_auth_url": sim.ws_auth_url,
            "rest_url": sim.rest_url,
            "api_key": sim.api_key,
            "api_secret": sim.api_secret,
        }


def _fail(message: str) -> int:
    print(f"kraken-tui events: error: {message}", file=sys.stderr)
    return 2


async def _preflight(config: FeedConfig) -> str | None:
    """Refuse unusable credentials up front, rather than retrying them forever."""
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


async def _stream(config: FeedConfig, duration: float | None, out: TextIO) -> int:
    if config.wants_private:
        problem = await _preflight(config)
        if problem:
            return _fail(problem)
    feed: Feed

    def write(event: FeedEvent) -> None:
        try:
            out.write(json.dumps(event.to_json(), default=_json_default) + "\n")
            out.flush()
        except BrokenPipeError:  # the reader went away (e.g. `| head`): finish quietly
            feed.stop()

    feed = Feed(config, write)
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
