"""``kraken-tui record --output FILE``: the feed, headless, recorded and nothing printed.

The same run as ``kraken-tui events --record FILE`` (settings, credentials,
``--demo``, ``--private``) with its event lines discarded: one code path, so a
recording holds exactly what ``events`` would have seen.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Mapping
from typing import Any


class _Discard(io.StringIO):
    def write(self, text: str) -> int:
        return len(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("record")
    group.add_argument("--output", required=True, metavar="FILE",
                       help="where to write the recording (NDJSON; .gz and .zst compress)")
    group.add_argument("--private", action="store_true",
                       help="also record the private connection (executions, balances)")
    group.add_argument("--duration", metavar="S", help="stop by itself after S seconds")


def run(args: argparse.Namespace, flags: Mapping[str, Any],
        parser: argparse.ArgumentParser) -> int:
    from kraken_tui.feed import cli as events_cli

    # Views are not printed, so build them rarely: the recording is the frames.
    events_args = argparse.Namespace(private=args.private, duration=args.duration,
                                     book_interval="1", every_frame=False, record=args.output,
                                     replay=None, speed="max", alert=[])
    return events_cli.run(events_args, flags, parser, out=_Discard())
