"""Per-endpoint health counters, turned into a ``FeedStats`` event about once a second."""

from __future__ import annotations

from dataclasses import dataclass, field

from kraken_tui.feed.events import Endpoint, FeedStats


@dataclass
class EndpointStats:
    frames: int = 0
    malformed: int = 0
    reconnects: int = 0
    last_rx: float | None = None
    last_heartbeat: float | None = None
    token_at: float | None = None
    frames_at_last_tick: int = 0
    last_tick: float = 0.0
    attempt: int = 0  # the connection attempt under way
    closing_reason: str = field(default="", repr=False)  # why we closed it ourselves

    def event(self, endpoint: Endpoint, now: float, resyncs: int) -> FeedStats:
        """The figures as of ``now``; frames/s counts since the previous call."""
        elapsed = now - self.last_tick if self.last_tick else 0.0
        fps = (self.frames - self.frames_at_last_tick) / elapsed if elapsed > 0 else 0.0
        self.frames_at_last_tick, self.last_tick = self.frames, now
        return FeedStats(
            endpoint=endpoint,
            frames=self.frames,
            frames_per_s=round(fps, 1),
            malformed=self.malformed,
            reconnects=self.reconnects,
            resyncs=resyncs,
            last_message_age=None if self.last_rx is None else round(now - self.last_rx, 3),
            last_heartbeat_age=(
                None if self.last_heartbeat is None else round(now - self.last_heartbeat, 3)
            ),
            token_age=None if self.token_at is None else round(now - self.token_at, 1),
        )
