"""Loaders for the real Kraken captures in ../shared/fixtures (see each .source.txt)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

# shared/ sits beside the repository (as CI lays it out); KRAKEN_FIXTURES overrides.
_BESIDE_REPO = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
FIXTURES = Path(os.environ.get("KRAKEN_FIXTURES", _BESIDE_REPO))


def _require(name: str) -> Path:
    path = FIXTURES / name
    if not path.exists():  # the real captures are the point of these tests: never skip them
        pytest.fail(f"fixture {path} not found (set KRAKEN_FIXTURES to shared/fixtures)")
    return path


def frame_text_of_line(line: str) -> str:
    """The verbatim frame text inside a capture line ``{..., "frame": <frame>}``.

    Sliced from the text, not re-serialised, so number tokens stay as Kraken sent them.
    """
    start = line.index('"frame":') + len('"frame":')
    return line[start:].strip()[:-1].strip()


@pytest.fixture(scope="session")
def docs_examples() -> dict[str, Any]:
    return json.loads(_require("kraken-docs-examples.json").read_text())


@pytest.fixture(scope="session")
def pks_frames() -> list[str]:
    """python-kraken-sdk BTC/USD d10: snapshot + 509 updates, re-serialised by Python."""
    data = json.loads(_require("python-kraken-sdk-orderbook-v2.json").read_text())
    return [json.dumps(m) for m in [data["init"], *data["updates"]]]


@pytest.fixture(scope="session")
def mina_frames() -> list[str]:
    """DepthCharge MINA/GBP d25 live capture: every rx frame, verbatim text."""
    lines = _require("depthcharge-kraken_minagbp_d25_20260816.ndjson").read_text().splitlines()
    return [frame_text_of_line(line) for line in lines[1:] if '"dir": "tx"' not in line]


@pytest.fixture(scope="session")
def kar_frames() -> dict[str, list[str]]:
    """kraken-async-rs frames by fixture name (several share a name)."""
    out: dict[str, list[str]] = {}
    for line in _require("kraken-async-rs-v2-messages.jsonl").read_text().splitlines():
        name = json.loads(line)["name"]
        out.setdefault(name, []).append(frame_text_of_line(line))
    return out
