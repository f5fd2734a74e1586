"""The monitor as a user runs it: CPU, memory and responsiveness of the real app in a real pty.

Why: ``feed_load.py --ui`` drives the app headless (``run_test``) in the benchmark's own
process, so its CPU figure includes the load generator's client side and never pays for
terminal output. A user runs ``kraken-tui`` in a terminal, where every repaint is escape
sequences written to a tty. This script runs exactly that and measures it against the bar:

1. Realistic feed (3 symbols, ~30 book frames/s): <= 5% of one core on average over 60 s,
   <= 120 MB RSS.
2. A 2,000 frames/s burst over 10 symbols: a key press handled within 100 ms, and the latest
   book state on screen within 100 ms of the burst ending.

Setup (why each piece is there):

- The exchange is the project's own ``Simulator``, in a **child process** (multiprocessing,
  spawn; the handle is ``feed_load.SimProcess``'s ``ask``/``close``), so generating frames is
  not charged to the app. It is the full simulator (public + private endpoints, demo keys,
  the demo account's order flow), not ``feed_load``'s replay generator: the replay endpoint
  is public-only and cannot inject the marker update used below; 2,000 frames/s at depth 10
  is well within what the simulator's own burst mode produces (~6k/s per core at depth 100).
  The child counts book frames it sends on public sockets: that is the app's frames/s.
- The app is ``python -m kraken_tui --ws-url ... --ws-auth-url ... --rest-url ... --symbol
  ...`` with the simulator's keys in ``KRAKEN_API_KEY``/``KRAKEN_API_SECRET``, ``--config``
  pointing at an empty temp TOML (the developer's config is never read) and the log in the
  temp dir. Its stdin/stdout/stderr are the slave side of a pseudo-terminal sized 120x34
  (``TIOCSWINSZ``), ``TERM=xterm-256color``; a thread drains the master side and timestamps
  every chunk (``time.time()``, the same clock the simulator child uses).
- CPU is the app process's ``psutil`` ``cpu_times`` (user + system, all its threads, i.e.
  the UI loop *and* the feed thread) over the window, after a warm-up, divided by wall
  time: 100% = one core. RSS is sampled every 0.5 s: max and end.

Part 1: the simulator steps BTC/USD, ETH/USD, DOGE/USD (and MINA/GBP, not subscribed)
``--ups`` times a second each; the app watches the three. The achieved book frames/s is
reported (a step that does not change the top 10 levels sends no frame).

Part 2: the app watches SYN01/USD..SYN10/USD (always listed by the simulator, still until a
burst drives them); the child runs ``faults.burst(rate, those 10)``, its tick rate scaled
once so the app receives ~2,000 *book frames*/s (a step that leaves the top 10 levels
unchanged sends nothing). CPU and RSS are taken over the key-press window.

- Key latency: while the burst runs, ``p`` is written to the pty; the app answers by drawing
  ``PAUSED`` (the status bar's ``❚❚ PAUSED`` and the ladder's border subtitle). The time from
  the write to the first output chunk that completes the bytes ``PAUSED`` is the latency
  (Textual interleaves escape sequences, but a styled run of text is written contiguously).
  ``PAUSED`` is never on screen while running, so the first occurrence is the answer. Then
  ``p`` again resumes, and the next trial starts only once no ``PAUSED`` has been drawn for
  0.3 s. This is input -> handler -> repaint -> bytes on the tty, what a user feels.
- Latest state: the child stops the burst and, in the same event-loop callback, sets the
  best bid of SYN01/USD (the shown tab) to a distinctive size (``42.42NN0000``) and fans
  it out as a normal, correctly checksummed update; it returns ``time.time()`` at that
  moment. The latency is from then to the first output chunk containing that size text. The
  marker frame queues behind whatever burst frames the app has not read yet, so this is
  "burst ends -> final state on screen", including any backlog, the feed's 50 ms view
  coalescing and the ladder's 20 fps paint cap. Repeated after short bursts; the same
  marker on a quiet feed is measured first for comparison.

Part 3 (``part3_trades``, in ``tape_burst_bench.py`` with this harness): part 1's feed plus
``--trades-rate`` trades/s on BTC/USD, the shown tab; key and book-marker latency, CPU.

Baselines, measured in the same run so figures read as ratios: the same app with a quiet
feed (the simulator steps once per 100 s, no order flow: heartbeats, the 1 Hz clock and
the feed's timers only), a bare Textual app (a Static, a Footer and a 1 Hz clock) in the
same pty, and Textual's floor for a ladder (a bordered line widget redrawing 15 lines 10 times
a second, no data): what any 10 fps ladder costs in Textual before doing anything.

    python benchmarks/ui_bench.py [--duration 60] [--json] [--profile DIR]

``--profile DIR`` runs the app under cProfile (``python -m cProfile -o``) and prints its top
functions. cProfile sees the main thread only (the UI loop, which is what paints; the feed
thread is not in it) and inflates CPU: use it to find a bottleneck, not to measure.
No figure here is asserted: this prints numbers, the bar is printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import multiprocessing as mp
import os
import pstats
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from bisect import bisect_left
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import psutil  # noqa: E402
from feed_load import (  # noqa: E402
    SimProcess,
    _pct,
    public_backlog,
    sim_command,
    start_pipe_reader,
)

COLS, ROWS = 120, 34
PART1_SYMBOLS = ("BTC/USD", "ETH/USD", "DOGE/USD")
PART2_SYMBOLS = tuple(f"SYN{i:02d}/USD" for i in range(1, 11))
MARK_SYMBOL = PART2_SYMBOLS[0]  # the first tab: the ladder on screen
BAR = {"cpu_pct": 5.0, "rss_mb": 120.0, "key_ms": 100.0, "latest_ms": 100.0}

BARE_APP = """
import time
from textual.app import App
from textual.widgets import Footer, Static

