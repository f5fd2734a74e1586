"""The protocol core must stay pure: importing it pulls in no UI, async I/O or HTTP."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

CORE_MODULES = [
    "kraken_tui.kraken",
    "kraken_tui.kraken.frames",
    "kraken_tui.kraken.book",
    "kraken_tui.kraken.instruments",
    "kraken_tui.kraken.orders",
    "kraken_tui.kraken.balances",
    "kraken_tui.kraken.models",
    "kraken_tui.kraken.market",
    "kraken_tui.kraken.requests",
    "kraken_tui.kraken.trading",
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


def _core_import_graph() -> dict[str, set[str]]:
    """Core module -> the core modules it imports (``TYPE_CHECKING`` ones included)."""
    core = Path(__file__).resolve().parents[2] / "kraken_tui" / "kraken"
    names = {path.stem for path in core.glob("*.py")} - {"__init__"}
    graph: dict[str, set[str]] = {}
    for name in names:
        tree = ast.parse((core / f"{name}.py").read_text())
        imported: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        prefix = "kraken_tui.kraken."
        graph[name] = {m.removeprefix(prefix) for m in imported if m.startswith(prefix)} & names
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_core_modules_import_one_another_without_a_cycle() -> None:
    graph = _core_import_graph()
    assert {"frames", "instruments", "models"} <= set(graph)
    assert _find_cycle(graph) is None, " -> ".join(_find_cycle(graph) or [])


def test_find_cycle_sees_one() -> None:
    assert _find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_each_core_module_imports_alone_in_a_fresh_interpreter() -> None:
    for name in CORE_MODULES:
        subprocess.run([sys.executable, "-c", f"import {name}"], check=True)


def test_pair_info_keeps_its_public_name() -> None:
    from kraken_tui.kraken import PairInfo
    from kraken_tui.kraken.instruments import PairInfo as from_instruments

    assert PairInfo is from_instruments
