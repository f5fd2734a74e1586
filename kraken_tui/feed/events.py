"""Everything the feed knows, as typed immutable events.

The UI turns these into Textual messages; ``kraken-tui events`` prints them
as JSON lines (``to_json``). The feed never imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal

from kraken_tui.kraken.fills import Fill
from kraken_tui.kraken.market import Candle, Ticker, Trade
from kraken_tui.kraken.models import Balance, BookView, Order

Endpoint = Literal["public", "private"]
ConnState = Literal["connecting", "connected", "disconnected", "backoff"]


def _dec(value: Decimal | None) -> str | None:
    """The value's own digits, never exponent notation (``0.00000000``, not ``0E-8``)."""
    return None if value is None else f"{value:f}"


@dataclass(frozen=True, slots=True)
class FeedEvent:
    kind: ClassVar[str] = "event"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.kind}
        for name in self.__slots__:  # type: ignore[attr-defined]
            out[name] = getattr(self, name)
        return out


@dataclass(frozen=True, slots=True)
class ConnectionChanged(FeedEvent):
    """Connection lifecycle of one endpoint; ``delay`` is the wait before the next try."""

    kind: ClassVar[str] = "connection"
    endpoint: Endpoint
    state: ConnState
    attempt: int = 0
    delay: float | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SystemStatusChanged(FeedEvent):
    """Exchange-wide engine status from the ``status`` channel."""

    kind: ClassVar[str] = "status"
    system: str  # online | maintenance | cancel_only | post_only
    version: str | None = None


@dataclass(frozen=True, slots=True)
class PairStatusChanged(FeedEvent):
    """Per-pair trading status from the ``instrument`` channel (e.g. limit_only)."""

    kind: ClassVar[str] = "pair_status"
    symbol: str
    status: str


@dataclass(frozen=True, slots=True)
class SymbolUnlisted(FeedEvent):
    """A watched symbol is not on Kraken's instrument list: nothing is subscribed for it.

    ``note`` names the listed pair it most likely meant (a v1 name such as ``XBT/USD``,
    or a typo); the other symbols carry on.
    """

    kind: ClassVar[str] = "unlisted_symbol"
    symbol: str
    note: str


@dataclass(frozen=True, slots=True)
class BookUpdated(FeedEvent):
    """A book's latest view. ``valid`` is False the moment it stops being trustworthy."""

    kind: ClassVar[str] = "book"
    symbol: str
    valid: bool
    view: BookView | None = None
    checksum: int | None = None
    reason: str = ""  # why it is invalid: disconnected, awaiting_snapshot, checksum_mismatch, ...

    def to_json(self) -> dict[str, Any]:
        bids, asks = self.view.top(10) if self.view is not None else ([], [])
        out: dict[str, Any] = {
            "event": self.kind,
            "symbol": self.symbol,
            "valid": self.valid,
            "checksum": self.checksum,
            "bids": bids,
            "asks": asks,
        }
        if self.view is not None:
            out["depth"] = self.view.depth
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True, slots=True)
class TickerUpdated(FeedEvent):
    """A symbol's ticker; ``valid`` False the moment it stops being trustworthy."""

    kind: ClassVar[str] = "ticker"
    symbol: str
    valid: bool
    ticker: Ticker | None = None
    reason: str = ""  # why it is invalid: disconnected, heartbeat_timeout, maintenance

    @property
    def last(self) -> Decimal | None:  # the alert engine's TickerLike
        return self.ticker.last if self.ticker is not None else None

    @property
    def change_pct(self) -> Decimal | None:
        return self.ticker.change_pct if self.ticker is not None else None

    def to_json(self) -> dict[str, Any]:
        t = self.ticker
        out: dict[str, Any] = {"event": self.kind, "symbol": self.symbol}
        for name in ("last", "bid", "ask", "high", "low", "volume", "vwap", "change",
                     "change_pct"):
            out[name] = _dec(getattr(t, name)) if t is not None else None
        out["valid"] = self.valid
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True, slots=True)
class ResyncStarted(FeedEvent):
    """A book is being rebuilt from a fresh snapshot (e.g. after a checksum mismatch)."""

    kind: ClassVar[str] = "resync"
    symbol: str
    reason: str
    count: int  # resyncs of this symbol so far


@dataclass(frozen=True, slots=True)
class ResyncDone(FeedEvent):
    kind: ClassVar[str] = "resync_done"
    symbol: str


@dataclass(frozen=True, slots=True)
class OrdersUpdated(FeedEvent):
    """The whole open-order set (stable order: oldest first)."""

    kind: ClassVar[str] = "orders"
    orders: tuple[Order, ...]
    valid: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.kind,
            "valid": self.valid,
            "orders": [
                {
                    "order_id": o.order_id,
                    "symbol": o.symbol,
                    "side": o.side,
                    "order_type": o.order_type,
                    "limit_price": _dec(o.limit_price),
                    "order_qty": _dec(o.order_qty),
                    "cum_qty": _dec(o.cum_qty),
                    "status": o.status,
                }
                for o in self.orders
            ],
        }


