"""The demo account's own activity (``order_flow=True``): orders placed, filled, cancelled.

Orders rest near the touch, sized to what the account can fund (it never borrows: an
order that cannot be paid for is made smaller or not placed, as Kraken would refuse it
with ``EOrder:Insufficient funds``). They fill only when the market reaches them, so each
fill prints on the trade channel at a price the book had:

- the market's own matching: a taker who printed at ``q`` through a resting demo order's
  limit (a sell at ``q`` <= a demo buy's limit) also fills that order, at ``q``;
- a taker arriving at the touch: a demo order whose limit *is* the best level on its
  side may be filled there, at its limit.

Synchronous and deterministic from the seed; the simulator decides when to step.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from kraken_tui.sim.accounts import Order
from kraken_tui.sim.market import PAIRS, Trade

if TYPE_CHECKING:
    from kraken_tui.sim.server import Simulator

#: Open orders the flow keeps at least / at most.
MIN_OPEN, MAX_OPEN = 3, 12
#: How far behind the best level of its side an order is placed, in ticks.
MAX_OFFSET_TICKS = 4


class DemoFlow:
    """Decides the demo account's next move; see the module docstring."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.rng = random.Random(f"{sim.seed}:flow")
        self.placed = 0
        self.unfunded = 0  # orders shrunk to nothing by the funds check, so not placed

    def _open(self) -> list[Order]:
        return self.sim.exchange.open_orders(self.sim.demo)

    def step(self) -> None:
        """One decision: place an order, fill one at the touch, or cancel one."""
        open_orders = self._open()
        roll = self.rng.random()
        if len(open_orders) < MIN_OPEN or (roll < 0.35 and len(open_orders) < MAX_OPEN):
            self.place()
        elif roll < 0.8:
            if self.sim.system_status == "online":
                self.fill_at_touch(open_orders)
        else:
            self.sim.exchange.cancel_order(self.rng.choice(open_orders).order_id)

    def place(self) -> None:
        """A limit order up to a few ticks behind the best level of its side, funded."""
        spec = self.rng.choice(PAIRS)
        sm = self.sim.market[spec.symbol]
        side = self.rng.choice(("buy", "sell"))
        best = sm.book.best(side == "buy") or spec.price_ticks(spec.start_price)
        offset = self.rng.randint(0, MAX_OFFSET_TICKS)
        price = max(1, best - offset if side == "buy" else best + offset)
        lo, _hi = spec.qty_range
        lots = max(1, spec.qty_lots(lo * self.rng.uniform(1, 20)))
        least = max(1, spec.qty_lots(spec.ordermin))
        exchange, demo = self.sim.exchange, self.sim.demo
        while lots >= least and not exchange.can_fund(demo, spec.symbol, side, lots, price):
            lots //= 2
        if lots < least:
            self.unfunded += 1
            return
        exchange.place_order(demo, spec.symbol, side, lots, price)
        self.placed += 1

    def fill_at_touch(self, open_orders: list[Order]) -> None:
        """A taker arrives at the touch: an order at the best level of its side fills."""
        market = self.sim.market
        at_touch = [o for o in open_orders
                    if o.limit_price == market[o.spec.symbol].book.best(o.side == "buy")]
        if at_touch:
            order = self.rng.choice(at_touch)
            self.sim.exchange.fill_order(order.order_id, self._part(order))

    def match(self, symbol: str, trades: list[Trade]) -> None:
        """The market's takers reach resting demo orders: each fills at the taker's price."""
        if not trades or self.sim.system_status != "online":
            return
        for trade in trades:
            maker = "buy" if trade.side == "sell" else "sell"
            for order in self._open():
                if order.spec.symbol != symbol or order.side != maker:
                    continue
                reached = (trade.price <= order.limit_price if maker == "buy"
                           else trade.price >= order.limit_price)
                if reached:
                    self.sim.exchange.fill_order(order.order_id, self._part(order), trade.price)

    def _part(self, order: Order) -> int:
        remaining = order.qty - order.cum_qty
        return remaining if self.rng.random() < 0.4 else max(1, remaining // self.rng.randint(2, 4))
