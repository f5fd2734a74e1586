"""Trading methods on the auth endpoint: cancel_order, cancel_all, cancel_all_orders_after.

Kept apart from subscriptions (``ws_requests.py``) because cancels have their own wire
rules (§16): ``cancel_order`` answers once per identifier, every frame with the request's
``req_id`` and not in request order; ``cancel_all`` answers once with ``count``; both also
stream ``canceled`` executions (the exchange publishes those). A fault can swallow cancel
replies after the cancel took effect, which is how a client meets a lost reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kraken_tui.sim.wire import method_response

if TYPE_CHECKING:
    from kraken_tui.sim.accounts import Account
    from kraken_tui.sim.server import Simulator
    from kraken_tui.sim.ws import Connection

CANCEL_METHODS = frozenset({"cancel_order", "cancel_all"})
UNKNOWN_ORDER = "EOrder:Unknown order"
# §1.5: maintenance means "no new orders and no cancels"; §9: order calls then fail with
# EService:Unavailable (the REST side answers the same). cancel_only/post_only allow cancels.
MAINTENANCE_ERROR = "EService:Unavailable"
METHOD_PARAMS: dict[str, frozenset[str]] = {
    "cancel_order": frozenset({"order_id", "cl_ord_id", "token"}),
    "cancel_all": frozenset({"token"}),
    "cancel_all_orders_after": frozenset({"timeout", "token"}),
}


def _id_list(value: Any) -> list[str] | None:
    """A string or a list of non-empty strings as a list; None when malformed."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        return None
    return list(value)


class TradingMethods:
    """The trading methods the simulator supports over WS (mixed into ``WsHub``)."""

    sim: Simulator
    swallow_cancel: int = 0  # cancel reply frames still to drop (a fault); set per hub

    def swallow_cancel_replies(self, count: int = 1) -> None:
        """The next ``count`` cancel reply frames are not sent; the cancels still happen."""
        if count < 0:
            raise ValueError("count must be >= 0")
        self.swallow_cancel += count

    def _send_reply(self, conn: Connection, method: str, time_in: str, req_id: int | None,
                    result: dict[str, Any] | None = None, error: str | None = None) -> None:
        if method in CANCEL_METHODS and self.swallow_cancel > 0:
            self.swallow_cancel -= 1
            return
        conn.send(method_response(method, time_in=time_in, req_id=req_id, result=result,
                                  error=error))

    def _private_method(self, conn: Connection, method: str, params: Any, req_id: int | None,
                        time_in: str) -> None:
        """Check params, token and permission, then run the method (others: Unsupported)."""

        def reply(result: dict[str, Any] | None = None, error: str | None = None) -> None:
            self._send_reply(conn, method, time_in, req_id, result, error)

        if not isinstance(params, dict):
            reply(error="EGeneral:Invalid arguments:params")
            return
        allowed = METHOD_PARAMS.get(method)
        if allowed is None:
            reply(error="Unsupported event")
            return
        for key in params:
            if key not in allowed:
                reply(error=f"Unsupported field: '{key}' for the given msg type: {method}")
                return
        token = params.get("token")
        account = self.sim.account_for_token(token) if isinstance(token, str) else None
        if account is None:
            reply(error="ESession:Invalid session")
            return
        if "trade" not in account.permissions:
            reply(error="EGeneral:Permission denied")
            return
        if method == "cancel_all_orders_after":
            timeout = params.get("timeout")
            if not isinstance(timeout, int) or isinstance(timeout, bool) or not (
                    0 <= timeout < 86400):
                reply(error="EGeneral:Invalid arguments:timeout")
                return
            reply(result=self.sim.arm_deadman(account, timeout))
        elif method == "cancel_all":
            if self.sim.system_status == "maintenance":
                reply(error=MAINTENANCE_ERROR)
                return
            reply(result={"count": self.sim.exchange.cancel_all(account)})
        else:
            self._cancel_order(conn, account, params, req_id, time_in)

    def _cancel_order(self, conn: Connection, account: Account, params: dict[str, Any],
                      req_id: int | None, time_in: str) -> None:
        """One reply per identifier (order_id first, then cl_ord_id), sent in reverse
        request order as in Kraken's documented example, so clients cannot pair by position."""
        order_ids = _id_list(params.get("order_id"))
        cl_ids = _id_list(params.get("cl_ord_id"))
        if order_ids is None or cl_ids is None or not (order_ids or cl_ids):
            field = "cl_ord_id" if order_ids is not None and cl_ids is None else "order_id"
            self._send_reply(conn, "cancel_order", time_in, req_id,
                             error=f"EGeneral:Invalid arguments:{field}")
            return
        maintenance = self.sim.system_status == "maintenance"
        replies: list[tuple[dict[str, Any] | None, str | None]] = []
        for key, ident in [("order_id", i) for i in order_ids] + [
                ("cl_ord_id", c) for c in cl_ids]:
            if maintenance:
                replies.append((None, MAINTENANCE_ERROR))
                continue
            oid = ident if key == "order_id" else next(
                (o.order_id for o in self.sim.exchange.open_orders(account)
                 if o.cl_ord_id == ident), None)
            if oid is not None and oid in account.orders and self.sim.exchange.cancel_order(oid):
                replies.append(({key: ident}, None))
            else:
                replies.append((None, UNKNOWN_ORDER))
        for result, error in reversed(replies):
            self._send_reply(conn, "cancel_order", time_in, req_id, result, error)
