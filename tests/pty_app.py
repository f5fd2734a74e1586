"""The real ``kraken-tui`` on a pseudo-terminal: what a user's terminal would receive."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without our settings, a colour terminal, plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KRAKEN_", "TEXTUAL")) and k not in ("COLUMNS", "LINES")}
    env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor", "PYTHONUNBUFFERED": "1"})
    if "KRAKEN_FIXTURES" in os.environ:
        env["KRAKEN_FIXTURES"] = os.environ["KRAKEN_FIXTURES"]
    env.update(extra or {})
    return env


class PtyApp:
    """``python -m kraken_tui ARGS`` on a pty of ``cols`` by ``rows``; output kept as it arrives."""

    def __init__(self, args: list[str], env: dict[str, str], cols: int = 120,
                 rows: int = 40) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen([sys.executable, "-m", "kraken_tui", *args], stdin=slave,
                                     stdout=slave, stderr=slave, env=env, cwd=str(ROOT),
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.master = master
        self._buf = bytearray()
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:  # EIO: the app closed its side
                break
            if not data:
                break
            with self._cond:
                self._buf += data
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def offset(self) -> int:
        with self._cond:
            return len(self._buf)

    def output(self, start: int = 0) -> bytes:
        with self._cond:
            return bytes(self._buf[start:])

    def wait_for(self, pattern: bytes, start: int = 0, timeout: float = 30.0) -> bool:
        """Until ``pattern`` appears at/after ``start`` (False on timeout or exit)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._buf.find(pattern, start) < 0:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return self._buf.find(pattern, start) >= 0
                self._cond.wait(min(left, 0.1))
            return True

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def resize(self, cols: int, rows: int) -> None:
        """What a terminal window does: a new size, then SIGWINCH to the app."""
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, __import__("signal").SIGWINCH)

    def close(self) -> None:
        """Make sure the process is gone (kill it if it is not) and the pty closed."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._reader.join(5)
        with contextlib.suppress(OSError):
            os.close(self.master)
