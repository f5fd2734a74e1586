"""App-level Textual messages: feed events wrapped for the UI loop.

Only messages that carry a *whole* latest state (a book view, the full order
set, the full balance set, one endpoint's stats) may coalesce; connection,
status and banner news never do, or a transition could be lost.
"""

from __future__ import annotations

from textual.message import Message

from kraken_tui.alerts.fired import AlertFired
from kraken_tui.feed.events import (
    BalancesUpdated,
    BookUpdated,
    FeedEvent,
    FeedStats,
    OrdersUpdated,
)


class FeedEventMessage(Message):
    """Any feed event, delivered in order and never coalesced."""

    def __init__(self, event: FeedEvent) -> None:
        super().__init__()
        self.event = event


class BookMessage(FeedEventMessage):
    """A book's full latest view: a newer one for the same symbol supersedes it."""

    event: BookUpdated

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BookMessage) and message.event.symbol == self.event.symbol


class OrdersMessage(FeedEventMessage):
    event: OrdersUpdated

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, OrdersMessage)


class BalancesMessage(FeedEventMessage):
    event: BalancesUpdated

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BalancesMessage)


class StatsMessage(FeedEventMessage):
    event: FeedStats

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StatsMessage) and message.event.endpoint == self.event.endpoint


def wrap_event(event: FeedEvent) -> FeedEventMessage:
    """The message class for an event: coalescing only where the event is a full state."""
    if isinstance(event, BookUpdated):
        return BookMessage(event)
    if isinstance(event, OrdersUpdated):
        return OrdersMessage(event)
    if isinstance(event, BalancesUpdated):
        return BalancesMessage(event)
    if isinstance(event, FeedStats):
        return StatsMessage(event)
    return FeedEventMessage(event)


class PrecisionLearned(Message):
    """A watched pair's price and size decimals, from its first book view: every panel
    shows that pair's numbers at the precision the ladder uses."""

    def __init__(self, symbol: str, price: int, qty: int) -> None:
        super().__init__()
        self.symbol, self.price, self.qty = symbol, price, qty


class AlertMessage(Message):
    """An alert rule fired (on the feed's thread); never coalesced."""

    def __init__(self, alert: AlertFired) -> None:
        super().__init__()
        self.alert = alert
