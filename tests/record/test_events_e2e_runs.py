"""The end-to-end events benchmark runs on a short stream; every client ends on the final book.

No timing is asserted: this proves the harness (server, three clients, the final-book check,
the reference client's checksum) is correct, so its figures mean something.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "events_e2e.py"


def test_all_three_clients_reach_the_final_valid_book() -> None:
    pytest.importorskip("kraken.spot")
    out = subprocess.run(
        [sys.executable, str(BENCH), "--frames", "300", "--depths", "10,100", "--json",
         "--timeout", "120"],
        capture_output=True, text=True, timeout=600, check=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert {(r["client"], r["depth"]) for r in rows} == {
        (c, d) for c in ("events", "sdk", "reference") for d in (10, 100)
    }
    for row in rows:
        assert row["valid"], row
        assert row["frames"] == 301
        assert row["fps"] > 0
