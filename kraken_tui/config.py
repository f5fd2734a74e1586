"""Settings for the monitor: TOML file, environment and command line, validated up front.

Pure on purpose (no Textual, no I/O beyond reading the file): a bad value must
stop the program with one clear line naming the key, before any screen opens.
Secrets never appear in a ``repr``, a log line or on screen.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "kraken-tui"
CONFIG_ENV = "KRAKEN_TUI_CONFIG"
KEY_ENV = "KRAKEN_API_KEY"
SECRET_ENV = "KRAKEN_API_SECRET"

DEPTHS: tuple[int, ...] = (10, 25, 100, 500, 1000)
DEFAULT_WS_URL = "wss://ws.kraken.com/v2"
DEFAULT_WS_AUTH_URL = "wss://ws-auth.kraken.com/v2"
DEFAULT_REST_URL = "https://api.kraken.com"


class ConfigError(Exception):
    """A setting is unusable; the message names the key and says why."""


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the monitor needs to start; frozen so it can cross threads."""

    symbols: tuple[str, ...] = ("BTC/USD", "ETH/USD")
    depth: int = 10
    ws_url: str = DEFAULT_WS_URL
    ws_auth_url: str = DEFAULT_WS_AUTH_URL
    rest_url: str = DEFAULT_REST_URL
    dead_man_switch: int | None = None
    heartbeat_timeout: float = 5.0
    theme: str = "textual-dark"
    api_key: str | None = field(default=None, repr=False)
    api_secret: str | None = field(default=None, repr=False)
    source: Path | None = None  # the file the settings came from, if any
    log_path: Path | None = None  # where the monitor logs (banners name it)

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key and self.api_secret)


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_log_path() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME)) / "kraken-tui.log"


def resolve_config_path(cli_path: str | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """The file to read, and whether the user named it explicitly (then it must exist)."""
    if cli_path:
        return Path(cli_path).expanduser(), True
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser(), True
    return default_config_path(), False


_KNOWN_KEYS = {
    "symbols",
    "depth",
    "ws_url",
    "ws_auth_url",
    "rest_url",
    "dead_man_switch",
    "heartbeat_timeout",
    "theme",
    "api_key",
    "api_secret",
}


def _check_symbol(key: str, value: Any) -> str:
    if not isinstance(value, str) or value.count("/") != 1 or not all(value.split("/")):
        raise ConfigError(f"{key}: {value!r} is not a pair like 'BTC/USD'")
    return value.upper()


def check_symbols(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise ConfigError(f"{key}: must be a non-empty list of pairs like ['BTC/USD']")
    out: list[str] = []
    for item in value:
        sym = _check_symbol(key, item)
        if sym not in out:
            out.append(sym)
    return tuple(out)


def check_depth(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in DEPTHS:
        allowed = ", ".join(str(d) for d in DEPTHS)
        raise ConfigError(f"{key}: {value!r} is not a Kraken book depth (one of {allowed})")
    return value


def check_url(key: str, value: Any, schemes: tuple[str, ...]) -> str:
    if not isinstance(value, str) or not value.startswith(tuple(s + "://" for s in schemes)):
        prefixes = " or ".join(s + "://" for s in schemes)
        raise ConfigError(f"{key}: {value!r} must start with {prefixes}")
    return value.rstrip("/") if schemes[0].startswith("http") else value


def check_dead_man_switch(key: str, value: Any) -> int | None:
    if value is None or value is False:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 86400:
        raise ConfigError(f"{key}: {value!r} must be whole seconds from 0 (off) to 86399")
    return value or None


def check_positive(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{key}: {value!r} must be a positive number of seconds")
    return float(value)


def check_text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: must be a non-empty string")
    return value.strip()


def _check_private(path: Path) -> None:
    """Refuse credentials in a file others can read, as ssh does with private keys."""
    if os.name == "nt":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path} holds API credentials but is readable by group/others "
            f"(mode {mode:03o}); fix it with: chmod 600 {path}"
        )


def parse_config(data: Mapping[str, Any], base: Config | None = None) -> Config:
    """Validate a parsed TOML table into a Config (unknown keys are errors: typos matter)."""
    cfg = base or Config()
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        known = ", ".join(sorted(_KNOWN_KEYS))
        raise ConfigError(f"{unknown[0]}: unknown setting (known: {known})")
    changes: dict[str, Any] = {}
    if "symbols" in data:
        changes["symbols"] = check_symbols("symbols", data["symbols"])
    if "depth" in data:
        changes["depth"] = check_depth("depth", data["depth"])
    if "ws_url" in data:
        changes["ws_url"] = check_url("ws_url", data["ws_url"], ("wss", "ws"))
    if "ws_auth_url" in data:
        changes["ws_auth_url"] = check_url("ws_auth_url", data["ws_auth_url"], ("wss", "ws"))
    if "rest_url" in data:
        changes["rest_url"] = check_url("rest_url", data["rest_url"], ("https", "http"))
    if "dead_man_switch" in data:
        changes["dead_man_switch"] = check_dead_man_switch(
            "dead_man_switch", data["dead_man_switch"]
        )
    if "heartbeat_timeout" in data:
        changes["heartbeat_timeout"] = check_positive(
            "heartbeat_timeout", data["heartbeat_timeout"]
        )
    if "theme" in data:
        changes["theme"] = check_text("theme", data["theme"])
    for key in ("api_key", "api_secret"):
        if key in data:
            changes[key] = check_text(key, data[key])
    return replace(cfg, **changes)


def load_config(
    cli_path: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Read the config file (if any), then credentials from the environment (which win)."""
    env = os.environ if env is None else env
    path, explicit = resolve_config_path(cli_path, env)
    cfg = Config()
    if path.exists():
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
        cfg = replace(parse_config(data), source=path)
        if "api_key" in data or "api_secret" in data:
            _check_private(path)
    elif explicit:
        raise ConfigError(f"{path}: config file not found")
    key, secret = env.get(KEY_ENV), env.get(SECRET_ENV)
    if key and secret:
        cfg = replace(cfg, api_key=key.strip(), api_secret=secret.strip())
    elif key or secret:
        missing = SECRET_ENV if key else KEY_ENV
        raise ConfigError(f"{missing}: set both {KEY_ENV} and {SECRET_ENV}, or neither")
    return cfg


def apply_overrides(cfg: Config, **overrides: Any) -> Config:
    """Command-line values win over the file; ``None`` means 'not given'."""
    data = {k: v for k, v in overrides.items() if v is not None}
    return parse_config(data, base=cfg) if data else cfg
