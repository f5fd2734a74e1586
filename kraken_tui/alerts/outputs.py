"""Plain-I/O alert outputs: the terminal bell, desktop-notification escapes, the command hook.

The escapes are text for the caller to write to the terminal (Textual's driver or
stdout). A notification's title and body come from market data and rule text, so
every control character is replaced: nothing in a message can end the escape early
and smuggle its own escape sequence to the terminal.

``HookRunner`` runs the user's ``on_alert`` argv without a shell, the alert's JSON on
stdin, kills it after a timeout and logs every failure. ``submit`` never waits: each
run is a task of its own, at most ``max_in_flight`` at once, extra alerts dropped
with a log line, so a hanging hook can delay neither the UI nor the feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
from collections.abc import Sequence
from typing import Literal

from kraken_tui.alerts.fired import AlertFired

log = logging.getLogger(__name__)

BELL = "\a"
DesktopEscape = Literal["osc9", "osc777"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MAX_TEXT = 200
_REAP_TIMEOUT_S = 2.0


def _clean(text: str) -> str:
    """One printable line: control characters (ESC, BEL, C1 ST...) become spaces."""
    return _CONTROL.sub(" ", text)[:_MAX_TEXT]


def desktop_notification(title: str, body: str, escape: DesktopEscape = "osc9") -> str:
    """The terminal escape that raises a system notification (OSC 9 or OSC 777).

    OSC 9 (iTerm2, WezTerm, foot, kitty, Windows Terminal) carries one text; OSC 777
    (``notify;title;body``: foot, WezTerm, urxvt, VTE) has a title too, so ``;``
    inside the title is replaced. Both end with BEL, which ``_clean`` keeps out.
    """
    title, body = _clean(title), _clean(body)
    if escape == "osc777":
        return f"\x1b]777;notify;{title.replace(';', ',')};{body}\a"
    return f"\x1b]9;{title}: {body}\a"


def alert_notification(alert: AlertFired, escape: DesktopEscape = "osc9") -> str:
    return desktop_notification("kraken-tui alert", alert.message, escape)


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """Kill the hook and anything it started (it leads its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()


class HookRunner:
    """Runs ``on_alert`` per alert in the background: JSON on stdin, killed on timeout."""

    def __init__(
        self, argv: Sequence[str], timeout: float = 5.0, max_in_flight: int = 4
    ) -> None:
        if not argv or not all(isinstance(a, str) and a for a in argv):
            raise ValueError("on_alert must be a non-empty list of program and arguments")
        self.argv = tuple(argv)
        self.timeout = timeout
        self.max_in_flight = max_in_flight
        self.dropped = 0
        self.failures = 0
        self.completed = 0
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def submit(self, alert: AlertFired) -> bool:
        """Start the hook for this alert (on the running loop); False when dropped."""
        if len(self._tasks) >= self.max_in_flight:
            self.dropped += 1
            log.warning(
                "on_alert: %d runs still in flight, alert dropped: %s",
                len(self._tasks), alert.rule.text,
            )
            return False
        payload = (json.dumps(alert.to_json()) + "\n").encode()
        task = asyncio.get_running_loop().create_task(self._run(payload, alert.rule.text))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _run(self, payload: bytes, rule: str) -> None:
        name = self.argv[0]
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,  # a ctrl-c in the terminal is ours, not the hook's
            )
        except OSError as exc:
            self.failures += 1
            log.warning("on_alert: cannot run %s: %s (rule %r)", name, exc.strerror or exc, rule)
            return
        try:
            _, stderr = await asyncio.wait_for(proc.communicate(payload), self.timeout)
        except TimeoutError:
            self.failures += 1
            _kill_group(proc)
            # a grandchild that left the group may hold stderr open: never wait on it long
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), _REAP_TIMEOUT_S)
            log.warning("on_alert: %s killed after %gs timeout (rule %r)", name, self.timeout, rule)
            return
        except asyncio.CancelledError:
            _kill_group(proc)
            raise
        if proc.returncode != 0:
            self.failures += 1
            tail = stderr.decode(errors="replace").strip().splitlines()[-1:] if stderr else []
            log.warning(
                "on_alert: %s exited %s (rule %r)%s",
                name, proc.returncode, rule, f": {tail[0][:200]}" if tail else "",
            )
            return
        self.completed += 1

    async def drain(self) -> None:
        """Wait for the runs in flight (each ends by its timeout at the latest)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel the runs in flight, killing their processes."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