class Bare(App):
    BINDINGS = [("q", "quit", "Quit")]
    def compose(self):
        yield Static(id="clock")
        yield Footer()
    def on_mount(self):
        self.set_interval(1.0, self.tick)
    def tick(self):
        self.query_one("#clock", Static).update(time.strftime("%H:%M:%S LIVE"))

Bare().run()
"""

# Textual's own floor for a ladder, shared with frame_bench (see that file).
FLOOR_SCRIPT = Path(__file__).with_name("textual_floor.py")


# ---------------------------------------------------------------------- the simulator child


def _sim_child(conn: Connection, seed: int, ups: float, order_flow: bool) -> None:
    """Child process: a full Simulator, steered over ``conn``."""
    asyncio.run(_sim_main(conn, seed, ups, order_flow))


async def _sim_main(conn: Connection, seed: int, ups: float, order_flow: bool) -> None:
    from kraken_tui.sim import Simulator
    from kraken_tui.sim import ws as sim_ws
    from kraken_tui.sim.wire import num

    counts = {"public": 0, "book": 0, "trades": 0}
    original_send = sim_ws.Connection.send

    def counting_send(self: Any, text: str) -> None:
        if self.endpoint == "public" and not self.closed:
            counts["public"] += 1
            if text.startswith('{"channel":"book"'):
                counts["book"] += 1
            elif text.startswith('{"channel":"trade"'):
                counts["trades"] += text.count('"trade_id"')
        original_send(self, text)

    sim_ws.Connection.send = counting_send  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    async with Simulator(seed=seed, order_flow=order_flow, updates_per_second=ups,
                         idle_timeout=600.0) as sim:
        conn.send({"ws_url": sim.ws_url, "ws_auth_url": sim.ws_auth_url,
                   "rest_url": sim.rest_url, "api_key": sim.api_key,
                   "api_secret": sim.api_secret})

        def mark(symbol: str, lots: int, level: int = 0) -> dict[str, Any]:
            """End the book burst and publish a distinctive size on the ``level``-th bid
            (0: the best), in one callback."""
            sim.faults.stop_burst()
            at = time.time()
            market = sim.market[symbol]
            price = market.book.price_at(True, level)
            market.book.set(True, price, lots)
            sim.hub.on_book_changed(symbol)
            spec = sim.market.specs[symbol]
            return {"t": at, "text": str(num(lots, spec.qty_decimals)), "price": price}

        def handle(msg: tuple[Any, ...]) -> None:
            if msg[0] == "mark":
                conn.send(mark(*msg[1:]))
            elif msg[0] == "trade_burst":  # tape_burst_bench: takers at one symbol's touch
                sim.faults.trade_burst(msg[1], msg[2])
                conn.send("ok")
            elif msg[0] == "stop_trade_burst":
                sim.faults.stop_trade_burst()
                conn.send("ok")
            elif msg[0] == "holds":  # ("holds", symbol, price, lots): the marker still there?
                conn.send(sim.market[msg[1]].book.bids.get(msg[2]) == msg[3])
            elif msg[0] == "stats":
                conn.send({**counts, "backlog": public_backlog(sim), "t": time.monotonic()})
            else:
                conn.send(sim_command(sim, msg, done))

        start_pipe_reader(conn, loop, handle, done)
        await done.wait()


class BenchSim(SimProcess):
    """The full simulator in a child; ``ask``/``close`` are ``feed_load``'s."""

    def __init__(self, seed: int, ups: float, order_flow: bool = True) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child_conn = ctx.Pipe()
        self.generator = "sim"
        self.proc = ctx.Process(target=_sim_child, args=(child_conn, seed, ups, order_flow),
                                daemon=True)
        self.proc.start()
        self.info: dict[str, str] = self.conn.recv()
        self.ws_url = self.info["ws_url"]
        self.ps = psutil.Process(self.proc.pid)
        self.log_path: Path | None = None
        self._lock = threading.Lock()


