"""Fixtures for the UI tests: scripted feeds, a fixed clock, no blinking, no user config."""

from __future__ import annotations

import pytest
import ui_scenarios  # tests/ui is on sys.path (rootdir conftest, no __init__.py)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Never read the developer's config or keys, never blink a cursor."""
    empty = tmp_path / "empty-config.toml"
    empty.write_text("")
    monkeypatch.setenv("KRAKEN_TUI_CONFIG", str(empty))
    monkeypatch.delenv("KRAKEN_API_KEY", raising=False)
    monkeypatch.delenv("KRAKEN_API_SECRET", raising=False)


@pytest.fixture
def scenarios():
    return ui_scenarios
