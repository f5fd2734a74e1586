"""The monitor (or Textual's floor) with one part switched off and Textual's passes counted.

``cpu_budget.py`` runs this file on a pty instead of ``python -m kraken_tui``:

    python benchmarks/app_variant.py VARIANT [kraken-tui arguments...]

Variants (each the real app with one thing taken away, to find what costs what):

- ``full``: the monitor as shipped;
- ``no-ladder-paint``: book views reach the ladder, which never paints them;
- ``no-book-events``: book events are dropped on the feed's thread, before the UI loop
  sees them (the feed still decodes, verifies and builds every view);
- ``ladder-fps=N``: the ladder's repaint cap at N a second instead of the app's own;
- ``floor``: ``textual_floor.FloorApp`` at 10 redraws a second.

Counters (compositor passes, layout passes, milliseconds in Textual's screen update) are
written as JSON to ``$APP_VARIANT_COUNTS`` at exit; ``SIGUSR1`` zeroes them, so they can
cover the same window as the CPU figures. Diagnostics only: nothing here ships.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from textual.screen import Screen  # noqa: E402

VARIANTS = ("full", "no-ladder-paint", "no-book-events", "floor")
counts: dict[str, float] = {}
started = time.monotonic()


def reset(*_: object) -> None:
    global started
    counts.clear()
    started = time.monotonic()


def dump() -> None:
    path = os.environ.get("APP_VARIANT_COUNTS")
    if path:
        Path(path).write_text(json.dumps({**counts, "seconds": time.monotonic() - started}))


def count_passes() -> None:
    """Screen updates that drew something, layouts among them, and their time."""
    on_timer_update = Screen._on_timer_update

    def counted(self: Screen) -> None:
        drew = bool(self._dirty_widgets or self._repaint_required or self._layout_required)
        layout = self._layout_required
        t0 = time.perf_counter()
        on_timer_update(self)
        if drew:
            counts["passes"] = counts.get("passes", 0) + 1
            counts["layouts"] = counts.get("layouts", 0) + int(layout)
            counts["pass_ms"] = counts.get("pass_ms", 0.0) + 1000 * (time.perf_counter() - t0)

    Screen._on_timer_update = counted  # type: ignore[method-assign]


def switch_off(variant: str) -> None:
    if variant == "no-ladder-paint":
        from kraken_tui.ui.widgets.book import BookLadder

        BookLadder._paint = lambda self, force=False: None  # type: ignore[method-assign]
    elif variant.startswith("ladder-fps="):
        from kraken_tui.ui.widgets import book

        book.MAX_FPS = float(variant.split("=", 1)[1])
    elif variant == "no-book-events":
        from kraken_tui.feed.events import BookUpdated
        from kraken_tui.ui.app import KrakenMonitor

        sink = KrakenMonitor._sink

        def without_books(self: Any, event: Any) -> None:
            if not isinstance(event, BookUpdated):
                sink(self, event)

        KrakenMonitor._sink = without_books  # type: ignore[method-assign]


def main() -> int:
    variant = sys.argv.pop(1)
    if variant not in VARIANTS and not variant.startswith("ladder-fps="):
        raise SystemExit(f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}")
    count_passes()
    signal.signal(signal.SIGUSR1, reset)
    atexit.register(dump)
    if variant == "floor":
        from textual_floor import FloorApp

        FloorApp(redraws_per_second=10).run()
        return 0
    switch_off(variant)
    from kraken_tui.cli import main as kraken_tui

    sys.argv[0] = "kraken-tui"
    return kraken_tui()


if __name__ == "__main__":
    raise SystemExit(main())
