"""Open orders, updated in place: keyed rows, changed cells only, stable order."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from kraken_tui.kraken.models import Order
from kraken_tui.ui.widgets.fmt import fmt_age, fmt_dec, parse_time
from kraken_tui.ui.widgets.table import Column, KeyedTable

# Fixed widths, no cell padding: one space between columns instead of two, so the
# whole table fits the side panel without a horizontal scrollbar. Numbers carry
# their own leading space so wide ones (DOGE sizes, 7-decimal prices) never touch.
COLUMNS = (
    Column("symbol", " Symbol", 9),
    Column("side", " Side", 6),
    Column("type", "Type", 9),
    Column("price", "Price", 11, "right"),
    Column("qty", "Qty", 11, "right"),
    Column("filled", "Filled", 10, "right"),
    Column("status", " Status", 8),
    Column("age", "Age", 6, "right"),
)


STATUS_SHORT = {"partially_filled": "partial", "pending_new": "pending"}


def _spaced(text: str) -> str:
    """A leading space: a value as wide as its column still stands apart from the last."""
    return " " + text


class OrdersTable(KeyedTable):
    """One row per open order id; rows never reorder under the reader's eyes."""

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id, cell_padding=0)
        self._clock = clock
        self._opened: dict[str, float | None] = {}
        self.valid = True
        self.set_columns(COLUMNS)

    def _row_cells(self, order: Order, now: float) -> dict[str, str | Text]:
        side_style = "bold green" if order.side == "buy" else "bold red"
        self._opened.setdefault(order.order_id, parse_time(order.opened_at))
        price = fmt_dec(order.limit_price) if order.limit_price is not None else "mkt"
        return {
            "symbol": " " + order.symbol,
            # A leading space: a 9-character symbol (MINA/GBP) fills its column.
            "side": Text.assemble(" ", (order.side.upper(), side_style)),
            "type": order.order_type,
            "price": _spaced(price),
            "qty": _spaced(fmt_dec(order.order_qty)),
            "filled": _spaced(fmt_dec(order.cum_qty)),
            "status": " " + STATUS_SHORT.get(order.status, order.status.replace("_", " ")),
            "age": self._age(order.order_id, now),
        }

    def _age(self, order_id: str, now: float) -> str:
        opened = self._opened.get(order_id)
        return _spaced(fmt_age(now - opened, short=True) if opened is not None else "—")

    def apply(self, orders: tuple[Order, ...], valid: bool = True) -> None:
        """Bring the table to ``orders``: add new ids, update changed rows, drop gone ids."""
        now = self._clock()
        self.valid = valid
        self.set_stale(not valid)
        seen: set[str] = set()
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
        for oid in self.row_keys:
            self.set_cell(oid, "age", self._age(oid, now))
