"""What one shown book update costs the UI thread, measured in-process and repeatably.

``ui_bench`` measures the real app in a real terminal, but on a shared machine its CPU
figure moves by ±15% between identical runs, which hides any change smaller than that.
This benchmark removes the noise sources it can: no feed thread, no simulator process,
no terminal. It replays the same sequence of real book views (the simulator's market
model, ``--seed``) into the monitor (headless, 120x34, three symbols, the first shown)
and, for each view, does what the UI loop does for it:

- ``paint``: the book message handler (mailbox, ladder rows, dirty regions);
- ``compose``: the compositor's partial update for the dirty regions;
- ``output``: turning that update into the terminal's escape sequences.

Each pass over the sequence is timed with the main thread's CPU clock; the figure is
the fastest of ``--rounds`` passes, per view. The baseline, measured the same way in the
same run, is Textual's floor for a ladder: ``textual_floor.py``, which ``ui_bench`` runs too.

    .venv/bin/python benchmarks/frame_bench.py [--views 300] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import threading
import time
from decimal import Decimal
from typing import Any

from textual.app import App
from textual_floor import FloorApp, FloorLadder

from kraken_tui.config import Config
from kraken_tui.feed.events import BookUpdated, FeedEvent
from kraken_tui.kraken.models import BookView, ViewLevel
from kraken_tui.sim.market import Market
from kraken_tui.ui import textual_fixes
from kraken_tui.ui.app import KrakenMonitor
from kraken_tui.ui.messages import BookMessage
from kraken_tui.ui.widgets import book

SYMBOLS = ("BTC/USD", "ETH/USD", "DOGE/USD")
SIZE = (120, 34)


def market_views(seed: int, count: int, symbol: str = "BTC/USD", depth: int = 10
                 ) -> list[BookView]:
    """``count`` successive views of one simulated book, one market step apart."""
    market = Market(seed)
    sm = market[symbol]
    spec = sm.spec
    views = []
    now = 1_764_000_000.0
    for i in range(count):
        sm.step(now + i * 0.1)
        bids, asks = (sm.render(side) for side in sm.top(depth))

        def levels(rows: list[tuple[str, str]]) -> tuple[ViewLevel, ...]:
            out, cum = [], Decimal(0)
            for price, qty in rows:
                cum += Decimal(qty)
                out.append(ViewLevel(Decimal(price), Decimal(qty), cum))
            return tuple(out)

        views.append(BookView(symbol, depth, spec.price_decimals, spec.qty_decimals,
                              levels(bids), levels(asks), checksum=0))
    return views


class IdleFeed:
    """The app's feed, doing nothing: the views are handed over by the benchmark."""

    def __init__(self, config: Config, sink: Any) -> None:
        self._stopped = threading.Event()

    async def run(self) -> None:
        while not self._stopped.is_set():
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        self._stopped.set()

    def request_resync(self, symbol: str | None = None) -> None:
        pass

    def set_depth(self, depth: int) -> None:
        pass


def compose_and_output(app: App[Any]) -> tuple[float, float]:
    """One compositor pass for the dirty widgets, then its terminal output (CPU seconds)."""
    screen = app.screen
    t0 = time.thread_time()
    # What each refreshed widget's idle handler and the screen's Update handler do.
    for widget in screen.walk_children(with_self=False):
        if widget._repaint_required:  # type: ignore[attr-defined]
            widget._repaint_required = False  # type: ignore[attr-defined]
            if widget.display:
                screen._dirty_widgets.add(widget)
    screen._compositor.update_widgets(screen._dirty_widgets)
    update = screen._compositor.render_update(screen_stack=app._background_screens)
    screen._dirty_widgets.clear()
    t1 = time.thread_time()
    if update is not None:
        update.render_segments(app.console)
    return t1 - t0, time.thread_time() - t1


async def measure_monitor(views: list[BookView], rounds: int) -> dict[str, float]:
    book.MAX_FPS = float("inf")  # paint every view: the cap is not what is measured
    config = Config(symbols=SYMBOLS, depth=10, theme="textual-dark")
    app = KrakenMonitor(config, IdleFeed, toasts=False)
    per_round: list[dict[str, float]] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # The other books once, as the feed would, so the screen looks as it does live.
        for symbol in SYMBOLS[1:]:
            other = BookView(symbol, 10, 2, 8, views[0].bids, views[0].asks, 0)
            deliver(app, BookUpdated(symbol, True, other))
        await pilot.pause()
        ladder = app._ladders[SYMBOLS[0]]
        for _ in range(rounds):
            paint = compose = output = 0.0
            for view in views:
                t0 = time.thread_time()
                deliver(app, BookUpdated(SYMBOLS[0], True, view))
                paint += time.thread_time() - t0
                c, o = compose_and_output(app)
                compose += c
                output += o
            per_round.append({"paint": paint, "compose": compose, "output": output})
            views = views[::-1]  # the way back: every view still differs from the last
        assert ladder.paints >= rounds * len(views), "every view was painted"
        app.exit()
    return best(per_round, len(views))


def deliver(app: KrakenMonitor, event: FeedEvent) -> None:
    """What the feed thread's sink and the UI loop do with a book event, done now."""
    assert isinstance(event, BookUpdated)
    app._mailbox.put(event)
    app.on_book_message(BookMessage(event))


async def measure_floor(count: int, rounds: int) -> dict[str, float]:
    app = FloorApp()
    per_round: list[dict[str, float]] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        ladder = app.query_one(FloorLadder)
        for _ in range(rounds):
            paint = compose = output = 0.0
            for _ in range(count):
                t0 = time.thread_time()
                ladder.redraw()
                paint += time.thread_time() - t0
                c, o = compose_and_output(app)
                compose += c
                output += o
            per_round.append({"paint": paint, "compose": compose, "output": output})
        app.exit()
    return best(per_round, count)


def best(per_round: list[dict[str, float]], count: int) -> dict[str, float]:
    """The fastest round's figures, microseconds per view, plus the median total."""
    totals = [sum(r.values()) for r in per_round]
    fastest = per_round[totals.index(min(totals))]
    out = {k: round(v / count * 1e6, 1) for k, v in fastest.items()}
    out["total"] = round(min(totals) / count * 1e6, 1)
    out["median_total"] = round(statistics.median(totals) / count * 1e6, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    textual_fixes.apply()  # as the monitor's entry point does (for the floor too: same Textual)
    views = market_views(args.seed, args.views)
    floor = asyncio.run(measure_floor(args.views, args.rounds))
    monitor = asyncio.run(measure_monitor(views, args.rounds))
    print(f"{'µs per shown update (fastest of ' + str(args.rounds) + ' rounds)':44s}"
          f"{'paint':>8s}{'compose':>9s}{'output':>8s}{'total':>8s}{'median':>8s}")
    for name, r in (("baseline: Textual floor (15 random lines)", floor),
                    ("monitor: one book view", monitor)):
        print(f"{name:44s}{r['paint']:8.1f}{r['compose']:9.1f}{r['output']:8.1f}"
              f"{r['total']:8.1f}{r['median_total']:8.1f}")
    print(f"monitor / floor: {monitor['total'] / floor['total']:.2f}x")
    if args.json:
        print(json.dumps({"floor": floor, "monitor": monitor}))


if __name__ == "__main__":
    main()
