"""My fills: time, symbol, side, price, qty, fee and liquidity, newest on top.

One row per ``exec_id``: a fill reported twice (a reconnect's snapshot) is shown
once. Rows sort by the fill's own time (arrival order breaks ties and places fills
without one), so a late report lands where it belongs. Fills are rare, so this is a
``KeyedTable``: scrolling, a fixed header and per-row repaints for free.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict

from rich.style import Style
from rich.text import Text

from kraken_tui.kraken.fills import Fill
from kraken_tui.ui.widgets.fmt import parse_time
from kraken_tui.ui.widgets.ladder_rows import describe_reason
from kraken_tui.ui.widgets.paced import clock_text, exact
from kraken_tui.ui.widgets.table import Column, KeyedTable

#: Numbers line up on the decimal point; when the panel is too narrow, liquidity goes
#: first, then the fee, the symbol and the time (KeyedTable drops whole columns).
COLUMNS = (
    Column("time", "Time", drop=1),
    Column("symbol", "Symbol", drop=2),
    Column("side", "Side"),
    Column("price", "Price", justify="right", decimal=True),
    Column("qty", "Qty", justify="right", decimal=True),
    Column("fee", "Fee", justify="right", drop=3),
    Column("liquidity", "Liq", drop=4),
)
MAX_ROWS = 200  # older fills drop off the bottom (the exchange keeps the history)
SEEN_IDS = 5000  # exec_ids remembered for dedup, beyond the rows shown


class MyFills(KeyedTable):
    """``add`` each fill as reported; ``set_stale`` while the private feed is down."""

    DEFAULT_CSS = """
    MyFills {
        border: round $primary 50%;
        border-title-color: $foreground;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    MyFills.-stale {
        border: heavy $error;
        border-subtitle-color: $error;
    }
    MyFills > .fills--buy {
        color: $success;
        text-style: bold;
    }
    MyFills > .fills--sell {
        color: $error;
        text-style: bold;
    }
    """

    COMPONENT_CLASSES = KeyedTable.COMPONENT_CLASSES | {"fills--buy", "fills--sell"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "My fills"
        self.set_columns(COLUMNS)
        self.fills: dict[str, Fill] = {}  # shown, by exec_id
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._sort: list[tuple[float, int, str]] = []  # (-time, -arrival, exec_id): newest first
        self._arrivals = 0
        self.stale_reason: str | None = None
        self._side_styles: dict[str, Style] = {}  # by side, from the theme once mounted
        self._update_chrome()

    def add(self, fill: Fill) -> bool:
        """Show ``fill`` unless its exec_id was seen already; True if it was added."""
        if fill.exec_id in self._seen:
            return False
        self._seen[fill.exec_id] = None
        while len(self._seen) > SEEN_IDS:
            self._seen.popitem(last=False)
        self._arrivals += 1
        when = parse_time(fill.time)
        entry = (-(when if when is not None else float("inf")), -self._arrivals, fill.exec_id)
        at = bisect.bisect(self._sort, entry)
        if at >= MAX_ROWS:
            return False  # older than every fill kept
        self._sort.insert(at, entry)
        self.fills[fill.exec_id] = fill
        while len(self._sort) > MAX_ROWS:
            _, _, oldest = self._sort.pop()
            del self.fills[oldest]
        self._show()
        return True

    @property
    def column_keys(self) -> tuple[str, ...]:
        """The columns shown at this width."""
        return tuple(self.shown_columns)

    def _show(self) -> None:
        """Every kept fill, newest first (changed rows repaint)."""
        self.set_rows([(exec_id, self._cells(self.fills[exec_id]))
                       for _, _, exec_id in self._sort])
        self._update_chrome()

    def set_stale(self, stale: bool | str) -> None:
        """A reason (or True) marks the fills not current (private feed down); ""/False clears."""
        self.stale_reason = (stale if isinstance(stale, str) else "not live") if stale else None
        super().set_stale(bool(stale))
        self._update_chrome()

    def _update_chrome(self) -> None:
        count = f"{len(self.fills)} fill" + ("" if len(self.fills) == 1 else "s")
        if self.stale_reason is not None:
            subtitle = f"STALE — {describe_reason(self.stale_reason)}"
        else:
            subtitle = count
        if self.border_subtitle != subtitle:
            self.border_subtitle = subtitle
        self.set_class(self.stale_reason is not None, "-stale")

    def _side_style(self, side: str) -> Style | str:
        """The theme's buy/sell colours once mounted (a theme change redraws them)."""
        return self._side_styles.get(side, "bold")

    def _cells(self, fill: Fill) -> dict[str, str | Text]:
        fee = "—"
        if fill.fee is not None:
            fee = exact(fill.fee) + (f" {fill.fee_asset}" if fill.fee_asset else "")
        return {
            "time": clock_text(fill.time),
            "symbol": fill.symbol,
            "side": Text(fill.side.upper(), style=self._side_style(fill.side)),
            "price": exact(fill.price),
            "qty": exact(fill.qty),
            "fee": fee,
            "liquidity": fill.liquidity or "—",
        }

    def on_mount(self) -> None:
        self._recolour()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            # After this pass: the component classes' styles are updated after the widget's.
            self.call_after_refresh(self._recolour)

    def _recolour(self) -> None:
        """Rebuild the rows when the theme's buy/sell styles changed (not on every hover)."""
        styles = {side: self.get_component_rich_style(f"fills--{side}", partial=True)
                  for side in ("buy", "sell")}
        if styles != self._side_styles:
            self._side_styles = styles
            if self.fills:
                self._show()
