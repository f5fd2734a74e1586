"""Settings for every command: one resolver, one validation, one error style.

Precedence is flags > environment > config file > defaults (``--demo`` swaps in
the embedded simulator's endpoints and keys, and demo defaults for symbols and
the dead man's switch). Pure on purpose (no Textual, no I/O beyond reading the
file): a bad value must stop the program with one line naming the flag, key or
variable and the fix, before anything connects or any screen opens. Secrets
never appear in a ``repr``, a log line, an error or on screen.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import stat
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import platformdirs

if TYPE_CHECKING:
    from kraken_tui.alerts.settings import AlertSettings

APP_NAME = "kraken-tui"
CONFIG_ENV = "KRAKEN_TUI_CONFIG"
KEY_ENV = "KRAKEN_API_KEY"
SECRET_ENV = "KRAKEN_API_SECRET"

DEPTHS: tuple[int, ...] = (10, 25, 100, 500, 1000)
DEFAULT_WS_URL = "wss://ws.kraken.com/v2"
DEFAULT_WS_AUTH_URL = "wss://ws-auth.kraken.com/v2"
DEFAULT_REST_URL = "https://api.kraken.com"
DEMO_SYMBOLS: tuple[str, ...] = ("BTC/USD", "ETH/USD", "DOGE/USD")
DEMO_DEAD_MAN_SWITCH = 60
MAX_DEAD_MAN_SWITCH = 86399
DEFAULT_THEME = "textual-dark"


class ConfigError(Exception):
    """A setting is unusable; the message names the flag/key/variable and the fix."""


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a command needs to start; frozen so it can cross threads."""

    symbols: tuple[str, ...] = ("BTC/USD", "ETH/USD")
    depth: int = 10
    ws_url: str = DEFAULT_WS_URL
    ws_auth_url: str = DEFAULT_WS_AUTH_URL
    rest_url: str = DEFAULT_REST_URL
    dead_man_switch: int | None = None  # None = off
    heartbeat_timeout: float = 5.0
    theme: str = DEFAULT_THEME
    api_key: str | None = field(default=None, repr=False)
    api_secret: str | None = field(default=None, repr=False)
    source: Path | None = None  # the file the settings came from, if any
    log_path: Path | None = None  # where the monitor logs (banners name it)
    demo: bool = False  # endpoints and keys come from the embedded simulator
    allow_cancel: bool = False  # the monitor's c / C keys send cancels (else read-only)
    alerts: AlertSettings | None = None  # [[alerts]] and [alert_outputs] of the config file

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


# ---------------------------------------------------------------- validators
# Each takes the name to blame (a flag, "file: key" or a variable) and a value
# from TOML (typed) or the command line (text), and returns the clean value.


