"""Book engine throughput: raw frame text -> verified book, ours vs python-kraken-sdk.

Generates a seeded synthetic BTC/USD stream per depth (a snapshot, then updates of
1-3 changes each: new quantities, inserts, deletions with the refill level, numbers
as JSON number tokens padded to precision 1/8 like Kraken, a correct checksum on
every frame) and times, for each frame, decode + apply + checksum verification:

* ours: ``decode_frame`` then ``OrderBook.apply`` (which verifies the checksum);
* peer (when python-kraken-sdk is installed, ``pip install .[bench]``):
  ``json.loads`` then ``SpotOrderBookClient.on_message``, the SDK's own book and
  checksum path, driven directly with no network. The SDK is slow at depth 1000, so
  by default it replays only a prefix of the same stream (``--peer-updates``).

Each engine is timed ``--repeat`` times (default 3) on a fresh book and the best
run is reported, since the machine may be shared.

Half of the changes land in the top 10 and half anywhere in the subscribed depth.

    python benchmarks/book_bench.py [--updates N] [--depths 10,100,1000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import zlib
from bisect import bisect_left, insort
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kraken_tui.kraken.book import OrderBook
from kraken_tui.kraken.frames import BookFrame, decode_frame

SYMBOL = "BTC/USD"
PRICE_PRECISION = 1
QTY_PRECISION = 8
MID_TICKS = 600_000  # 60000.0
EXTRA_LEVELS = 40  # levels kept beyond the depth, so deletions have a refill


def _price_token(ticks: int) -> str:
    return f"{ticks // 10}.{ticks % 10}"


def _qty_token(ticks: int) -> str:
    return f"{ticks // 100_000_000}.{ticks % 100_000_000:08d}"


class _Side:
    """The exchange's full side (deeper than what subscribers see), best first."""

    def __init__(self, sign: int) -> None:
        self.sign = sign  # asks +1, bids -1: keys = sign * price ascending = best first
        self.keys: list[int] = []
        self.qty: dict[int, int] = {}

    def rank(self, key: int) -> int:
        return bisect_left(self.keys, key)


