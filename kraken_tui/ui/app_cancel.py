"""Guarded cancels on the monitor: ``c`` the highlighted order, ``C`` all of them.

A mixin of ``KrakenMonitor``. Off unless ``--allow-cancel`` (or ``allow_cancel = true``):
read-only, the keys only say how to turn them on. On, each key opens a ``CancelDialog``
naming exactly what goes; a confirmation hands the request to the feed
(``Feed.request_cancel``, which hops onto the feed's loop), and every order's outcome
comes back as a ``CancelOutcome``: a toast and a log line each. The table itself only
follows the executions stream (or REST): nothing here removes a row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

from kraken_tui.feed.events import CancelFinished, CancelOutcome, FeedEvent
from kraken_tui.ui.cancel_dialog import CancelDialog, CancelPlan, order_words

if TYPE_CHECKING:
    from kraken_tui.config import Config
    from kraken_tui.feed.events import OrdersUpdated
    from kraken_tui.ui.notices import NoticeState
    from kraken_tui.ui.widgets.health import HealthPanel
    from kraken_tui.ui.widgets.orders import OrdersTable

log = logging.getLogger("kraken_tui.ui")

READ_ONLY_TOAST = ("Read-only: cancelling is off. Start with --allow-cancel (or set "
                   "allow_cancel = true in the config file) to use c and C.")
#: Toasts per request; a bigger cancel-all ends with one summary toast instead.
TOASTS_PER_REQUEST = 4
CANCEL_TOAST_S = 4.0  # a success (the next one replaces it)
FAILED_TOAST_S = 10.0  # rejected / unknown / already gone: read them
SEVERITY = {"cancelled": "information", "already_gone": "warning", "rejected": "error",
            "unknown": "error"}
HEADLINE = {"cancelled": "Cancelled", "already_gone": "Already gone",
            "rejected": "Cancel REJECTED", "unknown": "Cancel UNKNOWN"}


def outcome_text(event: CancelOutcome, precisions: dict[str, tuple[int, int]]) -> str:
    """``Cancelled BTC/USD BUY 0.25 @ 96,900.0 (ws)`` plus Kraken's words when it refused."""
    text = f"{HEADLINE[event.outcome]}: {order_words(event, precisions)} ({event.via})"
    if event.outcome == "unknown":
        return f"{text}: {event.error}; checking the open orders over REST"
    return f"{text}: {event.error}" if event.error else text


