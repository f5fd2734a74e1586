"""The Alerts panel: every firing (time, value, rule), kept across symbol switches."""

from __future__ import annotations

import time

from rich.text import Text

from kraken_tui.alerts.fired import AlertFired
from kraken_tui.ui.widgets.table import Column, KeyedTable

COLUMNS = (Column("time", "Time"), Column("value", "Value", justify="right"),
           Column("rule", "Rule"))
#: Oldest rows go beyond this: the log file keeps every firing.
MAX_ROWS = 200


class AlertsPanel(KeyedTable):
    """Newest last; ``clear_alerts`` empties it (the ``x`` key)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Alerts"
        self.set_columns(COLUMNS)
        self._count = 0
        self.fired: list[AlertFired] = []  # what is shown (tests read it)

    def add(self, alert: AlertFired) -> None:
        self._count += 1
        self.fired.append(alert)
        self.set_row(str(self._count), {
            "time": time.strftime("%H:%M:%S", time.gmtime(alert.time)),
            "rule": Text(alert.rule.text, style="bold"),
            "value": alert.value,
        })
        while len(self.fired) > MAX_ROWS:
            self.fired.pop(0)
            self.remove_row(self.row_keys[0])
        self.border_subtitle = f"{len(self.fired)} fired · x clears"
        self.scroll_end(animate=False)  # the newest in view

    def clear_alerts(self) -> None:
        for key in list(self.row_keys):
            self.remove_row(key)
        self.fired.clear()
        self.border_subtitle = ""
