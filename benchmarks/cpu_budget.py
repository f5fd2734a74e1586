"""Where the monitor's CPU goes, against Textual's floor: the app with parts switched off.

Why: ``cpu_rounds`` says the app costs ~1.8x Textual's floor at the demo rate; this says
what that is made of. Each round measures, one after the other, on the same machine state
(``app_variant.py``: the real app on ``ui_bench``'s pty harness and demo feed):

- Textual's floor (``textual_floor.py``: 15 lines of a bordered widget at 10 Hz);
- ``full``: the monitor as shipped;
- ``no-ladder-paint``: every book view reaches the ladder, which never paints;
- ``no-book-events``: book events dropped on the feed's thread (the feed still decodes,
  checks and builds them): what the rest of the app costs (feed thread, market panels,
  orders, balances, status line) before a single ladder update.

Per window: CPU (% of a core, and as a ratio to the round's floor), the UI loop and the
other threads (feed, input, output) in ms of CPU per second, compositor passes and layout
passes per second, and ms per second inside Textual's screen update (all passes).
At the end, the median of each over the rounds.

    python benchmarks/cpu_budget.py [--rounds 3] [--duration 20] [--depth 10]
                                    [--windows full,no-ladder-paint,no-book-events] [--json]

Nothing is asserted: figures are printed beside the 1.5x bar.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from cpu_rounds import round_arguments, thread_seconds  # noqa: E402
from ladder_scroll_bench import start_app  # noqa: E402
from ui_bench import BenchSim, PtyApp, _env, steady_window, wait_live  # noqa: E402

VARIANT_SCRIPT = Path(__file__).with_name("app_variant.py")
WINDOWS = ("floor", "full", "no-ladder-paint", "no-book-events")
BAR_RATIO = 1.5


def window(variant: str, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One steady window of ``variant``: CPU, its split by thread, and Textual's passes."""
    counts = tmp / f"{variant.replace('=', '-')}.json"
    env = {"APP_VARIANT_COUNTS": str(counts)}
    launcher = [sys.executable, str(VARIANT_SCRIPT), variant]
    sim = None if variant == "floor" else BenchSim(args.seed, args.ups, order_flow=True)
    try:
        if sim is None:
            app = PtyApp(launcher, _env(env))
        else:
            app = start_app(sim, args.depth, tmp, launcher, env)
        try:
            if sim is not None:
                wait_live(app)  # the status line's LIVE: every variant shows it
            time.sleep(args.warmup)
            app.ps.send_signal(10)  # SIGUSR1: the counters start with the window
            before = thread_seconds(app.ps)
            row = steady_window(app, sim, 0.0, args.duration)
            after = thread_seconds(app.ps)
        finally:
            app.stop()
    finally:
        if sim is not None:
            sim.close()
    seconds = row["seconds"]
    spent = {tid: after[tid] - before.get(tid, 0.0) for tid in after}
    ui_ms = 1000 * spent.get(app.ps.pid, 0.0)
    row["ui_loop_ms_s"] = round(ui_ms / seconds, 1)
    row["other_threads_ms_s"] = round((1000 * sum(spent.values()) - ui_ms) / seconds, 1)
    deadline = time.monotonic() + 10
    while not counts.exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # written at the app's exit
    got = json.loads(counts.read_text()) if counts.exists() else {}
    span = got.get("seconds") or 1.0
    row["passes_s"] = round(got.get("passes", 0) / span, 1)
    row["layouts_s"] = round(got.get("layouts", 0) / span, 2)
    row["pass_ms_s"] = round(got.get("pass_ms", 0.0) / span, 1)
    return row


def one_round(n: int, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    names = args.windows.split(",")
    order = names if n % 2 == 0 else list(reversed(names))
    row = {"floor": window("floor", tmp, args)}
    for variant in order:
        row[variant] = window(variant, tmp, args)
    floor = row["floor"]["cpu_pct"]
    for variant in ["floor", *names]:
        row[variant]["ratio"] = round(row[variant]["cpu_pct"] / floor, 2) if floor else None
    return row


def print_table(rounds: list[dict[str, Any]], names: list[str]) -> None:
    fields = (("ratio", "x floor"), ("cpu_pct", "CPU %"), ("ui_loop_ms_s", "UI ms/s"),
              ("other_threads_ms_s", "other ms/s"), ("passes_s", "passes/s"),
              ("layouts_s", "layouts/s"), ("pass_ms_s", "pass ms/s"), ("tty_kb_per_s", "tty kB/s"))
    print(f"\nmedians of {len(rounds)} rounds (bar: full <= {BAR_RATIO}x floor)")
    print(f"{'window':<17}" + "".join(f"{label:>12}" for _, label in fields))
    for variant in ["floor", *names]:
        cells = []
        for key, _ in fields:
            values = [r[variant].get(key) for r in rounds if r[variant].get(key) is not None]
            cells.append(f"{round(statistics.median(values), 2):>12}" if values else f"{'-':>12}")
        print(f"{variant:<17}" + "".join(cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    round_arguments(parser, rounds=3)
    parser.add_argument("--depth", type=int, default=10, help="book depth (#13's bar: 1000)")
    parser.add_argument("--windows", default=",".join(WINDOWS[1:]),
                        help="comma list of app_variant.py variants (the floor always runs)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rounds = []
    with tempfile.TemporaryDirectory(prefix="cpu_budget-") as tmp_name:
        for n in range(args.rounds):
            rounds.append(one_round(n, Path(tmp_name), args))
            ratios = {v: rounds[-1][v]["ratio"] for v in args.windows.split(",")}
            print(f"round {n + 1}: floor {rounds[-1]['floor']['cpu_pct']} % of a core, "
                  f"ratios {ratios}", flush=True)
    print_table(rounds, args.windows.split(","))
    if args.json:
        print(json.dumps(rounds))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