@dataclass(frozen=True, slots=True)
class TradesPrinted(FeedEvent):
    """New public trades of a symbol, oldest first; never a trade_id already emitted.

    ``valid`` False (with no trades) the moment the tape stops being trustworthy
    (disconnect, heartbeat deadline, maintenance): the shown tape is stale until the
    next trades arrive after the resubscribe's snapshot. ``snapshot`` marks the batch
    that came with a (re)subscribe: older trades, already printed on the venue.
    ``kraken-tui events`` writes one ``trade`` line per trade.
    """

    kind: ClassVar[str] = "trade"
    symbol: str
    trades: tuple[Trade, ...] = ()
    valid: bool = True
    snapshot: bool = False
    reason: str = ""

    def to_json_lines(self) -> list[dict[str, Any]]:
        """One object per trade (the events contract); a stale mark is one object."""
        if not self.valid:
            return [{"event": self.kind, "symbol": self.symbol, "valid": False,
                     "reason": self.reason}]
        return [{"event": self.kind, "symbol": t.symbol, "side": t.side,
                 "price": _dec(t.price), "qty": _dec(t.qty), "trade_id": t.trade_id,
                 "time": t.timestamp} for t in self.trades]

    def to_json(self) -> dict[str, Any]:
        lines = self.to_json_lines()
        return lines[0] if len(lines) == 1 else {"event": self.kind, "symbol": self.symbol,
                                                 "trades": lines}


@dataclass(frozen=True, slots=True)
class CandlesUpdated(FeedEvent):
    """New or changed 1-minute candles of a symbol (keyed by ``interval_begin``).

    ``valid`` False (with no candles) the moment the candles stop being trustworthy,
    as for trades. ``kraken-tui events`` writes one ``candle`` line per candle.
    """

    kind: ClassVar[str] = "candle"
    symbol: str
    candles: tuple[Candle, ...] = ()
    valid: bool = True
    reason: str = ""

    def to_json_lines(self) -> list[dict[str, Any]]:
        if not self.valid:
            return [{"event": self.kind, "symbol": self.symbol, "valid": False,
                     "reason": self.reason}]
        return [{"event": self.kind, "symbol": c.symbol, "interval": c.interval,
                 "begin": c.interval_begin, "open": _dec(c.open), "high": _dec(c.high),
                 "low": _dec(c.low), "close": _dec(c.close), "volume": _dec(c.volume),
                 "trades": c.trades} for c in self.candles]

    def to_json(self) -> dict[str, Any]:
        lines = self.to_json_lines()
        return lines[0] if len(lines) == 1 else {"event": self.kind, "symbol": self.symbol,
                                                 "candles": lines}


@dataclass(frozen=True, slots=True)
class FillReported(FeedEvent):
    """One of my orders traded (executions ``trade`` report); once per exec_id.

    ``history``: from the first executions snapshot (``snap_trades``: the last 50 fills),
    i.e. from before this run; shown and printed, never alerted on.
    """

    kind: ClassVar[str] = "fill"
    fill: Fill
    history: bool = False

    # The alert engine's FillLike.
    @property
    def symbol(self) -> str:
        return self.fill.symbol

    @property
    def order_id(self) -> str:
        return self.fill.order_id

    @property
    def exec_id(self) -> str:
        return self.fill.exec_id

    @property
    def side(self) -> str:
        return self.fill.side

    @property
    def price(self) -> Decimal:
        return self.fill.price

    @property
    def qty(self) -> Decimal:
        return self.fill.qty

    def to_json(self) -> dict[str, Any]:
        f = self.fill
        return {"event": self.kind, "symbol": f.symbol, "order_id": f.order_id,
                "exec_id": f.exec_id, "side": f.side, "price": _dec(f.price),
                "qty": _dec(f.qty), "fee": _dec(f.fee), "liquidity": f.liquidity}


@dataclass(frozen=True, slots=True)
class BalancesUpdated(FeedEvent):
    kind: ClassVar[str] = "balances"
    balances: tuple[Balance, ...]
    valid: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.kind,
            "valid": self.valid,
            "balances": {
                b.asset: {
                    "total": str(b.total),
                    "wallets": [[t, i, str(v)] for t, i, v in b.wallets],
                }
                for b in self.balances
            },
        }


@dataclass(frozen=True, slots=True)
class Reconciled(FeedEvent):
    """REST cross-check after a reconnect or sequence gap; ``changes`` counts corrections."""

    kind: ClassVar[str] = "reconciled"
    what: Literal["orders", "balances"]
    changes: int
    reason: str


