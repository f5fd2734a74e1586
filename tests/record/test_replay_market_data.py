"""Recorded trade and ohlc frames replay as the live feed prints them: one ``trade`` line per
trade (never one already printed), ``candle`` lines with the frames' own digits.

The frames are Kraken's own (``../shared/fixtures``, BTC/USD, 2026), verbatim; no network
is touched (the URLs point at a closed port).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.captures import capture_path
from tests.record.test_replay_events import CLOSED, events
from tests.recordings import recording

MARKET_FILE = "kraken-v2-ticker-trade-ohlc-cancel-frames.jsonl"


def btc_usd(channel: str) -> list[str]:
    """The fixture's BTC/USD frames of ``channel``, verbatim, in file order."""
    out = []
    for line in capture_path(MARKET_FILE).read_text().splitlines():
        raw = json.loads(line)["raw"]
        obj = json.loads(raw)
        if obj.get("channel") == channel and obj["data"][0]["symbol"] == "BTC/USD":
            out.append(raw)
    return out


def tokens(raw: str) -> dict[str, Any]:
    return json.loads(raw, parse_float=str)  # type: ignore[no-any-return]


def test_recorded_trades_and_candles_replay_once_each_with_their_own_digits(
    tmp_path: Path,
) -> None:
    (trade,) = btc_usd("trade")
    ohlc = btc_usd("ohlc")  # 2026-09-25 update; 2026-10-06 two updates and a snapshot
    again = trade.replace('"type":"update"', '"type":"snapshot"')  # a reconnect re-sends it
    path = recording(tmp_path / "market.ndjson", [trade, *ohlc, again])
    lines = events("--replay", str(path), "--every-frame", *CLOSED)
    trades = [e for e in lines if e["event"] == "trade"]
    (row,) = tokens(trade)["data"]
    assert trades == [{"event": "trade", "symbol": "BTC/USD", "side": "buy",
                       "price": row["price"], "qty": "0.00044780", "trade_id": 109116693,
                       "time": "2026-09-25T17:48:26.844359Z"}]
    candles = [e for e in lines if e["event"] == "candle"]
    expected = [r for raw in ohlc for r in tokens(raw)["data"]]
    assert [(c["begin"], c["open"], c["high"], c["low"], c["close"], c["volume"], c["trades"])
            for c in candles] == [
        (r["interval_begin"], r["open"], r["high"], r["low"], r["close"], r["volume"],
         r["trades"]) for r in expected]
    assert all(c["interval"] == 1 and c["symbol"] == "BTC/USD" for c in candles)
    assert candles[0]["volume"] == "0.21155628"
    # At max speed the writer is behind: the minute re-sent on each trade is written once,
    # with its latest numbers; trades are never coalesced.
    coalesced = events("--replay", str(path), *CLOSED)
    assert [e for e in coalesced if e["event"] == "trade"] == trades
    assert [(c["begin"], c["trades"]) for c in coalesced if c["event"] == "candle"] == [
        ("2026-09-25T17:48:00.000000000Z", 33), ("2026-10-06T18:06:00.000000000Z", 12),
        ("2026-10-06T17:57:00.000000000Z", 36), ("2026-10-06T17:58:00.000000000Z", 40)]
