"""The app's CPU against Textual's floor, repeated: rounds of interleaved windows, medians.

Why: one window of the floor and one of the app, minutes apart, is what ``ui_bench`` and
``ladder_scroll_bench`` print, and on this shared machine identical windows differ by a
third (the floor alone has read 2.6 % and 4.1 % of a core in one run). A bar stated as a
ratio needs the ratio of many windows taken close together. Each round here measures, one
after the other on the same machine state:

- Textual's floor (``textual_floor.py``: 15 lines of a bordered widget at 10 Hz);
- the app on the demo feed (``ui_bench`` part 1: BTC/USD, ETH/USD, DOGE/USD at the demo
  pace, private channels on) with the market panels, then with them hidden (``k``, ``f``);
- the same app subscribed at depth 1000 (``ladder_scroll_bench``'s steady window).

Each app window also splits its CPU by thread (psutil): the UI loop (the main thread)
and the rest (the feed thread, Textual's input thread). Per round: each figure's ratio to
that round's floor; at the end the median ratio of each, with every round's value.

    python benchmarks/cpu_rounds.py [--rounds 5] [--duration 20] [--skip depth1000] [--json]

Nothing is asserted: figures are printed, the 1.5x bar beside them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # this checkout's kraken_tui

import psutil  # noqa: E402
from ladder_scroll_bench import start_app  # noqa: E402
from ui_bench import (  # noqa: E402
    FLOOR_SCRIPT,
    BenchSim,
    run_baseline_bare,
    steady_window,
    wait_live,
)

BAR_RATIO = 1.5


def thread_seconds(ps: psutil.Process) -> dict[int, float]:
    return {t.id: t.user_time + t.system_time for t in ps.threads()}


def app_window(depth: int, tmp: Path, seed: int, ups: float, warmup: float, duration: float,
               keys: bytes = b"") -> dict[str, Any]:
    """One steady window of the app; CPU in all, and the UI loop's share."""
    sim = BenchSim(seed, ups, order_flow=True)
    try:
        app = start_app(sim, depth, tmp)
        try:
            wait_live(app)
            if keys:
                app.write(keys)
            time.sleep(warmup)
            before = thread_seconds(app.ps)
            row = steady_window(app, sim, 0.0, duration)
            after = thread_seconds(app.ps)
        finally:
            app.stop()
    finally:
        sim.close()
    # Thread times span the window plus a few stats calls: the UI loop's share of them
    # is applied to the window's own total.
    spent = {tid: after[tid] - before.get(tid, 0.0) for tid in after}
    total = sum(spent.values())
    ui_share = spent.get(app.ps.pid, 0.0) / total if total else 0.0
    row["ui_loop_cpu_pct"] = round(row["cpu_pct"] * ui_share, 2)
    row["other_threads_cpu_pct"] = round(row["cpu_pct"] * (1 - ui_share), 2)
    return row


def one_round(tmp: Path, args: argparse.Namespace, skip: set[str]) -> dict[str, Any]:
    floor = run_baseline_bare(args.warmup, args.duration, [sys.executable, str(FLOOR_SCRIPT)])
    row: dict[str, Any] = {"floor": floor}
    # name -> (book depth, keys typed once live): depth 10 is the app's default
    windows = {"panels": (10, b""), "panels_hidden": (10, b"kf"), "depth1000": (1000, b"")}
    for name, (depth, keys) in windows.items():
        if name not in skip:
            row[name] = app_window(depth, tmp, args.seed, args.ups, args.warmup,
                                   args.duration, keys)
            row[name]["ratio"] = round(row[name]["cpu_pct"] / floor["cpu_pct"], 2)
    return row


def round_arguments(parser: argparse.ArgumentParser, rounds: int) -> None:
    """The options every rounds benchmark shares (this one and ``cpu_budget``)."""
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per window")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--ups", type=float, default=10.0,
                        help="simulator steps per second per pair (the demo's pace)")
    parser.add_argument("--seed", type=int, default=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    round_arguments(parser, rounds=5)
    parser.add_argument("--skip", default="",
                        help="comma list of: panels,panels_hidden,depth1000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="cpu_rounds-") as tmp_name:
        for n in range(args.rounds):
            started = time.monotonic()
            rounds.append(one_round(Path(tmp_name), args, skip))
            summary = {k: v["ratio"] for k, v in rounds[-1].items() if "ratio" in v}
            print(f"round {n + 1}: floor {rounds[-1]['floor']['cpu_pct']} % of a core, "
                  f"ratios {summary} ({time.monotonic() - started:.0f} s)", flush=True)
    print_table(rounds)
    if args.json:
        print(json.dumps(rounds), flush=True)
    return 0


def print_table(rounds: list[dict[str, Any]]) -> None:
    names = {"panels": "demo feed, market panels shown",
             "panels_hidden": "demo feed, market panels hidden (k, f)",
             "depth1000": "demo feed, depth 1000"}
    line = "{:<42} {:>8}  {:>6}  {}"
    print("\n" + line.format("app / Textual's floor, same round", "median", "bar", "each round"))
    floors = [r["floor"]["cpu_pct"] for r in rounds]
    print(line.format("Textual's floor, CPU % of a core", statistics.median(floors), "",
                      ", ".join(map(str, floors))))
    for key, name in names.items():
        got = [r[key] for r in rounds if key in r]
        if not got:
            continue
        ratios = [g["ratio"] for g in got]
        median = statistics.median(ratios)
        verdict = "met" if median <= BAR_RATIO else "NOT met"
        print(line.format(name, f"{median:.2f}x", f"{BAR_RATIO}x",
                          f"{verdict}; {', '.join(f'{x:.2f}' for x in ratios)}"))
        ui = statistics.median(r[key]["ui_loop_cpu_pct"] / r["floor"]["cpu_pct"]
                               for r in rounds if key in r)
        other = statistics.median(r[key]["other_threads_cpu_pct"] / r["floor"]["cpu_pct"]
                                  for r in rounds if key in r)
        print(line.format("  of which the UI loop / other threads", f"{ui:.2f}x",
                          "", f"{other:.2f}x (median ratios to the floor)"))


if __name__ == "__main__":
    raise SystemExit(main())
