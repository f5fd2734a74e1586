"""Open orders from the ``executions`` channel (and from REST OpenOrders on resync).

Reports are partial: after the first one for an order, Kraken sends only what
changed, so an update is merged into the order we hold. A report that is too thin
to describe an order we do not hold is ignored (counted, never raised): the next
snapshot or a REST resync will bring it in. Numbers are ``Decimal`` from the exact
token text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from kraken_tui.kraken.instruments import InstrumentTable
from kraken_tui.kraken.models import Order, SequenceGap
from kraken_tui.kraken.numbers import NotANumber, exact_decimal

if TYPE_CHECKING:
    from kraken_tui.kraken.frames import ExecutionsFrame

__all__ = ["OpenOrders", "orders_from_rest"]

CLOSED_STATUSES = frozenset({"filled", "canceled", "expired"})
_CLOSING_EXEC_TYPES = frozenset({"filled", "canceled", "expired"})
_ZERO = Decimal(0)


class _BadReport(Exception):
    pass


def _quantity(value: Any) -> Decimal | None:
    number = exact_decimal(value)
    if number is not None and number < 0:
        raise _BadReport("negative quantity")
    return number


def _text(value: Any) -> str | None:
    return value if type(value) is str else None


def apply_sequence(
    channel: str, last: int | None, sequence: int | None, is_snapshot: bool
) -> tuple[int | None, list[SequenceGap]]:
    """Shared by orders and balances: new last sequence, plus a gap if one was skipped."""
    if is_snapshot:
        return sequence, []
    if sequence is None:
        return last, []
    gaps = []
    if last is not None and sequence != last + 1:
        gaps.append(SequenceGap(channel, last + 1, sequence))
    return sequence, gaps


class OpenOrders:
    """The set of orders still working on the exchange, keyed by order id."""

    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        self._sorted: tuple[Order, ...] | None = ()
        self.last_sequence: int | None = None
        self.ignored_reports = 0  # reports too thin or malformed to use

    def __len__(self) -> int:
        return len(self._orders)

    def get(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    def orders(self) -> tuple[Order, ...]:
        """Open orders, oldest first (opened_at, then order_id) so the UI list is stable."""
        if self._sorted is None:
            self._sorted = tuple(
                sorted(self._orders.values(), key=lambda o: (o.opened_at or "", o.order_id))
            )
        return self._sorted

    def replace(self, orders: Iterable[Order]) -> None:
        """Replace everything (REST resync); keeps only orders that are still open."""
        self._orders = {o.order_id: o for o in orders if o.status not in CLOSED_STATUSES}
        self._sorted = None

    def discard(self, order_id: str) -> bool:
        """Drop an order REST reported closed; True when it was listed."""
        if self._orders.pop(order_id, None) is None:
            return False
        self._sorted = None
        return True

    def apply(self, frame: ExecutionsFrame) -> list[SequenceGap]:
        """Apply one executions message; returns the sequence gap it revealed, if any."""
        self.last_sequence, gaps = apply_sequence(
            "executions", self.last_sequence, frame.sequence, frame.is_snapshot
        )
        if frame.is_snapshot:
            self._orders = {}
        for report in frame.reports:
            if frame.is_snapshot and report.get("exec_type") == "trade":
                # Past fills (snap_trades): already counted in their order's cum_qty.
                continue
            try:
                self._apply_report(report)
            except (_BadReport, NotANumber):
                self.ignored_reports += 1
        self._sorted = None
        return gaps

    def _apply_report(self, report: dict[str, Any]) -> None:
        order_id = report.get("order_id")
        if type(order_id) is not str or not order_id:
            raise _BadReport("no order_id")
        exec_type = _text(report.get("exec_type"))
        status = _text(report.get("order_status"))
        if status in CLOSED_STATUSES or exec_type in _CLOSING_EXEC_TYPES:
            self._orders.pop(order_id, None)
            return
        existing = self._orders.get(order_id)
        timestamp = _text(report.get("timestamp"))
        order_qty = _quantity(report.get("order_qty"))
        limit_price = exact_decimal(report.get("limit_price"))
        cum_qty = _quantity(report.get("cum_qty"))
        avg_price = exact_decimal(report.get("avg_price"))
        if exec_type == "trade" and cum_qty is None:
            # No running totals in this report: accumulate from the fill itself.
            last_qty = _quantity(report.get("last_qty"))
            last_price = exact_decimal(report.get("last_price"))
            if last_qty is not None and existing is not None:
                cum_qty = existing.cum_qty + last_qty
                if last_price is not None and cum_qty > 0:
                    previous = (existing.avg_price or _ZERO) * existing.cum_qty
                    avg_price = (previous + last_price * last_qty) / cum_qty
        if status is None:
            status = {"trade": "partially_filled", "new": "new", "pending_new": "pending_new"}.get(
                exec_type or ""
            )

        if existing is None:
            symbol, side = _text(report.get("symbol")), _text(report.get("side"))
            if symbol is None or side is None or order_qty is None:
                raise _BadReport("update for an unknown order without symbol/side/order_qty")
            cum = cum_qty if cum_qty is not None else _ZERO
            self._orders[order_id] = Order(
                order_id=order_id,
                symbol=symbol,
                side=side,
                order_type=_text(report.get("order_type")) or "limit",
                order_qty=order_qty,
                limit_price=limit_price,
                cum_qty=cum,
                avg_price=avg_price if cum > 0 else None,
                status=status or "new",
                opened_at=timestamp,
                updated_at=timestamp,
                cl_ord_id=_text(report.get("cl_ord_id")),
                reason=_text(report.get("reason")),
            )
            return

        changes: dict[str, Any] = {}
        if order_qty is not None:
            changes["order_qty"] = order_qty
        if limit_price is not None:
            changes["limit_price"] = limit_price
        if cum_qty is not None:
            changes["cum_qty"] = cum_qty
            changes["avg_price"] = avg_price if cum_qty > 0 else None
        elif avg_price is not None and existing.cum_qty > 0:
            changes["avg_price"] = avg_price
        if status is not None:
            changes["status"] = status
        if timestamp is not None:
            changes["updated_at"] = timestamp
        for name in ("cl_ord_id", "reason", "symbol", "side", "order_type"):
            value = _text(report.get(name))
            if value is not None:
                changes[name] = value
        self._orders[order_id] = replace(existing, **changes)


_REST_STATUS = {"pending": "pending_new", "open": "new", "closed": "filled"}


def _rest_time(value: Any) -> str | None:
    """Unix seconds (float or text) -> RFC3339 with microseconds, as WS timestamps are."""
    try:
        seconds = Decimal(value if type(value) is str else repr(value))
    except (InvalidOperation, TypeError):
        return None
    if not seconds.is_finite() or seconds <= 0 or seconds > 10**11:
        return None
    whole = int(seconds)
    micros = int((seconds - whole) * 1_000_000)
    moment = datetime.fromtimestamp(whole, tz=UTC).replace(microsecond=micros)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def orders_from_rest(
    open_orders_result: dict[str, Any], instruments: InstrumentTable | None = None
) -> list[Order]:
    """REST OpenOrders (or QueryOrders) result -> Order values with v2 symbols.

    Accepts the envelope, ``{"open": {...}}`` or a map keyed by txid. Entries that
    cannot be understood are skipped.
    """
    result: Any = open_orders_result
    if isinstance(result.get("result"), dict) and "error" in result:
        result = result["result"]
    if isinstance(result.get("open"), dict):
        result = result["open"]
    orders: list[Order] = []
    for txid, raw in result.items():
        if type(txid) is not str or not isinstance(raw, dict):
            continue
        try:
            orders.append(_rest_order(txid, raw, instruments))
        except (_BadReport, NotANumber):
            continue
    orders.sort(key=lambda o: (o.opened_at or "", o.order_id))
    return orders


def _rest_order(txid: str, raw: dict[str, Any], instruments: InstrumentTable | None) -> Order:
    descr = raw.get("descr")
    if not isinstance(descr, dict):
        raise _BadReport("no descr")
    pair, side = _text(descr.get("pair")), _text(descr.get("type"))
    order_qty = _quantity(raw.get("vol"))
    if pair is None or side is None or order_qty is None:
        raise _BadReport("missing pair/type/vol")
    table = instruments if instruments is not None else InstrumentTable()
    symbol = table.symbol_for_rest_pair(pair) or pair
    cum_qty = _quantity(raw.get("vol_exec")) or _ZERO
    limit_price = exact_decimal(descr.get("price"))
    avg_price = exact_decimal(raw.get("price"))
    rest_status = _text(raw.get("status")) or "open"
    status = _REST_STATUS.get(rest_status, rest_status)
    if status == "new" and cum_qty > 0:
        status = "partially_filled"
    return Order(
        order_id=txid,
        symbol=symbol,
        side=side,
        order_type=_text(descr.get("ordertype")) or "limit",
        order_qty=order_qty,
        limit_price=limit_price if limit_price else None,
        cum_qty=cum_qty,
        avg_price=avg_price if avg_price and cum_qty > 0 else None,
        status=status,
        opened_at=_rest_time(raw.get("opentm")),
        updated_at=None,
        cl_ord_id=_text(raw.get("cl_ord_id")),
        reason=_text(raw.get("reason")),
    )
