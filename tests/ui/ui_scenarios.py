"""Deterministic feed scripts for the UI tests, snapshots and README screenshots.

Fixed book data, a fixed clock and a scripted fake feed with the real feed's
interface (run/stop/request_resync/set_depth), so every screen state can be
reproduced exactly.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable, Sequence
from decimal import Decimal

from textual.pilot import Pilot

from kraken_tui.config import Config
from kraken_tui.feed.events import (
    BalancesUpdated,
    BookUpdated,
    CandlesUpdated,
    ConnectionChanged,
    CredentialsRejected,
    DeadManSwitch,
    FeedEvent,
    FeedStats,
    FillReported,
    ModeChanged,
    OrdersUpdated,
    PairStatusChanged,
    ResyncStarted,
    RoundTrip,
    SymbolUnlisted,
    SystemStatusChanged,
    TickerUpdated,
    TradesPrinted,
)
from kraken_tui.kraken.models import Balance, BookView, Order, ViewLevel

T0 = 1_764_072_000.0  # 2025-11-25 12:00:00 UTC: "now" in every scripted screen
SYMBOLS = ("BTC/USD", "ETH/USD", "SOL/USD")


def fixed_clock() -> float:
    return T0


def iso(offset: float) -> str:
    """RFC3339 for T0 + offset seconds (Kraken's Z form)."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(T0 + offset, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def make_view(
    symbol: str = "BTC/USD",
    *,
    mid: str = "97215.35",
    tick: str = "0.1",
    price_precision: int = 1,
    qty_precision: int = 8,
    depth: int = 10,
    seed: int = 7,
    bump: int = 0,
) -> BookView:
    """A plausible book around ``mid``; ``bump`` changes a few sizes (a later update)."""
    rng = random.Random(seed)
    step = Decimal(tick)
    center = Decimal(mid)
    q = Decimal(1).scaleb(-qty_precision)

    def side(sign: int) -> tuple[ViewLevel, ...]:
        levels, cum = [], Decimal(0)
        price = center + sign * step / 2
        for i in range(depth):
            raw = round(rng.uniform(0.01, 2.5) * (1 + i / 4), qty_precision)
            qty = Decimal(str(raw)).quantize(q)
            if bump and i % 3 == 0:
                qty = (qty + Decimal(bump) / 10).quantize(q)
            cum += qty
            levels.append(
                ViewLevel(price.quantize(Decimal(1).scaleb(-price_precision)), qty, cum)
            )
            price += sign * step * rng.randint(1, 3)
        return tuple(levels)

    bids, asks = side(-1), side(1)
    return BookView(symbol, depth, price_precision, qty_precision, bids, asks, checksum=12345)


VIEWS = {
    "BTC/USD": make_view("BTC/USD"),
    "ETH/USD": make_view("ETH/USD", mid="3124.565", tick="0.01", price_precision=2, seed=11),
    "SOL/USD": make_view("SOL/USD", mid="142.565", tick="0.01", price_precision=2, seed=5),
}

ORDERS = (
    Order("OQCLML-BW3P3-BUCMWZ", "BTC/USD", "buy", "limit", Decimal("0.25"),
          Decimal("96900.0"), Decimal("0"), status="new", opened_at=iso(-3 * 3600 - 125)),
    Order("O6S6CF-5JQ3C-DKYB3U", "BTC/USD", "sell", "limit", Decimal("0.10"),
          Decimal("97800.0"), Decimal("0.04"), status="partially_filled", opened_at=iso(-1520)),
    Order("OB5VMB-B4U2U-DK2WRW", "ETH/USD", "buy", "limit", Decimal("2.5"),
          Decimal("3050.00"), Decimal("0"), status="new", opened_at=iso(-340)),
    Order("OXK2H4-ZZQ2L-7RJ2ZL", "SOL/USD", "sell", "stop-loss", Decimal("40"),
          Decimal("131.50"), Decimal("0"), status="new", opened_at=iso(-42)),
)

BALANCES = (
    Balance("BTC", Decimal("1.28450000"),
            (("spot", "main", Decimal("1.03450000")), ("earn", "flex", Decimal("0.25")))),
    Balance("ETH", Decimal("14.5"), (("spot", "main", Decimal("14.5")),)),
    Balance("SOL", Decimal("250"),
            (("spot", "main", Decimal("210")), ("earn", "bonded", Decimal("40")))),
    Balance("USD", Decimal("48210.37"), (("spot", "main", Decimal("48210.37")),)),
)


