"""Scrolling a depth-1000 ladder while the demo feed runs: key -> screen latency and CPU.

Why: the ladder builds and paints only the rows on screen, whatever the depth, so a
scroll key should cost about what a key costs on a depth-10 book, and a deep book with
frames arriving should not cost much more CPU than a shallow one. This runs the real
app in a pty (``ui_bench``'s harness: the simulator in a child process, the app on a
120x34 pseudo-terminal, every output chunk timestamped) and measures:

- **Key latency.** Each trial presses one scroll key (``up``, ``down``, ``pageup``,
  ``pagedown``) on the centred ladder, then ``m`` to re-centre. The ladder's border
  names the rows on screen (``LIVE · asks 1–13/1000 · bids 1–12/1000``), and each key
  changes it in a way the feed alone does not: ``up`` shows one ask more, ``down`` one
  bid more, ``pageup`` asks only, ``pagedown`` bids only, ``m`` both sides from row 1
  again. (Exact ranges cannot be the test: the demo account's orders come and go, and
  an order beyond the window takes an edge line, one row less.) The latency is from
  the write of the key to the pty to the first output chunk that completes a border
  text answering the key (input -> binding -> paint -> bytes on the tty). p50 and p99
  over all trials, and per key.
- **CPU** of the app process (all threads: the UI loop and the feed thread, which now
  builds depth-1000 views) over a steady window with the feed running and no keys, and
  over the key trials; as ratios to baselines measured in the same run: a bare Textual
  app (a Static, a Footer and a 1 Hz clock) and the same app on the same feed at depth
  10 (``--skip depth10`` to leave it out).

- **Rows built per paint** (in this process, no terminal): the ladder's row computation
  for a view at depth 10 and at depth 1000, centred and scrolled 300 rows up, at 1x and
  10x grouping, as ratios to depth 10 at 1x: only the rows on screen are built, so depth
  alone should cost little; grouping sums every level of the view once per view.

The feed is the demo's: the full simulator with order flow, ``--ups`` steps a second
on each of BTC/USD, ETH/USD and DOGE/USD, the app subscribed at depth 1000.

    python benchmarks/ladder_scroll_bench.py [--trials 20] [--duration 20] [--rounds 3] [--json]

Nothing is asserted: the figures are printed, with their ratios.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import tempfile
import time
from bisect import bisect_left
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # this checkout's kraken_tui

from feed_load import _pct  # noqa: E402
from ui_bench import (  # noqa: E402
    FLOOR_SCRIPT,
    PART1_SYMBOLS,
    BenchSim,
    Meter,
    PtyApp,
    _env,
    run_baseline_bare,
    steady_window,
    wait_live,
)

#: The ladder's border text: "LIVE · asks 1–13/1000 · bids 1–12/1000" (either side may be
#: missing); Textual writes a border title's run of text in one piece.
BORDER = re.compile(rb"LIVE \xc2\xb7 ((?:asks|bids) [^\x1b]*?) \x1b")
RANGE = re.compile(r"(asks|bids) (\d+)\u2013(\d+)/(\d+)")
Shown = dict[str, tuple[int, int]]  # side -> (first row, last row) on screen
KEY_BYTES = {"up": b"\x1b[A", "down": b"\x1b[B", "pageup": b"\x1b[5~", "pagedown": b"\x1b[6~",
             "m": b"m"}


def _last(shown: Shown, side: str) -> int:
    return shown.get(side, (0, 0))[1]


#: Key -> does this border (after) answer it, given the border before the key?
ANSWERS: dict[str, Callable[[Shown, Shown], bool]] = {
    "up": lambda before, after: _last(after, "asks") > _last(before, "asks"),
    "down": lambda before, after: _last(after, "bids") > _last(before, "bids"),
    "pageup": lambda before, after: "asks" in after and "bids" not in after,
    "pagedown": lambda before, after: "bids" in after and "asks" not in after,
    "m": lambda before, after: after.get("asks", (0,))[0] == 1 == after.get("bids", (0,))[0],
}
SCROLL_KEYS = ("up", "down", "pageup", "pagedown")


def parse_border(text: str) -> Shown:
    return {m[1]: (int(m[2]), int(m[3])) for m in RANGE.finditer(text)}


def start_app(sim: BenchSim, depth: int, tmp: Path, launcher: list[str] | None = None,
              env: dict[str, str] | None = None) -> PtyApp:
    """The real monitor on a pty against ``sim`` at ``depth``, empty config, temp log.

    ``launcher`` replaces ``python -m kraken_tui`` (``cpu_budget`` runs ``app_variant.py``
    with the same arguments); ``env`` is added to the app's environment."""
    config = tmp / "empty.toml"
    config.write_text("")
    argv = [*(launcher or [sys.executable, "-m", "kraken_tui"]), "--config", str(config),
            "--log-file", str(tmp / f"app-d{depth}.log"), "--depth", str(depth),
            "--ws-url", sim.info["ws_url"], "--ws-auth-url", sim.info["ws_auth_url"],
            "--rest-url", sim.info["rest_url"]]
    for symbol in PART1_SYMBOLS:
        argv += ["--symbol", symbol]
    app = PtyApp(argv, _env({"KRAKEN_API_KEY": sim.info["api_key"],
                             "KRAKEN_API_SECRET": sim.info["api_secret"], **(env or {})}))
    app.log_path = tmp / f"app-d{depth}.log"
    return app


