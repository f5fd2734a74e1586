"""Trades, candles and my fills against the simulator over real sockets (issue 14).

The feed subscribes ``trade`` and ``ohlc`` beside the books on every connection; each
trade and fill is emitted once (never again after a reconnect, none lost while fewer than
50 printed meanwhile), and trust is marked stale at once exactly as for books.
"""

from __future__ import annotations

from decimal import Decimal

from kraken_tui.feed.events import (
    CandlesUpdated,
    FeedError,
    FillReported,
    OrdersUpdated,
    TradesPrinted,
)
from kraken_tui.sim import Simulator
from kraken_tui.sim.wire import fmt_units
from tests.feed.conftest import config_for
from tests.harness import EventLog, FeedRunner

SYMBOLS = ("BTC/USD", "ETH/USD")


def printed(log: EventLog, symbol: str) -> list[int]:
    return [t.trade_id for e in log.of(TradesPrinted) if e.symbol == symbol for t in e.trades]


def caught_up(runner: FeedRunner, sim: Simulator) -> bool:
    """The feed has emitted every trade the exchange printed, and holds its current candle."""
    for symbol in SYMBOLS:
        if runner.feed.trades.last_id.get(symbol) != sim.market[symbol].trade_id:
            return False
        candles = sim.hub.market_data.candles.get(symbol)
        current = candles.current(1) if candles is not None else None
        history = runner.feed.candles.history(symbol)
        if current is None or not history or history[-1].trades != current.trades:
            return False
    return True


def one_sequence_each(log: EventLog) -> None:
    """Per symbol: each trade_id once, ascending, none missing."""
    for symbol in SYMBOLS:
        ids = printed(log, symbol)
        assert ids == list(range(ids[0], ids[0] + len(ids))), symbol


def stale_marks(log: EventLog, after: int) -> dict[tuple[str, str], str]:
    """(kind, symbol) -> reason of the first stale mark of trades/candles after ``after``."""
    out: dict[tuple[str, str], str] = {}
    for event in log.events[after:]:
        if isinstance(event, TradesPrinted | CandlesUpdated) and not event.valid:
            out.setdefault((event.kind, event.symbol), event.reason)
    return out


def live_again(log: EventLog, after: int) -> bool:
    kinds = {(e.kind, e.symbol) for e in log.events[after:]
             if isinstance(e, TradesPrinted | CandlesUpdated) and e.valid}
    return kinds >= {(k, s) for k in ("trade", "candle") for s in SYMBOLS}


async def wait_stale_everywhere(log: EventLog, after: int) -> dict[tuple[str, str], str]:
    await log.wait(lambda: len(stale_marks(log, after)) == 4, 15, "trades and candles stale")
    return stale_marks(log, after)


def trade_history(sim: Simulator) -> None:
    """Let the market print more than a snapshot holds before the feed connects."""
    for symbol in SYMBOLS:
        while len(sim.market[symbol].recent_trades) < 50:
            sim.tick(symbol)


async def test_trades_and_candles_are_subscribed_and_equal_the_exchange(
    sim: Simulator, start_feed
) -> None:
    trade_history(sim)
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))

    def ticker_at_last_trade() -> bool:
        feed = runner.feed
        return caught_up(runner, sim) and all(
            (t := feed.tickers.latest.get(s)) is not None
            and t.last == feed.trades.recent(s)[-1].price for s in SYMBOLS)

    await runner.log.wait(ticker_at_last_trade, 15, "trades, candles and tickers caught up")
    (conn,) = [c for c in sim.hub.connections if c.endpoint == "public"]
    assert conn.trades == set(SYMBOLS) and conn.ohlc == {(s, 1) for s in SYMBOLS}
    assert not [e for e in runner.log.of(FeedError) if "refused" in e.error]
    first = next(e for e in runner.log.of(TradesPrinted) if e.symbol == "BTC/USD")
    assert first.snapshot and first.valid and len(first.trades) == 50
    one_sequence_each(runner.log)
    for symbol in SYMBOLS:  # the last prints, digit for digit
        sm = sim.market[symbol]
        p, q = sm.spec.price_decimals, sm.spec.qty_decimals
        truth = [(t.trade_id, t.side, fmt_units(t.price, p), fmt_units(t.qty, q))
                 for t in sm.recent_trades]
        ours = [(t.trade_id, t.side, str(t.price), str(t.qty))
                for t in runner.feed.trades.recent(symbol)]
        assert ours[-len(truth):] == truth
        held = runner.feed.candles.history(symbol)[-1]
        current = sim.hub.market_data.candles[symbol].current(1)
        assert current is not None
        assert (str(held.close), str(held.volume)) == (fmt_units(current.close, p),
                                                       fmt_units(current.volume, q))


