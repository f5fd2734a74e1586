"""Every bad input, as a user types it: one line naming the input and the fix, the right
command's usage, exit 2, no traceback. Nothing here can reach the real Kraken: bad input
stops before connecting, and every URL given points at 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

CLOSED = ["--ws-url", "ws://127.0.0.1:9/v2", "--ws-auth-url", "ws://127.0.0.1:9/v2",
          "--rest-url", "http://127.0.0.1:9"]
GOOD_SECRET = "Y2FuYXJ5LXNlY3JldC1kby1ub3QtbGVhaw=="


def isolated_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """No developer config, keys or logs: XDG dirs point into the test's tmp dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KRAKEN_")}
    env.update(XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"),
               XDG_CACHE_HOME=str(home / "cache"))
    env.update(extra or {})
    return env


def kraken_tui(home: Path, *argv: str, env: dict[str, str] | None = None,
               timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kraken_tui", *argv], capture_output=True,
                          text=True, timeout=timeout, env=isolated_env(home, env),
                          stdin=subprocess.DEVNULL)


def default_config(home: Path, content: bytes) -> Path:
    path = home / "config" / "kraken-tui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    path.chmod(0o600)
    return path


CASES = [
    # (argv, env, default config file content, usage prog, message after "error: ")
    (["--depth", "abc", *CLOSED], {}, None, "kraken-tui",
     '--depth: "abc" is not a number; use 10, 25, 100, 500 or 1000'),
    (["--dead-man-switch", "true", *CLOSED], {}, None, "kraken-tui",
     '--dead-man-switch: "true" is not a number; '
     "use whole seconds from 0 (off) to 86399, e.g. 60"),
    (["--speed", "10"], {}, None, "kraken-tui", "--speed: only with --replay FILE"),
    (["--alert", "BTC/USD last = 7", *CLOSED], {}, None, "kraken-tui",
     "alert rule 'BTC/USD last = 7': operator '=' is not one of >, >=, <, <="),
    (["--replay", "x.ndjson", "--symbol", "BTC/USD"], {}, None, "kraken-tui",
     "--symbol: not with --replay (a replay connects to nothing"),
    (["--replay", "x.ndjson", "--demo"], {}, None, "kraken-tui", "--demo: not with --replay"),
    (["--replay", "x.ndjson", "--speed", "-2"], {}, None, "kraken-tui",
     "--speed: -2 is not a speed; use a positive number"),
    (["--symbol", "btcusd", *CLOSED], {}, None, "kraken-tui",
     '--symbol: "btcusd" is not a pair; write pairs as BASE/QUOTE, e.g. BTC/USD'),
    (CLOSED, {"KRAKEN_API_KEY": "k", "KRAKEN_API_SECRET": "not base64!"}, None, "kraken-tui",
     "KRAKEN_API_SECRET: the API secret is not valid base64; "
     "paste the private key exactly as Kraken shows it"),
    (["events", *CLOSED], {"KRAKEN_API_KEY": "k", "KRAKEN_API_SECRET": "not base64!"}, None,
     "kraken-tui events", "KRAKEN_API_SECRET: the API secret is not valid base64; "
     "paste the private key exactly as Kraken shows it"),
    (CLOSED, {"KRAKEN_API_KEY": "two words", "KRAKEN_API_SECRET": GOOD_SECRET}, None,
     "kraken-tui", "KRAKEN_API_KEY: the API key has spaces or odd characters; "
     "paste it exactly as Kraken shows it"),
    (["events", "--private", *CLOSED],
     {"KRAKEN_API_KEY": "two words", "KRAKEN_API_SECRET": GOOD_SECRET}, None,
     "kraken-tui events", "KRAKEN_API_KEY: the API key has spaces or odd characters; "
     "paste it exactly as Kraken shows it"),
    (["events", "--private", *CLOSED], {}, b'api_key = "k"\napi_secret = "YWJj"\n',
     "kraken-tui events", "{path}: api_secret: the API secret decodes to 3 bytes, not a "
     "plausible length (Kraken's are 64); paste the private key exactly as Kraken shows it"),
    (CLOSED, {}, b'api_key = "k"\napi_secret = "%%%"\n', "kraken-tui",
     "{path}: api_secret: the API secret is not valid base64; "
     "paste the private key exactly as Kraken shows it"),
    (CLOSED, {}, b'api_key = "k"\n', "kraken-tui",
     "{path}: api_key is set but api_secret is not; set both or neither"),
    (CLOSED, {}, b"depth = 7\n", "kraken-tui",
     "{path}: depth: 7 is not a Kraken book depth; use 10, 25, 100, 500 or 1000"),
    (CLOSED, {}, b'theme = "caf\xe9"\n', "kraken-tui",
     "{path}: not UTF-8 text (byte 0xe9 at offset 12); save the file as UTF-8"),
    (["--theme", "nope", *CLOSED], {}, None, "kraken-tui",
     '--theme: "nope" is not a theme; use one of '),
    (["events", "--symbol", "", *CLOSED], {}, None, "kraken-tui events",
     '--symbol: "" is not a pair; write pairs as BASE/QUOTE, e.g. BTC/USD'),
    (["events", "--duration", "nan", *CLOSED], {}, None, "kraken-tui events",
     "--duration: nan is not a number; use a positive number of seconds, e.g. 5"),
    (["events", "--duration", "0", *CLOSED], {}, None, "kraken-tui events",
     "--duration: 0 is out of range; use a positive number of seconds, e.g. 5"),
    (["events", "--book-interval", "-1", *CLOSED], {}, None, "kraken-tui events",
     "--book-interval: -1 is out of range; use 0 or more seconds"),
    (["events", "--every-frame", "--book-interval", "1", *CLOSED], {}, None,
     "kraken-tui events", "--every-frame and --book-interval: choose one"),
    (["events", "--depth", "7", *CLOSED], {}, None, "kraken-tui events",
     "--depth: 7 is not a Kraken book depth; use 10, 25, 100, 500 or 1000"),
    (["events", "--dead-man-switch", "60", *CLOSED], {}, None, "kraken-tui events",
     "--dead-man-switch: needs --private (the switch guards your orders)"),
    (["events", "--private", *CLOSED], {}, None, "kraken-tui events",
     "--private: needs API keys; set KRAKEN_API_KEY and KRAKEN_API_SECRET "
     "(or api_key/api_secret in {path}), or use --demo"),
    (["events", "--bogus"], {}, None, "kraken-tui events", "unrecognized arguments: --bogus"),
    (["--theme", "nord", "events", *CLOSED], {}, None, "kraken-tui events",
     "--theme: given before 'events', which does not take it; drop it"),
    (["--depth", "25", "events", "--depth", "100", *CLOSED], {}, None, "kraken-tui events",
     "--depth: given both before and after 'events' (25 and 100); give it once"),
    (["--demo", "events", "--ws-url", "ws://127.0.0.1:9/v2"], {}, None, "kraken-tui events",
     "--ws-url: cannot be used with --demo (the demo runs its own simulator); "
     "drop one of them"),
    (["--demo", "sim"], {}, None, "kraken-tui sim",
     "--demo: given before 'sim', which does not take it; drop it"),
    (["sim", "--port", "70000"], {}, None, "kraken-tui sim",
     "--port: 70000 is out of range; use 0 (free ports) to 65533"),
    (["sim", "--port", "-1"], {}, None, "kraken-tui sim",
     "--port: -1 is out of range; use 0 (free ports) to 65533"),
    (["sim", "--port", "65534"], {}, None, "kraken-tui sim",
     "--port: 65534 is out of range; use 0 (free ports) to 65533"),
]


