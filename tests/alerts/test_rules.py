"""The rule grammar: every kind parses to exact values; every mistake is one clear line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kraken_tui.alerts.rules import AlertRuleError, parse_rule
from kraken_tui.config import ConfigError


@pytest.mark.parametrize(
    ("text", "kind", "symbol", "field", "op", "value", "window"),
    [
        ("BTC/USD last > 70000", "price", "BTC/USD", "last", ">", "70000", None),
        ("eth/usd spread_bps >= 5", "price", "ETH/USD", "spread_bps", ">=", "5", None),
        ("BTC/USD bid<69000.5", "price", "BTC/USD", "bid", "<", "69000.5", None),
        ("  ETH/USD ASK <= 3000.10  ", "price", "ETH/USD", "ask", "<=", "3000.10", None),
        ("BTC/USD mid > 1", "price", "BTC/USD", "mid", ">", "1", None),
        ("BTC/USD change_pct < -5", "price", "BTC/USD", "change_pct", "<", "-5", None),
        ("BTC/USD move_pct 2 in 300", "move", "BTC/USD", None, None, "2", "300"),
        ("BTC/USD move_pct 0.5 IN 1.5", "move", "BTC/USD", None, None, "0.5", "1.5"),
        ("stale > 30", "stale", None, None, ">", "30", None),
        ("fill", "fill", None, None, None, None, None),
        ("Status", "status", None, None, None, None, None),
        ("deadman", "deadman", None, None, None, None, None),
    ],
)
def test_each_kind_parses(
    text: str, kind: str, symbol: str | None, field: str | None, op: str | None,
    value: str | None, window: str | None,
) -> None:
    rule = parse_rule(text)
    assert (rule.kind, rule.symbol, rule.field, rule.op) == (kind, symbol, field, op)
    assert rule.value == (None if value is None else Decimal(value))
    assert rule.window == (None if window is None else Decimal(window))
    assert rule.text == text.strip()  # the events' "rule" field is what the user wrote


def test_values_are_exact_decimals_not_floats() -> None:
    rule = parse_rule("BTC/USD last > 0.1000000000000000055511151231257827")
    assert isinstance(rule.value, Decimal)
    assert str(rule.value) == "0.1000000000000000055511151231257827"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("BTC/USD last = 70000", "operator '='"),
        ("BTC/USD last == 70000", "operator '=='"),
        ("BTC/USD price > 70000", "unknown field 'price'"),
        ("BTCUSD last > 70000", "'BTCUSD' is not a pair"),
        ("BTC/USD last > 70,000", "VALUE '70,000' is not a number"),
        ("BTC/USD last > 7e4", "VALUE '7e4' is not a number"),
        ("BTC/USD last > nan", "VALUE 'nan' is not a number"),
        ("BTC/USD last > 0", "price VALUE must be more than 0"),
        ("BTC/USD last >", "expected 'SYMBOL last OP VALUE'"),
        ("BTC/USD move_pct 2 over 60", "expected 'SYMBOL move_pct PCT in SECONDS'"),
        ("BTC/USD move_pct -2 in 60", "PCT -2 must be more than 0"),
        ("BTC/USD move_pct 2 in 0", "SECONDS 0 must be more than 0"),
        ("BTC/USD move_pct 2 in 90000", "at most 86400"),
        ("stale < 30", "expected 'stale > SECONDS'"),
        ("stale > soon", "SECONDS 'soon' is not a number"),
        ("fill BTC/USD", "'fill' takes nothing after it"),
        ("BTC/USD", "expected 'SYMBOL FIELD OP VALUE'"),
        ("", "empty"),
    ],
)
def test_bad_rules_say_what_is_wrong_in_one_line(text: str, says: str) -> None:
    with pytest.raises(AlertRuleError) as info:
        parse_rule(text)
    message = str(info.value)
    assert says in message
    assert "\n" not in message
    assert message.startswith(f"alert rule {text.strip()!r}: ")
    assert isinstance(info.value, ConfigError)  # the entry points' handler exits 2 on it


def test_hysteresis_is_kept_per_rule() -> None:
    assert parse_rule("fill").hysteresis_pct == Decimal("0.1")
    assert parse_rule("BTC/USD last > 1", Decimal("0.5")).hysteresis_pct == Decimal("0.5")
