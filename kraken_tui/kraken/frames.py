"""Decode Kraken WebSocket v2 frames into typed values (requests: ``requests.py``).

Every JSON float is kept as the wire's token text (``str``): the book checksum is
computed over the exact digits, and a float round trip loses them. Integers stay
``int`` (arbitrary precision, so 64-bit ``connection_id`` values survive).

``decode_frame`` never raises: a frame that is not JSON, or is JSON of a shape we
do not know, comes back as a :class:`FrameError` value the caller can log and skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec

from kraken_tui.kraken.market import (
    MarketFrameError,
    OhlcFrame,
    TickerFrame,
    TradeFrame,
    ohlc_frame,
    ticker_frame,
    trade_frame,
)
from kraken_tui.kraken.models import PairInfo
from kraken_tui.kraken.numbers import NotANumber, exact_decimal
from kraken_tui.kraken.requests import ping_request, subscribe_request, unsubscribe_request

__all__ = [
    "BalancesFrame",
    "BookData",
    "BookFrame",
    "ExecutionsFrame",
    "Frame",
    "FrameError",
    "HeartbeatFrame",
    "InstrumentFrame",
    "MethodResponse",
    "OhlcFrame",
    "PongFrame",
    "StatusFrame",
    "TickerFrame",
    "TradeFrame",
    "decode_frame",
    "ping_request",
    "subscribe_request",
    "unsubscribe_request",
]

# float_hook=str keeps every JSON float as its exact token text; msgspec is used
# because it decodes a book update about twice as fast as stdlib json with hooks.
_DECODER = msgspec.json.Decoder(float_hook=str)
_EXCERPT_CHARS = 160
_MAX_UINT32 = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class FrameError:
    """A frame we could not use: why, and the start of its text for the log."""

    reason: str
    excerpt: str


class BookData(msgspec.Struct, frozen=True, gc=False):
    """One symbol's levels from a book message; prices/qtys as exact token text.

    A frozen msgspec Struct rather than a frozen dataclass: same immutable,
    attribute-access value, but built ~5x faster, and one is built per book frame.
    """

    symbol: str
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]
    checksum: int | None
    timestamp: str | None


class BookFrame(msgspec.Struct, frozen=True, gc=False):
    """A book snapshot/update (frozen msgspec Struct for speed, see BookData)."""

    is_snapshot: bool
    books: list[BookData]


@dataclass(frozen=True, slots=True)
class StatusFrame:
    system: str
    api_version: str | None
    version: str | None
    connection_id: int | None


@dataclass(frozen=True, slots=True)
class HeartbeatFrame:
    pass


@dataclass(frozen=True, slots=True)
class PongFrame:
    req_id: int | None
    time_in: str | None
    time_out: str | None


@dataclass(frozen=True, slots=True)
class MethodResponse:
    """Reply to a request; ``result`` is a list for batch methods (batch_add)."""

    method: str
    success: bool
    req_id: int | None
    result: dict[str, Any] | list[Any] | None
    error: str | None
    symbol: str | None
    channel: str | None
    time_in: str | None = None
    time_out: str | None = None


@dataclass(frozen=True, slots=True)
class InstrumentFrame:
    is_snapshot: bool
    pairs: list[PairInfo]
    assets: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ExecutionsFrame:
    """Execution reports as decoded dicts (floats as token text, ints as int)."""

    is_snapshot: bool
    sequence: int | None
    reports: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class BalancesFrame:
    is_snapshot: bool
    sequence: int | None
    entries: list[dict[str, Any]]


Frame = (
    BookFrame
    | StatusFrame
    | HeartbeatFrame
    | PongFrame
    | MethodResponse
    | InstrumentFrame
    | ExecutionsFrame
    | BalancesFrame
    | TickerFrame
    | TradeFrame
    | OhlcFrame
)


class _Malformed(Exception):
    """Internal: raised while shaping a frame, turned into FrameError at the edge."""


def _excerpt(text: str | bytes) -> str:
    head = text[:_EXCERPT_CHARS]
    if isinstance(head, bytes | bytearray | memoryview):
        return bytes(head).decode("utf-8", errors="replace")
    return head


class _WireLevel(msgspec.Struct, gc=False):
    price: Any  # Any: a JSON float reaches here as token text through float_hook
    qty: Any


class _WireBook(msgspec.Struct, gc=False):
    symbol: str
    bids: list[_WireLevel] = []  # msgspec gives each instance its own empty list
    asks: list[_WireLevel] = []
    checksum: int | None = None
    timestamp: str | None = None


class WireBookMessage(msgspec.Struct, gc=False):
    """A book frame's schema, for msgspec (also embedded in recording lines)."""

    channel: str
    type: str
    data: list[_WireBook]


