"""Banners for conditions that persist: each stays until its condition clears.

Keyed (one per condition) and ordered by severity, so two conditions never
hide each other; toasts are for transient news only.
"""

from __future__ import annotations

import re

from textual.containers import Vertical
from textual.widgets import Static

SEVERITIES = ("error", "warning", "info")


def _widget_id(key: str) -> str:
    return "banner-" + re.sub(r"[^A-Za-z0-9_-]", "_", key)


class BannerStack(Vertical):
    """Holds the active banners; empty (zero height) when all is well."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.active: dict[str, tuple[str, str]] = {}

    def set_banner(self, key: str, text: str, severity: str = "warning") -> None:
        """Show (or update) the banner for ``key``."""
        if self.active.get(key) == (text, severity):
            return
        self.active[key] = (text, severity)
        found = self.query(f"#{_widget_id(key)}")
        if found:
            widget = found.first(Static)
            widget.update(text)
            for sev in SEVERITIES:
                widget.set_class(sev == severity, f"-{sev}")
            widget.display = True
        else:
            banner = Static(text, id=_widget_id(key), classes=f"banner -{severity}", markup=False)
            before = self._insert_point(severity)
            if before is None:
                self.mount(banner)
            else:
                self.mount(banner, before=before)
        self.display = True

    def clear_banner(self, key: str) -> None:
        if self.active.pop(key, None) is None:
            return
        # Hidden, not removed: the same condition often comes back, and a removal
        # still in flight would collide with a new widget of the same id.
        for widget in self.query(f"#{_widget_id(key)}"):
            widget.display = False
        self.display = bool(self.active)

    def _insert_point(self, severity: str) -> Static | None:
        rank = SEVERITIES.index(severity)
        for child in self.query(".banner"):
            if not isinstance(child, Static):
                continue
            for sev in SEVERITIES:
                if child.has_class(f"-{sev}") and SEVERITIES.index(sev) > rank:
                    return child
        return None
