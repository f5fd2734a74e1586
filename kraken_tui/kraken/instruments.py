"""Pair precisions and names: the v2 ``instrument`` channel, REST AssetPairs as fallback.

The book checksum renders every value at the pair's precision, so the book cannot
be verified without this table. REST still speaks legacy names (``XXBTZUSD``,
``XBTUSD``, ``XXBT``, ``ZUSD``); the mapping to v2 names (``BTC/USD``, ``BTC``,
``USD``) lives here so orders and balances from REST line up with the WebSocket.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from kraken_tui.kraken.models import PairInfo

if TYPE_CHECKING:
    from kraken_tui.kraken.frames import InstrumentFrame

__all__ = ["InstrumentTable", "PairInfo", "normalize_asset", "unlisted_note"]


# Legacy REST asset codes whose v2 name differs by more than a dropped X/Z prefix.
_LEGACY_ASSETS: dict[str, str] = {
    "XBT": "BTC",
    "XXBT": "BTC",
    "XDG": "DOGE",
    "XXDG": "DOGE",
    "XETH": "ETH",
    "XETC": "ETC",
    "XLTC": "LTC",
    "XMLN": "MLN",
    "XREP": "REP",
    "XXLM": "XLM",
    "XXMR": "XMR",
    "XXRP": "XRP",
    "XZEC": "ZEC",
    "XICN": "ICN",
    "XNMC": "NMC",
    "XXVN": "XVN",
    "ZUSD": "USD",
    "ZEUR": "EUR",
    "ZGBP": "GBP",
    "ZCAD": "CAD",
    "ZJPY": "JPY",
    "ZAUD": "AUD",
    "ZCHF": "CHF",
    "ZKRW": "KRW",
}

# Quote currencies tried (longest first) when a legacy pair name is not in the table.
_QUOTE_GUESSES = (
    "ZUSD", "ZEUR", "ZGBP", "ZCAD", "ZJPY", "ZAUD", "XXBT", "XETH", "USDT", "USDC",
    "USD", "EUR", "GBP", "CAD", "JPY", "AUD", "CHF", "XBT", "BTC", "ETH", "DAI",
)


def normalize_asset(rest_name: str) -> str:
    """REST asset code -> v2 name: ``XXBT``/``XBT`` -> ``BTC``, ``ZUSD`` -> ``USD``.

    A staking/earn suffix such as ``.S``/``.M`` is kept (``XBT.M`` -> ``BTC.M``).
    """
    base, dot, suffix = rest_name.partition(".")
    mapped = _LEGACY_ASSETS.get(base.upper(), base)
    return mapped + dot + suffix


def _compact(name: str) -> str:
    return name.replace("/", "").upper()


def _decimal_or_none(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class InstrumentTable:
    """Pairs by v2 symbol, plus every REST alias of each pair.

    The ``instrument`` channel is authoritative; REST AssetPairs only fills pairs
    the channel has not (yet) described, and contributes the legacy aliases.
    """

    def __init__(self) -> None:
        self._pairs: dict[str, PairInfo] = {}
        self._from_channel: set[str] = set()
        self._aliases: dict[str, str] = {}  # compact upper-case REST/legacy name -> v2 symbol
        self.assets: dict[str, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self._pairs)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._pairs

    def get(self, symbol: str) -> PairInfo | None:
        return self._pairs.get(symbol)

    def symbols(self) -> tuple[str, ...]:
        return tuple(sorted(self._pairs))

    def add(self, pair: PairInfo) -> None:
        """Insert or replace one pair (tests and the simulator seed tables this way)."""
        self._pairs[pair.symbol] = pair
        self._index(pair)

    def apply(self, frame: InstrumentFrame) -> list[tuple[str, str]]:
        """Merge an instrument snapshot/update; return (symbol, new status) for pairs
        whose status changed from a status we already knew (first sight is not a change)."""
        changed: list[tuple[str, str]] = []
        for pair in frame.pairs:
            old = self._pairs.get(pair.symbol)
            if old is not None and old.status != pair.status:
                changed.append((pair.symbol, pair.status))
            if old is not None and old.rest_name and not pair.rest_name:
                pair = replace(pair, rest_name=old.rest_name)
            self._pairs[pair.symbol] = pair
            self._from_channel.add(pair.symbol)
            self._index(pair)
        for asset in frame.assets:
            asset_id = asset.get("id")
            if isinstance(asset_id, str):
                self.assets[asset_id] = asset
        return changed

    def apply_asset_pairs(self, rest_result: dict[str, Any]) -> int:
        """Learn pairs from REST AssetPairs (``pair_decimals``/``lot_decimals``).

        Accepts the ``result`` map or the whole ``{"error":[],"result":{...}}`` envelope.
        Returns how many entries were usable; malformed entries are skipped.
        """
        if isinstance(rest_result.get("result"), dict) and "error" in rest_result:
            rest_result = rest_result["result"]
        usable = 0
        for rest_name, entry in rest_result.items():
            if not isinstance(entry, dict):
                continue
            symbol = self._symbol_from_asset_pair(entry)
            price_precision = entry.get("pair_decimals")
            qty_precision = entry.get("lot_decimals")
            if (
                symbol is None
                or type(price_precision) is not int
                or type(qty_precision) is not int
                or price_precision < 0
                or qty_precision < 0
            ):
                continue
            usable += 1
            for alias in (rest_name, entry.get("altname"), entry.get("wsname")):
                if isinstance(alias, str):
                    self._aliases[_compact(alias)] = symbol
            existing = self._pairs.get(symbol)
            if symbol in self._from_channel and existing is not None:
                self._pairs[symbol] = replace(existing, rest_name=rest_name)
                continue
            base, _, quote = symbol.partition("/")
            pair = PairInfo(
                symbol=symbol,
                base=base,
                quote=quote,
                status=entry.get("status") if isinstance(entry.get("status"), str) else "online",
                price_precision=price_precision,
                qty_precision=qty_precision,
                price_increment=_decimal_or_none(entry.get("tick_size")),
                qty_min=_decimal_or_none(entry.get("ordermin")),
                cost_min=_decimal_or_none(entry.get("costmin")),
                rest_name=rest_name,
            )
            self._pairs[symbol] = pair
            self._index(pair)
        return usable

    def symbol_for_rest_pair(self, name: str) -> str | None:
        """REST/legacy pair name -> v2 symbol: ``XBTUSD``/``XXBTZUSD``/``XBT/USD`` -> ``BTC/USD``.

        Known aliases first; otherwise split on ``/`` or on a known quote and
        normalise both halves. None when the name cannot be split.
        """
        known = self._aliases.get(_compact(name))
        if known is not None:
            return known
        if "/" in name:
            base, _, quote = name.partition("/")
            if base and quote:
                return f"{normalize_asset(base.upper())}/{normalize_asset(quote.upper())}"
            return None
        upper = name.upper()
        for quote in _QUOTE_GUESSES:
            if upper.endswith(quote) and len(upper) > len(quote):
                base = upper[: -len(quote)]
                # "XXBTZUSD": an X/Z-prefixed 4-letter base goes with a prefixed quote.
                return f"{normalize_asset(base)}/{normalize_asset(quote)}"
        return None

    def _index(self, pair: PairInfo) -> None:
        base, quote = pair.base, pair.quote
        legacy = {v2: [k for k, v in _LEGACY_ASSETS.items() if v == v2] for v2 in (base, quote)}
        for b in (base, *legacy[base]):
            for q in (quote, *legacy[quote]):
                self._aliases.setdefault(_compact(b + q), pair.symbol)
        self._aliases[_compact(pair.symbol)] = pair.symbol
        if pair.rest_name:
            self._aliases[_compact(pair.rest_name)] = pair.symbol

    @staticmethod
    def _symbol_from_asset_pair(entry: dict[str, Any]) -> str | None:
        base, quote = entry.get("base"), entry.get("quote")
        if isinstance(base, str) and isinstance(quote, str) and base and quote:
            return f"{normalize_asset(base)}/{normalize_asset(quote)}"
        wsname = entry.get("wsname")
        if isinstance(wsname, str) and "/" in wsname:
            b, _, q = wsname.partition("/")
            return f"{normalize_asset(b)}/{normalize_asset(q)}"
        return None


def unlisted_note(symbol: str, listed: tuple[str, ...]) -> str:
    """Why ``symbol`` is not on Kraken's list, naming the listed pair it most likely meant.

    A v1 name (``XBT/USD``, ``XDG/USD``) maps through the legacy asset codes; anything
    else gets the closest listed spelling, if one is close enough to be a typo.
    """
    base, _, quote = symbol.upper().partition("/")
    v2 = f"{normalize_asset(base)}/{normalize_asset(quote)}" if quote else ""
    if v2 and v2 != symbol and v2 in listed:
        return f"{symbol} is Kraken's v1 name; v2 uses {v2}"
    close = difflib.get_close_matches(symbol.upper(), listed, n=1, cutoff=0.6)
    if close and close[0] != symbol:
        return f"{symbol} is not listed on Kraken; closest listed pair: {close[0]}"
    return f"{symbol} is not listed on Kraken"
