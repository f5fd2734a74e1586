"""The alert rule grammar: one line of text -> a typed, immutable rule.

One small grammar serves the config file, ``--alert RULE`` and the monitor's
add-rule dialog, so a rule reads the same everywhere::

    SYMBOL FIELD OP VALUE        BTC/USD last > 70000 ; ETH/USD spread_bps >= 5
    SYMBOL move_pct PCT in SECONDS   BTC/USD move_pct 2 in 300
    stale > SECONDS              any watched book or endpoint not live that long
    fill | status | deadman      any fill of mine; exchange/pair status change;
                                 dead man's switch failing or firing within 10 s

A bad rule raises ``AlertRuleError`` whose message is one line naming the rule
and what is wrong. Numbers are ``Decimal`` from their text, never floats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kraken_tui.config import ConfigError, check_symbols

Kind = Literal["price", "move", "stale", "fill", "status", "deadman"]
KINDS: tuple[Kind, ...] = ("price", "move", "stale", "fill", "status", "deadman")
Field = Literal["last", "bid", "ask", "mid", "spread_bps", "change_pct"]
FIELDS: tuple[Field, ...] = ("last", "bid", "ask", "mid", "spread_bps", "change_pct")
BOOK_FIELDS: frozenset[str] = frozenset({"bid", "ask", "mid", "spread_bps"})
TICKER_FIELDS: frozenset[str] = frozenset({"last", "change_pct"})
Op = Literal[">", ">=", "<", "<="]
OPS: tuple[Op, ...] = (">", ">=", "<", "<=")

DEFAULT_HYSTERESIS_PCT = Decimal("0.1")
MAX_WINDOW_S = Decimal(86400)

_TOKEN = re.compile(r">=|<=|==|=>|=<|!=|[<>=]|[^\s<>=!]+|!")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


class AlertRuleError(ConfigError, ValueError):
    """A rule cannot be used; the message is one line naming the rule and the problem.

    A ``ConfigError``, so the entry points' existing handler prints it and exits 2.
    """


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed rule; ``text`` is what the user wrote (the events' ``"rule"`` field)."""

    text: str
    kind: Kind
    symbol: str | None = None
    field: Field | None = None  # price rules
    op: Op | None = None  # price and stale rules
    value: Decimal | None = None  # price threshold, move percent, or stale seconds
    window: Decimal | None = None  # move rules: seconds
    hysteresis_pct: Decimal = DEFAULT_HYSTERESIS_PCT


def _fail(text: str, problem: str) -> AlertRuleError:
    return AlertRuleError(f"alert rule {text!r}: {problem}")


def _number(text: str, token: str, what: str) -> Decimal:
    if not _NUMBER.fullmatch(token):
        raise _fail(text, f"{what} {token!r} is not a number like 70000 or 0.5")
    return Decimal(token)


def _symbol(text: str, token: str) -> str:
    try:
        return check_symbols("symbol", token)[0]
    except ConfigError:
        raise _fail(text, f"{token!r} is not a pair like BTC/USD") from None


def _seconds(text: str, token: str, what: str) -> Decimal:
    seconds = _number(text, token, what)
    if not 0 < seconds <= MAX_WINDOW_S:
        raise _fail(text, f"{what} {token} must be more than 0 and at most {MAX_WINDOW_S} seconds")
    return seconds


def check_hysteresis(text: str, value: object) -> Decimal:
    """A hysteresis percentage from the config (a TOML number or numeric string)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _fail(text, f"hysteresis_pct {value!r} must be a number of percent, e.g. 0.1")
    out = _number(text, str(value), "hysteresis_pct")
    if not 0 <= out < 100:
        raise _fail(text, f"hysteresis_pct {value} must be from 0 up to (not including) 100")
    return out


def parse_rule(text: str, hysteresis_pct: Decimal | None = None) -> Rule:
    """Parse one rule; raises ``AlertRuleError`` (one line) when it is unusable."""
    if not isinstance(text, str):
        raise AlertRuleError(f"alert rule {text!r}: must be text like 'BTC/USD last > 70000'")
    original = text.strip()
    if not original:
        raise AlertRuleError("alert rule '': empty; e.g. 'BTC/USD last > 70000'")
    tokens = _TOKEN.findall(original)
    hyst = DEFAULT_HYSTERESIS_PCT if hysteresis_pct is None else hysteresis_pct
    head = tokens[0].lower()
    if head in ("fill", "status", "deadman"):
        if len(tokens) != 1:
            raise _fail(original, f"{head!r} takes nothing after it")
        return Rule(original, head, hysteresis_pct=hyst)  # type: ignore[arg-type]
    if head == "stale":
        if len(tokens) != 3 or tokens[1] != ">":
            raise _fail(original, "expected 'stale > SECONDS', e.g. 'stale > 30'")
        seconds = _seconds(original, tokens[2], "SECONDS")
        return Rule(original, "stale", op=">", value=seconds, hysteresis_pct=hyst)
    if len(tokens) < 2:
        raise _fail(
            original,
            "expected 'SYMBOL FIELD OP VALUE', 'SYMBOL move_pct PCT in SECONDS', "
            "'stale > SECONDS', 'fill', 'status' or 'deadman'",
        )
    symbol = _symbol(original, tokens[0])
    field = tokens[1].lower()
    if field == "move_pct":
        if len(tokens) != 5 or tokens[3].lower() != "in":
            raise _fail(original, "expected 'SYMBOL move_pct PCT in SECONDS'")
        pct = _number(original, tokens[2], "PCT")
        if pct <= 0:
            raise _fail(original, f"PCT {tokens[2]} must be more than 0")
        window = _seconds(original, tokens[4], "SECONDS")
        return Rule(original, "move", symbol, value=pct, window=window, hysteresis_pct=hyst)
    if field not in FIELDS:
        known = ", ".join((*FIELDS, "move_pct"))
        raise _fail(original, f"unknown field {tokens[1]!r} (one of {known})")
    if len(tokens) != 4:
        raise _fail(original, f"expected 'SYMBOL {field} OP VALUE', e.g. '{symbol} {field} > 1'")
    op = tokens[2]
    if op not in OPS:
        raise _fail(original, f"operator {op!r} is not one of {', '.join(OPS)}")
    value = _number(original, tokens[3], "VALUE")
    if field in ("last", "bid", "ask", "mid") and value <= 0:
        raise _fail(original, f"a price VALUE must be more than 0, not {tokens[3]}")
    return Rule(original, "price", symbol, field, op, value, hysteresis_pct=hyst)  # type: ignore[arg-type]
