"""``kraken-tui events`` as a user runs it: a real process, JSON lines on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def run_events(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> (
    subprocess.CompletedProcess[str]
):
    base = {k: v for k, v in os.environ.items() if not k.startswith("KRAKEN_")}
    return subprocess.run(
        [sys.executable, "-m", "kraken_tui", "events", *args],
        capture_output=True, text=True, timeout=timeout, env={**base, **(env or {})},
    )


def test_demo_stream_prints_one_json_object_per_line() -> None:
    proc = run_events("--demo", "--private", "--duration", "3", "--symbol", "BTC/USD",
                      "--symbol", "ETH/USD")
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    kinds = {e["event"] for e in events}
    assert {"mode", "connection", "status", "book", "orders", "balances"} <= kinds
    books = [e for e in events if e["event"] == "book" and e["valid"]]
    assert {b["symbol"] for b in books} == {"BTC/USD", "ETH/USD"}
    sample = books[-1]
    assert len(sample["bids"]) == 10 and len(sample["asks"]) == 10
    price, qty = sample["bids"][0]
    assert isinstance(price, str) and isinstance(qty, str)
    assert isinstance(sample["checksum"], int)
    conn = next(e for e in events if e["event"] == "connection")
    assert {"endpoint", "state", "attempt", "delay"} <= set(conn)
    status = next(e for e in events if e["event"] == "status")
    assert status["system"] == "online"
    trades = [e for e in events if e["event"] == "trade" and "valid" not in e]
    assert {t["symbol"] for t in trades} == {"BTC/USD", "ETH/USD"}
    for symbol in ("BTC/USD", "ETH/USD"):  # each trade once, in order
        ids = [t["trade_id"] for t in trades if t["symbol"] == symbol]
        assert ids == sorted(set(ids))
    trade = trades[-1]
    assert set(trade) == {"event", "symbol", "side", "price", "qty", "trade_id", "time"}
    assert trade["side"] in ("buy", "sell") and isinstance(trade["trade_id"], int)
    assert isinstance(trade["price"], str) and len(trade["qty"].split(".")[1]) == 8
    assert trade["time"].endswith("Z") and len(trade["time"]) == 27
    candle = next(e for e in events if e["event"] == "candle" and "valid" not in e)
    assert set(candle) == {"event", "symbol", "interval", "begin", "open", "high", "low",
                           "close", "volume", "trades"}
    assert candle["interval"] == 1 and candle["begin"].endswith(":00.000000000Z")
    assert isinstance(candle["close"], str) and isinstance(candle["trades"], int)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("--depth", "7"), {}, "--depth"),
        (("--private",), {}, "KRAKEN_API_KEY"),
        (("--private",), {"KRAKEN_API_KEY": "k", "KRAKEN_API_SECRET": "!!!"}, "base64"),
        (("--duration", "-1"), {}, "--duration"),
        (("--dead-man-switch", "60"), {}, "--private"),
    ],
)
def test_bad_arguments_fail_with_one_clear_line(args, env, message) -> None:
    proc = run_events(*args, env=env)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_refused_credentials_exit_non_zero_without_leaking_the_secret() -> None:
    """Credentials the exchange refuses end the command with a message, not a retry loop."""
    from kraken_tui.sim import SimulatorThread

    canary = "Y2FuYXJ5LXNlY3JldC1kby1ub3QtbGVhaw=="
    with SimulatorThread() as handle:
        sim = handle.sim
        proc = run_events(
            "--private", "--ws-url", sim.ws_url, "--ws-auth-url", sim.ws_auth_url,
            "--rest-url", sim.rest_url, "--duration", "5",
            env={"KRAKEN_API_KEY": sim.api_key, "KRAKEN_API_SECRET": canary},
        )
    assert proc.returncode == 2
    assert "EAPI:Invalid signature" in proc.stderr or "EAPI:Invalid key" in proc.stderr
    assert canary not in proc.stderr + proc.stdout