# ---------------------------------------------------------------------- the app in a pty


class PtyApp:
    """A process on a pseudo-terminal; its output is kept with the time each chunk arrived."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     cwd=str(ROOT), start_new_session=True, close_fds=True)
        os.close(slave)
        self.master = master
        self.ps = psutil.Process(self.proc.pid)
        self.log_path: Path | None = None
        self._buf = bytearray()
        self._ends: list[int] = []  # end offset of each chunk in _buf
        self._times: list[float] = []  # time.time() each chunk was read
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:  # EIO: the slave side is closed (the app exited)
                break
            if not data:
                break
            now = time.time()
            with self._cond:
                self._buf += data
                self._ends.append(len(self._buf))
                self._times.append(now)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def offset(self) -> int:
        with self._cond:
            return len(self._buf)

    @property
    def output_bytes(self) -> int:
        return self.offset

    def write(self, data: bytes) -> float:
        """Send keys; returns the time just before the write."""
        at = time.time()
        os.write(self.master, data)
        return at

    def seen_since(self, pattern: bytes, start: int) -> bool:
        with self._cond:
            return self._buf.find(pattern, start) >= 0

    def wait_for(self, pattern: bytes, start: int, timeout: float) -> float | None:
        """Arrival time of the chunk completing the first ``pattern`` at/after ``start``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                i = self._buf.find(pattern, start)
                if i >= 0:
                    k = bisect_left(self._ends, i + len(pattern))
                    return self._times[k]
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return None
                self._cond.wait(min(left, 0.1))

    def tail_text(self, n: int = 2000) -> str:
        with self._cond:
            return bytes(self._buf[-n:]).decode("utf-8", "replace")

    def stop(self, quit_key: bytes = b"q") -> None:
        with contextlib.suppress(OSError):
            self.write(quit_key)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        with contextlib.suppress(OSError):
            os.close(self.master)


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KRAKEN_", "TEXTUAL")) and k not in ("COLUMNS", "LINES")}
    env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor", "PYTHONUNBUFFERED": "1"})
    env.update(extra or {})
    return env


