"""Trade tape cost at 200 trades/s, against an idle Textual app measured in the same run.

Both parts run the same headless app (``App.run_test``, 120x40: a ``TradeTape`` beside a
plain panel) for ``--seconds``:

* idle: nothing fed after a first snapshot of 50 trades; what Textual costs doing nothing
  (next to nothing when headless: no timers, no input, so the ratio to it is large);
* floor: as idle, but the tape's whole region redrawn from its cached lines 10 times a
  second (``refresh()`` on a timer): Textual's own cost of any tape that shows each
  second's new trades at 10 fps, newest on top (every row moves, every line redraws);
* tape: ``--rate`` trades a second fed to the tape in batches of 1-6 (a seeded mix, as
  the trade channel's frames come), each batch one ``add`` call, as the monitor's message
  handler would; a fifth of the batches are one taker order (one timestamp, grouped).

Printed per part: the tape's paints (lines rebuilt) and screen updates (compositor
passes, counted at ``App._display``) per second, and CPU seconds per wall second of this
process (``time.process_time``); then the tape's CPU as a ratio of the idle app's and of
the floor's, and what the tape's own code added over the floor. The
headless driver writes nothing, so terminal output is not in these figures. Each part
runs ``--repeat`` times, alternating, and the lowest CPU of each is kept (the machine's
other load only ever adds).

    python benchmarks/tape_bench.py [--rate 200] [--seconds 5] [--repeat 2] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import RenderableType
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static

from kraken_tui.kraken.market import Trade
from kraken_tui.ui.widgets.trades import TradeTape

SIZE = (120, 40)
T0 = 1_764_072_000.0


class BenchApp(App[None]):
    """The tape beside a plain panel; counts the screen updates it would write."""

    CSS = "TradeTape { width: 44; height: 100%; } #side { width: 1fr; height: 100%; }"

    def __init__(self) -> None:
        super().__init__()
        self.animation_level = "none"
        self.frames = 0

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield TradeTape()
            yield Static("side panel", id="side")

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        if renderable is not None:
            self.frames += 1
        super()._display(screen, renderable)


def make_batches(rate: float, seconds: float, seed: int) -> list[list[Trade]]:
    """Batches of 1-6 trades, ``rate * seconds`` trades in all, oldest first."""
    rng = random.Random(seed)
    price = Decimal("97200.0")
    total = int(rate * seconds) + 50
    batches: list[list[Trade]] = []
    n = 0
    while n < total:
        size = rng.randint(1, 6)
        sweep = rng.random() < 0.2
        batch = []
        for _ in range(size):
            n += 1
            if not sweep or not batch:
                stamp = datetime.fromtimestamp(T0 + n / rate, UTC)
                when = stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                side = rng.choice(("buy", "sell"))
                price += rng.randint(-20, 20) * Decimal("0.1")
            qty = Decimal(str(round(rng.expovariate(8), 8))).quantize(Decimal("0.00000001"))
            batch.append(Trade("BTC/USD", side, price, qty, "market", n, when))
        batches.append(batch)
    return batches


async def run_part(part: str, batches: list[list[Trade]], rate: float, seconds: float
                   ) -> dict[str, float]:
    """One part (idle, floor or tape) for ``seconds``: rates and CPU per wall second."""
    app = BenchApp()
    async with app.run_test(size=SIZE, headless=True) as pilot:
        tape = app.query_one(TradeTape)
        snapshot = [t for batch in batches[:20] for t in batch][:50]
        tape.add(snapshot, snapshot=True)
        await pilot.pause(0.5)  # mounted, painted, settled
        paints, frames = tape.paints, app.frames
        cpu, start = time.process_time(), time.monotonic()
        if part == "floor":
            timer = app.set_interval(0.1, tape.refresh)
            await asyncio.sleep(seconds)
            timer.stop()
        elif part == "tape":
            sent = 0
            for batch in batches[20:]:
                due = start + sent / rate
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                tape.add(batch)
                sent += len(batch)
                if time.monotonic() - start >= seconds:
                    break
            await asyncio.sleep(max(0.0, start + seconds - time.monotonic()))
        else:
            await asyncio.sleep(seconds)
        wall = time.monotonic() - start
        used = time.process_time() - cpu
        return {
            "trades_per_s": (tape.trades_seen - len(snapshot)) / wall,
            "paints_per_s": (tape.paints - paints) / wall,
            "frames_per_s": (app.frames - frames) / wall,
            "cpu_per_s": used / wall,
        }


async def main_async(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    batches = make_batches(args.rate, args.seconds, args.seed)
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.repeat):
        for name in ("idle", "floor", "tape"):
            result = await run_part(name, batches, args.rate, args.seconds)
            if name not in best or result["cpu_per_s"] < best[name]["cpu_per_s"]:
                best[name] = result
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="trades a second")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each part")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each part")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    best = asyncio.run(main_async(args))
    idle, floor, tape = best["idle"], best["floor"], best["tape"]
    for name, part in best.items():
        print(f"{name:5} {part['trades_per_s']:7.1f} trades/s  {part['paints_per_s']:5.1f} "
              f"paints/s  {part['frames_per_s']:5.1f} screen updates/s  "
              f"cpu {part['cpu_per_s'] * 1000:7.2f} ms/s")

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.1f}x" if b else "inf"

    print(f"tape/idle CPU {ratio(tape['cpu_per_s'], idle['cpu_per_s'])}, "
          f"tape/floor CPU {ratio(tape['cpu_per_s'], floor['cpu_per_s'])}; the tape's own "
          f"code added {(tape['cpu_per_s'] - floor['cpu_per_s']) * 100:.1f}% of a core "
          f"over the floor ({tape['cpu_per_s'] * 100:.1f}% in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
