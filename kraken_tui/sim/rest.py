"""REST API as a plain ASGI app (served by uvicorn): signing, nonces, envelopes, endpoints.

Every answer is HTTP 200 with Kraken's ``{"error": [...], "result": ...}`` envelope, as the real
API does; signature checks follow §7.1 byte for byte over the body exactly as received.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from kraken_tui.sim.accounts import InsufficientFunds
from kraken_tui.sim.wire import fmt_units, rfc3339_s

if TYPE_CHECKING:
    from kraken_tui.sim.accounts import Account
    from kraken_tui.sim.server import Simulator

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

ORDER_METHODS = frozenset({"AddOrder", "CancelOrder", "CancelAll", "CancelAllOrdersAfter",
                           "EditOrder", "AmendOrder", "AddOrderBatch", "CancelOrderBatch"})
PERMISSION = {
    "Balance": "query_funds", "BalanceEx": "query_funds", "GetWebSocketsToken": "websocket",
    "OpenOrders": "query_orders", "ClosedOrders": "query_orders", "QueryOrders": "query_orders",
}


def api_sign(secret_b64: str, uri_path: str, nonce: str, body: bytes) -> str:
    """Kraken's API-Sign: base64(HMAC-SHA512(b64decode(secret), path + SHA256(nonce + body)))."""
    digest = hashlib.sha256(nonce.encode() + body).digest()
    mac = hmac.new(base64.b64decode(secret_b64), uri_path.encode() + digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


class ApiError(Exception):
    """A Kraken error string for the envelope."""


class RestApp:
    """ASGI callable: ``/0/public/<Method>`` and ``/0/private/<Method>``."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.latency = 0.0
        self.rate_limited = 0
        self.injected: dict[str, list[str]] = {}  # method (or "*") -> queued error strings
        self.lost: dict[str, int] = {}  # method -> answers still to lose (lose_replies)
        self.lost_hold = 30.0  # longest a lost answer holds its request open

    # ---- faults (the fault injector's handles) -----------------------------------------
    def inject_error(self, method: str, error: str, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` ("*" = any) fail with ``error``."""
        self.injected.setdefault(method, []).extend([error] * count)

    def lose_replies(self, method: str, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` are carried out but never answered."""
        if count < 0:
            raise ValueError("count must be >= 0")
        self.lost[method] = self.lost.get(method, 0) + count

    def set_latency(self, seconds: float) -> None:
        self.latency = seconds

    def rate_limit(self, count: int) -> None:
        self.rate_limited = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            payload = await self.handle(scope, body)
        except Exception as exc:  # never let a bad request kill the server
            payload = {"error": [f"EGeneral:Internal error:{type(exc).__name__}"]}
        method = str(scope.get("path", "")).rstrip("/").rpartition("/")[2]
        if self.lost.get(method, 0) > 0:
            # The work is done; the answer is lost. Hold the request (no status, no body)
            # until the client gives up, so it sees a timeout, never an answer.
            self.lost[method] -= 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._until_disconnect(receive), self.lost_hold)
            return
        data = json.dumps(payload, separators=(",", ":")).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})

    @staticmethod
    async def _until_disconnect(receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    async def handle(self, scope: Scope, body: bytes) -> dict[str, Any]:
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        path: str = scope["path"]
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "0" or parts[1] not in ("public", "private"):
            return {"error": ["EGeneral:Unknown method"]}
        kind, method = parts[1], parts[2]
        try:
            if kind == "private":
                if scope["method"] != "POST":
                    raise ApiError("EGeneral:Invalid arguments:use POST")
                headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
                params = self._parse_body(body, headers.get("content-type", ""))
                account = self._authenticate(path, headers, params, body)
                self._gate(method)
                permission = "trade" if method in ORDER_METHODS else PERMISSION.get(method)
                if permission is not None and permission not in account.permissions:
                    raise ApiError("EGeneral:Permission denied")
                if method in ORDER_METHODS and self.sim.system_status == "maintenance":
                    raise ApiError("EService:Unavailable")
                handler = getattr(self, f"private_{method}", None)
                if handler is None:
                    raise ApiError("EGeneral:Unknown method")
                result = handler(account, params)
            else:
                query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode())
                         .items()}
                if body:
                    query.update(self._parse_body(body, ""))
                self._gate(method)
                handler = getattr(self, f"public_{method}", None)
                if handler is None:
                    raise ApiError("EGeneral:Unknown method")
                result = handler(query)
        except ApiError as exc:
            return {"error": [str(exc)]}
        return {"error": [], "result": result}

    # ---- plumbing -----------------------------------------------------------------------
    @staticmethod
    def _parse_body(body: bytes, content_type: str) -> dict[str, Any]:
        text = body.decode("utf-8", errors="replace")
        if "json" in content_type or text.lstrip().startswith("{"):
            try:
                data = json.loads(text) if text.strip() else {}
            except ValueError as exc:
                raise ApiError("EGeneral:Invalid arguments") from exc
            if not isinstance(data, dict):
                raise ApiError("EGeneral:Invalid arguments")
            return data
        return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}

    def _authenticate(self, path: str, headers: dict[str, str], params: dict[str, Any],
                      body: bytes) -> Account:
        account = self.sim.exchange.accounts.get(headers.get("api-key", ""))
        if account is None:
            raise ApiError("EAPI:Invalid key")
        nonce_raw = params.get("nonce")
        nonce = str(nonce_raw) if nonce_raw is not None else ""
        try:
            expected = api_sign(account.api_secret, path, nonce, body)
            given = headers.get("api-sign", "")
            base64.b64decode(given, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ApiError("EAPI:Invalid signature") from exc
        if not hmac.compare_digest(expected, given):
            raise ApiError("EAPI:Invalid signature")
        if not nonce.isdigit() or int(nonce) <= account.last_nonce:
            raise ApiError("EAPI:Invalid nonce")
        account.last_nonce = int(nonce)
        return account

    def _gate(self, method: str) -> None:
        """Injected faults: rate limit first, then queued errors for this method."""
        if self.rate_limited > 0:
            self.rate_limited -= 1
            raise ApiError("EAPI:Rate limit exceeded")
        for key in (method, "*"):
            queue = self.injected.get(key)
            if queue:
                raise ApiError(queue.pop(0))

    @staticmethod
    def _flag(params: dict[str, Any], name: str) -> bool:
        value = params.get(name, False)
        return value is True or str(value).lower() in ("true", "1")

    def _orders_by_ids(self, account: Account, ids: str) -> list[Any]:
        return [account.orders[i] for i in ids.split(",") if i in account.orders]

    # ---- public -------------------------------------------------------------------------
    def public_Time(self, query: dict[str, str]) -> dict[str, Any]:
        now = time.time()
        rfc1123 = formatdate(now, usegmt=False).replace("-0000", "+0000")
        day, rest = rfc1123.split(", ", 1)
        d, mon, year, clock, zone = rest.split(" ")
        return {"unixtime": int(now), "rfc1123": f"{day}, {d} {mon} {year[2:]} {clock} {zone}"}

    def public_SystemStatus(self, query: dict[str, str]) -> dict[str, Any]:
        return {"status": self.sim.system_status, "timestamp": rfc3339_s(time.time())}

    def public_AssetPairs(self, query: dict[str, str]) -> dict[str, Any]:
        market = self.sim.market
        # Asked for by a slash name (BTC/USD, XBT/USD), Kraken keys the answer by that name;
        # otherwise by the legacy key (XXBTZUSD). python-kraken-sdk's order book relies on it.
        chosen = [(spec.rest_name, spec) for spec in market.specs.values()]
        if query.get("pair"):
            chosen = []
            for raw in query["pair"].split(","):
                name = raw.strip()
                spec = market.by_rest_name(name)
                if spec is None:
                    raise ApiError("EQuery:Unknown asset pair")
                chosen.append((name if "/" in name else spec.rest_name, spec))
        out: dict[str, Any] = {}
        for key, spec in chosen:
            base = market.assets[spec.base].rest_name
            quote = market.assets[spec.quote].rest_name
            out[key] = {
                "altname": spec.altname, "wsname": spec.wsname, "aclass_base": "currency",
                "base": base, "aclass_quote": "currency", "quote": quote, "lot": "unit",
                "cost_decimals": spec.cost_decimals, "pair_decimals": spec.price_decimals,
                "lot_decimals": spec.qty_decimals, "lot_multiplier": 1, "leverage_buy": [],
                "leverage_sell": [], "fees": [], "fees_maker": [], "fee_volume_currency": "ZUSD",
                "margin_call": 80, "margin_stop": 40, "ordermin": spec.ordermin,
                "costmin": spec.costmin, "tick_size": spec.tick_size,
                "status": market.pair_status[spec.symbol], "execution_venue": "international",
            }
        return out

    # ---- private ------------------------------------------------------------------------
    def private_Balance(self, account: Account, params: dict[str, Any]) -> dict[str, str]:
        market = self.sim.market
        out = {}
        for asset, value in sorted(account.balances.items()):
            rest_name = market.assets[asset].rest_name if asset in market.assets else asset
            out[rest_name] = self.sim.format_balance(asset, value)
        return out

    def private_GetWebSocketsToken(self, account: Account, params: dict[str, Any]
                                   ) -> dict[str, Any]:
        return {"token": self.sim.issue_token(account), "expires": int(self.sim.token_ttl)}

    def private_OpenOrders(self, account: Account, params: dict[str, Any]) -> dict[str, Any]:
        trades = self._flag(params, "trades")
        return {"open": {o.order_id: o.rest(trades)
                         for o in self.sim.exchange.open_orders(account)}}

    def private_ClosedOrders(self, account: Account, params: dict[str, Any]) -> dict[str, Any]:
        trades = self._flag(params, "trades")
        closed = sorted((o for o in account.orders.values() if not o.is_open),
                        key=lambda o: o.closed_at or 0.0, reverse=True)
        ofs = int(params.get("ofs", 0) or 0)
        return {"closed": {o.order_id: o.rest(trades) for o in closed[ofs:ofs + 50]},
                "count": len(closed)}

    def private_QueryOrders(self, account: Account, params: dict[str, Any]) -> dict[str, Any]:
        txid = params.get("txid")
        if not txid:
            raise ApiError("EGeneral:Invalid arguments:txid")
        trades = self._flag(params, "trades")
        return {o.order_id: o.rest(trades) for o in self._orders_by_ids(account, str(txid))}

    def private_CancelAllOrdersAfter(self, account: Account, params: dict[str, Any]
                                     ) -> dict[str, str]:
        try:
            timeout = int(params.get("timeout", ""))
        except (TypeError, ValueError) as exc:
            raise ApiError("EGeneral:Invalid arguments:timeout") from exc
        if not 0 <= timeout < 86400:
            raise ApiError("EGeneral:Invalid arguments:timeout")
        return self.sim.arm_deadman(account, timeout)

    def _check_trading(self, adding: bool, params: dict[str, Any]) -> None:
        status = self.sim.system_status
        if adding and status == "cancel_only":
            raise ApiError("EService:Market in cancel_only mode")
        if adding and status == "post_only" and "post" not in str(params.get("oflags", "")):
            raise ApiError("EService:Market in post_only mode")

    def private_AddOrder(self, account: Account, params: dict[str, Any]) -> dict[str, Any]:
        self._check_trading(True, params)
        spec = self.sim.market.by_rest_name(str(params.get("pair", "")))
        if spec is None:
            raise ApiError("EQuery:Unknown asset pair")
        side = params.get("type")
        if side not in ("buy", "sell"):
            raise ApiError("EGeneral:Invalid arguments:type")
        if params.get("ordertype", "limit") != "limit":
            raise ApiError("EGeneral:Invalid arguments:ordertype")
        try:
            lots = spec.qty_lots(str(params["volume"]))
            ticks = spec.price_ticks(str(params["price"]))
        except (KeyError, ValueError) as exc:
            raise ApiError("EGeneral:Invalid arguments:volume") from exc
        if lots <= 0 or ticks <= 0:
            raise ApiError("EOrder:Invalid price")
        try:
            order = self.sim.exchange.place_order(account, spec.symbol, str(side), lots, ticks,
                                                  int(params.get("userref", 0) or 0),
                                                  params.get("cl_ord_id"))
        except InsufficientFunds as exc:
            raise ApiError(str(exc)) from None
        vol, price = fmt_units(lots, spec.qty_decimals), fmt_units(ticks, spec.price_decimals)
        return {"descr": {"order": f"{side} {vol} {spec.altname} @ limit {price}"},
                "txid": [order.order_id]}

    def private_CancelOrder(self, account: Account, params: dict[str, Any]) -> dict[str, Any]:
        """§17.1: ``txid`` is an order id or an integer userref (which may match several),
        or ``cl_ord_id``; nothing open matching it is EOrder:Unknown order, as Kraken says
        for an already-closed order too."""
        txid = params.get("txid")
        cl_ord_id = params.get("cl_ord_id")
        if txid in (None, "") and cl_ord_id in (None, ""):
            raise ApiError("EGeneral:Invalid arguments:txid")
        open_orders = self.sim.exchange.open_orders(account)
        text = str(txid) if txid not in (None, "") else None
        if text is not None and text.isdigit():
            chosen = [o for o in open_orders if o.userref == int(text)]
        elif text is not None:
            chosen = [o for o in open_orders if o.order_id == text]
        else:
            chosen = [o for o in open_orders if o.cl_ord_id == str(cl_ord_id)]
        if not chosen:
            raise ApiError("EOrder:Unknown order")
        return {"count": sum(self.sim.exchange.cancel_order(o.order_id) for o in chosen)}

    def private_CancelAll(self, account: Account, params: dict[str, Any]) -> dict[str, Any]:
        return {"count": self.sim.exchange.cancel_all(account)}
