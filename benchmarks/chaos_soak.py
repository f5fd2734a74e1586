"""Chaos soak: the feed against the simulator while a seeded schedule injects every fault kind.

Why: "it reconnects" is not a figure. This runs the real feed (public + private,
several symbols, the dead man's switch armed) against the simulator on loopback,
injects one fault at a time from a seeded schedule, and after each fault clears
measures how long it takes until the client's state is provably the exchange's
state again:

* every subscribed book is valid and *every level at the subscribed depth* equals
  ``sim.truth_book`` (the checksum only covers the top 10, so levels are compared);
* the open orders equal ``sim.truth_open_orders()`` and are flagged valid;
* the balances equal ``sim.truth_balances()`` and are flagged valid;
* the feed's system status equals the simulator's.

Independently, every ``BookUpdated(valid=True)`` the feed ever emits must carry a
checksum the simulator really sent for that symbol and depth
(``sim.sent_checksums``): a view shown as live that the exchange never published
is counted as *stale-shown-as-live*. Unhandled exceptions are counted from the
event loop's exception handler and from ERROR records of ``kraken_tui.*`` loggers
(the feed logs a crashed task or a failing sink at ERROR).

The simulator and the feed share one event loop, on purpose: the convergence
check then reads the feed's state and the simulator's truth at the same instant,
so "equal" means equal, not "equal modulo frames in flight".

Faults are drawn from shuffled decks of all kinds (every kind once per deck, in a
seeded random order), with a random gap between them. Each fault is recorded with:
``injected`` (when it started), ``cleared`` (when the client could first recover:
the end of a maintenance window or burst, the status flipped back, or
injected + heartbeat timeout for a silent stall), the *symptom* the client must
show (e.g. a HeartbeatTimeout for a stall, a ResyncStarted for a corrupted
checksum; a missing symptom is a mismatch, since it means a fault went unnoticed),
and ``recovered``. TTR = recovered - cleared. The backoff the client announced
(ConnectionChanged "backoff" delays overlapping [cleared, recovered], the larger
of the two endpoints; plus the nominal resubscribe pacing for a book resync) is
the *allowance*; ``overhead = TTR - allowance`` is what the bar
"TTR p95 <= backoff + 2 s" checks.

    python benchmarks/chaos_soak.py --duration 300 --seed 1 [--json]
    python benchmarks/chaos_soak.py --duration 1800 --seed 1 --gap 3,6 --json  # 30 minutes

Exit status 1 when mismatches, stale-shown-as-live or unhandled exceptions are not 0.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import random
import statistics
import sys
import time
import tracemalloc
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

import psutil

from kraken_tui.feed.backoff import Backoff
from kraken_tui.feed.connection import Feed, FeedConfig
from kraken_tui.feed.events import (
    BalancesUpdated,
    BookUpdated,
    ConnectionChanged,
    DeadManSwitch,
    FeedError,
    FeedEvent,
    HeartbeatTimeout,
    OrdersUpdated,
    ResyncStarted,
    SystemStatusChanged,
)
from kraken_tui.sim import Simulator

FAULT_KINDS: tuple[str, ...] = (
    "abrupt_close",
    "stall",
    "maintenance",
    "cancel_only",
    "post_only",
    "checksum",
    "reject_subscribe",
    "token_revocation",
    "rest_error",
    "rate_limit",
    "sequence_gap",
    "burst",
)
#: The bar: time to recover beyond the announced backoff, p95, per kind.
OVERHEAD_BAR_S = 2.0
RSS_BAR_MB = 10.0


@dataclass
class SoakConfig:
    duration: float = 300.0
    seed: int = 1
    symbols: tuple[str, ...] = ("BTC/USD", "ETH/USD", "MINA/GBP", "DOGE/USD")
    depth: int = 25
    heartbeat_timeout: float = 2.0
    ping_interval: float = 5.0
    backoff_initial: float = 1.0
    backoff_cap: float = 60.0
    dead_man_switch: int | None = 60
    updates_per_second: float = 10.0
    #: A fault that has not recovered this long after clearing is a mismatch.
    recover_deadline: float = 30.0
    gap: tuple[float, float] = (0.2, 1.5)
    #: Keep going past ``duration`` until every kind has been injected once (CI).
    cover_all: bool = False
    verbose: bool = False
    #: Attribute memory growth to source files (slower; for finding what grows).
    trace_memory: bool = False


@dataclass
class FaultRecord:
    kind: str
    detail: str
    injected: float
    cleared: float = 0.0
    symptom: str | None = None  # the event the client must show; None: nothing to see
    symptom_seen: bool = True
    recovered: float | None = None
    allowance: float = 0.0
    resync_symbol: str | None = None
    mark: int = 0

    @property
    def ttr(self) -> float | None:
        return None if self.recovered is None else self.recovered - self.cleared

    @property
    def overhead(self) -> float | None:
        ttr = self.ttr
        return None if ttr is None else ttr - self.allowance


class ErrorCounter(logging.Handler):
    """Counts ERROR (and worse) records from ``kraken_tui.*`` loggers."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.samples) < 10:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += f" [{record.exc_info[1]!r}]"
            self.samples.append(f"{record.name}: {text}"[:300])


