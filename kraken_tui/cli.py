"""Command line: the monitor (default), ``sim`` (the exchange simulator) and ``events``.

Each subcommand lives beside the code it drives; this module only dispatches,
importing lazily so that ``kraken-tui sim`` never loads Textual.
"""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kraken-tui",
        description="Terminal trading monitor for Kraken (WebSocket v2).",
    )
    from kraken_tui.ui.run import add_monitor_arguments

    add_monitor_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="{sim,events}")

    from kraken_tui.sim.cli import add_sim_arguments

    add_sim_arguments(
        sub.add_parser("sim", help="run the Kraken-compatible exchange simulator on loopback")
    )

    from kraken_tui.feed.cli import add_events_arguments

    add_events_arguments(
        sub.add_parser("events", help="print feed events as JSON lines (headless)")
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "sim":
        from kraken_tui.sim.cli import run_sim

        return run_sim(args)
    if args.command == "events":
        from kraken_tui.feed.cli import run_events

        return run_events(args, parser)
    from kraken_tui.ui.run import run_monitor

    return run_monitor(args, parser)


if __name__ == "__main__":
    sys.exit(main())
