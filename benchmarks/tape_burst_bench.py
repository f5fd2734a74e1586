"""Trades at 200/s on the shown symbol never stall the ladder: the real app in a real pty.

Why: ``tape_bench.py`` prices the trade tape alone, headless, in its own process. Issue 14's
last bar is about what a user sees: with the simulator printing 200 trades a second on
BTC/USD (the shown tab), a key press and a book change must still reach the screen within
100 ms (p50). This runs ``ui_bench.py``'s harness unchanged (the full simulator in a child
process, the app on a 120x34 pty, output chunks timestamped as they arrive) with:

- the feed of ui_bench's part 1 (BTC/USD, ETH/USD, DOGE/USD stepped ``--ups`` times a
  second, the demo account's order flow) plus ``sim.faults.trade_burst(--rate, "BTC/USD")``:
  small market takers at the touch, one event every 10 ms (a book update, then one
  ``trade`` frame carrying the ~2 trades due, ticker and candle after), the sim's own
  print path, so trade_ids rise and the book, ticker and tape agree;
- key latency: ui_bench's ``p`` -> ``PAUSED`` drawn trials, during the burst;
- marker latency: the child sets the 6th best bid of BTC/USD to a distinctive size
  (``42.42NN``) and fans it out as a normal checksummed update while the takers go on;
  the time from then to the first output chunk showing that size. The 6th level, not the
  touch: the takers eat the touch (~10 bid levels swept a second at 200/s), so a marker
  there would often be replaced before a paint could show it. The same marker on the
  same feed without the burst is measured first, for comparison. A marker the market
  overwrites before it is drawn (a taker or a regular step resizing that level) is counted
  apart as replaced, not missed: the simulator is asked, after the 10 s wait, whether its
  book still holds the marker; one still held and never drawn is a missed (stalled) one;
- CPU (user + system, all threads) of the app over the burst window, and the same feed's
  CPU without the burst over ``--quiet-seconds`` before it, for the ratio;
- trades/s delivered: trade entries in ``trade`` frames the child wrote to the app's
  public socket over the window, so the feed's own prints and the demo account's fills
  (which the takers reach) are in it too: ~10/s more than the burst's.

    python benchmarks/tape_burst_bench.py [--rate 200] [--keys 10] [--marks 10] [--json]
    python benchmarks/ui_bench.py --skip ...   # runs it too, as part 3 (``part3_trades``)

No figure is asserted: the bar (p50 <= 100 ms) is printed beside each.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_bench import (
    BAR,
    PART1_SYMBOLS,
    BenchSim,
    Meter,
    _key_trial,
    _mark,
    _met,
    _pct,
    start_monitor,
    wait_live,
)

SYMBOL = PART1_SYMBOLS[0]  # BTC/USD: the first tab, the ladder on screen
MARK_LEVEL = 5  # the 6th best bid: out of the takers' reach for a paint's while


def _summary(values: list[float], missed: int) -> dict[str, Any]:
    return {"p50": round(statistics.median(values), 1) if values else None,
            "p99": round(_pct(values, 0.99), 1) if values else None,
            "max": round(max(values), 1) if values else None,
            "n": len(values), "missed": missed, "all": [round(v, 1) for v in values]}


def run_part3(seed: int, rate: float, ups: float, warmup: float, keys: int, marks: int,
              tmp: Path, profile: Path | None, quiet_marks: int = 5,
              quiet_seconds: float = 10.0) -> dict[str, Any]:
    """The app on ui_bench part 1's feed, with ``rate`` trades/s on the shown symbol."""
    sim = BenchSim(seed, ups, order_flow=True)
    result: dict[str, Any] = {"rate": rate, "symbol": SYMBOL, "ups": ups}
    try:
        app = start_monitor(sim, PART1_SYMBOLS, tmp, profile, "part3")
        try:
            wait_live(app)
            time.sleep(2.0)
            quiet: list[float | None] = []
            for i in range(quiet_marks):
                quiet.append(_mark(app, sim, 80 + i, symbol=SYMBOL, level=MARK_LEVEL)[0])
                time.sleep(0.5)
            result["marker_quiet_ms"] = [None if q is None else round(q, 1) for q in quiet]
            with Meter(app.ps) as before:
                time.sleep(quiet_seconds)
            result["cpu_pct_without_burst"] = before.figures()["cpu_pct"]
            sim.ask("trade_burst", rate, SYMBOL)
            time.sleep(warmup)
            s0 = sim.ask("stats")
            out0 = app.output_bytes
            key_ms: list[float] = []
            mark_ms: list[float] = []
            key_missed = mark_missed = 0
            replaced: list[int] = []
            with Meter(app.ps) as meter:
                for i in range(max(keys, marks)):
                    if i < keys:
                        ms = _key_trial(app)
                        key_missed += ms is None
                        key_ms += [] if ms is None else [ms]
                    if i < marks:
                        ms = _mark(app, sim, i, symbol=SYMBOL, level=MARK_LEVEL,
                                   replaced=replaced)[0]
                        mark_missed += ms is None and i not in replaced
                        mark_ms += [] if ms is None else [ms]
                        time.sleep(0.5)
            s1 = sim.ask("stats")
            sim.ask("stop_trade_burst")
            result.update(meter.figures())
            result["trades_per_s"] = round((s1["trades"] - s0["trades"]) / meter.elapsed, 1)
            result["book_fps"] = round((s1["book"] - s0["book"]) / meter.elapsed, 1)
            result["tty_kb_per_s"] = round((app.output_bytes - out0) / 1024 / meter.elapsed, 1)
            result["backlog_end"] = s1["backlog"]
            result["key_ms"] = _summary(key_ms, key_missed)
            result["marker_ms"] = _summary(mark_ms, mark_missed)
            result["marker_ms"]["replaced"] = len(replaced)
        finally:
            app.stop()
    finally:
        sim.close()
    return result


