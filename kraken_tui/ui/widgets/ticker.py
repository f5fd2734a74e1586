"""The ticker strip: one line of the shown symbol's 24 h figures, coloured by direction.

Last, 24 h change (absolute and %), high, low, volume and VWAP, each with the frame's
own digits. A narrow screen drops whole fields (VWAP, then volume, then high/low, ...),
never part of a number. A ticker the feed no longer trusts is drawn dim with STALE
and the reason: never as live.
"""

from __future__ import annotations

from typing import ClassVar

from textual.strip import Strip

from kraken_tui.kraken.market import Ticker
from kraken_tui.ui.widgets.ladder_rows import describe_reason
from kraken_tui.ui.widgets.paced import PacedLines, exact, line, signed

#: A field: pieces of (text, component class); one field is dropped or kept whole.
Field = list[tuple[str, str]]

#: The layouts tried, widest first: VWAP goes first, then volume, then high/low; then
#: the change loses its absolute part, then the symbol (the book's tabs name it too).
LAYOUTS: tuple[tuple[str, ...], ...] = (
    ("symbol", "last", "change", "range", "volume", "vwap"),
    ("symbol", "last", "change", "range", "volume"),
    ("symbol", "last", "change", "range"),
    ("symbol", "last", "change"),
    ("symbol", "last", "pct"),
    ("last", "pct"),
    ("last",),
)
GAP = "  "


class TickerStrip(PacedLines):
    """``show`` the latest ticker of a symbol; repainted at most ``MAX_FPS`` times a second."""

    DEFAULT_CSS = """
    TickerStrip {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    TickerStrip > .ticker--symbol {
        text-style: bold;
    }
    TickerStrip > .ticker--label {
        color: $text-muted;
    }
    TickerStrip > .ticker--up {
        color: $success;
        text-style: bold;
    }
    TickerStrip > .ticker--down {
        color: $error;
        text-style: bold;
    }
    TickerStrip > .ticker--flat {
        text-style: bold;
    }
    TickerStrip > .ticker--stale {
        color: $text-disabled;
    }
    TickerStrip > .ticker--stale-tag {
        color: $text-error;
        background: $error 25%;
        text-style: bold;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "ticker--symbol",
        "ticker--label",
        "ticker--up",
        "ticker--down",
        "ticker--flat",
        "ticker--stale",
        "ticker--stale-tag",
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.symbol = ""
        self.ticker: Ticker | None = None
        self.valid = False
        self.reason = "awaiting_snapshot"

    def show(self, symbol: str, ticker: Ticker | None, valid: bool, reason: str = "") -> None:
        """Take the latest state; a None ticker keeps the last one (drawn stale if not valid)."""
        if symbol != self.symbol:
            self.ticker = None  # another symbol's figures must never show under this name
        self.symbol = symbol
        if ticker is not None:
            self.ticker = ticker
        self.valid = valid and self.ticker is not None
        fallback = "awaiting_snapshot" if self.ticker is None else "not live"
        self.reason = "" if self.valid else (reason or fallback)
        self.set_class(not self.valid, "-stale")
        self.request_paint()

    # -- layout -------------------------------------------------------------------

    def _fields(self) -> dict[str, Field]:
        """Every field that could show (``change`` long, ``pct`` its short form)."""
        t = self.ticker
        fields: dict[str, Field] = {}
        if self.symbol:
            fields["symbol"] = [(self.symbol, "ticker--symbol")]
        if t is None:
            fields["last"] = [("waiting for ticker", "ticker--label")]
        else:
            direction = "ticker--up" if t.change > 0 else (
                "ticker--down" if t.change < 0 else "ticker--flat")
            arrow = "▲" if t.change > 0 else ("▼" if t.change < 0 else "•")
            pct = f"{signed(t.change_pct)}%"
            fields["last"] = [(exact(t.last), direction)]
            fields["change"] = [(f"{arrow} {signed(t.change)}", direction),
                                (" (", "ticker--label"), (pct, direction),
                                (")", "ticker--label")]
            fields["pct"] = [(f"{arrow} {pct}", direction)]
            fields["range"] = [("H ", "ticker--label"), (exact(t.high), ""),
                               (" L ", "ticker--label"), (exact(t.low), "")]
            fields["volume"] = [("Vol ", "ticker--label"), (exact(t.volume), "")]
            fields["vwap"] = [("VWAP ", "ticker--label"), (exact(t.vwap), "")]
        if not self.valid:
            fields["stale"] = [(f" STALE · {describe_reason(self.reason)} ", "ticker--stale-tag")]
            fields["tag"] = [(" STALE ", "ticker--stale-tag")]
        return fields

    @staticmethod
    def _width(fields: list[Field]) -> int:
        return 1 + sum(len(text) for f in fields for text, _ in f) + len(GAP) * (len(fields) - 1)

    def fit(self, width: int) -> list[str]:
        """The names of the fields drawn at ``width``: the first layout that fits whole."""
        fields = self._fields()
        stale = ["stale"] if "stale" in fields else []
        candidates = [[n for n in layout if n in fields] + stale for layout in LAYOUTS]
        if stale:  # the last price with a short tag, then the tag alone
            candidates += [["last", "tag"], ["stale"], ["tag"]]
        for names in candidates:
            if self._width([fields[n] for n in names]) <= width:
                return names
        return []

    def build(self, width: int, height: int) -> list[Strip]:
        fields = self._fields()
        stale = not self.valid
        parts: list[tuple[str, str]] = [(" ", "")]
        for i, name in enumerate(self.fit(width)):
            if i:
                parts.append((GAP, ""))
            for text, style in fields[name]:
                if stale and style not in ("ticker--stale-tag", "ticker--symbol"):
                    style = "ticker--stale"
                parts.append((text, style))
        base = self.style_of("")
        return [line([(text, self.style_of(style)) for text, style in parts], width, base)]
