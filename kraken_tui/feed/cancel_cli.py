"""``kraken-tui cancel ORDER_ID...`` (and the flow ``cancel-all`` shares).

Settings and credentials resolve as for every command. First it lists what it would
cancel (REST ``OpenOrders``; ids that are not open are looked up with ``QueryOrders``)
on stderr; without ``--yes`` it asks on the terminal, and refuses when stdin is not
one. The cancels go through ``feed/cancels.py`` (the private WebSocket when it opens,
else REST), which prints one JSON line per order outcome on stdout, then a summary.
Exit 0 when every order ended cancelled or already gone, 1 otherwise, 2 on bad
arguments (or credentials the exchange refuses).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO

from kraken_tui.config import Config, default_config_path
from kraken_tui.feed.cancel_link import WsCancelLink
from kraken_tui.feed.cancels import MAINTENANCE_NOTE, CancelDesk
from kraken_tui.feed.events import CancelFinished, FeedEvent
from kraken_tui.feed.rest import KrakenRest, KrakenRestError
from kraken_tui.kraken.instruments import InstrumentTable
from kraken_tui.kraken.models import Order
from kraken_tui.kraken.orders import orders_from_rest

log = logging.getLogger(__name__)
#: Kraken order ids are like OQCLML-BW3P3-BUCMWZ; anything with spaces or odd
#: characters is a paste error, refused before anything connects.
ORDER_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("cancel")
    group.add_argument("order_ids", nargs="+", metavar="ORDER_ID",
                       help="Kraken order id(s) to cancel, e.g. OQCLML-BW3P3-BUCMWZ")
    add_common(group)


def add_common(group: Any) -> None:
    group.add_argument("--yes", action="store_true",
                       help="do not ask: cancel what the list shows (needed when stdin is "
                       "not a terminal)")


@dataclass(frozen=True)
class Io:
    """Where the command talks: JSON lines to ``out``, people to ``err``."""

    stdin: TextIO
    out: TextIO
    err: TextIO


def run(args: argparse.Namespace, flags: Mapping[str, Any],
        parser: argparse.ArgumentParser, *, io: Io | None = None) -> int:
    if "--symbol" in flags:
        parser.error("--symbol: only with cancel-all (cancel takes order ids)")
    ids = list(dict.fromkeys(args.order_ids))
    for oid in ids:
        if not ORDER_ID.fullmatch(oid):
            parser.error(f"{oid!r} is not a Kraken order id; paste it as shown, "
                         "e.g. OQCLML-BW3P3-BUCMWZ")
    return run_cancel(args, flags, parser, ids=ids, symbols=None, io=io)


def run_cancel(args: argparse.Namespace, flags: Mapping[str, Any],
               parser: argparse.ArgumentParser, *, ids: list[str] | None,
               symbols: tuple[str, ...] | None, io: Io | None = None) -> int:
    """``ids`` None: cancel-all (of ``symbols`` when given)."""
    from kraken_tui.cli import DemoStartError, demo_exchange, fail, settings

    io = io or Io(sys.stdin, sys.stdout, sys.stderr)
    config = settings(flags, parser)
    if not (config.demo or config.has_credentials):
        source = config.source or default_config_path()
        parser.error("needs API keys; set KRAKEN_API_KEY and KRAKEN_API_SECRET "
                     f"(or api_key/api_secret in {source}), or use --demo")
    if not args.yes and not io.stdin.isatty():
        parser.error("stdin is not a terminal, so there is nobody to ask: add --yes to "
                     "cancel without asking")
    logging.basicConfig(level=logging.WARNING, stream=io.err,
                        format=f"{parser.prog}: %(levelname)s %(message)s")
    try:
        with demo_exchange(config) as config:
            return asyncio.run(_cancel(config, ids, symbols, args.yes, io, parser))
    except DemoStartError as exc:
        return fail(parser, str(exc))
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=io.err)
        return 1


async def _cancel(config: Config, ids: list[str] | None, symbols: tuple[str, ...] | None,
                  yes: bool, io: Io, parser: argparse.ArgumentParser) -> int:
    from kraken_tui.cli import fail

    rest = KrakenRest(config.rest_url, config.api_key, config.api_secret)
    link: WsCancelLink | None = None
    try:
        status = await _system_status(rest, io)
        try:
            chosen, others = await _listing(rest, ids, symbols)
        except KrakenRestError as exc:
            if exc.is_auth:
                return fail(parser, f"credentials refused by {config.rest_url}: "
                            f"{', '.join(exc.errors)}")
            print(f"{parser.prog}: could not list the open orders ({exc}); nothing was sent",
                  file=io.err)
            return 1
        _print_listing(io.err, chosen, others, ids, symbols)
        asked = list(ids) if ids is not None else [o.order_id for o in chosen]
        if not asked:
            _write(io.out, CancelFinished(0, "cancel_order" if ids or symbols else "cancel_all",
                                          "none", 0))
            return 0
        if status == "maintenance":
            print(MAINTENANCE_NOTE, file=io.err)
        elif not yes and not _confirm(io, len(asked)):
            print("aborted: nothing was sent", file=io.err)
            return 1
        if status != "maintenance":
            link = await _open_link(config, rest, io)
        req_ids = itertools.count(1_000)
        desk = CancelDesk(rest=lambda: rest, link=link, emit=lambda e: _write(io.out, e),
                          next_req_id=req_ids.__next__, system_status=lambda: status)
        if link is not None:
            link.desk = desk
        every = ids is None and symbols is None
        finished = await desk.cancel(None if every else asked, [*chosen, *others])
        return 0 if finished is not None and finished.ok else 1
    finally:
        if link is not None:
            await link.close()
        await rest.aclose()


async def _system_status(rest: KrakenRest, io: Io) -> str | None:
    try:
        result = await rest.public("SystemStatus")
    except KrakenRestError as exc:
        print(f"could not read the exchange status ({exc}); going on", file=io.err)
        return None
    status = result.get("status") if isinstance(result, dict) else None
    return status if isinstance(status, str) else None


async def _listing(rest: KrakenRest, ids: list[str] | None, symbols: tuple[str, ...] | None,
                   ) -> tuple[list[Order], list[Order]]:
    """The open orders to cancel, and (by id) the ones Kraken knows that are not open."""
    table = InstrumentTable()
    try:
        table.apply_asset_pairs(await rest.asset_pairs())  # REST pair names -> BTC/USD
    except KrakenRestError as exc:
        log.warning("AssetPairs failed (%s): symbols shown as REST names", exc)
    open_orders = orders_from_rest(await rest.open_orders(), table)
    if ids is None:
        return [o for o in open_orders if symbols is None or o.symbol in symbols], []
    by_id = {o.order_id: o for o in open_orders}
    missing = [i for i in ids if i not in by_id]
    closed = orders_from_rest(await rest.query_orders(missing), table) if missing else []
    return [by_id[i] for i in ids if i in by_id], closed


def _plain(value: Decimal) -> str:
    """The value's own digits (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")


