"""Connection health per endpoint (public, private), updated cell by cell.

Ages are extrapolated from the last ``FeedStats`` with the app's clock, so
they keep counting up between stats (a silent feed looks silent) and are
deterministic under a fixed clock in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text

from kraken_tui.feed.events import (
    ConnectionChanged,
    DeadManSwitch,
    FeedStats,
    ModeChanged,
    RoundTrip,
    SystemStatusChanged,
)
from kraken_tui.ui.widgets.fmt import fmt_age, parse_time
from kraken_tui.ui.widgets.table import Column, KeyedTable

ENDPOINTS = ("public", "private")
TWO_LINE_ROWS = ("state", "dms")
ROWS = (
    ("state", "State"),
    ("last_msg", "Last message"),
    ("heartbeat", "Heartbeat"),
    ("rtt", "Ping RTT"),
    ("reconnects", "Reconnects"),
    ("resyncs", "Book resyncs"),
    ("fps", "Frames/s"),
    ("token", "Token age"),
    ("dms", "Dead man's switch"),
    ("system", "Exchange status"),
)


@dataclass
class EndpointHealth:
    """What the panel knows about one endpoint, and when it learnt it."""

    state: str = "connecting"
    attempt: int = 0
    retry_at: float | None = None
    reason: str = ""
    stats: FeedStats | None = None
    stats_at: float = 0.0
    rtt_ms: float | None = None
    enabled: bool = True
    ever_connected: bool = False
    connected_at: float | None = None  # when the current connection opened
    stats_predate_connection: bool = False  # no stats since it opened yet
    note: tuple[str, str] | None = None  # (title, reason): why it is down, until cleared


def state_text(h: EndpointHealth, now: float, sep: str = " ") -> Text:
    """LIVE / CONNECTING / RECONNECTING n (next try in s) / DISCONNECTED, coloured.

    A note (e.g. KEYS REJECTED) names the cause and outranks the retry states.
    """
    if not h.enabled:
        return Text(f"○ OFF{sep}(public-only)", style="dim")
    if h.note is not None:
        title, reason = h.note
        return Text(f"● {title}{sep}({reason})" if reason else f"● {title}", style="bold red")
    if h.state == "connected":
        return Text("● LIVE", style="bold green")
    if h.state == "backoff":
        wait = max(0.0, (h.retry_at or now) - now)
        return Text(
            f"● RECONNECTING {h.attempt}{sep}(next try in {wait:.0f}s)", style="bold yellow"
        )
    if h.state == "connecting":
        if h.ever_connected or h.attempt > 1:
            return Text(f"● RECONNECTING {h.attempt}{sep}(connecting…)", style="yellow")
        return Text("● CONNECTING", style="yellow")
    reason = f"{sep}({h.reason})" if h.reason else ""
    return Text(f"● DISCONNECTED{reason}", style="bold red")


def system_style(system: str | None) -> str:
    """Green online, red maintenance, yellow for the restricted modes."""
    if system is None:
        return "dim"
    return {"online": "bold green", "maintenance": "bold red"}.get(system, "bold yellow")


class HealthPanel(KeyedTable):
    """Rows are metrics, columns are endpoints; only changed rows repaint."""

    def __init__(
        self, clock: Callable[[], float], heartbeat_timeout: float = 5.0, *, id: str | None = None
    ) -> None:
        super().__init__(id=id, zebra_stripes=True)
        self._clock = clock
        self.heartbeat_timeout = heartbeat_timeout
        self.endpoints = {ep: EndpointHealth() for ep in ENDPOINTS}
        self.system: str | None = None
        self.dms: DeadManSwitch | None = None
        self.dms_failure: str | None = None  # why the switch is failing, until it re-arms
        self.set_columns(
            [Column("metric", "", 17)] + [Column(ep, ep.capitalize(), 20) for ep in ENDPOINTS]
        )
        self._labels = {key: Text(label, style="dim") for key, label in ROWS}

    def on_mount(self) -> None:
        self.tick()

    # -- events ----------------------------------------------------------------

    def on_connection(self, ev: ConnectionChanged) -> None:
        h = self.endpoints[ev.endpoint]
        h.state, h.attempt, h.reason = ev.state, ev.attempt, ev.reason
        h.ever_connected = h.ever_connected or ev.state == "connected"
        h.connected_at = self._clock() if ev.state == "connected" else None
        h.stats_predate_connection = ev.state == "connected"
        h.retry_at = self._clock() + ev.delay if ev.delay is not None else None
        self.tick()

    def on_stats(self, ev: FeedStats) -> None:
        # Stored only: the app's 1 Hz tick draws them with the ages, one repaint a second
        # instead of one per endpoint per second more.
        h = self.endpoints[ev.endpoint]
        h.stats, h.stats_at = ev, self._clock()
        h.stats_predate_connection = False

    def on_rtt(self, ev: RoundTrip) -> None:
        self.endpoints[ev.endpoint].rtt_ms = ev.rtt_ms

    def on_dms(self, ev: DeadManSwitch) -> None:
        self.dms = ev
        self.tick()

    def on_system(self, ev: SystemStatusChanged) -> None:
        self.system = ev.system
        self.tick()

    def on_mode(self, ev: ModeChanged) -> None:
        self.endpoints["private"].enabled = ev.private
        self.tick()

    def set_note(self, target: str, title: str | None, reason: str = "") -> None:
        """Say why ``target`` (an endpoint, or "dms") is down or failing; None clears it."""
        if target == "dms":
            failure = None if title is None else reason or title
            changed = failure != self.dms_failure
            self.dms_failure = failure
        else:
            h = self.endpoints[target]
            note = None if title is None else (title, reason)
            changed = note != h.note
            h.note = note
        if changed:
            self.tick()

    # -- cells -----------------------------------------------------------------

    def _age(self, h: EndpointHealth, value: float | None, now: float) -> float | None:
        if value is None:
            return None
        age = value + max(0.0, now - h.stats_at)
        if h.stats_predate_connection and h.connected_at is not None:
            # Stats from before this connection opened: its first frame (status) came at
            # the open and the heartbeat deadline restarted then. Without this the panel
            # showed LIVE beside "10s ago" until the next stats, about a second later.
            age = min(age, max(0.0, now - h.connected_at))
        return age

    def _cells(self, ep: str, now: float) -> dict[str, Text | str]:
        h = self.endpoints[ep]
        st = h.stats
        off = not h.enabled
        cells: dict[str, Text | str] = {"state": state_text(h, now, sep="\n")}
        if off or st is None:
            for key in ("last_msg", "heartbeat", "fps", "reconnects", "resyncs", "token"):
                cells[key] = "—"
        else:
            last = self._age(h, st.last_message_age, now)
            beat = self._age(h, st.last_heartbeat_age, now)
            late = beat is not None and beat > self.heartbeat_timeout
            cells["last_msg"] = fmt_age(last) + (" ago" if last is not None else "")
            cells["heartbeat"] = Text(
                fmt_age(beat) + (" ago" if beat is not None else ""),
                style="bold red" if late else "",
            )
            cells["fps"] = (
                Text(f"{st.frames_per_s:.1f} ({st.malformed} malformed)", style="yellow")
                if st.malformed
                else f"{st.frames_per_s:.1f}"
            )
            cells["reconnects"] = Text(str(st.reconnects), style="yellow" if st.reconnects else "")
            cells["resyncs"] = Text(str(st.resyncs), style="yellow" if st.resyncs else "")
            cells["token"] = fmt_age(self._age(h, st.token_age, now)) if ep == "private" else "n/a"
        cells["rtt"] = f"{h.rtt_ms:.0f} ms" if h.rtt_ms is not None and not off else "—"
        cells["dms"] = self._dms_text(now) if ep == "private" else ""
        cells["system"] = self._system_text() if ep == "public" else ""
        return cells

    def _dms_text(self, now: float) -> Text:
        d = self.dms
        if self.dms_failure is not None:
            return Text(f"FAILING\n{self.dms_failure}", style="bold red")
        if d is None or not d.armed:
            return Text("off", style="dim")
        fire = parse_time(d.trigger_time)
        left = f"\ncancels all in {fmt_age(fire - now)}" if fire is not None else ""
        return Text(f"ARMED ({d.timeout}s){left}", style="green")

    def _system_text(self) -> Text:
        if self.system is None:
            return Text("unknown", style="dim")
        return Text(self.system.replace("_", " "), style=system_style(self.system))

    def tick(self) -> None:
        """Recompute every cell; the table repaints only the rows whose text changed."""
        now = self._clock()
        by_endpoint = {ep: self._cells(ep, now) for ep in ENDPOINTS}
        with self.batch():
            for key, _ in ROWS:
                row = {"metric": self._labels[key]}
                row.update((ep, by_endpoint[ep][key]) for ep in ENDPOINTS)
                self.set_row(key, row, height=2 if key in TWO_LINE_ROWS else 1)
