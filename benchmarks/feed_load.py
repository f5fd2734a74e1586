"""End-to-end load: the simulator's burst mode into the real feed, at rising rates.

Why: the core benchmark (``book_bench.py``) gives the ceiling of decode + apply +
verify on pre-built text in a tight loop. A user sees something else: frames crossing
a socket, the websockets client, the feed's dispatch, a ``BookUpdated`` view per frame.
This measures that path, and prints the core ceiling beside it.

Setup. The simulator runs in a **child process** (multiprocessing, spawn) so its
generator does not take the feed's CPU or GIL; the machine has 2 cores, one each.
The feed runs headless in this process, public only, subscribed to SYN01/USD ..
SYN20/USD at depth 100 with a view emitted on every frame (``book_emit_interval=0``).
For each rate (default 1k, 5k, 20k frames/s) the child drives ``faults.burst(rate)``
round-robin over the 20 symbols; after a warm-up the feed is measured for a window.

Latency method. Every book frame carries the simulator's ``timestamp``
(``rfc3339_us()``, wall clock, taken when the frame is built, just before it is
queued for its socket). The feed's ``books.on_book`` is wrapped: after the original has
applied the frame, verified the checksum and emitted the ``BookUpdated``, the wrapper
takes ``time.time()``; the difference is frame-to-state latency. Both processes read
the same system clock, so no offset is involved. One frame in ``--sample`` is timed
(parsing the timestamp costs a few µs; timing all of them would slow the feed).

Backlog. The child reports the number of frames waiting in its per-connection send
queues; a feed that keeps up leaves it near 0, one that does not makes it grow (and
latency climb) over the window. "sustained" below is frames the feed handled per
second during the window; "generated" is what the simulator managed to produce.

CPU is process CPU time over the window divided by wall time (100% = one core).

    python benchmarks/feed_load.py [--rates 1000,5000,20000] [--window 10] [--json] [--ui]

``--ui`` also runs the Textual monitor headless (``App.run_test``) on the same bursts
and reports its feed's frames/s, the coalesced book messages and the UI loop's lag.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


import psutil

from kraken_tui.feed.connection import Feed, FeedConfig
from kraken_tui.feed.events import BookUpdated, FeedEvent

ROOT = Path(__file__).resolve().parent.parent
SYMBOLS = tuple(f"SYN{i:02d}/USD" for i in range(1, 21))


# ---------------------------------------------------------------------- the simulator child


def start_pipe_reader(
    conn: Connection, loop: asyncio.AbstractEventLoop, handle: Callable[[Any], None],
    done: asyncio.Event,
) -> None:
    """Hand each command from the parent's pipe to ``handle`` on the child's loop.

    A thread, because ``Connection.recv`` blocks; it ends on "quit" or when the parent
    goes away (EOF), which also sets ``done``.
    """

    def reader() -> None:
        while True:
            try:
                msg = conn.recv()
            except EOFError:
                loop.call_soon_threadsafe(done.set)
                return
            loop.call_soon_threadsafe(handle, msg)
            if msg[0] == "quit":
                return

    threading.Thread(target=reader, daemon=True).start()


def _sim_child(conn: Connection, seed: int) -> None:
    """Child process: a Simulator, steered over ``conn`` (burst, stop, stats, quit)."""
    asyncio.run(_sim_main(conn, seed))


def public_backlog(sim: Any) -> int:
    """Frames queued on the simulator's public sockets and not yet written."""
    return sum(c.queue.qsize() for c in sim.hub.connections if c.endpoint == "public")


def sim_command(sim: Any, msg: tuple[Any, ...], done: asyncio.Event) -> str:
    """The commands every simulator child answers: burst, stop_burst, quit."""
    cmd = msg[0]
    if cmd == "burst":
        sim.faults.burst(msg[1], list(msg[2]))
    elif cmd == "stop_burst":
        sim.faults.stop_burst()
    elif cmd == "quit":
        done.set()
        return "bye"
    else:
        raise ValueError(f"unknown command {cmd!r}")
    return "ok"


