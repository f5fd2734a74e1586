"""Command line: the monitor (default), ``events``, ``record``, ``cancel``, ``cancel-all``,
``sim``; one parser per command.

Commands that connect share the settings flags (``--config``, ``--demo``,
``--symbol``, ``--depth``, URLs, ``--dead-man-switch``, ``--heartbeat-timeout``)
and resolve them through ``config.resolve_settings``. A settings flag given
before a subcommand applies to it; any other flag there is refused, never
dropped. Each command reports errors with its own usage. Subcommand modules
are imported lazily so that ``kraken-tui sim`` never loads Textual.

Adding a command: one row in ``COMMANDS``, an ``add_arguments(parser)`` and a
``run(args, flags, parser)`` that calls ``settings(flags, parser)``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kraken_tui.config import (
    DEFAULT_REST_URL,
    DEFAULT_WS_AUTH_URL,
    DEFAULT_WS_URL,
    DEPTHS,
    Config,
    ConfigError,
    resolve_settings,
    with_endpoints,
)

PROG = "kraken-tui"


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    module: str  # has add_arguments(parser) and run(args, flags, parser) -> int
    settings: bool  # takes the shared settings flags


COMMANDS: tuple[Command, ...] = (
    Command("events", "print feed events as JSON lines (headless)", "kraken_tui.feed.cli", True),
    Command("record", "record every inbound frame to a file (NDJSON), headless",
            "kraken_tui.record.cli", True),
    Command("cancel", "cancel open orders by id (lists them and asks first unless --yes)",
            "kraken_tui.feed.cancel_cli", True),
    Command("cancel-all", "cancel all open orders, or those of --symbol (asks first "
            "unless --yes)", "kraken_tui.feed.cancel_all_cli", True),
    Command("sim", "run the Kraken-compatible exchange simulator on loopback",
            "kraken_tui.sim.cli", False),
)
MONITOR_MODULE = "kraken_tui.ui.run"
SHARED_FLAGS = ("--config", "--demo", "--symbol", "--depth", "--ws-url", "--ws-auth-url",
                "--rest-url", "--dead-man-switch", "--heartbeat-timeout")


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """The shared settings flags; each is kept under its own spelling, and only if given."""
    group = parser.add_argument_group(
        "settings (flags > environment > config file > defaults)")

    def flag(name: str, **kwargs: Any) -> None:
        assert name in SHARED_FLAGS, name
        group.add_argument(name, dest=name, default=argparse.SUPPRESS, **kwargs)

    flag("--config", metavar="PATH",
         help="config file (default: the user config dir; env KRAKEN_TUI_CONFIG)")
    flag("--demo", action="store_true",
         help="use the embedded simulator on loopback (no network, no keys)")
    flag("--symbol", action="append", metavar="PAIR",
         help="pair as BASE/QUOTE, e.g. BTC/USD (repeatable)")
    flag("--depth", metavar="N",
         help="book depth: " + ", ".join(str(d) for d in DEPTHS))
    flag("--ws-url", metavar="URL", help=f"public WebSocket v2 URL (default {DEFAULT_WS_URL})")
    flag("--ws-auth-url", metavar="URL",
         help=f"authenticated WebSocket v2 URL (default {DEFAULT_WS_AUTH_URL})")
    flag("--rest-url", metavar="URL", help=f"REST API base URL (default {DEFAULT_REST_URL})")
    flag("--dead-man-switch", metavar="SECONDS",
         help="keep CancelAllOrdersAfter armed with this timeout (0 = off)")
    flag("--heartbeat-timeout", metavar="SECONDS",
         help="silence after which a connection counts as dead (default 5)")


def given_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The settings flags the user typed, keyed by spelling ("--depth")."""
    return {k: v for k, v in vars(args).items() if k.startswith("--")}


def settings(flags: Mapping[str, Any], parser: argparse.ArgumentParser, *,
             themes: Collection[str] | None = None) -> Config:
    """Resolve the settings, or exit 2 with one line and this command's usage."""
    try:
        return resolve_settings(flags, themes=themes)
    except ConfigError as exc:
        parser.error(str(exc))


def fail(parser: argparse.ArgumentParser, message: str) -> int:
    """A runtime refusal (not a usage error): one line, exit 2, no usage."""
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return 2


class DemoStartError(Exception):
    """The embedded simulator could not start (e.g. no loopback)."""


@contextlib.contextmanager
def demo_exchange(config: Config) -> Iterator[Config]:
    """With ``--demo``, run the simulator on loopback and yield its endpoints and keys;
    otherwise yield ``config`` unchanged. Raises DemoStartError (one line) if it cannot."""
    if not config.demo:
        yield config
        return
    from kraken_tui.sim import SimulatorThread

    thread = SimulatorThread(seed=1, order_flow=True)
    try:
        thread.start()
    except RuntimeError as exc:
        raise DemoStartError(f"the demo simulator did not start: {exc.__cause__ or exc}") from None
    try:
        sim = thread.sim
        yield with_endpoints(config, ws_url=sim.ws_url, ws_auth_url=sim.ws_auth_url,
                             rest_url=sim.rest_url, api_key=sim.api_key,
                             api_secret=sim.api_secret)
    finally:
        thread.stop()


class _SubcommandAction(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Parse a subcommand into its own namespace, so its values never overwrite the
    top level's and its errors (unknown flags too) show its own usage."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values[0])
        namespace.command_args = self._name_parser_map[values[0]].parse_args(values[1:])


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The monitor's parser (the top level) and one parser per subcommand."""
    top = argparse.ArgumentParser(
        prog=PROG, description="Terminal trading monitor for Kraken (WebSocket v2).")
    add_settings_arguments(top)
    importlib.import_module(MONITOR_MODULE).add_arguments(top)
    top.register("action", "subcommands", _SubcommandAction)
    sub = top.add_subparsers(dest="command", action="subcommands",  # type: ignore[call-overload]
                             metavar="{" + ",".join(c.name for c in COMMANDS) + "}")
    parsers: dict[str, argparse.ArgumentParser] = {}
    for command in COMMANDS:
        parser = sub.add_parser(command.name, help=command.help)
        if command.settings:
            add_settings_arguments(parser)
        importlib.import_module(command.module).add_arguments(parser)
        parsers[command.name] = parser
    return top, parsers


def merge_flags(before: Mapping[str, Any], after: Mapping[str, Any], command: Command,
                parser: argparse.ArgumentParser) -> dict[str, Any]:
    """Flags typed before the subcommand apply to it if it takes them; else refuse."""
    merged = dict(after)
    for flag, value in before.items():
        if not command.settings or flag not in SHARED_FLAGS:
            parser.error(f"{flag}: given before '{command.name}', which does not take it; "
                         "drop it")
        if flag not in after or after[flag] == value:
            merged[flag] = value
        elif flag == "--symbol":
            merged[flag] = [*value, *after[flag]]
        else:
            parser.error(f"{flag}: given both before and after '{command.name}' "
                         f"({value} and {after[flag]}); give it once")
    return merged


def main(argv: list[str] | None = None) -> int:
    top, parsers = build_parser()
    args = top.parse_args(argv)
    before = given_flags(args)
    name = getattr(args, "command", None)
    if name is None:
        run: Callable[..., int] = importlib.import_module(MONITOR_MODULE).run
        return run(args, before, top)
    command = next(c for c in COMMANDS if c.name == name)
    parser = parsers[name]
    flags = merge_flags(before, given_flags(args.command_args), command, parser)
    return importlib.import_module(command.module).run(args.command_args, flags, parser)


if __name__ == "__main__":
    sys.exit(main())
