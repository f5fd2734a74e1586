"""The simulated market: pairs, seeded order books that move, trades and ticker stats.

Books are held as integer ticks -> integer lots (never floats) at depth 1000, so any subscribed
depth can be served exactly and every checksum is computed from the same integers that are
rendered on the wire. Everything here is synchronous and deterministic from the seed: the server
decides *when* to step, the market decides *what* happens.
"""

from __future__ import annotations

import bisect
import math
import random
import zlib
from dataclasses import dataclass, field

from kraken_tui.sim.wire import Num, fmt_units, num

BOOK_DEPTH = 1000
DEPTHS = (10, 25, 100, 500, 1000)


@dataclass(frozen=True, slots=True)
class Asset:
    """An asset with its v2 name, REST legacy name and ledger precision."""

    id: str
    rest_name: str
    precision: int
    precision_display: int


@dataclass(frozen=True, slots=True)
class PairSpec:
    """Static description of a pair: names on both APIs and its precisions."""

    symbol: str  # v2 name, BTC/USD
    base: str
    quote: str
    rest_name: str  # AssetPairs key, XXBTZUSD
    altname: str  # XBTUSD
    wsname: str  # v1 name, XBT/USD
    price_decimals: int
    qty_decimals: int
    start_price: str
    qty_range: tuple[float, float]  # typical level size, in base units
    cost_decimals: int = 5
    ordermin: str = "0.0001"
    costmin: str = "0.5"

    @property
    def tick_size(self) -> str:
        return fmt_units(1, self.price_decimals)

    def price_ticks(self, price: str | float) -> int:
        return round(float(price) * 10**self.price_decimals)

    def qty_lots(self, qty: str | float) -> int:
        return round(float(qty) * 10**self.qty_decimals)


ASSETS: dict[str, Asset] = {
    a.id: a
    for a in (
        Asset("BTC", "XXBT", 10, 5),
        Asset("ETH", "XETH", 10, 5),
        Asset("USD", "ZUSD", 4, 2),
        Asset("GBP", "ZGBP", 4, 2),
        Asset("MINA", "MINA", 8, 5),
        Asset("DOGE", "XXDG", 8, 2),
    )
}

PAIRS: tuple[PairSpec, ...] = (
    PairSpec("BTC/USD", "BTC", "USD", "XXBTZUSD", "XBTUSD", "XBT/USD", 1, 8, "62800.0",
             (0.0001, 4.0), ordermin="0.00005"),
    PairSpec("ETH/USD", "ETH", "USD", "XETHZUSD", "ETHUSD", "ETH/USD", 2, 8, "3100.00",
             (0.001, 40.0), ordermin="0.002"),
    PairSpec("MINA/GBP", "MINA", "GBP", "MINAGBP", "MINAGBP", "MINA/GBP", 4, 8, "0.4500",
             (1.0, 5000.0), cost_decimals=8, ordermin="10"),
    PairSpec("DOGE/USD", "DOGE", "USD", "XDGUSD", "XDGUSD", "XDG/USD", 7, 8, "0.1234567",
             (100000.0, 1000000.0), cost_decimals=8, ordermin="50"),
)

#: Synthetic pairs for load tests. Always listed (instrument channel and AssetPairs) so a client
#: can subscribe to them at any time; their books only move while a burst drives them.
SYN_PAIRS: tuple[PairSpec, ...] = tuple(
    PairSpec(f"SYN{i:02d}/USD", f"SYN{i:02d}", "USD", f"SYN{i:02d}USD", f"SYN{i:02d}USD",
             f"SYN{i:02d}/USD", 4, 8, f"{1 + i * 0.5:.4f}", (1.0, 1000.0), cost_decimals=8,
             ordermin="1")
    for i in range(1, 21)
)
SYN_ASSETS: dict[str, Asset] = {p.base: Asset(p.base, p.base, 8, 4) for p in SYN_PAIRS}


