"""Accounts, orders, fills and the ledger: the private side of the exchange.

Synchronous and loop-agnostic. Every state change is published as (account key, channel,
entry) to listeners; the WS layer turns those into executions/balances frames with a
per-subscription sequence, REST reads the same objects, so both views always agree.

Funds are held as Kraken holds them: an order is accepted only if the account's available
balance (balance less what its open orders hold) covers it: a buy its quote cost plus the
fee, a sell its base quantity; otherwise ``EOrder:Insufficient funds``. Fills spend at
most what was held, so no balance ever goes below zero.
"""

from __future__ import annotations

import base64
import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from typing import Any

from kraken_tui.sim.market import Market, PairSpec
from kraken_tui.sim.wire import Num, fmt_units, num, rfc3339_us

FEE_RATE = Decimal("0.0026")
ALL_PERMISSIONS = frozenset({"query_funds", "query_orders", "trade", "websocket"})

INSUFFICIENT_FUNDS = "EOrder:Insufficient funds"

Listener = Callable[[str, str, dict[str, Any]], None]


class InsufficientFunds(ValueError):
    """An order the account cannot pay for (Kraken's ``EOrder:Insufficient funds``)."""

    def __init__(self) -> None:
        super().__init__(INSUFFICIENT_FUNDS)


def _dnum(value: Decimal, decimals: int) -> Num:
    return Num(f"{value.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_EVEN):f}")


@dataclass(slots=True)
class Order:
    """An order in integer units of its pair (ticks for price, lots for quantity)."""

    order_id: str
    spec: PairSpec
    side: str
    qty: int
    limit_price: int
    opened_at: float
    userref: int = 0
    cl_ord_id: str | None = None
    cum_qty: int = 0
    cum_cost: Decimal = Decimal(0)  # always cost_exact rounded at the quote's precision
    cost_exact: Decimal = Decimal(0)  # sum of qty x price over the fills, unrounded
    fee: Decimal = Decimal(0)
    status: str = "pending_new"
    closed_at: float | None = None
    reason: str | None = None
    trades: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in ("pending_new", "new", "partially_filled")

    def avg_price(self) -> Decimal:
        if not self.cum_qty:
            return Decimal(0)
        return self.cum_cost / (Decimal(self.cum_qty).scaleb(-self.spec.qty_decimals))

    # -- wire shapes -----------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        s = self.spec
        return {
            "cum_qty": num(self.cum_qty, s.qty_decimals),
            "cum_cost": _dnum(self.cum_cost, s.cost_decimals),
            "avg_price": _dnum(self.avg_price(), s.price_decimals),
            "fee_usd_equiv": _dnum(self.fee, s.cost_decimals),
        }

    def ws_snapshot_entry(self) -> dict[str, Any]:
        s = self.spec
        return {
            "order_id": self.order_id,
            "symbol": s.symbol,
            "order_qty": num(self.qty, s.qty_decimals),
            "time_in_force": "GTC",
            "exec_type": "new" if self.status != "pending_new" else "pending_new",
            "side": self.side,
            "order_type": "limit",
            "order_userref": self.userref,
            "limit_price_type": "static",
            "limit_price": num(self.limit_price, s.price_decimals),
            "order_status": self.status,
            "fee_ccy_pref": "fciq",
            "timestamp": rfc3339_us(self.opened_at),
            **({"cl_ord_id": self.cl_ord_id} if self.cl_ord_id else {}),
            **self._state(),
        }

    def truth(self) -> dict[str, Any]:
        s = self.spec
        return {
            "symbol": s.symbol,
            "side": self.side,
            "order_qty": fmt_units(self.qty, s.qty_decimals),
            "cum_qty": fmt_units(self.cum_qty, s.qty_decimals),
            "limit_price": fmt_units(self.limit_price, s.price_decimals),
            "status": self.status,
        }

    def rest(self, with_trades: bool = False) -> dict[str, Any]:
        """The REST order object (§7.5): legacy pair name, decimal strings, unix floats."""
        s = self.spec
        rest_status = {"pending_new": "pending", "new": "open", "partially_filled": "open",
                       "filled": "closed", "canceled": "canceled"}[self.status]
        price = fmt_units(self.limit_price, s.price_decimals)
        vol = fmt_units(self.qty, s.qty_decimals)
        out: dict[str, Any] = {
            "refid": None,
            "userref": self.userref,
            "cl_ord_id": self.cl_ord_id,
            "status": rest_status,
            "opentm": round(self.opened_at, 4),
            "starttm": 0,
            "expiretm": 0,
            "descr": {
                "pair": s.altname,
                "type": self.side,
                "ordertype": "limit",
                "price": price,
                "price2": "0",
                "leverage": "none",
                "order": f"{self.side} {vol} {s.altname} @ limit {price}",
                "close": "",
            },
            "vol": vol,
            "vol_exec": fmt_units(self.cum_qty, s.qty_decimals),
            "cost": str(_dnum(self.cum_cost, s.cost_decimals)),
            "fee": str(_dnum(self.fee, s.cost_decimals)),
            "price": str(_dnum(self.avg_price(), s.price_decimals)),
            "stopprice": "0.00000",
            "limitprice": "0.00000",
            "misc": "",
            "oflags": "fciq",
        }
        if not self.is_open:
            out["closetm"] = round(self.closed_at or 0.0, 4)
            out["reason"] = self.reason
        if with_trades:
            out["trades"] = list(self.trades)
        return out


