"""The per-symbol book mailbox between the feed's thread and the UI loop."""

from __future__ import annotations

import threading

from kraken_tui.feed.events import BookUpdated


class BookMailbox:
    """Latest book event per symbol, shared between the feed thread and the UI loop.

    At most one message per symbol is in flight; a burst only replaces the stored
    event. Books that are not shown are *parked*: their views wait here, and the UI
    loop is woken only when such a book's validity changes (its banners and stale
    marks must follow at once). Switching symbols takes the parked view. In the demo
    the hidden books were two thirds of the UI loop's wake-ups.
    """

    def __init__(self, shown: str | None = None) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, BookUpdated] = {}
        self._in_flight: set[str] = set()  # symbols with a message posted, not yet taken
        self._valid_told: dict[str, bool] = {}  # validity the UI last took, per symbol
        self._shown = shown
        self.coalesced = 0  # events superseded before the UI saw them

    def put(self, event: BookUpdated) -> bool:
        """Store ``event``; True when the UI loop should be sent a message for it."""
        symbol = event.symbol
        with self._lock:
            if symbol in self._latest:
                self.coalesced += 1
            self._latest[symbol] = event
            if symbol in self._in_flight:
                return False
            if symbol != self._shown and self._valid_told.get(symbol) == event.valid:
                return False  # parked
            self._in_flight.add(symbol)
            return True

    def take(self, symbol: str) -> BookUpdated | None:
        with self._lock:
            self._in_flight.discard(symbol)
            event = self._latest.pop(symbol, None)
            if event is not None:
                self._valid_told[symbol] = event.valid
            return event

    def show(self, symbol: str) -> BookUpdated | None:
        """``symbol`` is now shown: its updates wake the UI; returns its parked view."""
        with self._lock:
            self._shown = symbol
        return self.take(symbol)

    @property
    def parked(self) -> int:
        """Events held for hidden books with no message on its way (tests count these)."""
        with self._lock:
            return len(self._latest.keys() - self._in_flight)
