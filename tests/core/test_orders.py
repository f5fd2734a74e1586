"""OpenOrders from executions frames, sequence gaps, and REST OpenOrders conversion."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from kraken_tui.kraken.frames import ExecutionsFrame, decode_frame
from kraken_tui.kraken.instruments import InstrumentTable
from kraken_tui.kraken.models import SequenceGap
from kraken_tui.kraken.orders import OpenOrders, orders_from_rest


def frame(
    reports: list[dict[str, Any]], sequence: int | None, snapshot: bool = False
) -> ExecutionsFrame:
    """Through the real decoder, so numbers arrive as token text like on the wire."""
    text = json.dumps(
        {
            "channel": "executions",
            "type": "snapshot" if snapshot else "update",
            "data": reports,
            "sequence": sequence,
        }
    )
    decoded = decode_frame(text.replace('"@', "").replace('@"', ""))  # "@0.5@" -> bare 0.5
    assert isinstance(decoded, ExecutionsFrame)
    return decoded


NEW = {
    "order_id": "OK4GJX",
    "symbol": "BTC/USD",
    "side": "sell",
    "order_type": "limit",
    "order_qty": "@0.005@",
    "limit_price": "@26500.0@",
    "exec_type": "pending_new",
    "order_status": "pending_new",
    "timestamp": "2023-09-22T10:33:05.709950Z",
}


def test_doc_lifecycle_pending_new_to_partial_fill_to_filled() -> None:
    orders = OpenOrders()
    assert orders.apply(frame([], 7, snapshot=True)) == []
    assert orders.apply(frame([NEW], 8)) == []
    assert orders.get("OK4GJX").status == "pending_new"
    orders.apply(
        frame(
            [
                {
                    "timestamp": "2023-09-22T10:33:05.709982Z",
                    "order_status": "new",
                    "exec_type": "new",
                    "order_id": "OK4GJX",
                }
            ],
            9,
        )
    )
    assert orders.get("OK4GJX").status == "new"
    orders.apply(
        frame(
            [
                {
                    "order_id": "OK4GJX",
                    "exec_type": "trade",
                    "last_qty": "@0.002@",
                    "last_price": "@26599.9@",
                    "order_status": "partially_filled",
                    "cum_qty": "@0.002@",
                    "avg_price": "@26599.9@",
                    "timestamp": "2023-09-22T10:33:06Z",
                }
            ],
            10,
        )
    )
    order = orders.get("OK4GJX")
    assert (order.cum_qty, order.avg_price, order.status) == (
        Decimal("0.002"),
        Decimal("26599.9"),
        "partially_filled",
    )
    assert order.order_qty == Decimal("0.005") and order.limit_price == Decimal("26500.0")
    assert order.opened_at == "2023-09-22T10:33:05.709950Z"
    assert order.updated_at == "2023-09-22T10:33:06Z"
    orders.apply(
        frame(
            [
                {
                    "order_id": "OK4GJX",
                    "exec_type": "filled",
                    "order_status": "filled",
                    "timestamp": "2023-09-22T10:33:07Z",
                }
            ],
            11,
        )
    )
    assert orders.get("OK4GJX") is None
    assert orders.last_sequence == 11


def test_trade_without_running_totals_accumulates() -> None:
    orders = OpenOrders()
    orders.apply(frame([NEW], 1, snapshot=True))
    for qty, price in (("@0.001@", "@100.0@"), ("@0.003@", "@200.0@")):
        orders.apply(
            frame(
                [
                    {
                        "order_id": "OK4GJX",
                        "exec_type": "trade",
                        "last_qty": qty,
                        "last_price": price,
                    }
                ],
                None,
            )
        )
    order = orders.get("OK4GJX")
    assert order.cum_qty == Decimal("0.004")
    assert order.avg_price == Decimal("175")
    assert order.status == "partially_filled"


def test_canceled_and_expired_leave_the_open_set() -> None:
    orders = OpenOrders()
    other = dict(NEW, order_id="B")
    orders.apply(frame([NEW, other], 1, snapshot=True))
    orders.apply(
        frame(
            [
                {
                    "order_id": "OK4GJX",
                    "exec_type": "canceled",
                    "order_status": "canceled",
                    "reason": "User requested",
                }
            ],
            2,
        )
    )
    orders.apply(frame([{"order_id": "B", "exec_type": "expired", "order_status": "expired"}], 3))
    assert orders.orders() == ()


def test_amended_and_restated_change_terms() -> None:
    orders = OpenOrders()
    orders.apply(frame([NEW], 1, snapshot=True))
    orders.apply(
        frame(
            [
                {
                    "order_id": "OK4GJX",
                    "exec_type": "amended",
                    "order_status": "new",
                    "order_qty": "@5.10000000@",
                    "limit_price": "@0.9600@",
                    "reason": "User requested",
                    "amended": True,
                }
            ],
            2,
        )
    )
    orders.apply(frame([{"order_id": "OK4GJX", "exec_type": "restated", "order_qty": "@5.0@"}], 3))
    order = orders.get("OK4GJX")
    assert (order.order_qty, order.limit_price, order.reason) == (
        Decimal("5.0"),
        Decimal("0.9600"),
        "User requested",
    )
    orders.apply(
        frame(
            [
                {"order_id": "OK4GJX", "exec_type": "status"},
                {"order_id": "OK4GJX", "exec_type": "iceberg_refill"},
            ],
            4,
        )
    )
    assert orders.get("OK4GJX").order_qty == Decimal("5.0")


def test_thin_report_for_unknown_order_is_ignored_but_a_full_one_creates_it(
    kar_frames: dict[str, list[str]],
) -> None:
    orders = OpenOrders()
    orders.apply(decode_frame(kar_frames["trades_snapshot"][0]))  # type: ignore[arg-type]
    assert orders.orders() == ()  # snapshot held only fills of closed orders
    assert orders.apply(decode_frame(kar_frames["new"][0])) == [  # type: ignore[arg-type]
        SequenceGap("executions", 2, 148)
    ]
    assert orders.orders() == ()
    assert orders.ignored_reports == 1
    orders.apply(decode_frame(kar_frames["pending_new"][0]))  # type: ignore[arg-type]
    (order,) = orders.orders()
    assert order.order_id == "AHOJQ8-1E72C-8M2VQH"
    assert (order.symbol, order.side, order.order_qty, order.limit_price) == (
        "ADX/USD",
        "buy",
        Decimal("81.36256082"),
        Decimal("0.18328"),
    )


def test_sequence_gaps_and_snapshot_reset() -> None:
    orders = OpenOrders()
    assert orders.apply(frame([], 1, snapshot=True)) == []
    assert orders.apply(frame([], 2)) == []
    assert orders.apply(frame([], 5)) == [SequenceGap("executions", 3, 5)]
    assert orders.apply(frame([], 6)) == []
    assert orders.apply(frame([], 1, snapshot=True)) == []
    assert orders.apply(frame([], 2)) == []
    assert orders.last_sequence == 2


def test_snapshot_replaces_everything_and_order_is_stable() -> None:
    orders = OpenOrders()
    orders.apply(frame([NEW], 1, snapshot=True))
    later = dict(NEW, order_id="A", timestamp="2023-09-23T00:00:00Z")
    same_time = dict(NEW, order_id="0", timestamp=NEW["timestamp"])
    orders.apply(frame([later, same_time], 1, snapshot=True))
    assert [o.order_id for o in orders.orders()] == ["0", "A"]


def test_malformed_reports_never_raise() -> None:
    orders = OpenOrders()
    orders.apply(frame([NEW], 1, snapshot=True))
    bad = [
        {"order_id": 5},
        {"exec_type": "new"},
        {"order_id": "OK4GJX", "cum_qty": "lots"},
        {"order_id": "OK4GJX", "order_qty": "@-1.0@"},
        {"order_id": "X", "symbol": "A/B", "side": "buy", "order_qty": "NaN"},
    ]
    orders.apply(frame(bad, 2))
    assert orders.ignored_reports == len(bad)
    assert orders.get("OK4GJX").order_qty == Decimal("0.005")


REST_OPEN = {
    "error": [],
    "result": {
        "open": {
            "OQCLML-BW3P3-BUCMWZ": {
                "refid": None,
                "userref": 0,
                "status": "open",
                "opentm": 1688666559.8974,
                "starttm": 0,
                "expiretm": 0,
                "descr": {
                    "pair": "XBTUSD",
                    "type": "buy",
                    "ordertype": "limit",
                    "price": "30010.0",
                    "price2": "0",
                    "leverage": "none",
                    "order": "buy 1.25000000 XBTUSD @ limit 30010.0",
                    "close": "",
                },
                "vol": "1.25000000",
                "vol_exec": "0.37500000",
                "cost": "11253.7",
                "fee": "0.00000",
                "price": "30010.0",
                "misc": "",
                "oflags": "fciq",
            },
            "OB5VMB-B4U2U-DK2WRW": {
                "status": "pending",
                "opentm": "1688665899.5699",
                "descr": {
                    "pair": "XXDGZUSD",
                    "type": "sell",
                    "ordertype": "limit",
                    "price": "0.0700000",
                },
                "vol": "100.00000000",
                "vol_exec": "0.00000000",
                "price": "0.0000",
            },
            "BROKEN": {"descr": {"pair": "XBTUSD"}},
        }
    },
}


def test_orders_from_rest() -> None:
    orders = orders_from_rest(REST_OPEN, InstrumentTable())
    assert [o.order_id for o in orders] == ["OB5VMB-B4U2U-DK2WRW", "OQCLML-BW3P3-BUCMWZ"]
    doge, btc = orders
    assert (btc.symbol, btc.side, btc.order_qty, btc.cum_qty, btc.limit_price, btc.status) == (
        "BTC/USD",
        "buy",
        Decimal("1.25000000"),
        Decimal("0.37500000"),
        Decimal("30010.0"),
        "partially_filled",
    )
    assert btc.opened_at == "2023-07-06T18:02:39.897400Z"
    assert (doge.symbol, doge.status, doge.avg_price) == ("DOGE/USD", "pending_new", None)
    replaced = OpenOrders()
    replaced.replace(orders)
    assert len(replaced) == 2


def test_snapshot_fills_are_history_not_new_fills() -> None:
    orders = OpenOrders()
    open_order = dict(
        NEW,
        exec_type="new",
        order_status="partially_filled",
        cum_qty="@0.002@",
        avg_price="@26599.9@",
    )
    past_fill = {
        "order_id": "OK4GJX",
        "exec_type": "trade",
        "last_qty": "@0.002@",
        "last_price": "@26599.9@",
        "order_status": "partially_filled",
    }
    orders.apply(frame([open_order, past_fill], 1, snapshot=True))
    assert orders.get("OK4GJX").cum_qty == Decimal("0.002")
    assert orders.ignored_reports == 0
