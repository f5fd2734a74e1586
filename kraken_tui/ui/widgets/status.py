"""The one-line status bar: both endpoints' state, the exchange's, pause; a UTC clock."""

from __future__ import annotations

import time
from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from kraken_tui.ui.replay import ReplayState, replay_text
from kraken_tui.ui.widgets.health import ENDPOINTS, EndpointHealth, state_text, system_style


def status_line(
    endpoints: Mapping[str, EndpointHealth], system: str | None, paused: bool, now: float,
    replay: ReplayState | None = None,
) -> Text:
    """`` kraken-tui   public ● LIVE  private ● KEYS REJECTED (…)  exchange online``;
    a replay starts with its REPLAY mark, progress and speed instead of the name."""
    line = Text()
    if replay is not None:  # its mark takes the name's place: the line has no room for both
        line.append_text(replay_text(replay))
    else:
        line.append(" kraken-tui ", style="bold reverse")
    for endpoint in ENDPOINTS:
        line.append(f"  {endpoint} ", style="dim")
        line.append_text(state_text(endpoints[endpoint], now))
    line.append("  exchange ", style="dim")
    line.append((system or "unknown").replace("_", " "), style=system_style(system))
    if paused:
        line.append("  ❚❚ PAUSED", style="bold yellow")
    return line


class StatusBar(Horizontal):
    """One line: app name, both endpoints' state, exchange status, pause; UTC clock on the right."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._left = Static(id="status-left")
        self._clock = Static(id="status-clock")
        self._shown: tuple[str, str] = ("", "")
        self.text = ""  # the line as shown, without styles (tests read it)

    def compose(self) -> ComposeResult:
        yield self._left
        yield self._clock

    def show(
        self, endpoints: Mapping[str, EndpointHealth], system: str | None, paused: bool,
        now: float, *, replay: ReplayState | None = None,
    ) -> None:
        """``replay``: the clock shows the recording's time, not now."""
        left = status_line(endpoints, system, paused, now, replay)
        if replay is not None:
            clock = replay.clock_text()
        else:
            clock = time.strftime("%H:%M:%S UTC ", time.gmtime(now))
        # Both fields have fixed sizes (1fr and a constant-width clock): after the first
        # update they repaint without a screen-wide layout pass, once a second for days.
        if (left.markup, clock) == self._shown:
            return
        first = not self._shown[1]
        self._shown = (left.markup, clock)
        self.text = left.plain
        self._left.update(left, layout=first)
        self._clock.update(clock, layout=first)
