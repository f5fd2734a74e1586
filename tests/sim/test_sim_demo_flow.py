"""The demo account never borrows, and its fills print where the market is (issues 13, 14).

Kraken refuses an order the available balance (balance less what open orders hold) cannot
cover with ``EOrder:Insufficient funds``; the demo order flow only places what it can fund
and its orders fill only when the market reaches them, at a price the book had.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kraken_tui.sim import Simulator
from kraken_tui.sim.accounts import INSUFFICIENT_FUNDS, InsufficientFunds
from kraken_tui.sim.market import PAIRS

STEPS = 6000


def test_an_order_the_account_cannot_fund_is_refused_and_holds_count() -> None:
    sim = Simulator(seed=2, order_flow=False)
    poor = sim.add_account(balances={"USD": "1000", "BTC": "0.01"})
    # 0.016 BTC at 60000.0 = 960 USD + 0.26 % fee = 962.496: fits in 1000
    first = sim.place_order("BTC/USD", "buy", "0.016", "60000.0", account=poor)
    with pytest.raises(InsufficientFunds) as refused:  # alone it would fit; not beside the first
        sim.place_order("BTC/USD", "buy", "0.0005", "80000.0", account=poor)
    assert str(refused.value) == INSUFFICIENT_FUNDS
    with pytest.raises(InsufficientFunds):  # a sell needs the base
        sim.place_order("BTC/USD", "sell", "0.01000001", "70000.0", account=poor)
    sim.place_order("BTC/USD", "sell", "0.01", "70000.0", account=poor)
    assert sim.exchange.available(poor, "USD") == Decimal("1000") - Decimal("962.4960")
    sim.cancel_order(first)  # cancelling gives the hold back
    sim.place_order("BTC/USD", "buy", "0.0005", "80000.0", account=poor)
    assert len(sim.truth_open_orders(poor)) == 2


def test_fills_spend_no_more_than_the_order_held() -> None:
    """Many small fills at odd prices: rounding on running totals, never past the hold."""
    sim = Simulator(seed=2, order_flow=False)
    # exactly the hold of 0.00999999 BTC at 62800.1: cost 628.000371999 rounded up to
    # 628.0004, plus the fee on that rounded up, 1.6329
    poor = sim.add_account(balances={"USD": "629.6333"})
    oid = sim.place_order("BTC/USD", "buy", "0.00999999", "62800.1", account=poor)
    with pytest.raises(InsufficientFunds):
        sim.place_order("BTC/USD", "buy", "0.00000001", "1.0", account=poor)
    spec = sim.market.specs["BTC/USD"]
    fills = 0
    while sim.truth_open_orders(poor):
        sim.exchange.fill_order(oid, 77_777, spec.price_ticks("62800.1"))
        fills += 1
        assert sim.truth_balances(poor)["USD"] >= 0
    assert fills == 13 and sim.truth_balances(poor)["BTC"] == Decimal("0.00999999")
    assert Decimal(0) <= sim.truth_balances(poor)["USD"] <= Decimal("0.0002")
    with pytest.raises(ValueError, match="worse than the limit"):
        other = sim.place_order("BTC/USD", "buy", "0.0001", "100.0")
        sim.exchange.fill_order(other, None, spec.price_ticks("100.1"))


async def test_add_order_over_rest_says_insufficient_funds(sim: Simulator, rest: Any) -> None:
    refused = await rest.private("AddOrder", pair="XBTUSD", type="buy", ordertype="limit",
                                 price="60000.0", volume="5")  # 300000 USD; the demo has 250000
    assert refused == {"error": [INSUFFICIENT_FUNDS]}
    assert sim.truth_open_orders() == {}
    added = await rest.private("AddOrder", pair="XBTUSD", type="sell", ordertype="limit",
                               price="90000.0", volume="5")  # all the demo's BTC
    assert added["error"] == []
    again = await rest.private("AddOrder", pair="XBTUSD", type="sell", ordertype="limit",
                               price="90000.0", volume="0.0001")  # all of it is held
    assert again == {"error": [INSUFFICIENT_FUNDS]}


def test_the_demo_flow_never_takes_a_balance_below_zero() -> None:
    """Thousands of decisions and market steps on a small account: funds bind often, no
    balance is ever negative (checked on every ledger entry), and the flow keeps trading."""
    sim = Simulator(seed=21, order_flow=True)  # not started: stepped by hand, no sockets
    sim.demo.balances.update({a: Decimal(v) for a, v in {
        "USD": "3000", "GBP": "800", "BTC": "0.02", "ETH": "0.3", "MINA": "900",
        "DOGE": "40000"}.items()})
    lowest: dict[str, Decimal] = {}

    def watch(account_key: str, channel: str, entry: dict[str, Any]) -> None:
        if channel == "balances" and account_key == sim.demo.api_key:
            value = Decimal(str(entry["balance"]))
            lowest[entry["asset"]] = min(value, lowest.get(entry["asset"], value))
            assert value >= 0, entry

    sim.exchange.listeners.append(watch)
    for i in range(STEPS):
        for spec in PAIRS:
            sim.tick(spec.symbol)
        if i % 10 == 0:
            sim.flow.step()
        assert all(v >= 0 for v in sim.demo.balances.values())
        for asset in sim.demo.balances:
            assert sim.exchange.available(sim.demo, asset) >= 0
    assert sim.flow.placed > 200 and len(sim.demo.fills) >= 50  # it really traded
    assert sim.flow.unfunded > 0  # and the funds check really bound
    assert min(lowest.values()) >= 0 and set(lowest) >= {"USD", "BTC"}


def test_demo_fills_print_at_prices_the_book_had() -> None:
    """Each public print (the market's and the demo's fills) is at the price of the best
    level on the maker side just before the event that printed it."""
    sim = Simulator(seed=8, order_flow=True)
    symbol = "ETH/USD"
    sm = sim.market[symbol]
    printed: list[tuple[str, int]] = []  # (taker side, price) of every public print
    original = sim.hub.on_trades

    def on_trades(sym: str, trades: list[Any]) -> None:
        printed.extend((t.side, t.price) for t in trades if sym == symbol)
        original(sym, trades)

    sim.hub.on_trades = on_trades  # type: ignore[method-assign]
    for i in range(4000):
        bids, asks = sm.top(1)
        touch = {"buy": asks[0][0], "sell": bids[0][0]}  # a buyer lifts the best ask
        start = len(printed)
        if i % 3 == 0:
            sim.flow.step()  # a touch fill leaves the public book as it was
        sim.tick(symbol, changes=1)
        for side, price in printed[start:]:
            assert price == touch[side], (i, side, price, touch)
    ids = [t.trade_id for t in sm.recent_trades]
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # one sequence, demo fills included
    assert sm.stats.last == sm.recent_trades[-1].price  # the ticker's last is the last print
    demo_fills = [f for f in sim.demo.fills if f["symbol"] == symbol]
    assert len(demo_fills) >= 10 and len(printed) > 300