class CancelActions:
    """What ``KrakenMonitor`` provides to this half."""

    config: Config
    replay: Any
    _feed: Any
    _orders: OrdersTable
    _health: HealthPanel
    _last_orders: OrdersUpdated | None
    _notices: NoticeState
    _toast: Callable[..., None]
    push_screen: Callable[..., Any]
    call_after_refresh: Callable[..., Any]
    post_message: Callable[..., Any]
    _unnotify: Callable[..., None]
    toasts: bool

    # Immutable defaults, replaced (never mutated) per instance.
    _cancel_dialog_open: bool = False
    _cancel_busy: frozenset[str] = frozenset()
    _cancel_watch: frozenset[str] = frozenset()  # asked to go: their rows' end paints at once
    _cancel_toasts: tuple[tuple[int, int], ...] = ()  # (request, toasts shown), recent
    _cancel_toast_shown: Any = None  # the success toast a next one replaces

    @property
    def trading_mode(self) -> str | None:
        """``cancel`` with --allow-cancel, else ``read_only`` (the status line shows it);
        None in a replay, which trades nothing."""
        if self.replay is not None:
            return None
        return "cancel" if self.config.allow_cancel else "read_only"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Cancels do not exist in a replay (nothing is connected)."""
        if action in ("cancel_order", "cancel_all"):
            return self.replay is None
        return super().check_action(action, parameters)  # type: ignore[misc, no-any-return]

    def _cancel_views(self) -> dict[type[FeedEvent], Callable[[Any], None]]:
        return {CancelOutcome: self._on_cancel_outcome, CancelFinished: self._on_cancel_finished}

    # -- the keys -------------------------------------------------------------------------

    def _open_orders(self) -> dict[str, Any]:
        event = self._last_orders
        return {o.order_id: o for o in event.orders} if event is not None else {}

    def _may_cancel(self) -> bool:
        if self._cancel_dialog_open:
            return False  # a burst of keys: the dialog already asks
        if not self.config.allow_cancel:
            self._toast(READ_ONLY_TOAST, "warning")
            return False
        if not self.config.has_credentials:
            self._toast("No API keys: there are no orders of yours to cancel.", "warning")
            return False
        return True

    def action_cancel_order(self) -> None:
        if not self._may_cancel():
            return
        orders = self._open_orders()
        oid = self._orders.cursor_key
        if oid is None or oid not in orders:
            if not orders:
                self._toast("No open orders to cancel.")
                return
            self._orders.focus()
            self._orders.move_cursor(self._orders.row_keys[0])  # the highlight, to move
            self._toast("Pick the order in Open orders (arrows or a click), then press c.")
            return
        if oid in self._cancel_busy:
            self._toast(f"A cancel of {oid} is already in flight.", "warning")
            return
        self._ask(CancelPlan("cancel_order", (orders[oid],), **self._plan_context()))

    def action_cancel_all(self) -> None:
        if not self._may_cancel():
            return
        orders = self._open_orders()
        if not orders:
            self._toast("No open orders to cancel.")
            return
        self._ask(CancelPlan("cancel_all", tuple(orders.values()), **self._plan_context()))

    def _plan_context(self) -> dict[str, Any]:
        private = self._health.endpoints["private"]
        return {"system": self._notices.system, "precisions": dict(self._orders.precisions),
                "private_live": private.state == "connected" and private.note is None}

    def _ask(self, plan: CancelPlan) -> None:
        self._cancel_dialog_open = True
        self.push_screen(CancelDialog(plan), lambda confirmed: self._answered(plan, confirmed))

    def _answered(self, plan: CancelPlan, confirmed: bool | None) -> None:
        self._cancel_dialog_open = False
        what = f"{plan.method} of {len(plan.orders)} order(s)"
        if plan.blocked:
            log.info("%s not sent: the exchange is in maintenance", what)
            return
        if not confirmed:
            log.info("%s aborted at the confirmation", what)
            return
        request = getattr(self._feed, "request_cancel", None)
        if request is None:
            self._toast("This feed cannot cancel orders (a replay?).", "error")
            return
        ids = None if plan.method == "cancel_all" else [o.order_id for o in plan.orders]
        request(ids, plan.orders)
        self._cancel_busy = self._cancel_busy | {o.order_id for o in plan.orders}
        self._cancel_watch = self._cancel_watch | {o.order_id for o in plan.orders}
        log.info("%s requested: %s", what, ", ".join(o.order_id for o in plan.orders))

    # -- outcomes -------------------------------------------------------------------------

    def _cancel_paints_now(self, event: OrdersUpdated) -> bool:
        """True when ``event`` takes away a row we asked to cancel: the app then draws the
        table at once instead of with the next book paint (up to ``PANEL_DELAY`` later)."""
        if not self._cancel_watch:
            return False
        shown = {o.order_id for o in event.orders}
        gone = self._cancel_watch - shown
        self._cancel_watch = self._cancel_watch & shown
        return bool(gone)

    def _on_cancel_outcome(self, event: CancelOutcome) -> None:
        self._cancel_busy = self._cancel_busy - {event.order_id}
        if event.outcome == "rejected":
            self._cancel_watch = self._cancel_watch - {event.order_id}
        text = outcome_text(event, self._orders.precisions)
        log.log(logging.INFO if event.outcome == "cancelled" else logging.WARNING,
                "cancel %s: %s", event.order_id, text)
        shown = dict(self._cancel_toasts).get(event.request, 0)
        if shown < TOASTS_PER_REQUEST:
            # After the next refresh: a toast is a layout pass, and the row's end (often in
            # the same batch of messages) should reach the screen first.
            self.call_after_refresh(self._cancel_toast, text, SEVERITY[event.outcome])
            self._cancel_toasts = ((event.request, shown + 1),
                                   *[(r, n) for r, n in self._cancel_toasts
                                     if r != event.request][:7])

    def _cancel_toast(self, text: str, severity: str) -> None:
        """A cancel's toast; a success replaces the previous success still shown.

        Why: every toast on screen is mounted again on each screen switch (the dialog
        opening and closing), each a layout pass; cancels one after another stacked a
        dozen and made the next cancel's row wait ~250 ms to go instead of ~50. Failures
        are never replaced: they stay their whole (longer) time.
        """
        if not self.toasts:
            return
        from textual.app import Notify
        from textual.notifications import Notification

        shown = getattr(self, "_notifications", None)
        previous = self._cancel_toast_shown
        if previous is not None and shown is not None and previous in shown:
            self._unnotify(previous, refresh=False)  # Textual's own remove (no public one)
        ok = severity == "information"
        note = Notification(text, "", severity, CANCEL_TOAST_S if ok else FAILED_TOAST_S,  # type: ignore[arg-type]
                            markup=False)
        self._cancel_toast_shown = note if ok else None
        self.post_message(Notify(note))

    def _on_cancel_finished(self, event: CancelFinished) -> None:
        counts = (f"{event.cancelled} cancelled, {event.already_gone} already gone, "
                  f"{event.rejected} rejected, {event.unknown} unknown")
        kraken = f" (Kraken counted {event.count})" if event.count is not None else ""
        log.info("cancel request #%d (%s via %s) done: %s%s", event.request, event.method,
                 event.via, counts, kraken)
        if event.orders > TOASTS_PER_REQUEST or (
                event.count is not None and event.count > event.orders):
            self._toast(f"Cancel all: {counts}{kraken}.",
                        "information" if event.ok else "error")

    # -- the palette ----------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)  # type: ignore[misc]
        yield SystemCommand("Cancel the highlighted order", "c: after a confirmation "
                            "(needs --allow-cancel)", self.action_cancel_order)
        yield SystemCommand("Cancel ALL open orders", "C: after a confirmation listing them "
                            "(needs --allow-cancel)", self.action_cancel_all)
