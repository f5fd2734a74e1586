"""``kraken-tui events``: feed events as JSON lines (placeholder until the feed lands)."""

from __future__ import annotations

import argparse


def add_events_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--symbol", action="append", dest="symbols")


def run_events(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    parser.error("events: not implemented yet")
    return 2
