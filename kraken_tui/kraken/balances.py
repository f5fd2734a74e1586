"""Balances from the ``balances`` channel (and REST Balance on resync).

The snapshot is authoritative. A ledger update's ``balance`` is the asset's new
total; when it names a wallet, that wallet takes the new total minus the other
wallets, so wallets keep summing to the total. Amounts are exact ``Decimal``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kraken_tui.kraken.instruments import normalize_asset
from kraken_tui.kraken.models import Balance, SequenceGap
from kraken_tui.kraken.numbers import NotANumber, exact_decimal
from kraken_tui.kraken.orders import _BadReport, apply_sequence

if TYPE_CHECKING:
    from kraken_tui.kraken.frames import BalancesFrame

__all__ = ["Balances"]

_Wallets = dict[tuple[str, str], Decimal]


class Balances:
    """Per-asset totals and wallets (v2 asset names)."""

    def __init__(self) -> None:
        self._totals: dict[str, Decimal] = {}
        self._wallets: dict[str, _Wallets] = {}
        self._sorted: tuple[Balance, ...] | None = ()
        self.last_sequence: int | None = None
        self.ignored_entries = 0

    def get(self, asset: str) -> Balance | None:
        if asset not in self._totals:
            return None
        return self._balance(asset)

    def balances(self) -> tuple[Balance, ...]:
        """Every asset, sorted by name."""
        if self._sorted is None:
            self._sorted = tuple(self._balance(asset) for asset in sorted(self._totals))
        return self._sorted

    def _balance(self, asset: str) -> Balance:
        wallets = tuple((t, i, amount) for (t, i), amount in self._wallets.get(asset, {}).items())
        return Balance(asset, self._totals[asset], wallets)

    def apply(self, frame: BalancesFrame) -> list[SequenceGap]:
        """Apply one balances message; returns the sequence gap it revealed, if any."""
        self.last_sequence, gaps = apply_sequence(
            "balances", self.last_sequence, frame.sequence, frame.is_snapshot
        )
        if frame.is_snapshot:
            self._totals, self._wallets = {}, {}
        for entry in frame.entries:
            try:
                if frame.is_snapshot:
                    self._apply_snapshot_entry(entry)
                else:
                    self._apply_ledger_entry(entry)
            except (_BadReport, NotANumber):
                self.ignored_entries += 1
        self._sorted = None
        return gaps

    def _apply_snapshot_entry(self, entry: dict[str, Any]) -> None:
        asset = entry.get("asset")
        total = exact_decimal(entry.get("balance"))
        if type(asset) is not str or total is None:
            raise _BadReport("snapshot entry without asset/balance")
        wallets: _Wallets = {}
        raw_wallets = entry.get("wallets") or []
        if type(raw_wallets) is not list:
            raise _BadReport("wallets is not a list")
        for wallet in raw_wallets:
            if type(wallet) is not dict:
                raise _BadReport("wallet is not an object")
            kind, wallet_id = wallet.get("type"), wallet.get("id")
            amount = exact_decimal(wallet.get("balance"))
            if type(kind) is not str or type(wallet_id) is not str or amount is None:
                raise _BadReport("wallet without type/id/balance")
            wallets[(kind, wallet_id)] = amount
        self._totals[asset] = total
        self._wallets[asset] = wallets

    def _apply_ledger_entry(self, entry: dict[str, Any]) -> None:
        asset = entry.get("asset")
        total = exact_decimal(entry.get("balance"))
        if type(asset) is not str or total is None:
            raise _BadReport("ledger entry without asset/balance")
        kind, wallet_id = entry.get("wallet_type"), entry.get("wallet_id")
        wallets = self._wallets.setdefault(asset, {})
        if type(kind) is str and type(wallet_id) is str:
            others = sum(
                (amount for key, amount in wallets.items() if key != (kind, wallet_id)),
                Decimal(0),
            )
            wallets[(kind, wallet_id)] = total - others
        self._totals[asset] = total

    def replace_from_rest(self, balance_result: dict[str, Any]) -> None:
        """Replace everything from REST Balance (legacy names: XXBT, ZUSD, ...).

        REST gives totals only, so wallets are left empty. Unparseable entries are skipped.
        """
        result: Any = balance_result
        if isinstance(result.get("result"), dict) and "error" in result:
            result = result["result"]
        totals: dict[str, Decimal] = {}
        for rest_name, value in result.items():
            if type(rest_name) is not str:
                continue
            try:
                amount = exact_decimal(value)
            except (_BadReport, NotANumber):
                self.ignored_entries += 1
                continue
            if amount is None:
                continue
            asset = normalize_asset(rest_name)
            totals[asset] = totals.get(asset, Decimal(0)) + amount
        self._totals = totals
        self._wallets = {asset: {} for asset in totals}
        self._sorted = None
