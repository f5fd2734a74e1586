"""What the public market-data trackers (``trade``, ``ohlc``) share: one subscription for
every watched symbol, resent on each connection, and trust marked exactly as books are.

A symbol's data is valid from its first message on a connection until anything breaks
trust (disconnect, heartbeat deadline, maintenance); then a stale mark goes out at once.
Subclasses say what their channel's subscribe asks for, what a stale mark looks like,
and what a frame means.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from kraken_tui.feed.events import FeedError, FeedEvent
from kraken_tui.kraken.frames import MethodResponse, subscribe_request

log = logging.getLogger(__name__)


class MarketChannel:
    """One public channel over every watched symbol; see the module docstring."""

    channel: ClassVar[str]

    def __init__(self, symbols: tuple[str, ...], *, send: Callable[[str], None],
                 emit: Callable[[FeedEvent], None], next_req_id: Callable[[], int]) -> None:
        self.symbols = symbols
        self._send = send
        self._emit = emit
        self._next_req_id = next_req_id
        self._req_ids: set[int] = set()
        self.valid: dict[str, bool] = dict.fromkeys(symbols, False)
        self.maintenance = False

    # -- what a subclass says ------------------------------------------------------------

    def subscribe_params(self) -> dict[str, Any]:
        """The channel's own subscribe parameters (besides channel, symbol, req_id)."""
        return {}

    def stale_event(self, symbol: str, reason: str) -> FeedEvent:
        raise NotImplementedError

    # -- the subscription ------------------------------------------------------------------

    def start(self) -> None:
        """The connection is up: one subscribe for every symbol (Kraken acks per symbol)."""
        req_id = self._next_req_id()
        self._req_ids = {req_id}
        self._send(subscribe_request(self.channel, symbols=list(self.symbols), req_id=req_id,
                                     **self.subscribe_params()))

    def owns(self, resp: MethodResponse) -> bool:
        """Our ack (names the channel) or refusal (a refusal names only the symbol)."""
        return resp.channel == self.channel or (resp.req_id is not None
                                                and resp.req_id in self._req_ids)

    def on_response(self, resp: MethodResponse) -> None:
        if not resp.success:
            error = resp.error or "unknown error"
            log.warning("%s subscribe refused: %s (%s)", self.channel, error, resp.symbol)
            self._emit(FeedError("public", "subscribe refused",
                                 f"{self.channel} {resp.symbol or ''}: {error}".strip()))

    # -- trust -------------------------------------------------------------------------------

    def fresh(self, symbol: str) -> bool:
        """A message for ``symbol`` arrived: valid again unless in maintenance. Returns
        whether it was stale before (the caller then tells its consumers it is live)."""
        was = self.valid[symbol]
        self.valid[symbol] = not self.maintenance
        return not was

    def invalidate_all(self, reason: str) -> None:
        for symbol, valid in self.valid.items():
            if valid:
                self.valid[symbol] = False
                self._emit(self.stale_event(symbol, reason))

    def set_maintenance(self, on: bool) -> None:
        """During maintenance nothing is valid; afterwards, from the next message."""
        self.maintenance = on
        if on:
            self.invalidate_all("maintenance")
