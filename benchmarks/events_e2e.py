"""End to end: one book stream over a real socket into three clients, frames/s to the final book.

Why: ``book_bench.py`` times the core on pre-built text; users of ``kraken-tui events``
see the whole path (socket, websockets, feed, one JSON event per write). This pushes the
same seeded BTC/USD stream (``book_bench.generate``: a snapshot then N updates, correct
checksums, numbers padded to precision 1/8) as fast as TCP allows, from a server in its own
process on 127.0.0.1, to each client in turn, each a subprocess:

* ``events``: ``kraken-tui events --ws-url ws://127.0.0.1:PORT --symbol BTC/USD --depth N``;
* ``sdk``: python-kraken-sdk's ``SpotOrderBookClient`` (its ``WS_URL`` pointed here, its
  REST precision lookup answered locally, as ``book_bench.py`` does);
* ``reference``: a plain correct client (``json`` + dict book + checksum, below), printing
  one line per frame (checksum, valid, top 10), as a script piping the stream would.

The clock runs from the server's first book frame to the moment this process reads the
client's line saying it holds the final book, valid (checksum of the last frame). frames/s
= frames / that time; "lag" = the time from the server sending the last frame to that line.
Ratios are against the reference client in the same run.

    python benchmarks/events_e2e.py [--frames 50000] [--depths 10,1000] [--clients ...]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.book_bench import PRICE_PRECISION, QTY_PRECISION, SYMBOL, generate  # noqa: E402

CLIENTS = ("events", "sdk", "reference")


# --- the server (its own process) ---------------------------------------------------------


def _ack(msg: dict[str, Any], result: dict[str, Any]) -> str:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
    out: dict[str, Any] = {"method": msg.get("method"), "result": result, "success": True,
                           "time_in": now, "time_out": now}
    if "req_id" in msg:
        out["req_id"] = msg["req_id"]
    return json.dumps(out)


def _instrument_snapshot() -> str:
    pair = {"symbol": SYMBOL, "base": "BTC", "quote": "USD", "status": "online",
            "qty_precision": QTY_PRECISION, "qty_increment": 1e-08,
            "price_precision": PRICE_PRECISION, "cost_precision": 5, "marginable": False,
            "has_index": True, "cost_min": 0.5, "tick_size": 0.1, "price_increment": 0.1,
            "qty_min": 0.0001}
    return json.dumps({"channel": "instrument", "type": "snapshot",
                       "data": {"assets": [], "pairs": [pair]}})


async def serve(frames: list[str], depth: int) -> None:
    """Answer subscribes; on the first book subscribe push every frame, then idle."""
    import websockets

    pushed = asyncio.Event()

    async def handler(ws: Any) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):  # a client killed when done
            await answer(ws)

    async def answer(ws: Any) -> None:
        async for text in ws:
            msg = json.loads(text)
            params = msg.get("params") or {}
            channel = params.get("channel")
            if msg.get("method") == "ping":
                await ws.send(json.dumps({"method": "pong", "req_id": msg.get("req_id")}))
            elif channel == "instrument":
                await ws.send(_ack(msg, {"channel": "instrument", "snapshot": True}))
                await ws.send(_instrument_snapshot())
            elif channel == "book" and not pushed.is_set():
                pushed.set()
                for symbol in params.get("symbol", []):
                    await ws.send(_ack(msg, {"channel": "book", "symbol": symbol,
                                             "depth": depth, "snapshot": True}))
                print(f"START {time.time():.6f}", flush=True)
                for frame in frames:
                    await ws.send(frame)
                print(f"END {time.time():.6f}", flush=True)
            else:
                await ws.send(_ack(msg, {"channel": channel, **params}))

    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"PORT {port}", flush=True)
        await asyncio.Future()


# --- the plain reference client -------------------------------------------------------------


def _digits(token: str, precision: int) -> str:
    whole, _, fraction = token.partition(".")
    return (whole + fraction.ljust(precision, "0")[:precision]).lstrip("0")


async def reference_client(url: str, depth: int) -> None:
    """json + dict book + sorted price keys (bisect) + Kraken's CRC32 checksum, ~40 lines."""
    import websockets

    # Per side: price -> (price token, qty token), and the prices sorted best first
    # (bids stored negated so both lists ascend).
    books = {"bids": ({}, []), "asks": ({}, [])}
    signs = {"bids": -1.0, "asks": 1.0}
    out = sys.stdout
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"method": "subscribe", "params": {
            "channel": "book", "symbol": [SYMBOL], "depth": depth}}))
        async for text in ws:
            msg = json.loads(text, parse_float=str)
            if msg.get("channel") != "book":
                continue
            data = msg["data"][0]
            if msg["type"] == "snapshot":
                for levels, keys in books.values():
                    levels.clear()
                    keys.clear()
            for name, (levels, keys) in books.items():
                sign = signs[name]
                for level in data[name]:
                    price, qty = level["price"], level["qty"]
                    key = sign * float(price)
                    if float(qty) == 0:
                        if levels.pop(key, None) is not None:
                            del keys[bisect.bisect_left(keys, key)]
                    else:
                        if key not in levels:
                            bisect.insort(keys, key)
                        levels[key] = (price, qty)
                for key in keys[depth:]:
                    del levels[key]
                del keys[depth:]
            (bids, bid_keys), (asks, ask_keys) = books["bids"], books["asks"]
            top_bids = [bids[k] for k in bid_keys[:10]]
            top_asks = [asks[k] for k in ask_keys[:10]]
            checksum = zlib.crc32("".join(
                _digits(p, PRICE_PRECISION) + _digits(q, QTY_PRECISION)
                for p, q in (*top_asks, *top_bids)
            ).encode())
            out.write(json.dumps({
                "symbol": data["symbol"], "checksum": checksum,
                "valid": checksum == data["checksum"], "bids": top_bids, "asks": top_asks,
            }) + "\n")
            out.flush()