def _show(value: Any) -> str:
    """A value as the user wrote it (TOML spelling), never Python's."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def _number(name: str, value: Any, fix: str, *, whole: bool) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ConfigError(f"{name}: {_show(value)} is not a number; {fix}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{name}: {_show(value)} is not a number; {fix}")
    if whole and not float(value).is_integer():
        raise ConfigError(f"{name}: {value:g} is not a whole number; {fix}")
    return int(value) if whole else value


_PART = re.compile(r"[A-Z0-9.]+")


def check_symbol(name: str, value: Any) -> str:
    """One rule everywhere: BASE/QUOTE, case-insensitive, stored uppercase."""
    fix = "write pairs as BASE/QUOTE, e.g. BTC/USD"
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name}: {_show(value)} is not a pair; {fix}")
    parts = value.strip().upper().split("/")
    if len(parts) != 2 or not all(_PART.fullmatch(p) for p in parts):
        raise ConfigError(f"{name}: {_show(value)} is not a pair; {fix}")
    return "/".join(parts)


def check_symbols(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise ConfigError(f"{name}: needs at least one pair, e.g. [\"BTC/USD\"]")
    return tuple(dict.fromkeys(check_symbol(name, item) for item in value))


def check_depth(name: str, value: Any) -> int:
    allowed = ", ".join(str(d) for d in DEPTHS[:-1]) + f" or {DEPTHS[-1]}"
    fix = f"use {allowed}"
    depth = _number(name, value, fix, whole=True)
    if depth not in DEPTHS:
        raise ConfigError(f"{name}: {depth:g} is not a Kraken book depth; {fix}")
    return int(depth)


def check_url(name: str, value: Any, schemes: tuple[str, ...]) -> str:
    example = {"wss": "wss://ws.kraken.com/v2", "https": "https://api.kraken.com"}[schemes[0]]
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in schemes or not parts.hostname:
        prefixes = " or ".join(s + "://" for s in schemes)
        raise ConfigError(f"{name}: {_show(value)} is not a {prefixes} URL; "
                          f"use e.g. {example}")
    return value.rstrip("/") if schemes[0] == "https" else value


def check_dead_man_switch(name: str, value: Any) -> int | None:
    """Seconds for CancelAllOrdersAfter; 0 (or false) means off, everywhere."""
    if value is None or value is False:
        return None
    fix = f"use whole seconds from 0 (off) to {MAX_DEAD_MAN_SWITCH}, e.g. 60"
    seconds = _number(name, value, fix, whole=True)
    if not 0 <= seconds <= MAX_DEAD_MAN_SWITCH:
        raise ConfigError(f"{name}: {seconds:g} is out of range; {fix}")
    return int(seconds) or None


def check_seconds(name: str, value: Any, *, zero_ok: bool = False) -> float:
    """A finite duration: positive, or also 0 when ``zero_ok``."""
    fix = "use 0 or more seconds" if zero_ok else "use a positive number of seconds, e.g. 5"
    seconds = _number(name, value, fix, whole=False)
    if seconds < 0 or (seconds == 0 and not zero_ok):
        raise ConfigError(f"{name}: {seconds:g} is out of range; {fix}")
    return float(seconds)


def check_port(name: str, value: Any, *, span: int = 1) -> int:
    """A TCP port that leaves room for ``span`` consecutive ports (0 = pick free ones)."""
    top = 65535 - (span - 1)
    fix = f"use 0 (free ports) to {top}"
    port = _number(name, value, fix, whole=True)
    if not 0 <= port <= top:
        raise ConfigError(f"{name}: {port:g} is out of range; {fix}")
    return int(port)


def check_whole(name: str, value: Any) -> int:
    return int(_number(name, value, "use a whole number, e.g. 1", whole=True))


def check_switch(name: str, value: Any) -> bool:
    """On or off: TOML true/false (a flag given is True)."""
    if not isinstance(value, bool):
        raise ConfigError(f"{name}: {_show(value)} is not true or false; write true or false")
    return value


def check_text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name}: must be a non-empty string")
    return value.strip()


def check_api_key(name: str, value: str) -> str:
    """Non-empty printable text with no spaces (the key goes into an HTTP header)."""
    key = value.strip()
    if not key:
        raise ConfigError(f"{name}: the API key is empty; paste it as Kraken shows it")
    if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        raise ConfigError(f"{name}: the API key has spaces or odd characters; "
                          "paste it exactly as Kraken shows it")
    return key


def check_api_secret(name: str, value: str) -> str:
    """The one secret check (feed.rest.check_secret); the message never echoes it."""
    from kraken_tui.feed.rest import check_secret

    secret = value.strip()
    try:
        check_secret(secret)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}; paste the private key exactly as Kraken "
                          "shows it") from None
    return secret


# ---------------------------------------------------------------- the file

_FILE_KEYS: dict[str, Callable[[str, Any], Any]] = {
    "symbols": check_symbols,
    "depth": check_depth,
    "ws_url": lambda n, v: check_url(n, v, ("wss", "ws")),
    "ws_auth_url": lambda n, v: check_url(n, v, ("wss", "ws")),
    "rest_url": lambda n, v: check_url(n, v, ("https", "http")),
    "dead_man_switch": check_dead_man_switch,
    "heartbeat_timeout": check_seconds,
    "theme": check_text,
    "allow_cancel": check_switch,
    "api_key": check_text,
    "api_secret": check_text,
}


def _check_private(path: Path) -> None:
    """Refuse credentials in a file others can read, as ssh does with private keys."""
    if os.name == "nt":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path}: holds API credentials but is readable by group/others "
            f"(mode {mode:03o}); fix it with: chmod 600 {path}"
        )


def parse_config(data: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Validate a parsed TOML table (unknown keys are errors: typos matter)."""
    from kraken_tui.alerts.settings import ALERT_KEYS  # alerts import this module

    values: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{where}{key}"
        if key in ALERT_KEYS:
            values[key] = value  # checked as a whole by resolve_settings
            continue
        check = _FILE_KEYS.get(key)
        if check is None:
            close = difflib.get_close_matches(key, _FILE_KEYS, n=1)
            known = [*_FILE_KEYS, "alerts", "alert_outputs"]
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]}?" if close else "known: " + ", ".join(known)
            raise ConfigError(f"{name}: unknown setting; {hint}")
        values[key] = check(name, value)
    return values


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's validated settings; every error starts with the file's path."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix that line") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                          f"offset {exc.start}); save the file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    values = parse_config(data, where=f"{path}: ")
    if ("api_key" in values) != ("api_secret" in values):
        given, missing = ("api_key", "api_secret") if "api_key" in values else (
            "api_secret", "api_key")
        raise ConfigError(f"{path}: {given} is set but {missing} is not; set both or neither")
    if "api_key" in values:
        _check_private(path)
    return values


