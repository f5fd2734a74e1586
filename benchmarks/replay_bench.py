"""Replay throughput: ``events --replay FILE --speed max`` against the book core's own rate.

Why: a replay is how a reported problem is reproduced and how recorded sessions feed
tests, so it must go about as fast as the core can verify books. This writes
``book_bench.generate``'s seeded BTC/USD stream (a snapshot, then N updates with correct
checksums) as a recording (our format, an instrument frame first), then times, in the
same run and process:

* ``core``: ``book_bench.run_ours`` on the same frame texts (decode + apply + checksum),
  best of ``--repeat``;
* ``replay``: the ``events --replay`` path in process (reader, ``ReplayFeed``, book
  tracker, pulled views, JSON lines to /dev/null), best of ``--repeat``;
* ``command``: the real ``kraken-tui events --replay FILE`` as a subprocess, once
  (interpreter start-up included), for scale.

Ratios are against ``core`` at the same depth; the bar is replay >= 0.8x.

    python benchmarks/replay_bench.py [--updates 50000] [--depths 10,1000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.book_bench import (  # noqa: E402
    PRICE_PRECISION,
    QTY_PRECISION,
    SYMBOL,
    generate,
    run_ours,
)
from kraken_tui.feed import cli as events_cli  # noqa: E402
from kraken_tui.record.replay import ReplayFeed, plan_replay  # noqa: E402


def write_recording(path: Path, frames: list[str], depth: int) -> None:
    pair = {"symbol": SYMBOL, "base": "BTC", "quote": "USD", "status": "online",
            "price_precision": PRICE_PRECISION, "qty_precision": QTY_PRECISION,
            "price_increment": 0.1, "qty_increment": 1e-08, "qty_min": 0.0001,
            "cost_min": 0.5, "cost_precision": 5, "marginable": False, "has_index": True,
            "tick_size": 0.1}
    instrument = json.dumps({"channel": "instrument", "type": "snapshot",
                             "data": {"assets": [], "pairs": [pair]}})
    meta = {"kraken_tui_recording": 1, "started": "2026-12-03T00:00:00Z",
            "symbols": [SYMBOL], "depth": depth, "version": "bench"}
    with path.open("w") as out:
        out.write(json.dumps(meta) + "\n")
        for i, text in enumerate([instrument, *frames]):
            out.write(f'{{"t":{i / 1000:.3f},"conn":"public","frame":{text}}}\n')


def time_replay(path: Path) -> tuple[float, float]:
    """(wall, cpu) seconds of the events --replay path, in process, output to /dev/null."""
    plan = plan_replay(path)
    with open(os.devnull, "w") as null:
        def make_feed(sink, on_books_dirty):  # type: ignore[no-untyped-def]
            return ReplayFeed(plan, sink, speed=None, view_levels=events_cli.EVENT_LEVELS,
                              on_books_dirty=on_books_dirty)

        cpu, wall = time.process_time(), time.perf_counter()
        asyncio.run(events_cli._stream(make_feed, None, null, pull=True))
        return time.perf_counter() - wall, time.process_time() - cpu


def time_command(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kraken_tui", "events", "--replay", str(path)],
                   check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=50_000)
    parser.add_argument("--depths", default="10,1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for depth in (int(d) for d in args.depths.split(",")):
            frames = generate(depth, args.updates, args.seed)
            path = Path(tmp) / f"bench-{depth}.ndjson"
            write_recording(path, frames, depth)
            core = max(run_ours(frames, depth).fps for _ in range(args.repeat))
            replays = [time_replay(path) for _ in range(args.repeat)]
            replay = len(frames) / min(wall for wall, _ in replays)
            replay_cpu = len(frames) / min(cpu for _, cpu in replays)
            command = len(frames) / time_command(path)
            rows.append({"depth": depth, "frames": len(frames), "core_fps": round(core),
                         "replay_fps": round(replay), "replay_cpu_fps": round(replay_cpu),
                         "command_fps": round(command),
                         "replay_x_core": round(replay / core, 2),
                         "command_x_core": round(command / core, 2)})
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(f"{'depth':>5} {'frames':>7} {'core f/s':>9} {'replay f/s':>10} {'x core':>6} "
          f"{'command f/s':>11} {'x core':>6}")
    for r in rows:
        print(f"{r['depth']:>5} {r['frames']:>7} {r['core_fps']:>9} {r['replay_fps']:>10} "
              f"{r['replay_x_core']:>6} {r['command_fps']:>11} {r['command_x_core']:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
