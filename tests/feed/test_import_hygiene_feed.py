"""The feed and the simulator never import Textual (harlequin-style hygiene check)."""

from __future__ import annotations

import subprocess
import sys


def test_feed_and_sim_import_without_textual() -> None:
    code = (
        "import sys\n"
        "import kraken_tui.feed.connection, kraken_tui.feed.cli, kraken_tui.sim\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
