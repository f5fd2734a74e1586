"""Textual's own floor for a ladder: the baseline both UI benchmarks measure against.

A bordered line-API widget the ladder's size redraws 15 random lines, beside a side
column, a status line and a footer, with no data behind it: what any ladder costs in
Textual before doing anything. ``ui_bench`` runs this file in a pty (10 redraws a
second until ``q``); ``frame_bench`` imports ``FloorApp`` and calls ``redraw`` itself.
"""

from __future__ import annotations

import random

from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Footer, Static


class FloorLadder(Widget):
    DEFAULT_CSS = "FloorLadder { width: 47; height: 100%; border: round green; }"

    def on_mount(self) -> None:
        self.strips: dict[int, Strip] = {}
        self.rng = random.Random(1)

    def redraw(self) -> None:
        w, h = self.content_size
        for y in self.rng.sample(range(h), min(15, h)):
            text = f" {97000 + self.rng.random() * 100:.1f}  {self.rng.random() * 5:.8f}"
            self.strips[y] = Strip([Segment(text.ljust(w)[:w], Style(color="red"))], w)
            self.refresh(Region(0, y, w, 1))

    def render_line(self, y: int) -> Strip:
        return self.strips.get(y) or Strip.blank(self.content_size.width)


class FloorApp(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, redraws_per_second: float | None = None) -> None:
        super().__init__()
        self.redraws_per_second = redraws_per_second

    def compose(self) -> ComposeResult:
        yield Static("status LIVE")
        with Horizontal():
            yield FloorLadder()
            with Vertical():
                yield Static("side")
        yield Footer()

    def on_mount(self) -> None:
        if self.redraws_per_second:
            self.set_interval(1 / self.redraws_per_second, self.query_one(FloorLadder).redraw)


if __name__ == "__main__":
    FloorApp(redraws_per_second=10).run()
