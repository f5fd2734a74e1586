"""Bell/notification escapes stay closed; the on_alert hook runs in the background."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from kraken_tui.alerts.fired import AlertFired
from kraken_tui.alerts.outputs import (
    BELL,
    HookRunner,
    alert_notification,
    desktop_notification,
)
from kraken_tui.alerts.rules import parse_rule


def make_alert(message: str = "BTC/USD last 70000.1 > 70000") -> AlertFired:
    return AlertFired(parse_rule("BTC/USD last > 70000"), "BTC/USD", "70000.1", 1.79e9, message)


def test_osc9_and_osc777_forms() -> None:
    assert desktop_notification("kraken-tui", "hello") == "\x1b]9;kraken-tui: hello\a"
    assert desktop_notification("a;b", "c;d", "osc777") == "\x1b]777;notify;a,b;c;d\a"
    assert alert_notification(make_alert()).startswith("\x1b]9;kraken-tui alert: BTC/USD last")
    assert BELL == "\a"


@pytest.mark.parametrize("escape", ["osc9", "osc777"])
def test_no_control_character_can_break_out_of_the_escape(escape: str) -> None:
    evil = "x\a\x1b]52;c;ZXZpbA==\a\x1b\\\x9c\x07\n\rend"
    text = desktop_notification(evil, evil, escape)  # type: ignore[arg-type]
    body = text[:-1]
    assert text.endswith("\a")
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in body[1:])  # only the ESC
    assert body.count("\x1b") == 1


async def _gone(pid: int) -> None:
    while Path(f"/proc/{pid}").exists() and "Z" not in _state(pid):
        await asyncio.sleep(0.01)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def _hook(code: str) -> list[str]:
    return [sys.executable, "-c", code]


async def test_hook_receives_the_alert_json_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    runner = HookRunner(
        _hook(f"import sys; open({str(out)!r}, 'w').write(sys.stdin.read())"), timeout=30
    )
    alert = make_alert()
    assert runner.submit(alert)
    await runner.drain()
    assert json.loads(out.read_text()) == alert.to_json()
    assert (runner.completed, runner.failures) == (1, 0)


async def test_a_hanging_hook_is_killed_after_its_timeout_without_blocking(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pid_file = tmp_path / "pid"
    code = (  # the hook starts a child of its own: both must go
        "import os, subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)']); "
        f"open({str(pid_file)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}'); "
        "time.sleep(3600)"
    )
    runner = HookRunner(_hook(code), timeout=0.5)
    caplog.set_level(logging.WARNING, logger="kraken_tui.alerts.outputs")
    assert runner.submit(make_alert())

    async def started() -> None:  # submit returned at once; the loop keeps serving us
        while not pid_file.exists() or not pid_file.read_text():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(started(), 30)
    assert runner.in_flight == 1
    await runner.drain()
    hook_pid, child_pid = (int(p) for p in pid_file.read_text().split())
    with pytest.raises(ProcessLookupError):
        os.kill(hook_pid, 0)  # killed and reaped
    await asyncio.wait_for(_gone(child_pid), 30)  # killed; reaped by init
    assert runner.failures == 1
    assert "killed after 0.5s timeout" in caplog.text


async def test_failures_are_logged_never_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kraken_tui.alerts.outputs")
    missing = HookRunner([str(tmp_path / "no-such-program")], timeout=5)
    failing = HookRunner(_hook("import sys; sys.stderr.write('boom\\n'); sys.exit(3)"), timeout=30)
    missing.submit(make_alert())
    failing.submit(make_alert())
    await missing.drain()
    await failing.drain()
    assert (missing.failures, failing.failures) == (1, 1)
    assert "cannot run" in caplog.text
    assert "exited 3" in caplog.text and "boom" in caplog.text


async def test_extra_alerts_are_dropped_while_too_many_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="kraken_tui.alerts.outputs")
    runner = HookRunner(_hook("import time; time.sleep(3600)"), timeout=30, max_in_flight=2)
    assert runner.submit(make_alert())
    assert runner.submit(make_alert())
    assert not runner.submit(make_alert())
    assert runner.dropped == 1
    assert "alert dropped" in caplog.text
    await runner.aclose()
    assert runner.in_flight == 0


def test_hook_needs_a_program() -> None:
    with pytest.raises(ValueError, match="on_alert"):
        HookRunner([])


def test_alert_value_is_text() -> None:
    assert make_alert().to_json()["value"] == str(Decimal("70000.1"))
