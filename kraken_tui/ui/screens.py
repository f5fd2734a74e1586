"""The monitor's modal screens: the key list, the symbol picker, the alert rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from kraken_tui.ui.keys import LADDER_BINDINGS


class HelpScreen(ModalScreen[None]):
    """Every key the monitor answers to, generated from the app's bindings."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        lines = Text()
        lines.append("Keys\n\n", style="bold")
        for binding in [*self.app.BINDINGS, *LADDER_BINDINGS]:  # the ladder's keys too
            if not isinstance(binding, Binding) or binding.action.startswith("show_index"):
                continue
            if not self.app.check_action(binding.action.split("(")[0], ()):
                continue  # e.g. the replay keys outside a replay
            keys = binding.key_display or binding.key.replace(",", " / ")
            lines.append(f"  {keys:<5}", style="bold cyan")
            lines.append(f"{binding.description:<16}", style="bold")
            lines.append(f"{binding.tooltip}\n")
        lines.append(f"  {'1-9':<5}", style="bold cyan")
        lines.append(f"{'Symbol n':<16}", style="bold")
        lines.append("Show the n-th symbol's book\n")
        lines.append("\nCtrl+P opens the command palette (themes, symbols, every action).\n")
        lines.append("Press Esc to close.", style="dim")
        with VerticalScroll(id="help-body"):
            yield Static(lines, id="help-text")


class SymbolSwitcher(ModalScreen[str | None]):
    """Quick symbol picker: arrows/Enter or the symbol's number."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        *[Binding(str(n), f"pick({n - 1})", f"Symbol {n}", show=False) for n in range(1, 10)],
    ]

    def __init__(self, symbols: Iterable[str], current: str) -> None:
        super().__init__()
        self._symbols = list(symbols)
        self._current = current

    def compose(self) -> ComposeResult:
        options = [Option(f"{i + 1}  {s}", id=s) for i, s in enumerate(self._symbols)]
        option_list = OptionList(*options, id="symbol-list")
        option_list.border_title = "Switch symbol"
        yield option_list

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        if self._current in self._symbols:
            option_list.highlighted = self._symbols.index(self._current)
        option_list.focus()

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self._symbols):
            self.dismiss(self._symbols[index])

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class AlertRulesScreen(ModalScreen[None]):
    """The alert rules: type one to add it, ``delete`` removes the highlighted one.

    Every rule is checked by the same parser as ``--alert`` and the config file
    before it is used or saved; the app applies and saves (``on_rules_changed``).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("delete", "remove", "Remove rule"),
    ]

    def __init__(self, rules: Iterable[str], *,
                 on_add: Callable[[str], str | None], on_remove: Callable[[str], None]) -> None:
        """``on_add(text)``: an error message, or None when the rule was added."""
        super().__init__()
        self._rules = list(rules)
        self._on_add = on_add
        self._on_remove = on_remove

    def compose(self) -> ComposeResult:
        with Vertical(id="rules-body"):
            rules = OptionList(*[Option(r, id=r) for r in self._rules], id="rules-list")
            rules.border_title = "Alert rules"
            rules.border_subtitle = "shift+tab to the list, delete removes · esc closes"
            yield rules
            yield Input(placeholder="add a rule, e.g. BTC/USD last > 70000  (Enter)",
                        id="rule-input")
            yield Static("", id="rule-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def add(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        error = self._on_add(text) if text else "type a rule, e.g. BTC/USD last > 70000"
        self.query_one("#rule-error", Static).update(Text(error or "", style="bold red"))
        if error is None:
            self._rules.append(text)
            rules = self.query_one(OptionList)
            rules.add_option(Option(text, id=text))
            rules.highlighted = rules.option_count - 1  # the new one, ready to take back
            event.input.value = ""

    def action_remove(self) -> None:
        rules = self.query_one(OptionList)
        if rules.highlighted is None:
            return
        option = rules.get_option_at_index(rules.highlighted)
        text = str(option.id)
        rules.remove_option_at_index(rules.highlighted)
        self._rules.remove(text)
        self._on_remove(text)
