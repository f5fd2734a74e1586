"""The monitor's keys: one list, shown in the footer, the help screen and the palette.

The ladder's own keys (scrolling, grouping) are ``LADDER_BINDINGS``: bindings of the
focused ladder, so that while the orders table has focus (Tab) the arrows scroll it.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

MONITOR_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit", tooltip="Quit (disarms the dead man's switch cleanly)"),
    Binding("question_mark", "help", "Help", key_display="?", tooltip="This list of keys"),
    Binding("s", "switch_symbol", "Symbol", tooltip="Pick the book to show (or press 1-9)"),
    Binding("right_square_bracket", "next_symbol", "Next symbol", key_display="]",
            show=False, tooltip="Next symbol's book"),
    Binding("left_square_bracket", "prev_symbol", "Prev symbol", key_display="[",
            show=False, tooltip="Previous symbol's book"),
    Binding("d", "cycle_depth", "Depth",
            tooltip="Cycle the subscribed depth: 10 → 25 → 100 → 500 → 1000"),
    Binding("p", "toggle_pause", "Pause",
            tooltip="Freeze the ladders to read them (data keeps flowing)"),
    Binding("r", "resync", "Resync",
            tooltip="Rebuild the shown book from a fresh snapshot"),
    Binding("t", "toggle_side", "Panels",
            tooltip="Hide/show the side panels (narrow screens: swap book and panels)"),
    # Guarded: a confirmation first, and only with --allow-cancel (else a toast says how).
    Binding("c", "cancel_order", "Cancel",
            tooltip="Cancel the highlighted open order (Tab to the table, arrows or a click "
            "pick it), after a confirmation"),
    Binding("C,shift+c", "cancel_all", "Cancel all", key_display="C",
            tooltip="Cancel ALL open orders, after a confirmation that lists them"),
    Binding("h", "toggle_panel('health')", "Health panel", show=False,
            tooltip="Hide/show the connection panel"),
    Binding("o", "toggle_panel('orders')", "Orders panel", show=False,
            tooltip="Hide/show open orders"),
    Binding("b", "toggle_panel('balances')", "Balances panel", show=False,
            tooltip="Hide/show balances"),
    Binding("f", "toggle_panel('fills')", "Fills panel", show=False,
            tooltip="Hide/show my fills"),
    Binding("k", "toggle_panel('market')", "Chart and trades", show=False,
            tooltip="Hide/show the 1-minute chart and the trade tape"),
    *[Binding(str(n), f"show_index({n - 1})", f"Symbol {n}", show=False) for n in range(1, 10)],
    Binding("a", "alert_rules", "Alerts", show=False,
            tooltip="Alert rules: add one (checked, saved to the config), remove one"),
    Binding("x", "clear_alerts", "Clear alerts", show=False,
            tooltip="Empty the Alerts panel (shown when there are alert rules)"),
    # A replay only (hidden otherwise: KrakenMonitor.check_action).
    Binding("space", "replay_pause", "Pause replay", key_display="space",
            tooltip="Replay: pause / resume the recording"),
    Binding("plus,equals_sign", "replay_speed(1)", "Faster", key_display="+",
            tooltip="Replay: faster (x0.25 … x100, max)"),
    Binding("minus", "replay_speed(-1)", "Slower", key_display="-",
            tooltip="Replay: slower"),
]

#: Bound on ``BookLadder`` (focused at start); listed by the help screen after the above.
LADDER_BINDINGS: list[BindingType] = [
    Binding("up", "ladder_scroll(-1)", "Scroll up", key_display="↑", show=False,
            tooltip="Ladder: one row up, toward the deeper asks (or the mouse wheel)"),
    Binding("down", "ladder_scroll(1)", "Scroll down", key_display="↓", show=False,
            tooltip="Ladder: one row down, toward the deeper bids"),
    Binding("pageup", "ladder_page(-1)", "Page up", key_display="PgUp", show=False,
            tooltip="Ladder: a screenful up"),
    Binding("pagedown", "ladder_page(1)", "Page down", key_display="PgDn", show=False,
            tooltip="Ladder: a screenful down"),
    Binding("home,m", "ladder_centre", "Centre", key_display="m", show=False,
            tooltip="Ladder: back to the spread, and follow it again (also Home)"),
    Binding("g", "ladder_group", "Group", show=False,
            tooltip="Ladder: group prices by 1× → 10× → 100× the tick (display only)"),
]
