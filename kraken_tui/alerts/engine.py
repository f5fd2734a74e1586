"""The firing engine: observations in, ``AlertFired`` records out (pure, clock injected).

Edge-triggered with hysteresis: a rule fires when its condition becomes true, then
re-arms only once the value is back past the threshold by ``hysteresis_pct`` of it.
Never fires from data that is not valid (a stale book or ticker). Cheap by design,
so 1,000 rules cost little per book update: an unchanged top of book returns at
once, and price rules sit in per-(symbol, field) lists sorted by the values where
their state can flip, so a move from ``old`` to ``new`` looks only at the rules
whose boundaries lie between the two (``bisect``).
"""

from __future__ import annotations

import logging
import operator
import time
from bisect import bisect_left, bisect_right
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_UP, Decimal
from typing import Protocol

from kraken_tui.alerts.fired import AlertFired
from kraken_tui.alerts.rules import BOOK_FIELDS, Kind, Rule

log = logging.getLogger(__name__)

DEADMAN_WARNING_S = 10.0
_SEEN_FILLS = 10_000  # exec ids remembered to ignore a replayed fill
_QUANTUM = Decimal("0.0001")  # shown digits of computed values (spread_bps, move %)
_HUNDRED = Decimal(100)

_FIRE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
# re-arm once the value is on the other side of the re-arm boundary (strictness flipped)
_REARM = {">": operator.le, ">=": operator.lt, "<": operator.ge, "<=": operator.gt}


class TickerLike(Protocol):
    """What the engine needs from a ticker (the feed's Ticker type fits)."""

    @property
    def symbol(self) -> str: ...
    @property
    def last(self) -> Decimal | None: ...
    @property
    def change_pct(self) -> Decimal | None: ...
    @property
    def valid(self) -> bool: ...


