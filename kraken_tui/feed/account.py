"""The private account: open orders and balances from the executions and balances
channels, kept honest by REST.

The stream is the source of truth while it flows; after a reconnect or a
sequence gap the open orders and balances are cross-checked over REST
(OpenOrders, QueryOrders, Balance). A cross-check never undoes news the stream
delivered while it ran: every order/asset remembers the stream message that last
touched it, and REST only corrects what the stream has not touched since.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from kraken_tui.feed.backoff import Backoff
from kraken_tui.feed.events import (
    BalancesUpdated,
    FeedError,
    FeedEvent,
    FillReported,
    OrdersUpdated,
    Reconciled,
)
from kraken_tui.feed.rest import KrakenRest, KrakenRestError
from kraken_tui.kraken.balances import Balances
from kraken_tui.kraken.fills import fill_from_report
from kraken_tui.kraken.frames import BalancesFrame, ExecutionsFrame
from kraken_tui.kraken.instruments import InstrumentTable, normalize_asset
from kraken_tui.kraken.models import Order, SequenceGap
from kraken_tui.kraken.orders import OpenOrders, orders_from_rest

log = logging.getLogger(__name__)

Kind = Literal["orders", "balances"]
PRIVATE_CHANNELS = frozenset({"executions", "balances"})
#: exec_ids kept to drop a fill reported again (after a reconnect).
FILLS_REMEMBERED = 10_000


class PrivateAccount:
    """Orders and balances of one account; see the module docstring."""

    def __init__(
        self,
        rest: Callable[[], KrakenRest | None],
        emit: Callable[[FeedEvent], None],
        instruments: InstrumentTable,
        new_backoff: Callable[[], Backoff],
    ) -> None:
        self._rest = rest
        self._emit = emit
        self._instruments = instruments
        self._new_backoff = new_backoff
        self.orders = OpenOrders()
        self.balances = Balances()
        self.orders_valid = False
        self.balances_valid = False
        self._snapshots: set[str] = set()
        # Which orders/assets the stream touched, and when (a message counter).
        self._exec_counter = 0
        self._order_touch: dict[str, int] = {}
        self._balance_counter = 0
        self._asset_touch: dict[str, int] = {}
        self._reconcile_tasks: dict[Kind, asyncio.Task[None]] = {}
        self._reconcile_again: dict[Kind, str] = {}
        self._fills_seen: OrderedDict[str, None] = OrderedDict()
        self._history_done = False  # the first executions snapshot was handled

    # ------------------------------------------------------------------ session

    def new_session(self) -> None:
        """A fresh private connection: its snapshots are still to come."""
        self._snapshots = set()

    @property
    def delivered(self) -> bool:
        """Both snapshots arrived on this connection."""
        return self._snapshots >= PRIVATE_CHANNELS

    def invalidate(self) -> None:
        if self.orders_valid:
            self.orders_valid = False
            self._emit(OrdersUpdated(self.orders.orders(), False))
        if self.balances_valid:
            self.balances_valid = False
            self._emit(BalancesUpdated(self.balances.balances(), False))

    async def aclose(self) -> None:
        tasks = list(self._reconcile_tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------------ stream

    def on_executions(self, frame: ExecutionsFrame) -> None:
        self._exec_counter += 1
        for report in frame.reports:
            oid = report.get("order_id")
            if isinstance(oid, str):
                self._order_touch[oid] = self._exec_counter
        gaps = self.orders.apply(frame)  # a snapshot's fills are not counted again there
        self._report_fills(frame)
        if frame.is_snapshot:
            self._history_done = True
            self.orders_valid = True
            self._snapshots.add("executions")
            self.reconcile("orders", "reconnect")
        self._report_gaps(gaps, "orders")
        self._emit(OrdersUpdated(self.orders.orders(), self.orders_valid))

    def _report_fills(self, frame: ExecutionsFrame) -> None:
        """A fill event per new exec_id: a reconnect's replays are never reported twice.

        Snapshots carry the last 50 fills (snap_trades). Those of the first snapshot are
        from before this run (``history``); a later snapshot's unseen ones happened while
        the connection was down: news like any update."""
        history = frame.is_snapshot and not self._history_done
        for report in frame.reports:
            fill = fill_from_report(report)
            if fill is None or fill.exec_id in self._fills_seen:
                continue
            self._fills_seen[fill.exec_id] = None
            if len(self._fills_seen) > FILLS_REMEMBERED:
                self._fills_seen.popitem(last=False)
            self._emit(FillReported(fill, history=history))

    def closed_over_rest(self, order_ids: list[str]) -> None:
        """REST said these orders are closed (a REST cancel answered, or QueryOrders):
        they leave the table now, not with the cross-check that follows. They count as
        stream news, so a cross-check already in flight cannot bring them back."""
        self._exec_counter += 1
        dropped = 0
        for oid in order_ids:
            self._order_touch[oid] = self._exec_counter
            dropped += self.orders.discard(oid)
        if dropped:
            self._emit(OrdersUpdated(self.orders.orders(), self.orders_valid))

    def on_balances(self, frame: BalancesFrame) -> None:
        self._balance_counter += 1
        for entry in frame.entries:
            asset = entry.get("asset")
            if isinstance(asset, str):
                self._asset_touch[asset] = self._balance_counter
        gaps = self.balances.apply(frame)
        if frame.is_snapshot:
            self.balances_valid = True
            self._snapshots.add("balances")
        self._report_gaps(gaps, "balances")
        self._emit(BalancesUpdated(self.balances.balances(), self.balances_valid))

    def _report_gaps(self, gaps: list[SequenceGap], kind: Kind) -> None:
        for gap in gaps:
            self._emit(FeedError("private", "sequence gap",
                                 f"{gap.channel}: expected {gap.expected}, got {gap.received}"))
            self.reconcile(kind, "sequence_gap")

    # ------------------------------------------------------------------ REST cross-checks

    def reconcile(self, what: Kind, reason: str) -> None:
        """Single-flight: one cross-check per kind at a time, rerun once if asked meanwhile."""
        if self._rest() is None:
            return  # no REST client (a replay): nothing to cross-check against
        task = self._reconcile_tasks.get(what)
        if task is not None and not task.done():
            self._reconcile_again[what] = reason
            return
        self._reconcile_tasks[what] = asyncio.create_task(
            self._reconcile_with_retry(what, reason), name=f"reconcile {what}")

    async def _reconcile_with_retry(self, what: Kind, reason: str) -> None:
        job = self._reconcile_orders if what == "orders" else self._reconcile_balances
        backoff = self._new_backoff()
        while True:
            try:
                await job(reason)
            except KrakenRestError as exc:
                self._emit(FeedError("rest", f"{what} reconciliation failed", str(exc)))
                if exc.is_auth or backoff.failures >= 5:
                    return
                await asyncio.sleep(backoff.next_delay(floor=1.0 if exc.is_rate_limit else 0.0))
                continue
            except Exception as exc:  # a bug of ours must not pass silently
                log.exception("%s reconciliation crashed", what)
                self._emit(FeedError("rest", f"{what} reconciliation failed",
                                     f"{type(exc).__name__}: {exc}"))
                return
            if what in self._reconcile_again:
                reason = self._reconcile_again.pop(what)
                continue
            return

    async def _reconcile_orders(self, reason: str) -> None:
        rest = self._rest()
        assert rest is not None
        mark = self._exec_counter
        rest_open = orders_from_rest(await rest.open_orders(), self._instruments)
        current = {o.order_id: o for o in self.orders.orders()}
        rest_ids = {o.order_id for o in rest_open}
        vanished = [
            oid for oid in current
            if oid not in rest_ids and self._order_touch.get(oid, -1) <= mark
        ]
        closed: set[str] = set()
        if vanished:
            queried = await rest.query_orders(vanished)
            for oid in vanished:
                info = queried.get(oid)
                status = info.get("status") if isinstance(info, dict) else None
                if status in ("closed", "canceled", "expired"):
                    closed.add(oid)
        # Re-read after the awaits: the stream may have moved on meanwhile.
        current = {o.order_id: o for o in self.orders.orders()}
        merged: dict[str, Order] = {}
        changes = 0
        for oid, order in current.items():
            if oid in closed and self._order_touch.get(oid, -1) <= mark:
                changes += 1
                continue
            merged[oid] = order
        for order in rest_open:
            if self._order_touch.get(order.order_id, -1) > mark:
                continue  # the stream has newer news of this order
            known = merged.get(order.order_id)
            if known is None:
                merged[order.order_id] = order
                changes += 1
            elif (known.cum_qty, known.order_qty) != (order.cum_qty, order.order_qty):
                merged[order.order_id] = _with_progress(known, order)
                changes += 1
        if changes:
            self.orders.replace(merged.values())
            self._emit(OrdersUpdated(self.orders.orders(), self.orders_valid))
        self._emit(Reconciled("orders", changes, reason))

    async def _reconcile_balances(self, reason: str) -> None:
        rest = self._rest()
        assert rest is not None
        mark = self._balance_counter
        result: dict[str, Any] = await rest.balance()
        fresh = {
            name: value for name, value in result.items()
            if self._asset_touch.get(normalize_asset(name), -1) <= mark
        }
        before = {b.asset: b.total for b in self.balances.balances()}
        self.balances.replace_from_rest(fresh)
        after = {b.asset: b.total for b in self.balances.balances()}
        changes = sum(1 for a in set(before) | set(after) if before.get(a) != after.get(a))
        if changes:
            self._emit(BalancesUpdated(self.balances.balances(), self.balances_valid))
        self._emit(Reconciled("balances", changes, reason))


def _with_progress(known: Order, rest: Order) -> Order:
    return replace(known, cum_qty=rest.cum_qty, order_qty=rest.order_qty,
                   avg_price=rest.avg_price or known.avg_price, status=rest.status)
