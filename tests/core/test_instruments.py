"""Instrument table: channel precisions, REST AssetPairs fallback, legacy names."""

from __future__ import annotations

import pytest

from kraken_tui.kraken.frames import InstrumentFrame, decode_frame
from kraken_tui.kraken.instruments import InstrumentTable, normalize_asset

ASSET_PAIRS = {
    "error": [],
    "result": {
        "XXBTZUSD": {
            "altname": "XBTUSD",
            "wsname": "XBT/USD",
            "base": "XXBT",
            "quote": "ZUSD",
            "pair_decimals": 1,
            "lot_decimals": 8,
            "ordermin": "0.00005",
            "tick_size": "0.1",
            "status": "online",
        },
        "XDGUSD": {
            "altname": "XDGUSD",
            "wsname": "XDG/USD",
            "base": "XXDG",
            "quote": "ZUSD",
            "pair_decimals": 7,
            "lot_decimals": 8,
            "status": "online",
        },
        "MINAGBP": {
            "altname": "MINAGBP",
            "wsname": "MINA/GBP",
            "base": "MINA",
            "quote": "ZGBP",
            "pair_decimals": 4,
            "lot_decimals": 8,
            "status": "limit_only",
        },
        "BROKEN": {"base": "X"},
    },
}


def instrument(status: str, price_precision: int = 1, snapshot: bool = False) -> InstrumentFrame:
    frame = decode_frame(
        '{"channel":"instrument","type":"' + ("snapshot" if snapshot else "update") + '",'
        '"data":{"assets":[],"pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD",'
        f'"status":"{status}","qty_precision":8,"price_precision":{price_precision},'
        '"price_increment":0.1,"qty_min":5e-05}]}}'
    )
    assert isinstance(frame, InstrumentFrame)
    return frame


@pytest.mark.parametrize(
    ("rest", "v2"),
    [
        ("XXBT", "BTC"),
        ("XBT", "BTC"),
        ("XXDG", "DOGE"),
        ("XDG", "DOGE"),
        ("ZUSD", "USD"),
        ("XETH", "ETH"),
        ("USDT", "USDT"),
        ("XBT.M", "BTC.M"),
        ("DOT", "DOT"),
    ],
)
def test_normalize_asset(rest: str, v2: str) -> None:
    assert normalize_asset(rest) == v2


def test_asset_pairs_fallback_and_aliases() -> None:
    table = InstrumentTable()
    assert table.apply_asset_pairs(ASSET_PAIRS) == 3
    btc = table.get("BTC/USD")
    assert btc is not None
    assert (btc.price_precision, btc.qty_precision, btc.rest_name) == (1, 8, "XXBTZUSD")
    for name in ("XBTUSD", "XXBTZUSD", "XBT/USD", "BTCUSD", "BTC/USD"):
        assert table.symbol_for_rest_pair(name) == "BTC/USD"
    assert table.symbol_for_rest_pair("XDGUSD") == "DOGE/USD"
    assert table.get("MINA/GBP").status == "limit_only"


def test_unknown_legacy_names_are_split_heuristically() -> None:
    table = InstrumentTable()
    assert table.symbol_for_rest_pair("XETHZEUR") == "ETH/EUR"
    assert table.symbol_for_rest_pair("SOLUSD") == "SOL/USD"
    assert table.symbol_for_rest_pair("XDG/USD") == "DOGE/USD"
    assert table.symbol_for_rest_pair("???") is None


def test_channel_is_authoritative_and_reports_status_changes() -> None:
    table = InstrumentTable()
    assert table.apply(instrument("online", snapshot=True)) == []  # first sight: no change
    table.apply_asset_pairs({"XXBTZUSD": dict(ASSET_PAIRS["result"]["XXBTZUSD"], pair_decimals=3)})
    assert table.get("BTC/USD").price_precision == 1  # REST does not override the channel
    assert table.symbol_for_rest_pair("XXBTZUSD") == "BTC/USD"
    assert table.apply(instrument("online")) == []
    assert table.apply(instrument("limit_only")) == [("BTC/USD", "limit_only")]
    assert table.get("BTC/USD").status == "limit_only"
    assert table.get("BTC/USD").rest_name == "XXBTZUSD"