async def _sim_main(conn: Connection, seed: int) -> None:
    from kraken_tui.sim import Simulator
    from kraken_tui.sim import ws as sim_ws

    sent = [0]
    original_send = sim_ws.Connection.send

    def counting_send(self: Any, text: str) -> None:
        sent[0] += 1
        original_send(self, text)

    sim_ws.Connection.send = counting_send  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    async with Simulator(seed=seed, order_flow=False, updates_per_second=1.0,
                         idle_timeout=600.0) as sim:
        conn.send({"ws_url": sim.ws_url, "pid": mp.current_process().pid})

        def handle(msg: tuple[Any, ...]) -> None:
            if msg[0] == "stats":
                conn.send({"sent": sent[0], "backlog": public_backlog(sim)})
            else:
                conn.send(sim_command(sim, msg, done))

        start_pipe_reader(conn, loop, handle, done)
        await done.wait()


def _replay_child(conn: Connection, seed: int, depth: int) -> None:
    """Child process: a minimal Kraken v2 public endpoint replaying pre-built book frames."""
    asyncio.run(_replay_main(conn, seed, depth))


class _ReplayBook:
    """The simulator's own market and per-subscription view for one symbol, stepped ahead."""

    def __init__(self, sim: Any, symbol: str, depth: int) -> None:
        from kraken_tui.sim.market import BookView, checksum_levels

        self.sim, self.symbol = sim, symbol
        self.market = sim.market[symbol]
        self.view = BookView(depth)
        self.checksum = checksum_levels
        bids, asks = self.view.snapshot(self.market)
        self.snapshot = sim.hub._book_frame(symbol, "snapshot", bids, asks,
                                            checksum_levels(bids, asks))

    def next_update(self) -> tuple[str, str]:
        """The next update frame, split around its timestamp (stamped when sent)."""
        while True:
            self.market.step(time.time())
            bid_ch, ask_ch, bids, asks = self.view.diff(self.market)
            if bid_ch or ask_ch:
                break
        text = self.sim.hub._book_frame(self.symbol, "update", bid_ch, ask_ch,
                                        self.checksum(bids, asks))
        head, _, rest = text.partition('"timestamp":"')
        _, _, tail = rest.partition('"')
        return head + '"timestamp":"', '"' + tail


async def _replay_main(conn: Connection, seed: int, depth: int) -> None:
    from collections import deque

    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosed

    from kraken_tui.sim import Simulator
    from kraken_tui.sim.wire import method_response, rfc3339_us

    sim = Simulator(seed=seed)  # never started: only its market, frames and instrument list
    books = {s: _ReplayBook(sim, s, depth) for s in SYMBOLS}
    ready: deque[tuple[str, str]] = deque()
    order = list(SYMBOLS)
    clients: set[Any] = set()
    state = {"sent": 0, "due_unsent": 0, "made": 0}
    burst: dict[str, asyncio.Task[None] | None] = {"task": None}
    loop = asyncio.get_running_loop()
    done = asyncio.Event()

    async def handler(ws: Any) -> None:
        await ws.send(sim.hub.status_frame(1))
        beat = asyncio.create_task(heartbeat(ws))
        try:
            async for raw in ws:
                request = json.loads(raw)
                method, req_id = request.get("method"), request.get("req_id")
                params = request.get("params") or {}
                time_in = rfc3339_us()
                if method == "ping":
                    await ws.send(json.dumps({"method": "pong", "req_id": req_id,
                                              "time_in": time_in, "time_out": rfc3339_us()}))
                elif method == "subscribe" and params.get("channel") == "instrument":
                    await ws.send(method_response("subscribe", time_in=time_in, req_id=req_id,
                                                  result={"channel": "instrument"}))
                    await ws.send(json.dumps({"channel": "instrument", "type": "snapshot",
                                              "data": sim.instrument_data()}))
                elif method == "subscribe" and params.get("channel") == "book":
                    for symbol in params.get("symbol", []):
                        await ws.send(method_response(
                            "subscribe", time_in=time_in, req_id=req_id,
                            result={"channel": "book", "depth": depth, "snapshot": True,
                                    "symbol": symbol}))
                        await ws.send(books[symbol].snapshot)
                    clients.add(ws)
        except ConnectionClosed:
            pass  # the feed went away (or stopped): nothing to clean up beyond this
        finally:
            clients.discard(ws)
            beat.cancel()

    async def heartbeat(ws: Any) -> None:
        while True:
            await asyncio.sleep(1.0)
            await ws.send('{"channel":"heartbeat"}')

    async def sender(rate: float) -> None:
        start, sent_here = loop.time(), 0
        while True:
            due = int((loop.time() - start) * rate) - sent_here
            stamp = rfc3339_us()
            for _ in range(min(due, len(ready))):
                head, tail = ready.popleft()
                text = head + stamp + tail
                for ws in list(clients):
                    with contextlib.suppress(ConnectionClosed):
                        await ws.send(text)
                sent_here += 1
                state["sent"] += 1
            state["due_unsent"] = max(0, int((loop.time() - start) * rate) - sent_here)
            await asyncio.sleep(0.001)

    async def prepare(count: int) -> None:
        """Build ``count`` more frames, yielding often: heartbeats must keep flowing."""
        for i in range(count):
            ready.append(books[order[state["made"] % len(order)]].next_update())
            state["made"] += 1
            if i % 200 == 199:
                await asyncio.sleep(0)
        conn.send("ok")

    def handle(msg: tuple[Any, ...]) -> None:
        cmd = msg[0]
        if cmd == "prepare":
            burst["prepare"] = loop.create_task(prepare(int(msg[1])))
        elif cmd == "burst":
            burst["task"] = loop.create_task(sender(float(msg[1])))
            conn.send("ok")
        elif cmd == "stop_burst":
            if burst["task"] is not None:
                burst["task"].cancel()
                burst["task"] = None
            state["due_unsent"] = 0
            conn.send("ok")
        elif cmd == "stats":
            buffered = sum(ws.transport.get_write_buffer_size() for ws in clients
                           if ws.transport is not None)
            conn.send({"sent": state["sent"], "backlog": state["due_unsent"],
                       "buffered_bytes": buffered, "ready": len(ready)})
        elif cmd == "quit":
            conn.send("bye")
            done.set()

    async with serve(handler, "127.0.0.1", 0, compression=None, max_size=2**24) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        conn.send({"ws_url": f"ws://127.0.0.1:{port}/v2", "pid": mp.current_process().pid})
        start_pipe_reader(conn, loop, handle, done)
        await done.wait()


