"""Config: TOML + env + CLI, validated with errors that name the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kraken_tui.config import (
    Config,
    ConfigError,
    apply_overrides,
    load_config,
    resolve_config_path,
)
from kraken_tui.ui.run import run_monitor


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kraken_tui.config.default_config_path", lambda: tmp_path / "none.toml")
    cfg = load_config(None, env={})
    assert cfg.depth == 10
    assert cfg.ws_url == "wss://ws.kraken.com/v2"
    assert not cfg.has_credentials


def test_file_values_are_read(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", """
symbols = ["btc/usd", "ETH/USD"]
depth = 25
ws_url = "ws://127.0.0.1:9000/v2"
rest_url = "http://127.0.0.1:9002/"
dead_man_switch = 60
theme = "nord"
heartbeat_timeout = 7
""")
    cfg = load_config(str(path), env={})
    assert cfg.symbols == ("BTC/USD", "ETH/USD")
    assert cfg.depth == 25
    assert cfg.rest_url == "http://127.0.0.1:9002"
    assert cfg.dead_man_switch == 60
    assert cfg.heartbeat_timeout == 7.0
    assert cfg.source == path


def test_env_var_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "depth = 100\n")
    assert resolve_config_path(None, {"KRAKEN_TUI_CONFIG": str(path)}) == (path, True)
    assert load_config(None, env={"KRAKEN_TUI_CONFIG": str(path)}).depth == 100
    # --config wins over the env var
    other = write(tmp_path / "d.toml", "depth = 500\n")
    assert load_config(str(other), env={"KRAKEN_TUI_CONFIG": str(path)}).depth == 500


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("depth = 11", "depth"),
        ("symbols = ['BTCUSD']", "symbols"),
        ("symbols = []", "symbols"),
        ("ws_url = 'http://x'", "ws_url"),
        ("rest_url = 'ftp://x'", "rest_url"),
        ("dead_man_switch = -1", "dead_man_switch"),
        ("heartbeat_timeout = 0", "heartbeat_timeout"),
        ("depht = 10", "depht"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path / "c.toml", text + "\n")
    with pytest.raises(ConfigError) as err:
        load_config(str(path), env={})
    assert str(err.value).startswith(key + ":")


def test_invalid_toml_is_one_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "depth = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(str(path), env={})


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "missing.toml"), env={})


def test_credentials_from_env_and_never_in_repr(tmp_path: Path) -> None:
    cfg = load_config(None, env={"KRAKEN_API_KEY": "k3y", "KRAKEN_API_SECRET": "s3cr3t"})
    assert cfg.has_credentials
    assert "k3y" not in repr(cfg) and "s3cr3t" not in repr(cfg)


def test_half_the_credentials_is_an_error() -> None:
    with pytest.raises(ConfigError, match="KRAKEN_API_SECRET"):
        load_config(None, env={"KRAKEN_API_KEY": "k"})


def test_world_readable_file_with_credentials_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", 'api_key = "k"\napi_secret = "s"\n', mode=0o644)
    with pytest.raises(ConfigError) as err:
        load_config(str(path), env={})
    assert f"chmod 600 {path}" in str(err.value)
    os.chmod(path, 0o600)
    assert load_config(str(path), env={}).has_credentials


def test_readable_file_without_credentials_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "depth = 25\n", mode=0o644)
    assert load_config(str(path), env={}).depth == 25


def test_cli_overrides_win_and_are_validated() -> None:
    cfg = apply_overrides(Config(), depth=100, theme=None, ws_url="ws://127.0.0.1:1/v2")
    assert cfg.depth == 100 and cfg.ws_url == "ws://127.0.0.1:1/v2"
    with pytest.raises(ConfigError, match=r"^ws_url:"):
        apply_overrides(Config(), ws_url="nope")


def test_cli_prints_one_line_not_a_traceback(tmp_path: Path, capsys) -> None:
    from kraken_tui.cli import build_parser

    path = write(tmp_path / "c.toml", "depth = 7\n")
    parser = build_parser()
    args = parser.parse_args(["--config", str(path)])
    assert run_monitor(args, parser) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kraken-tui: config error: depth:")
    assert "\n" not in err and "Traceback" not in err


def test_cli_rejects_unknown_theme(tmp_path: Path, capsys) -> None:
    from kraken_tui.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["--theme", "no-such-theme", "--log-file", str(tmp_path / "l.log")])
    assert run_monitor(args, parser) == 2
    assert "theme: 'no-such-theme'" in capsys.readouterr().err


def test_config_module_stays_free_of_textual() -> None:
    """config.py is read before any screen exists (and by headless commands)."""
    import subprocess
    import sys

    code = "import sys, kraken_tui.config; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
