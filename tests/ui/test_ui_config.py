"""Config file + env + flags through the one resolver; errors name the key and the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kraken_tui.config import (
    ConfigError,
    resolve_config_path,
    resolve_settings,
)

GOOD_SECRET = "Y2FuYXJ5LXNlY3JldC1kby1ub3QtbGVhaw=="  # base64, 25 bytes


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    return path


def load(path: Path | None, env: dict[str, str] | None = None, **flags: object):
    given = {"--" + k.replace("_", "-"): v for k, v in flags.items()}
    if path is not None:
        given["--config"] = str(path)
    return resolve_settings(given, env or {})


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kraken_tui.config.default_config_path", lambda: tmp_path / "none.toml")
    cfg = load(None)
    assert cfg.depth == 10
    assert cfg.ws_url == "wss://ws.kraken.com/v2"
    assert cfg.source is None
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
    cfg = load(path)
    assert cfg.symbols == ("BTC/USD", "ETH/USD")
    assert cfg.depth == 25
    assert cfg.rest_url == "http://127.0.0.1:9002"
    assert cfg.dead_man_switch == 60
    assert cfg.heartbeat_timeout == 7.0
    assert cfg.source == path


def test_env_var_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "depth = 100\n")
    assert resolve_config_path(None, {"KRAKEN_TUI_CONFIG": str(path)}) == (path, True)
    assert load(None, {"KRAKEN_TUI_CONFIG": str(path)}).depth == 100
    # --config wins over the env var
    other = write(tmp_path / "d.toml", "depth = 500\n")
    assert load(other, {"KRAKEN_TUI_CONFIG": str(path)}).depth == 500


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("depth = 11", "depth: 11 is not a Kraken book depth; use 10, 25, 100, 500 or 1000"),
        ("depth = 25.5", "depth: 25.5 is not a whole number; use 10, 25, 100, 500 or 1000"),
        ("symbols = ['BTCUSD']",
         'symbols: "BTCUSD" is not a pair; write pairs as BASE/QUOTE, e.g. BTC/USD'),
        ("symbols = []", 'symbols: needs at least one pair, e.g. ["BTC/USD"]'),
        ("ws_url = 'http://x'",
         'ws_url: "http://x" is not a wss:// or ws:// URL; use e.g. wss://ws.kraken.com/v2'),
        ("rest_url = 'ftp://x'",
         'rest_url: "ftp://x" is not a https:// or http:// URL; use e.g. https://api.kraken.com'),
        ("dead_man_switch = -1",
         "dead_man_switch: -1 is out of range; use whole seconds from 0 (off) to 86399, e.g. 60"),
        ("dead_man_switch = true",
         "dead_man_switch: true is not a number; "
         "use whole seconds from 0 (off) to 86399, e.g. 60"),
        ("heartbeat_timeout = 0",
         "heartbeat_timeout: 0 is out of range; use a positive number of seconds, e.g. 5"),
        ("heartbeat_timeout = nan",
         "heartbeat_timeout: nan is not a number; use a positive number of seconds, e.g. 5"),
        ("depht = 10", "depht: unknown setting; did you mean depth?"),
        ("api_key = 'k'", "api_key is set but api_secret is not; set both or neither"),
        (f"api_secret = '{GOOD_SECRET}'",
         "api_secret is set but api_key is not; set both or neither"),
        ("api_key = 'k'\napi_secret = 'not base64!'",
         "api_secret: the API secret is not valid base64; "
         "paste the private key exactly as Kraken shows it"),
        (f"api_key = 'has space'\napi_secret = '{GOOD_SECRET}'",
         "api_key: the API key has spaces or odd characters; paste it exactly as Kraken shows it"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "c.toml", text + "\n")
    with pytest.raises(ConfigError) as err:
        load(path)
    assert str(err.value) == f"{path}: {message}"


def test_invalid_toml_is_one_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "depth = = 3\n")
    with pytest.raises(ConfigError, match=f"^{path}: not valid TOML"):
        load(path)


def test_file_that_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"theme = \"caf\xe9\"\n")
    with pytest.raises(ConfigError) as err:
        load(path)
    assert str(err.value) == (f"{path}: not UTF-8 text (byte 0xe9 at offset 12); "
                              "save the file as UTF-8")


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found; fix the path"):
        load(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="fix or unset KRAKEN_TUI_CONFIG"):
        load(None, {"KRAKEN_TUI_CONFIG": str(tmp_path / "missing.toml")})


def test_credentials_from_env_and_never_in_repr_or_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "")
    cfg = load(path, {"KRAKEN_API_KEY": "k3y", "KRAKEN_API_SECRET": GOOD_SECRET})
    assert cfg.has_credentials
    assert "k3y" not in repr(cfg) and GOOD_SECRET not in repr(cfg)
    with pytest.raises(ConfigError) as err:
        load(path, {"KRAKEN_API_KEY": "k3y", "KRAKEN_API_SECRET": "s3cr3t!"})
    assert "s3cr3t" not in str(err.value)


def test_half_the_credentials_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "")
    with pytest.raises(ConfigError, match=r"^KRAKEN_API_SECRET: not set"):
        load(path, {"KRAKEN_API_KEY": "k"})


def test_world_readable_file_with_credentials_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", f'api_key = "k"\napi_secret = "{GOOD_SECRET}"\n',
                 mode=0o644)
    with pytest.raises(ConfigError) as err:
        load(path)
    assert f"chmod 600 {path}" in str(err.value)
    os.chmod(path, 0o600)
    assert load(path).has_credentials


def test_readable_file_without_credentials_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "depth = 25\n", mode=0o644)
    assert load(path).depth == 25


def test_config_module_stays_free_of_textual() -> None:
    """config.py is read before any screen exists (and by headless commands)."""
    import subprocess
    import sys

    code = "import sys, kraken_tui.config; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