def start_monitor(sim: BenchSim, symbols: tuple[str, ...], tmp: Path,
                  profile: Path | None = None, tag: str = "") -> PtyApp:
    """The real app on a pty, against ``sim``, with an empty config and a temp log file."""
    config = tmp / "empty.toml"
    config.write_text("")
    python = [sys.executable]
    if profile is not None:
        python += ["-m", "cProfile", "-o", str(profile / f"app-{tag}.prof")]
    argv = [*python, "-m", "kraken_tui", "--config", str(config),
            "--log-file", str(tmp / f"app-{tag}.log"),
            "--ws-url", sim.info["ws_url"], "--ws-auth-url", sim.info["ws_auth_url"],
            "--rest-url", sim.info["rest_url"]]
    for symbol in symbols:
        argv += ["--symbol", symbol]
    env = _env({"KRAKEN_API_KEY": sim.info["api_key"],
                "KRAKEN_API_SECRET": sim.info["api_secret"]})
    app = PtyApp(argv, env)
    app.log_path = tmp / f"app-{tag}.log"
    return app


def wait_live(app: PtyApp, timeout: float = 30.0) -> None:
    """Until the shown ladder says LIVE (the first book verified and painted)."""
    if app.wait_for(b"LIVE", 0, timeout) is None:
        raise RuntimeError(f"the app never showed LIVE; last output:\n{app.tail_text()}")


# ---------------------------------------------------------------------- measuring


class Meter:
    """CPU and RSS of one process over a window; RSS sampled in a thread every 0.5 s."""

    def __init__(self, ps: psutil.Process) -> None:
        self.ps = ps
        self.rss: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.rss.append(self.ps.memory_info().rss / 2**20)
            self._stop.wait(0.5)

    def __enter__(self) -> Meter:
        self.c0, self.t0 = self.ps.cpu_times(), time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.c1, self.t1 = self.ps.cpu_times(), time.monotonic()
        self._stop.set()
        self._thread.join()
        self.rss.append(self.ps.memory_info().rss / 2**20)

    @property
    def elapsed(self) -> float:
        return self.t1 - self.t0

    def figures(self) -> dict[str, float]:
        cpu = (self.c1.user + self.c1.system) - (self.c0.user + self.c0.system)
        return {"cpu_pct": round(100 * cpu / self.elapsed, 2),
                "rss_max_mb": round(max(self.rss), 1), "rss_end_mb": round(self.rss[-1], 1),
                "seconds": round(self.elapsed, 1)}


def steady_window(app: PtyApp, sim: BenchSim | None, warmup: float,
                  duration: float) -> dict[str, Any]:
    """Warm up, then CPU/RSS of the app and frames/s sent to it over ``duration``."""
    time.sleep(warmup)
    s0 = sim.ask("stats") if sim else None
    sc0 = sim.ps.cpu_times() if sim else None
    out0 = app.output_bytes
    with Meter(app.ps) as meter:
        time.sleep(duration)
    row: dict[str, Any] = meter.figures()
    row["tty_kb_per_s"] = round((app.output_bytes - out0) / 1024 / meter.elapsed, 1)
    if sim and s0 is not None and sc0 is not None:
        s1, sc1 = sim.ask("stats"), sim.ps.cpu_times()
        row["book_fps"] = round((s1["book"] - s0["book"]) / meter.elapsed, 1)
        row["public_fps"] = round((s1["public"] - s0["public"]) / meter.elapsed, 1)
        row["sim_cpu_pct"] = round(100 * ((sc1.user + sc1.system) - (sc0.user + sc0.system))
                                   / meter.elapsed, 1)
    return row


def run_baseline_bare(warmup: float, duration: float, command: list[str] | None = None
                      ) -> dict[str, Any]:
    app = PtyApp(command or [sys.executable, "-c", BARE_APP], _env())
    try:
        if app.wait_for(b"LIVE", 0, 30) is None:
            raise RuntimeError(f"bare app did not start:\n{app.tail_text()}")
        return steady_window(app, None, warmup, duration)
    finally:
        app.stop()


