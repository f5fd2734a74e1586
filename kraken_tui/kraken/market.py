"""Public market data frames (``ticker``, ``trade``, ``ohlc``) as typed, exact values.

Kept apart from ``frames.py`` (which only dispatches here) so the book hot path stays
small. Numbers arrive as the wire's own token text (``frames.py`` decodes with
``float_hook=str``) and become ``Decimal`` from those digits, never via float, so a
price's ``str()`` is what Kraken sent. Timestamps stay RFC 3339 text as sent: the
channels use 6 or 9 fractional digits and the ohlc top level trims trailing zeros.

Shaping raises :class:`MarketFrameError`; ``decode_frame`` turns it into a ``FrameError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from kraken_tui.kraken.numbers import NotANumber, exact_decimal

__all__ = [
    "Candle",
    "MarketFrameError",
    "OhlcFrame",
    "Ticker",
    "TickerFrame",
    "Trade",
    "TradeFrame",
    "ohlc_frame",
    "ticker_frame",
    "trade_frame",
]

FrameType = Literal["snapshot", "update"]


class MarketFrameError(ValueError):
    """A ticker/trade/ohlc frame whose shape or numbers we cannot trust."""


@dataclass(frozen=True, slots=True)
class Ticker:
    """Level-1 and 24 h figures for one pair; ``trades``/``timestamp`` absent before 2026."""

    symbol: str
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    last: Decimal
    volume: Decimal
    vwap: Decimal
    low: Decimal
    high: Decimal
    change: Decimal
    change_pct: Decimal
    trades: int | None = None
    timestamp: str | None = None


@dataclass(frozen=True, slots=True)
class Trade:
    """One public trade; ``side`` is the taker's, ``trade_id`` a per-book sequence."""

    symbol: str
    side: str  # "buy" | "sell"
    price: Decimal
    qty: Decimal
    ord_type: str  # "limit" | "market"
    trade_id: int
    timestamp: str


@dataclass(frozen=True, slots=True)
class Candle:
    """One interval's candle; ``timestamp`` is the interval END (deprecated field)."""

    symbol: str
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vwap: Decimal
    trades: int
    volume: Decimal
    interval_begin: str
    interval: int
    timestamp: str


@dataclass(frozen=True, slots=True)
class TickerFrame:
    type: FrameType
    data: tuple[Ticker, ...]

    @property
    def is_snapshot(self) -> bool:
        return self.type == "snapshot"


@dataclass(frozen=True, slots=True)
class TradeFrame:
    type: FrameType
    data: tuple[Trade, ...]

    @property
    def is_snapshot(self) -> bool:
        return self.type == "snapshot"


@dataclass(frozen=True, slots=True)
class OhlcFrame:
    """Candles, oldest first; an update carries only the in-progress candle."""

    type: FrameType
    data: tuple[Candle, ...]
    timestamp: str | None = None  # top level, RFC3339 with up to 9 digits

    @property
    def is_snapshot(self) -> bool:
        return self.type == "snapshot"


# --- shaping -------------------------------------------------------------------------------


def _frame_type(obj: dict[str, Any]) -> FrameType:
    kind = obj.get("type")
    if kind == "snapshot":
        return "snapshot"
    if kind == "update":
        return "update"
    raise MarketFrameError(f"unknown message type {kind!r}")


def _entries(obj: dict[str, Any], channel: str) -> list[dict[str, Any]]:
    data = obj.get("data")
    if type(data) is not list or any(type(item) is not dict for item in data):
        raise MarketFrameError(f"{channel} data is not a list of objects")
    return data


def _number(entry: dict[str, Any], name: str) -> Decimal:
    value = entry.get(name)
    if value is None:
        raise MarketFrameError(f"missing {name}")
    try:
        number = exact_decimal(value)
    except NotANumber as exc:
        raise MarketFrameError(f"{name}: {exc}") from None
    assert number is not None
    return number


def _text(entry: dict[str, Any], name: str) -> str:
    value = entry.get(name)
    if type(value) is not str or not value:
        raise MarketFrameError(f"{name} is not a non-empty string")
    return value


def _opt_text(entry: dict[str, Any], name: str) -> str | None:
    value = entry.get(name)
    if value is None or type(value) is str:
        return value
    raise MarketFrameError(f"{name} is not a string")


def _integer(entry: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = entry.get(name)
    if value is None and not required:
        return None
    if type(value) is not int or value < 0:  # type() excludes bool
        raise MarketFrameError(f"{name} is not a non-negative integer: {value!r}")
    return value


def _ticker(entry: dict[str, Any]) -> Ticker:
    return Ticker(
        symbol=_text(entry, "symbol"),
        bid=_number(entry, "bid"),
        bid_qty=_number(entry, "bid_qty"),
        ask=_number(entry, "ask"),
        ask_qty=_number(entry, "ask_qty"),
        last=_number(entry, "last"),
        volume=_number(entry, "volume"),
        vwap=_number(entry, "vwap"),
        low=_number(entry, "low"),
        high=_number(entry, "high"),
        change=_number(entry, "change"),
        change_pct=_number(entry, "change_pct"),
        trades=_integer(entry, "trades", required=False),
        timestamp=_opt_text(entry, "timestamp"),
    )


def _trade(entry: dict[str, Any]) -> Trade:
    side = _text(entry, "side")
    if side not in ("buy", "sell"):
        raise MarketFrameError(f"trade side {side!r}")
    trade_id = _integer(entry, "trade_id")
    assert trade_id is not None
    return Trade(
        symbol=_text(entry, "symbol"),
        side=side,
        price=_number(entry, "price"),
        qty=_number(entry, "qty"),
        ord_type=_text(entry, "ord_type"),
        trade_id=trade_id,
        timestamp=_text(entry, "timestamp"),
    )


def _candle(entry: dict[str, Any]) -> Candle:
    trades = _integer(entry, "trades")
    interval = _integer(entry, "interval")
    assert trades is not None and interval is not None
    if interval == 0:
        raise MarketFrameError("interval is 0")
    return Candle(
        symbol=_text(entry, "symbol"),
        open=_number(entry, "open"),
        high=_number(entry, "high"),
        low=_number(entry, "low"),
        close=_number(entry, "close"),
        vwap=_number(entry, "vwap"),
        trades=trades,
        volume=_number(entry, "volume"),
        interval_begin=_text(entry, "interval_begin"),
        interval=interval,
        timestamp=_text(entry, "timestamp"),
    )


def ticker_frame(obj: dict[str, Any]) -> TickerFrame:
    """``data`` holds one ticker per message on the wire; a list is accepted anyway."""
    kind = _frame_type(obj)
    entries = _entries(obj, "ticker")
    if not entries:
        raise MarketFrameError("ticker without data")
    return TickerFrame(kind, tuple(_ticker(e) for e in entries))


def trade_frame(obj: dict[str, Any]) -> TradeFrame:
    """Trades in wire order (ascending ``trade_id`` in every capture seen)."""
    kind = _frame_type(obj)
    return TradeFrame(kind, tuple(_trade(e) for e in _entries(obj, "trade")))


def ohlc_frame(obj: dict[str, Any]) -> OhlcFrame:
    """Candles plus the frame's own top-level ``timestamp`` (absent is tolerated)."""
    kind = _frame_type(obj)
    candles = tuple(_candle(e) for e in _entries(obj, "ohlc"))
    return OhlcFrame(kind, candles, _opt_text(obj, "timestamp"))
