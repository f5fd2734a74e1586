"""The public connection's frames and replies, routed to their state (``Feed``'s half).

A mixin of ``Feed`` (``connection.py`` keeps the transport: connect, reconnect,
sessions, liveness); here is what each public frame means: books, the market data
(ticker, trade, ohlc), the exchange status, the instrument list and the replies to our
subscribes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from kraken_tui.feed.books import BookTracker
from kraken_tui.feed.candles import CandleTracker
from kraken_tui.feed.events import (
    Endpoint,
    ErrorSource,
    FeedError,
    FeedEvent,
    PairStatusChanged,
    SymbolUnlisted,
    SystemStatusChanged,
)
from kraken_tui.feed.rest import KrakenRest, KrakenRestError
from kraken_tui.feed.stats import EndpointStats
from kraken_tui.feed.tickers import TickerTracker
from kraken_tui.feed.trades import TradeTracker
from kraken_tui.kraken.frames import (
    BookFrame,
    FrameError,
    InstrumentFrame,
    MethodResponse,
    StatusFrame,
)
from kraken_tui.kraken.instruments import InstrumentTable, unlisted_note

log = logging.getLogger("kraken_tui.feed.connection")


class PublicChannels:
    """What ``Feed`` provides to this half (set in ``Feed.__init__``)."""

    books: BookTracker
    tickers: TickerTracker
    trades: TradeTracker
    candles: CandleTracker
    instruments: InstrumentTable
    stats: dict[Endpoint, EndpointStats]
    system_status: str | None
    rest: KrakenRest | None
    _books_requested: bool
    unlisted: set[str]  # watched symbols Kraken does not list (reported once)
    emit: Callable[[FeedEvent], None]
    _spawn: Callable[[Coroutine[Any, Any, Any], ErrorSource], None]

    def _init_market_data(self, send: Callable[[str], None], next_req_id: Callable[[], int],
                          symbols: tuple[str, ...]) -> None:
        """The ticker, trade and ohlc trackers (``Feed.__init__``)."""
        kw: dict[str, Any] = {"send": send, "emit": self.emit, "next_req_id": next_req_id}
        self.tickers = TickerTracker(symbols, **kw)
        self.trades = TradeTracker(symbols, **kw)
        self.candles = CandleTracker(symbols, **kw)

    def _market_data(self) -> tuple[TickerTracker, TradeTracker, CandleTracker]:
        return self.tickers, self.trades, self.candles

    def _market_data_stale(self, reason: str) -> None:
        """Disconnect or heartbeat deadline: every ticker, tape and chart stale at once."""
        for tracker in self._market_data():
            tracker.invalidate_all(reason)

    def _on_book_frame(self, frame: BookFrame) -> None:
        on_book = self.books.on_book
        for data in frame.books:
            on_book(data, frame.is_snapshot)

    def _on_malformed(self, endpoint: Endpoint, frame: FrameError) -> None:
        stats = self.stats[endpoint]
        stats.malformed += 1
        log.warning("%s: malformed frame #%d: %s", endpoint, stats.malformed, frame.reason)
        # Report the first few, then one in a hundred: a flood must not flood the UI.
        if stats.malformed <= 10 or stats.malformed % 100 == 0:
            self.emit(FeedError(endpoint, "malformed frame", frame.reason))

    def _on_status(self, frame: StatusFrame) -> None:
        system = frame.system
        if system == self.system_status:
            return
        self.system_status = system
        self.emit(SystemStatusChanged(system, frame.version))
        self.books.set_maintenance(system == "maintenance")
        for tracker in self._market_data():
            tracker.set_maintenance(system == "maintenance")

    def _on_instrument(self, frame: InstrumentFrame) -> None:
        for symbol, status in self.instruments.apply(frame):
            self.emit(PairStatusChanged(symbol, status))
        self._request_books()

    def _request_books(self) -> None:
        if not self._books_requested:
            self._books_requested = True
            self._check_listed()
            self.books.start()
            for tracker in self._market_data():
                tracker.start()

    def _check_listed(self) -> None:
        """Symbols Kraken does not list get a note naming the likely pair, no subscribe."""
        listed = self.instruments.symbols()
        if not listed:
            return  # no list to check against (instrument channel and REST both failed)
        for symbol in self.books.books:
            if symbol not in self.instruments and symbol not in self.unlisted:
                self.unlisted.add(symbol)
                self.books.mark_unlisted(symbol)
                self.emit(SymbolUnlisted(symbol, unlisted_note(symbol, listed)))
        if self.unlisted:
            self.tickers.symbols = tuple(s for s in self.tickers.symbols
                                         if s not in self.unlisted)

    async def _precision_from_rest(self) -> None:
        """Fallback when the instrument channel is refused: REST AssetPairs."""
        assert self.rest is not None
        try:
            self.instruments.apply_asset_pairs(await self.rest.asset_pairs())
        except KrakenRestError as exc:
            self.emit(FeedError("rest", "AssetPairs failed", str(exc)))
        self._request_books()

    def _on_public_response(self, resp: MethodResponse) -> None:
        if resp.channel == "instrument" or (not resp.symbol and not self._books_requested):
            if not resp.success:
                error = resp.error or "unknown error"
                self.emit(FeedError("public", f"{resp.method} refused",
                                    f"{resp.channel or 'instrument'}: {error}"))
                self._spawn(self._precision_from_rest(), "rest")
            return
        for tracker in self._market_data():
            if tracker.owns(resp):
                tracker.on_response(resp)
                return
        self.books.on_response(resp)
