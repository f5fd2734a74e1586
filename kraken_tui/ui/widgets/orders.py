"""Open orders, updated in place: keyed rows, changed cells only, stable order."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from kraken_tui.kraken.models import Order
from kraken_tui.ui.widgets.fmt import fmt_age, fmt_dec, parse_time
from kraken_tui.ui.widgets.row_cursor import RowCursorTable
from kraken_tui.ui.widgets.table import Column

# Widths follow the content: numbers are never cut. Prices and sizes line up on the
# decimal point. When the panel is too narrow the least needed columns go first
# (type, then age, filled, status); symbol, side, price and quantity always stay.
COLUMNS = (
    Column("symbol", "Symbol"),
    Column("side", "Side"),
    Column("type", "Type", drop=4),
    Column("price", "Price", justify="right", decimal=True),
    Column("qty", "Qty", justify="right", decimal=True),
    Column("filled", "Filled", justify="right", decimal=True, drop=2),
    Column("status", "Status", drop=1),
    Column("age", "Age", justify="right", drop=3),
)


STATUS_SHORT = {"partially_filled": "partial", "pending_new": "pending"}


class OrdersTable(RowCursorTable):
    """One row per open order id; rows never reorder under the reader's eyes. The
    highlighted row (``cursor_key``) is the order ``c`` cancels."""

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._opened: dict[str, float | None] = {}
        #: symbol -> (price, quantity) decimals, from the books: prices and sizes are
        #: shown at the pair's precision where we know it, as on the ladder.
        self.precisions: dict[str, tuple[int, int]] = {}
        self.valid = True
        self.set_columns(COLUMNS)

    def _row_cells(self, order: Order, now: float) -> dict[str, str | Text]:
        side_style = "bold green" if order.side == "buy" else "bold red"
        self._opened.setdefault(order.order_id, parse_time(order.opened_at))
        price_places, qty_places = self.precisions.get(order.symbol, (None, None))
        price = (fmt_dec(order.limit_price, price_places) if order.limit_price is not None
                 else "mkt")
        return {
            "symbol": order.symbol,
            "side": Text(order.side.upper(), style=side_style),
            "type": order.order_type,
            "price": price,
            "qty": fmt_dec(order.order_qty, qty_places),
            "filled": fmt_dec(order.cum_qty, qty_places) if order.cum_qty else "0",
            "status": STATUS_SHORT.get(order.status, order.status.replace("_", " ")),
            "age": self._age(order.order_id, now),
        }

    def _age(self, order_id: str, now: float) -> str:
        opened = self._opened.get(order_id)
        return fmt_age(now - opened) if opened is not None else "—"

    def apply(self, orders: tuple[Order, ...], valid: bool = True) -> None:
        """Bring the table to ``orders``: add new ids, update changed rows, drop gone ids."""
        now = self._clock()
        self.valid = valid
        self.set_stale(not valid)
        seen: set[str] = set()
        with self.batch():
            for order in orders:
                seen.add(order.order_id)
                self.set_row(order.order_id, self._row_cells(order, now))
            for gone in [oid for oid in self.row_keys if oid not in seen]:
                self.remove_row(gone)
                self._opened.pop(gone, None)
        self.border_subtitle = f"{self.row_count} open" + ("" if valid else " · STALE")

    def tick(self) -> None:
        """Refresh the age column only (once a second)."""
        now = self._clock()
        with self.batch():
            for oid in self.row_keys:
                self.set_cell(oid, "age", self._age(oid, now))
