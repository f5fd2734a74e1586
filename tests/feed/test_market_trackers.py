"""The trade and ohlc trackers, socket-free: subscribe, dedupe, history, trust marks.

Frames are real Kraken captures (``../shared/fixtures``) where there are some, decoded by
``decode_frame``; the JSON lines are checked against the frames' own number tokens.
"""

from __future__ import annotations

import json
from typing import Any

from kraken_tui.feed.candles import CANDLES_KEPT, CandleTracker
from kraken_tui.feed.events import CandlesUpdated, FeedError, FeedEvent, TradesPrinted
from kraken_tui.feed.trades import TRADES_KEPT, TradeTracker
from kraken_tui.kraken.frames import MethodResponse, decode_frame
from kraken_tui.kraken.market import OhlcFrame, TradeFrame
from tests.captures import capture_path

MARKET_FILE = "kraken-v2-ticker-trade-ohlc-cancel-frames.jsonl"


def recorded(channel: str, kind: str | None = None) -> list[str]:
    """The fixture's raw frames of ``channel`` (and ``type``), in file order."""
    out = []
    for line in capture_path(MARKET_FILE).read_text().splitlines():
        raw = json.loads(line)["raw"]
        obj = json.loads(raw)
        if obj.get("channel") == channel and kind in (None, obj.get("type")):
            out.append(raw)
    return out


def tokens(raw: str) -> dict[str, Any]:
    return json.loads(raw, parse_float=str)  # type: ignore[no-any-return]


