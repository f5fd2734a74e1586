"""The benchmark script runs end to end on a short stream (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "book_bench.py"


@pytest.mark.parametrize("peer", [False, True])
def test_bench_json_output(peer: bool) -> None:
    if peer:
        pytest.importorskip("kraken.spot")
    args = [
        sys.executable,
        str(BENCH),
        "--updates",
        "300",
        "--peer-updates",
        "100",
        "--json",
        "--depths",
        "10,1000",
    ]
    if not peer:
        args.append("--no-peer")
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [row["depth"] for row in rows] == [10, 1000]
    for row in rows:
        assert row["ours_verified"] == row["frames"] == 301
        assert row["ours_fps"] > 0
        if peer:
            assert row["peer_verified"] == row["peer_frames"] == 101
            assert row["ratio"] > 0
        else:
            assert row["peer_fps"] is None
