"""move_pct windows, stale, fill, status and deadman rules: each fires once per edge."""

from __future__ import annotations

from decimal import Decimal

from kraken_tui.alerts.engine import AlertEngine
from kraken_tui.alerts.rules import parse_rule
from tests.alerts.conftest import FakeClock, Fill, Tick

D = Decimal


def engine_for(*texts: str, clock: FakeClock) -> AlertEngine:
    return AlertEngine([parse_rule(t) for t in texts], clock=clock, wall_clock=clock)


def last(engine: AlertEngine, price: str, symbol: str = "BTC/USD", valid: bool = True):
    return engine.observe_ticker(Tick(symbol, D(price), valid=valid))


def test_move_fires_on_a_rise_within_the_window_once(clock: FakeClock) -> None:
    engine = engine_for("BTC/USD move_pct 2 in 60", clock=clock)
    assert last(engine, "100") == []
    clock.advance(10)
    assert last(engine, "101.99") == []
    clock.advance(10)
    fired = last(engine, "102")  # exactly +2 % from 100: fires (>=), compared exactly
    assert [(a.kind, a.value) for a in fired] == [("move", "2.0000")]
    assert "100 -> 102" in fired[0].message
    clock.advance(1)
    assert last(engine, "103") == []  # still moved: no second firing


def test_move_fires_on_a_fall_and_forgets_prices_older_than_the_window(clock: FakeClock) -> None:
    engine = engine_for("BTC/USD move_pct 1 in 30", clock=clock)
    last(engine, "200")
    clock.advance(31)  # 200 ages out
    last(engine, "199")
    clock.advance(1)
    assert last(engine, "197.5") == []  # -0.75 % from 199 within 30 s; 200 forgotten
    clock.advance(1)
    fired = last(engine, "197")  # -1.005 % from 199
    assert [a.value for a in fired] == ["-1.0051"]


def test_move_rearms_once_the_window_no_longer_holds_the_move(clock: FakeClock) -> None:
    engine = engine_for("BTC/USD move_pct 1 in 10", clock=clock)
    last(engine, "100")
    clock.advance(1)
    assert len(last(engine, "101")) == 1
    clock.advance(11)  # 100 leaves the window; 101 -> 101.5 is +0.5 %: re-armed
    assert last(engine, "101.5") == []
    clock.advance(1)
    assert len(last(engine, "102.6")) == 1  # +1.08 % from 101.5


def test_move_ignores_an_invalid_ticker(clock: FakeClock) -> None:
    engine = engine_for("BTC/USD move_pct 1 in 10", clock=clock)
    last(engine, "100")
    assert last(engine, "150", valid=False) == []
    assert last(engine, "100.5") == []


def test_stale_fires_once_per_book_or_endpoint_and_rearms_when_live(clock: FakeClock) -> None:
    engine = engine_for("stale > 5", clock=clock)
    engine.watch(books=["BTC/USD"], endpoints=["public"])
    engine.observe_endpoint("public", True)
    clock.advance(5)
    assert engine.tick() == []  # 5 s is not more than 5 s
    clock.advance(0.5)
    fired = engine.tick()
    assert [(a.symbol, a.value) for a in fired] == [("BTC/USD", "5.5")]
    assert fired[0].message == "BTC/USD book not live for 5.5 s"
    assert engine.tick() == []
    engine.observe_book("BTC/USD", True, D(1), D(2))
    engine.observe_endpoint("public", False)
    clock.advance(6)
    fired = engine.tick()
    assert [(a.symbol, a.message) for a in fired] == [(None, "public endpoint not live for 6.0 s")]
    engine.observe_book("BTC/USD", False, None, None)
    engine.observe_book("BTC/USD", False, None, None)  # still the same outage
    clock.advance(5.5)
    fired = engine.tick()
    assert [(a.symbol, a.value) for a in fired] == [("BTC/USD", "5.5")]


def test_fill_fires_per_new_fill_not_for_a_replay(clock: FakeClock) -> None:
    engine = engine_for("fill", clock=clock)
    fill = Fill("BTC/USD", "OABC", "TX1", "buy", D("70000.1"), D("0.5"))
    (alert,) = engine.observe_fill(fill)
    assert (alert.kind, alert.symbol, alert.value) == ("fill", "BTC/USD", "70000.1")
    assert alert.message == "fill: buy 0.5 BTC/USD @ 70000.1 (order OABC)"
    assert engine.observe_fill(fill) == []
    assert len(engine.observe_fill(Fill("BTC/USD", "OABC", "TX2", "buy", D(1), D(1)))) == 1


def test_status_fires_on_changes_only(clock: FakeClock) -> None:
    engine = engine_for("status", clock=clock)
    assert engine.observe_system_status("online") == []  # first sight: the baseline
    assert engine.observe_system_status("online") == []
    (alert,) = engine.observe_system_status("maintenance")
    assert (alert.symbol, alert.value) == (None, "maintenance")
    assert alert.message == "exchange status online -> maintenance"
    (alert,) = engine.observe_pair_status("ETH/USD", "limit_only")  # the feed sends changes
    assert (alert.symbol, alert.value) == ("ETH/USD", "limit_only")
    assert engine.observe_pair_status("ETH/USD", "limit_only") == []
    assert len(engine.observe_pair_status("ETH/USD", "online")) == 1


def test_deadman_fires_when_failing_and_before_it_cancels(clock: FakeClock) -> None:
    engine = engine_for("deadman", clock=clock)
    assert engine.observe_deadman(armed=True, trigger_at=clock.now + 60) == []
    (alert,) = engine.observe_deadman(armed=True, error="EService:Unavailable",
                                      trigger_at=clock.now + 60)
    assert (alert.kind, alert.value) == ("deadman", "EService:Unavailable")
    assert engine.observe_deadman(armed=True, error="EService:Unavailable") == []
    assert engine.observe_deadman(armed=True, trigger_at=clock.now + 60) == []  # recovered
    clock.advance(50)
    assert engine.tick() == []  # 10 s left: not within 10 s yet
    clock.advance(0.5)
    (alert,) = engine.tick()
    assert alert.value == "9.5"
    assert alert.message == "dead man's switch cancels all orders in 9.5 s"
    assert engine.tick() == []
    assert engine.observe_deadman(armed=False) == []  # disarmed: false again, re-armed


def test_disabled_kinds_never_fire(clock: FakeClock) -> None:
    engine = AlertEngine([parse_rule("fill")], clock=clock, wall_clock=clock,
                         disabled_kinds=["fill"])
    assert engine.rules == ()
    assert engine.observe_fill(Fill("BTC/USD", "O", "T", "sell", D(1), D(1))) == []