class Monitor:
    """The feed's sink: keeps only what the checks need (bounded, so RSS stays flat)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.seq = 0  # events so far (marks for "since the fault")
        self.kinds: Counter[str] = Counter()
        self.orders_valid = False
        self.balances_valid = False
        self.system: str | None = None
        #: (symbol, depth, checksum) of views shown valid, not yet checked against the sim.
        self.pending_valid: list[tuple[str, int, int]] = []
        self.backoffs: deque[tuple[float, str, float, str]] = deque(maxlen=2000)
        self.recent: deque[tuple[int, float, FeedEvent]] = deque(maxlen=400)
        self.changed = asyncio.Event()

    def __call__(self, event: FeedEvent) -> None:
        self.seq += 1
        now = self.clock()
        self.kinds[event.kind] += 1
        kept = event
        if isinstance(event, BookUpdated):
            if event.valid:
                depth = event.view.depth if event.view is not None else -1
                self.pending_valid.append((event.symbol, depth, event.checksum or -1))
            # Keep the event, not its view: 400 retained views are ~6 MB of Decimals,
            # which would read as feed memory growth in the RSS figure.
            kept = replace(event, view=None)
        elif isinstance(event, OrdersUpdated):
            self.orders_valid = event.valid
        elif isinstance(event, BalancesUpdated):
            self.balances_valid = event.valid
        elif isinstance(event, SystemStatusChanged):
            self.system = event.system
        elif isinstance(event, ConnectionChanged) and event.state == "backoff":
            self.backoffs.append((now, event.endpoint, event.delay or 0.0, event.reason))
        self.recent.append((self.seq, now, kept))
        self.changed.set()

    def since(self, mark: int) -> list[FeedEvent]:
        return [e for seq, _, e in self.recent if seq > mark]

    def waited_after(self, start: float, end: float) -> float:
        """Announced backoff overlapping [start, end]: the larger of the two endpoints."""
        per: dict[str, float] = {}
        for at, endpoint, delay, _ in self.backoffs:
            overlap = min(at + delay, end) - max(at, start)
            if overlap > 0:
                per[endpoint] = per.get(endpoint, 0.0) + overlap
        return max(per.values(), default=0.0)


def _norm(levels: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    bids, asks = levels
    return [tuple(x) for x in bids], [tuple(x) for x in asks]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _growth_by_file(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> list[str]:
    """The 12 source files whose live allocations grew most between two snapshots."""
    diffs = after.compare_to(before, "filename")
    return [f"{d.size_diff / 2**20:+.2f} MB {d.count_diff:+} blocks "
            f"{d.traceback[0].filename.split('site-packages/')[-1]}"
            for d in diffs[:12]]


def _rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


class Soak:
    """One soak run: owns the simulator, the feed, the schedule and the figures."""

    def __init__(self, cfg: SoakConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(f"{cfg.seed}:soak")
        self.monitor = Monitor()
        self.errors = ErrorCounter()
        self.loop_exceptions: list[str] = []
        self.records: list[FaultRecord] = []
        self.mismatches: list[dict[str, Any]] = []
        self.stale: list[dict[str, Any]] = []
        self.checked_valid = 0
        self.unconsumed_rest_errors = 0
        self.memory_growth: list[str] = []
        self.rss_after_first_deck: float | None = None
        self.sim: Simulator
        self.feed: Feed
        self.feed_task: asyncio.Task[None] | None = None
        self._last_reason = ""
        self._deck: list[str] = []

    # ------------------------------------------------------------------ state checks

    def converged(self) -> bool:
        """Client state equals the exchange's truth right now (same loop: same instant)."""
        feed, sim = self.feed, self.sim
        for symbol in self.cfg.symbols:
            book = feed.book(symbol)
            if book is None or not feed.book_is_valid(symbol):
                self._last_reason = f"{symbol} book not valid"
                return False
            if _norm(book.levels()) != _norm(sim.truth_book(symbol, feed.depth)):
                self._last_reason = f"{symbol} levels differ from truth"
                return False
        if not self.monitor.orders_valid:
            self._last_reason = "orders not valid"
            return False
        ours = {
            o.order_id: (o.symbol, o.side, o.order_qty, o.cum_qty, o.limit_price)
            for o in feed.account.orders.orders()
        }
        truth = {
            oid: (t["symbol"], t["side"], Decimal(t["order_qty"]), Decimal(t["cum_qty"]),
                  Decimal(t["limit_price"]))
            for oid, t in sim.truth_open_orders().items()
        }
        if ours != truth:
            self._last_reason = (f"orders differ: only ours {sorted(set(ours) - set(truth))}, "
                                 f"only truth {sorted(set(truth) - set(ours))}, "
                                 f"{sum(ours.get(k) != v for k, v in truth.items())} differ")
            return False
        if not self.monitor.balances_valid:
            self._last_reason = "balances not valid"
            return False
        balances = {b.asset: b.total for b in feed.account.balances.balances()}
        if balances != sim.truth_balances():
            self._last_reason = "balances differ from truth"
            return False
        if self.monitor.system != sim.system_status:
            self._last_reason = f"status {self.monitor.system} != {sim.system_status}"
            return False
        return True

    def check_stale(self) -> None:
        """Every view shown valid must carry a checksum the simulator really sent."""
        pending, self.monitor.pending_valid = self.monitor.pending_valid, []
        sent: dict[tuple[str, int], set[int]] = {}
        for symbol, depth, checksum in pending:
            key = (symbol, depth)
            if key not in sent:
                sent[key] = self.sim.sent_checksums(symbol, depth)
            self.checked_valid += 1
            if checksum not in sent[key]:
                self.stale.append({"symbol": symbol, "depth": depth, "checksum": checksum})

    async def _stale_checker(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            self.check_stale()

    async def wait_converged(self, deadline: float) -> float | None:
        """Poll (20 ms, and on every event) until converged; the time it first held, or None."""
        while True:
            if self.converged():
                return time.monotonic()
            if time.monotonic() >= deadline:
                return None
            self.monitor.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.monitor.changed.wait(), 0.02)

    async def wait_symptom(self, rec: FaultRecord, timeout: float) -> bool:
        """The client noticed the fault (it showed ``rec.symptom``) within ``timeout``."""
        end = time.monotonic() + timeout
        while True:
            if any(self._is_symptom(rec, e) for e in self.monitor.since(rec.mark)):
                return True
            if time.monotonic() >= end:
                return False
            await asyncio.sleep(0.02)

    @staticmethod
    def _is_symptom(rec: FaultRecord, e: FeedEvent) -> bool:
        s = rec.symptom
        if s == "disconnect:public" or s == "disconnect:private":
            return (isinstance(e, ConnectionChanged) and e.state == "disconnected"
                    and e.endpoint == s.split(":")[1])
        if s == "disconnect:any":
            return isinstance(e, ConnectionChanged) and e.state == "disconnected"
        if s is not None and s.startswith("heartbeat:"):
            return isinstance(e, HeartbeatTimeout) and e.endpoint == s.split(":")[1]
        if s is not None and s.startswith("heartbeat_any"):
            return isinstance(e, HeartbeatTimeout)
        if s is not None and s.startswith("status:"):
            return isinstance(e, SystemStatusChanged) and e.system == s.split(":")[1]
        if s == "maintenance":
            return (isinstance(e, SystemStatusChanged) and e.system == "maintenance") or (
                isinstance(e, BookUpdated) and not e.valid)
        if s is not None and s.startswith("resync:"):
            return isinstance(e, ResyncStarted) and e.symbol == s.split(":", 1)[1]
        if s == "refused":
            return isinstance(e, FeedError) and "refused" in e.error
        if s == "rest_failure":
            return (isinstance(e, FeedError) and (
                e.endpoint == "rest" or e.error == "GetWebSocketsToken failed")) or (
                isinstance(e, DeadManSwitch) and e.error is not None)
        if s == "sequence_gap":
            return isinstance(e, FeedError) and e.error == "sequence gap"
        return False

    # ------------------------------------------------------------------ faults

    def _next_kind(self) -> str:
        if not self._deck:
            self._deck = list(FAULT_KINDS)
            self.rng.shuffle(self._deck)
        return self._deck.pop()

    def _poke_account(self, channel: str) -> None:
        """Make the demo account produce a message on ``channel`` (after a skipped sequence)."""
        ex, sim, rng = self.sim.exchange, self.sim, self.rng
        symbol = rng.choice(self.cfg.symbols)
        sm = sim.market[symbol]
        spec = sm.spec
        lots = max(1, spec.qty_lots(spec.qty_range[0] * 2))
        first = rng.choice(("buy", "sell"))
        for attempt in range(3):  # orders need funds: the other side, then free the holds
            side = first if attempt != 1 else ("sell" if first == "buy" else "buy")
            best = sm.book.best(side == "buy") or spec.price_ticks(spec.start_price)
            price = max(1, best - 50 if side == "buy" else best + 50)
            if ex.can_fund(sim.demo, symbol, side, lots, price):
                break
            if attempt == 1:
                ex.cancel_all(sim.demo)
        order = ex.place_order(sim.demo, symbol, side, lots, price)
        if channel == "balances" and sim.system_status == "online":
            ex.fill_order(order.order_id, max(1, lots // 2))

    async def inject(self, kind: str) -> FaultRecord:
        cfg, sim, rng = self.cfg, self.sim, self.rng
        faults = sim.faults
        now = time.monotonic
        rec = FaultRecord(kind, "", now(), mark=self.monitor.seq)
        if kind == "abrupt_close":
            endpoint = rng.choice(("public", "private", "all"))
            rec.detail = endpoint
            rec.symptom = "disconnect:any" if endpoint == "all" else f"disconnect:{endpoint}"
            faults.drop_connections(endpoint)
            rec.cleared = now()
        elif kind == "stall":
            endpoint = rng.choice(("public", "private", "all"))
            seconds = rng.uniform(1.5, 3.0) * cfg.heartbeat_timeout
            rec.detail = f"{endpoint} {seconds:.1f}s"
            rec.symptom = "heartbeat_any" if endpoint == "all" else f"heartbeat:{endpoint}"
            faults.stall(seconds, endpoint)
            # The earliest the client can know: nothing arrived for a heartbeat deadline.
            rec.cleared = rec.injected + cfg.heartbeat_timeout
        elif kind == "maintenance":
            seconds = rng.uniform(2.0, 5.0)
            rec.detail = f"{seconds:.1f}s"
            rec.symptom = "maintenance"
            faults.start_maintenance()
            await asyncio.sleep(seconds)
            faults.end_maintenance()
            rec.cleared = now()
        elif kind in ("cancel_only", "post_only"):
            seconds = rng.uniform(1.0, 3.0)
            rec.detail = f"{seconds:.1f}s"
            rec.symptom = f"status:{kind}"
            faults.set_system_status(kind)
            await asyncio.sleep(seconds)
            faults.set_system_status("online")
            rec.cleared = now()
        elif kind == "checksum":
            symbol = rng.choice(cfg.symbols)
            rec.detail = symbol
            rec.symptom = f"resync:{symbol}"
            rec.resync_symbol = symbol
            faults.corrupt_next_checksum(symbol)
            rec.cleared = now()
        elif kind == "reject_subscribe":
            target = rng.choice(("book", "book", "instrument", "executions", "balances"))
            rec.symptom = "refused"
            if target == "book":
                symbol = rng.choice(cfg.symbols)
                rec.detail = f"book {symbol} (via a checksum resync)"
                rec.resync_symbol = symbol
                faults.reject_next_subscribe("book", symbol)
                faults.corrupt_next_checksum(symbol)
            elif target == "instrument":
                rec.detail = "instrument (via a public reconnect)"
                faults.reject_next_subscribe("instrument")
                faults.drop_connections("public")
            else:
                rec.detail = f"{target} (via a private reconnect)"
                faults.reject_next_subscribe(target)
                faults.drop_connections("private")
            rec.cleared = now()
        elif kind == "token_revocation":
            rec.detail = "revoke all tokens + drop private"
            rec.symptom = "disconnect:private"
            faults.revoke_tokens(drop_private=True)
            rec.cleared = now()
        elif kind == "rest_error":
            method = rng.choice(("GetWebSocketsToken", "OpenOrders", "Balance", "*"))
            error = rng.choice(("EService:Unavailable", "EGeneral:Internal error",
                                "EService:Busy"))
            count = rng.randint(1, 3)
            rec.symptom = "rest_failure"
            faults.rest_error(method, error=error, count=count)
            if method == "Balance":
                # The feed reads REST Balance only to settle a balances sequence gap.
                rec.detail = f"{method} x{count} {error} + balances sequence gap"
                faults.skip_sequence("balances")
                self._poke_account("balances")
            else:
                rec.detail = f"{method} x{count} {error} + drop private"
                faults.drop_connections("private")
            rec.cleared = now()
        elif kind == "rate_limit":
            count = rng.randint(1, 3)
            rec.detail = f"next {count} REST calls + drop private"
            rec.symptom = "rest_failure"
            faults.rate_limit(count)
            faults.drop_connections("private")
            rec.cleared = now()
        elif kind == "sequence_gap":
            channel = rng.choice(("executions", "balances"))
            rec.detail = channel
            rec.symptom = "sequence_gap"
            faults.skip_sequence(channel)
            self._poke_account(channel)
            rec.cleared = now()
        elif kind == "burst":
            fps = rng.uniform(500, 3000)
            seconds = rng.uniform(2.0, 4.0)
            rec.detail = f"{fps:.0f} frames/s for {seconds:.1f}s"
            faults.burst(fps, list(cfg.symbols))
            await asyncio.sleep(seconds)
            faults.stop_burst()
            rec.cleared = now()
        else:  # pragma: no cover - FAULT_KINDS is closed
            raise ValueError(kind)
        return rec

    def _resync_allowance(self, symbol: str, waits: int) -> float:
        """Upper bound of the resubscribe pacing the feed applied (nominal, before jitter).

        Each paced resubscribe counts one failure on the book's backoff (the first one
        is immediate), so the last ``waits`` of them belong to this fault. Read from the
        feed's per-book backoff: internal state, which the feed does not announce.
        """
        st = self.feed.books.books.get(symbol)
        if st is None:
            return 0.0
        total = 0.0
        for failures in range(st.backoff.failures - waits + 1, st.backoff.failures + 1):
            if failures > 1:
                total += Backoff(initial=self.cfg.backoff_initial, cap=self.cfg.backoff_cap,
                                 failures=failures).nominal()
        return total

    async def recover(self, rec: FaultRecord) -> None:
        cfg = self.cfg
        if rec.symptom is not None:
            timeout = max(0.0, rec.cleared - time.monotonic()) + cfg.recover_deadline
            rec.symptom_seen = await self.wait_symptom(rec, timeout)
            if not rec.symptom_seen:
                self.mismatches.append({"kind": rec.kind, "detail": rec.detail,
                                        "what": f"fault went unnoticed (no {rec.symptom})"})
        rec.recovered = await self.wait_converged(rec.cleared + cfg.recover_deadline)
        # Injected REST errors nobody consumed would hit a later fault: drop them.
        rest = self.sim.rest
        self.unconsumed_rest_errors += sum(len(q) for q in rest.injected.values())
        self.unconsumed_rest_errors += rest.rate_limited
        rest.injected.clear()
        rest.rate_limited = 0
        if rec.recovered is not None:
            rec.recovered = max(rec.recovered, rec.cleared)
            allowance = self.monitor.waited_after(rec.cleared, rec.recovered)
            if rec.resync_symbol is not None:
                # A checksum resync waits once; a refused resubscribe waits once more.
                waits = 2 if rec.kind == "reject_subscribe" else 1
                allowance += self._resync_allowance(rec.resync_symbol, waits)
            rec.allowance = allowance
        else:
            self.mismatches.append({"kind": rec.kind, "detail": rec.detail,
                                    "what": f"not converged {cfg.recover_deadline}s after "
                                            f"clearing: {self._last_reason}"})

    # ------------------------------------------------------------------ run

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        self.loop_exceptions.append(f"{context.get('message')}: {exc!r}"[:300])

    async def run(self) -> dict[str, Any]:
        cfg = self.cfg
        loop = asyncio.get_running_loop()
        previous_handler = loop.get_exception_handler()
        loop.set_exception_handler(self._loop_exception)
        pkg_logger = logging.getLogger("kraken_tui")
        pkg_logger.addHandler(self.errors)
        started = time.monotonic()
        try:
            async with Simulator(seed=cfg.seed, order_flow=True,
                                 updates_per_second=cfg.updates_per_second) as sim:
                self.sim = sim
                feed_config = FeedConfig(
                    symbols=cfg.symbols, depth=cfg.depth, ws_url=sim.ws_url,
                    ws_auth_url=sim.ws_auth_url, rest_url=sim.rest_url, api_key=sim.api_key,
                    api_secret=sim.api_secret, heartbeat_timeout=cfg.heartbeat_timeout,
                    ping_interval=cfg.ping_interval, backoff_initial=cfg.backoff_initial,
                    backoff_cap=cfg.backoff_cap, dead_man_switch=cfg.dead_man_switch,
                )
                self.feed = Feed(feed_config, self.monitor,
                                 rng=random.Random(f"{cfg.seed}:feed"))
                self.feed_task = asyncio.create_task(self.feed.run())
                checker = asyncio.create_task(self._stale_checker())
                try:
                    warm = await self.wait_converged(time.monotonic() + cfg.recover_deadline)
                    if warm is None:
                        self.mismatches.append({"kind": "startup", "detail": "",
                                                "what": f"never converged: {self._last_reason}"})
                    rss_start = _rss_mb()
                    if cfg.trace_memory:
                        tracemalloc.start(3)
                        first = tracemalloc.take_snapshot()
                    soak_start = time.monotonic()
                    await self._schedule(soak_start)
                    soak_seconds = time.monotonic() - soak_start
                    rss_end = _rss_mb()
                    if cfg.trace_memory:
                        self.memory_growth = _growth_by_file(first, tracemalloc.take_snapshot())
                        tracemalloc.stop()
                    self.check_stale()
                finally:
                    checker.cancel()
                    if self.feed_task.done():
                        self.loop_exceptions.append(
                            f"feed.run() ended by itself: {self.feed_task!r}"[:300])
                    self.feed.stop()
                    try:
                        await asyncio.wait_for(self.feed_task, 15)
                    except BaseException as exc:
                        self.loop_exceptions.append(f"feed.run() raised {exc!r}"[:300])
                    feed_stats = {ep: vars(s).copy() for ep, s in self.feed.stats.items()}
                    feed_stats["public"]["resyncs"] = self.feed.books.resyncs
        finally:
            pkg_logger.removeHandler(self.errors)
            loop.set_exception_handler(previous_handler)
        return self.figures(soak_seconds, time.monotonic() - started, rss_start, rss_end,
                            feed_stats)

    async def _schedule(self, soak_start: float) -> None:
        cfg = self.cfg
        injected: set[str] = set()
        hard_stop = soak_start + max(cfg.duration, 1.0) * 3 + 120
        while True:
            elapsed = time.monotonic() - soak_start
            missing = cfg.cover_all and set(FAULT_KINDS) - injected
            if (elapsed >= cfg.duration and not missing) or time.monotonic() > hard_stop:
                return
            if missing:
                # Draw from the deck, but skip kinds already covered while some are missing.
                kind = self._next_kind()
                if kind in injected and elapsed >= cfg.duration:
                    continue
            else:
                kind = self._next_kind()
            injected.add(kind)
            if self.rss_after_first_deck is None and len(self.records) == len(FAULT_KINDS):
                self.rss_after_first_deck = _rss_mb()
            rec = await self.inject(kind)
            self.records.append(rec)
            await self.recover(rec)
            if cfg.verbose:
                ttr = "-" if rec.ttr is None else f"{rec.ttr:.2f}s"
                print(f"[{time.monotonic() - soak_start:7.1f}s] {kind:<17} {rec.detail:<40} "
                      f"ttr {ttr} allowance {rec.allowance:.2f}s", flush=True)
            await asyncio.sleep(self.rng.uniform(*cfg.gap))

    def figures(self, soak_seconds: float, wall: float, rss_start: float, rss_end: float,
                feed_stats: dict[str, dict[str, Any]]) -> dict[str, Any]:
        faults = Counter(r.kind for r in self.records)
        recovered = Counter(r.kind for r in self.records if r.recovered is not None)
        ttr: dict[str, dict[str, float]] = {}
        overhead: dict[str, dict[str, float]] = {}
        for kind in FAULT_KINDS:
            ttrs = [r.ttr for r in self.records if r.kind == kind and r.ttr is not None]
            overs = [r.overhead for r in self.records
                     if r.kind == kind and r.overhead is not None]
            if ttrs:
                ttr[kind] = {"p50": round(statistics.median(ttrs), 3),
                             "p95": round(_pct(ttrs, 0.95), 3), "max": round(max(ttrs), 3)}
                overhead[kind] = {"p50": round(statistics.median(overs), 3),  # type: ignore[arg-type]
                                  "p95": round(_pct(overs, 0.95), 3),  # type: ignore[arg-type]
                                  "max": round(max(overs), 3)}  # type: ignore[type-var]
        exceptions = len(self.loop_exceptions) + self.errors.count
        result: dict[str, Any] = {
            "seed": self.cfg.seed,
            "duration_s": round(soak_seconds, 1),
            "wall_s": round(wall, 1),
            "symbols": list(self.cfg.symbols),
            "depth": self.cfg.depth,
            "faults_total": len(self.records),
            "faults": {k: faults.get(k, 0) for k in FAULT_KINDS},
            "recoveries": {k: recovered.get(k, 0) for k in FAULT_KINDS},
            "ttr_s": ttr,
            "overhead_s": overhead,
            "mismatches": len(self.mismatches),
            "stale_shown_as_live": len(self.stale),
            "unhandled_exceptions": exceptions,
            "valid_views_checked": self.checked_valid,
            "rss_mb": {"start": round(rss_start, 1), "end": round(rss_end, 1),
                       "growth": round(rss_end - rss_start, 1),
                       "after_first_deck": (None if self.rss_after_first_deck is None
                                            else round(self.rss_after_first_deck, 1))},
            "unconsumed_rest_errors": self.unconsumed_rest_errors,
            "reconnects": {ep: s["reconnects"] for ep, s in feed_stats.items()},
            "resyncs": feed_stats["public"]["resyncs"],
            "malformed": sum(s["malformed"] for s in feed_stats.values()),
            "budget_waits": sum(1 for *_, reason in self.monitor.backoffs
                                if reason == "connection attempt budget"),
            "events": dict(self.monitor.kinds),
        }
        result["bar"] = {
            "overhead_p95_le_2s": all(v["p95"] <= OVERHEAD_BAR_S for v in overhead.values()),
            "rss_growth_lt_10mb": result["rss_mb"]["growth"] < RSS_BAR_MB,
        }
        result["ok"] = (result["mismatches"] == 0 and result["stale_shown_as_live"] == 0
                        and exceptions == 0)
        if self.memory_growth:
            result["memory_growth_by_file"] = self.memory_growth
        if self.mismatches:
            result["mismatch_samples"] = self.mismatches[:10]
        if self.stale:
            result["stale_samples"] = self.stale[:10]
        if exceptions:
            result["exception_samples"] = (self.loop_exceptions + self.errors.samples)[:10]
        return result


async def run_soak(cfg: SoakConfig) -> dict[str, Any]:
    """The soak's core, for the CLI and for the short CI soak in tests/chaos."""
    return await Soak(cfg).run()


def _print_human(result: dict[str, Any]) -> None:
    print(f"chaos soak: seed {result['seed']}, {result['duration_s']}s, "
          f"{result['faults_total']} faults, symbols {', '.join(result['symbols'])} "
          f"at depth {result['depth']}")
    print(f"{'kind':<17}{'faults':>7}{'recov':>7}{'ttr p50':>9}{'p95':>8}{'max':>8}"
          f"{'over p95':>10}")
    for kind in FAULT_KINDS:
        t = result["ttr_s"].get(kind, {})
        o = result["overhead_s"].get(kind, {})
        print(f"{kind:<17}{result['faults'][kind]:>7}{result['recoveries'][kind]:>7}"
              f"{t.get('p50', float('nan')):>9.2f}{t.get('p95', float('nan')):>8.2f}"
              f"{t.get('max', float('nan')):>8.2f}{o.get('p95', float('nan')):>10.2f}")
    rss = result["rss_mb"]
    print(f"mismatches {result['mismatches']}  stale-shown-as-live "
          f"{result['stale_shown_as_live']}  unhandled exceptions "
          f"{result['unhandled_exceptions']}  (valid views checked "
          f"{result['valid_views_checked']})")
    print(f"RSS {rss['start']} MB -> {rss['end']} MB ({rss['growth']:+} MB); reconnects "
          f"{result['reconnects']}; resyncs {result['resyncs']}; budget waits "
          f"{result['budget_waits']}")
    for line in result.get("memory_growth_by_file", []):
        print(f"  memory: {line}")
    for key in ("mismatch_samples", "stale_samples", "exception_samples"):
        for sample in result.get(key, []):
            print(f"  {key[:-8]}: {sample}")
    print(f"bar: {result['bar']}  ok: {result['ok']}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300.0, metavar="S",
                        help="soak length in seconds (default 300; the bar is 1800)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--symbols", default="BTC/USD,ETH/USD,MINA/GBP,DOGE/USD")
    parser.add_argument("--depth", type=int, default=25)
    parser.add_argument("--heartbeat-timeout", type=float, default=2.0)
    parser.add_argument("--deadline", type=float, default=30.0,
                        help="seconds after a fault clears before it counts as a mismatch")
    parser.add_argument("--gap", default="0.2,1.5", metavar="MIN,MAX",
                        help="seconds between a recovery and the next fault (default 0.2,1.5;"
                        " use 3,6 for 30 minutes: every fault costs about one reconnect and"
                        " the feed allows 120 connection attempts per 10 minutes)")
    parser.add_argument("--json", action="store_true",
                        help="also print the figures as one JSON object on the last line")
    parser.add_argument("--verbose", action="store_true", help="one line per fault")
    parser.add_argument("--trace-memory", action="store_true",
                        help="attribute memory growth to source files (tracemalloc; slower)")
    parser.add_argument("--log-level", default="ERROR",
                        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="stderr logging (default ERROR: the feed warns on every fault)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=getattr(logging, args.log_level), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = SoakConfig(duration=args.duration, seed=args.seed,
                     symbols=tuple(args.symbols.split(",")), depth=args.depth,
                     heartbeat_timeout=args.heartbeat_timeout, recover_deadline=args.deadline,
                     verbose=args.verbose, trace_memory=args.trace_memory,
                     gap=(float(args.gap.split(",")[0]), float(args.gap.split(",")[1])))
    result = asyncio.run(run_soak(cfg))
    _print_human(result)
    if args.json:
        print(json.dumps(result), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