class StreamGenerator:
    """Seeded Kraken-like book stream: what the venue would send a depth-N subscriber."""

    def __init__(self, depth: int, seed: int) -> None:
        self.depth = depth
        self.rng = random.Random(seed)
        self.asks = _Side(1)
        self.bids = _Side(-1)
        self.clock = 1_700_000_000_000_000
        for side in (self.asks, self.bids):
            price = MID_TICKS + side.sign * self.rng.randint(1, 5)
            for _ in range(depth + EXTRA_LEVELS):
                key = side.sign * price
                side.keys.append(key)
                side.qty[key] = self._random_qty()
                price += side.sign * self.rng.randint(1, 6)

    def _random_qty(self) -> int:
        return self.rng.choice((100_000, 5_100, 10_000_000, self.rng.randint(1, 500_000_000)))

    def _timestamp(self) -> str:
        self.clock += self.rng.randint(1_000, 80_000)
        seconds, micros = divmod(self.clock, 1_000_000)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micros:06d}Z"

    def _checksum(self) -> int:
        text = "".join(
            f"{abs(k)}{s.qty[k]}" for s in (self.asks, self.bids) for k in s.keys[:10]
        )
        return zlib.crc32(text.encode())

    @staticmethod
    def _levels(side: _Side, changes: list[tuple[int, int]]) -> str:
        return ",".join(
            f'{{"price":{_price_token(abs(k))},"qty":{_qty_token(q)}}}' for k, q in changes
        )

    def _frame(self, kind: str, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> str:
        return (
            f'{{"channel":"book","type":"{kind}","data":[{{"symbol":"{SYMBOL}",'
            f'"bids":[{self._levels(self.bids, bids)}],"asks":[{self._levels(self.asks, asks)}],'
            f'"checksum":{self._checksum()},"timestamp":"{self._timestamp()}"}}]}}'
        )

    def snapshot(self) -> str:
        top = self.depth
        return self._frame(
            "snapshot",
            [(k, self.bids.qty[k]) for k in self.bids.keys[:top]],
            [(k, self.asks.qty[k]) for k in self.asks.keys[:top]],
        )

    def _pick_rank(self) -> int:
        limit = min(10, self.depth) if self.rng.random() < 0.5 else self.depth
        return self.rng.randrange(limit)

    def _change(self, side: _Side) -> list[tuple[int, int]]:
        """Mutate the venue's side once; return what a depth-N subscriber is sent."""
        rng, depth = self.rng, self.depth
        action = rng.random()
        if action < 0.5:  # new quantity at an existing visible level
            key = side.keys[self._pick_rank()]
            side.qty[key] = self._random_qty()
            return [(key, side.qty[key])]
        if action < 0.75 and len(side.keys) > depth + 1:  # delete a visible level + refill
            rank = self._pick_rank()
            key = side.keys.pop(rank)
            del side.qty[key]
            refill = side.keys[depth - 1]
            return [(key, 0), (refill, side.qty[refill])]
        # insert a new level in a gap near a visible level (pushes the last one out)
        rank = self._pick_rank()
        key = side.keys[rank] - 1 if rank > 0 else side.keys[0] - 1
        crosses = abs(key) <= MID_TICKS if side.sign == 1 else abs(key) >= MID_TICKS
        if crosses or key in side.qty:
            key = side.keys[rank] + 1
            if key in side.qty:
                return []
        insort(side.keys, key)
        side.qty[key] = self._random_qty()
        # keep the venue's hidden tail from growing without bound or running dry
        while len(side.keys) > depth + 2 * EXTRA_LEVELS:
            del side.qty[side.keys.pop()]
        if len(side.keys) < depth + EXTRA_LEVELS:
            tail = side.keys[-1] + rng.randint(1, 6)
            side.keys.append(tail)
            side.qty[tail] = self._random_qty()
        return [(key, side.qty[key])] if side.rank(key) < depth else []

    def update(self) -> str:
        bids: list[tuple[int, int]] = []
        asks: list[tuple[int, int]] = []
        target = self.rng.randint(1, 3)
        while len(bids) + len(asks) < target:
            side = self.asks if self.rng.random() < 0.5 else self.bids
            (asks if side is self.asks else bids).extend(self._change(side))
        return self._frame("update", bids, asks)


def generate(depth: int, updates: int, seed: int) -> list[str]:
    gen = StreamGenerator(depth, seed)
    return [gen.snapshot()] + [gen.update() for _ in range(updates)]


@dataclass
class Result:
    frames: int
    seconds: float  # wall clock
    verified: int
    cpu_seconds: float = 0.0  # this process's CPU time: less sensitive to a busy machine

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0

    @property
    def cpu_fps(self) -> float:
        return self.frames / self.cpu_seconds if self.cpu_seconds else 0.0


def run_ours(frames: list[str], depth: int) -> Result:
    book = OrderBook(SYMBOL, depth, PRICE_PRECISION, QTY_PRECISION)
    verified = 0
    decode = decode_frame
    apply = book.apply
    cpu_start = time.process_time()
    start = time.perf_counter()
    for text in frames:
        frame = decode(text)
        if type(frame) is BookFrame:
            snapshot = frame.is_snapshot
            for data in frame.books:
                verified += apply(data, snapshot)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    return Result(len(frames), seconds, verified, cpu_seconds)


def peer_available() -> bool:
    try:
        import kraken.spot  # noqa: F401
    except ImportError:
        return False
    return True


def run_peer(frames: list[str], depth: int) -> Result:
    """python-kraken-sdk's SpotOrderBookClient.on_message, fed the same text via json.loads."""
    return asyncio.run(_run_peer(frames, depth))


async def _run_peer(frames: list[str], depth: int) -> Result:
    from kraken.spot import SpotOrderBookClient

    updates_seen = 0

    def count(pair: str, message: dict) -> None:
        nonlocal updates_seen
        updates_seen += 1

    # Its constructor opens an aiohttp session (hence the loop) but no connection;
    # the precisions normally come from REST AssetPairs, so answer that locally.
    client = SpotOrderBookClient(depth=depth, callback=count)
    client._SpotOrderBookClient__market.get_asset_pairs = lambda pair: {  # type: ignore[attr-defined]
        pair: {"pair_decimals": PRICE_PRECISION, "lot_decimals": QTY_PRECISION}
    }
    on_message: Callable = client.on_message
    loads = json.loads
    try:
        cpu_start = time.process_time()
        start = time.perf_counter()
        for text in frames:
            await on_message(loads(text))
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start
        book = client.get(SYMBOL)
        verified = len(frames) if book is not None and book["valid"] else 0
    finally:
        await client.close()
    return Result(len(frames), seconds, verified, cpu_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=100_000, help="updates per depth")
    parser.add_argument("--depths", default="10,100,1000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat", type=int, default=3,
        help="time each engine this many times and keep the best (the box is shared)",
    )
    parser.add_argument(
        "--peer-updates", type=int, default=10_000,
        help="the SDK replays this prefix of the stream (it is slow at depth 1000)",
    )
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--json", action="store_true", help="one JSON object per depth")
    args = parser.parse_args(argv)
    with_peer = peer_available() and not args.no_peer
    failed = False
    for depth in (int(d) for d in args.depths.split(",")):
        frames = generate(depth, args.updates, args.seed)
        repeat = max(1, args.repeat)
        ours = max((run_ours(frames, depth) for _ in range(repeat)), key=lambda r: r.fps)
        if ours.verified != len(frames):
            failed = True
        peer = None
        if with_peer:
            prefix = frames[: args.peer_updates + 1]
            peer = max((run_peer(prefix, depth) for _ in range(repeat)), key=lambda r: r.fps)
        ratio = ours.fps / peer.fps if peer and peer.fps else None
        if args.json:
            print(json.dumps({
                "depth": depth,
                "frames": ours.frames,
                "ours_fps": round(ours.fps),
                "ours_verified": ours.verified,
                "peer_frames": peer.frames if peer else None,
                "peer_fps": round(peer.fps) if peer else None,
                "peer_verified": peer.verified if peer else None,
                "ratio": round(ratio, 1) if ratio else None,
                "ours_cpu_fps": round(ours.cpu_fps),
                "peer_cpu_fps": round(peer.cpu_fps) if peer else None,
            }))
        else:
            line = (
                f"depth {depth:>4}: ours {ours.fps:>10,.0f} frames/s "
                f"(cpu {ours.cpu_fps:,.0f}; {ours.verified}/{ours.frames} verified)"
            )
            if peer:
                line += (
                    f" | python-kraken-sdk {peer.fps:>9,.0f} frames/s (cpu {peer.cpu_fps:,.0f})"
                    f" over {peer.frames} frames (valid at end: {peer.verified == peer.frames})"
                    f" | ratio {ratio:,.1f}x"
                )
            elif args.no_peer:
                line += " | python-kraken-sdk skipped (--no-peer)"
            else:
                line += " | python-kraken-sdk not installed (pip install .[bench])"
            print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