async def test_a_dropped_connection_marks_stale_and_never_repeats_a_trade(
    sim: Simulator, start_feed
) -> None:
    trade_history(sim)
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))
    await runner.log.wait(lambda: caught_up(runner, sim), 15, "caught up")
    for _ in range(2):
        mark = runner.log.mark()
        sim.faults.drop_connections("public")
        marks = await wait_stale_everywhere(runner.log, mark)
        assert set(marks.values()) == {"disconnected"}
        await runner.log.wait(lambda m=mark: live_again(runner.log, m), 15, "live again")
        await runner.log.wait(lambda: caught_up(runner, sim), 15, "caught up")
    one_sequence_each(runner.log)  # the snapshots re-sent up to 50: none printed twice
    snapshots = [e for e in runner.log.of(TradesPrinted) if e.snapshot]
    assert len(snapshots) == 3 * len(SYMBOLS)  # first connection + two reconnects


async def test_a_silent_connection_marks_them_stale_at_the_heartbeat_deadline(
    sim: Simulator, start_feed
) -> None:
    runner = start_feed(config_for(sim, api_key=None, api_secret=None, heartbeat_timeout=1.0))
    await runner.log.wait(lambda: caught_up(runner, sim), 15, "caught up")
    mark = runner.log.mark()
    sim.faults.stall(30.0, endpoint="public")
    marks = await wait_stale_everywhere(runner.log, mark)
    assert set(marks.values()) == {"heartbeat_timeout"}
    await runner.log.wait(lambda: live_again(runner.log, mark), 15, "live again")
    await runner.log.wait(lambda: caught_up(runner, sim), 15, "caught up")
    one_sequence_each(runner.log)


async def test_maintenance_marks_them_stale_until_it_ends(sim: Simulator, start_feed) -> None:
    runner = start_feed(config_for(sim, api_key=None, api_secret=None))
    await runner.log.wait(lambda: caught_up(runner, sim), 15, "caught up")
    mark = runner.log.mark()
    sim.faults.start_maintenance()
    marks = await wait_stale_everywhere(runner.log, mark)
    assert set(marks.values()) == {"maintenance"}
    assert not live_again(runner.log, mark)
    sim.faults.end_maintenance()
    await runner.log.wait(lambda: live_again(runner.log, mark), 30, "live after maintenance")
    await runner.log.wait(lambda: caught_up(runner, sim), 15, "caught up")
    one_sequence_each(runner.log)


def fills_of(log: EventLog) -> list[FillReported]:
    return log.of(FillReported)


async def test_each_fill_is_reported_once_across_reconnects(sim: Simulator, start_feed) -> None:
    """Fills from before the run come with the first snapshot (history); one made while the
    private connection is down comes with the next snapshot; none twice, none counted twice
    against its order."""
    order = sim.place_order("BTC/USD", "buy", "1", "30000.0")
    sim.fill_order(order, "0.1")
    sim.fill_order(order, "0.2")
    runner = start_feed(config_for(sim, symbols=("BTC/USD",)))
    log = runner.log

    def cum_qty() -> Decimal | None:
        held = runner.feed.account.orders.get(order)
        return held.cum_qty if held is not None and runner.feed.account.orders_valid else None

    await log.wait(lambda: len(fills_of(log)) == 2 and cum_qty() == Decimal("0.3"), 15,
                   "the snapshot's fills, not counted twice")
    assert [(f.history, str(f.qty)) for f in fills_of(log)] == [(True, "0.10000000"),
                                                                (True, "0.20000000")]
    for qty in ("0.05", "0.15"):
        mark = log.mark()
        sim.faults.drop_connections("private")
        sim.fill_order(order, qty)  # the socket is gone: only the next snapshot can tell
        await log.next(OrdersUpdated, lambda e: not e.valid, after=mark)
        lost = await log.next(FillReported, after=mark, timeout=15)  # the fill made while down
        assert not lost.history and str(lost.qty) == f"{qty}000000"
        await log.next(OrdersUpdated, lambda e: e.valid, after=mark, timeout=15)
    sim.fill_order(order, "0.1")  # and a live one
    await log.wait(lambda: len(fills_of(log)) == 5 and cum_qty() == Decimal("0.6"), 15,
                   "every fill once")
    reported = [f.exec_id for f in fills_of(log)]
    truth = [f["exec_id"] for f in sim.demo.fills]
    assert reported == truth  # each once, in the exchange's order
    assert [f.history for f in fills_of(log)] == [True, True, False, False, False]