def stats(endpoint: str, **over: object) -> FeedStats:
    base: dict[str, object] = dict(
        endpoint=endpoint, frames=18_422 if endpoint == "public" else 311,
        frames_per_s=41.5 if endpoint == "public" else 0.4, malformed=0, reconnects=0,
        resyncs=0, last_message_age=0.1 if endpoint == "public" else 2.3,
        last_heartbeat_age=0.6, token_age=None if endpoint == "public" else 412.0,
    )
    base.update(over)
    return FeedStats(**base)  # type: ignore[arg-type]


def live_script(symbols: Sequence[str] = SYMBOLS) -> list[FeedEvent]:
    """Everything healthy: both endpoints live, books valid, orders and balances in."""
    events: list[FeedEvent] = [
        ModeChanged(private=True),
        ConnectionChanged("public", "connected"),
        ConnectionChanged("private", "connected"),
        SystemStatusChanged("online", "2.0.10"),
    ]
    events += [BookUpdated(s, True, VIEWS[s], 12345) for s in symbols]
    events += [
        OrdersUpdated(ORDERS),
        BalancesUpdated(BALANCES),
        stats("public"),
        RoundTrip("public", 23.4),
        stats("private"),
        RoundTrip("private", 31.0),
        DeadManSwitch(True, 60, trigger_time=iso(42)),
    ]
    if "BTC/USD" in symbols:
        events += market_script()
    return events


def market_script() -> list[FeedEvent]:
    """BTC/USD's ticker, a snapshot of trades, two hours of candles and my fills."""
    import market_scenarios as market

    return [
        TickerUpdated("BTC/USD", True, market.TICKER),
        TradesPrinted("BTC/USD", tuple(market.make_trades()), snapshot=True),
        CandlesUpdated("BTC/USD", tuple(market.make_candles())),
        *[FillReported(fill) for fill in market.FILLS],
    ]


def market_stale(reason: str) -> list[FeedEvent]:
    """The market panels lose trust with their connection, as books do."""
    return [TickerUpdated("BTC/USD", False, None, reason),
            TradesPrinted("BTC/USD", valid=False, reason=reason),
            CandlesUpdated("BTC/USD", valid=False, reason=reason)]


def stale_script() -> list[FeedEvent]:
    """Public socket dropped: reconnecting with backoff, books marked stale."""
    return [
        *live_script(),
        ConnectionChanged("public", "backoff", attempt=2, delay=3.0, reason="connection lost"),
        stats("public", reconnects=2, last_message_age=6.2, last_heartbeat_age=6.2,
              frames_per_s=0.0),
        *[BookUpdated(s, False, VIEWS[s], 12345, reason="disconnected") for s in SYMBOLS],
        *market_stale("disconnected"),
    ]


def maintenance_script() -> list[FeedEvent]:
    return [*live_script(), SystemStatusChanged("maintenance", "2.0.10")]


def cancel_only_script() -> list[FeedEvent]:
    return [*live_script(), SystemStatusChanged("cancel_only", "2.0.10")]


def resync_script() -> list[FeedEvent]:
    """A checksum mismatch on BTC/USD: the book is stale while it is rebuilt."""
    return [
        *live_script(),
        BookUpdated("BTC/USD", False, VIEWS["BTC/USD"], 999, reason="checksum_mismatch"),
        ResyncStarted("BTC/USD", "checksum_mismatch", 1),
        stats("public", resyncs=1),
    ]


def public_only_script() -> list[FeedEvent]:
    """No API keys: public data only, private side off, with a note."""
    return [
        ModeChanged(private=False, note="no API keys configured"),
        ConnectionChanged("public", "connected"),
        SystemStatusChanged("online", "2.0.10"),
        *[BookUpdated(s, True, VIEWS[s], 12345) for s in SYMBOLS],
        stats("public"),
        RoundTrip("public", 23.4),
    ]


#: A v1 name beside two listed pairs: a banner names the pair meant, the others carry on.
UNLISTED_SYMBOLS = ("BTC/USD", "ETH/USD", "XBT/USD")


def unlisted_script() -> list[FeedEvent]:
    return [
        *live_script(UNLISTED_SYMBOLS[:2]),
        SymbolUnlisted("XBT/USD", "XBT/USD is Kraken's v1 name; v2 uses BTC/USD"),
        BookUpdated("XBT/USD", False, None, reason="not_listed"),
    ]


def limit_only_script() -> list[FeedEvent]:
    return [*live_script(), PairStatusChanged("ETH/USD", "limit_only")]