def run_part1(seed: int, ups: float, warmup: float, duration: float, tmp: Path,
              profile: Path | None, tag: str = "part1", keys: bytes = b"") -> dict[str, Any]:
    """``keys``: typed once the book is live (``kf`` hides the market panels: the chart,
    the trade tape and My fills; the one-line ticker strip stays)."""
    sim = BenchSim(seed, ups, order_flow=ups >= 1)
    try:
        app = start_monitor(sim, PART1_SYMBOLS, tmp, profile, tag)
        try:
            wait_live(app)
            if keys:
                app.write(keys)
            row = steady_window(app, sim, warmup, duration)
        finally:
            app.stop()
    finally:
        sim.close()
    row["ups"] = ups
    return row


def _key_trial(app: PtyApp, timeout: float = 5.0) -> float | None:
    """Press ``p`` while running; ms until ``PAUSED`` is drawn. Leaves the app running."""
    start = app.offset
    sent = app.write(b"p")
    seen = app.wait_for(b"PAUSED", start, timeout)
    time.sleep(0.3)
    app.write(b"p")  # resume
    # Settled: no PAUSED drawn for 0.3 s (a resumed screen never draws it).
    for _ in range(50):
        time.sleep(0.3)
        quiet_from = app.offset
        time.sleep(0.3)
        if not app.seen_since(b"PAUSED", quiet_from):
            break
    return None if seen is None else (seen - sent) * 1000


def _mark(app: PtyApp, sim: BenchSim, rep: int, timeout: float = 10.0,
          symbol: str = MARK_SYMBOL, level: int = 0,
          replaced: list[int] | None = None) -> tuple[float | None, int]:
    """Stop the burst with a distinctive update; ms until it is on screen, and the backlog.

    A marker never drawn is appended to ``replaced`` when the simulator's book no longer
    holds it: the market changed that level first (a taker, a step), so the screen was
    right not to show it. One it still holds after ``timeout`` is a screen that stalled.
    """
    # 42.42NN0000 at 8 decimals (rep < 90): under 1,000, so the ladder's thousands grouping
    # leaves the digits contiguous (4,242.10000000 never matched a 4242.1000 needle)
    lots = (4242 * 100 + 10 + rep) * 10**4
    backlog = sim.ask("stats")["backlog"]
    start = app.offset
    marked = sim.ask("mark", symbol, lots, level)
    # Match the integer part and 4 decimals: robust if the ladder trims decimals to fit.
    needle = marked["text"][: marked["text"].index(".") + 5].encode()
    seen = app.wait_for(needle, start, timeout)
    if seen is None and replaced is not None and not sim.ask(
            "holds", symbol, marked["price"], lots):
        replaced.append(rep)
        print(f"mark {rep} ({needle.decode()}) replaced by the market before a paint",
              file=sys.stderr)
    elif seen is None:  # say why, so a miss can be told from a slow screen
        tail = app.log_path.read_text().splitlines()[-8:] if app.log_path else []
        print(f"mark {rep} ({needle.decode()}) not drawn in {timeout:.0f}s; app log tail:",
              *tail, sep="\n", file=sys.stderr)
    return (None if seen is None else (seen - marked["t"]) * 1000), backlog


def calibrate_burst(sim: BenchSim, rate: float, warmup: float) -> float:
    """Start the burst so the app gets ``rate`` book frames/s; returns the ticks/s asked.

    The simulator's burst counts market steps, and a step that leaves the subscribed top
    levels unchanged sends no frame (~10% at depth 10): the tick rate is scaled up once
    from a 2 s sample so the frames the app receives are the ones the bar names.
    """
    sim.ask("burst", rate, PART2_SYMBOLS)
    time.sleep(max(1.0, warmup / 2))
    s0, t0 = sim.ask("stats"), time.monotonic()
    time.sleep(2.0)
    s1 = sim.ask("stats")
    got = (s1["book"] - s0["book"]) / (time.monotonic() - t0)
    asked = rate
    if 0 < got < 0.97 * rate:
        asked = rate * rate / got
        sim.ask("burst", asked, PART2_SYMBOLS)
    time.sleep(max(1.0, warmup / 2))
    return asked