def last_border(app: PtyApp) -> Shown:
    """The ladder's border text as last drawn."""
    with app._cond:
        found = list(BORDER.finditer(app._buf, max(0, len(app._buf) - 400_000)))
    return parse_border(found[-1][1].decode()) if found else {}


def press(app: PtyApp, key: str, timeout: float = 5.0) -> float | None:
    """Write ``key``; ms until a border answering it is drawn (None: never)."""
    before = last_border(app)
    start = app.offset
    sent = app.write(KEY_BYTES[key])
    deadline = time.monotonic() + timeout
    with app._cond:
        while True:
            for match in BORDER.finditer(app._buf, start):
                if ANSWERS[key](before, parse_border(match[1].decode())):
                    chunk = bisect_left(app._ends, match.end())
                    return (app._times[chunk] - sent) * 1000
            start = max(start, len(app._buf) - 200)  # a border may span two chunks
            left = deadline - time.monotonic()
            if left <= 0 or app.proc.poll() is not None:
                return None
            app._cond.wait(min(left, 0.1))


def key_trials(app: PtyApp, trials: int, gap: float) -> dict[str, list[float | None]]:
    """Each scroll key ``trials`` times from the centre, each followed by ``m``."""
    out: dict[str, list[float | None]] = {key: [] for key in (*SCROLL_KEYS, "m")}
    for _ in range(trials):
        for key in SCROLL_KEYS:
            out[key].append(press(app, key))
            time.sleep(gap)
            out["m"].append(press(app, "m"))
            time.sleep(gap)
    return out


def summary(values: list[float | None]) -> dict[str, Any]:
    got = [v for v in values if v is not None]
    if not got:
        return {"n": 0, "missed": len(values)}
    return {"p50": round(statistics.median(got), 1), "p99": round(_pct(got, 0.99), 1),
            "max": round(max(got), 1), "n": len(got), "missed": len(values) - len(got)}


def run_app(seed: int, ups: float, depth: int, warmup: float, duration: float, tmp: Path,
            trials: int, gap: float) -> dict[str, Any]:
    sim = BenchSim(seed, ups, order_flow=True)
    try:
        app = start_app(sim, depth, tmp)
        try:
            wait_live(app)
            if depth >= 100 and app.wait_for("bids 1\u2013".encode(), 0, 30) is None:
                raise RuntimeError(f"the ladder never showed its rows:\n{app.tail_text()}")
            row: dict[str, Any] = {"depth": depth,
                                   "steady": steady_window(app, sim, warmup, duration)}
            if trials:
                with Meter(app.ps) as meter:
                    latencies = key_trials(app, trials, gap)
                row["keys_cpu"] = meter.figures()
                pooled = [v for key in SCROLL_KEYS for v in latencies[key]]
                row["scroll_ms"] = summary(pooled)
                row["per_key_ms"] = {key: summary(v) for key, v in latencies.items()}
        finally:
            app.stop()
    finally:
        sim.close()
    return row