def dms_failing_script() -> list[FeedEvent]:
    return [*live_script(), DeadManSwitch(False, 60, error="EService:Unavailable")]


def keys_rejected_script() -> list[FeedEvent]:
    """Keys configured but refused by Kraken: public live, private retrying with backoff."""
    return [
        ModeChanged(private=True),
        ConnectionChanged("public", "connected"),
        SystemStatusChanged("online", "2.0.10"),
        *[BookUpdated(s, True, VIEWS[s], 12345) for s in SYMBOLS],
        stats("public"),
        RoundTrip("public", 23.4),
        ConnectionChanged("private", "connecting", 1),
        CredentialsRejected("EAPI:Invalid key", "GetWebSocketsToken"),
        ConnectionChanged("private", "backoff", 1, 8.0, "EAPI:Invalid key"),
    ]


class ScriptedFeed:
    """A fake feed: replays a script through the sink, then idles until stopped."""

    def __init__(self, config: Config, sink: Callable[[FeedEvent], None],
                 script: Sequence[FeedEvent]) -> None:
        self.config = config
        self.sink = sink
        self.script = list(script)
        self.emitted = 0
        self.replayed = threading.Event()
        self.stopped = threading.Event()
        self.resync_requests: list[str | None] = []
        self.depth_requests: list[int] = []

    async def run(self) -> None:
        for event in self.script:
            self.emit(event)
        self.replayed.set()
        while not self.stopped.is_set():
            await asyncio.sleep(0.02)

    def emit(self, event: FeedEvent) -> None:
        self.emitted += 1
        self.sink(event)

    def stop(self) -> None:
        self.stopped.set()

    def request_resync(self, symbol: str | None = None) -> None:
        self.resync_requests.append(symbol)

    def set_depth(self, depth: int) -> None:
        self.depth_requests.append(depth)


class FeedHolder:
    """A feed factory that remembers the feed it built (tests reach it through this)."""

    def __init__(self, script: Sequence[FeedEvent]) -> None:
        self.script = script
        self.feed: ScriptedFeed | None = None

    def __call__(self, config: Config, sink: Callable[[FeedEvent], None]) -> ScriptedFeed:
        self.feed = ScriptedFeed(config, sink, self.script)
        return self.feed


def demo_config(**over: object) -> Config:
    from dataclasses import replace

    return replace(Config(symbols=SYMBOLS, depth=10, theme="textual-dark"), **over)  # type: ignore[arg-type]


def make_app(script: Sequence[FeedEvent], *, toasts: bool = False, **config: object):
    """The monitor wired to a scripted feed and the fixed clock."""
    from kraken_tui.ui.app import KrakenMonitor

    holder = FeedHolder(script)
    app = KrakenMonitor(demo_config(**config), holder, clock=fixed_clock, toasts=toasts)
    app.animation_level = "none"
    return app, holder


def shown_toasts(app) -> list[str]:
    """The toasts on screen now (the app must run with ``notifications=True``)."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


def market_drawn(app) -> bool:
    """The ticker strip, the tape and the chart have drawn everything they were given."""
    from kraken_tui.ui.widgets.paced import PacedLines

    return not app._board.pending and not any(w.pending for w in app.query(PacedLines))


def settled(app, holder: FeedHolder) -> bool:
    """True when every scripted event has been handled and every ladder and panel painted."""
    from kraken_tui.ui.widgets.book import BookLadder

    feed = holder.feed
    if feed is None or not feed.replayed.is_set():
        return False
    handled = app.events_seen + app.coalesced_books + app.parked_books + app._board.events
    if handled < feed.emitted or app.panels_pending or not market_drawn(app):
        return False
    return not any(ladder.pending for ladder in app.query(BookLadder))


async def wait_for(pilot: Pilot, condition: Callable[[], bool], timeout: float = 5.0,
                   what: str = "condition") -> None:
    """Let the app run until ``condition()`` holds; fail loudly after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.02)


async def settle(pilot: Pilot, holder: FeedHolder, timeout: float = 5.0) -> None:
    """Every scripted event handled and drawn, and the panels' 1 Hz tick run once.

    Stats and round trips are drawn at the next tick (the app's 1 Hz timer), so a
    snapshot would otherwise depend on whether a second had passed.
    """
    await wait_for(pilot, lambda: settled(pilot.app, holder), timeout, "feed replay")
    pilot.app.tick()
    await pilot.pause()
