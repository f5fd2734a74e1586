"""``kraken-tui sim``: run the simulator until Ctrl-C (placeholder until the simulator lands)."""

from __future__ import annotations

import argparse


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", default=None)
    parser.add_argument("--json", action="store_true")


def run_sim(args: argparse.Namespace) -> int:
    raise SystemExit("kraken-tui sim: not implemented yet")