def _deep_view(depth: int, bump: int) -> Any:
    """A BTC/USD-like book of ``depth`` levels a side, through the real core."""
    import random

    from kraken_tui.kraken.book import OrderBook
    from kraken_tui.kraken.frames import BookData

    rng = random.Random(bump)
    book = OrderBook("BTC/USD", depth, 1, 8)
    asks = [(f"{97215.4 + i * 0.2:.1f}", f"{rng.uniform(0.01, 3):.8f}") for i in range(depth)]
    bids = [(f"{97215.3 - i * 0.2:.1f}", f"{rng.uniform(0.01, 3):.8f}") for i in range(depth)]
    book.apply(BookData("BTC/USD", bids, asks, None, None), True)
    return book.view()


def row_costs(repeats: int = 200) -> dict[str, float]:
    """Milliseconds per row computation of a 30-line, 45-cell ladder, by case."""
    import asyncio

    from textual.app import App, ComposeResult

    from kraken_tui.ui.widgets.book import BookLadder

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield BookLadder("BTC/USD", 1000)

    out: dict[str, float] = {}

    async def measure() -> None:
        app = One()
        async with app.run_test(size=(47, 34)):
            ladder = app.query_one(BookLadder)
            views = {d: [_deep_view(d, b) for b in range(10)] for d in (10, 1000)}
            for grouping in (1, 10):
                for depth in (10, 1000):
                    for scrolled in (False, True):
                        ladder.grouping = grouping
                        ladder.scroll.recentre()
                        if scrolled:
                            sides = ladder._grouped.of(views[depth][0], grouping)
                            ladder.scroll.move(-300, *sides, 13)
                        t0 = time.perf_counter()
                        for i in range(repeats):
                            ladder._compute_rows(views[depth][i % 10], 45, 30, True)
                        name = f"{grouping}x depth {depth}{' scrolled' if scrolled else ''}"
                        out[name] = (time.perf_counter() - t0) / repeats * 1000

    asyncio.run(measure())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0,
                        help="steady window (feed running, no keys), seconds")
    parser.add_argument("--baseline-duration", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--ups", type=float, default=10.0,
                        help="simulator steps per second per pair (the demo's pace)")
    parser.add_argument("--trials", type=int, default=20, help="presses of each scroll key")
    parser.add_argument("--gap", type=float, default=0.15, help="seconds between presses")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", default="", help="comma list of: bare,floor,depth10,rows")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the floor and the depth-1000 steady window this many "
                             "times in all and print the median ratio (a single window on "
                             "a shared machine moves by a third between identical runs)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    out: dict[str, Any] = {"terminal": "120x34", "ups": args.ups}
    if "rows" not in skip:
        out["rows_ms"] = {k: round(v, 4) for k, v in row_costs().items()}
        print(f"row computation, ms: {out['rows_ms']}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ladder_bench-") as tmp_name:
        tmp = Path(tmp_name)
        if "bare" not in skip:
            out["bare"] = run_baseline_bare(args.warmup, args.baseline_duration)
            print(f"bare Textual app: {out['bare']}", flush=True)
        if "floor" not in skip:
            out["floor"] = run_baseline_bare(args.warmup, args.baseline_duration,
                                             [sys.executable, str(FLOOR_SCRIPT)])
            print(f"Textual's floor (15 lines at 10 Hz): {out['floor']}", flush=True)
        if "depth10" not in skip:
            out["depth10"] = run_app(args.seed, args.ups, 10, args.warmup,
                                     args.baseline_duration, tmp, 0, args.gap)
            print(f"app at depth 10: {out['depth10']}", flush=True)
        out["depth1000"] = run_app(args.seed, args.ups, 1000, args.warmup, args.duration, tmp,
                                   args.trials, args.gap)
        print(f"app at depth 1000: {out['depth1000']}", flush=True)
        if "floor" in out:
            out["rounds"] = [_round(out["floor"]["cpu_pct"],
                                    out["depth1000"]["steady"]["cpu_pct"])]
            for _ in range(args.rounds - 1):
                floor = run_baseline_bare(args.warmup, args.baseline_duration,
                                          [sys.executable, str(FLOOR_SCRIPT)])
                deep = run_app(args.seed, args.ups, 1000, args.warmup, args.duration, tmp, 0,
                               args.gap)
                out["rounds"].append(_round(floor["cpu_pct"], deep["steady"]["cpu_pct"]))
                print(f"round {len(out['rounds'])}: {out['rounds'][-1]}", flush=True)
    print_table(out)
    if args.json:
        print(json.dumps(out), flush=True)
    return 0