@dataclass(frozen=True, slots=True)
class HeartbeatTimeout(FeedEvent):
    kind: ClassVar[str] = "heartbeat_timeout"
    endpoint: Endpoint
    silence: float


@dataclass(frozen=True, slots=True)
class RoundTrip(FeedEvent):
    kind: ClassVar[str] = "rtt"
    endpoint: Endpoint
    rtt_ms: float


@dataclass(frozen=True, slots=True)
class DeadManSwitch(FeedEvent):
    """State of CancelAllOrdersAfter; ``error`` set means it is failing (show loudly)."""

    kind: ClassVar[str] = "deadman"
    armed: bool
    timeout: int
    trigger_time: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FeedStats(FeedEvent):
    """Periodic health figures for one endpoint (about once a second)."""

    kind: ClassVar[str] = "stats"
    endpoint: Endpoint
    frames: int
    frames_per_s: float
    malformed: int
    reconnects: int
    resyncs: int
    last_message_age: float | None
    last_heartbeat_age: float | None
    token_age: float | None = None


@dataclass(frozen=True, slots=True)
class CredentialsRejected(FeedEvent):
    """Kraken refused the API key or its signature (EAPI:Invalid key / Invalid signature).

    Retries go on, paced by the backoff (keys can be fixed on the web meanwhile), but
    the UI keeps a red banner up until the private endpoint next reports ``connected``.
    """

    kind: ClassVar[str] = "credentials_rejected"
    error: str  # Kraken's own error text, e.g. "EAPI:Invalid key"
    detail: str = ""


#: Where a handled failure happened: a connection, a REST call, the dead man's
#: switch task or the feed's own housekeeping (stats).
ErrorSource = Literal["public", "private", "rest", "deadman", "feed"]


@dataclass(frozen=True, slots=True)
class FeedError(FeedEvent):
    """Something went wrong and was handled (REST error, malformed frame, refused subscribe)."""

    kind: ClassVar[str] = "error"
    endpoint: ErrorSource
    error: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ModeChanged(FeedEvent):
    """Public-only (no API keys) or full mode, with a note for the user."""

    kind: ClassVar[str] = "mode"
    private: bool
    note: str = ""
    replay: bool = False  # a recording is being replayed: nothing is connected



#: How one order's guarded cancel ended: Kraken cancelled it; it was no longer open
#: (filled or cancelled before ours arrived); Kraken refused (its error text says why);
#: or no answer came in time (the open orders are then checked over REST).
CancelResult = Literal["cancelled", "already_gone", "rejected", "unknown"]
#: Which transport carried the request; "none": nothing was sent (e.g. maintenance).
CancelVia = Literal["ws", "rest", "none"]


@dataclass(frozen=True, slots=True)
class CancelOutcome(FeedEvent):
    """One order's outcome in a guarded cancel (``feed/cancels.py``); once per order.

    Says what Kraken answered, never what the table shows: an order leaves the open
    orders only when the executions channel (or REST) says it closed.
    """

    kind: ClassVar[str] = "cancel"
    request: int  # our request number: the outcomes of one request share it
    order_id: str
    outcome: CancelResult
    via: CancelVia
    error: str = ""  # Kraken's error text, or why the outcome is unknown
    symbol: str | None = None
    side: str | None = None
    qty: Decimal | None = None  # left to fill when the cancel was asked
    price: Decimal | None = None
    total: int = 1  # orders in this request
    elapsed_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event": self.kind, "order_id": self.order_id, "outcome": self.outcome,
            "via": self.via, "symbol": self.symbol, "side": self.side, "qty": _dec(self.qty),
            "price": _dec(self.price), "request": self.request,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }
        if self.error:
            out["error"] = self.error
        return out


@dataclass(frozen=True, slots=True)
class CancelFinished(FeedEvent):
    """A guarded cancel request is over: every order in it has its ``CancelOutcome``.

    ``count`` is Kraken's own figure for ``cancel_all`` (it may name orders nobody
    listed); ``ok`` is True when every order ended cancelled or already gone.
    """

    kind: ClassVar[str] = "cancel_summary"
    request: int
    method: Literal["cancel_order", "cancel_all"]
    via: CancelVia
    orders: int
    cancelled: int = 0
    already_gone: int = 0
    rejected: int = 0
    unknown: int = 0
    count: int | None = None
    elapsed_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and self.unknown == 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.kind}
        for name in ("request", "method", "via", "orders", "cancelled", "already_gone",
                     "rejected", "unknown", "count"):
            out[name] = getattr(self, name)
        out["elapsed_ms"] = round(self.elapsed_ms, 1)
        out["ok"] = self.ok
        return out