class Wire:
    """What a tracker sends and emits."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.events: list[FeedEvent] = []
        self.ids = iter(range(100, 1000))

    def send(self, text: str) -> None:
        self.sent.append(json.loads(text))

    def kw(self) -> dict[str, Any]:
        return {"send": self.send, "emit": self.events.append,
                "next_req_id": lambda: next(self.ids)}


def trade_frame(kind: str, symbol: str, ids: range, price: str = "100.0") -> TradeFrame:
    rows = ",".join(f'{{"symbol":"{symbol}","side":"buy","price":{price},"qty":0.50000000,'
                    f'"ord_type":"limit","trade_id":{i},'
                    f'"timestamp":"2026-09-25T17:48:{i % 60:02d}.000000Z"}}' for i in ids)
    frame = decode_frame(f'{{"channel":"trade","type":"{kind}","data":[{rows}]}}')
    assert isinstance(frame, TradeFrame), frame
    return frame


def ohlc_frame(kind: str, symbol: str, minutes: range, close: str = "10.0",
               trades: int = 3) -> OhlcFrame:
    rows = ",".join(
        f'{{"symbol":"{symbol}","open":10.0,"high":11.0,"low":9.0,"close":{close},'
        f'"trades":{trades},"volume":1.00000000,"vwap":10.0,'
        f'"interval_begin":"2026-09-10T{m // 60:02d}:{m % 60:02d}:00.000000000Z",'
        f'"interval":1,"timestamp":"2026-09-10T{(m + 1) // 60:02d}:{(m + 1) % 60:02d}:00.000000Z"}}'
        for m in minutes)
    frame = decode_frame(f'{{"channel":"ohlc","type":"{kind}","data":[{rows}]}}')
    assert isinstance(frame, OhlcFrame), frame
    return frame


def printed(events: list[FeedEvent], symbol: str = "BTC/USD") -> list[int]:
    return [t.trade_id for e in events if isinstance(e, TradesPrinted) and e.symbol == symbol
            for t in e.trades]


# ---- trade ------------------------------------------------------------------------------


def test_trade_subscribe_asks_for_the_snapshot_and_owns_its_replies() -> None:
    wire = Wire()
    tracker = TradeTracker(("BTC/USD", "ETH/USD"), **wire.kw())
    tracker.start()
    assert wire.sent == [{"method": "subscribe", "params": {
        "channel": "trade", "symbol": ["BTC/USD", "ETH/USD"], "snapshot": True}, "req_id": 100}]
    ack = MethodResponse("subscribe", True, 100, {"channel": "trade", "symbol": "BTC/USD"},
                         None, "BTC/USD", "trade")
    refusal = MethodResponse("subscribe", False, 100, None,
                             "Currency pair not supported ETH/USD", "ETH/USD", None)
    other = MethodResponse("subscribe", True, 7, {"channel": "book"}, None, "BTC/USD", "book")
    assert tracker.owns(ack) and tracker.owns(refusal) and not tracker.owns(other)
    tracker.on_response(ack)
    tracker.on_response(refusal)
    (error,) = wire.events
    assert isinstance(error, FeedError)
    assert error.detail == "trade ETH/USD: Currency pair not supported ETH/USD"


def test_a_reconnects_snapshot_prints_only_trades_never_printed() -> None:
    wire = Wire()
    tracker = TradeTracker(("BTC/USD",), **wire.kw())
    tracker.on_frame(trade_frame("snapshot", "BTC/USD", range(1, 51)))
    tracker.on_frame(trade_frame("update", "BTC/USD", range(51, 53)))
    first, second = wire.events
    assert isinstance(first, TradesPrinted) and first.snapshot and first.valid
    assert isinstance(second, TradesPrinted) and not second.snapshot
    tracker.invalidate_all("disconnected")
    tracker.invalidate_all("disconnected")  # already stale: said once
    stale = wire.events[2:]
    assert [(e.valid, e.reason, e.trades) for e in stale] == [(False, "disconnected", ())]
    assert stale[0].to_json_lines() == [{"event": "trade", "symbol": "BTC/USD",
                                         "valid": False, "reason": "disconnected"}]
    tracker.on_frame(trade_frame("snapshot", "BTC/USD", range(8, 58)))  # 5 printed meanwhile
    assert printed(wire.events) == list(range(1, 58))  # each once, none missing
    back = wire.events[-1]
    assert isinstance(back, TradesPrinted) and back.valid and back.snapshot
    tracker.invalidate_all("heartbeat_timeout")
    tracker.on_frame(trade_frame("snapshot", "BTC/USD", range(8, 58)))  # nothing new
    live = wire.events[-1]
    assert isinstance(live, TradesPrinted) and live.valid and live.trades == ()
    assert live.to_json_lines() == []  # live again, but no line to print
    assert printed(wire.events) == list(range(1, 58))
    assert [t.trade_id for t in tracker.recent("BTC/USD")] == list(range(1, 58))[-TRADES_KEPT:]


def test_trade_lines_carry_the_frames_own_digits() -> None:
    (raw,) = recorded("trade")
    wire = Wire()
    tracker = TradeTracker(("BTC/USD",), **wire.kw())
    frame = decode_frame(raw)
    assert isinstance(frame, TradeFrame)
    tracker.on_frame(frame)
    (event,) = wire.events
    assert isinstance(event, TradesPrinted)
    (row,) = tokens(raw)["data"]
    assert event.to_json_lines() == [{
        "event": "trade", "symbol": "BTC/USD", "side": row["side"], "price": row["price"],
        "qty": row["qty"], "trade_id": row["trade_id"], "time": row["timestamp"]}]
    assert event.to_json_lines()[0]["qty"] == "0.00044780"


def test_maintenance_marks_the_tape_stale_and_keeps_it_so() -> None:
    wire = Wire()
    tracker = TradeTracker(("BTC/USD", "ETH/USD"), **wire.kw())
    tracker.on_frame(trade_frame("snapshot", "BTC/USD", range(1, 3)))
    tracker.set_maintenance(True)
    assert [(e.symbol, e.valid, e.reason) for e in wire.events[1:]] == [
        ("BTC/USD", False, "maintenance")]  # ETH/USD was never live: nothing to take back
    tracker.on_frame(trade_frame("update", "BTC/USD", range(3, 4)))  # a print is a fact
    assert [(e.valid, len(e.trades)) for e in wire.events[2:]] == [(True, 1), (False, 0)]
    tracker.set_maintenance(False)
    tracker.on_frame(trade_frame("update", "BTC/USD", range(4, 5)))
    assert tracker.valid["BTC/USD"] and wire.events[-1].valid


# ---- ohlc ---------------------------------------------------------------------------------


def test_ohlc_subscribe_is_one_minute_with_a_snapshot() -> None:
    wire = Wire()
    CandleTracker(("BTC/USD",), **wire.kw()).start()
    assert wire.sent[0]["params"] == {"channel": "ohlc", "symbol": ["BTC/USD"], "interval": 1,
                                      "snapshot": True}


def test_recorded_candles_become_lines_with_the_frames_own_digits() -> None:
    snapshot = recorded("ohlc", "snapshot")[0]  # BTC/USDT, 9 rows, three minutes absent
    wire = Wire()
    tracker = CandleTracker(("BTC/USDT",), **wire.kw())
    frame = decode_frame(snapshot)
    assert isinstance(frame, OhlcFrame)
    tracker.on_frame(frame)
    (event,) = wire.events
    assert isinstance(event, CandlesUpdated) and event.valid
    rows = tokens(snapshot)["data"]
    assert event.to_json_lines() == [{
        "event": "candle", "symbol": r["symbol"], "interval": 1, "begin": r["interval_begin"],
        "open": r["open"], "high": r["high"], "low": r["low"], "close": r["close"],
        "volume": r["volume"], "trades": r["trades"]} for r in rows]
    assert len(tracker.history("BTC/USDT")) == 9
    tracker.on_frame(frame)  # the same rows again (a reconnect's snapshot): no news
    final = decode_frame(recorded("ohlc", "update")[1])  # 17:35's last update = its final row
    assert isinstance(final, OhlcFrame)
    tracker.on_frame(final)
    assert len(wire.events) == 1


def test_the_in_progress_candle_is_reported_on_each_change() -> None:
    """Two live updates of one minute (price-action capture): two events, one candle held."""
    wire = Wire()
    tracker = CandleTracker(("BTC/USD",), **wire.kw())
    raws = [r for r in recorded("ohlc", "update") if "2026-10-06T18:06" in r]
    for raw in raws:
        frame = decode_frame(raw)
        assert isinstance(frame, OhlcFrame)
        tracker.on_frame(frame)
    assert [(e.to_json_lines()[0]["close"], e.to_json_lines()[0]["trades"])
            for e in wire.events if isinstance(e, CandlesUpdated)] == [
        ("85754.8", 5), ("85754.7", 12)]
    (held,) = tracker.history("BTC/USD")
    assert held.trades == 12 and str(held.volume) == "0.51707722"


def test_candles_keep_the_latest_in_order_and_report_only_changes() -> None:
    wire = Wire()
    tracker = CandleTracker(("BTC/USD",), **wire.kw())
    tracker.on_frame(ohlc_frame("snapshot", "BTC/USD", range(100, 200, 2)))  # gaps: absent
    tracker.on_frame(ohlc_frame("update", "BTC/USD", range(198, 199)))  # unchanged
    tracker.on_frame(ohlc_frame("update", "BTC/USD", range(198, 199), close="10.5", trades=4))
    tracker.on_frame(ohlc_frame("update", "BTC/USD", range(200, 300)))  # a long run
    tracker.on_frame(ohlc_frame("update", "BTC/USD", range(101, 102)))  # late, too old to keep
    tracker.on_frame(ohlc_frame("update", "BTC/USD", range(199, 200)))  # late, kept in order
    counts = [len(e.candles) for e in wire.events if isinstance(e, CandlesUpdated)]
    assert counts == [50, 1, 100, 1, 1]
    begins = [c.interval_begin for c in tracker.history("BTC/USD")]
    assert len(begins) == CANDLES_KEPT and begins == sorted(begins)
    # kept: minutes 200-299, 199, and the 19 latest of the even minutes before (162-198)
    assert begins[0] == "2026-09-10T02:42:00.000000000Z"
    assert "2026-09-10T01:41:00.000000000Z" not in begins  # minute 101: too old to keep
    assert "2026-09-10T03:19:00.000000000Z" in begins
    assert next(c for c in tracker.history("BTC/USD")
            if c.interval_begin == "2026-09-10T03:18:00.000000000Z").trades == 4
    tracker.invalidate_all("disconnected")
    assert wire.events[-1] == CandlesUpdated("BTC/USD", valid=False, reason="disconnected")
    tracker.on_frame(ohlc_frame("snapshot", "BTC/USD", range(290, 300)))  # nothing new
    assert wire.events[-1] == CandlesUpdated("BTC/USD", ())  # but live again