class SimProcess:
    """The parent's handle on the simulator child."""

    def __init__(self, seed: int, generator: str = "replay", depth: int = 100) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child_conn = ctx.Pipe()
        self.generator = generator
        target, args = ((_replay_child, (child_conn, seed, depth)) if generator == "replay"
                        else (_sim_child, (child_conn, seed)))
        self.proc = ctx.Process(target=target, args=args, daemon=True)
        self.proc.start()
        info = self.conn.recv()
        self.ws_url: str = info["ws_url"]
        self.ps = psutil.Process(self.proc.pid)
        self._lock = threading.Lock()

    def ask(self, *msg: Any) -> Any:
        with self._lock:
            self.conn.send(msg)
            return self.conn.recv()

    def close(self) -> None:
        with contextlib.suppress(EOFError, OSError, BrokenPipeError):
            self.ask("quit")
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.terminate()


# ---------------------------------------------------------------------- measuring the feed


def _parse_ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


class LatencyProbe:
    """Wraps ``feed.books.on_book``: times one frame in ``every`` from sim timestamp to applied."""

    def __init__(self, feed: Feed, every: int) -> None:
        self.every = every
        self.n = 0
        self.samples: list[float] = []
        self.recording = False
        original: Callable[..., None] = feed.books.on_book
        clock = time.time

        def timed(data: Any, is_snapshot: bool) -> None:
            original(data, is_snapshot)
            if self.recording:
                self.n += 1
                if self.n % every == 0 and data.timestamp:
                    self.samples.append(clock() - _parse_ts(data.timestamp))

        feed.books.on_book = timed  # type: ignore[method-assign]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _wait_for(cond: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _measure_rate(sim: SimProcess, feed: Feed, probe: LatencyProbe, rate: int,
                        warmup: float, window: float,
                        frames_of: Callable[[], int]) -> dict[str, Any]:
    me = psutil.Process()
    if sim.generator == "replay":  # build the frames first: generating is not measured
        await asyncio.to_thread(sim.ask, "prepare", int(rate * (warmup + window) * 1.1) + 2000)
    await asyncio.to_thread(sim.ask, "burst", float(rate), SYMBOLS)
    await asyncio.sleep(warmup)
    s0 = await asyncio.to_thread(sim.ask, "stats")
    f0, c0, sc0, t0 = frames_of(), me.cpu_times(), sim.ps.cpu_times(), time.monotonic()
    probe.samples.clear()
    probe.recording = True
    mid_backlog: list[int] = []
    mid_buffered: list[int] = []
    end = t0 + window
    while time.monotonic() < end:
        await asyncio.sleep(min(1.0, max(0.0, end - time.monotonic())))
        mid = await asyncio.to_thread(sim.ask, "stats")
        mid_backlog.append(mid["backlog"])
        mid_buffered.append(mid.get("buffered_bytes", 0))
    probe.recording = False
    s1 = await asyncio.to_thread(sim.ask, "stats")
    f1, c1, sc1, t1 = frames_of(), me.cpu_times(), sim.ps.cpu_times(), time.monotonic()
    await asyncio.to_thread(sim.ask, "stop_burst")
    elapsed = t1 - t0
    lat = probe.samples
    half = len(lat) // 2
    result = {
        "rate": rate,
        "generated_fps": round((s1["sent"] - s0["sent"]) / elapsed),
        "sustained_fps": round((f1 - f0) / elapsed),
        "latency_ms": {"p50": round(_pct(lat, 0.5) * 1000, 2),
                       "p99": round(_pct(lat, 0.99) * 1000, 2),
                       "max": round(max(lat, default=float("nan")) * 1000, 2),
                       "first_half_p50": round(statistics.median(lat[:half]) * 1000, 2)
                       if half else None,
                       "second_half_p50": round(statistics.median(lat[half:]) * 1000, 2)
                       if half else None,
                       "samples": len(lat)},
        "backlog": {"start": s0["backlog"], "end": s1["backlog"],
                    "max": max([s0["backlog"], *mid_backlog, s1["backlog"]])},
        "server_buffered_kb": {"start": round(s0.get("buffered_bytes", 0) / 1024),
                               "end": round(s1.get("buffered_bytes", 0) / 1024),
                               "max": round(max([0, *mid_buffered]) / 1024)},
        "feed_cpu_pct": round(100 * ((c1.user + c1.system) - (c0.user + c0.system))
                              / elapsed, 1),
        "sim_cpu_pct": round(100 * ((sc1.user + sc1.system) - (sc0.user + sc0.system))
                             / elapsed, 1),
        "feed_rss_mb": round(me.memory_info().rss / 2**20, 1),
    }
    lat_ms = result["latency_ms"]
    result["keeps_up"] = bool(
        result["sustained_fps"] >= 0.95 * result["generated_fps"]
        and result["backlog"]["end"] <= max(1000, result["backlog"]["start"] * 1.5)
        and result["server_buffered_kb"]["end"] <= 1024
        and lat_ms["second_half_p50"] is not None
        and lat_ms["second_half_p50"] <= 2 * lat_ms["first_half_p50"] + 5)
    # Let the queues drain before the next rate.
    deadline = time.monotonic() + 60
    while True:
        st = await asyncio.to_thread(sim.ask, "stats")
        if st["backlog"] == 0 and st.get("buffered_bytes", 0) == 0:
            break
        if time.monotonic() > deadline:
            result["drained"] = False
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)
    return result


