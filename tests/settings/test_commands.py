"""What the commands do with good settings: global flags reach the subcommand, --demo
really is the simulator, 0 turns the dead man's switch off, ``events`` reads the config
file's credentials like the monitor. Every endpoint here is on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from kraken_tui import cli
from kraken_tui.config import Config
from kraken_tui.feed.connection import FeedConfig
from tests.settings.test_cli_errors import kraken_tui


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    monkeypatch.setenv("KRAKEN_TUI_CONFIG", str(empty))
    monkeypatch.delenv("KRAKEN_API_KEY", raising=False)
    monkeypatch.delenv("KRAKEN_API_SECRET", raising=False)


class FakeMonitor:
    """Stands in for the Textual app: records the Config the monitor would run with."""

    seen: list[Config] = []

    def __init__(self, config: Config, **_: Any) -> None:
        self.config = config
        self.feed_done = threading.Event()
        self.feed_done.set()

    def run(self) -> None:
        FakeMonitor.seen.append(self.config)

    def stop_feed(self) -> None:
        """The command stops the feed however the app ended; there is none here."""


def monitor_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *argv: str) -> Config:
    FakeMonitor.seen = []
    monkeypatch.setattr("kraken_tui.ui.app.KrakenMonitor", FakeMonitor)
    monkeypatch.setattr("kraken_tui.ui.textual_fixes.apply", lambda: None)
    assert cli.main([*argv, "--log-file", str(tmp_path / "m.log")]) == 0
    (config,) = FakeMonitor.seen
    return config


def test_monitor_demo_switch_defaults_to_60_and_0_turns_it_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    on = monitor_config(monkeypatch, tmp_path, "--demo")
    assert on.dead_man_switch == 60 and on.ws_url.startswith("ws://127.0.0.1:")
    assert on.has_credentials and on.log_path == tmp_path / "m.log"
    off = monitor_config(monkeypatch, tmp_path, "--demo", "--dead-man-switch", "0")
    assert off.dead_man_switch is None and off.ws_url.startswith("ws://127.0.0.1:")


def events_feed_config(monkeypatch: pytest.MonkeyPatch, *argv: str) -> FeedConfig:
    seen: list[FeedConfig] = []

    async def fake_stream(config: FeedConfig, *_: Any, **__: Any) -> int:
        seen.append(config)
        return 0

    monkeypatch.setattr("kraken_tui.feed.cli._live", fake_stream)
    assert cli.main(list(argv)) == 0
    (config,) = seen
    return config


def test_events_demo_switch_0_is_off_and_global_flags_apply(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    on = events_feed_config(monkeypatch, "--demo", "--depth", "25", "events", "--private")
    assert on.dead_man_switch == 60 and on.depth == 25
    assert on.ws_url.startswith("ws://127.0.0.1:") and on.private
    off = events_feed_config(monkeypatch, "--demo", "events", "--private",
                             "--dead-man-switch", "0")
    assert off.dead_man_switch is None
    both = events_feed_config(monkeypatch, "--symbol", "btc/usd", "events", "--symbol",
                              "ETH/USD", "--ws-url", "ws://127.0.0.1:9/v2")
    assert both.symbols == ("BTC/USD", "ETH/USD") and not both.private


def test_global_demo_and_depth_before_events_run_against_the_simulator(tmp_path: Path) -> None:
    """`kraken-tui --demo --depth 25 events`: demo keys (private works), depth 25."""
    proc = kraken_tui(tmp_path, "--demo", "--depth", "25", "events", "--private",
                      "--symbol", "BTC/USD", "--duration", "3", timeout=60)
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    kinds = {e["event"] for e in events}
    assert {"book", "orders", "balances"} <= kinds
    assert {e["depth"] for e in events if e["event"] == "book"} == {25}


def test_events_reads_the_config_files_credentials(tmp_path: Path) -> None:
    from kraken_tui.sim import SimulatorThread

    with SimulatorThread() as handle:
        sim = handle.sim
        path = tmp_path / "c.toml"
        path.write_text(f'api_key = "{sim.api_key}"\napi_secret = "{sim.api_secret}"\n'
                        f'ws_url = "{sim.ws_url}"\nws_auth_url = "{sim.ws_auth_url}"\n'
                        f'rest_url = "{sim.rest_url}"\nsymbols = ["BTC/USD"]\n')
        path.chmod(0o600)
        proc = kraken_tui(tmp_path, "events", "--config", str(path), "--private",
                          "--duration", "3", timeout=60)
    assert proc.returncode == 0, proc.stderr
    kinds = {json.loads(line)["event"] for line in proc.stdout.splitlines()}
    assert {"orders", "balances"} <= kinds
    assert sim.api_secret not in proc.stdout + proc.stderr
