"""What the monitor shows of a replay: REPLAY, the recording's clock, progress, speed.

Pure (no Textual): the status bar draws ``replay_text``; the app keeps one
``ReplayState`` and updates it from the feed's ``ReplayProgress`` events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text

from kraken_tui.record.replay import SPEED_STEPS, ReplayProgress

BAR_CELLS = 8


@dataclass
class ReplayState:
    """The replay as last reported; ``started`` is the recording's start (epoch seconds)."""

    name: str
    started: float | None = None
    duration: float | None = None  # of the recording, when measured
    position: float = 0.0
    fraction: float = 0.0
    speed: float | None = None
    paused: bool = False
    finished: bool = False

    def update(self, event: ReplayProgress) -> None:
        self.position = event.position
        # Time through the recording when its length is known; else the file read so far.
        if event.finished:
            self.fraction = 1.0
        elif self.duration:
            self.fraction = min(1.0, event.position / self.duration)
        else:
            self.fraction = event.fraction
        self.speed = event.speed
        self.paused = event.paused
        self.finished = event.finished

    def clock_text(self) -> str:
        """The recording's wall clock when its start is known, else time into it."""
        if self.started is not None:
            moment = datetime.fromtimestamp(self.started + self.position, tz=UTC)
            return moment.strftime("%Y-%m-%d %H:%M:%S UTC ")
        whole = int(self.position)
        return f"+{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d} "


def parse_started(text: object) -> float | None:
    """The metadata's RFC 3339 ``started`` as epoch seconds (None when absent or bad)."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def speed_label(speed: float | None) -> str:
    if speed is None or math.isinf(speed):
        return "max"
    return f"x{speed:g}"


def replay_text(state: ReplayState) -> Text:
    """`` REPLAY ▕████░░░░▏ 50% x10  ❚❚ PAUSED``."""
    filled = round(state.fraction * BAR_CELLS)
    line = Text()
    line.append(" REPLAY ", style="bold reverse magenta")
    line.append(" ▕", style="dim")
    line.append("█" * filled, style="magenta")
    line.append("░" * (BAR_CELLS - filled), style="dim")
    line.append("▏", style="dim")
    line.append(f" {state.fraction:4.0%} {speed_label(state.speed)}")
    if state.finished:
        line.append("  END", style="bold")
    elif state.paused:
        line.append("  ❚❚ PAUSED", style="bold yellow")
    return line


def next_speed(speed: float | None, step: int) -> float | None:
    """One step faster (``step`` 1) or slower (-1) through ``SPEED_STEPS``; max is None."""
    current = math.inf if speed is None else speed
    index = min(range(len(SPEED_STEPS)), key=lambda i: abs(SPEED_STEPS[i] - current)
                if not math.isinf(current) else (0 if math.isinf(SPEED_STEPS[i]) else 1))
    index = max(0, min(len(SPEED_STEPS) - 1, index + step))
    chosen = SPEED_STEPS[index]
    return None if math.isinf(chosen) else chosen
