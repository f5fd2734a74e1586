"""Deep books and my own orders on them, for the ladder's tests and snapshots.

Built on ``ui_scenarios`` (the fixed clock, the scripted feed): a depth-1000 BTC/USD
book, and open orders placed on known levels of it, inside and beyond the window.
"""

from __future__ import annotations

from decimal import Decimal

from ui_scenarios import VIEWS, iso, live_script, make_view

from kraken_tui.feed.events import BookUpdated, FeedEvent, OrdersUpdated
from kraken_tui.kraken.models import BookView, Order

DEEP = make_view("BTC/USD", depth=1000)


def deep_view(bump: int = 0, **over: object) -> BookView:
    """The deep BTC/USD book (``bump`` changes a few sizes, a later frame)."""
    return make_view("BTC/USD", depth=1000, bump=bump, **over)  # type: ignore[arg-type]


def my_orders(view: BookView = DEEP) -> tuple[Order, ...]:
    """Two orders on shown levels, one partly filled; one far above and one far below."""
    return (
        Order("OSELL1-NEAR", "BTC/USD", "sell", "limit", Decimal("0.5"), view.asks[4].price,
              Decimal("0.2"), status="partially_filled", opened_at=iso(-60)),
        Order("OBUY1-NEAR", "BTC/USD", "buy", "limit", Decimal("1.25"), view.bids[2].price,
              Decimal("0"), opened_at=iso(-120)),
        Order("OBUY2-NEAR", "BTC/USD", "buy", "limit", Decimal("0.75"), view.bids[2].price,
              Decimal("0"), opened_at=iso(-100)),
        Order("OSELL2-FAR", "BTC/USD", "sell", "limit", Decimal("2"), view.asks[300].price,
              Decimal("0"), opened_at=iso(-3600)),
        Order("OBUY3-FAR", "BTC/USD", "buy", "limit", Decimal("3"), view.bids[500].price,
              Decimal("0"), opened_at=iso(-7200)),
    )


def deep_script() -> list[FeedEvent]:
    """Everything live, BTC/USD at depth 1000 (the other symbols at 10), no open orders."""
    events = [e for e in live_script() if not isinstance(e, OrdersUpdated | BookUpdated)]
    events += [BookUpdated("BTC/USD", True, DEEP, 12345),
               *[BookUpdated(s, True, VIEWS[s], 12345) for s in ("ETH/USD", "SOL/USD")]]
    return events


def own_orders_script() -> list[FeedEvent]:
    """The deep book with my open orders on it."""
    return [*deep_script(), OrdersUpdated(my_orders())]