async def sdk_client(url: str, depth: int, frames: int) -> None:
    """python-kraken-sdk's book client; says FINAL once it has applied every frame."""
    from kraken.spot import SpotOrderBookClient

    seen = 0
    done = asyncio.Event()
    client: Any = None

    def on_book(pair: str, message: dict[str, Any]) -> None:
        nonlocal seen
        seen += 1
        if seen == frames:
            book = client.get(pair)
            checksum = message["data"][0]["checksum"]
            print(json.dumps({"checksum": checksum, "valid": bool(book and book["valid"])}),
                  flush=True)
            done.set()

    SpotOrderBookClient.WS_URL = url.removesuffix("/")  # the SDK appends /v2
    client = SpotOrderBookClient(depth=depth, callback=on_book)
    client._SpotOrderBookClient__market.get_asset_pairs = lambda pair: {
        pair: {"pair_decimals": PRICE_PRECISION, "lot_decimals": QTY_PRECISION}
    }
    await client.start()
    await client.add_book(pairs=[SYMBOL])
    await done.wait()
    await client.close()


# --- the driver -------------------------------------------------------------------------------


def _client_command(name: str, url: str, depth: int, frames: int) -> list[str]:
    me = [sys.executable, str(Path(__file__).resolve())]
    if name == "events":
        return [sys.executable, "-m", "kraken_tui", "events", "--ws-url", url,
                "--symbol", SYMBOL, "--depth", str(depth)]
    if name == "sdk":
        return [*me, "--sdk-client", url, "--depth", str(depth), "--frames", str(frames)]
    return [*me, "--reference-client", url, "--depth", str(depth)]


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


