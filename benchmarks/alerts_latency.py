"""Alert latency through `kraken-tui events`: from the frame that makes a rule true to its line.

Issue 15's bar: an alert reaches the output within 200 ms of the frame that makes it
true. A server in its own process (127.0.0.1) sends a BTC/USD depth-10 snapshot, then
``--crossings`` times: a frame adding a best bid at 101.0 (above the rule's 100.5: the
rule fires), then one removing it (back to 100.0: the rule re-arms), ``--gap`` seconds
apart, each with Kraken's checksum. The client is the real command,
``kraken-tui events --alert 'BTC/USD bid > 100.5'``; this process timestamps every line
it prints. For each alert it reports the time from the server sending the crossing
frame, and from the book event of that frame being printed (same clock, same host).

    python benchmarks/alerts_latency.py [--crossings 1000] [--gap 0.005]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.events_e2e import _ack, _instrument_snapshot  # noqa: E402
from kraken_tui.kraken.book import OrderBook  # noqa: E402
from kraken_tui.kraken.frames import BookData  # noqa: E402

RULE = "BTC/USD bid > 100.5"


def frames(crossings: int) -> list[tuple[str, bool]]:
    """(frame text, makes the rule true) for the snapshot and every crossing pair."""
    book = OrderBook("BTC/USD", 10, 1, 8)
    bids = [(f"{100 - i}.0", "1.00000000") for i in range(10)]
    asks = [(f"{102 + i}.0", "1.00000000") for i in range(10)]

    def frame(kind: str, b: list[tuple[str, str]], a: list[tuple[str, str]]) -> str:
        book.apply(BookData("BTC/USD", b, a, None, None), kind == "snapshot")
        data = {"symbol": "BTC/USD", "bids": [{"price": p, "qty": q} for p, q in b],
                "asks": [{"price": p, "qty": q} for p, q in a], "checksum": book.checksum()}
        text = json.dumps({"channel": "book", "type": kind, "data": [data]})
        return text.replace('"price": "', '"price": ').replace('", "qty": "', ', "qty": ') \
            .replace('"}', "}")  # numbers as JSON number tokens, as Kraken sends them

    out = [(frame("snapshot", bids, asks), False)]
    for _ in range(crossings):
        out.append((frame("update", [("101.0", "1.00000000")], []), True))
        out.append((frame("update", [("101.0", "0.00000000")], []), False))
    return out


async def serve(crossings: int, gap: float) -> None:
    import websockets

    stream = frames(crossings)
    sent: list[float] = []

    async def handler(ws: Any) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for text in ws:
                msg = json.loads(text)
                params = msg.get("params") or {}
                channel = params.get("channel")
                if channel == "instrument":
                    await ws.send(_ack(msg, {"channel": "instrument", "snapshot": True}))
                    await ws.send(_instrument_snapshot())
                elif channel == "book" and not sent:
                    await ws.send(_ack(msg, {"channel": "book", "symbol": "BTC/USD",
                                             "depth": 10, "snapshot": True}))
                    for text_, crossing in stream:
                        await ws.send(text_)
                        if crossing:
                            sent.append(time.time())
                        await asyncio.sleep(gap)
                    print("SENT " + json.dumps(sent), flush=True)
                elif msg.get("method") == "ping":
                    await ws.send(json.dumps({"method": "pong", "req_id": msg.get("req_id")}))
                else:
                    await ws.send(_ack(msg, {"channel": channel}))

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        print(f"PORT {next(iter(server.sockets)).getsockname()[1]}", flush=True)
        await asyncio.Future()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crossings", type=int, default=1000)
    parser.add_argument("--gap", type=float, default=0.005)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve(args.crossings, args.gap))
        return 0
    server = subprocess.Popen([sys.executable, __file__, "--serve", "--crossings",
                               str(args.crossings), "--gap", str(args.gap)],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    port = int(server.stdout.readline().split()[1])
    client = subprocess.Popen(
        [sys.executable, "-m", "kraken_tui", "events", "--ws-url", f"ws://127.0.0.1:{port}",
         "--symbol", "BTC/USD", "--depth", "10", "--alert", RULE],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert client.stdout is not None
    lines: list[tuple[float, dict[str, Any]]] = []
    done = threading.Event()

    def read() -> None:
        assert client.stdout is not None
        for line in client.stdout:
            event = json.loads(line)
            lines.append((time.time(), event))
            if event["event"] == "alert" and sum(
                    1 for _, e in lines if e["event"] == "alert") == args.crossings:
                done.set()

    threading.Thread(target=read, daemon=True).start()
    sent = json.loads(server.stdout.readline().split(" ", 1)[1])
    done.wait(60)
    client.terminate()
    server.terminate()
    alerts = [(t, e) for t, e in lines if e["event"] == "alert"]
    from_send = [(t - s) * 1000 for (t, _), s in zip(alerts, sent, strict=False)]
    from_book = []
    last_book_at = None
    for t, e in lines:
        if e["event"] == "book" and e["valid"] and e["bids"] and e["bids"][0][0] == "101.0":
            last_book_at = t
        elif e["event"] == "alert" and last_book_at is not None:
            from_book.append((t - last_book_at) * 1000)
    print(f"crossings sent {len(sent)}, alerts printed {len(alerts)} (rule {RULE!r})")
    for name, values in (("from the frame's send", from_send),
                         ("from its book event's line", from_book)):
        if values:
            print(f"  {name:28} p50 {statistics.median(values):7.2f} ms   "
                  f"p99 {percentile(values, 0.99):7.2f} ms   max {max(values):7.2f} ms")
    return 0 if len(alerts) == len(sent) == args.crossings else 1


if __name__ == "__main__":
    raise SystemExit(main())