class FillLike(Protocol):
    """What the engine needs from one fill of mine (the feed's Fill type fits)."""

    @property
    def symbol(self) -> str: ...
    @property
    def order_id(self) -> str: ...
    @property
    def exec_id(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def qty(self) -> Decimal: ...


class _PriceWatch:
    """One price rule's state; ``armed`` False means fired and waiting to re-arm."""

    __slots__ = ("armed", "fire", "rearm", "rearm_at", "rule")

    def __init__(self, rule: Rule) -> None:
        assert rule.value is not None
        self.rule = rule
        band = abs(rule.value) * rule.hysteresis_pct / _HUNDRED
        op = rule.op or ">="  # a move rule: |move| >= PCT
        self.rearm_at = rule.value - band if op in (">", ">=") else rule.value + band
        self.fire = _FIRE[op]
        self.rearm = _REARM[op]
        self.armed = True

    def baseline(self, value: Decimal) -> None:
        """First sight of the value: a level already true is not an edge."""
        self.armed = not self.fire(value, self.rule.value)


class _FieldGroup:
    """Price rules on one (symbol, field), sorted by their two boundaries."""

    __slots__ = ("keys", "last", "watches", "watches_by_key")

    def __init__(self) -> None:
        self.watches: list[_PriceWatch] = []
        self.keys: list[Decimal] = []
        self.watches_by_key: list[_PriceWatch] = []
        self.last: Decimal | None = None  # last valid value evaluated

    def rebuild(self) -> None:
        pairs = sorted(
            [(w.rule.value, i, w) for i, w in enumerate(self.watches)]
            + [(w.rearm_at, i, w) for i, w in enumerate(self.watches)],
            key=lambda p: (p[0], p[1]),
        )
        self.keys = [p[0] for p in pairs]  # type: ignore[misc]
        self.watches_by_key = [p[2] for p in pairs]

    def candidates(self, old: Decimal, new: Decimal) -> list[_PriceWatch]:
        lo, hi = (old, new) if old <= new else (new, old)
        return self.watches_by_key[bisect_left(self.keys, lo) : bisect_right(self.keys, hi)]


class _MoveTracker:
    """Rolling min/max of last prices over one window (monotonic deques, O(1) amortised)."""

    __slots__ = ("highs", "lows", "rules", "window")

    def __init__(self, window: Decimal) -> None:
        self.window = float(window)
        self.lows: deque[tuple[float, Decimal]] = deque()
        self.highs: deque[tuple[float, Decimal]] = deque()
        self.rules: list[_PriceWatch] = []  # value = PCT; armed flag reused

    def push(self, now: float, price: Decimal) -> tuple[Decimal, Decimal]:
        lows, highs = self.lows, self.highs
        while lows and lows[-1][1] >= price:
            lows.pop()
        lows.append((now, price))
        while highs and highs[-1][1] <= price:
            highs.pop()
        highs.append((now, price))
        horizon = now - self.window
        while lows[0][0] < horizon:
            lows.popleft()
        while highs[0][0] < horizon:
            highs.popleft()
        return lows[0][1], highs[0][1]


def _shown(value: Decimal, op: str | None) -> str:
    """A computed value at 4 decimals, rounded away from the threshold (stays true)."""
    rounding = ROUND_CEILING if op in (">", ">=") else ROUND_FLOOR if op else ROUND_UP
    return str(value.quantize(_QUANTUM, rounding=rounding))


class AlertEngine:
    """Evaluates rules against observations; every ``observe_*`` returns what fired."""

    def __init__(
        self,
        rules: Iterable[Rule] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        disabled_kinds: Iterable[Kind] = (),
    ) -> None:
        self._clock = clock
        self._wall = wall_clock
        self._disabled = frozenset(disabled_kinds)
        self._rules: list[Rule] = []
        self._groups: dict[tuple[str, str], _FieldGroup] = {}
        self._book_groups: dict[str, list[tuple[str, _FieldGroup]]] = {}
        self._ticker_groups: dict[str, list[tuple[str, _FieldGroup]]] = {}
        self._moves: dict[str, dict[Decimal, _MoveTracker]] = {}
        self._simple: dict[str, list[Rule]] = {"fill": [], "status": [], "deadman": []}
        self._stale: dict[Rule, set[tuple[str, str]]] = {}  # rule -> items it fired for
        self._deadman_fired: set[Rule] = set()
        self._top: dict[str, tuple[Decimal | None, Decimal | None]] = {}  # last valid
        self._ticker_seen: dict[str, tuple[Decimal | None, Decimal | None]] = {}
        self._not_live_since: dict[tuple[str, str], float | None] = {}
        self._system_status: str | None = None
        self._pair_status: dict[str, str] = {}
        self._fills_seen: OrderedDict[str, None] = OrderedDict()
        self._deadman: tuple[bool, str | None, float | None] = (False, None, None)
        for rule in rules:
            self.add_rule(rule)

    # ---- rules ---------------------------------------------------------------------------

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(self._rules)

    def add_rule(self, rule: Rule) -> None:
        """Add a rule; a price level already true when it is added does not fire."""
        if rule.kind in self._disabled:
            return
        self._rules.append(rule)
        if rule.kind == "price":
            assert rule.symbol is not None and rule.field is not None
            group = self._groups.get((rule.symbol, rule.field))
            if group is None:
                group = self._groups[(rule.symbol, rule.field)] = _FieldGroup()
                index = self._book_groups if rule.field in BOOK_FIELDS else self._ticker_groups
                index.setdefault(rule.symbol, []).append((rule.field, group))
            watch = _PriceWatch(rule)
            if group.last is None:
                group.last = self._known_value(rule.symbol, rule.field)
            if group.last is not None:
                watch.baseline(group.last)
            group.watches.append(watch)
            group.rebuild()
        elif rule.kind == "move":
            assert rule.symbol is not None and rule.window is not None
            trackers = self._moves.setdefault(rule.symbol, {})
            tracker = trackers.get(rule.window)
            if tracker is None:
                tracker = trackers[rule.window] = _MoveTracker(rule.window)
            tracker.rules.append(_PriceWatch(rule))
        elif rule.kind == "stale":
            self._stale[rule] = set()
        else:
            self._simple[rule.kind].append(rule)

    def remove_rule(self, text: str) -> bool:
        """Remove the first rule with this text; False when there is none."""
        rule = next((r for r in self._rules if r.text == text), None)
        if rule is None:
            return False
        self._rules.remove(rule)
        if rule.kind == "price":
            group = self._groups[(rule.symbol, rule.field)]  # type: ignore[index]
            group.watches = [w for w in group.watches if w.rule is not rule]
            group.rebuild()
        elif rule.kind == "move":
            tracker = self._moves[rule.symbol][rule.window]  # type: ignore[index]
            tracker.rules = [w for w in tracker.rules if w.rule is not rule]
        elif rule.kind == "stale":
            del self._stale[rule]
        else:
            self._simple[rule.kind].remove(rule)
            self._deadman_fired.discard(rule)
        return True

    # ---- observations --------------------------------------------------------------------

    def watch(self, books: Iterable[str] = (), endpoints: Iterable[str] = ()) -> None:
        """Count these as not live from now until they say otherwise (for ``stale``)."""
        now = self._clock()
        for item in [("book", s) for s in books] + [("endpoint", e) for e in endpoints]:
            self._not_live_since.setdefault(item, now)

    def observe_book(
        self, symbol: str, valid: bool, bid: Decimal | None, ask: Decimal | None
    ) -> list[AlertFired]:
        """A book's top of book; only a valid book is evaluated."""
        self._set_live(("book", symbol), valid)
        if not valid:
            return []
        top = (bid, ask)
        if self._top.get(symbol) == top:
            return []
        self._top[symbol] = top
        groups = self._book_groups.get(symbol)
        if not groups:
            return []
        fired: list[AlertFired] = []
        mid, spread_bps = self._mid_and_spread_bps(bid, ask)
        for field, group in groups:
            value = bid if field == "bid" else ask if field == "ask" else mid
            if field == "spread_bps":
                value = spread_bps
            if value is not None:
                self._evaluate(group, symbol, field, value, fired)
        return fired

    @staticmethod
    def _mid_and_spread_bps(
        bid: Decimal | None, ask: Decimal | None
    ) -> tuple[Decimal | None, Decimal | None]:
        if bid is None or ask is None:
            return None, None
        total = ask + bid
        return total / 2, (ask - bid) * 20_000 / total if total > 0 else None

    def _known_value(self, symbol: str, field: str) -> Decimal | None:
        """The last valid value of a field seen so far (a new rule's baseline)."""
        if field in BOOK_FIELDS:
            bid, ask = self._top.get(symbol, (None, None))
            mid, spread_bps = self._mid_and_spread_bps(bid, ask)
            return {"bid": bid, "ask": ask, "mid": mid, "spread_bps": spread_bps}[field]
        last, change_pct = self._ticker_seen.get(symbol, (None, None))
        return last if field == "last" else change_pct

    def observe_book_event(self, event: object) -> list[AlertFired]:
        """A ``feed.events.BookUpdated`` (symbol, valid, view)."""
        view = getattr(event, "view", None)
        bid = view.best_bid if view is not None else None
        ask = view.best_ask if view is not None else None
        valid = bool(getattr(event, "valid", False)) and view is not None
        return self.observe_book(event.symbol, valid, bid, ask)  # type: ignore[attr-defined]

    def observe_ticker(self, ticker: TickerLike) -> list[AlertFired]:
        """``last`` and ``change_pct`` rules, and the rolling windows of ``move_pct``."""
        if not ticker.valid:
            return []
        symbol, last = ticker.symbol, ticker.last
        seen = self._ticker_seen.get(symbol, (None, None))
        self._ticker_seen[symbol] = (
            last if last is not None else seen[0],
            ticker.change_pct if ticker.change_pct is not None else seen[1],
        )
        fired: list[AlertFired] = []
        for field, group in self._ticker_groups.get(symbol, ()):
            value = last if field == "last" else ticker.change_pct
            if value is not None:
                self._evaluate(group, symbol, field, value, fired)
        trackers = self._moves.get(symbol)
        if trackers and last is not None and last > 0:
            now = self._clock()
            for tracker in trackers.values():
                self._evaluate_move(tracker, symbol, now, last, fired)
        return fired

    def observe_fill(self, fill: FillLike) -> list[AlertFired]:
        """One new fill of mine; a replayed exec id fires nothing."""
        rules = self._simple["fill"]
        key = fill.exec_id or f"{fill.order_id}:{fill.price}:{fill.qty}"
        if key in self._fills_seen:
            return []
        self._fills_seen[key] = None
        if len(self._fills_seen) > _SEEN_FILLS:
            self._fills_seen.popitem(last=False)
        text = f"{fill.side} {fill.qty} {fill.symbol} @ {fill.price}"
        return [
            self._fire(rule, fill.symbol, str(fill.price), f"fill: {text} (order {fill.order_id})")
            for rule in rules
        ]

    def observe_system_status(self, status: str) -> list[AlertFired]:
        """Exchange status; the first one seen is the baseline, then each change fires."""
        previous, self._system_status = self._system_status, status
        if previous is None or previous == status:
            return []
        message = f"exchange status {previous} -> {status}"
        return [self._fire(rule, None, status, message) for rule in self._simple["status"]]

    def observe_pair_status(self, symbol: str, status: str) -> list[AlertFired]:
        """A pair's status changed (the feed reports changes only); repeats fire nothing."""
        previous = self._pair_status.get(symbol)
        self._pair_status[symbol] = status
        if previous == status:
            return []
        was = f" {previous} ->" if previous else ""
        message = f"{symbol} status{was} {status}"
        return [self._fire(rule, symbol, status, message) for rule in self._simple["status"]]

    def observe_deadman(
        self, *, armed: bool, error: str | None = None, trigger_at: float | None = None
    ) -> list[AlertFired]:
        """Dead man's switch state; ``trigger_at`` is the epoch when it cancels everything."""
        self._deadman = (armed, error, trigger_at)
        return self._evaluate_deadman()

    def observe_endpoint(self, endpoint: str, live: bool) -> list[AlertFired]:
        """An endpoint's liveness (e.g. connected and subscribed) for ``stale`` rules."""
        self._set_live(("endpoint", endpoint), live)
        return []

    def tick(self) -> list[AlertFired]:
        """Timers: ``stale`` ages and the dead man's switch countdown (call ~every second)."""
        fired = self._evaluate_deadman()
        if not self._stale:
            return fired
        now = self._clock()
        for item, since in self._not_live_since.items():
            if since is None:
                continue
            age = now - since
            for rule, done in self._stale.items():
                if item not in done and age > float(rule.value):  # type: ignore[arg-type]
                    done.add(item)
                    what, name = item
                    symbol = name if what == "book" else None
                    label = f"{name} book" if what == "book" else f"{name} endpoint"
                    message = f"{label} not live for {age:.1f} s"
                    fired.append(self._fire(rule, symbol, f"{age:.1f}", message))
        return fired

    # ---- evaluation ----------------------------------------------------------------------

    def _set_live(self, item: tuple[str, str], live: bool) -> None:
        since = self._not_live_since.get(item, 0.0)
        if live:
            if since is not None:
                self._not_live_since[item] = None
                for done in self._stale.values():
                    done.discard(item)
        elif since is None or item not in self._not_live_since:
            self._not_live_since[item] = self._clock()

    def _evaluate(
        self, group: _FieldGroup, symbol: str, field: str, value: Decimal, out: list[AlertFired]
    ) -> None:
        old = group.last
        if old == value:
            return
        group.last = value
        if old is None:
            for watch in group.watches:
                watch.baseline(value)
            return
        for watch in group.candidates(old, value):
            rule = watch.rule
            if watch.armed:
                if watch.fire(value, rule.value):
                    watch.armed = False
                    shown = _shown(value, rule.op) if field == "spread_bps" else str(value)
                    message = f"{symbol} {field} {shown} {rule.op} {rule.value}"
                    out.append(self._fire(rule, symbol, shown, message))
            elif watch.rearm(value, watch.rearm_at):
                watch.armed = True

    def _evaluate_move(
        self, tracker: _MoveTracker, symbol: str, now: float, last: Decimal, out: list[AlertFired]
    ) -> None:
        low, high = tracker.push(now, last)
        rise = (last - low) * _HUNDRED  # compared with PCT * low: exact, no division
        fall = (high - last) * _HUNDRED
        for watch in tracker.rules:
            pct = watch.rule.value
            assert pct is not None
            if watch.armed:
                up, down = rise >= pct * low, fall >= pct * high
                if up or down:
                    watch.armed = False
                    move = rise / low if up and (not down or rise / low >= fall / high) else (
                        -fall / high
                    )
                    shown = _shown(move, None)
                    start = low if move > 0 else high
                    message = (
                        f"{symbol} last moved {shown} % in {tracker.window:g} s "
                        f"({start} -> {last})"
                    )
                    out.append(self._fire(watch.rule, symbol, shown, message))
            else:
                limit = watch.rearm_at  # PCT less hysteresis_pct of it
                if rise < limit * low and fall < limit * high:
                    watch.armed = True

    def _evaluate_deadman(self) -> list[AlertFired]:
        rules = self._simple["deadman"]
        if not rules:
            return []
        armed, error, trigger_at = self._deadman
        left = None if trigger_at is None else trigger_at - self._wall()
        failing = error is not None
        soon = armed and left is not None and left < DEADMAN_WARNING_S
        fired: list[AlertFired] = []
        for rule in rules:
            if not (failing or soon):
                self._deadman_fired.discard(rule)
            elif rule not in self._deadman_fired:
                self._deadman_fired.add(rule)
                if failing:
                    value, message = str(error), f"dead man's switch failing: {error}"
                else:
                    value = f"{max(left or 0.0, 0.0):.1f}"
                    message = f"dead man's switch cancels all orders in {value} s"
                fired.append(self._fire(rule, None, value, message))
        return fired

    def _fire(self, rule: Rule, symbol: str | None, value: str, message: str) -> AlertFired:
        alert = AlertFired(rule, symbol, value, self._wall(), message)
        log.info("alert fired: %s -> %s (%s)", rule.text, value, message)
        return alert