# Book frames are most of the traffic: Kraken's start with this exact prefix, and a
# schema-typed decode validates them in C. Anything that does not fit the schema
# falls back to the generic path, which gives the same result or a precise error.
_BOOK_PREFIX = '{"channel":"book",'
_BOOK_PREFIX_BYTES = _BOOK_PREFIX.encode()
_BOOK_DECODER = msgspec.json.Decoder(WireBookMessage, float_hook=str)


def _wire_levels(levels: list[_WireLevel]) -> list[tuple[str, str]] | None:
    out: list[tuple[str, str]] = []
    append = out.append
    for level in levels:
        price = level.price
        qty = level.qty
        if type(price) is not str or type(qty) is not str:
            return None  # an integer token or a non-number: let the generic path decide
        append((price, qty))
    return out


def _fast_book_frame(text: str | bytes) -> BookFrame | None:
    try:
        message = _BOOK_DECODER.decode(text)
    except (msgspec.DecodeError, ValueError, TypeError, RecursionError):
        return None
    return book_frame_from_wire(message)


def book_frame_from_wire(message: WireBookMessage) -> BookFrame | None:
    """A schema-decoded book message as a BookFrame; None where the generic path must judge."""
    kind = message.type
    if message.channel != "book" or kind not in ("update", "snapshot") or not message.data:
        return None
    books: list[BookData] = []
    for entry in message.data:
        checksum = entry.checksum
        if checksum is not None and not 0 <= checksum <= _MAX_UINT32:
            return None
        bids = _wire_levels(entry.bids) if entry.bids else []
        asks = _wire_levels(entry.asks) if entry.asks else []
        if bids is None or asks is None:
            return None
        books.append(BookData(entry.symbol, bids, asks, checksum, entry.timestamp))
    return BookFrame(kind == "snapshot", books)


def decode_frame(text: str | bytes) -> Frame | FrameError:
    """Decode one WebSocket message; never raises (bad input is a FrameError)."""
    if (
        text.startswith(_BOOK_PREFIX)
        if type(text) is str
        else type(text) is bytes and text.startswith(_BOOK_PREFIX_BYTES)
    ):
        frame = _fast_book_frame(text)
        if frame is not None:
            return frame
    try:
        obj = _DECODER.decode(text)
    except (msgspec.DecodeError, ValueError, TypeError, RecursionError) as exc:
        return FrameError(f"not valid JSON: {exc}", _excerpt(text))
    if type(obj) is not dict:
        return FrameError(f"top level is {type(obj).__name__}, not an object", _excerpt(text))
    try:
        channel = obj.get("channel")
        if channel == "book":
            return _book_frame(obj)
        if channel is not None and "method" not in obj:
            shaper = _CHANNELS.get(channel) if type(channel) is str else None
            if shaper is None:
                return FrameError(f"unknown channel {channel!r}", _excerpt(text))
            return shaper(obj)
        method = obj.get("method")
        if method == "pong":
            return PongFrame(
                _opt_int(obj.get("req_id")), _opt_str(obj.get("time_in")),
                _opt_str(obj.get("time_out")),
            )
        if type(method) is str:
            return _method_response(obj, method)
        return FrameError("neither a channel message nor a method response", _excerpt(text))
    except (_Malformed, MarketFrameError) as exc:
        return FrameError(str(exc), _excerpt(text))
    except Exception as exc:  # pragma: no cover - safety net: the contract is "never raises"
        return FrameError(f"unexpected {type(exc).__name__}: {exc}", _excerpt(text))


