"""My fills, from the executions channel's ``trade`` reports: exact numbers, one per exec_id."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kraken_tui.kraken.numbers import NotANumber, exact_decimal

_LIQUIDITY = {"m": "maker", "t": "taker"}


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of one of my orders (``exec_type: trade``)."""

    symbol: str
    order_id: str
    exec_id: str
    side: str
    price: Decimal
    qty: Decimal
    fee: Decimal | None = None
    fee_asset: str | None = None
    liquidity: str | None = None  # maker | taker
    time: str | None = None


def fill_from_report(report: dict[str, Any]) -> Fill | None:
    """The fill a report describes; None for other reports or one missing what a fill needs."""
    if report.get("exec_type") != "trade":
        return None
    try:
        price = exact_decimal(report.get("last_price"))
        qty = exact_decimal(report.get("last_qty"))
    except NotANumber:
        return None
    fields = [report.get(k) for k in ("symbol", "order_id", "exec_id", "side")]
    if price is None or qty is None or not all(isinstance(f, str) and f for f in fields):
        return None
    fee = fee_asset = None
    fees = report.get("fees")
    if isinstance(fees, list) and fees and isinstance(fees[0], dict):
        try:
            fee = exact_decimal(fees[0].get("qty"))
        except NotANumber:
            fee = None
        asset = fees[0].get("asset")
        fee_asset = asset if isinstance(asset, str) else None
    liquidity = _LIQUIDITY.get(report.get("liquidity_ind") or "")
    timestamp = report.get("timestamp")
    symbol, order_id, exec_id, side = fields
    return Fill(symbol, order_id, exec_id, side, price, qty, fee, fee_asset, liquidity,
                timestamp if isinstance(timestamp, str) else None)
