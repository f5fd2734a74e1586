"""SIGTERM, SIGHUP and SIGINT stop the real monitor as ``q`` does (issue 13).

The app runs on a pty against the simulator with the dead man's switch armed; after
the signal the terminal must have been given back (alternate screen left, mouse
tracking off, cursor shown) and the simulator must see the switch disarmed.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kraken_tui.sim import SimulatorThread
from tests.pty_app import PtyApp, clean_env

#: What Textual's driver writes when it hands the terminal back.
RESTORED = (b"\x1b[?1049l", b"\x1b[?25h", b"\x1b[?1000l")


@pytest.fixture
def sim() -> Iterator[SimulatorThread]:
    thread = SimulatorThread(seed=3, order_flow=False)
    thread.start()
    yield thread
    thread.stop()


def wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=lambda s: s.name)
def test_a_signal_stops_the_monitor_cleanly(sig: signal.Signals, sim: SimulatorThread,
                                            tmp_path: Path) -> None:
    s = sim.sim
    config = tmp_path / "empty.toml"
    config.write_text("")
    log = tmp_path / "app.log"
    app = PtyApp(["--config", str(config), "--log-file", str(log), "--symbol", "BTC/USD",
                  "--ws-url", s.ws_url, "--ws-auth-url", s.ws_auth_url,
                  "--rest-url", s.rest_url, "--dead-man-switch", "60"],
                 clean_env({"KRAKEN_API_KEY": s.api_key, "KRAKEN_API_SECRET": s.api_secret}))
    try:
        assert app.wait_for(b"LIVE", timeout=30), app.output()[-2000:]
        assert wait_until(s.deadman_armed), "the switch never armed"
        before = app.offset
        app.proc.send_signal(sig)
        assert app.proc.wait(20) == 0
        after = app.output(before)
        for sequence in RESTORED:
            assert sequence in after, f"{sequence!r} not written after {sig.name}"
        assert not s.deadman_armed(), "the switch is still armed on the exchange"
        text = log.read_text()
        assert f"{sig.name} received" in text
        assert s.api_secret not in text
    finally:
        app.close()