def run_part2(seed: int, rate: float, warmup: float, keys: int, marks: int,
              burst_seconds: float, tmp: Path, profile: Path | None,
              quiet_marks: int = 5) -> dict[str, Any]:
    sim = BenchSim(seed, 10.0, order_flow=True)
    result: dict[str, Any] = {"rate": rate, "symbols": len(PART2_SYMBOLS)}
    try:
        app = start_monitor(sim, PART2_SYMBOLS, tmp, profile, "part2")
        try:
            wait_live(app)
            time.sleep(2.0)
            # The same marker with no burst: the pipeline's own floor (feed view coalescing
            # <= 50 ms, ladder paint cap <= 50 ms, Textual's screen update), for comparison.
            quiet: list[float | None] = []
            for i in range(quiet_marks):
                quiet.append(_mark(app, sim, 80 + i)[0])
                time.sleep(0.5)
            result["latest_quiet_ms"] = [None if q is None else round(q, 1) for q in quiet]
            asked = calibrate_burst(sim, rate, warmup)
            result["burst_ticks_asked"] = round(asked)
            s0 = sim.ask("stats")
            out0 = app.output_bytes
            key_ms: list[float] = []
            missed = 0
            with Meter(app.ps) as meter:
                for _ in range(keys):
                    ms = _key_trial(app)
                    if ms is None:
                        missed += 1
                    else:
                        key_ms.append(ms)
            s1 = sim.ask("stats")
            result.update(meter.figures())
            result["book_fps"] = round((s1["book"] - s0["book"]) / meter.elapsed, 1)
            result["tty_kb_per_s"] = round((app.output_bytes - out0) / 1024 / meter.elapsed, 1)
            result["backlog_end"] = s1["backlog"]
            result["key_ms"] = {"p50": round(statistics.median(key_ms), 1) if key_ms else None,
                                "p90": round(_pct(key_ms, 0.9), 1) if key_ms else None,
                                "max": round(max(key_ms), 1) if key_ms else None,
                                "n": len(key_ms), "missed": missed,
                                "all": [round(k, 1) for k in key_ms]}
            latest: list[float] = []
            backlogs: list[int] = []
            lost = 0
            rss = list(meter.rss)
            for rep in range(marks):
                if rep:  # the first burst is the one the keys ran in
                    sim.ask("burst", asked, PART2_SYMBOLS)
                    time.sleep(burst_seconds)
                ms, backlog = _mark(app, sim, rep)
                backlogs.append(backlog)
                rss.append(app.ps.memory_info().rss / 2**20)
                if ms is None:
                    lost += 1
                else:
                    latest.append(ms)
                time.sleep(0.5)
            result["latest_ms"] = {"p50": round(statistics.median(latest), 1) if latest else None,
                                   "max": round(max(latest), 1) if latest else None,
                                   "n": len(latest), "missed": lost,
                                   "all": [round(x, 1) for x in latest],
                                   "sim_backlog_at_stop": backlogs}
            result["rss_max_mb"] = round(max(rss), 1)
            result["rss_end_mb"] = round(app.ps.memory_info().rss / 2**20, 1)
        finally:
            app.stop()
    finally:
        sim.close()
    return result


def _met(value: float | None, bar: float) -> str:
    if value is None:
        return "n/a"
    return "met" if value <= bar else "NOT met"


