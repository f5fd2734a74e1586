"""The market panels' shared parts: a line-API base with a repaint cap, and number text.

The ticker strip, the trade tape and the chart take data faster than anyone reads it
(a busy pair prints hundreds of trades a second). Each keeps only the latest state and
rebuilds its lines at most ``MAX_FPS`` times a second; lines that came out the same
as the ones on screen cost no compositor pass at all.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import deque
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from kraken_tui.ui.widgets.fmt import fmt_dec
from kraken_tui.ui.widgets.ladder_rows import paint_due

_CLOCK = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ](\d{2}:\d{2}:\d{2})")


def places(value: Decimal) -> int:
    """Digits after the point as the value was written (``1.50`` → 2): the frame's own."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def exact(value: Decimal | None) -> str:
    """The value with the digits it came with, through the app's shared ``fmt_dec``."""
    return fmt_dec(value) if value is None else fmt_dec(value, places(value))


def signed(value: Decimal) -> str:
    """``exact`` with an explicit ``+`` on gains: a change reads as a change."""
    text = exact(value)
    return f"+{text}" if value > 0 else text


def clock_text(timestamp: str | None) -> str:
    """``HH:MM:SS`` cut from the RFC 3339 text itself (the venue's UTC), no parsing."""
    match = _CLOCK.match(timestamp or "")
    return match.group(1) if match else "--:--:--"


def line(parts: Sequence[tuple[str, Style]], width: int, base: Style) -> Strip:
    """Styled pieces as one line, padded (or cut) to ``width``."""
    return Strip([Segment(text, style) for text, style in parts if text]).adjust_cell_length(
        width, base)


class PacedLines(Widget, can_focus=False):
    """A line-API widget whose subclass builds all its lines; painted at most MAX_FPS/s.

    Inputs call ``request_paint``: the first paints at once, later ones wait for the
    next slot of the cap (``ladder_rows.paint_due``), so any burst costs one paint per
    slot. The wait is an asyncio handle, not ``set_timer``: see ``BookLadder``.
    """

    MAX_FPS: ClassVar[float] = 5.0  # a trader reads the tape and the ticker at this

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._strips: list[Strip] = []
        self._styles: dict[str, Style] = {}
        self._paint_times: deque[float] = deque(maxlen=64)
        self._timer: asyncio.TimerHandle | None = None
        self._dirty = False
        self.paints = 0  # lines rebuilt (tests, benchmarks)
        self.refreshes = 0  # paints that changed the screen, each one compositor pass

    # -- for subclasses ---------------------------------------------------------

    def build(self, width: int, height: int) -> list[Strip]:
        """Every line of the widget for this size (at most ``height``)."""
        raise NotImplementedError

    def style_of(self, name: str) -> Style:
        """A component class's style over the widget's own, resolved once per theme."""
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style
            if name:
                style = style + self.get_component_rich_style(name)
            self._styles[name] = style
        return style

    def overlay_of(self, name: str) -> Style:
        """A component's background and emphasis only, to lay over another's colour."""
        key = f"overlay:{name}"
        style = self._styles.get(key)
        if style is None:
            full = self.style_of(name)
            style = Style(bgcolor=full.bgcolor, bold=full.bold, italic=full.italic,
                          reverse=full.reverse, underline=full.underline)
            self._styles[key] = style
        return style

    # -- pacing -------------------------------------------------------------------

    @property
    def pending(self) -> bool:
        """True while newer data than the painted lines waits (tests wait on this)."""
        return self._dirty

    def request_paint(self) -> None:
        """Paint now, or at the next slot of the cap if one was used too recently."""
        self._dirty = True
        if not self.is_mounted or self._timer is not None:
            return
        now = time.monotonic()
        due = paint_due(self._paint_times, self.MAX_FPS)
        if due <= now:
            self._paint()
            return
        # On a grid shared by every paced widget (all at divisors of the same rate): the
        # ticker, the tape and the chart then repaint in the same loop turn, one compositor
        # pass for the three instead of one each.
        due = math.ceil(due * self.MAX_FPS) / self.MAX_FPS
        self._timer = asyncio.get_running_loop().call_later(due - now, self._paint_from_timer)

    def paint_along(self) -> None:
        """Another widget painted this turn: a paint waiting for its slot goes now, into
        that compositor pass, if its slot was due within one frame anyway (the cap holds
        to within a frame; a pass of its own costs ~2 ms in Textual 8)."""
        timer = self._timer
        if timer is None or not self._dirty:
            return
        if timer.when() - asyncio.get_running_loop().time() <= 1.0 / self.MAX_FPS:
            timer.cancel()
            self._timer = None
            self._paint()

    def _paint_from_timer(self) -> None:
        self._timer = None
        if self._dirty:
            self._paint()

    def _paint(self) -> None:
        width, height = self.content_size.width, self.content_size.height
        self._dirty = False
        if width <= 0 or height <= 0:
            return  # hidden: on_resize paints when it shows again
        self._paint_times.append(time.monotonic())
        self.paints += 1
        strips = self.build(width, height)[:height]
        if strips != self._strips:
            self._strips = strips
            self.refreshes += 1
            self.refresh()

    def on_mount(self) -> None:
        self.request_paint()

    def on_unmount(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def on_resize(self) -> None:
        self._strips = []
        self._paint()

    def notify_style_update(self) -> None:
        """Theme or class (``-stale``) changed: every line again, in the new styles.

        Textual restyles the component classes only after this call (``Stylesheet.apply``),
        so the lines are rebuilt after the refresh, from styles read then. The old lines
        show until the next slot of the cap.
        """
        super().notify_style_update()
        self._styles.clear()
        if self.is_mounted:
            self.call_after_refresh(self._restyle)

    def _restyle(self) -> None:
        self._styles.clear()
        self.request_paint()

    # -- drawing ------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.content_size.width, self.rich_style)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    @property
    def text_lines(self) -> list[str]:
        """What is drawn, as plain text per line (tests, diagnostics)."""
        return [strip.text for strip in self._strips]