async def run_feed_load(rates: list[int], depth: int, warmup: float, window: float,
                        sample: int, seed: int, emit_interval: float = 0.0,
                        generator: str = "replay") -> list[dict[str, Any]]:
    """One feed, one generator child, every rate in turn; one result row per rate."""
    sim = await asyncio.to_thread(SimProcess, seed, generator, depth)
    results = []
    try:
        valid: set[str] = set()

        def sink(event: FeedEvent) -> None:
            if type(event) is BookUpdated and event.valid:
                valid.add(event.symbol)

        config = FeedConfig(symbols=SYMBOLS, depth=depth, ws_url=sim.ws_url,
                            ws_auth_url=sim.ws_url, rest_url="http://127.0.0.1:9",
                            heartbeat_timeout=10.0, ping_interval=5.0,
                            book_emit_interval=emit_interval)
        feed = Feed(config, sink)
        probe = LatencyProbe(feed, sample)
        task = asyncio.create_task(feed.run())
        await _wait_for(lambda: len(valid) == len(SYMBOLS), 30, "all books live")
        stats = feed.stats["public"]
        before = (feed.books.resyncs, stats.reconnects)
        for rate in rates:
            results.append(await _measure_rate(sim, feed, probe, rate, warmup, window,
                                               lambda: stats.frames))
            results[-1]["book_emit_interval"] = emit_interval
            # A resync or reconnect means books were not live for part of the window:
            # frames for them were dropped cheaply, so the row does not measure the feed.
            results[-1]["books_broke"] = (feed.books.resyncs, stats.reconnects) != before
            before = (feed.books.resyncs, stats.reconnects)
            results[-1]["resyncs_total"] = feed.books.resyncs
            results[-1]["reconnects_total"] = stats.reconnects
        feed.stop()
        await asyncio.wait_for(task, 15)
    finally:
        await asyncio.to_thread(sim.close)
    return results