@pytest.mark.parametrize(("argv", "env", "config", "prog", "message"), CASES,
                         ids=[" ".join(c[0][:4]) or "monitor" for c in CASES])
def test_bad_input_is_one_line_with_the_commands_usage(
    tmp_path: Path, argv: list[str], env: dict[str, str], config: bytes | None, prog: str,
    message: str,
) -> None:
    path = default_config(tmp_path, config) if config is not None else (
        tmp_path / "config" / "kraken-tui" / "config.toml")
    proc = kraken_tui(tmp_path, *argv, env=env)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith(f"usage: {prog} ")
    assert lines[-1].startswith(f"{prog}: error: " + message.format(path=path))
    assert proc.stdout == ""


def test_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = kraken_tui(tmp_path, "sim", "--port", str(port))
    assert proc.returncode == 2
    assert proc.stderr == (f"kraken-tui sim: error: --port: cannot listen on "
                           f"127.0.0.1:{port}-{port + 2} (Address already in use); pick "
                           f"another --port (0 = free ports) or --host\n")


def test_a_missing_recording_is_one_line(tmp_path: Path) -> None:
    proc = kraken_tui(tmp_path, "--replay", str(tmp_path / "nope.ndjson"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr == (f"kraken-tui: error: recording {tmp_path / 'nope.ndjson'} not found; "
                           "pass the file `kraken-tui record` wrote\n")
