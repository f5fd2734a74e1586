"""ticker / trade / ohlc frames: every recorded frame decodes exactly, bad ones are FrameErrors.

Exactness is checked against the raw text: the expected values come from stdlib ``json``
with ``parse_float=str, parse_int=str`` (each number's own token text), an independent
parse from the msgspec decoder under test, and each field's ``str()`` must equal it.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest

from kraken_tui.kraken import (
    Candle,
    FrameError,
    OhlcFrame,
    Ticker,
    TickerFrame,
    Trade,
    TradeFrame,
    decode_frame,
)
from tests.captures import capture_path

MARKET_FILE = "kraken-v2-ticker-trade-ohlc-cancel-frames.jsonl"
FRAME_TYPES: dict[str, tuple[type[Any], type[Any]]] = {
    "ticker": (TickerFrame, Ticker),
    "trade": (TradeFrame, Trade),
    "ohlc": (OhlcFrame, Candle),
}


def _raw_frames() -> list[str]:
    lines = capture_path(MARKET_FILE).read_text().splitlines()
    return [json.loads(line)["raw"] for line in lines if line.strip()]


def _kar_frames() -> list[str]:
    """The kraken-async-rs ticker/trade frames (the 2024 ticker has no timestamp/trades)."""
    out = []
    for line in capture_path("kraken-async-rs-v2-messages.jsonl").read_text().splitlines():
        start = line.index('"frame":') + len('"frame":')
        text = line[start:].strip()[:-1].strip()
        if json.loads(text).get("channel") in FRAME_TYPES:
            out.append(text)
    return out


def _tokens(text: str) -> dict[str, Any]:
    return json.loads(text, parse_float=str, parse_int=str)  # type: ignore[no-any-return]


def _assert_exact(text: str) -> None:
    raw = _tokens(text)
    frame = decode_frame(text)
    frame_cls, entry_cls = FRAME_TYPES[raw["channel"]]
    assert isinstance(frame, frame_cls), frame
    assert frame.type == raw["type"] and frame.is_snapshot == (raw["type"] == "snapshot")
    if isinstance(frame, OhlcFrame):
        assert frame.timestamp == raw.get("timestamp")
    assert len(frame.data) == len(raw["data"])
    names = {f.name for f in dataclasses.fields(entry_cls)}
    for value, entry in zip(frame.data, raw["data"], strict=True):
        assert isinstance(value, entry_cls)
        assert set(entry) <= names, f"fields dropped: {set(entry) - names}"
        for name in names:
            got = getattr(value, name)
            if name not in entry:
                assert got is None, name
                continue
            assert type(got) in (Decimal, int, str), (name, type(got))
            assert str(got) == entry[name], (name, got, entry[name])


def test_every_recorded_market_frame_decodes_exactly() -> None:
    texts = [t for t in _raw_frames() if _tokens(t).get("channel") in FRAME_TYPES]
    channels = [_tokens(t)["channel"] for t in texts]
    assert channels.count("ticker") >= 1 and channels.count("trade") >= 1
    assert channels.count("ohlc") >= 5
    for text in texts + _kar_frames():
        _assert_exact(text)


def test_trailing_zeros_and_types_survive() -> None:
    ticker_text = next(t for t in _raw_frames() if t.startswith('{"channel":"ticker"'))
    frame = decode_frame(ticker_text)
    assert isinstance(frame, TickerFrame)
    (ticker,) = frame.data
    assert str(ticker.ask_qty) == "0.00044780" and str(ticker.change) == "-429.3"
    assert ticker.trades == 135262 and ticker.timestamp == "2026-09-25T17:48:26.844359Z"
    snapshot = next(t for t in _raw_frames() if '"ohlc","type":"snapshot"' in t)
    candles = decode_frame(snapshot)
    assert isinstance(candles, OhlcFrame) and len(candles.data) == 9
    first = candles.data[0]
    assert (first.interval_begin, first.timestamp) == (
        "2026-09-10T17:32:00.000000000Z", "2026-09-10T17:33:00.000000Z")
    assert str(first.open) == "77400.0" and first.trades == 15 and first.interval == 1


def test_empty_trade_and_ohlc_lists_are_frames() -> None:
    trades = decode_frame('{"channel":"trade","type":"snapshot","data":[]}')
    assert isinstance(trades, TradeFrame) and trades.data == ()
    candles = decode_frame('{"channel":"ohlc","type":"snapshot","data":[]}')
    assert isinstance(candles, OhlcFrame) and candles.data == () and candles.timestamp is None


_TICKER = ('{"symbol":"A/B","bid":1.0,"bid_qty":2.0,"ask":1.1,"ask_qty":3.0,"last":1.1,'
           '"volume":9.0,"vwap":1.05,"low":1.0,"high":1.2,"change":0.1,"change_pct":10.00')
_TRADE = ('{"symbol":"A/B","side":"buy","price":1.0,"qty":2.0,"ord_type":"limit",'
          '"trade_id":7,"timestamp":"2026-01-01T00:00:00.000000Z"')
_CANDLE = ('{"symbol":"A/B","open":1.0,"high":1.2,"low":0.9,"close":1.1,"vwap":1.0,"trades":3,'
           '"volume":4.0,"interval_begin":"2026-01-01T00:00:00.000000000Z","interval":1,'
           '"timestamp":"2026-01-01T00:01:00.000000Z"')


def _ticker(extra: str = "") -> str:
    return '{"channel":"ticker","type":"update","data":[' + _TICKER + extra + "}]}"


def _trade(extra: str = "") -> str:
    return '{"channel":"trade","type":"update","data":[' + _TRADE + extra + "}]}"


def _ohlc(extra: str = "") -> str:
    return '{"channel":"ohlc","type":"update","data":[' + _CANDLE + extra + "}]}"


def test_builders_are_valid() -> None:
    assert isinstance(decode_frame(_ticker()), TickerFrame)
    assert isinstance(decode_frame(_trade()), TradeFrame)
    assert isinstance(decode_frame(_ohlc()), OhlcFrame)


@pytest.mark.parametrize("text", [
    '{"channel":"ticker","type":"update","data":[]}',
    '{"channel":"ticker","type":"update"}',
    '{"channel":"ticker","type":"delta","data":[' + _TICKER + "}]}",
    '{"channel":"ticker","type":"update","data":{"symbol":"A/B"}}',
    '{"channel":"ticker","type":"update","data":[1]}',
    _ticker().replace('"bid":1.0,', ""),
    _ticker().replace('"last":1.1', '"last":"abc"'),
    _ticker().replace('"last":1.1', '"last":null'),
    _ticker().replace('"last":1.1', '"last":true'),
    _ticker().replace('"last":1.1', '"last":[1]'),
    _ticker().replace('"symbol":"A/B"', '"symbol":5'),
    _ticker(',"trades":1.5'),
    _ticker(',"trades":-1'),
    _ticker(',"timestamp":5'),
    _trade().replace('"side":"buy"', '"side":"up"'),
    _trade().replace('"trade_id":7', '"trade_id":7.0'),
    _trade().replace('"trade_id":7', '"trade_id":"7"'),
    _trade().replace('"trade_id":7', '"trade_id":true'),
    _trade().replace(',"timestamp":"2026-01-01T00:00:00.000000Z"', ""),
    _trade().replace('"qty":2.0', '"qty":"NaN"'),
    _trade().replace('"price":1.0', '"price":"Infinity"'),
    _trade().replace('"ord_type":"limit"', '"ord_type":""'),
    _ohlc().replace('"interval":1', '"interval":0'),
    _ohlc().replace('"trades":3', '"trades":3.0'),
    _ohlc().replace('"open":1.0,', ""),
    _ohlc().replace('"interval_begin":"2026-01-01T00:00:00.000000000Z"', '"interval_begin":1'),
    '{"channel":"ohlc","type":"update","timestamp":7,"data":[' + _CANDLE + "}]}",
    '{"channel":"ohlc","type":"update","data":[' + _CANDLE + "}",
])
def test_malformed_market_frames_are_frame_errors(text: str) -> None:
    frame = decode_frame(text)
    assert isinstance(frame, FrameError), frame
    assert isinstance(frame.reason, str) and frame.reason


def test_integer_number_tokens_are_exact() -> None:
    frame = decode_frame(_ticker().replace('"volume":9.0', '"volume":9'))
    assert isinstance(frame, TickerFrame)
    assert frame.data[0].volume == Decimal(9) and str(frame.data[0].volume) == "9"


def test_the_simulators_market_data_decodes_exactly() -> None:
    """Both sides of the repo agree: the simulator's rows, rendered as it sends them, decode
    to the same digits (the sim's own fan-out is tested over sockets in tests/sim)."""
    from kraken_tui.sim.market import Market
    from kraken_tui.sim.market_data import MarketData
    from kraken_tui.sim.wire import dumps, rfc3339_us

    market = Market(4)
    data = MarketData(market)
    for symbol in ("BTC/USD", "DOGE/USD"):
        sm = market[symbol]
        for i in range(400):
            data.record(symbol, sm.step(1_790_000_000.0 + i * 7.5))
        texts = [
            dumps({"channel": "trade", "type": "snapshot", "data": [
                {**sm.trade_entry(t), "timestamp": rfc3339_us(t.timestamp)}
                for t in sm.recent_trades]}),
            dumps({"channel": "ticker", "type": "update", "data": [
                {**sm.ticker(), "timestamp": rfc3339_us(0)}]}),
            dumps(data.ohlc_snapshot(symbol, 1, 1_790_000_000.0 + 400 * 7.5)),
            dumps(data.ohlc_update(symbol, 5, 1_790_000_000.0 + 400 * 7.5)),
        ]
        for text in texts:
            _assert_exact(text)
        candles = decode_frame(texts[2])
        assert isinstance(candles, OhlcFrame) and len(candles.data) >= 2