class _ServerWatcher(threading.Thread):
    """Reads the server's START/END lines; samples the client's CPU time at START."""

    def __init__(self, server: subprocess.Popen[str], client: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.server, self.client = server, client
        self.t_start = self.end = float("nan")
        self.cpu_at_start = 0.0
        self.start()

    def run(self) -> None:
        assert self.server.stdout is not None
        for line in self.server.stdout:
            word, _, value = line.partition(" ")
            if word == "START":
                self.cpu_at_start = _cpu(self.client)
                self.t_start = float(value)
            elif word == "END":
                self.end = float(value)
                return


def run_one(name: str, depth: int, n_frames: int, seed: int, final: int,
            timeout: float) -> dict[str, Any]:
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", "--depth", str(depth),
         "--frames", str(n_frames), "--seed", str(seed)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    client: subprocess.Popen[str] | None = None
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split()[1])
        url = f"ws://127.0.0.1:{port}"
        client = subprocess.Popen(_client_command(name, url, depth, n_frames + 1),
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert client.stdout is not None
        watcher = _ServerWatcher(server, psutil.Process(client.pid))
        marker = f'"checksum": {final},'
        watchdog = threading.Timer(timeout, client.kill)  # a client that never gets there
        watchdog.start()
        t_end = None
        valid = False
        lines = 0
        for line in client.stdout:
            lines += 1
            if marker in line:
                event = json.loads(line)
                if event.get("checksum") == final and event.get("valid"):
                    t_end, valid = time.time(), True
                    break
        watchdog.cancel()
        cpu_end = _cpu(psutil.Process(client.pid))
        client.kill()
        watcher.join(timeout=10)
        start, end, cpu_start = watcher.t_start, watcher.end, watcher.cpu_at_start
    finally:
        if client is not None:
            client.kill()
            client.wait()
        server.kill()
        server.wait()
    seconds = (t_end - start) if t_end else float("nan")
    cpu = cpu_end - cpu_start
    return {"cpu_seconds": cpu, "cpu_fps": (n_frames + 1) / cpu if t_end and cpu > 0 else 0.0,
            "client": name, "depth": depth, "frames": n_frames + 1, "valid": valid,
            "lines": lines, "seconds": seconds,
            "fps": (n_frames + 1) / seconds if t_end else 0.0,
            "lag_ms": (t_end - end) * 1000 if t_end else float("nan")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=50_000, help="book updates per depth")
    parser.add_argument("--depths", default="10,1000")
    parser.add_argument("--depth", type=int, default=10, help=argparse.SUPPRESS)
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=300.0, help="per client, seconds")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--reference-client", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--sdk-client", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve(generate(args.depth, args.frames, args.seed), args.depth))
        return 0
    if args.reference_client:
        asyncio.run(reference_client(args.reference_client, args.depth))
        return 0
    if args.sdk_client:
        asyncio.run(sdk_client(args.sdk_client, args.depth, args.frames))
        return 0
    clients = [c for c in args.clients.split(",") if c]
    if unknown := set(clients) - set(CLIENTS):
        parser.error(f"unknown client(s) {sorted(unknown)}; choose from {', '.join(CLIENTS)}")
    print(f"{'depth':>5} {'client':>9} {'frames/s':>9} {'x ref':>6} {'cpu f/s':>9} {'x ref':>6} "
          f"{'lag ms':>8} {'valid':>5}")
    for depth in (int(d) for d in args.depths.split(",")):
        final = json.loads(generate(depth, args.frames, args.seed)[-1])["data"][0]["checksum"]
        results = {c: run_one(c, depth, args.frames, args.seed, final, args.timeout)
                   for c in clients}
        ref = results.get("reference", {}).get("fps") or float("nan")
        ref_cpu = results.get("reference", {}).get("cpu_fps") or float("nan")
        for name, r in results.items():
            r["vs_reference"] = r["fps"] / ref
            r["cpu_vs_reference"] = r["cpu_fps"] / ref_cpu
            if args.json:
                print(json.dumps(r))
            else:
                print(f"{depth:>5} {name:>9} {r['fps']:>9.0f} {r['vs_reference']:>6.2f} "
                      f"{r['cpu_fps']:>9.0f} {r['cpu_vs_reference']:>6.2f} "
                      f"{r['lag_ms']:>8.0f} {r['valid']!s:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