def print_rows(p3: dict[str, Any], line: str) -> None:
    """Part 3's rows in ui_bench's table format."""
    key, mark = p3["key_ms"], p3["marker_ms"]
    print(line.format(f"part 3: trades/s delivered on {p3['symbol']} (asked {p3['rate']:.0f})",
                      p3["trades_per_s"], f"{p3['rate']:.0f}", "context"))
    print(line.format("part 3: book frames/s to the app", p3["book_fps"], "", "context"))
    for name, row, bar in (("key -> PAUSED drawn", key, BAR["key_ms"]),
                           ("book marker on the ladder", mark, BAR["latest_ms"])):
        print(line.format(f"part 3: {name}, p50 ms", row["p50"], f"<= {bar}",
                          _met(row["p50"], bar)))
        print(line.format(f"part 3: {name}, p99/max ms (n={row['n']})",
                          f"{row['p99']}/{row['max']}", "", "context")
              + (f"  ({row['missed']} missed)" if row["missed"] else "")
              + (f"  ({row['replaced']} replaced by the market first)"
                 if row.get("replaced") else ""))
    quiet = [q for q in p3["marker_quiet_ms"] if q is not None]
    print(line.format("part 3: same marker, no trades burst, p50/max ms",
                      f"{statistics.median(quiet):.0f}/{max(quiet):.0f}" if quiet else "n/a",
                      "", "context"))
    print(line.format("part 3: CPU % of a core during the burst", p3["cpu_pct"], "",
                      "context") + f"  (same feed without it: {p3['cpu_pct_without_burst']})")
    print(line.format("part 3: RSS max/end MB", f"{p3['rss_max_mb']}/{p3['rss_end_mb']}",
                      f"<= {BAR['rss_mb']}", _met(p3["rss_max_mb"], BAR["rss_mb"])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="trades/s on BTC/USD")
    parser.add_argument("--ups", type=float, default=10.0,
                        help="simulator steps per second per pair (ui_bench part 1's feed)")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--keys", type=int, default=10, help="key presses in the burst")
    parser.add_argument("--marks", type=int, default=10, help="book markers in the burst")
    parser.add_argument("--quiet-marks", type=int, default=5,
                        help="markers on the same feed without the burst, for comparison")
    parser.add_argument("--quiet-seconds", type=float, default=10.0,
                        help="CPU window on the same feed without the burst")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tape_burst_bench-") as tmp:
        p3 = run_part3(args.seed, args.rate, args.ups, args.warmup, args.keys, args.marks,
                       Path(tmp), None, args.quiet_marks, args.quiet_seconds)
    print(f"part 3: {p3}", flush=True)
    print(f"\n{'figure':<52} {'value':>12}  {'bar':>9}  verdict")
    print_rows(p3, "{:<52} {:>12}  {:>9}  {}")
    if args.json:
        print(json.dumps(p3), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
