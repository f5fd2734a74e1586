"""Rules saved back to the config file keep its comments and every other key."""

from __future__ import annotations

import os
import stat
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from kraken_tui.alerts.rules import parse_rule
from kraken_tui.alerts.settings import parse_alert_settings
from kraken_tui.alerts.store import add_rule_to_file, remove_rule_from_file
from kraken_tui.config import parse_config

CONFIG = """\
# kraken-tui settings (hand written)
symbols = ["BTC/USD", "ETH/USD"]  # the ones I trade
depth = 25

# --- alerts ---
[[alerts]]
rule = "BTC/USD last > 70000"  # the big one
hysteresis_pct = 0.2

[alert_outputs]
bell = { default = "on", stale = "off" }  # stale is noisy
on_alert = ["notify-send", "kraken-tui"]
"""


def _alerts(path: Path) -> list[str]:
    return [r.text for r in parse_alert_settings(tomllib.loads(path.read_text())).rules]


def _others(path: Path) -> dict:
    data = tomllib.loads(path.read_text())
    data.pop("alerts", None)
    return data


def test_add_and_remove_keep_comments_and_other_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    before = _others(path)
    add_rule_to_file(path, parse_rule("ETH/USD spread_bps >= 5", Decimal("0.5")))
    add_rule_to_file(path, parse_rule("fill"))
    assert _alerts(path) == ["BTC/USD last > 70000", "ETH/USD spread_bps >= 5", "fill"]
    data = tomllib.loads(path.read_text())
    assert data["alerts"][1] == {"rule": "ETH/USD spread_bps >= 5", "hysteresis_pct": 0.5}
    assert _others(path) == before
    text = path.read_text()
    for comment in ("# kraken-tui settings (hand written)", "# the ones I trade",
                    "# --- alerts ---", "# the big one", "# stale is noisy"):
        assert comment in text

    assert remove_rule_from_file(path, "ETH/USD spread_bps >= 5")
    assert remove_rule_from_file(path, "fill")
    assert path.read_text() == CONFIG  # byte for byte back where it started
    assert remove_rule_from_file(path, "BTC/USD last > 70000")
    assert _alerts(path) == []
    assert _others(path) == before
    assert "# stale is noisy" in path.read_text()
    parse_config({k: v for k, v in _others(path).items() if k != "alert_outputs"})


def test_removing_an_unknown_rule_leaves_the_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    mtime = path.stat().st_mtime_ns
    assert not remove_rule_from_file(path, "BTC/USD last > 1")
    assert path.read_text() == CONFIG
    assert path.stat().st_mtime_ns == mtime
    assert not remove_rule_from_file(tmp_path / "missing.toml", "fill")


def test_a_new_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    add_rule_to_file(path, parse_rule("deadman"))
    assert _alerts(path) == ["deadman"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
def test_the_file_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    path.chmod(0o640)
    add_rule_to_file(path, parse_rule("status"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temp file left


def test_inline_array_of_alerts_is_extended(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('alerts = [{ rule = "fill" }]  # inline\n')
    add_rule_to_file(path, parse_rule("status"))
    assert _alerts(path) == ["fill", "status"]
    assert "# inline" in path.read_text()
