"""Price rules: one firing per crossing, never from invalid data, re-armed by hysteresis."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_tui.alerts.engine import AlertEngine
from kraken_tui.alerts.rules import parse_rule
from kraken_tui.feed.events import BookUpdated
from kraken_tui.kraken.models import BookView, ViewLevel
from tests.alerts.conftest import FakeClock, Tick, reference_firings

D = Decimal


def engine_for(*texts: str, clock: FakeClock) -> AlertEngine:
    return AlertEngine([parse_rule(t) for t in texts], clock=clock, wall_clock=clock)


def book(engine: AlertEngine, bid: str, ask: str, valid: bool = True, symbol: str = "BTC/USD"):
    return engine.observe_book(symbol, valid, D(bid), D(ask))


def test_fires_once_per_crossing_and_rearms_only_after_hysteresis(clock: FakeClock) -> None:
    engine = engine_for("BTC/USD bid > 70000", clock=clock)
    assert book(engine, "69990", "69991") == []  # baseline, below
    fired = book(engine, "70000.5", "70001")
    assert [(a.value, a.symbol) for a in fired] == [("70000.5", "BTC/USD")]
    assert book(engine, "70010", "70011") == []  # still true: a level, not an edge
    assert book(engine, "69950", "69951") == []  # back 0.07 %: inside the 0.1 % band
    assert book(engine, "70001", "70002") == []  # so no second firing
    assert book(engine, "69930", "69931") == []  # back 0.1 %: re-armed (70000 - 70)
    assert [a.value for a in book(engine, "70000.1", "70001")] == ["70000.1"]


def test_configured_hysteresis_widens_the_band(clock: FakeClock) -> None:
    engine = AlertEngine(
        [parse_rule("BTC/USD ask < 100", D("5"))], clock=clock, wall_clock=clock
    )
    book(engine, "100", "101")
    assert len(book(engine, "98", "99")) == 1
    assert book(engine, "103", "104.9") == []  # not yet 5 % above 100
    assert book(engine, "98", "99") == []
    book(engine, "104", "105")  # >= 105: re-armed
    assert len(book(engine, "98", "99")) == 1


def test_a_level_already_true_at_first_sight_does_not_fire(clock: FakeClock) -> None:
    engine = engine_for("BTC/USD bid > 70000", clock=clock)
    assert book(engine, "71000", "71001") == []
    book(engine, "69000", "69001")
    assert len(book(engine, "71000", "71001")) == 1


def test_never_fires_from_an_invalid_book_but_sees_the_crossing_once_valid(
    clock: FakeClock,
) -> None:
    engine = engine_for("BTC/USD bid > 70000", clock=clock)
    book(engine, "69000", "69001")
    assert book(engine, "71000", "71001", valid=False) == []
    event = BookUpdated("BTC/USD", False, None, None, "checksum_mismatch")
    assert engine.observe_book_event(event) == []
    fired = book(engine, "70500", "70501")
    assert [a.value for a in fired] == ["70500"]


def test_mid_and_spread_bps_are_exact(clock: FakeClock) -> None:
    engine = engine_for("BTC/USD mid >= 100.05", "BTC/USD spread_bps >= 100", clock=clock)
    book(engine, "99", "99.01")
    fired = book(engine, "99.6", "100.5")  # mid 100.05 exactly; spread 0.9/100.05 = 89.95 bps
    assert [(a.rule.field, a.value) for a in fired] == [("mid", "100.05")]
    fired = book(engine, "99.5", "100.6")  # spread 1.1 / 100.05 * 1e4 = 109.945... bps
    assert [(a.rule.field, a.value) for a in fired] == [("spread_bps", "109.9451")]


def test_ticker_last_and_change_pct_and_invalid_ticker(clock: FakeClock) -> None:
    engine = engine_for("ETH/USD last <= 3000", "ETH/USD change_pct < -5", clock=clock)
    engine.observe_ticker(Tick("ETH/USD", D("3100"), D("-1")))
    assert engine.observe_ticker(Tick("ETH/USD", D("2900"), D("-7"), valid=False)) == []
    fired = engine.observe_ticker(Tick("ETH/USD", D("3000"), D("-5.01")))
    assert sorted((a.rule.field, a.value) for a in fired) == [
        ("change_pct", "-5.01"),
        ("last", "3000"),
    ]
    assert engine.observe_ticker(Tick("BTC/USD", D("1"), D("-50"))) == []  # other symbol


def test_rule_added_later_takes_the_current_value_as_its_baseline(clock: FakeClock) -> None:
    engine = engine_for("BTC/USD bid > 1", clock=clock)
    book(engine, "71000", "71001")
    engine.add_rule(parse_rule("BTC/USD bid > 70000"))
    assert book(engine, "71500", "71501") == []
    assert engine.remove_rule("BTC/USD bid > 70000")
    assert not engine.remove_rule("BTC/USD bid > 70000")
    book(engine, "60000", "60001")
    assert book(engine, "71000", "71001") == []  # removed: nothing fires


def test_a_rule_added_between_updates_sees_the_next_crossing(clock: FakeClock) -> None:
    engine = engine_for("ETH/USD ask > 1", clock=clock)  # no rule on BTC/USD yet
    book(engine, "100", "100.2")
    engine.observe_ticker(Tick("BTC/USD", D("100.1"), D("1")))
    engine.add_rule(parse_rule("BTC/USD bid > 100.5"))
    engine.add_rule(parse_rule("BTC/USD spread_bps < 10"))
    engine.add_rule(parse_rule("BTC/USD last > 100.5"))
    engine.add_rule(parse_rule("BTC/USD change_pct >= 2"))
    fired = book(engine, "101", "101.05")  # bid crossed; spread 4.9 bps crossed
    assert sorted(a.rule.field for a in fired) == ["bid", "spread_bps"]
    fired = engine.observe_ticker(Tick("BTC/USD", D("101"), D("2")))
    assert sorted(a.rule.field for a in fired) == ["change_pct", "last"]


def test_to_json_is_the_events_contract(clock: FakeClock) -> None:
    clock.now = 1_790_000_000.25
    engine = engine_for("BTC/USD  last > 70000", clock=clock)
    engine.observe_ticker(Tick("BTC/USD", D("69999.9")))
    (alert,) = engine.observe_ticker(Tick("BTC/USD", D("70000.10")))
    line = json.dumps(alert.to_json())
    assert json.loads(line) == {
        "event": "alert",
        "rule": "BTC/USD  last > 70000",
        "kind": "price",
        "symbol": "BTC/USD",
        "value": "70000.10",
        "time": "2026-09-21T14:13:20.250Z",
        "message": "BTC/USD last 70000.10 > 70000",
    }
    assert list(alert.to_json()) == ["event", "rule", "kind", "symbol", "value", "time", "message"]


def test_book_event_from_the_feed_is_read_through_its_view(clock: FakeClock) -> None:
    engine = engine_for("BTC/USD ask < 100", clock=clock)

    def view(bid: str, ask: str) -> BookView:
        lv = lambda p: (ViewLevel(D(p), D(1), D(1)),)  # noqa: E731
        return BookView("BTC/USD", 10, 1, 8, lv(bid), lv(ask), 0)

    engine.observe_book_event(BookUpdated("BTC/USD", True, view("100", "101"), 0))
    fired = engine.observe_book_event(BookUpdated("BTC/USD", True, view("98", "99.5"), 0))
    assert [a.value for a in fired] == ["99.5"]


@settings(max_examples=150, deadline=None)
@given(
    rules=st.lists(
        st.tuples(
            st.sampled_from([">", ">=", "<", "<="]),
            st.integers(90, 110).map(D),
            st.sampled_from([D(0), D("0.1"), D(2)]),
        ),
        min_size=1,
        max_size=12,
    ),
    values=st.lists(  # often exactly on a threshold: the edges of each comparison
        st.integers(88, 112).map(D) | st.integers(880, 1120).map(lambda n: D(n) / 10),
        min_size=1,
        max_size=40,
    ),
)
def test_indexed_evaluation_matches_checking_every_rule(rules, values) -> None:
    clock = FakeClock()
    engine = AlertEngine(
        [parse_rule(f"BTC/USD last {op} {t}", h) for op, t, h in rules],
        clock=clock,
        wall_clock=clock,
    )
    texts = [r.text for r in engine.rules]
    got = []
    for step, value in enumerate(values):
        for alert in engine.observe_ticker(Tick("BTC/USD", value)):
            # several rules can share a text: take each index once, in order
            index = next(
                i for i, t in enumerate(texts)
                if t == alert.rule.text and (step, i) not in got
                and engine.rules[i] is alert.rule
            )
            got.append((step, index))
    assert sorted(got) == reference_firings(rules, values)
