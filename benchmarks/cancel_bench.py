"""Guarded cancel latency on the monitor: from the confirming key to the row gone.

Why: a cancel is only done for the trader when the open-orders table stops showing the
order, and the table waits for Kraken's word (the executions stream, or REST when the
private socket is down): never an optimistic removal. This measures that whole path on
the real app in a pty (``ui_bench``'s harness: the app on a 160x50 pseudo-terminal,
every output chunk timestamped), against the full simulator in a child process with
the demo feed running (books moving ``--ups`` steps a second, the demo account's own
order flow on):

- **WS path.** ``--cancels`` orders of a bench account are shown in the table (focused
  with Tab: its first row highlighted). Each trial writes ``c``, waits for the dialog,
  then writes ``y``: the latency is from that write to the first output chunk that
  completes the table's border count one lower (``199 open``): key -> dialog closed ->
  feed loop -> ``cancel_order`` on the private socket -> the simulator's ``canceled``
  execution -> the table -> bytes on the tty. The highlight steps to the next row by
  itself, so the trials run back to back.
- **REST path.** The same with the private socket down (its token refused, so it stays
  down): ``CancelOrder`` signed over REST, then the REST reconcile of the open orders
  (``OpenOrders``, ``QueryOrders``) removes the row (border ``199 open · STALE``).
- **Baseline.** python-kraken-sdk's ``Trade.cancel_order`` (REST, synchronous) on its
  own account of the same simulator in the same run: one REST round trip with no
  screen at all, the floor a REST cancel costs here.

    python benchmarks/cancel_bench.py [--cancels 200] [--ups 10] [--json]

Nothing is asserted: p50/p99 are printed with the bar (p50 <= 150 ms) and the ratios to
the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import re
import sys
import tempfile
import time
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # this checkout's kraken_tui

import ui_bench  # noqa: E402
from feed_load import _pct, sim_command, start_pipe_reader  # noqa: E402
from ui_bench import BenchSim, PtyApp, _env, wait_live  # noqa: E402

#: 160x50, not ui_bench's 120x34: there the orders panel sits under the toasts' corner,
#: and a second toast on screen hid its count (``199 open``) until it went, 4 s later,
#: while the row itself was long gone. At 50 rows the panel is lower (and the connection
#: panel shows too, as on any screen that tall).
ui_bench.COLS, ui_bench.ROWS = 160, 50

SYMBOLS = ("BTC/USD", "ETH/USD", "DOGE/USD")
BAR_MS = 150.0
#: Bench orders: BTC/USD buys far below the demo book (nothing fills them), each with its
#: own size, 0.01 plus k satoshi, so that its row in the table is text no other row has.
PRICE = "20000.0"


def qty_text(k: int) -> str:
    return f"{Decimal('0.01') + Decimal(k).scaleb(-8):.8f}"


# ---------------------------------------------------------------------- the simulator child


def _cancel_sim_child(conn: Connection, seed: int, ups: float) -> None:
    asyncio.run(_cancel_sim_main(conn, seed, ups))


async def _cancel_sim_main(conn: Connection, seed: int, ups: float) -> None:
    from kraken_tui.sim import Simulator

    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    async with Simulator(seed=seed, order_flow=True, updates_per_second=ups,
                         idle_timeout=600.0) as sim:
        accounts = {"bench": sim.add_account(), "sdk": sim.add_account()}
        conn.send({"ws_url": sim.ws_url, "ws_auth_url": sim.ws_auth_url,
                   "rest_url": sim.rest_url, "api_key": sim.api_key,
                   "api_secret": sim.api_secret,
                   **{f"{k}_key": a.api_key for k, a in accounts.items()},
                   **{f"{k}_secret": a.api_secret for k, a in accounts.items()}})

        def handle(msg: tuple[Any, ...]) -> None:
            if msg[0] == "place":  # ("place", account, first k, count) -> order ids
                account, first, count = accounts[msg[1]], msg[2], msg[3]
                conn.send([sim.place_order("BTC/USD", "buy", qty_text(k), PRICE,
                                           account=account)
                           for k in range(first, first + count)])
            elif msg[0] == "open":
                conn.send(len(sim.truth_open_orders(accounts[msg[1]])))
            elif msg[0] == "private_down":  # no token any more, then the socket drops
                sim.faults.rest_error("GetWebSocketsToken", "EService:Unavailable", 10**6)
                conn.send(sim.faults.drop_connections("private"))
            else:
                conn.send(sim_command(sim, msg, done))

        start_pipe_reader(conn, loop, handle, done)
        await done.wait()


class CancelSim(BenchSim):
    def __init__(self, seed: int, ups: float) -> None:
        import threading

        import psutil

        ctx = mp.get_context("spawn")
        self.conn, child_conn = ctx.Pipe()
        self.generator = "sim"
        self.proc = ctx.Process(target=_cancel_sim_child, args=(child_conn, seed, ups),
                                daemon=True)
        self.proc.start()
        self.info: dict[str, str] = self.conn.recv()
        self.ws_url = self.info["ws_url"]
        self.ps = psutil.Process(self.proc.pid)
        self.log_path: Path | None = None
        self._lock = threading.Lock()


# ---------------------------------------------------------------------- the app


def start_app(sim: CancelSim, tmp: Path, profile: Path | None = None) -> PtyApp:
    config = tmp / "empty.toml"
    config.write_text("")
    python = [sys.executable]
    if profile is not None:
        python += ["-m", "cProfile", "-o", str(profile / "app-cancel.prof")]
    argv = [*python, "-m", "kraken_tui", "--config", str(config), "--allow-cancel",
            "--log-file", str(tmp / "app.log"), "--ws-url", sim.info["ws_url"],
            "--ws-auth-url", sim.info["ws_auth_url"], "--rest-url", sim.info["rest_url"]]
    for symbol in SYMBOLS:
        argv += ["--symbol", symbol]
    env = _env({"KRAKEN_API_KEY": sim.info["bench_key"],
                "KRAKEN_API_SECRET": sim.info["bench_secret"]})
    app = PtyApp(argv, env)
    app.log_path = tmp / "app.log"
    return app


def wait_re(app: PtyApp, pattern: bytes, start: int, timeout: float) -> float | None:
    """Arrival time of the chunk completing the first match of ``pattern`` after ``start``."""
    from bisect import bisect_left

    rx = re.compile(pattern, re.DOTALL)
    deadline = time.monotonic() + timeout
    with app._cond:
        while True:
            m = rx.search(app._buf, start)
            if m is not None:
                return app._times[bisect_left(app._ends, m.end())]
            left = deadline - time.monotonic()
            if left <= 0 or app.proc.poll() is not None:
                return None
            app._cond.wait(min(left, 0.1))


def count_shown(n: int, stale: bool = False) -> bytes:
    return rb"(?<![0-9])%d open" % n + (rb" \xc2\xb7 STALE" if stale else b"")


def line_with(text: str, row: int | None = None) -> bytes:
    """A write of one screen line (cursor moved to ``row``, or any) showing ``text``."""
    at = rb"\d+" if row is None else str(row).encode()
    return rb"\x1b\[(%s);\d+H(?:(?!\x1b\[\d+;\d+H).)*?%s" % (at, re.escape(text.encode()))


def top_row(app: PtyApp, first: str, start: int) -> int:
    """The screen row (1-based) the table draws its first order on."""
    if wait_re(app, line_with(first), start, 30) is None:
        raise RuntimeError(f"order {first} never shown:\n{app.tail_text()}")
    with app._cond:
        *_, last = re.finditer(line_with(first), app._buf[start:], re.DOTALL)
    return int(last.group(1))


def trials(app: PtyApp, rows: list[str], n: int, row: int, read_s: float) -> list[float]:
    """Cancel the first ``n`` of ``rows`` (the table's orders, top first, by their sizes),
    always the top one (the highlight steps down as each goes). The latency is from the
    ``y`` to the first write of the table's top line that shows the next order: the
    cancelled row is gone from the screen. (Not the border's count: a toast can sit on
    it, and in a pty one did, for its 4 s.)"""
    samples: list[float] = []
    for j in range(n):
        start = app.offset
        app.write(b"c")
        # The first c may meet the table before its focus (Tab) gave it a highlight: the
        # app then highlights the first row and says to pick one; c again opens the dialog.
        if wait_re(app, rb"Yes, cancel|Pick the order", start, 10) is None:
            raise RuntimeError(f"no dialog; last output:\n{app.tail_text()}")
        if not app.seen_since(b"Yes, cancel", start):
            start = app.offset
            app.write(b"c")
            if app.wait_for(b"Yes, cancel", start, 10) is None:
                raise RuntimeError(f"no dialog; last output:\n{app.tail_text()}")
        time.sleep(read_s)  # the trader reads the dialog; Textual finishes building it
        start = app.offset
        t0 = app.write(b"y")
        t1 = wait_re(app, line_with(rows[j + 1], row), start, 15)
        if t1 is None:
            raise RuntimeError(f"order {rows[j]} never left the top line; last output:\n"
                               f"{app.tail_text()}")
        samples.append((t1 - t0) * 1000)
    return samples


def sdk_baseline(sim: CancelSim, n: int) -> list[float]:
    """python-kraken-sdk's REST cancel, one order at a time, on its own account."""
    from kraken.spot import Trade

    ids = sim.ask("place", "sdk", 0, n)
    trade = Trade(key=sim.info["sdk_key"], secret=sim.info["sdk_secret"],
                  url=sim.info["rest_url"])
    samples = []
    for oid in ids:
        t0 = time.perf_counter()
        result = trade.cancel_order(txid=oid)
        samples.append((time.perf_counter() - t0) * 1000)
        assert result.get("count") == 1, result
    return samples


def figures(samples: list[float]) -> dict[str, float]:
    tenth = max(1, len(samples) // 10)
    return {"n": len(samples), "p50_ms": _pct(samples, 0.5), "p99_ms": _pct(samples, 0.99),
            "max_ms": max(samples), "first_tenth_p50_ms": _pct(samples[:tenth], 0.5),
            "last_tenth_p50_ms": _pct(samples[-tenth:], 0.5)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cancels", type=int, default=200, help="cancels per path")
    parser.add_argument("--ups", type=float, default=10.0,
                        help="demo book steps per second per symbol")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--read-ms", type=float, default=300.0,
                        help="pause between the dialog on screen and the y key: a person "
                        "reads it first (0: y as soon as the dialog is drawn, while Textual "
                        "is still laying it out)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep-log", metavar="PATH", help="copy the app's log there")
    parser.add_argument("--profile", metavar="DIR", type=Path,
                        help="run the app under cProfile (its UI thread), print the top")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"cancels": args.cancels, "ups": args.ups, "read_ms": args.read_ms}
    sim = CancelSim(args.seed, args.ups)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = start_app(sim, Path(tmp), args.profile)
            try:
                wait_live(app)
                n = args.cancels
                # n + 1 orders: after the n-th cancel the top line shows the last one.
                sim.ask("place", "bench", 1, n + 1)
                rows = [qty_text(k) for k in range(1, n + 2)]
                if wait_re(app, count_shown(n + 1), 0, 30) is None:
                    raise RuntimeError(f"{n + 1} orders never shown:\n{app.tail_text()}")
                start = app.offset
                app.write(b"\t")  # the table takes the keys, its first row highlighted
                out["ws"] = figures(trials(app, rows, n, top_row(app, rows[0], start),
                                           args.read_ms / 1000))
                rows = rows[n:] + [qty_text(k) for k in range(n + 2, 2 * n + 3)]
                start = app.offset
                sim.ask("place", "bench", n + 2, n + 1)
                sim.ask("private_down")
                if wait_re(app, count_shown(n + 2, stale=True), start, 30) is None:
                    raise RuntimeError(f"the table never went stale:\n{app.tail_text()}")
                start = app.offset
                out["rest"] = figures(trials(app, rows, n, top_row(app, rows[0], start),
                                           args.read_ms / 1000))
                out["left_open"] = sim.ask("open", "bench")
            finally:
                app.stop()
                if args.keep_log:
                    Path(args.keep_log).write_bytes((Path(tmp) / "app.log").read_bytes())
        out["sdk_rest"] = figures(sdk_baseline(sim, args.cancels))
    finally:
        sim.close()
    sdk = out["sdk_rest"]["p50_ms"]
    for path in ("ws", "rest"):
        out[path]["p50_vs_sdk"] = out[path]["p50_ms"] / sdk
        out[path]["p99_vs_sdk"] = out[path]["p99_ms"] / out["sdk_rest"]["p99_ms"]
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"cancel latency, {args.cancels} cancels per path, demo feed at {args.ups:g} "
          f"steps/s, y pressed {args.read_ms:g} ms after the dialog is drawn "
          f"(y key -> row gone from the table, on the tty)")
    for name, label in (("ws", "monitor, private WS"), ("rest", "monitor, REST (WS down)"),
                        ("sdk_rest", "python-kraken-sdk REST call")):
        f = out[name]
        line = (f"  {label:<28} p50 {f['p50_ms']:7.1f} ms  p99 {f['p99_ms']:7.1f} ms  "
                f"max {f['max_ms']:7.1f} ms")
        if name != "sdk_rest":
            verdict = "meets" if f["p50_ms"] <= BAR_MS else "MISSES"
            line += (f"  | p50 {f['p50_vs_sdk']:.2f}x sdk, p99 {f['p99_vs_sdk']:.2f}x sdk"
                     f"  | bar p50 <= {BAR_MS:.0f} ms: {verdict}")
        print(line)
    print(f"  bench account orders left open: {out['left_open']}")
    if args.profile is not None:
        ui_bench.print_profiles(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