def _describe(order: Order) -> str:
    price = _plain(order.limit_price) if order.limit_price is not None else "market"
    left = _plain(order.order_qty - order.cum_qty)
    return f"{order.order_id}  {order.symbol:<10} {order.side.upper():<4} {left} @ {price}" \
           f"  {order.order_type}"


def _print_listing(err: TextIO, chosen: Sequence[Order], others: Sequence[Order],
                   ids: list[str] | None, symbols: tuple[str, ...] | None) -> None:
    scope = f" on {', '.join(symbols)}" if symbols else ""
    if ids is None:
        print(f"Open orders{scope}: {len(chosen)}", file=err)
    else:
        print(f"Of {len(ids)} order id(s), open: {len(chosen)}", file=err)
    for order in chosen:
        print(f"  {_describe(order)}", file=err)
    if ids is not None:
        found = {o.order_id: o for o in others}
        for oid in ids:
            if oid in found:
                print(f"  {oid}  not open ({found[oid].status}): Kraken is asked anyway",
                      file=err)
            elif oid not in {o.order_id for o in chosen}:
                print(f"  {oid}  unknown to Kraken: it is asked anyway", file=err)
    if ids is None and symbols is None and chosen:
        print("cancel_all also takes any order placed after this list.", file=err)


def _confirm(io: Io, n: int) -> bool:
    io.err.write(f"Cancel {'this order' if n == 1 else f'these {n} orders'}? [y/N] ")
    io.err.flush()
    return io.stdin.readline().strip().lower() in ("y", "yes")


async def _open_link(config: Config, rest: KrakenRest, io: Io) -> WsCancelLink | None:
    try:
        return await WsCancelLink.open(config.ws_auth_url, rest)
    except Exception as exc:  # any failure: REST carries the request instead
        reason = ", ".join(exc.errors) if isinstance(exc, KrakenRestError) else \
            type(exc).__name__
        print(f"the private WebSocket did not open ({reason}): cancelling over REST",
              file=io.err)
        return None


def _write(out: TextIO, event: FeedEvent) -> None:
    out.write(json.dumps(event.to_json(), default=str) + "\n")
    out.flush()