def _round(floor: float, deep: float) -> dict[str, float]:
    return {"floor_cpu_pct": floor, "depth1000_cpu_pct": deep,
            "ratio": round(deep / floor, 2) if floor else math.nan}


def print_table(out: dict[str, Any]) -> None:
    bare = out.get("bare", {}).get("cpu_pct")
    floor = out.get("floor", {}).get("cpu_pct")
    shallow = out.get("depth10", {}).get("steady", {}).get("cpu_pct")

    def ratios(cpu: float | None) -> str:
        parts = []
        if cpu is not None and floor:
            parts.append(f"{cpu / floor:.2f}x Textual's floor")
        if cpu is not None and bare:
            parts.append(f"{cpu / bare:.1f}x bare Textual")
        if cpu is not None and shallow:
            parts.append(f"{cpu / shallow:.2f}x the app at depth 10")
        return f"  ({', '.join(parts)})" if parts else ""

    line = "{:<50} {:>10}"
    print()
    rows = out.get("rows_ms")
    if rows:
        base = rows["1x depth 10"]
        for name, ms in rows.items():
            print(line.format(f"rows of one paint, {name}, ms", f"{ms:.3f}")
                  + f"  ({ms / base:.2f}x depth 10 at 1x)")
    if bare is not None:
        print(line.format("baseline: bare Textual app, CPU % of a core", bare))
    if floor is not None:
        print(line.format("baseline: Textual's floor (15 lines at 10 Hz), CPU %", floor))
    if shallow is not None:
        print(line.format("baseline: the app at depth 10, CPU %", shallow) + ratios(shallow))
    deep = out["depth1000"]
    steady = deep["steady"]
    print(line.format(f"depth 1000, feed on, no keys: CPU % ({steady.get('book_fps')} "
                      "frames/s)", steady["cpu_pct"]) + ratios(steady["cpu_pct"]))
    if "keys_cpu" in deep:
        print(line.format("depth 1000, during the key trials: CPU %",
                          deep["keys_cpu"]["cpu_pct"]) + ratios(deep["keys_cpu"]["cpu_pct"]))
        s = deep["scroll_ms"]
        print(line.format(f"scroll key -> drawn, p50 / p99 ms (n={s['n']})",
                          f"{s.get('p50')} / {s.get('p99')}")
              + (f"  ({s['missed']} missed)" if s.get("missed") else ""))
        for key, k in deep["per_key_ms"].items():
            print(line.format(f"  {key}: p50 / max ms (n={k['n']})",
                              f"{k.get('p50')} / {k.get('max')}"))
        print(line.format("RSS max MB (depth 1000)", steady["rss_max_mb"]))
    rounds = out.get("rounds", [])
    if len(rounds) > 1:
        ratios_ = [r["ratio"] for r in rounds]
        print(line.format(f"depth 1000 / Textual's floor, {len(rounds)} rounds, median",
                          f"{statistics.median(ratios_):.2f}x")
              + f"  (each: {', '.join(f'{r:.2f}x' for r in ratios_)})")


if __name__ == "__main__":
    raise SystemExit(main())
