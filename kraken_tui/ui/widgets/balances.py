"""Balances per asset (total and per wallet), updated in place by asset key."""

from __future__ import annotations

from rich.text import Text

from kraken_tui.kraken.models import Balance
from kraken_tui.ui.widgets.fmt import fmt_dec
from kraken_tui.ui.widgets.table import Column, KeyedTable

# Totals line up on the decimal point; the per-wallet split goes first when cramped.
COLUMNS = (Column("asset", "Asset"), Column("total", "Total", justify="right", decimal=True),
           Column("wallets", "Wallets", drop=1))


def _wallets(balance: Balance) -> str:
    parts = []
    for wtype, wid, value in balance.wallets:
        name = wtype if wid in ("", "main", None) else f"{wtype}/{wid}"
        parts.append(f"{name} {fmt_dec(value)}")
    return " · ".join(parts) or "—"


class BalancesTable(KeyedTable):
    """One row per asset; only changed rows repaint."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.valid = True
        self.set_columns(COLUMNS)

    def apply(self, balances: tuple[Balance, ...], valid: bool = True) -> None:
        self.valid = valid
        self.set_stale(not valid)
        seen: set[str] = set()
        with self.batch():
            for bal in balances:
                seen.add(bal.asset)
                self.set_row(bal.asset, {
                    "asset": Text(bal.asset, style="bold"),
                    "total": fmt_dec(bal.total),
                    "wallets": _wallets(bal),
                })
            for gone in [a for a in self.row_keys if a not in seen]:
                self.remove_row(gone)
        self.border_subtitle = "" if valid else "STALE"