@dataclass(slots=True)
class Trade:
    """A public trade (taker side), as the trade channel reports it."""

    symbol: str
    side: str
    price: int
    qty: int
    ord_type: str
    trade_id: int
    timestamp: float


class Book:
    """One side-pair of price levels, integer ticks -> integer lots, best-first ordered keys."""

    __slots__ = ("_ask_keys", "_bid_keys", "asks", "bids")

    def __init__(self) -> None:
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self._bid_keys: list[int] = []  # negated prices, ascending = best first
        self._ask_keys: list[int] = []

    def side(self, is_bid: bool) -> dict[int, int]:
        return self.bids if is_bid else self.asks

    def set(self, is_bid: bool, price: int, lots: int) -> None:
        levels = self.side(is_bid)
        keys = self._bid_keys if is_bid else self._ask_keys
        key = -price if is_bid else price
        if lots <= 0:
            if price in levels:
                del levels[price]
                keys.pop(bisect.bisect_left(keys, key))
            return
        if price not in levels:
            bisect.insort(keys, key)
        levels[price] = lots

    def top(self, is_bid: bool, n: int) -> list[tuple[int, int]]:
        levels = self.side(is_bid)
        if is_bid:
            return [(-k, levels[-k]) for k in self._bid_keys[:n]]
        return [(k, levels[k]) for k in self._ask_keys[:n]]

    def best(self, is_bid: bool) -> int | None:
        keys = self._bid_keys if is_bid else self._ask_keys
        if not keys:
            return None
        return -keys[0] if is_bid else keys[0]

    def worst(self, is_bid: bool) -> int | None:
        keys = self._bid_keys if is_bid else self._ask_keys
        if not keys:
            return None
        return -keys[-1] if is_bid else keys[-1]

    def price_at(self, is_bid: bool, index: int) -> int:
        keys = self._bid_keys if is_bid else self._ask_keys
        k = keys[min(index, len(keys) - 1)]
        return -k if is_bid else k

    def size(self, is_bid: bool) -> int:
        return len(self.side(is_bid))


