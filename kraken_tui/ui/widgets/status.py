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


def _compact(state: Text) -> Text:
    """``● RECONNECTING 3 (next try in 5s)`` → ``● RECONNECTING 3``: the state, not why."""
    cut = state.plain.find(" (")
    return state if cut < 0 else state[:cut]


#: The monitor's trading mode as shown (``--allow-cancel``): full, then compact.
TRADING_MARKS = {
    "read_only": (Text("READ-ONLY", style="dim"), Text("RO", style="dim")),
    "cancel": (Text("CANCEL ENABLED", style="bold magenta"), Text("CXL", style="bold magenta")),
}


def status_line(
    endpoints: Mapping[str, EndpointHealth], system: str | None, paused: bool, now: float,
    replay: ReplayState | None = None, width: int | None = None, trading: str | None = None,
) -> Text:
    """`` kraken-tui   public ● LIVE  private ● KEYS REJECTED (…)  exchange online``;
    a replay starts with its REPLAY mark, progress and speed instead of the name.
    ``trading`` ("read_only" | "cancel"): whether the keys can cancel orders, after the
    exchange status (compact once the reasons go, never dropped).

    Within ``width`` cells it degrades by priority: the app's name goes first, then the
    reasons in brackets, then the endpoints' names; the exchange status and PAUSED are
    never dropped (they say whether the screen can be acted on).
    """
    states = {ep: state_text(endpoints[ep], now) for ep in ENDPOINTS}
    status = Text((system or "unknown").replace("_", " "), style=system_style(system))
    tail = Text("  ❚❚ PAUSED", style="bold yellow") if paused else Text()

    def line(level: int) -> Text:
        """0: everything; 1: no name; 2: no reasons; 3: no endpoint names; 4: no
        "exchange" label; 5: each endpoint as its coloured dot only."""
        out = Text()
        if level == 0:
            out.append_text(replay_text(replay) if replay is not None else
                            Text(" kraken-tui ", style="bold reverse"))
        for endpoint in ENDPOINTS:
            state = states[endpoint] if level < 2 else _compact(states[endpoint])
            if level >= 5:
                state = state[:1]
            out.append(f"  {endpoint} " if level < 3 else " ", style="dim")
            out.append_text(state)
        out.append("  exchange " if level < 4 else "  ", style="dim")
        out.append_text(status)
        if trading in TRADING_MARKS:
            out.append("  ")
            out.append_text(TRADING_MARKS[trading][level >= 2])
        out.append_text(tail)
        return out

    for level in range(6):
        text = line(level)
        if width is None or text.cell_len <= width:
            break
    return text


class StatusBar(Horizontal):
    """One line: app name, both endpoints' state, exchange status, pause; UTC clock on the right."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._left = Static(id="status-left")
        self._clock = Static(id="status-clock")
        self._shown: tuple[str, str] = ("", "")
        self._last: tuple[Mapping[str, EndpointHealth], str | None, bool, float,
                          ReplayState | None, str | None] | None = None
        self.text = ""  # the line as shown, without styles (tests read it)

    def compose(self) -> ComposeResult:
        yield self._left
        yield self._clock

    def show(
        self, endpoints: Mapping[str, EndpointHealth], system: str | None, paused: bool,
        now: float, *, replay: ReplayState | None = None, trading: str | None = None,
    ) -> None:
        """``replay``: the clock shows the recording's time, not now. ``trading``: the
        monitor's mode (``status_line``)."""
        self._last = (endpoints, system, paused, now, replay, trading)
        width = self._left.size.width or None  # unknown before the first layout
        left = status_line(endpoints, system, paused, now, replay, width, trading)
        if replay is not None:
            clock = replay.clock_text()
        else:
            clock = time.strftime("%Y-%m-%d %H:%M:%S UTC ", time.gmtime(now))
        # Both fields have fixed sizes (1fr and a constant-width clock): after the first
        # update they repaint without a screen-wide layout pass, once a second for days.
        if (left.markup, clock) == self._shown:
            return
        first = not self._shown[1]
        self._shown = (left.markup, clock)
        self.text = left.plain
        self._left.update(left, layout=first)
        self._clock.update(clock, layout=first)

    def on_resize(self) -> None:
        if self._last is not None:
            self.call_after_refresh(lambda: self.show(*self._last[:4], replay=self._last[4],
                                                      trading=self._last[5]))