def print_profiles(profile: Path, top: int = 25) -> None:
    for path in sorted(profile.glob("*.prof")):
        print(f"\n--- cProfile {path.name} (top {top} by own time) ---")
        stats = pstats.Stats(str(path))
        stats.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0,
                        help="part 1 measuring window, seconds (default 60)")
    parser.add_argument("--baseline-duration", type=float, default=20.0,
                        help="window for each baseline, seconds (default 20)")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--ups", type=float, default=10.0,
                        help="part 1: simulator steps per second per pair (10 = ~30 book "
                             "frames/s over 3 symbols)")
    parser.add_argument("--rate", type=float, default=2000.0, help="part 2 burst frames/s")
    parser.add_argument("--keys", type=int, default=10, help="part 2 key presses")
    parser.add_argument("--marks", type=int, default=8, help="part 2 burst-end measurements")
    parser.add_argument("--quiet-marks", type=int, default=5,
                        help="part 2: marker measurements on a quiet feed, for comparison")
    parser.add_argument("--burst-seconds", type=float, default=3.0,
                        help="part 2: burst length before each later burst-end measurement")
    parser.add_argument("--trades-rate", type=float, default=200.0,
                        help="part 3: trades/s on the shown symbol (tape_burst_bench.py)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", default="",
                        help="comma list of: bare,floor,idle,part1,part1_no_market,part2,"
                             "part3_trades")
    parser.add_argument("--profile", metavar="DIR",
                        help="run the app under cProfile, write .prof files here and print "
                             "the top functions (inflates CPU)")
    parser.add_argument("--json", action="store_true",
                        help="also print everything as one JSON object on the last line")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    profile = Path(args.profile).resolve() if args.profile else None
    if profile:
        profile.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"bar": BAR, "terminal": f"{COLS}x{ROWS}", "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="ui_bench-") as tmp_name:
        tmp = Path(tmp_name)
        if "bare" not in skip:
            out["baseline_bare_textual"] = run_baseline_bare(args.warmup, args.baseline_duration)
            print(f"baseline bare Textual app: {out['baseline_bare_textual']}", flush=True)
        if "floor" not in skip:
            out["baseline_textual_floor"] = run_baseline_bare(
                args.warmup, args.baseline_duration, [sys.executable, str(FLOOR_SCRIPT)])
            print(f"baseline Textual floor (15 lines at 10 Hz): {out['baseline_textual_floor']}",
                  flush=True)
        if "idle" not in skip:
            out["baseline_idle_app"] = run_part1(args.seed, 0.01, args.warmup,
                                                 args.baseline_duration, tmp, profile, "idle")
            print(f"baseline app, quiet feed: {out['baseline_idle_app']}", flush=True)
        if "part1" not in skip:
            out["part1"] = run_part1(args.seed, args.ups, args.warmup, args.duration, tmp,
                                     profile)
            print(f"part 1: {out['part1']}", flush=True)
        if "part1_no_market" not in skip:
            out["part1_no_market"] = run_part1(args.seed, args.ups, args.warmup, args.duration,
                                               tmp, profile, "part1-no-market", keys=b"kf")
            print(f"part 1 without the market panels: {out['part1_no_market']}", flush=True)
        if "part2" not in skip:
            out["part2"] = run_part2(args.seed, args.rate, args.warmup, args.keys, args.marks,
                                     args.burst_seconds, tmp, profile, args.quiet_marks)
            print(f"part 2: {out['part2']}", flush=True)
        if "part3_trades" not in skip:
            from tape_burst_bench import run_part3  # it imports this module's harness
            out["part3_trades"] = run_part3(args.seed, args.trades_rate, args.ups, args.warmup,
                                            args.keys, args.marks, tmp, profile,
                                            args.quiet_marks)
            print(f"part 3: {out['part3_trades']}", flush=True)
    print_table(out)
    if profile:
        print_profiles(profile)
    if args.json:
        print(json.dumps(out), flush=True)
    return 0


