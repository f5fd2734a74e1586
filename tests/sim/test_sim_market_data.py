"""ticker / trade / ohlc from the simulator: the engine's prints, candles, and the real sockets.

Like the other simulator tests this reads frames as plain JSON (floats kept as token text),
not through kraken_tui.kraken, so the simulator is checked from the outside.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from kraken_tui.sim import Simulator
from kraken_tui.sim.market import Market, Trade
from kraken_tui.sim.market_data import SNAPSHOT_INTERVALS, Candles, MarketData, rfc3339_ns

WARNING = "timestamp is deprecated, use interval_begin"
T0 = datetime(2026, 9, 10, 17, 32, tzinfo=UTC).timestamp()  # a minute boundary


def _trade(price: int, qty: int, ts: float, trade_id: int = 1) -> Trade:
    return Trade("BTC/USD", "buy", price, qty, "limit", trade_id, ts)


def _when(text: str) -> datetime:
    """RFC3339 with 0-9 fractional digits (Python parses at most 6)."""
    head, _, frac = text.rstrip("Z").partition(".")
    base = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return base + timedelta(microseconds=int((frac or "0").ljust(9, "0")[:6]))


# ---- the engine and the candle book-keeping, without sockets ----------------------------------


def test_market_trades_print_at_the_best_price_the_book_had() -> None:
    sm = Market(3)["ETH/USD"]
    seen, last_id = 0, sm.trade_id
    for i in range(3000):
        bids, asks = sm.top(1)
        before = {"buy": asks[0], "sell": bids[0]}  # a buyer lifts the best ask
        for trade in sm.step(float(i), changes=1):
            price, lots = before[trade.side]
            assert trade.price == price and 0 < trade.qty <= lots
            assert trade.trade_id == last_id + 1
            last_id = trade.trade_id
            assert sm.stats.last == trade.price
            seen += 1
    assert seen > 100
    assert [t.trade_id for t in sm.recent_trades] == list(range(last_id - 49, last_id + 1))


def test_taker_prints_hit_levels_the_book_had_and_keep_its_shape() -> None:
    """The trades burst's takers: each batch prints only at levels of the book before it
    (the touch, then the next levels when one is swept), qty within the level, trade_id +1,
    ticker last = last print; after thousands of prints the book is whole and uncrossed."""
    sm = Market(4)["BTC/USD"]
    last_id, t, swept = sm.trade_id, 0.0, 0
    for batch in range(1500):
        bids, asks = (dict(side) for side in sm.top(10))
        before = {"buy": asks, "sell": bids}
        stamps = [t + i * 0.001 for i in range(1 + batch % 3)]
        t += 0.01
        trades = sm.taker_prints(stamps)
        assert len(trades) == len(stamps)
        for trade, stamp in zip(trades, stamps, strict=True):
            levels = before[trade.side]  # what is left of them: a swept level is popped
            best = min(levels) if trade.side == "buy" else max(levels)
            assert trade.price == best and trade.timestamp == stamp
            assert 0 < trade.qty <= levels[best]
            levels[best] -= trade.qty
            if not levels[best]:
                del levels[best]
                swept += 1
            assert trade.trade_id == last_id + 1
            last_id = trade.trade_id
        assert sm.stats.last == trades[-1].price
        best_bid, best_ask = sm.book.best(True), sm.book.best(False)
        assert best_bid is not None and best_ask is not None and best_bid < best_ask
        assert sm.book.size(True) == sm.book.size(False) == 1000
    assert swept > 100  # the touch moved: not one level nibbled forever


def test_trades_are_deterministic_from_the_seed() -> None:
    def run(seed: int) -> list[tuple[str, int, int, str, int]]:
        sm = Market(seed)["BTC/USD"]
        out = []
        for i in range(500):
            out += [(t.side, t.price, t.qty, t.ord_type, t.trade_id) for t in sm.step(float(i))]
        return out

    assert run(5) == run(5) != run(6)


def test_candles_skip_empty_intervals_and_add_up() -> None:
    candles = Candles()
    prints = [(1000, 2, 0.5), (1010, 1, 20.0), (990, 3, 59.9),  # minute 0
              (1005, 4, 180.0), (1007, 1, 181.0)]  # minute 3: minutes 1 and 2 absent
    for i, (price, qty, offset) in enumerate(prints):
        candles.add(_trade(price, qty, T0 + offset, i))
    one = list(candles.by_interval[1])
    assert [c.begin - T0 for c in one] == [0, 180]
    first = one[0]
    assert (first.open, first.high, first.low, first.close) == (1000, 1010, 990, 990)
    assert (first.trades, first.volume, first.notional) == (3, 6, 2000 + 1010 + 2970)
    assert first.vwap == 997  # 5980 / 6 = 996.67, rounded
    five = list(candles.by_interval[5])
    assert [c.begin - T0 for c in five] == [-120, 180]  # 17:30 and 17:35 (five-minute grid)
    assert [c.trades for c in five] == [3, 2] and five[1].close == 1007
    (hour,) = candles.by_interval[60]
    assert hour.trades == 5 and (hour.open, hour.close) == (1000, 1007)
    assert candles.current(1) is one[-1]
    last_minute_seeing_both = T0 + (SNAPSHOT_INTERVALS - 1) * 60 + 59.9  # minutes 0..11
    assert candles.recent(1, last_minute_seeing_both) == one
    assert candles.recent(1, last_minute_seeing_both + 0.1) == [one[1]]


def test_candle_rows_render_kraken_timing_fields() -> None:
    data = MarketData(Market(1))
    data.record("BTC/USD", [_trade(628001, 5_000, T0 + 1.25), _trade(628003, 15_000, T0 + 2)])
    frame = data.ohlc_update("BTC/USD", 1, T0 + 2)
    assert frame is not None and frame["timestamp"] == "2026-09-10T17:32:02Z"
    (row,) = frame["data"]
    assert list(row) == ["symbol", "open", "high", "low", "close", "trades", "volume", "vwap",
                         "interval_begin", "interval", "timestamp"]
    assert row["interval_begin"] == "2026-09-10T17:32:00.000000000Z"
    assert row["timestamp"] == "2026-09-10T17:33:00.000000Z"  # the interval END
    assert (row["open"], row["close"], row["low"], row["high"]) == (
        "62800.1", "62800.3", "62800.1", "62800.3")
    assert (row["trades"], row["volume"], row["vwap"]) == (2, "0.00020000", "62800.3")
    assert data.ohlc_update("ETH/USD", 1, T0) is None
    assert data.ohlc_snapshot("ETH/USD", 1, T0)["data"] == []
    assert rfc3339_ns(T0 + 0.25) == "2026-09-10T17:32:00.25Z"


# ---- over real sockets ------------------------------------------------------------------------


def _fill_history(sim: Simulator, symbol: str, trades: int = 50) -> None:
    sm = sim.market[symbol]
    for _ in range(20_000):
        if len(sm.recent_trades) >= trades:
            return
        sim.tick(symbol)
    raise AssertionError("the market never traded")


async def _ack(c: Any, channel: str, method: str = "subscribe") -> dict[str, Any]:
    ack: dict[str, Any] = await c.wait_for(lambda m: m.get("method") == method and (
        m.get("result", {}).get("channel") == channel or not m["success"]))
    return ack


async def test_ohlc_ack_snapshot_and_errors(sim: Simulator, ws_connect: Any) -> None:
    _fill_history(sim, "BTC/USD")
    async with ws_connect(sim.ws_url) as c:
        await c.send({"method": "subscribe", "req_id": 7, "params": {
            "channel": "ohlc", "symbol": ["BTC/USD", "ETH/USD"], "interval": 1}})
        for symbol in ("BTC/USD", "ETH/USD"):
            ack = await _ack(c, "ohlc")
            assert ack["req_id"] == 7 and ack["success"] is True
            assert ack["result"] == {"channel": "ohlc", "interval": 1, "snapshot": True,
                                     "symbol": symbol, "warnings": [WARNING]}
            snap = await c.wait_for(lambda m: m.get("channel") == "ohlc")
            assert snap["type"] == "snapshot" and _when(snap["timestamp"])
            rows = snap["data"]
            assert all(r["symbol"] == symbol and r["interval"] == 1 for r in rows)
            begins = [_when(r["interval_begin"]) for r in rows]
            assert begins == sorted(set(begins))  # oldest first, one row per interval
            for row, begin in zip(rows, begins, strict=True):
                assert len(row["interval_begin"]) == 30 and begin.second == 0
                assert _when(row["timestamp"]) == begin + timedelta(minutes=1)
                low, high = Decimal(row["low"]), Decimal(row["high"])
                assert low <= Decimal(row["open"]) <= high and low <= Decimal(row["close"]) <= high
                assert low <= Decimal(row["vwap"]) <= high and row["trades"] >= 1
            assert rows or symbol != "BTC/USD"  # BTC/USD has just traded 50 times
        for params, error in [
            ({"symbol": ["BTC/USD"], "interval": 10}, "Subscription ohlc interval not supported"),
            ({"symbol": ["BTC/USD"], "interval": True}, "Subscription ohlc interval not supported"),
            ({"symbol": ["XBT/USD"]}, "Currency pair not supported XBT/USD"),
            ({"symbol": ["BTC/USD"]}, "Already subscribed"),
            ({"symbol": []}, "EGeneral:Invalid arguments:symbol"),
        ]:
            await c.send({"method": "subscribe", "req_id": 8,
                          "params": {"channel": "ohlc", **params}})
            refusal = await c.wait_for(lambda m: m.get("req_id") == 8)
            assert refusal["success"] is False and refusal["error"] == error
            assert "result" not in refusal
        await c.send({"method": "unsubscribe", "req_id": 9,
                      "params": {"channel": "ohlc", "symbol": ["BTC/USD"], "interval": 5}})
        missing = await c.wait_for(lambda m: m.get("req_id") == 9)
        assert missing["error"] == "Subscription Not Found" and missing["symbol"] == "BTC/USD"


async def test_trade_snapshot_is_the_last_50_then_updates_continue(
        sim: Simulator, ws_connect: Any) -> None:
    _fill_history(sim, "ETH/USD", 50)
    async with ws_connect(sim.ws_url) as c:
        await c.subscribe("trade", symbol=["ETH/USD"], snapshot=True)
        ack = await _ack(c, "trade")
        assert ack["result"] == {"channel": "trade", "snapshot": True, "symbol": "ETH/USD"}
        snap = await c.wait_for(lambda m: m.get("channel") == "trade")
        assert snap["type"] == "snapshot" and len(snap["data"]) == 50
        ids = [t["trade_id"] for t in snap["data"]]
        assert ids == sorted(ids) and len(set(ids)) == 50
        for t in snap["data"]:
            assert list(t) == ["symbol", "side", "price", "qty", "ord_type", "trade_id",
                               "timestamp"]
            assert t["side"] in ("buy", "sell") and t["ord_type"] in ("limit", "market")
            assert len(t["price"].split(".")[1]) == 2 and len(t["qty"].split(".")[1]) == 8
        last = ids[-1]
        for _ in range(5):
            upd = await c.wait_for(lambda m: m.get("channel") == "trade", timeout=10)
            assert upd["type"] == "update"
            for t in upd["data"]:
                assert t["trade_id"] == last + 1
                last = t["trade_id"]


async def test_one_event_fans_out_consistently(sim: Simulator, ws_connect: Any) -> None:
    """Each engine event: trade update, ticker (last = last trade), in-progress candle."""
    async with ws_connect(sim.ws_url) as c:
        await c.subscribe("trade", symbol=["BTC/USD"])
        await _ack(c, "trade")
        await c.subscribe("ticker", symbol=["BTC/USD"], snapshot=False)
        ticker_ack = await _ack(c, "ticker")
        assert ticker_ack["result"]["event_trigger"] == "trades"
        await c.subscribe("ohlc", symbol=["BTC/USD"])
        await _ack(c, "ohlc")
        snap = await c.wait_for(lambda m: m.get("channel") == "ohlc")
        candle: dict[str, Any] | None = snap["data"][-1] if snap["data"] else None
        last_id: int | None = None
        events = 0
        while events < 25:
            batch = await c.wait_for(lambda m: m.get("channel") in ("trade", "ticker", "ohlc"),
                                     timeout=10)
            assert batch["channel"] == "trade", batch  # nothing arrives without a trade first
            trades = batch["data"]
            ids = [t["trade_id"] for t in trades]
            assert ids == list(range(ids[0], ids[0] + len(ids)))
            assert last_id is None or ids[0] == last_id + 1
            last_id = ids[-1]
            stamp = trades[-1]["timestamp"]
            ticker = await c.recv()
            assert ticker["channel"] == "ticker" and ticker["type"] == "update"
            (tick,) = ticker["data"]
            assert tick["last"] == trades[-1]["price"] and tick["timestamp"] == stamp
            assert Decimal(tick["low"]) <= Decimal(tick["last"]) <= Decimal(tick["high"])
            ohlc = await c.recv()
            assert ohlc["channel"] == "ohlc" and ohlc["type"] == "update"
            assert _when(ohlc["timestamp"]) == _when(stamp)
            (row,) = ohlc["data"]
            begin = _when(stamp).replace(second=0, microsecond=0)
            assert _when(row["interval_begin"]) == begin
            assert _when(row["timestamp"]) == begin + timedelta(minutes=1)
            prices = [Decimal(t["price"]) for t in trades]
            volume = sum(Decimal(t["qty"]) for t in trades)
            if candle is not None and candle["interval_begin"] == row["interval_begin"]:
                assert row["open"] == candle["open"]
                assert row["trades"] == candle["trades"] + len(trades)
                assert Decimal(row["volume"]) == Decimal(candle["volume"]) + volume
                assert Decimal(row["high"]) == max(Decimal(candle["high"]), *prices)
                assert Decimal(row["low"]) == min(Decimal(candle["low"]), *prices)
            else:  # a new interval: the candle holds exactly this event's trades
                assert row["open"] == trades[0]["price"] and row["trades"] == len(trades)
                assert Decimal(row["volume"]) == volume
                assert (Decimal(row["high"]), Decimal(row["low"])) == (max(prices), min(prices))
            assert row["close"] == trades[-1]["price"]
            assert Decimal(row["low"]) <= Decimal(row["vwap"]) <= Decimal(row["high"])
            candle = row
            events += 1


async def test_demo_fills_print_as_public_trades(sim: Simulator, ws_connect: Any) -> None:
    """A fill of the demo's resting buy is a public sell at the order's price."""
    async with ws_connect(sim.ws_url) as c:
        await c.subscribe("trade", symbol=["DOGE/USD"])
        await _ack(c, "trade")
        await c.subscribe("ticker", symbol=["DOGE/USD"], snapshot=False)
        await _ack(c, "ticker")
        await c.subscribe("ohlc", symbol=["DOGE/USD"], snapshot=False)
        await _ack(c, "ohlc")
        # no await from here to the last fill: the market loop cannot trade in between
        before = sim.market["DOGE/USD"].trade_id
        order_id = sim.place_order("DOGE/USD", "buy", "150.00000000", "0.1200000")
        sim.fill_order(order_id, "100.00000000")
        sim.fill_order(order_id)
        assert sim.market["DOGE/USD"].recent_trades[-1].trade_id == before + 2
        for trade_id, qty in ((before + 1, "100.00000000"), (before + 2, "50.00000000")):
            upd = await c.wait_for(lambda m, i=trade_id: m.get("channel") == "trade"
                                   and m["data"][0]["trade_id"] == i)
            (t,) = upd["data"]
            assert (t["side"], t["price"], t["qty"], t["ord_type"]) == (
                "sell", "0.1200000", qty, "market")
            # the same event's ticker and candle follow at once (one synchronous fan-out)
            tick = await c.recv()
            assert tick["channel"] == "ticker" and tick["data"][0]["last"] == "0.1200000"
            candle = await c.recv()
            assert candle["channel"] == "ohlc" and candle["data"][0]["close"] == "0.1200000"


async def test_unsubscribe_stops_each_channel(sim: Simulator, ws_connect: Any) -> None:
    async with ws_connect(sim.ws_url) as c:
        for channel, extra in (("trade", {}), ("ticker", {}), ("ohlc", {"interval": 1})):
            await c.subscribe(channel, symbol=["BTC/USD"], **extra)
            await _ack(c, channel)
        await c.wait_for(lambda m: m.get("channel") == "ohlc" and m["type"] == "update",
                         timeout=10)
        await c.send({"method": "unsubscribe", "req_id": 3,
                      "params": {"channel": "ohlc", "symbol": ["BTC/USD"], "interval": 1}})
        ack = await c.wait_for(lambda m: m.get("req_id") == 3)
        assert ack["result"] == {"channel": "ohlc", "interval": 1, "symbol": "BTC/USD"}
        await c.send({"method": "unsubscribe", "req_id": 4,
                      "params": {"channel": "ticker", "symbol": ["BTC/USD"]}})
        ack = await c.wait_for(lambda m: m.get("req_id") == 4)
        assert ack["result"] == {"channel": "ticker", "event_trigger": "trades",
                                 "symbol": "BTC/USD"}
        trade_updates = 0
        while trade_updates < 5:  # the trade channel still flows; the other two are silent
            msg = await c.recv(10.0)
            assert msg.get("channel") not in ("ohlc", "ticker"), msg
            trade_updates += msg.get("channel") == "trade"
        await c.send({"method": "unsubscribe", "req_id": 5,
                      "params": {"channel": "trade", "symbol": ["BTC/USD"]}})
        await c.wait_for(lambda m: m.get("req_id") == 5)
        await c.send({"method": "ping", "req_id": 6})
        pong = await c.wait_for(lambda m: m.get("method") == "pong" or ("channel" in m
                                and m["channel"] in ("trade", "ticker", "ohlc")))
        assert pong["method"] == "pong"


@pytest.mark.parametrize("trigger", ["bbo", "trades"])
async def test_ticker_ack_echoes_event_trigger(sim: Simulator, ws_connect: Any,
                                               trigger: str) -> None:
    async with ws_connect(sim.ws_url) as c:
        await c.subscribe("ticker", symbol=["ETH/USD"], event_trigger=trigger)
        ack = await _ack(c, "ticker")
        assert ack["result"] == {"channel": "ticker", "event_trigger": trigger,
                                 "snapshot": True, "symbol": "ETH/USD"}
        snap = await c.wait_for(lambda m: m.get("channel") == "ticker")
        assert snap["type"] == "snapshot"
        (t,) = snap["data"]
        assert list(t)[:12] == ["symbol", "bid", "bid_qty", "ask", "ask_qty", "last", "volume",
                                "vwap", "low", "high", "change", "change_pct"]
        assert Decimal(t["bid"]) < Decimal(t["ask"])
        assert len(t["change_pct"].split(".")[1]) == 2