# ---------------------------------------------------------------------- the Textual app


async def run_ui_load(rates: list[int], depth: int, warmup: float, window: float,
                      seed: int, generator: str = "replay") -> list[dict[str, Any]]:
    """The monitor app headless on the same bursts: does its feed keep up, does the UI?"""
    from kraken_tui.config import Config
    from kraken_tui.ui.app import KrakenMonitor

    sim = await asyncio.to_thread(SimProcess, seed, generator, depth)
    results: list[dict[str, Any]] = []
    try:
        config = Config(symbols=SYMBOLS, depth=depth, ws_url=sim.ws_url,
                        ws_auth_url=sim.ws_url, rest_url="http://127.0.0.1:9",
                        heartbeat_timeout=10.0)
        app = KrakenMonitor(config)
        async with app.run_test(size=(160, 50)) as pilot:
            await _wait_for(lambda: getattr(app, "_feed", None) is not None, 20, "app feed")
            feed: Feed = app._feed  # type: ignore[assignment]
            stats = feed.stats["public"]
            await _wait_for(lambda: stats.frames > 40, 30, "app books")
            await pilot.pause(1.0)
            me = psutil.Process()
            for rate in rates:
                if sim.generator == "replay":
                    await asyncio.to_thread(sim.ask, "prepare",
                                            int(rate * (warmup + window) * 1.1) + 2000)
                await asyncio.to_thread(sim.ask, "burst", float(rate), SYMBOLS)
                await pilot.pause(warmup)
                lags: list[float] = []
                f0, e0, k0 = stats.frames, app.events_seen, app.coalesced_books
                c0, t0 = me.cpu_times(), time.monotonic()
                s0 = await asyncio.to_thread(sim.ask, "stats")
                while time.monotonic() - t0 < window:
                    before = time.monotonic()
                    await asyncio.sleep(0.05)
                    lags.append(time.monotonic() - before - 0.05)
                s1 = await asyncio.to_thread(sim.ask, "stats")
                elapsed = time.monotonic() - t0
                c1 = me.cpu_times()
                await asyncio.to_thread(sim.ask, "stop_burst")
                row = {
                    "rate": rate,
                    "generated_fps": round((s1["sent"] - s0["sent"]) / elapsed),
                    "feed_fps": round((stats.frames - f0) / elapsed),
                    "ui_events_per_s": round((app.events_seen - e0) / elapsed),
                    "coalesced_books_per_s": round((app.coalesced_books - k0) / elapsed),
                    "ui_loop_lag_ms": {"p50": round(_pct(lags, 0.5) * 1000, 1),
                                       "p99": round(_pct(lags, 0.99) * 1000, 1),
                                       "max": round(max(lags) * 1000, 1)},
                    "backlog": {"start": s0["backlog"], "end": s1["backlog"]},
                    "cpu_pct": round(100 * ((c1.user + c1.system) - (c0.user + c0.system))
                                     / elapsed, 1),
                }
                row["keeps_up"] = bool(row["feed_fps"] >= 0.95 * row["generated_fps"]
                                       and row["backlog"]["end"] <= 1000
                                       and row["ui_loop_lag_ms"]["p99"] < 250)
                results.append(row)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    st = await asyncio.to_thread(sim.ask, "stats")
                    if st["backlog"] == 0 and st.get("buffered_bytes", 0) == 0:
                        break
                    await pilot.pause(0.2)
            app.stop_feed()
    finally:
        await asyncio.to_thread(sim.close)
    return results


# ---------------------------------------------------------------------- core ceiling