def print_table(out: dict[str, Any]) -> None:
    idle = out.get("baseline_idle_app", {}).get("cpu_pct")
    bare = out.get("baseline_bare_textual", {}).get("cpu_pct")
    floor = out.get("baseline_textual_floor", {}).get("cpu_pct")

    def ratio(cpu: float | None) -> str:
        parts = []
        if cpu is not None and floor:
            parts.append(f"{cpu / floor:.2f}x Textual's floor")
        if cpu is not None and idle:
            parts.append(f"{cpu / idle:.1f}x idle app")
        if cpu is not None and bare:
            parts.append(f"{cpu / bare:.1f}x bare Textual")
        return f"  ({', '.join(parts)})" if parts else ""

    print(f"\n{'figure':<52} {'value':>12}  {'bar':>9}  verdict")
    line = "{:<52} {:>12}  {:>9}  {}"
    for name, key in (("baseline: bare Textual app", "baseline_bare_textual"),
                      ("baseline: Textual, 15 lines at 10 Hz", "baseline_textual_floor"),
                      ("baseline: this app, quiet feed", "baseline_idle_app")):
        row = out.get(key)
        if row:
            print(line.format(f"{name}: CPU % of a core", row["cpu_pct"], "", "context"))
            print(line.format(f"{name}: RSS max/end MB",
                              f"{row['rss_max_mb']}/{row['rss_end_mb']}", "", "context"))
    p1 = out.get("part1")
    if p1:
        print(line.format(f"part 1: book frames/s to the app (ups {p1['ups']})",
                          p1["book_fps"], "~30", "context"))
        print(line.format(f"part 1: CPU % of a core, {p1['seconds']:.0f} s avg", p1["cpu_pct"],
                          f"<= {BAR['cpu_pct']}", _met(p1["cpu_pct"], BAR["cpu_pct"]))
              + ratio(p1["cpu_pct"]))
        print(line.format("part 1: RSS max MB", p1["rss_max_mb"], f"<= {BAR['rss_mb']}",
                          _met(p1["rss_max_mb"], BAR["rss_mb"])))
        print(line.format("part 1: RSS end MB", p1["rss_end_mb"], f"<= {BAR['rss_mb']}",
                          _met(p1["rss_end_mb"], BAR["rss_mb"])))
        print(line.format("part 1: tty output KB/s", p1["tty_kb_per_s"], "", "context"))
    p1n = out.get("part1_no_market")
    if p1n:
        print(line.format("part 1, market panels hidden (k, f): CPU %", p1n["cpu_pct"], "",
                          "context") + ratio(p1n["cpu_pct"]))
    p2 = out.get("part2")
    if p2:
        key, latest = p2["key_ms"], p2["latest_ms"]
        print(line.format(f"part 2: book frames/s to the app ({p2['burst_ticks_asked']} ticks/s)",
                          p2["book_fps"], "2000", "context"))
        print(line.format("part 2: key -> PAUSED drawn, p50 ms", key["p50"],
                          f"<= {BAR['key_ms']}", _met(key["p50"], BAR["key_ms"])))
        print(line.format(f"part 2: key -> PAUSED drawn, max ms (n={key['n']})", key["max"],
                          f"<= {BAR['key_ms']}", _met(key["max"], BAR["key_ms"]))
              + (f"  ({key['missed']} missed)" if key["missed"] else ""))
        print(line.format("part 2: burst end -> final state, p50 ms", latest["p50"],
                          f"<= {BAR['latest_ms']}", _met(latest["p50"], BAR["latest_ms"])))
        print(line.format(f"part 2: burst end -> final state, max ms (n={latest['n']})",
                          latest["max"], f"<= {BAR['latest_ms']}",
                          _met(latest["max"], BAR["latest_ms"]))
              + (f"  ({latest['missed']} missed)" if latest["missed"] else ""))
        quiet = [q for q in p2["latest_quiet_ms"] if q is not None]
        print(line.format("part 2: same marker, quiet feed, p50/max ms",
                          f"{statistics.median(quiet):.0f}/{max(quiet):.0f}" if quiet else "n/a",
                          "", "context"))
        print(line.format("part 2: CPU % of a core during the burst", p2["cpu_pct"], "",
                          "context") + ratio(p2["cpu_pct"]))
        print(line.format("part 2: RSS max/end MB", f"{p2['rss_max_mb']}/{p2['rss_end_mb']}",
                          f"<= {BAR['rss_mb']}", _met(p2["rss_max_mb"], BAR["rss_mb"])))
        print(line.format("part 2: tty output KB/s during the burst", p2["tty_kb_per_s"], "",
                          "context"))
    if out.get("part3_trades"):
        from tape_burst_bench import print_rows
        print_rows(out["part3_trades"], line)


if __name__ == "__main__":
    raise SystemExit(main())