# ---------------------------------------------------------------- the resolver

#: Shared command-line flags and the setting each one sets.
SETTING_FLAGS: dict[str, str] = {
    "--symbol": "symbols",
    "--depth": "depth",
    "--ws-url": "ws_url",
    "--ws-auth-url": "ws_auth_url",
    "--rest-url": "rest_url",
    "--dead-man-switch": "dead_man_switch",
    "--heartbeat-timeout": "heartbeat_timeout",
    "--theme": "theme",
    "--allow-cancel": "allow_cancel",
}
_URL_KEYS = ("ws_url", "ws_auth_url", "rest_url")


def _credentials(env: Mapping[str, str], file: Mapping[str, Any],
                 path: Path) -> tuple[str, str] | None:
    key, secret = (env.get(KEY_ENV) or "").strip(), (env.get(SECRET_ENV) or "").strip()
    if key or secret:
        if not (key and secret):
            missing = SECRET_ENV if key else KEY_ENV
            raise ConfigError(f"{missing}: not set; set both {KEY_ENV} and {SECRET_ENV}, "
                              "or neither")
        return check_api_key(KEY_ENV, key), check_api_secret(SECRET_ENV, secret)
    if "api_key" in file:
        return (check_api_key(f"{path}: api_key", file["api_key"]),
                check_api_secret(f"{path}: api_secret", file["api_secret"]))
    return None


def resolve_settings(
    flags: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
    *,
    themes: Collection[str] | None = None,
) -> Config:
    """flags > environment > config file > defaults, validated; raises ConfigError.

    ``flags`` maps a flag as typed ("--depth") to its value, text as argparse gives
    it (``--symbol``: a list; ``--demo``: a bool); absent means not given.
    ``themes``: the names ``theme`` must be one of (the monitor passes Textual's).
    """
    env = os.environ if env is None else env
    demo = bool(flags.get("--demo"))
    path, explicit = resolve_config_path(flags.get("--config"), env)
    file: dict[str, Any] = {}
    if path.exists():
        file = read_config_file(path)
    elif explicit:
        fix = "fix the path" if flags.get("--config") else f"fix or unset {CONFIG_ENV}"
        raise ConfigError(f"{path}: config file not found; {fix}")

    from kraken_tui.alerts.settings import ALERT_KEYS, parse_alert_settings

    values: dict[str, Any] = {}
    if demo:
        values.update(symbols=DEMO_SYMBOLS, dead_man_switch=DEMO_DEAD_MAN_SWITCH)
    alert_data = {k: file[k] for k in ALERT_KEYS if k in file}
    if alert_data:
        try:
            values["alerts"] = parse_alert_settings(alert_data)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    values.update({k: v for k, v in file.items()
                   if k not in ("api_key", "api_secret", *ALERT_KEYS)})
    for flag, key in SETTING_FLAGS.items():
        if flags.get(flag) is None:
            continue
        if demo and key in _URL_KEYS:
            raise ConfigError(f"{flag}: cannot be used with --demo (the demo runs its own "
                              f"simulator); drop one of them")
        values[key] = _FILE_KEYS[key](flag, flags[flag])
    theme = values.get("theme", DEFAULT_THEME)
    if themes is not None and theme not in themes:
        flag = "--theme" if flags.get("--theme") is not None else f"{path}: theme"
        raise ConfigError(f"{flag}: {_show(theme)} is not a theme; use one of "
                          + ", ".join(sorted(themes)))
    if demo:
        for key in _URL_KEYS:
            values.pop(key, None)  # the simulator's endpoints replace them at start
    else:
        creds = _credentials(env, file, path)
        if creds:
            values.update(api_key=creds[0], api_secret=creds[1])
    return Config(**values, source=path if file or path.exists() else None, demo=demo)


def with_endpoints(config: Config, *, ws_url: str, ws_auth_url: str, rest_url: str,
                   api_key: str, api_secret: str) -> Config:
    """The demo's settings once its simulator is up (its endpoints, its demo account)."""
    return replace(config, ws_url=ws_url, ws_auth_url=ws_auth_url, rest_url=rest_url,
                   api_key=api_key, api_secret=api_secret)
