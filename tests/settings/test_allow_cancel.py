"""``allow_cancel`` / ``--allow-cancel``: off by default, validated like every setting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kraken_tui.cli import build_parser, given_flags
from kraken_tui.config import ConfigError, resolve_settings


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text)
    os.chmod(path, 0o600)
    return path


def test_off_by_default_on_from_the_file_or_the_flag(tmp_path: Path) -> None:
    empty = config_file(tmp_path, "")
    assert resolve_settings({"--config": str(empty)}, {}).allow_cancel is False
    on = config_file(tmp_path, "allow_cancel = true\n")
    assert resolve_settings({"--config": str(on)}, {}).allow_cancel is True
    off = config_file(tmp_path, "allow_cancel = false\n")
    assert resolve_settings({"--config": str(off), "--allow-cancel": True}, {}).allow_cancel


@pytest.mark.parametrize("value", ['"yes"', "1", '"true"'])
def test_anything_but_true_or_false_is_refused(tmp_path: Path, value: str) -> None:
    path = config_file(tmp_path, f"allow_cancel = {value}\n")
    with pytest.raises(ConfigError) as error:
        resolve_settings({"--config": str(path)}, {})
    assert str(error.value) == (f"{path}: allow_cancel: {value} is not true or false; "
                                "write true or false")


def test_the_monitor_takes_the_flag_and_other_commands_do_not() -> None:
    top, parsers = build_parser()
    assert given_flags(top.parse_args(["--allow-cancel"]))["--allow-cancel"] is True
    assert "--allow-cancel" not in given_flags(top.parse_args([]))
    with pytest.raises(SystemExit):
        parsers["events"].parse_args(["--allow-cancel"])


def test_not_with_a_replay(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    from kraken_tui.cli import main

    monkeypatch.setenv("KRAKEN_TUI_CONFIG", str(config_file(tmp_path, "")))

    with pytest.raises(SystemExit) as exited:
        main(["--replay", str(tmp_path / "x.ndjson"), "--allow-cancel"])
    assert exited.value.code == 2
    assert "--allow-cancel: not with --replay" in capsys.readouterr().err
