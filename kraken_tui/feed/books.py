"""The book state machine: one per watched symbol, serialised, and free of sockets.

A book is shown as valid only between a verified snapshot and the first thing
that breaks trust (checksum mismatch, disconnect, maintenance, deadline). Each
symbol has at most **one** subscribe/unsubscribe request in flight; every reply
(matched by ``req_id``) moves it one step toward what is wanted now: subscribed
at the latest requested depth, with a fresh snapshot when a resync asked for
one. So quick depth changes collapse into "the latest depth wins", and a
resubscribe can never race the unsubscribe before it (the cause of the
"Already subscribed" / "Subscription Not Found" loop).

The tracker talks to the world only through the callables it is given (send a
request, emit an event, read a clock, schedule a callback), so every transition
is unit-tested without a socket (``tests/feed/test_books.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from kraken_tui.feed.backoff import Backoff
from kraken_tui.feed.events import BookUpdated, FeedError, FeedEvent, ResyncDone, ResyncStarted
from kraken_tui.kraken.book import BookDataError, OrderBook
from kraken_tui.kraken.frames import (
    BookData,
    MethodResponse,
    subscribe_request,
    unsubscribe_request,
)
from kraken_tui.kraken.instruments import PairInfo

log = logging.getLogger(__name__)

#: A checksum resync closer than this to the previous one backs off; a symbol
#: that has been quiet this long starts again from an immediate resync.
RESYNC_QUIET_S = 60.0
#: Refusals that no retry can fix.
PERMANENT_SUBSCRIBE_ERRORS = ("Currency pair not supported", "Subscription depth not supported")
#: Resyncs the user asked for: not faults, so neither paced nor counted.
USER_RESYNCS = frozenset({"depth_change"})

#: Levels a side in the views of books not on screen (alerts and the parked view
#: need the top only; the shown book's next view after a switch has them all).
UNFOCUSED_VIEW_LEVELS = 50

BookPhase = Literal["idle", "subscribing", "live", "unsubscribing", "waiting", "failed"]


class Cancellable(Protocol):
    def cancel(self) -> None: ...


Scheduler = Callable[[float, Callable[[], None]], Cancellable]


@dataclass(frozen=True, slots=True)
class _Request:
    method: Literal["subscribe", "unsubscribe"]
    depth: int
    req_id: int


@dataclass(slots=True)  # read on every book frame: slots make that cheaper
class BookState:
    """One symbol: what Kraken has confirmed, what is in flight, and what we show."""

    symbol: str
    backoff: Backoff
    subscribed_depth: int | None = None  # confirmed by an ack (or implied by a snapshot)
    in_flight: _Request | None = None
    fresh_needed: bool = False  # the server's subscription must be replaced (a resync)
    not_before: float = 0.0  # pacing: no subscribe before this clock time
    timer: Cancellable | None = None  # the paced subscribe, when waiting
    failed: str = ""  # a permanent refusal: never retried
    book: OrderBook | None = None
    awaiting_snapshot: bool = True
    valid: bool = False
    reason: str = "awaiting_snapshot"
    resyncs: int = 0
    resyncing: bool = False
    last_resync: float = -1e9
    dirty: bool = False
    emitted_at: float = -1e9  # clock time of the last view sent
    flush: Cancellable | None = field(default=None, repr=False)  # pending trailing view

    @property
    def phase(self) -> BookPhase:
        if self.failed:
            return "failed"
        if self.in_flight is not None:
            return "unsubscribing" if self.in_flight.method == "unsubscribe" else "subscribing"
        if self.timer is not None:
            return "waiting"
        if self.subscribed_depth is not None and self.book is not None:
            return "live"
        return "idle"

    @property
    def settled(self) -> bool:
        """Delivered its snapshot (or refused for good): the connection was worth it."""
        return bool(self.failed) or (self.book is not None and not self.awaiting_snapshot)


class BookTracker:
    """Every watched book of the public connection; see the module docstring."""

    def __init__(
        self,
        symbols: tuple[str, ...],
        depth: int,
        *,
        send: Callable[[str], None],
        emit: Callable[[FeedEvent], None],
        clock: Callable[[], float],
        call_later: Scheduler,
        precision: Callable[[str], PairInfo | None],
        new_backoff: Callable[[], Backoff],
        next_req_id: Callable[[], int],
        view_levels: int = 50,
        emit_interval: float = 0.0,
        on_settled: Callable[[], None] = lambda: None,
        on_dirty: Callable[[], None] | None = None,
    ) -> None:
        """``on_dirty``: pull mode. A valid book's update only marks it dirty and calls
        ``on_dirty`` (once per book until the next ``flush_views``); the consumer calls
        ``flush_views`` when it can take views, so a burst builds one view, not one per
        frame. Validity changes and resyncs are still emitted at once, in order."""
        self.depth = depth
        self._send = send
        self._emit = emit
        self._clock = clock
        self._call_later = call_later
        self._precision = precision
        self._next_req_id = next_req_id
        self._view_levels = view_levels
        self._focus: str | None = None  # the book on screen: the only one viewed in full
        self._emit_interval = emit_interval
        self._on_settled = on_settled
        self._on_dirty = on_dirty
        self._dirty: list[BookState] = []
        self._ready = False  # connected, and pair precisions known: requests may go out
        self.maintenance = False
        self.resyncs = 0  # fault resyncs of every book (the health panel's count)
        self.books: dict[str, BookState] = {
            s: BookState(s, backoff=new_backoff()) for s in symbols
        }

    # ------------------------------------------------------------------ queries

    def book(self, symbol: str) -> OrderBook | None:
        st = self.books.get(symbol)
        return st.book if st is not None else None

    def is_valid(self, symbol: str) -> bool:
        st = self.books.get(symbol)
        return st is not None and st.valid

    def all_settled(self) -> bool:
        return all(st.settled for st in self.books.values())

    # ------------------------------------------------------------------ connection lifecycle

    def start(self) -> None:
        """The connection is up and precisions are known: subscribe every book."""
        self._ready = True
        self._advance_all()

    def mark_unlisted(self, symbol: str) -> None:
        """Kraken does not list ``symbol``: never subscribe it (a permanent refusal)."""
        st = self.books.get(symbol)
        if st is not None and not st.failed:
            st.failed = "not listed on Kraken"
            self._set_invalid(st, "not_listed")

    def disconnected(self, reason: str) -> None:
        """The socket is gone: so is every subscription; nothing is valid until new snapshots."""
        self._ready = False
        for st in self.books.values():
            self._cancel_timer(st)
            st.subscribed_depth = None
            st.in_flight = None
            st.fresh_needed = False
            st.not_before = 0.0
            if st.failed:
                continue
            self._set_invalid(st, reason)
            st.book = None
            st.awaiting_snapshot = True
            st.resyncing = False

    def invalidate_all(self, reason: str) -> None:
        for st in self.books.values():
            if not st.failed:
                self._set_invalid(st, reason)

    def set_maintenance(self, on: bool) -> None:
        """Maintenance: nothing is valid; afterwards the live books are valid again."""
        if on == self.maintenance:
            return
        self.maintenance = on
        if on:
            self.invalidate_all("maintenance")
            return
        for st in self.books.values():
            if st.settled and not st.failed and st.subscribed_depth is not None:
                self._mark_valid(st)

    # ------------------------------------------------------------------ requests

    def set_depth(self, depth: int) -> None:
        """Resubscribe every book at ``depth``; the latest call wins."""
        if depth == self.depth:
            return
        self.depth = depth
        for symbol in self.books:
            self.resync(symbol, "depth_change")

    def resync(self, symbol: str, reason: str) -> None:
        """Rebuild ``symbol`` from a fresh snapshot (paced by its backoff unless user-asked)."""
        st = self.books.get(symbol)
        if st is None or st.failed:
            return
        if st.resyncing and st.book is None and reason not in USER_RESYNCS:
            return  # already rebuilding: one fault, one resync
        if reason in USER_RESYNCS:
            st.backoff.reset()
            st.not_before = 0.0
            self._cancel_timer(st)
        else:
            self._pace(st)
        st.resyncing = True
        self._set_invalid(st, reason)
        st.book = None
        st.awaiting_snapshot = True
        if st.in_flight is None or st.in_flight.method != "subscribe":
            # A subscribe in flight still brings a fresh snapshot; a live one must go.
            st.fresh_needed = st.subscribed_depth is not None
        log.warning("%s: resync #%d (%s)", symbol, st.resyncs, reason)
        self._emit(ResyncStarted(symbol, reason, st.resyncs))
        self._advance(st)

    # ------------------------------------------------------------------ inputs

    def on_response(self, resp: MethodResponse) -> None:
        """A subscribe/unsubscribe reply for a book: one step toward what is wanted."""
        if resp.symbol is not None:
            st = self.books.get(resp.symbol)
            targets = [st] if st is not None else []
        else:  # a refusal without a symbol answers every book of that request
            targets = [s for s in self.books.values()
                       if s.in_flight is not None and s.in_flight.req_id == resp.req_id]
        if not resp.success:
            error = resp.error or "unknown error"
            log.warning("public %s refused: %s (%s)", resp.method, error, resp.symbol)
            self._emit(FeedError("public", f"{resp.method} refused",
                                 f"{resp.symbol or resp.channel}: {error}"))
        for st in targets:
            request = st.in_flight
            if request is None or (resp.req_id is not None and resp.req_id != request.req_id):
                log.info("%s: ignoring a reply to no request in flight (%s)", st.symbol, resp)
                continue
            st.in_flight = None
            if resp.success:
                st.subscribed_depth = request.depth if request.method == "subscribe" else None
            else:
                self._refused(st, request, resp.error or "unknown error")
            self._advance(st)

    def on_book(self, data: BookData, is_snapshot: bool) -> None:
        st = self.books.get(data.symbol)
        if st is None or st.failed or st.fresh_needed:
            return  # not ours, or data of a subscription that is being replaced
        request = st.in_flight
        if request is not None and request.method == "unsubscribe":
            return
        if request is None and st.subscribed_depth is None:
            return  # no subscription: a leftover of one just ended
        if is_snapshot and request is not None:  # the snapshot overtook its ack
            st.in_flight = None
            st.subscribed_depth = request.depth
        if data.checksum is None or (is_snapshot and not st.awaiting_snapshot):
            # v2 puts a checksum on every snapshot and update, and sends a snapshot only
            # right after a subscribe: anything else cannot be verified, so start clean.
            self.resync(data.symbol, "unverifiable_book_message")
            return
        book = st.book
        if is_snapshot:
            info = self._precision(data.symbol)
            if info is None:
                self._emit(FeedError("public", "no precision",
                                     f"{data.symbol}: instrument unknown"))
                self.resync(data.symbol, "no_precision")
                return
            book = st.book = OrderBook(data.symbol, st.subscribed_depth or self.depth,
                                       info.price_precision, info.qty_precision)
        elif book is None or st.awaiting_snapshot:
            return  # updates before the snapshot cannot be applied
        try:
            ok = book.apply(data, is_snapshot)
        except BookDataError as exc:
            log.warning("%s: unusable book data: %s", data.symbol, exc)
            ok = False
        if not ok:
            self.resync(data.symbol, "checksum_mismatch")
            return
        if is_snapshot:
            st.awaiting_snapshot = False
            if st.resyncing:
                st.resyncing = False
                self._emit(ResyncDone(data.symbol))
            if self.all_settled():
                self._on_settled()
        if self.maintenance:
            return
        if self._on_dirty is not None and st.valid:
            if not st.dirty:
                st.dirty = True
                self._dirty.append(st)
                self._on_dirty()
            return
        interval = self._emit_interval
        if interval <= 0 or not st.valid:
            self._mark_valid(st)
            return
        wait = st.emitted_at + interval - self._clock()
        if wait <= 0:
            self._mark_valid(st)
        else:
            st.dirty = True
            if st.flush is None:
                st.flush = self._call_later(wait, lambda: self._flush_book(st))

    # ------------------------------------------------------------------ the one step

    def _advance(self, st: BookState) -> None:
        """Send the next request ``st`` needs, if nothing is in flight."""
        if not self._ready or st.failed or st.in_flight is not None or st.timer is not None:
            return
        if st.subscribed_depth is not None:
            if st.fresh_needed or st.subscribed_depth != self.depth:
                self._request(st, "unsubscribe", st.subscribed_depth)
            return
        wait = st.not_before - self._clock()
        if wait > 0:
            st.timer = self._call_later(wait, lambda: self._paced(st))
            return
        self._subscribe([st])

    def _advance_all(self) -> None:
        ready = []
        for st in self.books.values():
            idle = st.subscribed_depth is None and st.in_flight is None and st.timer is None
            if idle and not st.failed and st.not_before <= self._clock():
                ready.append(st)
            else:
                self._advance(st)
        if ready and self._ready:
            self._subscribe(ready)  # one request for all: Kraken acks each symbol

    def _paced(self, st: BookState) -> None:
        st.timer = None
        st.not_before = 0.0
        self._advance(st)

    def _subscribe(self, states: list[BookState]) -> None:
        req_id = self._next_req_id()
        for st in states:
            st.in_flight = _Request("subscribe", self.depth, req_id)
            st.fresh_needed = False
            st.awaiting_snapshot = True
        self._send(subscribe_request("book", symbols=[st.symbol for st in states],
                                     depth=self.depth, req_id=req_id))

    def _request(self, st: BookState, method: Literal["unsubscribe"], depth: int) -> None:
        req_id = self._next_req_id()
        st.in_flight = _Request(method, depth, req_id)
        st.fresh_needed = False
        self._send(unsubscribe_request("book", symbols=[st.symbol], depth=depth, req_id=req_id))

    def _refused(self, st: BookState, request: _Request, error: str) -> None:
        if request.method == "unsubscribe":
            # "Subscription Not Found" or anything else: Kraken holds nothing we can use.
            st.subscribed_depth = None
        elif "Already subscribed" in error:
            # Our picture was wrong: take the subscription as it stands and replace it,
            # paced like any fault so that no disagreement can loop hot.
            st.subscribed_depth = request.depth
            st.fresh_needed = True
            self._pace(st)
        elif any(p in error for p in PERMANENT_SUBSCRIBE_ERRORS):
            st.failed = error
            self._set_invalid(st, f"refused: {error}")
            if self.all_settled():
                self._on_settled()
        else:
            self._set_invalid(st, "subscribe_refused")
            st.not_before = self._clock() + st.backoff.next_delay()

    def _pace(self, st: BookState) -> None:
        """Count a fault; the first in a quiet minute resubscribes at once, later ones back off."""
        now = self._clock()
        if now - st.last_resync > RESYNC_QUIET_S:
            st.backoff.reset()
        st.last_resync = now
        st.resyncs += 1
        self.resyncs += 1
        delay = 0.0 if st.backoff.failures == 0 else st.backoff.next_delay()
        st.backoff.failures = max(st.backoff.failures, 1)
        st.not_before = now + delay

    def _cancel_timer(self, st: BookState) -> None:
        for handle in (st.timer, st.flush):
            if handle is not None:
                handle.cancel()
        st.timer = st.flush = None

    # ------------------------------------------------------------------ views

    def set_focus(self, symbol: str | None) -> None:
        """Only ``symbol``'s views carry every level; the others at most
        ``UNFOCUSED_VIEW_LEVELS`` (None: every book in full).

        A 1000-level view costs ~4 ms to build; three books at the ladder's 20 views a
        second made view building most of the monitor's CPU at depth 1000, for books
        nobody was looking at.
        """
        self._focus = symbol
        st = self.books.get(symbol) if symbol is not None else None
        if st is not None and st.valid and st.book is not None:
            self._mark_valid(st)  # its full depth now, not at its next update

    def _levels(self, st: BookState) -> int:
        if self._focus is None or st.symbol == self._focus:
            return self._view_levels
        return min(self._view_levels, UNFOCUSED_VIEW_LEVELS)

    def _mark_valid(self, st: BookState) -> None:
        assert st.book is not None
        st.valid = True
        st.reason = ""
        st.dirty = False
        st.emitted_at = self._clock()
        self._emit(BookUpdated(st.symbol, True, st.book.view(self._levels(st)),
                               st.book.checksum()))

    def _set_invalid(self, st: BookState, reason: str) -> None:
        if not st.valid and st.reason == reason:
            return
        st.valid = False
        st.reason = reason
        st.dirty = False
        view = st.book.view(self._levels(st)) if st.book is not None else None
        self._emit(BookUpdated(st.symbol, False, view, None, reason))

    def flush_views(self) -> None:
        """Pull mode: emit the latest view of every book changed since the last call."""
        dirty, self._dirty = self._dirty, []
        for st in dirty:
            if st.dirty and st.valid and st.book is not None:
                self._mark_valid(st)

    def flush_all(self) -> None:
        """Emit every view still held back (pull mode or an interval's trailing view):
        the end of a replay has no later moment for them."""
        self.flush_views()
        for st in self.books.values():
            if st.flush is not None:
                st.flush.cancel()
                st.flush = None
            if st.dirty and st.valid and st.book is not None:
                self._mark_valid(st)

    def _flush_book(self, st: BookState) -> None:
        """The trailing view of a coalescing interval (nothing if the book went stale)."""
        st.flush = None
        if st.dirty and st.valid and st.book is not None:
            self._mark_valid(st)
