"""``kraken-tui sim``: run the exchange simulator on loopback until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

from kraken_tui.sim.faults import SCENARIOS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = (
        "Run a local Kraken-compatible exchange (WebSocket v2 public + auth, REST) with a "
        "seeded market and a demo account whose orders are placed, filled and cancelled "
        "over time. Synthetic pairs SYN01/USD..SYN20/USD are always listed (they move only "
        "during a burst)."
    )
    parser.epilog = "scenarios:\n" + "\n".join(
        f"  {name:<12} {text}" for name, text in SCENARIOS.items())
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default: 127.0.0.1, loopback only)")
    parser.add_argument("--port", default="0", metavar="N",
                        help="public WS port N; auth WS is N+1 and REST N+2 (0 = free ports)")
    parser.add_argument("--seed", default="1", metavar="N",
                        help="market/account seed (default: 1)")
    parser.add_argument("--scenario", default=None, choices=sorted(SCENARIOS),
                        metavar="NAME", help="fault scenario to run (see below)")
    parser.add_argument("--json", action="store_true",
                        help="print the endpoints and demo credentials as one JSON line")


def run(args: argparse.Namespace, flags: Mapping[str, Any],
        parser: argparse.ArgumentParser) -> int:
    from kraken_tui.cli import fail
    from kraken_tui.config import ConfigError, check_port, check_whole

    try:
        port = check_port("--port", args.port, span=3)
        seed = check_whole("--seed", args.seed)
    except ConfigError as exc:
        parser.error(str(exc))
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(args, port, seed))
    except OSError as exc:
        where = f"{args.host}:{port}-{port + 2}" if port else args.host
        why = os.strerror(exc.errno) if (exc.errno or 0) > 0 else exc.strerror or str(exc)
        flag = "--port" if exc.errno == errno.EADDRINUSE else "--host/--port"
        return fail(parser, f"{flag}: cannot listen on {where} ({why}); "
                    "pick another --port (0 = free ports) or --host")
    return 0


async def _serve(args: argparse.Namespace, port: int, seed: int) -> None:
    from kraken_tui.sim.server import Simulator

    ports = (port, port + 1, port + 2) if port else (0, 0, 0)
    # Handlers first: a supervisor may signal as soon as it has read the first line.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    sim = Simulator(seed=seed, host=args.host, ws_port=ports[0], auth_port=ports[1],
                    rest_port=ports[2], scenario=args.scenario)
    await sim.start()
    info = {"ws_url": sim.ws_url, "ws_auth_url": sim.ws_auth_url, "rest_url": sim.rest_url,
            "api_key": sim.api_key, "api_secret": sim.api_secret}
    if args.json:
        print(json.dumps(info), flush=True)
    else:
        print(f"public WS : {sim.ws_url}\nauth WS   : {sim.ws_auth_url}\n"
              f"REST      : {sim.rest_url}\nAPI key   : {sim.api_key}\n"
              f"API secret: {sim.api_secret}\n"
              f"scenario  : {args.scenario or 'none'}\nCtrl-C to stop.", flush=True)
    try:
        await stop.wait()
    finally:
        await sim.stop()
        sys.stdout.flush()
