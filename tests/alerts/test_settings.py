"""``[[alerts]]`` tables and ``[alert_outputs]`` from a parsed config file."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from kraken_tui.alerts.fired import AlertFired
from kraken_tui.alerts.rules import parse_rule
from kraken_tui.alerts.settings import parse_alert_settings, parse_cli_rules
from kraken_tui.config import ConfigError


def test_full_table_parses() -> None:
    data = tomllib.loads(
        """
        [[alerts]]
        rule = "BTC/USD last > 70000"
        hysteresis_pct = 0.25

        [[alerts]]
        rule = "fill"

        [alert_outputs]
        toast = "silent"
        bell = { default = "off", deadman = "on" }
        desktop_escape = "osc777"
        on_alert = ["notify-send", "kraken-tui"]
        on_alert_timeout = 2.5
        """
    )
    settings = parse_alert_settings(data)
    assert [r.text for r in settings.rules] == ["BTC/USD last > 70000", "fill"]
    assert settings.rules[0].hysteresis_pct == Decimal("0.25")
    out = settings.outputs
    assert out.mode("toast", "price") == "silent"
    assert out.mode("bell", "deadman") == "on"
    assert out.mode("bell", "fill") == "off"
    assert out.mode("desktop", "fill") == "on"  # default
    assert out.desktop_escape == "osc777"
    assert out.on_alert == ("notify-send", "kraken-tui")
    assert out.on_alert_timeout == 2.5


def test_nothing_configured_means_no_rules_and_every_output_on() -> None:
    settings = parse_alert_settings({})
    assert settings.rules == ()
    assert settings.outputs.mode("command", "stale") == "on"
    assert settings.outputs.on_alert is None


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"alerts": [{"rule": "BTC/USD last >> 1"}]}, "alert rule 'BTC/USD last >> 1'"),
        ({"alerts": [{"rul": "fill"}]}, "alerts[0].rul: unknown setting"),
        ({"alerts": [{"hysteresis_pct": 1}]}, "alerts[0]: missing rule"),
        ({"alerts": {"rule": "fill"}}, "alerts: use [[alerts]] tables"),
        ({"alerts": [{"rule": "fill", "hysteresis_pct": -1}]}, "hysteresis_pct -1 must be"),
        ({"alert_outputs": {"bell": "loud"}}, "alert_outputs.bell: 'loud' is not one of"),
        ({"alert_outputs": {"bell": {"price": "maybe"}}}, "alert_outputs.bell.price: 'maybe'"),
        ({"alert_outputs": {"bell": {"prices": "on"}}}, "alert_outputs.bell.prices: not a rule"),
        ({"alert_outputs": {"beep": "on"}}, "alert_outputs.beep: unknown setting"),
        ({"alert_outputs": {"on_alert": "notify-send hi"}}, "alert_outputs.on_alert: must be"),
        ({"alert_outputs": {"on_alert_timeout": 0}}, "on_alert_timeout: 0 must be seconds"),
        ({"alert_outputs": {"desktop_escape": "osc99"}}, "desktop_escape: 'osc99'"),
    ],
)
def test_bad_settings_are_one_line_naming_the_key(data: dict, says: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_alert_settings(data)
    assert says in str(info.value)
    assert "\n" not in str(info.value)


def test_cli_rules_parse_in_order_and_stop_at_the_first_bad_one() -> None:
    assert [r.kind for r in parse_cli_rules(["fill", "stale > 5"])] == ["fill", "stale"]
    with pytest.raises(ConfigError, match="alert rule 'BTC/USD last'"):
        parse_cli_rules(["fill", "BTC/USD last", "status"])


def test_terminal_text_and_command_follow_the_modes() -> None:
    outputs = parse_alert_settings(
        {"alert_outputs": {"bell": {"default": "off", "fill": "on"}, "desktop": {"stale": "off"},
                           "command": {"fill": "silent"}, "on_alert": ["true"]}}
    ).outputs
    fill = AlertFired(parse_rule("fill"), "BTC/USD", "1", 0.0, "fill: buy 1 BTC/USD @ 1")
    stale = AlertFired(parse_rule("stale > 1"), None, "2.0", 0.0, "public endpoint not live")
    assert outputs.terminal_text(fill) == "\a\x1b]9;kraken-tui alert: fill: buy 1 BTC/USD @ 1\a"
    assert outputs.terminal_text(stale) == ""
    assert not outputs.runs_command("fill")
    assert outputs.runs_command("stale")
    assert not parse_alert_settings({}).outputs.runs_command("stale")  # no on_alert set
