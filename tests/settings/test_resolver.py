"""The one settings resolver: precedence, demo rules and each bad flag's exact message."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from kraken_tui.config import ConfigError, resolve_settings

SECRET_A = "Y2FuYXJ5LXNlY3JldC1kby1ub3QtbGVhaw=="  # base64 of 25 bytes
SECRET_B = "c2Vjb25kLXNlY3JldC1mb3ItdGVzdHM="  # base64 of 23 bytes


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(
        'symbols = ["eth/usd"]\ndepth = 100\nws_url = "ws://127.0.0.1:1/v2"\n'
        'rest_url = "http://127.0.0.1:3"\ndead_man_switch = 30\nheartbeat_timeout = 9\n'
        f'api_key = "file-key"\napi_secret = "{SECRET_B}"\n'
    )
    os.chmod(path, 0o600)
    return path


@pytest.mark.parametrize(
    ("flag", "text", "key", "from_flag", "from_file", "default"),
    [
        ("--symbol", ["doge/usd"], "symbols", ("DOGE/USD",), ("ETH/USD",),
         ("BTC/USD", "ETH/USD")),
        ("--depth", "25", "depth", 25, 100, 10),
        ("--ws-url", "ws://127.0.0.1:2/v2", "ws_url", "ws://127.0.0.1:2/v2",
         "ws://127.0.0.1:1/v2", "wss://ws.kraken.com/v2"),
        ("--rest-url", "http://127.0.0.1:4/", "rest_url", "http://127.0.0.1:4",
         "http://127.0.0.1:3", "https://api.kraken.com"),
        ("--dead-man-switch", "45", "dead_man_switch", 45, 30, None),
        ("--dead-man-switch", "0", "dead_man_switch", None, 30, None),
        ("--heartbeat-timeout", "2.5", "heartbeat_timeout", 2.5, 9.0, 5.0),
    ],
)
def test_flags_beat_the_file_which_beats_defaults(
    tmp_path: Path, config_file: Path, flag: str, text: Any, key: str,
    from_flag: Any, from_file: Any, default: Any,
) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    assert getattr(resolve_settings({"--config": str(empty)}, {}), key) == default
    assert getattr(resolve_settings({"--config": str(config_file)}, {}), key) == from_file
    flags = {"--config": str(config_file), flag: text}
    assert getattr(resolve_settings(flags, {}), key) == from_flag


def test_environment_credentials_beat_the_file(config_file: Path) -> None:
    from_file = resolve_settings({"--config": str(config_file)}, {})
    assert (from_file.api_key, from_file.api_secret) == ("file-key", SECRET_B)
    env = {"KRAKEN_API_KEY": "env-key", "KRAKEN_API_SECRET": SECRET_A}
    from_env = resolve_settings({"--config": str(config_file)}, env)
    assert (from_env.api_key, from_env.api_secret) == ("env-key", SECRET_A)


def test_config_path_flag_beats_the_environment(tmp_path: Path, config_file: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text("depth = 500\n")
    env = {"KRAKEN_TUI_CONFIG": str(config_file)}
    assert resolve_settings({}, env).depth == 100
    assert resolve_settings({"--config": str(other)}, env).depth == 500


def test_demo_uses_demo_defaults_and_respects_off(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    demo = resolve_settings({"--config": str(empty), "--demo": True}, {})
    assert demo.demo and demo.dead_man_switch == 60
    assert demo.symbols == ("BTC/USD", "ETH/USD", "DOGE/USD")
    off = resolve_settings({"--config": str(empty), "--demo": True, "--dead-man-switch": "0"}, {})
    assert off.dead_man_switch is None
    (tmp_path / "off.toml").write_text("dead_man_switch = 0\n")
    assert resolve_settings({"--config": str(tmp_path / "off.toml"), "--demo": True},
                            {}).dead_man_switch is None


def test_demo_ignores_real_credentials_and_file_endpoints(config_file: Path) -> None:
    env = {"KRAKEN_API_KEY": "k", "KRAKEN_API_SECRET": "not base64!"}
    demo = resolve_settings({"--config": str(config_file), "--demo": True}, env)
    assert demo.api_key is None and demo.api_secret is None
    assert demo.ws_url == "wss://ws.kraken.com/v2"  # replaced by the simulator's at start
    assert demo.depth == 100  # other file settings still apply


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"--depth": "7"}, "--depth: 7 is not a Kraken book depth; use 10, 25, 100, 500 or 1000"),
        ({"--depth": "ten"}, '--depth: "ten" is not a number; use 10, 25, 100, 500 or 1000'),
        ({"--symbol": ["btcusd"]},
         '--symbol: "btcusd" is not a pair; write pairs as BASE/QUOTE, e.g. BTC/USD'),
        ({"--symbol": [""]}, '--symbol: "" is not a pair; write pairs as BASE/QUOTE, e.g. BTC/USD'),
        ({"--symbol": ["BTC/USD/EUR"]},
         '--symbol: "BTC/USD/EUR" is not a pair; write pairs as BASE/QUOTE, e.g. BTC/USD'),
        ({"--ws-url": "https://ws.kraken.com"},
         '--ws-url: "https://ws.kraken.com" is not a wss:// or ws:// URL; '
         "use e.g. wss://ws.kraken.com/v2"),
        ({"--ws-auth-url": "wss://"},
         '--ws-auth-url: "wss://" is not a wss:// or ws:// URL; use e.g. wss://ws.kraken.com/v2'),
        ({"--rest-url": "api.kraken.com"},
         '--rest-url: "api.kraken.com" is not a https:// or http:// URL; '
         "use e.g. https://api.kraken.com"),
        ({"--dead-man-switch": "86400"},
         "--dead-man-switch: 86400 is out of range; "
         "use whole seconds from 0 (off) to 86399, e.g. 60"),
        ({"--dead-man-switch": "1.5"},
         "--dead-man-switch: 1.5 is not a whole number; "
         "use whole seconds from 0 (off) to 86399, e.g. 60"),
        ({"--heartbeat-timeout": "inf"},
         "--heartbeat-timeout: inf is not a number; use a positive number of seconds, e.g. 5"),
        ({"--demo": True, "--rest-url": "http://127.0.0.1:1"},
         "--rest-url: cannot be used with --demo (the demo runs its own simulator); "
         "drop one of them"),
        ({"--theme": "no-such-theme"},
         '--theme: "no-such-theme" is not a theme; use one of nord, textual-dark'),
    ],
)
def test_each_bad_flag_is_one_line_naming_it(tmp_path: Path, flags: dict[str, Any],
                                             message: str) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    with pytest.raises(ConfigError) as err:
        resolve_settings({"--config": str(empty), **flags}, {}, themes=("textual-dark", "nord"))
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KRAKEN_API_KEY": "k"},
         "KRAKEN_API_SECRET: not set; set both KRAKEN_API_KEY and KRAKEN_API_SECRET, or neither"),
        ({"KRAKEN_API_SECRET": SECRET_A},
         "KRAKEN_API_KEY: not set; set both KRAKEN_API_KEY and KRAKEN_API_SECRET, or neither"),
        ({"KRAKEN_API_KEY": "k", "KRAKEN_API_SECRET": "not base64!"},
         "KRAKEN_API_SECRET: the API secret is not valid base64; "
         "paste the private key exactly as Kraken shows it"),
        ({"KRAKEN_API_KEY": "k", "KRAKEN_API_SECRET": "YWJj"},
         "KRAKEN_API_SECRET: the API secret decodes to 3 bytes, not a plausible length "
         "(Kraken's are 64); paste the private key exactly as Kraken shows it"),
        ({"KRAKEN_API_KEY": "a key", "KRAKEN_API_SECRET": SECRET_A},
         "KRAKEN_API_KEY: the API key has spaces or odd characters; "
         "paste it exactly as Kraken shows it"),
    ],
)
def test_each_bad_credential_names_the_variable(tmp_path: Path, env: dict[str, str],
                                                message: str) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    with pytest.raises(ConfigError) as err:
        resolve_settings({"--config": str(empty)}, env)
    assert str(err.value) == message
