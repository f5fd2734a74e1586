"""The ``ticker`` channel: last price and 24 h figures per watched symbol, kept honest.

A ticker is valid from its first message on a connection until anything breaks trust
(disconnect, heartbeat deadline, maintenance), exactly as books are; then a
``TickerUpdated(valid=False)`` goes out at once and the figures are shown stale until
the next message (Kraken sends a snapshot on every subscribe). Subscribed with
``event_trigger: "trades"`` so ``last`` always equals the last trade (§13).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kraken_tui.feed.events import FeedError, FeedEvent, TickerUpdated
from kraken_tui.kraken.frames import MethodResponse, subscribe_request
from kraken_tui.kraken.market import Ticker, TickerFrame

log = logging.getLogger(__name__)


class TickerTracker:
    """Every watched symbol's ticker on the public connection."""

    def __init__(self, symbols: tuple[str, ...], *, send: Callable[[str], None],
                 emit: Callable[[FeedEvent], None], next_req_id: Callable[[], int]) -> None:
        self.symbols = symbols
        self._send = send
        self._emit = emit
        self._next_req_id = next_req_id
        self._req_ids: set[int] = set()
        self.latest: dict[str, Ticker] = {}
        self.valid: dict[str, bool] = dict.fromkeys(symbols, False)
        self.maintenance = False

    def start(self) -> None:
        """The connection is up: one subscribe for every symbol (a snapshot each)."""
        req_id = self._next_req_id()
        self._req_ids = {req_id}
        self._send(subscribe_request("ticker", symbols=list(self.symbols),
                                     event_trigger="trades", snapshot=True, req_id=req_id))

    def owns(self, resp: MethodResponse) -> bool:
        return resp.channel == "ticker" or (resp.req_id is not None
                                            and resp.req_id in self._req_ids)

    def on_response(self, resp: MethodResponse) -> None:
        if not resp.success:
            error = resp.error or "unknown error"
            log.warning("ticker subscribe refused: %s (%s)", error, resp.symbol)
            self._emit(FeedError("public", "subscribe refused",
                                 f"ticker {resp.symbol or ''}: {error}".strip()))

    def on_frame(self, frame: TickerFrame) -> None:
        for ticker in frame.data:
            if ticker.symbol not in self.valid:
                continue
            self.latest[ticker.symbol] = ticker
            valid = not self.maintenance
            self.valid[ticker.symbol] = valid
            self._emit(TickerUpdated(ticker.symbol, valid, ticker,
                                     "" if valid else "maintenance"))

    def invalidate_all(self, reason: str) -> None:
        for symbol, valid in self.valid.items():
            if valid:
                self.valid[symbol] = False
                self._emit(TickerUpdated(symbol, False, self.latest.get(symbol), reason))

    def set_maintenance(self, on: bool) -> None:
        """During maintenance nothing is valid; afterwards, from the next message."""
        self.maintenance = on
        if on:
            self.invalidate_all("maintenance")
