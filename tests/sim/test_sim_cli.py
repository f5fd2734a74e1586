"""``kraken-tui sim`` as a process: JSON first line, working endpoints, clean SIGTERM exit."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys

import httpx
from websockets.sync.client import connect


def _free_port_triple() -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base > 65000:
            continue
        socks = []
        try:
            for p in range(base, base + 3):
                t = socket.socket()
                socks.append(t)
                t.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for t in socks:
                t.close()
    raise RuntimeError("no free port triple")


def _run(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen([sys.executable, "-m", "kraken_tui", "sim", "--json", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, json.loads(line)


def test_cli_json_line_endpoints_and_sigterm() -> None:
    base = _free_port_triple()
    proc, info = _run("--port", str(base), "--seed", "3")
    try:
        assert set(info) == {"ws_url", "ws_auth_url", "rest_url", "api_key", "api_secret"}
        assert info["ws_url"] == f"ws://127.0.0.1:{base}/v2"
        assert info["ws_auth_url"] == f"ws://127.0.0.1:{base + 1}/v2"
        assert info["rest_url"] == f"http://127.0.0.1:{base + 2}"
        with connect(info["ws_url"]) as ws:
            assert json.loads(ws.recv(timeout=5))["channel"] == "status"
        assert httpx.get(info["rest_url"] + "/0/public/Time", timeout=5).json()["error"] == []
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_cli_ephemeral_ports_seeded_credentials_and_sigint() -> None:
    proc, info = _run("--seed", "3")
    proc2, info2 = _run("--seed", "3", "--scenario", "chaos")
    try:
        assert info["api_key"] == info2["api_key"]  # random but seeded
        assert info["ws_url"] != info2["ws_url"]
    finally:
        proc.send_signal(signal.SIGINT)
        proc2.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0 and proc2.wait(timeout=10) == 0


def test_cli_help_lists_scenarios() -> None:
    out = subprocess.run([sys.executable, "-m", "kraken_tui", "sim", "--help"],
                         capture_output=True, text=True, timeout=30).stdout
    for name in ("flaky", "stall", "maintenance", "cancel_only", "checksum", "burst", "chaos"):
        assert name in out
