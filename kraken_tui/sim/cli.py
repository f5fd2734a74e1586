"""``kraken-tui sim``: run the exchange simulator on loopback until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys

from kraken_tui.sim.faults import SCENARIOS


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
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
    parser.add_argument("--port", type=int, default=0,
                        help="public WS port N; auth WS is N+1 and REST N+2 (0 = ephemeral)")
    parser.add_argument("--seed", type=int, default=1, help="market/account seed (default: 1)")
    parser.add_argument("--scenario", default=None, choices=sorted(SCENARIOS),
                        metavar="NAME", help="fault scenario to run (see below)")
    parser.add_argument("--json", action="store_true",
                        help="print the endpoints and demo credentials as one JSON line")


def run_sim(args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


async def _serve(args: argparse.Namespace) -> None:
    from kraken_tui.sim.server import Simulator

    port = int(args.port)
    ports = (port, port + 1, port + 2) if port else (0, 0, 0)
    # Handlers first: a supervisor may signal as soon as it has read the first line.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    sim = Simulator(seed=args.seed, host=args.host, ws_port=ports[0], auth_port=ports[1],
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
