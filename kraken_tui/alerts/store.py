"""Save rules added or removed in the monitor back to the user's config file.

Edited with ``tomlkit``, which keeps comments, key order and formatting: the file
is the user's, only its ``[[alerts]]`` tables change. The new text is checked
(valid TOML whose alerts still parse) before it replaces the file, atomically and
with the file's permissions kept (it may hold API credentials: ``chmod 600``).
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Array, Table

from kraken_tui.alerts.rules import DEFAULT_HYSTERESIS_PCT, Rule
from kraken_tui.alerts.settings import parse_alert_settings
from kraken_tui.config import ConfigError


def _rule_text(item: object) -> str | None:
    rule = item.get("rule") if hasattr(item, "get") else None  # type: ignore[attr-defined]
    return str(rule).strip() if rule is not None else None


def add_rule_text(text: str, rule: Rule) -> str:
    """``text`` (a TOML document) with one more ``[[alerts]]`` table for ``rule``."""
    doc = tomlkit.parse(text)
    table = tomlkit.table()
    table["rule"] = rule.text
    if rule.hysteresis_pct != DEFAULT_HYSTERESIS_PCT:
        table["hysteresis_pct"] = float(rule.hysteresis_pct)
    table.add(tomlkit.nl())
    alerts = doc.get("alerts")
    if alerts is None:
        aot = tomlkit.aot()
        aot.append(table)
        doc.append("alerts", aot)
    elif isinstance(alerts, AoT):
        last = alerts[-1] if len(alerts) else None
        if isinstance(last, Table) and not last.as_string().endswith("\n\n"):
            last.add(tomlkit.nl())
        alerts.append(table)
    elif isinstance(alerts, Array):
        entry = tomlkit.inline_table()
        entry.update({k: v for k, v in table.items()})
        alerts.append(entry)
    else:
        raise ConfigError("alerts: use [[alerts]] tables, each with rule = \"...\"")
    return _checked(tomlkit.dumps(doc))


def remove_rule_text(text: str, rule_text: str) -> tuple[str, bool]:
    """``text`` without the first ``[[alerts]]`` entry whose rule is ``rule_text``."""
    doc = tomlkit.parse(text)
    alerts = doc.get("alerts")
    wanted = rule_text.strip()
    if not isinstance(alerts, AoT | Array):
        return text, False
    for index, item in enumerate(alerts):
        if _rule_text(item) == wanted:
            del alerts[index]
            if not len(alerts):
                del doc["alerts"]
            new = tomlkit.dumps(doc)
            if new.strip():  # the separating blank line goes with the table
                new = new.rstrip("\n") + "\n"
            return _checked(new), True
    return text, False


def _checked(text: str) -> str:
    """Refuse to write a file the next start could not read."""
    try:
        parse_alert_settings(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - tomlkit writes valid TOML
        raise ConfigError(f"alerts: the edited config would not be valid TOML ({exc})") from None
    return text


def _write_atomic(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_rule_to_file(path: Path, rule: Rule) -> None:
    """Append ``rule`` to the config file (created, mode 600, if it does not exist)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, add_rule_text(text, rule))


def remove_rule_from_file(path: Path, rule_text: str) -> bool:
    """Remove the rule from the config file; False (file untouched) when it is not there."""
    if not path.exists():
        return False
    new, removed = remove_rule_text(path.read_text(encoding="utf-8"), rule_text)
    if removed:
        _write_atomic(path, new)
    return removed
