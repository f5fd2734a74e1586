"""Balances per asset (total and per wallet), updated in place by asset key."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from kraken_tui.kraken.models import Balance
from kraken_tui.ui.widgets.fmt import fmt_dec

COLUMNS = (("asset", "Asset"), ("total", "Total"), ("wallets", "Wallets"))


def _wallets(balance: Balance) -> str:
    parts = []
    for wtype, wid, value in balance.wallets:
        name = wtype if wid in ("", "main", None) else f"{wtype}/{wid}"
        parts.append(f"{name} {fmt_dec(value)}")
    return " · ".join(parts) or "—"


class BalancesTable(DataTable):
    """One row per asset; only changed cells are rewritten."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", show_cursor=False)
        self._cells: dict[str, tuple[str, ...]] = {}
        self.valid = True

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def apply(self, balances: tuple[Balance, ...], valid: bool = True) -> None:
        self.valid = valid
        self.set_class(not valid, "-stale")
        seen: set[str] = set()
        for bal in balances:
            seen.add(bal.asset)
            cells = (bal.asset, fmt_dec(bal.total), _wallets(bal))
            old = self._cells.get(bal.asset)
            if old is None:
                self.add_row(
                    Text(cells[0], style="bold"),
                    Text(cells[1], justify="right"),
                    cells[2],
                    key=bal.asset,
                )
            else:
                if old[1] != cells[1]:
                    self.update_cell(bal.asset, "total", Text(cells[1], justify="right"))
                if old[2] != cells[2]:
                    self.update_cell(bal.asset, "wallets", cells[2])
            self._cells[bal.asset] = cells
        for gone in [a for a in self._cells if a not in seen]:
            self.remove_row(gone)
            del self._cells[gone]
        self.border_subtitle = "" if valid else "STALE"
