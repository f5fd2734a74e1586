"""Alert engine cost: 1,000 rules over 20 symbols, per book update, vs the book core's cost.

Issue 15's bar: rules may add at most 10 % to the feed's CPU. The feed's per-update
work is far more than the book core (socket, JSON, events), so this compares with
the smallest honest baseline, measured in the same run on the same updates:

* baseline: ``decode_frame`` + ``OrderBook.apply`` (checksum verified) + ``view()``
  for a seeded Kraken-like stream per symbol (``book_bench.StreamGenerator``);
* engine: ``AlertEngine.observe_book`` with each update's best bid/ask, plus one
  ``observe_ticker`` per ``--ticker-every`` book updates (last = the mid), for
  ``--rules`` rules spread over the symbols and kinds with thresholds inside the
  prices the stream visits, so rules really cross and fire.

Each part is timed ``--repeat`` times (CPU time of this process) and the best run kept.

    python benchmarks/alerts_bench.py [--rules 1000] [--symbols 20] [--updates 3000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from book_bench import PRICE_PRECISION, QTY_PRECISION, SYMBOL, generate

from kraken_tui.alerts.engine import AlertEngine
from kraken_tui.alerts.rules import Rule, parse_rule
from kraken_tui.kraken.book import OrderBook
from kraken_tui.kraken.frames import BookFrame, decode_frame


@dataclass(frozen=True)
class Tick:
    symbol: str
    last: Decimal | None
    change_pct: Decimal | None
    valid: bool = True


Top = tuple[str, Decimal | None, Decimal | None]


def book_pass(streams: dict[str, list[str]], depth: int) -> tuple[float, list[Top]]:
    """CPU seconds of decode+apply+view over the interleaved streams, and each update's top."""
    books = {s: OrderBook(SYMBOL, depth, PRICE_PRECISION, QTY_PRECISION) for s in streams}
    order = [(s, i) for i in range(len(next(iter(streams.values())))) for s in streams]
    tops: list[Top] = []
    start = time.process_time()
    for symbol, i in order:
        frame = decode_frame(streams[symbol][i])
        if type(frame) is BookFrame:
            book = books[symbol]
            for data in frame.books:
                book.apply(data, frame.is_snapshot)
            view = book.view()
            tops.append((symbol, view.best_bid, view.best_ask))
    return time.process_time() - start, tops


def make_rules(tops: list[Top], count: int, rng: random.Random) -> list[Rule]:
    """Rules whose thresholds sit inside the prices each symbol visits."""
    ranges: dict[str, tuple[Decimal, Decimal]] = {}
    for symbol, bid, ask in tops:
        if bid is None or ask is None:
            continue
        lo, hi = ranges.get(symbol, (bid, ask))
        ranges[symbol] = (min(lo, bid), max(hi, ask))
    symbols = sorted(ranges)
    rules = [parse_rule(t) for t in ("stale > 30", "fill", "status", "deadman")]
    while len(rules) < count:
        symbol = rng.choice(symbols)
        lo, hi = ranges[symbol]
        price = lo + (hi - lo) * Decimal(rng.randint(0, 1000)) / 1000
        op = rng.choice((">", ">=", "<", "<="))
        kind = rng.random()
        if kind < 0.6:
            field = rng.choice(("bid", "ask", "mid"))
            text = f"{symbol} {field} {op} {price.quantize(Decimal('0.1'))}"
        elif kind < 0.7:
            text = f"{symbol} spread_bps {op} {rng.choice(('0.01', '0.05', '0.1', '0.5'))}"
        elif kind < 0.9:
            text = f"{symbol} last {op} {price.quantize(Decimal('0.1'))}"
        else:
            text = f"{symbol} move_pct {rng.choice(('0.001', '0.002', '0.01'))} in 60"
        rules.append(parse_rule(text))
    return rules


def engine_pass(rules: list[Rule], tops: list[Top], ticker_every: int) -> tuple[float, int]:
    clock_now = [0.0]
    engine = AlertEngine(rules, clock=lambda: clock_now[0], wall_clock=time.time)
    fired = 0
    observe_book, observe_ticker = engine.observe_book, engine.observe_ticker
    start = time.process_time()
    for n, (symbol, bid, ask) in enumerate(tops):
        clock_now[0] = n * 0.001
        fired += len(observe_book(symbol, True, bid, ask))
        if n % ticker_every == 0 and bid is not None and ask is not None:
            fired += len(observe_ticker(Tick(symbol, (bid + ask) / 2, Decimal("-0.5"))))
    return time.process_time() - start, fired


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--updates", type=int, default=3000, help="book updates per symbol")
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--ticker-every", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    streams = {
        f"SYN{i + 1:02d}/USD": generate(args.depth, args.updates, args.seed + i)
        for i in range(args.symbols)
    }
    repeat = max(1, args.repeat)
    book_runs = [book_pass(streams, args.depth) for _ in range(repeat)]
    book_cpu = min(r[0] for r in book_runs)
    tops = book_runs[0][1]
    rules = make_rules(tops, args.rules, random.Random(args.seed))
    engine_runs = [engine_pass(rules, tops, args.ticker_every) for _ in range(repeat)]
    engine_cpu = min(r[0] for r in engine_runs)
    fired = engine_runs[0][1]
    updates = len(tops)
    ratio = engine_cpu / book_cpu if book_cpu else float("nan")
    figures = {
        "rules": len(rules),
        "symbols": args.symbols,
        "book_updates": updates,
        "firings": fired,
        "book_core_us_per_update": round(book_cpu / updates * 1e6, 2),
        "engine_us_per_update": round(engine_cpu / updates * 1e6, 2),
        "engine_vs_book_core_pct": round(ratio * 100, 1),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{figures['rules']} rules over {args.symbols} symbols, {updates} book updates "
            f"(+1 ticker per {args.ticker_every}), {fired} firings: book core "
            f"{figures['book_core_us_per_update']} us/update (decode+apply+verify+view), "
            f"alert engine {figures['engine_us_per_update']} us/update = "
            f"{figures['engine_vs_book_core_pct']} % of the book core"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
