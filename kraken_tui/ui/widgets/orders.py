"""Open orders, updated in place: keyed rows, changed cells only, stable order."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import DataTable

from kraken_tui.kraken.models import Order
from kraken_tui.ui.widgets.fmt import fmt_age, fmt_dec, parse_time

# Fixed widths, no cell padding: one space between columns instead of two, so the
# whole table fits the side panel without a horizontal scrollbar. Numbers carry
# their own leading space so wide ones (DOGE sizes, 7-decimal prices) never touch.
COLUMNS = (
    ("symbol", " Symbol", 9),
    ("side", "Side", 5),
    ("type", "Type", 9),
    ("price", "Price", 11),
    ("qty", "Qty", 12),
    ("filled", "Filled", 10),
    ("status", " Status", 8),
    ("age", "Age", 6),
)


STATUS_SHORT = {"partially_filled": "partial", "pending_new": "pending"}


def _right(text: str, style: str = "") -> Text:
    return Text(" " + text, style=style, justify="right")


class OrdersTable(DataTable):
    """One row per open order id; rows never reorder under the reader's eyes."""

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(
            id=id, cursor_type="row", zebra_stripes=False, show_cursor=False, cell_padding=0
        )
        self._clock = clock
        self._cells: dict[str, dict[str, str | Text]] = {}
        self._opened: dict[str, float | None] = {}
        self.valid = True

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            justify = "right" if key in ("price", "qty", "filled", "age") else "left"
            self.add_column(Text(label, justify=justify), key=key, width=width)

    def _row_cells(self, order: Order, now: float) -> dict[str, str | Text]:
        side_style = "bold green" if order.side == "buy" else "bold red"
        opened = self._opened.setdefault(order.order_id, parse_time(order.opened_at))
        return {
            "symbol": " " + order.symbol,
            "side": Text(order.side.upper(), style=side_style),
            "type": order.order_type,
            "price": _right(fmt_dec(order.limit_price) if order.limit_price is not None else "mkt"),
            "qty": _right(fmt_dec(order.order_qty)),
            "filled": _right(fmt_dec(order.cum_qty)),
            "status": " " + STATUS_SHORT.get(order.status, order.status.replace("_", " ")),
            "age": _right(fmt_age(now - opened, short=True) if opened is not None else "—"),
        }

    def apply(self, orders: tuple[Order, ...], valid: bool = True) -> None:
        """Bring the table to ``orders``: add new ids, update changed cells, drop gone ids."""
        now = self._clock()
        self.valid = valid
        self.set_class(not valid, "-stale")
        seen: set[str] = set()
        for order in orders:
            seen.add(order.order_id)
            cells = self._row_cells(order, now)
            old = self._cells.get(order.order_id)
            if old is None:
                self.add_row(*(cells[k] for k, _, _ in COLUMNS), key=order.order_id)
            else:
                for col, value in cells.items():
                    if str(value) != str(old[col]):
                        self.update_cell(order.order_id, col, value)
            self._cells[order.order_id] = cells
        for gone in [oid for oid in self._cells if oid not in seen]:
            self.remove_row(gone)
            del self._cells[gone]
            self._opened.pop(gone, None)
        self.border_subtitle = f"{len(self._cells)} open" + ("" if valid else " · STALE")

    def tick(self) -> None:
        """Refresh the age column only (once a second)."""
        now = self._clock()
        for oid, cells in self._cells.items():
            opened = self._opened.get(oid)
            age = _right(fmt_age(now - opened, short=True) if opened is not None else "—")
            if str(age) != str(cells["age"]):
                cells["age"] = age
                self.update_cell(oid, "age", age)
