"""The alerts benchmark runs end to end on a short stream (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "alerts_bench.py"


def test_alerts_bench_json_output() -> None:
    args = [sys.executable, str(BENCH), "--updates", "200", "--symbols", "4", "--rules", "200",
            "--repeat", "1", "--json"]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120)
    row = json.loads(out.stdout)
    assert row["rules"] == 200
    assert row["book_updates"] == 4 * 201
    assert row["firings"] > 0  # thresholds sit where the prices go: rules really cross
    assert row["engine_us_per_update"] > 0 and row["book_core_us_per_update"] > 0
