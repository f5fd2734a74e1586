"""Immutable values the core hands out: book views, orders, balances, pair facts.

They are what crosses from the feed to the screen, so they are frozen and
cheap to share between threads; every number is an exact ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ViewLevel:
    """One price level of a book view, with the running total from the best level."""

    price: Decimal
    qty: Decimal
    cum_qty: Decimal


@dataclass(frozen=True, slots=True)
class BookView:
    """The top of one book at one moment; best levels first on both sides."""

    symbol: str
    depth: int
    price_precision: int
    qty_precision: int
    bids: Sequence[ViewLevel]  # a ViewSide from the book: levels built as they are read
    asks: Sequence[ViewLevel]
    checksum: int

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0].price if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0].price if self.asks else None

    @property
    def spread(self) -> Decimal | None:
        if not self.bids or not self.asks:
            return None
        return self.asks[0].price - self.bids[0].price

    @property
    def mid(self) -> Decimal | None:
        if not self.bids or not self.asks:
            return None
        return (self.asks[0].price + self.bids[0].price) / 2

    @property
    def spread_bps(self) -> Decimal | None:
        spread, mid = self.spread, self.mid
        if spread is None or mid is None or mid == 0:
            return None
        return spread / mid * 10_000

    def format_price(self, value: Decimal) -> str:
        return f"{value:.{self.price_precision}f}"

    def format_qty(self, value: Decimal) -> str:
        return f"{value:.{self.qty_precision}f}"

    def top(self, n: int = 10) -> tuple[list[list[str]], list[list[str]]]:
        """Top ``n`` bids and asks as ``[price, qty]`` strings at the pair's precision."""
        bids = [[self.format_price(lv.price), self.format_qty(lv.qty)] for lv in self.bids[:n]]
        asks = [[self.format_price(lv.price), self.format_qty(lv.qty)] for lv in self.asks[:n]]
        return bids, asks


@dataclass(frozen=True, slots=True)
class Order:
    """An open order as the executions channel (or REST) last described it."""

    order_id: str
    symbol: str
    side: str  # "buy" | "sell"
    order_type: str  # "limit", "market", ...
    order_qty: Decimal
    limit_price: Decimal | None = None
    cum_qty: Decimal = Decimal(0)
    avg_price: Decimal | None = None
    status: str = "new"  # pending_new | new | partially_filled | filled | canceled | expired
    opened_at: str | None = None  # RFC3339 timestamp of the first report seen
    updated_at: str | None = None
    cl_ord_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Balance:
    """One asset: total plus the wallets it is held in as (type, id, balance)."""

    asset: str
    total: Decimal
    wallets: tuple[tuple[str, str, Decimal], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class SequenceGap:
    """A private channel skipped a sequence number: state may have missed a change."""

    channel: str  # "executions" | "balances"
    expected: int
    received: int


@dataclass(frozen=True, slots=True)
class PairInfo:
    """What the core needs to know about one pair (v2 names)."""

    symbol: str
    base: str
    quote: str
    status: str
    price_precision: int
    qty_precision: int
    price_increment: Decimal | None = None
    qty_min: Decimal | None = None
    qty_increment: Decimal | None = None
    cost_min: Decimal | None = None
    rest_name: str | None = None  # REST AssetPairs key, e.g. "XXBTZUSD", when known
