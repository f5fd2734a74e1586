"""The alert latency benchmark runs on a few crossings: every crossing sent is an alert
printed (no timing is asserted; this proves the harness, so its figures mean something)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "alerts_latency.py"


def test_every_crossing_sent_is_one_alert_printed() -> None:
    done = subprocess.run([sys.executable, str(BENCH), "--crossings", "20"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "crossings sent 20, alerts printed 20" in done.stdout