# --- shaping helpers ------------------------------------------------------------------------


def _opt_str(value: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    raise _Malformed(f"expected a string, got {type(value).__name__}")


def _opt_int(value: Any) -> int | None:
    if value is None or type(value) is int:
        return value
    raise _Malformed(f"expected an integer, got {type(value).__name__}")


def _kind(obj: dict[str, Any]) -> bool:
    kind = obj.get("type")
    if kind == "update":
        return False
    if kind == "snapshot":
        return True
    raise _Malformed(f"unknown message type {kind!r}")


def _dict_list(value: Any, what: str) -> list[dict[str, Any]]:
    if type(value) is not list or any(type(item) is not dict for item in value):
        raise _Malformed(f"{what} is not a list of objects")
    return value


def _sequence(obj: dict[str, Any]) -> int | None:
    seq = obj.get("sequence")
    if seq is None or (type(seq) is int and seq >= 0):
        return seq
    raise _Malformed(f"bad sequence {seq!r}")


def _levels(raw: Any, side: str) -> list[tuple[str, str]]:
    """``[{"price":..,"qty":..}, ...]`` -> ``[(price_text, qty_text), ...]``."""
    if type(raw) is not list:
        raise _Malformed(f"{side} is not a list")
    try:
        out = [(level["price"], level["qty"]) for level in raw]
    except (KeyError, TypeError, IndexError):
        raise _Malformed(f"{side} level is not an object with price and qty") from None
    for index, (price, qty) in enumerate(out):
        if type(price) is not str or type(qty) is not str:
            out[index] = (_int_token(price, side), _int_token(qty, side))
    return out


def _int_token(value: Any, side: str) -> str:
    # Integer tokens (e.g. "qty":4) are legal JSON; floats never get here (float_hook).
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    raise _Malformed(f"{side} level has a {type(value).__name__} where a number belongs")


def _book_frame(obj: dict[str, Any]) -> BookFrame:
    # The hot path (one call per book frame): checks are inlined on purpose.
    kind = obj.get("type")
    if kind == "update":
        is_snapshot = False
    elif kind == "snapshot":
        is_snapshot = True
    else:
        raise _Malformed(f"unknown message type {kind!r}")
    data = obj.get("data")
    if type(data) is not list or not data:
        raise _Malformed("book data is not a non-empty list")
    books: list[BookData] = []
    for entry in data:
        if type(entry) is not dict:
            raise _Malformed("book entry is not an object")
        symbol = entry.get("symbol")
        if type(symbol) is not str:
            raise _Malformed("book entry without a symbol")
        checksum = entry.get("checksum")
        if checksum is not None and (
            type(checksum) is not int or not 0 <= checksum <= _MAX_UINT32
        ):
            raise _Malformed(f"bad checksum {checksum!r}")
        timestamp = entry.get("timestamp")
        if timestamp is not None and type(timestamp) is not str:
            raise _Malformed("timestamp is not a string")
        bids = entry.get("bids")
        if bids:
            bids = _levels(bids, "bids")
        elif bids is None:
            bids = []
        elif type(bids) is not list:
            raise _Malformed("bids is not a list")
        asks = entry.get("asks")
        if asks:
            asks = _levels(asks, "asks")
        elif asks is None:
            asks = []
        elif type(asks) is not list:
            raise _Malformed("asks is not a list")
        books.append(BookData(symbol, bids, asks, checksum, timestamp))
    return BookFrame(is_snapshot, books)


def _status_frame(obj: dict[str, Any]) -> StatusFrame:
    entries = _dict_list(obj.get("data"), "status data")
    if not entries:
        raise _Malformed("status without data")
    entry = entries[0]
    system = entry.get("system")
    if type(system) is not str:
        raise _Malformed("status without system")
    return StatusFrame(
        system, _opt_str(entry.get("api_version")), _opt_str(entry.get("version")),
        _opt_int(entry.get("connection_id")),
    )


def _heartbeat_frame(obj: dict[str, Any]) -> HeartbeatFrame:
    return HeartbeatFrame()


def _decimal_field(value: Any, name: str) -> Decimal | None:
    try:
        return exact_decimal(value)
    except NotANumber as exc:
        raise _Malformed(f"{name}: {exc}") from None


def _precision(value: Any, name: str) -> int:
    if type(value) is int and 0 <= value <= 30:
        return value
    raise _Malformed(f"{name} is not a small non-negative integer: {value!r}")


def _pair_info(entry: dict[str, Any]) -> PairInfo:
    symbol = entry.get("symbol")
    if type(symbol) is not str:
        raise _Malformed("instrument pair without a symbol")
    return PairInfo(
        symbol=symbol,
        base=_opt_str(entry.get("base")) or symbol.partition("/")[0],
        quote=_opt_str(entry.get("quote")) or symbol.partition("/")[2],
        status=_opt_str(entry.get("status")) or "online",
        price_precision=_precision(entry.get("price_precision"), "price_precision"),
        qty_precision=_precision(entry.get("qty_precision"), "qty_precision"),
        price_increment=_decimal_field(entry.get("price_increment"), "price_increment"),
        qty_min=_decimal_field(entry.get("qty_min"), "qty_min"),
        qty_increment=_decimal_field(entry.get("qty_increment"), "qty_increment"),
        cost_min=_decimal_field(entry.get("cost_min"), "cost_min"),
    )


def _instrument_frame(obj: dict[str, Any]) -> InstrumentFrame:
    is_snapshot = _kind(obj)
    data = obj.get("data")
    if type(data) is not dict:
        raise _Malformed("instrument data is not an object")
    pairs = [_pair_info(p) for p in _dict_list(data.get("pairs", []), "pairs")]
    assets = _dict_list(data.get("assets", []), "assets")
    return InstrumentFrame(is_snapshot, pairs, assets)


def _executions_frame(obj: dict[str, Any]) -> ExecutionsFrame:
    is_snapshot = _kind(obj)
    return ExecutionsFrame(is_snapshot, _sequence(obj), _dict_list(obj.get("data"), "data"))


def _balances_frame(obj: dict[str, Any]) -> BalancesFrame:
    is_snapshot = _kind(obj)
    return BalancesFrame(is_snapshot, _sequence(obj), _dict_list(obj.get("data"), "data"))


def _method_response(obj: dict[str, Any], method: str) -> MethodResponse:
    success = obj.get("success")
    if type(success) is not bool:
        raise _Malformed("method response without a boolean success")
    result = obj.get("result")
    if result is not None and type(result) not in (dict, list):
        raise _Malformed("method result is neither an object nor a list")
    error = obj.get("error")
    if error is not None and type(error) is not str:
        error = str(error)
    symbol = obj.get("symbol")
    channel = obj.get("channel")  # Kraken puts it at the top level of private refusals
    if type(result) is dict:
        channel = result.get("channel", channel)
        if symbol is None:
            symbol = result.get("symbol")
    return MethodResponse(
        method=method,
        success=success,
        req_id=_opt_int(obj.get("req_id")),
        result=result,
        error=error,
        symbol=symbol if type(symbol) is str else None,
        channel=channel if type(channel) is str else None,
        time_in=_opt_str(obj.get("time_in")),
        time_out=_opt_str(obj.get("time_out")),
    )


_CHANNELS = {
    "status": _status_frame,
    "heartbeat": _heartbeat_frame,
    "instrument": _instrument_frame,
    "executions": _executions_frame,
    "balances": _balances_frame,
    "ticker": ticker_frame,  # the market data channels are shaped in market.py
    "trade": trade_frame,
    "ohlc": ohlc_frame,
}
