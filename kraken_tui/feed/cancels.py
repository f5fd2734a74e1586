"""Guarded cancels: one order, several, or all of them, with an honest outcome for each.

Why one module: the rules that keep a cancel honest must hold together for the
monitor's keys and for ``kraken-tui cancel``/``cancel-all`` alike.

- Transport: the authenticated WebSocket (``cancel_order`` / ``cancel_all``, §16) when
  the private connection is live, else signed REST (``CancelOrder`` / ``CancelAll``,
  §17, a fresh nonce per call). One request never goes both ways: a request whose
  answer is missing is reported, not retried on the other transport.
- Replies: ``cancel_order`` answers once per id with the request's ``req_id``, in any
  order; a failure frame has no ``result`` and does not say which id failed, so
  failures are attributed only when that is unambiguous. ``cancel_all`` answers once
  with ``count``; each listed order's end is then read from the executions stream, or
  REST ``QueryOrders`` when the stream does not say.
- Deadline: no answer in time is UNKNOWN for the orders concerned, and the open orders
  are reconciled over REST right after (the table shows the truth, not our guess).
- De-dup: an order already in a request in flight is not asked again; a second
  cancel-all while one is in flight is dropped.

Runs on the feed's loop; ``submit`` is what a thread-safe entry point schedules.
Outcomes leave as ``CancelOutcome`` events and a ``CancelFinished`` per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from kraken_tui.feed.events import (
    CancelFinished,
    CancelOutcome,
    CancelResult,
    CancelVia,
    FeedEvent,
)
from kraken_tui.feed.rest import KrakenRest, KrakenRestError
from kraken_tui.kraken.frames import ExecutionsFrame, FrameError, MethodResponse
from kraken_tui.kraken.models import Order
from kraken_tui.kraken.requests import cancel_all_request, cancel_order_request
from kraken_tui.kraken.trading import CancelReply, cancel_reply

log = logging.getLogger(__name__)

DEFAULT_DEADLINE_S = 5.0
#: After a ``cancel_all`` reply over WS, how long the executions stream gets to name
#: each listed order's end before REST is asked.
STREAM_GRACE_S = 1.0
UNKNOWN_ORDER = "EOrder:Unknown order"
MAINTENANCE_NOTE = "Kraken is in maintenance and accepts no cancels: nothing was sent"
CLOSED_STATUSES = frozenset({"canceled", "filled", "expired"})
#: REST QueryOrders status -> the outcome of a listed order after a cancel_all.
_QUERY_RESULT: dict[str, CancelResult] = {
    "canceled": "cancelled", "closed": "already_gone", "expired": "already_gone",
}
Method = Literal["cancel_order", "cancel_all"]


class PrivateLink(Protocol):
    """The authenticated socket as the desk needs it (``PrivateHandshake`` is one)."""

    @property
    def live(self) -> bool: ...

    async def send_signed(self, build: Callable[[str], str]) -> None: ...


@dataclass(eq=False)
class _Request:
    number: int
    method: Method
    ids: list[str]  # the orders it is about (cancel_all: the ones listed)
    orders: dict[str, Order]  # what was known of each (open when asked)
    started: float
    via: CancelVia = "none"
    req_id: int | None = None
    replies: list[CancelReply] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    closes: dict[str, str] = field(default_factory=dict)  # id -> status seen on the stream
    news: asyncio.Event = field(default_factory=asyncio.Event)
    outcomes: dict[str, CancelOutcome] = field(default_factory=dict)
    count: int | None = None

    def left(self) -> list[str]:
        return [i for i in self.ids if i not in self.outcomes]


def _is_transport(exc: KrakenRestError) -> bool:
    """The call may or may not have reached Kraken: its outcome is unknown."""
    return any(e.startswith(("transport:", "HTTP ", "response is not")) for e in exc.errors)


class CancelDesk:
    """Sends guarded cancels and reports each order's outcome; see the module docstring."""

    def __init__(
        self,
        *,
        rest: Callable[[], KrakenRest | None],
        link: PrivateLink | None,
        emit: Callable[[FeedEvent], None],
        next_req_id: Callable[[], int],
        system_status: Callable[[], str | None] = lambda: None,
        reconcile: Callable[[], None] | None = None,
        closed: Callable[[list[str]], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        deadline: float = DEFAULT_DEADLINE_S,
    ) -> None:
        """``reconcile``: asks for a REST cross-check of the open orders (the monitor's
        account); called after every REST cancel and every unknown outcome. ``closed``:
        the orders REST itself reported closed (they leave the table before that
        cross-check comes back)."""
        self._rest = rest
        self._closed = closed
        self.link = link
        self._emit = emit
        self._next_req_id = next_req_id
        self._system_status = system_status
        self._reconcile = reconcile
        self._clock = clock
        self.deadline = deadline
        self._numbers = itertools.count(1)
        self._in_flight: set[str] = set()
        self._all_in_flight = False
        self._by_req_id: dict[int, _Request] = {}
        self._watched: dict[str, _Request] = {}  # order id -> request reading the stream
        self._tasks: set[asyncio.Task[Any]] = set()
        self.sent: Counter[str] = Counter()  # requests sent, by transport ("ws", "rest")

    # ------------------------------------------------------------------ entry points

    def submit(self, order_ids: Sequence[str] | None, orders: Iterable[Order] = ()) -> None:
        """Start a cancel on this loop; ``None`` cancels all. Outcomes come as events."""
        task = asyncio.ensure_future(self.cancel(order_ids, orders))
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("guarded cancel crashed", exc_info=task.exception())

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def in_flight(self) -> frozenset[str]:
        return frozenset(self._in_flight)

    async def cancel(self, order_ids: Sequence[str] | None,
                     orders: Iterable[Order] = ()) -> CancelFinished | None:
        """Cancel ``order_ids`` (None: every open order, Kraken's ``cancel_all``).

        ``orders``: what the caller knows of the open orders (descriptions for the
        outcomes; an id among them that Kraken no longer knows is "already gone").
        None when every order asked is already in a request in flight.
        """
        known = {o.order_id: o for o in orders}
        method: Method = "cancel_all" if order_ids is None else "cancel_order"
        ids = list(known) if order_ids is None else list(dict.fromkeys(order_ids))
        busy = [i for i in ids if i in self._in_flight]
        ids = [i for i in ids if i not in self._in_flight]
        if busy:
            log.info("cancel: %d order(s) already in a request in flight: %s", len(busy),
                     ", ".join(busy))
        if (method == "cancel_order" and not ids) or (
                method == "cancel_all" and self._all_in_flight):
            log.info("cancel: nothing new to send (%s)", method)
            return None
        request = _Request(next(self._numbers), method, ids,
                           {i: known[i] for i in ids if i in known}, self._clock())
        self._in_flight.update(ids)
        self._all_in_flight = self._all_in_flight or method == "cancel_all"
        try:
            if self._system_status() == "maintenance":
                for oid in ids:
                    self._settle(request, oid, "rejected", MAINTENANCE_NOTE)
            elif self.link is not None and self.link.live:
                await self._over_ws(request)
            else:
                await self._over_rest(request)
        finally:
            self._in_flight.difference_update(ids)
            if method == "cancel_all":
                self._all_in_flight = False
            for oid in ids:
                if self._watched.get(oid) is request:
                    del self._watched[oid]
            if request.req_id is not None:
                self._by_req_id.pop(request.req_id, None)
            for oid in request.left():  # cancelled task: say so rather than nothing
                self._settle(request, oid, "unknown", "the request was abandoned")
        return self._finish(request)

    # ------------------------------------------------------------------ WebSocket

    async def _over_ws(self, request: _Request) -> None:
        assert self.link is not None
        request.via = "ws"
        req_id = request.req_id = self._next_req_id()
        self._by_req_id[req_id] = request
        for oid in request.ids:
            self._watched[oid] = request
        ids = list(request.ids)
        build: Callable[[str], str] = (
            (lambda token: cancel_all_request(token, req_id)) if request.method == "cancel_all"
            else (lambda token: cancel_order_request(ids, token, req_id)))
        try:
            await self.link.send_signed(build)
        except Exception as exc:  # closed meanwhile: whether it left is not known
            self._unknown(request, f"the private socket failed while sending "
                          f"({type(exc).__name__})")
            return
        self.sent["ws"] += 1
        try:
            await asyncio.wait_for(request.answered.wait(), self.deadline)
        except TimeoutError:
            self._attribute(request)
            self._unknown(request, f"no reply within {self.deadline:g}s")
            return
        if request.method == "cancel_order":
            self._attribute(request)
            if request.left():
                self._unknown(request, "no reply named it")
            return
        (reply,) = request.replies
        if not reply.success:
            for oid in request.left():
                self._by_error(request, oid, reply.error or "unknown error")
            return
        request.count = reply.count
        await self._ends_from_stream(request)
        await self._ends_from_rest(request)

    def on_response(self, resp: MethodResponse) -> bool:
        """A private method reply: True when it was a cancel reply (taken here)."""
        reply = cancel_reply(resp)
        if reply is None:
            return False
        if isinstance(reply, FrameError):
            log.warning("malformed cancel reply: %s", reply.reason)
            return True
        request = self._by_req_id.get(reply.req_id) if reply.req_id is not None else None
        if request is None or request.method != reply.method:
            log.info("cancel reply for no request in flight (late or not ours): %s %s",
                     reply.method, "ok" if reply.success else reply.error)
            return True
        request.replies.append(reply)
        if reply.method == "cancel_all" or len(request.replies) >= len(request.ids):
            request.answered.set()
        elif reply.success and reply.order_id in request.ids:
            self._settle(request, reply.order_id, "cancelled")  # no need to wait for the rest
        return True

    def _attribute(self, request: _Request) -> None:
        """``cancel_order`` replies -> outcomes. Successes name their order; failures do
        not, so they are pinned only when one failure is left for each unnamed order."""
        for reply in request.replies:
            if reply.success and reply.order_id in request.ids:
                self._settle(request, reply.order_id, "cancelled")
        errors = [r.error or "unknown error" for r in request.replies if not r.success]
        left = request.left()
        if not errors or len(errors) != len(left):
            return  # some reply is missing: which order a refusal was for is not known
        if len(set(errors)) == 1:
            for oid in left:
                self._by_error(request, oid, errors[0])
            return
        detail = "Kraken refused each of these, not saying which with which error: " + \
            "; ".join(sorted(set(errors)))
        for oid in left:
            self._settle(request, oid, "rejected", detail)

    # ------------------------------------------------------------------ REST

    async def _over_rest(self, request: _Request) -> None:
        request.via = "rest"
        rest = self._rest()
        if rest is None or not rest.has_credentials:
            for oid in request.ids:
                self._settle(request, oid, "rejected", "no API credentials: nothing was sent")
            return
        if request.method == "cancel_order":
            for oid in request.ids:  # one at a time: nonces must arrive in order
                await self._rest_cancel_one(rest, request, oid)
        else:
            try:
                result = await asyncio.wait_for(rest.private("CancelAll"), self.deadline)
                self.sent["rest"] += 1
            except TimeoutError:
                self.sent["rest"] += 1
                self._unknown(request, f"no REST answer within {self.deadline:g}s")
                return
            except KrakenRestError as exc:
                self.sent["rest"] += 1
                if _is_transport(exc):
                    self._unknown(request, str(exc))
                    return
                for oid in request.left():
                    self._by_error(request, oid, ", ".join(exc.errors))
                return
            count = result.get("count") if isinstance(result, dict) else None
            request.count = count if isinstance(count, int) else None
            await self._ends_from_rest(request)
        self._ask_reconcile()  # the stream is down: the table learns the news over REST

    async def _rest_cancel_one(self, rest: KrakenRest, request: _Request, oid: str) -> None:
        self.sent["rest"] += 1
        try:
            result = await asyncio.wait_for(rest.private("CancelOrder", txid=oid), self.deadline)
        except TimeoutError:
            self._settle(request, oid, "unknown", f"no REST answer within {self.deadline:g}s")
            return
        except KrakenRestError as exc:
            if _is_transport(exc):
                self._settle(request, oid, "unknown", str(exc))
            else:
                self._by_error(request, oid, ", ".join(exc.errors))
            return
        count = result.get("count") if isinstance(result, dict) else None
        if isinstance(count, int) and count >= 1:
            pending = result.get("pending") is True  # Kraken has not finished cancelling
            self._settle(request, oid, "cancelled", "pending" if pending else "")
            if not pending:
                self._report_closed([oid])
        else:
            self._by_error(request, oid, f"{UNKNOWN_ORDER} (count {count})")

    # ------------------------------------------------------------------ cancel_all: each end

    def on_executions(self, frame: ExecutionsFrame) -> None:
        """Stream news of orders a request is waiting on (updates only)."""
        if frame.is_snapshot or not self._watched:
            return
        for report in frame.reports:
            oid, status = report.get("order_id"), report.get("order_status")
            request = self._watched.get(oid) if isinstance(oid, str) else None
            if request is not None and status in CLOSED_STATUSES:
                request.closes[oid] = status  # type: ignore[index]
                request.news.set()

    async def _ends_from_stream(self, request: _Request) -> None:
        """After a cancel_all reply: each listed order's end as the stream reports it."""
        until = self._clock() + min(STREAM_GRACE_S, self.deadline)
        while True:
            for oid, status in list(request.closes.items()):
                self._settle(request, oid, "cancelled" if status == "canceled" else
                             "already_gone", "" if status == "canceled" else status)
            wait = until - self._clock()
            if not request.left() or wait <= 0:
                return
            request.news.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(request.news.wait(), wait)

    async def _ends_from_rest(self, request: _Request) -> None:
        """After a cancel_all reply: QueryOrders says how each order not yet placed ended."""
        left = request.left()
        rest = self._rest()
        if not left:
            return
        note = f"cancel_all reported count {request.count}"
        if rest is None or not rest.has_credentials:
            for oid in left:
                self._settle(request, oid, "unknown", f"{note}; this order's end not confirmed")
            return
        try:
            found = await asyncio.wait_for(rest.query_orders(left), self.deadline)
        except (TimeoutError, KrakenRestError) as exc:
            why = str(exc) or f"no answer within {self.deadline:g}s"
            for oid in left:
                self._settle(request, oid, "unknown", f"{note}; QueryOrders failed: {why}")
            return
        ended: list[str] = []
        for oid in left:
            info = found.get(oid)
            status = info.get("status") if isinstance(info, dict) else None
            result = _QUERY_RESULT.get(status) if isinstance(status, str) else None
            if result is None:
                self._settle(request, oid, "unknown", f"{note}; QueryOrders says "
                             f"{status or 'nothing'} for it")
            else:
                self._settle(request, oid, result, "" if result == "cancelled" else str(status))
                ended.append(oid)
        self._report_closed(ended)

    # ------------------------------------------------------------------ outcomes

    def _by_error(self, request: _Request, oid: str, error: str) -> None:
        """Kraken's refusal: an order it no longer knows that we knew open is gone."""
        if error.startswith(UNKNOWN_ORDER) and oid in request.orders:
            self._settle(request, oid, "already_gone", error)
        else:
            self._settle(request, oid, "rejected", error)

    def _unknown(self, request: _Request, why: str) -> None:
        """No answer: UNKNOWN (with what the stream saw meanwhile), then reconcile."""
        for oid in request.left():
            seen = request.closes.get(oid)
            detail = f"{why} (the executions stream reports it {seen})" if seen else why
            self._settle(request, oid, "unknown", detail)
        self._ask_reconcile()

    def _report_closed(self, order_ids: list[str]) -> None:
        if order_ids and self._closed is not None:
            self._closed(order_ids)

    def _ask_reconcile(self) -> None:
        if self._reconcile is not None:
            self._reconcile()

    def _settle(self, request: _Request, oid: str, result: CancelResult, error: str = "") -> None:
        if oid in request.outcomes:
            return
        order = request.orders.get(oid)
        outcome = CancelOutcome(
            request=request.number, order_id=oid, outcome=result, via=request.via, error=error,
            symbol=order.symbol if order else None, side=order.side if order else None,
            qty=order.order_qty - order.cum_qty if order else None,
            price=order.limit_price if order else None, total=len(request.ids),
            elapsed_ms=(self._clock() - request.started) * 1000)
        request.outcomes[oid] = outcome
        self._in_flight.discard(oid)
        log.info("cancel #%d %s (%s %s): %s via %s in %.0f ms%s", request.number, oid,
                 outcome.symbol, outcome.side, result, request.via, outcome.elapsed_ms,
                 f": {error}" if error else "")
        self._emit(outcome)

    def _finish(self, request: _Request) -> CancelFinished:
        tally = Counter(o.outcome for o in request.outcomes.values())
        finished = CancelFinished(
            request=request.number, method=request.method, via=request.via,
            orders=len(request.ids), cancelled=tally["cancelled"],
            already_gone=tally["already_gone"], rejected=tally["rejected"],
            unknown=tally["unknown"], count=request.count,
            elapsed_ms=(self._clock() - request.started) * 1000)
        self._emit(finished)
        return finished

    # ------------------------------------------------------------------ wiring

    def hooked(self, handlers: dict[type, Callable[[Any], None]]
               ) -> dict[type, Callable[[Any], None]]:
        """The private connection's frame handlers, with the desk in front of them: cancel
        replies come here (never to the handshake, which takes any failure for a refused
        subscription) and executions updates are read here too."""
        on_response = handlers.get(MethodResponse)
        on_executions = handlers.get(ExecutionsFrame)

        def response(resp: MethodResponse) -> None:
            if not self.on_response(resp) and on_response is not None:
                on_response(resp)

        def executions(frame: ExecutionsFrame) -> None:
            if on_executions is not None:
                on_executions(frame)
            self.on_executions(frame)

        return {**handlers, MethodResponse: response, ExecutionsFrame: executions}
