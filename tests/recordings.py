"""Scripted recordings (our format) for tests that need exact prices: tickers, statuses."""

from __future__ import annotations

import json
from pathlib import Path

META = {"kraken_tui_recording": 1, "started": "2026-12-03T00:00:00Z",
        "symbols": ["BTC/USD"], "depth": 10, "version": "test"}


def ticker(last: str) -> str:
    """A BTC/USD ticker frame whose last, bid and ask are ``last`` (a JSON number token)."""
    return ('{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD",'
            f'"bid":{last},"bid_qty":1.00000000,"ask":{last},"ask_qty":1.00000000,'
            f'"last":{last},"volume":10.00000000,"vwap":{last},"low":90.0,"high":110.0,'
            '"change":1.0,"change_pct":1.00}]}')


def status(system: str) -> str:
    return ('{"channel":"status","type":"update","data":[{"system":"' + system
            + '","api_version":"v2","connection_id":1,"version":"2.0.0"}]}')


def recording(path: Path, frames: list[str], conn: str = "public") -> Path:
    """``frames`` one second apart, after our metadata line."""
    lines = [json.dumps(META)] + [f'{{"t":{i},"conn":"{conn}","frame":{f}}}'
                                  for i, f in enumerate(frames)]
    path.write_text("\n".join(lines) + "\n")
    return path
