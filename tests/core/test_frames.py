"""decode_frame: every real frame shape decodes; anything else is a FrameError value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kraken_tui.kraken.book import BookDataError, OrderBook
from kraken_tui.kraken.frames import (
    BalancesFrame,
    BookFrame,
    ExecutionsFrame,
    FrameError,
    HeartbeatFrame,
    InstrumentFrame,
    MethodResponse,
    PongFrame,
    StatusFrame,
    TickerFrame,
    TradeFrame,
    decode_frame,
    ping_request,
    subscribe_request,
    unsubscribe_request,
)

BOOK_UPDATE = (
    '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":'
    '[{"price":62806.6,"qty":0.00000000},{"price":62808.0,"qty":0.79607759}],'
    '"checksum":265834348,"timestamp":"2026-08-16T23:37:05.376419Z"}]}'
)


def test_book_tokens_are_kept_as_exact_text() -> None:
    frame = decode_frame(BOOK_UPDATE.encode())
    assert isinstance(frame, BookFrame)
    assert not frame.is_snapshot
    (book,) = frame.books
    assert book.asks == [("62806.6", "0.00000000"), ("62808.0", "0.79607759")]
    assert (book.bids, book.checksum, book.timestamp) == (
        [],
        265834348,
        "2026-08-16T23:37:05.376419Z",
    )


def test_integer_tokens_become_text() -> None:
    frame = decode_frame(
        '{"channel":"book","type":"snapshot","data":[{"symbol":"A/B",'
        '"bids":[{"price":5,"qty":4}],"asks":[],"checksum":1}]}'
    )
    assert isinstance(frame, BookFrame)
    assert frame.books[0].bids == [("5", "4")]


EXPECTED_TYPES = {
    "heartbeat": HeartbeatFrame,
    "status_update": StatusFrame,
    "unsupported_field": MethodResponse,
    "ticker_snapshot": TickerFrame,
    "book_update": BookFrame,
    "trade_snapshot": TradeFrame,
    "trades_snapshot": ExecutionsFrame,
    "cancel": ExecutionsFrame,
    "balances_snapshot": BalancesFrame,
    "usd_update": BalancesFrame,
    "get_pong": PongFrame,
    "method_response": MethodResponse,
    "get_book_subscription_response": MethodResponse,
}


def test_every_kraken_async_rs_frame_decodes(kar_frames: dict[str, list[str]]) -> None:
    for name, texts in kar_frames.items():
        for text in texts:
            frame = decode_frame(text)
            assert not isinstance(frame, FrameError), (name, frame)
            if name in EXPECTED_TYPES:
                assert isinstance(frame, EXPECTED_TYPES[name]), name


def test_status_keeps_a_64_bit_connection_id(kar_frames: dict[str, list[str]]) -> None:
    frame = decode_frame(kar_frames["status_update"][0])
    assert frame == StatusFrame("online", "v2", "2.0.4", 12393906104898154338)


def test_method_responses(kar_frames: dict[str, list[str]]) -> None:
    error = decode_frame(kar_frames["unsupported_field"][0])
    assert isinstance(error, MethodResponse)
    assert (error.method, error.success, error.req_id, error.result) == ("ping", False, 0, None)
    assert error.error == "Unsupported field: 'params' for the given msg type: ping"
    ack = decode_frame(kar_frames["get_book_subscription_response"][0])
    assert isinstance(ack, MethodResponse)
    assert (ack.channel, ack.symbol, ack.req_id, ack.success) == ("book", "BTC/USD", 11, True)
    batch = [decode_frame(t) for t in kar_frames["method_response"]]
    assert any(isinstance(f, MethodResponse) and isinstance(f.result, list) for f in batch)
    pong = decode_frame(kar_frames["get_pong"][0])
    assert pong == PongFrame(1, "2024-05-20T11:08:49.272922Z", "2024-05-20T11:08:49.272940Z")


def test_sequence_is_read_from_private_channels(kar_frames: dict[str, list[str]]) -> None:
    frame = decode_frame(kar_frames["cancel"][0])
    assert isinstance(frame, ExecutionsFrame)
    assert frame.sequence == 143
    assert frame.reports[0]["cum_qty"] == "0.00000000"  # exact text, not 0.0


def test_instrument_frame_with_exponent_increments() -> None:
    text = (
        '{"channel":"instrument","type":"snapshot","data":{"assets":[{"id":"BTC",'
        '"status":"enabled","precision":10}],"pairs":[{"symbol":"BTC/USD","base":"BTC",'
        '"quote":"USD","status":"online","qty_precision":8,"qty_increment":1e-08,'
        '"price_precision":1,"cost_precision":5,"cost_min":0.5,"tick_size":0.1,'
        '"price_increment":0.1,"qty_min":5e-05}]}}'
    )
    frame = decode_frame(text)
    assert isinstance(frame, InstrumentFrame)
    (pair,) = frame.pairs
    assert (pair.price_precision, pair.qty_precision, str(pair.qty_min)) == (1, 8, "0.00005")
    assert frame.assets[0]["id"] == "BTC"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "{",
        '{"channel":"book"',
        "[]",
        "null",
        "42",
        '"book"',
        "true",
        '{"channel":"nope","data":[]}',
        '{"channel":7}',
        '{"foo":1}',
        '{"channel":"book","type":"update"}',
        '{"channel":"book","type":"sideways","data":[{"symbol":"A","bids":[],"asks":[]}]}',
        '{"channel":"book","type":"update","data":{}}',
        '{"channel":"book","type":"update","data":[]}',
        '{"channel":"book","type":"update","data":[{"bids":[],"asks":[]}]}',
        '{"channel":"book","type":"update","data":[{"symbol":"A","bids":{},"asks":[]}]}',
        '{"channel":"book","type":"update","data":[{"symbol":"A","bids":[[1,2]],"asks":[]}]}',
        '{"channel":"book","type":"update","data":[{"symbol":"A","bids":[{"price":1}]}]}',
        '{"channel":"book","type":"update","data":[{"symbol":"A","bids":[{"price":null,"qty":1}]}]}',
        '{"channel":"book","type":"update","data":[{"symbol":"A","bids":[{"price":true,"qty":1}]}]}',
        '{"channel":"book","type":"update","data":[{"symbol":"A","bids":[],"checksum":-1}]}',
        '{"channel":"book","type":"update","data":[{"symbol":"A","bids":[],"checksum":4294967296}]}',
        '{"channel":"book","type":"update","data":[{"symbol":"A","bids":[],"checksum":"1"}]}',
        '{"channel":"book","type":"update","data":[{"symbol":"A","bids":[{"price":NaN,"qty":1}]}]}',
        '{"channel":"book","type":"update","data":[{"symbol":"A","bids":[{"price":Infinity,"qty":1}]}]}',
        '{"channel":"status","type":"update","data":[{}]}',
        '{"channel":"executions","type":"update","data":[1],"sequence":2}',
        '{"channel":"balances","type":"update","data":[],"sequence":-3}',
        '{"channel":"instrument","type":"snapshot","data":{"pairs":[{"symbol":"A/B"}]}}',
        '{"method":"subscribe","success":"yes"}',
        '{"method":"pong","req_id":"1"}',
        b"\xff\xfe\x00",
        "[" * 100_000 + "]" * 100_000,
        '{"channel":"executions","type":"update","data":[],"sequence":' + "9" * 5000 + "}",
        '{"channel":"book","type":"update","data":[{"symbol":"A","bids":[{"price":'
        + "9" * 5000
        + ',"qty":1}]}]}',
    ],
)
def test_malformed_frames_are_frame_errors(text: str | bytes) -> None:
    result = decode_frame(text)
    assert isinstance(result, FrameError), result
    assert result.reason


@pytest.mark.parametrize(
    ("price", "qty"),
    [
        ("1e5", "1.0"),
        ("1.5E+2", "1.0"),
        ("100.0", "-1.0"),
        ("100.0", "1.000000001"),
        ("1" * 400, "1.0"),
        ("100.0", "2e-3"),
        ("-0.0", "1.0"),
    ],
)
def test_odd_number_tokens_fail_in_the_book_not_the_decoder(price: str, qty: str) -> None:
    text = (
        '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":'
        + price
        + ',"qty":'
        + qty
        + '}],"asks":[]}]}'
    )
    frame = decode_frame(text)
    assert isinstance(frame, BookFrame)
    with pytest.raises(BookDataError):
        OrderBook("BTC/USD", 10, 1, 8).apply(frame.books[0], frame.is_snapshot)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "price",
                    "qty",
                    "symbol",
                    "bids",
                    "asks",
                    "checksum",
                    "type",
                    "data",
                    "channel",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@st.composite
def book_like_frames(draw: st.DrawFn) -> str:
    """Frames close to a real book message, with random damage."""
    number = st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False).map(str),
        st.sampled_from(
            [
                "NaN",
                "Infinity",
                "-Infinity",
                "1e400",
                "-0",
                "1E5",
                "0.00000000",
                "9" * 5000,
                '"62807.1"',
                '"abc"',
                "null",
                "[]",
                "{}",
                "true",
            ]
        ),
        st.integers().map(str),
    )
    levels = draw(st.lists(st.tuples(number, number), max_size=4))
    body = ",".join(f'{{"price":{p},"qty":{q}}}' for p, q in levels)
    checksum = draw(st.one_of(st.integers(-5, 2**33).map(str), st.just("null"), number))
    kind = draw(st.sampled_from(['"update"', '"snapshot"', '"other"', "1"]))
    text = (
        f'{{"channel":"book","type":{kind},"data":[{{"symbol":"BTC/USD",'
        f'"bids":[{body}],"asks":[],"checksum":{checksum}}}]}}'
    )
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = text[:cut]
    return text


def consume(text: str | bytes) -> None:
    """What the feed does with a frame: decode, then apply a book frame."""
    frame = decode_frame(text)
    assert isinstance(
        frame,
        (
            FrameError,
            BookFrame,
            StatusFrame,
            HeartbeatFrame,
            PongFrame,
            MethodResponse,
            InstrumentFrame,
            ExecutionsFrame,
            BalancesFrame,
            TickerFrame,
            TradeFrame,
        ),
    )
    if isinstance(frame, FrameError):
        assert isinstance(frame.reason, str) and isinstance(frame.excerpt, str)
    if isinstance(frame, BookFrame):
        book = OrderBook("BTC/USD", 10, 1, 8)
        for data in frame.books:
            try:
                book.apply(data, frame.is_snapshot)
            except BookDataError:
                assert book.levels() == ([], [])


@settings(max_examples=400, deadline=None)
@given(book_like_frames())
def test_fuzzed_book_frames_never_crash(text: str) -> None:
    consume(text)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_fuzzed_json_never_crashes(value: Any) -> None:
    consume(json.dumps(value))
    consume(json.dumps({"channel": "book", "type": "update", "data": [value]}))
    for channel in ("executions", "balances", "instrument", "status", "ticker"):
        consume(json.dumps({"channel": channel, "type": "snapshot", "data": value}))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash(blob: bytes) -> None:
    consume(blob)


def test_request_builders() -> None:
    assert json.loads(
        subscribe_request("book", symbols=["BTC/USD"], depth=25, snapshot=True, req_id=7)
    ) == {
        "method": "subscribe",
        "req_id": 7,
        "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": 25, "snapshot": True},
    }
    assert json.loads(unsubscribe_request("executions", token="t", snap_orders=True)) == {
        "method": "unsubscribe",
        "params": {"channel": "executions", "snap_orders": True, "token": "t"},
    }
    assert json.loads(ping_request(3)) == {"method": "ping", "req_id": 3}
    assert "params" not in json.loads(ping_request())


@settings(max_examples=300, deadline=None)
@given(book_like_frames())
def test_book_fast_path_agrees_with_the_generic_decoder(text: str) -> None:
    """A leading space skips the typed book fast path; the results must not differ."""
    fast, generic = decode_frame(text), decode_frame(" " + text)
    if isinstance(generic, FrameError):
        assert isinstance(fast, FrameError)  # reasons may differ only in byte offsets
    else:
        assert fast == generic
    assert decode_frame(text.encode()) == fast or isinstance(fast, FrameError)


def test_book_fast_path_agrees_on_every_capture(
    pks_frames: list[str], mina_frames: list[str]
) -> None:
    for text in [*pks_frames, *mina_frames, BOOK_UPDATE]:
        assert decode_frame(text) == decode_frame(" " + text)
