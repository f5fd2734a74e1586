"""The confirmation before a cancel: exactly what will be cancelled, and how.

Why a dialog of its own: a cancel cannot be taken back, so it names the count, the
symbols, sides and sizes, says which way it will travel (private socket or REST), and
in maintenance says that Kraken accepts none and offers nothing to confirm. Focus
starts on the abort button; ``y`` or Enter confirm, ``n`` or Escape abort.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kraken_tui.feed.events import CancelOutcome
from kraken_tui.kraken.models import Order
from kraken_tui.ui.widgets.fmt import fmt_dec

Precisions = Mapping[str, tuple[int, int]]


@dataclass(frozen=True)
class CancelPlan:
    """What a confirmation would cancel, fixed when the key was pressed."""

    method: Literal["cancel_order", "cancel_all"]
    orders: tuple[Order, ...]
    system: str | None = None  # the exchange's status
    private_live: bool = True  # the WS carries it; else REST
    precisions: Precisions = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        """Maintenance: Kraken accepts no cancels, so nothing may be sent."""
        return self.system == "maintenance"

    def symbols(self) -> list[str]:
        return list(dict.fromkeys(o.symbol for o in self.orders))


def left_to_fill(order: Order) -> str:
    return fmt_dec(order.order_qty - order.cum_qty, None)


def order_words(order: Order | CancelOutcome, precisions: Precisions) -> str:
    """``BTC/USD BUY 0.25 @ 96,900.0`` (sizes as left to fill)."""
    if isinstance(order, Order):
        qty = order.order_qty - order.cum_qty
        symbol, side, price = order.symbol, order.side, order.limit_price
    else:
        if order.symbol is None:
            return order.order_id
        symbol, side, qty, price = order.symbol, order.side or "", order.qty, order.price
    price_places, qty_places = precisions.get(symbol, (None, None))
    at = f" @ {fmt_dec(price, price_places)}" if price is not None else ""
    return f"{symbol} {side.upper()} {fmt_dec(qty, qty_places)}{at}"


def _by_symbol(orders: tuple[Order, ...]) -> str:
    """``BTC/USD 2 (1 buy, 1 sell) · ETH/USD 1 buy``."""
    parts = []
    for symbol in dict.fromkeys(o.symbol for o in orders):
        sides = Counter(o.side for o in orders if o.symbol == symbol)
        n = sum(sides.values())
        if n == 1:
            parts.append(f"{symbol} 1 {next(iter(sides))}")
        else:
            detail = ", ".join(f"{count} {side}" for side, count in sorted(sides.items()))
            parts.append(f"{symbol} {n} ({detail})")
    return " · ".join(parts)


def _orders_table(plan: CancelPlan) -> Table:
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 1))
    for header, justify in (("Symbol", "left"), ("Side", "left"), ("Left to fill", "right"),
                            ("Price", "right"), ("Type", "left"), ("Order id", "left")):
        table.add_column(header, justify=justify, no_wrap=True,  # type: ignore[arg-type]
                         header_style="bold")
    for o in plan.orders:
        price_places, qty_places = plan.precisions.get(o.symbol, (None, None))
        size = fmt_dec(o.order_qty - o.cum_qty, qty_places)
        if o.cum_qty:
            size += f" of {fmt_dec(o.order_qty, qty_places)}"
        price = fmt_dec(o.limit_price, price_places) if o.limit_price is not None else "mkt"
        side = Text(o.side.upper(), style="bold green" if o.side == "buy" else "bold red")
        table.add_row(o.symbol, side, size, price, o.order_type, Text(o.order_id, style="dim"))
    return table


def _headline(plan: CancelPlan) -> Text:
    n = len(plan.orders)
    if plan.blocked:
        return Text("Kraken is in maintenance: no cancels", style="bold red")
    if plan.method == "cancel_all":
        symbols = plan.symbols()
        return Text(f"Cancel ALL {n} open order{'s' if n != 1 else ''} on {len(symbols)} "
                    f"symbol{'s' if len(symbols) != 1 else ''}?", style="bold")
    return Text(f"Cancel this order? {order_words(plan.orders[0], plan.precisions)}",
                style="bold")


def _notes(plan: CancelPlan) -> Text:
    notes = Text()
    if plan.blocked:
        notes.append("Kraken accepts no cancels during maintenance, so nothing will be "
                     "sent: your orders stay as they are. Try again once the exchange is "
                     "back (the banner and the status line say when).\n", style="red")
        return notes
    notes.append(_by_symbol(plan.orders) + "\n", style="bold")
    if plan.private_live:
        notes.append("Sent over the private WebSocket.", style="dim")
    else:
        notes.append("The private connection is down: sent over REST.", style="yellow")
    if plan.system in ("cancel_only", "post_only"):
        notes.append(f"\nThe exchange is in {plan.system.replace('_', ' ')} mode: cancels are "
                     "accepted.", style="dim")
    if plan.method == "cancel_all":
        notes.append("\nKraken's cancel all also takes any order placed since this list.",
                     style="dim")
    notes.append("\nThe table shows an order cancelled only when Kraken confirms it.",
                 style="dim")
    return notes


class CancelDialog(ModalScreen[bool]):
    """Confirm (True) or abort (False) the cancel a ``CancelPlan`` describes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Confirm", show=False),
        Binding("enter", "confirm", "Confirm", show=False, priority=True),
        Binding("n,escape", "abort", "Abort", show=False),
    ]

    DEFAULT_CSS = """
    CancelDialog {
        align: center middle;
        background: $background 60%;
    }
    #cancel-body {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $error;
        background: $surface;
        padding: 1 2;
    }
    CancelDialog.-blocked #cancel-body {
        border: round $warning;
    }
    #cancel-orders {
        height: auto;
        max-height: 12;
        margin: 1 0;
    }
    #cancel-notes {
        height: auto;
    }
    #cancel-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    #cancel-buttons Button {
        margin-left: 2;
    }
    """

    def __init__(self, plan: CancelPlan) -> None:
        super().__init__(classes="-blocked" if plan.blocked else None)
        self.plan = plan
        self._decided = False

    def compose(self) -> ComposeResult:
        with Vertical(id="cancel-body"):
            yield Static(_headline(self.plan), id="cancel-title")
            with VerticalScroll(id="cancel-orders"):
                yield Static(_orders_table(self.plan))
            yield Static(_notes(self.plan), id="cancel-notes")
            with Horizontal(id="cancel-buttons"):
                if self.plan.blocked:
                    yield Button("Close (Esc)", id="abort", variant="primary")
                else:
                    yield Button("No, keep them (n / Esc)" if len(self.plan.orders) > 1
                                 else "No, keep it (n / Esc)", id="abort", variant="primary")
                    yield Button("Yes, cancel (y / Enter)", id="confirm", variant="error")

    def on_mount(self) -> None:
        body = self.query_one("#cancel-body")
        body.border_title = "Cancel all" if self.plan.method == "cancel_all" else "Cancel order"
        self.query_one("#abort", Button).focus()

    def _decide(self, confirmed: bool) -> None:
        if self._decided:  # a second key of a burst: the answer is given once
            return
        self._decided = True
        self.dismiss(confirmed and not self.plan.blocked)

    def action_confirm(self) -> None:
        self._decide(True)

    def action_abort(self) -> None:
        self._decide(False)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self._decide(True)

    @on(Button.Pressed, "#abort")
    def _abort_pressed(self) -> None:
        self._decide(False)
