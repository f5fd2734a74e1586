"""What the trader's keys and the command palette do on the monitor.

A mixin of ``KrakenMonitor`` (``app.py`` keeps the screen, the feed worker and event
routing): switching symbols, depth, pause, resync, panels, the palette's commands, and
stopping cleanly on a signal exactly as ``q`` does.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

from kraken_tui.config import DEPTHS
from kraken_tui.ui.screens import HelpScreen, SymbolSwitcher
from kraken_tui.ui.widgets.book import BookLadder

if TYPE_CHECKING:
    from kraken_tui.ui.mailbox import BookMailbox

log = logging.getLogger("kraken_tui.ui")


def screenshot_dir() -> Path:
    """Downloads when the user has one (Textual's default), else the current directory."""
    import platformdirs

    downloads = Path(platformdirs.user_downloads_dir())
    return downloads if downloads.is_dir() else Path.cwd()


class MonitorActions:
    """What ``KrakenMonitor`` provides to this half."""

    symbols: tuple[str, ...]
    depth: int
    paused: bool
    _current: int
    _ladders: dict[str, BookLadder]
    _mailbox: BookMailbox
    _feed: Any
    screen_stack: list[Any]
    push_screen: Callable[..., Any]
    _show_book: Callable[..., None]
    _update_status: Callable[[], None]
    _toast: Callable[..., None]
    action_alert_rules: Callable[[], None]
    _show_market_of: Callable[[str], None]
    _focus_feed: Callable[[str], None]
    focused: Any
    stop_feed: Callable[[], None]
    exit: Callable[..., None]
    export_screenshot: Callable[..., str]

    #: What a closed terminal window (SIGHUP), ``kill`` (SIGTERM) and an interrupt
    #: (SIGINT) send: each stops the monitor as ``q`` does.
    STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)

    def stop_on_signals(self) -> None:
        """Stop cleanly on a signal: the terminal restored, the dead man's switch disarmed.

        Python's default for SIGTERM and SIGHUP ends the process at once: the terminal
        stays in the alternate screen with mouse tracking on, and the feed never sends
        its disarm. Only the command asks for this (a handler is process-wide).
        """
        loop = asyncio.get_running_loop()
        for sig in self.STOP_SIGNALS:
            loop.add_signal_handler(sig, self._stop_on_signal, sig)

    def action_save_screenshot(self, directory: Path | None = None) -> Path | None:
        """An SVG of the screen in ``directory`` (Downloads if it exists, else the current
        directory); the toast says where, or exactly why it could not be written."""
        folder = directory or screenshot_dir()
        path = folder / f"kraken-tui-{time.strftime('%Y%m%d-%H%M%S')}.svg"
        try:
            path.write_text(self.export_screenshot(), encoding="utf-8")
        except OSError as exc:
            log.warning("screenshot not saved to %s: %s", path, exc.strerror or exc)
            self._toast(f"Screenshot not saved: cannot write {path} ({exc.strerror or exc})",
                        "error")
            return None
        log.info("screenshot saved to %s", path)
        self._toast(f"Screenshot saved: {path}")
        return path

    def _stop_on_signal(self, sig: signal.Signals) -> None:
        log.info("%s received: stopping as on q", sig.name)
        self.stop_feed()
        self.exit()

    def current_symbol(self) -> str:
        return self.symbols[self._current]

    def select_symbol(self, symbol: str) -> None:
        if symbol not in self.symbols:
            return
        self._current = self.symbols.index(symbol)
        for ladder in self._ladders.values():
            ladder.set_class(ladder.symbol != symbol, "-hidden")
        shown = self._ladders[symbol]
        if self.focused is None or isinstance(self.focused, BookLadder):
            shown.focus()  # the shown ladder takes the keys (the hidden one had them)
        if shown.paused != self.paused:
            shown.set_paused(self.paused)
        self._show_market_of(symbol)
        self._focus_feed(symbol)
        parked = self._mailbox.show(symbol)
        if parked is not None:
            self._show_book(parked)

    def on_book_ladder_symbol_picked(self, message: BookLadder.SymbolPicked) -> None:
        self.select_symbol(message.symbol)

    def action_show_index(self, index: int) -> None:
        if 0 <= index < len(self.symbols):
            self.select_symbol(self.symbols[index])

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_switch_symbol(self) -> None:
        def picked(symbol: str | None) -> None:
            if symbol:
                self.select_symbol(symbol)

        self.push_screen(SymbolSwitcher(self.symbols, self.current_symbol()), picked)

    def _step_symbol(self, step: int) -> None:
        index = self.symbols.index(self.current_symbol())
        self.select_symbol(self.symbols[(index + step) % len(self.symbols)])

    def action_next_symbol(self) -> None:
        self._step_symbol(1)

    def action_prev_symbol(self) -> None:
        self._step_symbol(-1)

    def action_cycle_depth(self) -> None:
        """Next subscribed depth (10→25→100→500→1000→10); the feed resubscribes."""
        index = DEPTHS.index(self.depth) if self.depth in DEPTHS else -1
        self.depth = DEPTHS[(index + 1) % len(DEPTHS)]
        for ladder in self._ladders.values():
            ladder.set_requested_depth(self.depth)
        if self._feed is not None:
            self._feed.set_depth(self.depth)
        log.info("depth -> %d", self.depth)

    def action_toggle_pause(self) -> None:
        # The shown ladder only; the others follow when shown (select_symbol). A ladder's
        # restyle costs a few ms (eleven component classes): ten of them made the key
        # wait ~30 ms during a burst.
        self.paused = not self.paused
        self._ladders[self.current_symbol()].set_paused(self.paused)
        self._update_status()

    def action_resync(self) -> None:
        symbol = self.current_symbol()
        if self._feed is not None:
            self._feed.request_resync(symbol)
        self._toast(f"Resync requested for {symbol}")

    def action_toggle_side(self) -> None:
        """Wide: hide/show the side panels. Narrow: swap the book and the panels."""
        self.screen_stack[0].toggle_class("-toggled")

    def action_toggle_panel(self, name: str) -> None:
        """Hide/show one side panel; with none left, the book takes the whole width."""
        screen = self.screen_stack[0]
        panel = screen.query_one(f"#{name}")
        panel.display = not panel.display
        side = screen.query_one("#side")
        screen.set_class(not any(child.display for child in side.children), "-side-empty")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):  # type: ignore[misc]
            if command.title == "Keys":
                continue  # our "Help" lists every key; two entries for one thing confused
            if command.title == "Screenshot":
                command = SystemCommand("Screenshot", "Save an SVG of the screen (the path "
                                        "is shown)", lambda: self.action_save_screenshot())
            yield command
        yield SystemCommand("Cycle book depth", "Next depth: 10 → 25 → 100 → 500 → 1000",
                            self.action_cycle_depth)
        yield SystemCommand("Pause / resume rendering", "Freeze the ladders to read them",
                            self.action_toggle_pause)
        yield SystemCommand("Force resync", "Rebuild the current book from a fresh snapshot",
                            self.action_resync)
        yield SystemCommand("Toggle side panels", "Health, orders and balances",
                            self.action_toggle_side)
        yield SystemCommand("Alert rules", "Add or remove alert rules (saved to the config)",
                            self.action_alert_rules)
        yield SystemCommand("Help", "List every key", self.action_help)
        for symbol in self.symbols:
            yield SystemCommand(f"Show {symbol}", f"Switch the book to {symbol}",
                                lambda s=symbol: self.select_symbol(s))
