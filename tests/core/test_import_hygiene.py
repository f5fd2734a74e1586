"""The protocol core must stay pure: importing it pulls in no UI, async I/O or HTTP."""

from __future__ import annotations

import json
import subprocess
import sys

CORE_MODULES = [
    "kraken_tui.kraken",
    "kraken_tui.kraken.frames",
    "kraken_tui.kraken.book",
    "kraken_tui.kraken.instruments",
    "kraken_tui.kraken.orders",
    "kraken_tui.kraken.balances",
    "kraken_tui.kraken.models",
]
FORBIDDEN = ["textual", "rich", "websockets", "httpx", "aiohttp", "asyncio", "uvicorn"]


def test_core_imports_nothing_impure() -> None:
    script = (
        "import importlib, json, sys\n"
        f"for name in {CORE_MODULES!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in {FORBIDDEN!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
