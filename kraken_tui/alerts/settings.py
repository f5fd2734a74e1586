"""Alert settings from the TOML config: ``[[alerts]]`` rules and the ``[alert_outputs]`` table.

::

    [[alerts]]
    rule = "BTC/USD last > 70000"
    hysteresis_pct = 0.2            # optional, default 0.1

    [alert_outputs]
    toast = "on"                    # toast + Alerts panel line; "silent": panel line only
    bell = { default = "on", stale = "off" }   # a mode, or one per rule kind
    desktop = "on"                  # OSC 9 / OSC 777 notification through the terminal
    desktop_escape = "osc9"         # or "osc777"
    command = "on"                  # run on_alert (if set)
    on_alert = ["notify-send", "kraken-tui"]   # argv, no shell; alert JSON on stdin
    on_alert_timeout = 5            # seconds, then the command is killed

Modes per output and rule kind: ``on`` acts; ``silent`` only records (the Alerts panel
line for ``toast``; the log for the others); ``off`` does nothing. Every firing is
logged and printed by ``kraken-tui events`` whatever the modes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kraken_tui.alerts.fired import AlertFired
from kraken_tui.alerts.outputs import BELL, DesktopEscape, alert_notification
from kraken_tui.alerts.rules import KINDS, Kind, Rule, check_hysteresis, parse_rule
from kraken_tui.config import ConfigError

Mode = Literal["on", "silent", "off"]
MODES: tuple[Mode, ...] = ("on", "silent", "off")
Output = Literal["toast", "bell", "desktop", "command"]
OUTPUTS: tuple[Output, ...] = ("toast", "bell", "desktop", "command")
ALERT_KEYS = frozenset({"alerts", "alert_outputs"})  # top-level keys this module owns
DEFAULT_HOOK_TIMEOUT = 5.0
_OUTPUT_KEYS = frozenset({*OUTPUTS, "desktop_escape", "on_alert", "on_alert_timeout"})


@dataclass(frozen=True, slots=True)
class AlertOutputs:
    """Which outputs act for which rule kind, and the ``on_alert`` hook."""

    modes: tuple[tuple[Output, Kind, Mode], ...] = ()  # overrides of the default "on"
    desktop_escape: DesktopEscape = "osc9"
    on_alert: tuple[str, ...] | None = None
    on_alert_timeout: float = DEFAULT_HOOK_TIMEOUT

    def mode(self, output: Output, kind: Kind) -> Mode:
        for out, k, mode in self.modes:
            if out == output and k == kind:
                return mode
        return "on"

    def terminal_text(self, alert: AlertFired) -> str:
        """What to write to the terminal for this alert: bell and/or notification escape."""
        text = BELL if self.mode("bell", alert.kind) == "on" else ""
        if self.mode("desktop", alert.kind) == "on":
            text += alert_notification(alert, self.desktop_escape)
        return text

    def runs_command(self, kind: Kind) -> bool:
        return self.on_alert is not None and self.mode("command", kind) == "on"


@dataclass(frozen=True, slots=True)
class AlertSettings:
    rules: tuple[Rule, ...] = ()
    outputs: AlertOutputs = field(default_factory=AlertOutputs)


def _mode(key: str, value: Any) -> Mode:
    if value not in MODES:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(MODES)}")
    return value  # type: ignore[no-any-return]


def _output_modes(output: Output, value: Any) -> list[tuple[Output, Kind, Mode]]:
    key = f"alert_outputs.{output}"
    if isinstance(value, str):
        mode = _mode(key, value)
        return [(output, kind, mode) for kind in KINDS]
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: must be a mode ('on', 'silent', 'off') or a table per kind")
    unknown = sorted(set(value) - {*KINDS, "default"})
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}: not a rule kind ({', '.join(KINDS)}) or default")
    default = _mode(f"{key}.default", value.get("default", "on"))
    return [(output, k, _mode(f"{key}.{k}", value.get(k, default))) for k in KINDS]


def parse_outputs(data: Any) -> AlertOutputs:
    if not isinstance(data, Mapping):
        raise ConfigError("alert_outputs: must be a table ([alert_outputs])")
    unknown = sorted(set(data) - _OUTPUT_KEYS)
    if unknown:
        known = ", ".join(sorted(_OUTPUT_KEYS))
        raise ConfigError(f"alert_outputs.{unknown[0]}: unknown setting (known: {known})")
    modes = [m for out in OUTPUTS if out in data for m in _output_modes(out, data[out])]
    escape = data.get("desktop_escape", "osc9")
    if escape not in ("osc9", "osc777"):
        raise ConfigError(f"alert_outputs.desktop_escape: {escape!r} is not 'osc9' or 'osc777'")
    hook = data.get("on_alert")
    if hook is not None and (
        not isinstance(hook, list) or not hook or not all(isinstance(a, str) and a for a in hook)
    ):
        raise ConfigError(
            "alert_outputs.on_alert: must be a list like [\"notify-send\", \"kraken-tui\"] "
            "(program and arguments; no shell)"
        )
    timeout = data.get("on_alert_timeout", DEFAULT_HOOK_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        raise ConfigError(
            f"alert_outputs.on_alert_timeout: {timeout!r} must be seconds, more than 0, at most 600"
        )
    return AlertOutputs(
        modes=tuple(m for m in modes if m[2] != "on"),
        desktop_escape=escape,
        on_alert=tuple(hook) if hook else None,
        on_alert_timeout=float(timeout),
    )


def parse_alert_table(index: int, table: Any) -> Rule:
    """One ``[[alerts]]`` table (``rule`` plus optional ``hysteresis_pct``)."""
    key = f"alerts[{index}]"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{key}: must be a table with rule = \"BTC/USD last > 70000\"")
    unknown = sorted(set(table) - {"rule", "hysteresis_pct"})
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}: unknown setting (known: hysteresis_pct, rule)")
    if "rule" not in table:
        raise ConfigError(f"{key}: missing rule = \"...\" (e.g. \"BTC/USD last > 70000\")")
    text = table["rule"]
    hysteresis = table.get("hysteresis_pct")
    hyst = None if hysteresis is None else check_hysteresis(str(text), hysteresis)
    return parse_rule(text, hyst)


def parse_alert_settings(data: Mapping[str, Any]) -> AlertSettings:
    """The ``alerts`` and ``alert_outputs`` keys of a parsed config file."""
    tables = data.get("alerts", [])
    if not isinstance(tables, list):
        raise ConfigError("alerts: use [[alerts]] tables, each with rule = \"...\"")
    rules = tuple(parse_alert_table(i, t) for i, t in enumerate(tables))
    outputs = parse_outputs(data["alert_outputs"]) if "alert_outputs" in data else AlertOutputs()
    return AlertSettings(rules, outputs)


def parse_cli_rules(texts: Iterable[str]) -> tuple[Rule, ...]:
    """``--alert RULE`` values (repeatable); the first bad one raises ``AlertRuleError``."""
    return tuple(parse_rule(text) for text in texts)