def core_ceiling(depth: int, updates: int) -> dict[str, Any] | None:
    """``book_bench.py`` at this depth (decode + apply + verify, no I/O), as a subprocess."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "book_bench.py"), "--updates", str(updates),
         "--depths", str(depth), "--no-peer", "--json"],
        capture_output=True, text=True, timeout=600,
    )
    for line in reversed(proc.stdout.splitlines()):
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and row.get("depth") == depth:
            return row
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="1000,5000,20000")
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--sample", type=int, default=10, help="time one frame in N")
    parser.add_argument(
        "--emit-intervals", default="0,0.05",
        help="book_emit_interval values to run: 0 = a BookView per frame (the default), "
        "0.05 = views coalesced to 20/s per symbol (what a UI can draw)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--core-updates", type=int, default=20_000)
    parser.add_argument("--ui", action="store_true", help="also drive the headless app")
    parser.add_argument(
        "--generator", choices=("replay", "sim"), default="replay",
        help="replay: pre-built frames from the simulator's market, sent by a minimal v2 "
        "endpoint (reaches 20k/s); sim: the simulator's own burst mode (generates about "
        "6-7k/s per core at depth 100, so it caps the higher rates)")
    parser.add_argument("--json", action="store_true",
                        help="also print everything as one JSON object on the last line")
    args = parser.parse_args(argv)
    rates = [int(r) for r in args.rates.split(",")]
    core = core_ceiling(args.depth, args.core_updates)
    core_fps = core.get("ours_fps") if core else None
    print(f"core ceiling (book_bench.py, depth {args.depth}, no I/O): "
          f"{core_fps if core_fps else 'unavailable'} frames/s", flush=True)
    rows: list[dict[str, Any]] = []
    for interval in (float(x) for x in args.emit_intervals.split(",")):
        rows += asyncio.run(run_feed_load(rates, args.depth, args.warmup, args.window,
                                          args.sample, args.seed, interval, args.generator))
    print(f"{'emit':>5} {'rate':>7} {'generated':>10} {'sustained':>10} {'p50 ms':>8} "
          f"{'p99 ms':>8} "
          f"{'backlog s/e/max':>18} {'feed cpu':>9} {'sim cpu':>8} {'rss MB':>7} "
          f"{'of core':>8} keeps up")
    for r in rows:
        share = (f"{r['sustained_fps'] / core_fps:.0%}" if core_fps else "-")
        r["fraction_of_core"] = round(r["sustained_fps"] / core_fps, 3) if core_fps else None
        b = r["backlog"]
        print(f"{r['book_emit_interval']:>5} {r['rate']:>7} {r['generated_fps']:>10} "
              f"{r['sustained_fps']:>10} "
              f"{r['latency_ms']['p50']:>8} {r['latency_ms']['p99']:>8} "
              f"{b['start']:>6}/{b['end']}/{b['max']:<6} {r['feed_cpu_pct']:>8}% "
              f"{r['sim_cpu_pct']:>7}% {r['feed_rss_mb']:>7} {share:>8} {r['keeps_up']}"
              f"{'  (books broke: resync/reconnect)' if r['books_broke'] else ''}",
              flush=True)
    ui_rows: list[dict[str, Any]] | str
    if args.ui:
        try:
            ui_rows = asyncio.run(run_ui_load(rates, args.depth, args.warmup, args.window,
                                              args.seed, args.generator))
        except ImportError as exc:
            ui_rows = f"UI not available: {exc}"
        if isinstance(ui_rows, list):
            for r in ui_rows:
                print(f"ui {r['rate']:>7}: generated {r['generated_fps']}, feed "
                      f"{r['feed_fps']} frames/s, UI events {r['ui_events_per_s']}/s, "
                      f"coalesced {r['coalesced_books_per_s']}/s, UI loop lag p50/p99 "
                      f"{r['ui_loop_lag_ms']['p50']}/{r['ui_loop_lag_ms']['p99']} ms, "
                      f"backlog {r['backlog']}, cpu {r['cpu_pct']}%, keeps up "
                      f"{r['keeps_up']}", flush=True)
        else:
            print(ui_rows)
    else:
        ui_rows = "not run (use --ui)"
    if args.json:
        print(json.dumps({"depth": args.depth, "symbols": len(SYMBOLS), "core": core,
                          "generator": args.generator,
                          "feed": rows, "ui": ui_rows}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