@dataclass(slots=True)
class Account:
    """API credentials, permissions and balances (v2 asset names, Decimal at asset precision)."""

    api_key: str
    api_secret: str
    balances: dict[str, Decimal]
    permissions: frozenset[str] = ALL_PERMISSIONS
    last_nonce: int = 0
    orders: dict[str, Order] = field(default_factory=dict)
    fills: list[dict[str, Any]] = field(default_factory=list)  # last 50, for snap_trades


class Exchange:
    """Accounts plus order lifecycle; publishes executions and ledger entries to listeners."""

    def __init__(self, market: Market, seed: int) -> None:
        self.market = market
        self.rng = random.Random(f"{seed}:exchange")
        self.accounts: dict[str, Account] = {}
        self.listeners: list[Listener] = []
        self.order_index: dict[str, Account] = {}

    # ---- ids & accounts ------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        alphabet = string.ascii_uppercase + string.digits
        parts = ["".join(self.rng.choice(alphabet) for _ in range(n)) for n in (5, 5, 6)]
        return prefix + "-".join(parts)

    def add_account(
        self,
        balances: dict[str, Decimal | str | float] | None = None,
        permissions: frozenset[str] | set[str] | None = None,
    ) -> Account:
        key = base64.b64encode(self.rng.randbytes(42)).decode()
        secret = base64.b64encode(self.rng.randbytes(64)).decode()
        initial = balances if balances is not None else {
            "BTC": "5", "ETH": "50", "USD": "250000", "GBP": "100000", "MINA": "20000",
            "DOGE": "2000000",
        }
        account = Account(
            key,
            secret,
            {a: self._q(a, Decimal(str(v))) for a, v in initial.items()},
            frozenset(permissions) if permissions is not None else ALL_PERMISSIONS,
        )
        self.accounts[key] = account
        return account

    def _q(self, asset: str, value: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
        precision = self.market.assets[asset].precision if asset in self.market.assets else 8
        return value.quantize(Decimal(1).scaleb(-precision), rounding)

    # ---- funds ---------------------------------------------------------------------------
    def _need(self, spec: PairSpec, side: str, lots: int, price: int) -> tuple[str, Decimal]:
        """What an order of ``lots`` at ``price`` holds: (asset, amount), rounded up."""
        qty = Decimal(lots).scaleb(-spec.qty_decimals)
        if side == "sell":
            return spec.base, qty
        cost = self._q(spec.quote, qty * Decimal(price).scaleb(-spec.price_decimals),
                       ROUND_CEILING)
        return spec.quote, cost + self._q(spec.quote, cost * FEE_RATE, ROUND_CEILING)

    def held(self, account: Account, asset: str) -> Decimal:
        """What the account's open orders still hold of ``asset``."""
        total = Decimal(0)
        for order in self.open_orders(account):
            held_asset, amount = self._need(order.spec, order.side, order.qty,
                                            order.limit_price)
            if held_asset != asset:
                continue
            if order.side == "sell":
                amount -= Decimal(order.cum_qty).scaleb(-order.spec.qty_decimals)
            else:
                amount -= order.cum_cost + order.fee
            total += max(amount, Decimal(0))
        return total

    def available(self, account: Account, asset: str) -> Decimal:
        return account.balances.get(asset, Decimal(0)) - self.held(account, asset)

    def can_fund(self, account: Account, symbol: str, side: str, lots: int, price: int) -> bool:
        asset, amount = self._need(self.market.specs[symbol], side, lots, price)
        return amount <= self.available(account, asset)

    def _emit(self, account: Account, channel: str, entry: dict[str, Any]) -> None:
        for listener in list(self.listeners):
            listener(account.api_key, channel, entry)

    # ---- snapshots -----------------------------------------------------------------------
    def open_orders(self, account: Account) -> list[Order]:
        return sorted((o for o in account.orders.values() if o.is_open),
                      key=lambda o: (o.opened_at, o.order_id))

    def balances_snapshot(self, account: Account) -> list[dict[str, Any]]:
        out = []
        for asset in sorted(account.balances):
            bal = account.balances[asset]
            precision = self.market.assets[asset].precision if asset in self.market.assets else 8
            value = _dnum(bal, precision)
            out.append({"asset": asset, "asset_class": "currency", "balance": value,
                        "wallets": [{"type": "spot", "id": "main", "balance": value}]})
        return out

    # ---- order lifecycle -----------------------------------------------------------------
    def place_order(
        self, account: Account, symbol: str, side: str, qty: int, price: int,
        userref: int = 0, cl_ord_id: str | None = None,
    ) -> Order:
        """pending_new then new, both published immediately; raises InsufficientFunds
        (nothing published) when the available balance cannot cover it."""
        spec = self.market.specs[symbol]
        if not self.can_fund(account, symbol, side, qty, price):
            raise InsufficientFunds
        order = Order(self.new_id("O"), spec, side, qty, price, time.time(), userref, cl_ord_id)
        account.orders[order.order_id] = order
        self.order_index[order.order_id] = account
        pending = order.ws_snapshot_entry()
        for key in ("cum_qty", "avg_price"):
            pending.pop(key, None)
        self._emit(account, "executions", pending)
        order.status = "new"
        self._emit(account, "executions", {
            "timestamp": rfc3339_us(), "order_status": "new", "exec_type": "new",
            "order_userref": order.userref, "order_id": order.order_id,
        })
        return order

    def fill_order(self, order_id: str, qty: int | None = None, price: int | None = None) -> None:
        """One fill: a trade execution, the two ledger entries, then filled if complete.

        ``price`` (default: the limit) may only be the limit or better. Cost and fee are
        rounded on the order's running totals, so however many fills, a buy spends at most
        what placing it held."""
        account = self.order_index[order_id]
        order = account.orders[order_id]
        if not order.is_open:
            raise ValueError(f"order {order_id} is {order.status}")
        spec = order.spec
        remaining = order.qty - order.cum_qty
        lots = remaining if qty is None else max(1, min(qty, remaining))
        px = order.limit_price if price is None else price
        if (px > order.limit_price) if order.side == "buy" else (px < order.limit_price):
            raise ValueError(f"fill price {px} is worse than the limit {order.limit_price}")
        qty_dec = Decimal(lots).scaleb(-spec.qty_decimals)
        order.cost_exact += qty_dec * Decimal(px).scaleb(-spec.price_decimals)
        cum_cost = self._q(spec.quote, order.cost_exact)
        cost = cum_cost - order.cum_cost
        fee = self._q(spec.quote, cum_cost * FEE_RATE) - order.fee
        order.cum_qty += lots
        order.cum_cost = cum_cost
        order.fee += fee
        exec_id = self.new_id("T")
        order.trades.append(exec_id)
        ms = self.market[spec.symbol]
        ms.trade_id += 1
        now = time.time()
        order.status = "partially_filled"
        trade = {
            "order_id": order.order_id, "order_userref": order.userref, "exec_id": exec_id,
            "exec_type": "trade", "trade_id": ms.trade_id, "symbol": spec.symbol,
            "side": order.side, "last_qty": num(lots, spec.qty_decimals),
            "last_price": num(px, spec.price_decimals), "liquidity_ind": "m",
            "cost": _dnum(cost, spec.cost_decimals), "order_type": "limit",
            "timestamp": rfc3339_us(now), "order_status": "partially_filled",
            **order._state(),
            "fees": [{"asset": spec.quote, "qty": _dnum(fee, spec.cost_decimals)}],
        }
        account.fills.append(trade)
        del account.fills[:-50]
        self._emit(account, "executions", trade)
        base_amt = qty_dec if order.side == "buy" else -qty_dec
        quote_amt = -cost if order.side == "buy" else cost
        ref_id = exec_id
        self._ledger(account, spec.base, base_amt, Decimal(0), ref_id, now)
        self._ledger(account, spec.quote, quote_amt, fee, ref_id, now)
        if order.cum_qty >= order.qty:
            order.status = "filled"
            order.closed_at = now
            self._emit(account, "executions", {
                "order_id": order.order_id, "exec_type": "filled", "order_status": "filled",
                "order_userref": order.userref, "timestamp": rfc3339_us(now), **order._state(),
            })

    def _ledger(
        self, account: Account, asset: str, amount: Decimal, fee: Decimal, ref_id: str, now: float
    ) -> None:
        amount, fee = self._q(asset, amount), self._q(asset, fee)
        balance = self._q(asset, account.balances.get(asset, Decimal(0)) + amount - fee)
        account.balances[asset] = balance
        precision = self.market.assets[asset].precision if asset in self.market.assets else 8
        self._emit(account, "balances", {
            "ledger_id": self.new_id("L"), "ref_id": ref_id, "timestamp": rfc3339_us(now),
            "type": "trade", "asset": asset, "asset_class": "currency", "category": "trade",
            "wallet_type": "spot", "wallet_id": "main", "amount": _dnum(amount, precision),
            "fee": _dnum(fee, precision), "balance": _dnum(balance, precision),
        })

    def cancel_order(self, order_id: str, reason: str = "User requested") -> bool:
        account = self.order_index.get(order_id)
        if account is None:
            return False
        order = account.orders[order_id]
        if not order.is_open:
            return False
        order.status = "canceled"
        order.reason = reason
        order.closed_at = time.time()
        self._emit(account, "executions", {
            "timestamp": rfc3339_us(order.closed_at), "order_status": "canceled",
            "exec_type": "canceled", **order._state(), "order_userref": order.userref,
            "cancel_reason": reason, "reason": reason, "order_id": order.order_id,
        })
        return True

    def cancel_all(self, account: Account, reason: str = "User requested") -> int:
        return sum(self.cancel_order(o.order_id, reason) for o in self.open_orders(account))
