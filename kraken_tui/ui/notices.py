"""What each feed event means on screen: banners, toasts and health notes.

Plain data in, plain data out, no Textual: every rule is tested on its own, and
the app only applies the notices to its widgets. The banner texts live here, next
to the rules that choose them. A banner is for a condition that persists and stays
until the event that ends it; a toast is transient news.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kraken_tui.feed.events import (
    ConnectionChanged,
    CredentialsRejected,
    DeadManSwitch,
    FeedError,
    FeedEvent,
    HeartbeatTimeout,
    ModeChanged,
    PairStatusChanged,
    Reconciled,
    ResyncDone,
    ResyncStarted,
    SymbolUnlisted,
    SystemStatusChanged,
)

BannerSeverity = Literal["error", "warning", "info"]
ToastSeverity = Literal["information", "warning", "error"]
HealthTarget = Literal["public", "private", "dms"]


@dataclass(frozen=True, slots=True)
class SetBanner:
    """Show (or update) the banner for a condition; it stays until cleared."""

    key: str
    text: str
    severity: BannerSeverity


@dataclass(frozen=True, slots=True)
class ClearBanner:
    key: str


@dataclass(frozen=True, slots=True)
class Toast:
    text: str
    severity: ToastSeverity = "information"


@dataclass(frozen=True, slots=True)
class HealthNote:
    """Why an endpoint (or the dead man's switch) is not what it seems; ``title`` None clears."""

    target: HealthTarget
    title: str | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PanelsNote:
    """Why the orders and balances panels are empty, in their borders ("" clears)."""

    subtitle: str


Notice = SetBanner | ClearBanner | Toast | HealthNote | PanelsNote

SYSTEM_BANNERS: dict[str, tuple[BannerSeverity, str]] = {
    "maintenance": ("error", "EXCHANGE MAINTENANCE — no new orders and no cancels until it ends"),
    "cancel_only": (
        "warning",
        "EXCHANGE CANCEL-ONLY — cancels accepted, no new orders, no matching",
    ),
    "post_only": ("warning", "EXCHANGE POST-ONLY — only post-only limit orders, no matching"),
}

PAIR_STATUS_TEXT = {
    "limit_only": "LIMIT-ONLY — only limit orders accepted",
    "cancel_only": "CANCEL-ONLY — cancels only",
    "post_only": "POST-ONLY — only post-only limit orders",
    "reduce_only": "REDUCE-ONLY — only orders that reduce a position",
    "maintenance": "MAINTENANCE — trading halted",
    "delisted": "DELISTED",
    "work_in_progress": "WORK IN PROGRESS — not tradable",
}

#: Resyncs the user caused (a depth change): no banner, no toast.
QUIET_RESYNCS = frozenset({"depth_change"})

#: Where a handled error happened, as the toasts and banners name it.
SOURCE_NAMES = {
    "public": "Public feed",
    "private": "Private feed",
    "rest": "REST",
    "deadman": "Dead man's switch",
    "feed": "Feed",
}

#: Where a bug struck, as the INTERNAL ERROR banner says it.
INTERNAL_PLACES = {
    "public": "the public feed",
    "private": "the private feed",
    "rest": "a REST call",
    "feed": "the feed's housekeeping",
}

#: One kind of handled error (source and error text) is toasted at most once per this
#: many seconds; the next toast counts the ones in between. A flood of malformed frames
#: is one toast, not hundreds; every one is in the log.
ERROR_TOAST_INTERVAL = 10.0

#: Longest error detail put in a toast (a malformed frame's reason can be a whole frame).
TOAST_DETAIL_CHARS = 120

#: Banner keys.
KEYS_BANNER = "keys"
DMS_BANNER = "dms"
FEED_BANNER = "feed"


@dataclass
class NoticeState:
    """What the rules remember between events; one per app."""

    log_path: Path
    config_source: str = "the config file"
    system: str | None = None
    banners: set[str] = field(default_factory=set)  # keys of the banners the rules set
    connected_before: set[str] = field(default_factory=set)  # endpoints ever live
    resync_reasons: dict[str, str] = field(default_factory=dict)
    keys_rejected: bool = False
    error_toasted_at: dict[tuple[str, str], float] = field(default_factory=dict)
    errors_untoasted: dict[tuple[str, str], int] = field(default_factory=dict)

    def see_log(self) -> str:
        return f"details in the log: {self.log_path}"


Rule = Callable[[Any, NoticeState, float], list[Notice]]


def notices_for(event: FeedEvent, state: NoticeState, now: float) -> list[Notice]:
    """The banners, toasts and health notes ``event`` calls for (``state`` is updated).

    ``now`` (seconds, the app's clock) paces the error toasts. Clearing a banner that
    is not up is left out, so an empty list means: nothing to show.
    """
    rule = RULES.get(type(event))
    if rule is None:
        return []
    notices = [
        n for n in rule(event, state, now)
        if not isinstance(n, ClearBanner) or n.key in state.banners
    ]
    for notice in notices:
        if isinstance(notice, SetBanner):
            state.banners.add(notice.key)
        elif isinstance(notice, ClearBanner):
            state.banners.discard(notice.key)
    return notices


def book_trusted(symbol: str, state: NoticeState) -> list[Notice]:
    """A valid view ends the symbol's resync banner at once (ResyncDone may come later)."""
    key = f"resync:{symbol}"
    if key not in state.banners:
        return []
    state.banners.discard(key)
    return [ClearBanner(key)]


def feed_stopped(error: BaseException | None, state: NoticeState) -> list[Notice]:
    """The feed's thread ended: with ``error`` it crashed, without it returned early."""
    if error is None:
        text = "FEED ENDED — data is frozen; restart the monitor"
    else:
        text = f"FEED STOPPED — {error!r}; data is frozen; restart the monitor ({state.see_log()})"
    state.banners.add(FEED_BANNER)
    return [SetBanner(FEED_BANNER, text, "error")]


# -- the rules, one per event type ---------------------------------------------


def _connection(event: ConnectionChanged, state: NoticeState, now: float) -> list[Notice]:
    endpoint = event.endpoint
    key = f"conn:{endpoint}"
    if event.state in ("backoff", "disconnected"):
        if endpoint == "private" and state.keys_rejected:
            return []  # the keys banner says why, and stays
        why = f" ({event.reason})" if event.reason else ""
        what = "books are stale" if endpoint == "public" else "orders and balances may be stale"
        text = f"{endpoint.upper()} FEED DOWN{why} — {what}; reconnecting"
        return [SetBanner(key, text, "error")]
    if event.state != "connected":
        return []
    internal = f"internal:{endpoint}"
    notices: list[Notice] = [ClearBanner(key), ClearBanner(internal)]
    name = SOURCE_NAMES[endpoint]
    if endpoint == "private" and state.keys_rejected:
        state.keys_rejected = False
        notices += [
            ClearBanner(KEYS_BANNER),
            HealthNote("private", None),
            PanelsNote(""),
            Toast("Private feed live: the API keys were accepted"),
        ]
    elif internal in state.banners:
        notices.append(Toast(f"{name} reconnected after an internal error ({state.see_log()})",
                             "warning"))
    elif key in state.banners or endpoint in state.connected_before:
        notices.append(Toast(f"{name} reconnected"))
    state.connected_before.add(endpoint)
    return notices


def _credentials_rejected(
    event: CredentialsRejected, state: NoticeState, now: float
) -> list[Notice]:
    state.keys_rejected = True
    detail = f" ({event.detail})" if event.detail else ""
    text = (
        f"API KEYS REJECTED — Kraken answered {event.error}{detail}: no orders, no balances. "
        f"Check KRAKEN_API_KEY and KRAKEN_API_SECRET (or api_key/api_secret in "
        f"{state.config_source}); retrying."
    )
    reason = event.error.partition(":")[2] or event.error  # "Invalid key": fits the panel
    return [
        ClearBanner("conn:private"),  # "FEED DOWN (closed by server)" would hide the cause
        SetBanner(KEYS_BANNER, text, "error"),
        HealthNote("private", "KEYS REJECTED", reason),
        PanelsNote("API keys rejected"),  # empty panels must not read as "no orders"
    ]


def _system(event: SystemStatusChanged, state: NoticeState, now: float) -> list[Notice]:
    previous, state.system = state.system, event.system
    if event.system in SYSTEM_BANNERS:
        severity, text = SYSTEM_BANNERS[event.system]
        return [SetBanner("system", text, severity)]
    notices: list[Notice] = [ClearBanner("system")]
    if previous in SYSTEM_BANNERS and event.system == "online":
        notices.append(Toast("Exchange is back online"))
    return notices


def _pair(event: PairStatusChanged, state: NoticeState, now: float) -> list[Notice]:
    key = f"pair:{event.symbol}"
    if event.status == "online":
        return [ClearBanner(key)]
    text = PAIR_STATUS_TEXT.get(event.status, event.status.upper())
    return [SetBanner(key, f"{event.symbol} {text}", "warning")]


def _unlisted(event: SymbolUnlisted, state: NoticeState, now: float) -> list[Notice]:
    # Stays up: the symbol came from the command line or the config, which only the
    # user can change; the other symbols carry on meanwhile.
    return [SetBanner(f"unlisted:{event.symbol}", f"UNKNOWN SYMBOL — {event.note}", "warning")]


def _resync_started(event: ResyncStarted, state: NoticeState, now: float) -> list[Notice]:
    # The ladder goes stale through the feed's own BookUpdated(valid=False); marking it
    # here could land after a newer valid view that the mailbox already holds.
    state.resync_reasons[event.symbol] = event.reason
    if event.reason in QUIET_RESYNCS:
        return []  # asked for by the user; the stale ladder says enough
    reason = event.reason.replace("_", " ")
    text = (
        f"{event.symbol} RESYNCING — {reason}; rebuilding the book from a fresh snapshot "
        f"(resync #{event.count})"
    )
    return [SetBanner(f"resync:{event.symbol}", text, "warning")]


def _resync_done(event: ResyncDone, state: NoticeState, now: float) -> list[Notice]:
    notices: list[Notice] = [ClearBanner(f"resync:{event.symbol}")]
    if state.resync_reasons.pop(event.symbol, "") not in QUIET_RESYNCS:
        notices.append(Toast(f"{event.symbol} book resynced"))
    return notices


def _dms_failing(reason: str, log_hint: str = "") -> list[Notice]:
    text = f"DEAD MAN'S SWITCH FAILING: {reason} — open orders are NOT protected; retrying"
    text += f" ({log_hint})" if log_hint else ""
    return [SetBanner(DMS_BANNER, text, "error"), HealthNote("dms", "FAILING", reason)]


def _dead_man(event: DeadManSwitch, state: NoticeState, now: float) -> list[Notice]:
    if event.error:
        return _dms_failing(event.error)
    if event.armed and DMS_BANNER in state.banners:  # re-armed: the only end of a failure
        return [ClearBanner(DMS_BANNER), HealthNote("dms", None)]
    return []


def _mode(event: ModeChanged, state: NoticeState, now: float) -> list[Notice]:
    if event.private:
        return [ClearBanner("mode"), PanelsNote("")]
    if event.replay:  # keys are beside the point: the recording holds no private frames
        return [ClearBanner("mode"), PanelsNote("not in the recording")]
    note = event.note or "no API keys"
    text = (
        f"PUBLIC-ONLY MODE — {note}. Orders, balances and the dead man's switch are off. "
        f"Set KRAKEN_API_KEY and KRAKEN_API_SECRET (or api_key/api_secret in "
        f"{state.config_source})."
    )
    return [SetBanner("mode", text, "info"), PanelsNote("needs API keys")]


def _reconciled(event: Reconciled, state: NoticeState, now: float) -> list[Notice]:
    if not event.changes:
        return []
    return [Toast(f"{event.what.capitalize()} reconciled: {event.changes} corrected")]


def _heartbeat(event: HeartbeatTimeout, state: NoticeState, now: float) -> list[Notice]:
    text = f"{event.endpoint.capitalize()} feed silent for {event.silence:.1f}s — reconnecting"
    return [Toast(text, "warning")]


def _feed_error(event: FeedError, state: NoticeState, now: float) -> list[Notice]:
    """Every source is shown: a bug as a banner, other handled errors as paced toasts."""
    source, error = event.endpoint, event.error
    internal = error == "internal error"
    if source == "deadman":
        detail = f": {event.detail}" if event.detail else ""
        return _dms_failing(f"{error}{detail}", state.see_log() if internal else "")
    if internal:
        place = INTERNAL_PLACES.get(source, source)
        after = "reconnecting" if source in ("public", "private") else "some data may stop updating"
        text = f"INTERNAL ERROR in {place}: {event.detail} — {after}; {state.see_log()}"
        return [SetBanner(f"internal:{source}", text, "error")]
    return _paced_toast(event, state, now)


def _paced_toast(event: FeedError, state: NoticeState, now: float) -> list[Notice]:
    kind = (event.endpoint, event.error)
    last = state.error_toasted_at.get(kind)
    if last is not None and now - last < ERROR_TOAST_INTERVAL:
        state.errors_untoasted[kind] = state.errors_untoasted.get(kind, 0) + 1
        return []
    state.error_toasted_at[kind] = now
    more = state.errors_untoasted.pop(kind, 0)
    detail = event.detail
    if len(detail) > TOAST_DETAIL_CHARS:
        detail = detail[: TOAST_DETAIL_CHARS - 1] + "…"
    text = f"{SOURCE_NAMES.get(event.endpoint, event.endpoint)}: {event.error}"
    text += f" — {detail}" if detail else ""
    text += f" (+{more} more since the last)" if more else ""
    return [Toast(text, "warning")]


RULES: dict[type[FeedEvent], Rule] = {
    ConnectionChanged: _connection,
    CredentialsRejected: _credentials_rejected,
    SystemStatusChanged: _system,
    PairStatusChanged: _pair,
    SymbolUnlisted: _unlisted,
    ResyncStarted: _resync_started,
    ResyncDone: _resync_done,
    DeadManSwitch: _dead_man,
    ModeChanged: _mode,
    Reconciled: _reconciled,
    HeartbeatTimeout: _heartbeat,
    FeedError: _feed_error,
}
