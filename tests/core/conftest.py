"""Loaders for the real Kraken captures in ../shared/fixtures (see each .source.txt)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests import captures
from tests.captures import capture_path


def frame_text_of_line(line: str) -> str:
    """The verbatim frame text inside a capture line ``{..., "frame": <frame>}``.

    Sliced from the text, not re-serialised, so number tokens stay as Kraken sent them.
    """
    start = line.index('"frame":') + len('"frame":')
    return line[start:].strip()[:-1].strip()


@pytest.fixture(scope="session")
def docs_examples() -> dict[str, Any]:
    return captures.docs_examples()


@pytest.fixture(scope="session")
def pks_frames() -> list[str]:
    """python-kraken-sdk BTC/USD d10: snapshot + 509 updates, re-serialised by Python."""
    data = json.loads(capture_path("python-kraken-sdk-orderbook-v2.json").read_text())
    return [json.dumps(m) for m in [data["init"], *data["updates"]]]


@pytest.fixture(scope="session")
def mina_frames() -> list[str]:
    """DepthCharge MINA/GBP d25 live capture: every rx frame, verbatim text."""
    lines = capture_path("depthcharge-kraken_minagbp_d25_20260816.ndjson").read_text().splitlines()
    return [frame_text_of_line(line) for line in lines[1:] if '"dir": "tx"' not in line]


@pytest.fixture(scope="session")
def kar_frames() -> dict[str, list[str]]:
    """kraken-async-rs frames by fixture name (several share a name)."""
    out: dict[str, list[str]] = {}
    for line in capture_path("kraken-async-rs-v2-messages.jsonl").read_text().splitlines():
        name = json.loads(line)["name"]
        out.setdefault(name, []).append(frame_text_of_line(line))
    return out


@pytest.fixture(scope="session")
def addendum_frames() -> list[str]:
    """The addendum capture (ticker, trade, ohlc, cancel replies): each line's verbatim
    ``raw`` frame text (a JSON string field, so unescaping it loses no number token)."""
    lines = capture_path("kraken-v2-ticker-trade-ohlc-cancel-frames.jsonl").read_text()
    return [json.loads(line)["raw"] for line in lines.splitlines() if line.strip()]