def checksum_levels(bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> int:
    """Kraken's CRC32 over the top 10 asks (ascending) then top 10 bids (descending).

    With integer ticks/lots, "format at precision, drop the point, strip leading zeros" is just
    ``str(int)``.
    """
    text = "".join(f"{p}{q}" for p, q in asks[:10]) + "".join(f"{p}{q}" for p, q in bids[:10])
    return zlib.crc32(text.encode("ascii"))


@dataclass(slots=True)
class TickerStats:
    """Rolling ticker numbers, kept in integer units like the book."""

    open_price: int
    last: int
    low: int
    high: int
    volume: int = 0  # lots
    notional: int = 0  # ticks * lots, for vwap
    trades: int = 0


class SymbolMarket:
    """A single pair's book plus the random process that moves it."""

    def __init__(self, spec: PairSpec, seed: int) -> None:
        self.spec = spec
        self.rng = random.Random(f"{seed}:{spec.symbol}")
        self.book = Book()
        self.trade_id = 1000 + self.rng.randrange(10**6)
        self.recent_trades: list[Trade] = []
        mid = spec.price_ticks(spec.start_price)
        self._init_book(mid)
        self.stats = TickerStats(open_price=mid, last=mid, low=mid, high=mid)

    # ---- random pieces -------------------------------------------------------------------
    def _lots(self) -> int:
        lo, hi = self.spec.qty_range
        value = math.exp(self.rng.uniform(math.log(lo), math.log(hi)))
        lots = int(value * 10**self.spec.qty_decimals)
        if self.rng.random() < 0.5:  # many real levels are "round" sizes
            lots = max(1, round(lots, -max(0, len(str(lots)) - 3)))
        return max(1, lots)

    def _index(self) -> int:
        if self.rng.random() < 0.25:
            return self.rng.randrange(120)
        return min(int(self.rng.expovariate(1 / 4)), 60)

    def _init_book(self, mid: int) -> None:
        gap_max = 3
        price = mid
        for _ in range(BOOK_DEPTH):
            price -= self.rng.randint(1, gap_max)
            self.book.set(True, price, self._lots())
        price = mid
        for _ in range(BOOK_DEPTH):
            price += self.rng.randint(1, gap_max)
            self.book.set(False, price, self._lots())

    def _refill_far(self, is_bid: bool) -> None:
        """Keep each side at BOOK_DEPTH: grow at the far end when short, trim when long."""
        book = self.book
        while book.size(is_bid) < BOOK_DEPTH:
            worst = book.worst(is_bid)
            assert worst is not None
            step = self.rng.randint(1, 3)
            price = worst - step if is_bid else worst + step
            if price <= 0:
                break
            book.set(is_bid, price, self._lots())
        while book.size(is_bid) > BOOK_DEPTH:
            worst = book.worst(is_bid)
            assert worst is not None
            book.set(is_bid, worst, 0)

    # ---- operations ----------------------------------------------------------------------
    def _resize(self, is_bid: bool) -> None:
        price = self.book.price_at(is_bid, self._index())
        self.book.set(is_bid, price, self._lots())

    def _remove(self, is_bid: bool) -> None:
        price = self.book.price_at(is_bid, self._index())
        self.book.set(is_bid, price, 0)
        self._refill_far(is_bid)

    def _add(self, is_bid: bool) -> None:
        book = self.book
        best_bid, best_ask = book.best(True), book.best(False)
        assert best_bid is not None and best_ask is not None
        offset = int(self.rng.expovariate(1 / 10))
        if offset == 0 and best_ask - best_bid > 1:
            price = best_bid + 1 if is_bid else best_ask - 1  # improve inside the spread
        else:
            anchor = best_bid if is_bid else best_ask
            price = anchor - offset if is_bid else anchor + offset
        if price <= 0:
            return
        book.set(is_bid, price, self._lots())
        self._refill_far(is_bid)

    def _trade(self, taker_buy: bool, timestamp: float) -> Trade | None:
        is_bid = not taker_buy  # a buyer lifts the asks
        book = self.book
        price = book.best(is_bid)
        if price is None:
            return None
        have = book.side(is_bid)[price]
        qty = have if self.rng.random() < 0.4 else max(1, int(have * self.rng.uniform(0.05, 0.9)))
        book.set(is_bid, price, have - qty)
        self._refill_far(is_bid)
        return self._record_trade("buy" if taker_buy else "sell", price, qty, timestamp)

    def _record_trade(self, side: str, price: int, qty: int, timestamp: float) -> Trade:
        self.trade_id += 1
        trade = Trade(self.spec.symbol, side, price, qty,
                      "market" if self.rng.random() < 0.5 else "limit", self.trade_id, timestamp)
        self.publish(trade)
        return trade

    def publish(self, trade: Trade) -> None:
        """Count a trade in the ticker stats and the last-50 list (also the demo's fills)."""
        s, price = self.stats, trade.price
        s.last = price
        s.low = min(s.low, price)
        s.high = max(s.high, price)
        s.volume += trade.qty
        s.notional += price * trade.qty
        s.trades += 1
        self.recent_trades.append(trade)
        del self.recent_trades[:-50]

    def _move(self, up: bool, timestamp: float) -> list[Trade]:
        """Random walk of the mid: sweep the best level on one side, then quote inside."""
        trades: list[Trade] = []
        trade = self._trade(taker_buy=up, timestamp=timestamp)
        if trade is not None:
            trades.append(trade)
        book = self.book
        best_bid, best_ask = book.best(True), book.best(False)
        assert best_bid is not None and best_ask is not None
        if best_ask - best_bid > 1:
            span = min(3, best_ask - best_bid - 1)
            step = self.rng.randint(1, span)
            if up:
                book.set(True, best_bid + step, self._lots())
                self._refill_far(True)
            else:
                book.set(False, best_ask - step, self._lots())
                self._refill_far(False)
        return trades

    def taker_prints(self, timestamps: list[float]) -> list[Trade]:
        """Small market takers at the touch, one print per timestamp (the trades burst fault).

        Each takes a fraction of a typical level from the best level of its side, the whole
        level at most (one print per maker level), so every print of a batch is at a level
        the book had before it: a client holding the previous book frame can check each
        price. Makers requote only after the batch: the side facing a sweep steps in until
        the spread is what it was, so the mid follows the takers and the book keeps its
        shape however long the burst.
        """
        book = self.book
        best_bid, best_ask = book.best(True), book.best(False)
        if best_bid is None or best_ask is None:
            return []
        spread = best_ask - best_bid
        trades: list[Trade] = []
        for timestamp in timestamps:
            taker_buy = self.rng.random() < 0.5
            is_bid = not taker_buy
            price = book.best(is_bid)
            if price is None:
                continue
            have = book.side(is_bid)[price]
            qty = min(have, max(1, int(self._lots() * self.rng.uniform(0.02, 0.3))))
            book.set(is_bid, price, have - qty)
            if qty == have:
                self._refill_far(is_bid)
            trades.append(self._record_trade("buy" if taker_buy else "sell", price, qty,
                                             timestamp))
        bid, ask = book.best(True), book.best(False)
        assert bid is not None and ask is not None
        wider = ask - bid - spread
        if wider > 0:  # bids swept: asks step down; asks swept: bids step up; both: half each
            down = (wider if ask == best_ask else 0 if bid == best_bid else wider // 2)
            if wider - down:
                book.set(True, bid + wider - down, self._lots())
                self._refill_far(True)
            if down:
                book.set(False, ask - down, self._lots())
                self._refill_far(False)
        return trades

    def step(self, timestamp: float, changes: int | None = None) -> list[Trade]:
        """Apply 1-3 random changes (occasionally a burst); return the public trades made."""
        if changes is None:
            burst = self.rng.random() < 0.03
            changes = self.rng.randint(5, 15) if burst else self.rng.randint(1, 3)
        trades: list[Trade] = []
        for _ in range(changes):
            is_bid = self.rng.random() < 0.5
            roll = self.rng.random()
            if roll < 0.45:
                self._resize(is_bid)
            elif roll < 0.68:
                self._add(is_bid)
            elif roll < 0.86:
                self._remove(is_bid)
            elif roll < 0.94:
                trade = self._trade(self.rng.random() < 0.5, timestamp)
                if trade is not None:
                    trades.append(trade)
            else:
                trades.extend(self._move(self.rng.random() < 0.5, timestamp))
        return trades

    # ---- views ---------------------------------------------------------------------------
    def top(self, depth: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        return self.book.top(True, depth), self.book.top(False, depth)

    def render(self, levels: list[tuple[int, int]]) -> list[tuple[str, str]]:
        p, q = self.spec.price_decimals, self.spec.qty_decimals
        return [(fmt_units(price, p), fmt_units(lots, q)) for price, lots in levels]

    def ticker(self) -> dict[str, object]:
        s, p, q = self.stats, self.spec.price_decimals, self.spec.qty_decimals
        bid = self.book.top(True, 1)
        ask = self.book.top(False, 1)
        vwap = s.notional // s.volume if s.volume else s.last
        change = s.last - s.open_price
        pct = round(change * 100 / s.open_price, 2) if s.open_price else 0.0
        return {
            "symbol": self.spec.symbol,
            "bid": num(bid[0][0], p) if bid else Num("0"),
            "bid_qty": num(bid[0][1], q) if bid else Num("0"),
            "ask": num(ask[0][0], p) if ask else Num("0"),
            "ask_qty": num(ask[0][1], q) if ask else Num("0"),
            "last": num(s.last, p),
            "volume": num(s.volume, q),
            "vwap": num(vwap, p),
            "low": num(s.low, p),
            "high": num(s.high, p),
            "change": num(change, p),
            "change_pct": Num(f"{pct:.2f}"),
            "trades": s.trades,
        }

    def trade_entry(self, trade: Trade) -> dict[str, object]:
        return {
            "symbol": trade.symbol,
            "side": trade.side,
            "price": num(trade.price, self.spec.price_decimals),
            "qty": num(trade.qty, self.spec.qty_decimals),
            "ord_type": trade.ord_type,
            "trade_id": trade.trade_id,
        }


@dataclass(slots=True)
class BookView:
    """What one subscription at depth D last sent, so each update is exactly the top-D diff."""

    depth: int
    bids: dict[int, int] = field(default_factory=dict)
    asks: dict[int, int] = field(default_factory=dict)

    def snapshot(self, market: SymbolMarket) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        bids, asks = market.top(self.depth)
        self.bids, self.asks = dict(bids), dict(asks)
        return bids, asks

    def diff(
        self, market: SymbolMarket
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int]],
               list[tuple[int, int]]]:
        """Return (bid_changes, ask_changes, new_top_bids, new_top_asks).

        Changes hold ``(price, 0)`` for a level deleted inside the view, new/resized levels and
        the refill entering at the bottom; nothing for levels merely pushed below depth D
        (the client truncates those itself).
        """
        new_bids, new_asks = market.top(self.depth)
        bid_changes = self._side_diff(self.bids, new_bids, is_bid=True)
        ask_changes = self._side_diff(self.asks, new_asks, is_bid=False)
        self.bids, self.asks = dict(new_bids), dict(new_asks)
        return bid_changes, ask_changes, new_bids, new_asks

    def _side_diff(
        self, old: dict[int, int], new: list[tuple[int, int]], *, is_bid: bool
    ) -> list[tuple[int, int]]:
        new_map = dict(new)
        full = len(new) >= self.depth
        worst = new[-1][0] if new else None
        out: list[tuple[int, int]] = []
        for price in old:
            if price in new_map:
                continue
            pushed_out = full and worst is not None and (price < worst if is_bid else price > worst)
            if not pushed_out:
                out.append((price, 0))
        for price, lots in new:
            if old.get(price) != lots:
                out.append((price, lots))
        return out


class Market:
    """All pairs, each with an independent seeded random stream.

    A pair's book is built on first use (each has its own seed, so order does not matter):
    the 20 synthetic pairs cost nothing until a burst or a client touches them.
    """

    def __init__(self, seed: int, pairs: tuple[PairSpec, ...] = PAIRS + SYN_PAIRS) -> None:
        self.seed = seed
        self.specs: dict[str, PairSpec] = {p.symbol: p for p in pairs}
        self._books: dict[str, SymbolMarket] = {}
        self.pair_status: dict[str, str] = {p.symbol: "online" for p in pairs}
        self.assets: dict[str, Asset] = {**ASSETS, **SYN_ASSETS}

    @property
    def symbols(self) -> list[str]:
        return list(self.specs)

    def __getitem__(self, symbol: str) -> SymbolMarket:
        sm = self._books.get(symbol)
        if sm is None:
            sm = self._books[symbol] = SymbolMarket(self.specs[symbol], self.seed)
        return sm

    def __contains__(self, symbol: object) -> bool:
        return symbol in self.specs

    def by_rest_name(self, name: str) -> PairSpec | None:
        for spec in self.specs.values():
            if name in (spec.rest_name, spec.altname, spec.wsname, spec.symbol):
                return spec
        return None

    def asset_by_rest_name(self, name: str) -> Asset | None:
        for asset in self.assets.values():
            if name in (asset.rest_name, asset.id):
                return asset
        return None
