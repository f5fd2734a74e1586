"""Command line: the monitor (default), `sim` and `events`."""

from __future__ import annotations

import argparse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kraken-tui", description=__doc__)
    parser.add_argument("--demo", action="store_true", help="run against the embedded simulator")
    return parser


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)
    return 0
