"""The default command: the Textual monitor (placeholder until the UI lands)."""

from __future__ import annotations

import argparse


def add_monitor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="run against the embedded simulator")


def run_monitor(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    parser.error("monitor: not implemented yet")
    return 2
