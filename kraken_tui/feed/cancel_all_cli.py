"""``kraken-tui cancel-all [--symbol S]... [--yes]``: the panic button, from a shell.

Without ``--symbol`` it is Kraken's own ``cancel_all`` (every open order, including any
placed after the list was shown); with it, ``cancel_order`` for the listed orders of
those symbols (Kraken's ``cancel_all`` has no symbol filter). The rest, from the list
and the question to the JSON lines and the exit status, is ``cancel_cli``'s.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from kraken_tui.feed.cancel_cli import Io, add_common, run_cancel


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("cancel-all (--symbol limits it to those pairs)")
    add_common(group)


def run(args: argparse.Namespace, flags: Mapping[str, Any],
        parser: argparse.ArgumentParser, *, io: Io | None = None) -> int:
    from kraken_tui.config import ConfigError, check_symbols

    symbols = None
    if "--symbol" in flags:
        try:
            symbols = check_symbols("--symbol", flags["--symbol"])
        except ConfigError as exc:
            parser.error(str(exc))
    return run_cancel(args, flags, parser, ids=None, symbols=symbols, io=io)
