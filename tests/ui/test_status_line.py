"""The status bar degrades by priority: exchange status and PAUSED are never dropped."""

from __future__ import annotations

import pytest

from kraken_tui.ui.widgets.health import EndpointHealth
from kraken_tui.ui.widgets.status import status_line

NOW = 1_000.0


def reconnecting() -> dict[str, EndpointHealth]:
    """Both feeds reconnecting: the longest the line gets."""
    return {ep: EndpointHealth(state="backoff", attempt=3, retry_at=NOW + 5,
                               ever_connected=True) for ep in ("public", "private")}


def test_full_line_when_there_is_room() -> None:
    text = status_line(reconnecting(), "cancel_only", True, NOW, width=200).plain
    assert text.startswith(" kraken-tui ")
    assert "public ● RECONNECTING 3 (next try in 5s)" in text
    assert text.endswith("exchange cancel only  ❚❚ PAUSED")


@pytest.mark.parametrize("width", [120, 100, 80, 60, 50, 40])
def test_exchange_status_and_paused_survive_any_width(width: int) -> None:
    line = status_line(reconnecting(), "maintenance", True, NOW, width=width)
    text = line.plain
    assert "maintenance" in text and "PAUSED" in text
    assert line.cell_len <= width


def test_order_of_what_goes_first() -> None:
    # 120 columns less the clock: the name goes first.
    at_105 = status_line(reconnecting(), "online", False, NOW, width=105).plain
    assert "kraken-tui" not in at_105 and "(next try in 5s)" in at_105
    at_70 = status_line(reconnecting(), "online", False, NOW, width=70).plain
    assert "(next try" not in at_70 and "public ● RECONNECTING 3" in at_70
    at_50 = status_line(reconnecting(), "online", False, NOW, width=50).plain
    assert "public" not in at_50 and at_50.count("● RECONNECTING 3") == 2
    at_30 = status_line(reconnecting(), "online", False, NOW, width=30).plain
    assert at_30 == " ● ●  online"
