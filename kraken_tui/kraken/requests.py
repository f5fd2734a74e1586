"""Build Kraken WebSocket v2 requests as compact JSON text.

Only the parameters given are sent: Kraken refuses some it does not expect (a
``params`` field on ``ping``, for one).
"""

from __future__ import annotations

import json
from typing import Any


def _request(
    method: str,
    channel: str,
    symbols: list[str] | tuple[str, ...] | None,
    depth: int | None,
    snapshot: bool | None,
    token: str | None,
    req_id: int | None,
    extra: dict[str, Any],
) -> str:
    params: dict[str, Any] = {"channel": channel}
    if symbols is not None:
        params["symbol"] = list(symbols)
    if depth is not None:
        params["depth"] = depth
    if snapshot is not None:
        params["snapshot"] = snapshot
    params.update(extra)
    if token is not None:
        params["token"] = token
    message: dict[str, Any] = {"method": method, "params": params}
    if req_id is not None:
        message["req_id"] = req_id
    return json.dumps(message, separators=(",", ":"))


def subscribe_request(
    channel: str,
    *,
    symbols: list[str] | tuple[str, ...] | None = None,
    depth: int | None = None,
    snapshot: bool | None = None,
    token: str | None = None,
    req_id: int | None = None,
    **extra: Any,
) -> str:
    """JSON text of a v2 subscribe; only the parameters given are sent."""
    return _request("subscribe", channel, symbols, depth, snapshot, token, req_id, extra)


def unsubscribe_request(
    channel: str,
    *,
    symbols: list[str] | tuple[str, ...] | None = None,
    depth: int | None = None,
    snapshot: bool | None = None,
    token: str | None = None,
    req_id: int | None = None,
    **extra: Any,
) -> str:
    """JSON text of a v2 unsubscribe (same parameters as subscribe)."""
    return _request("unsubscribe", channel, symbols, depth, snapshot, token, req_id, extra)


def ping_request(req_id: int | None = None) -> str:
    """Application-level ping; Kraken refuses a ``params`` field on it."""
    message: dict[str, Any] = {"method": "ping"}
    if req_id is not None:
        message["req_id"] = req_id
    return json.dumps(message, separators=(",", ":"))


def cancel_order_request(
    order_ids: list[str] | tuple[str, ...], token: str, req_id: int | None = None
) -> str:
    """v2 ``cancel_order`` (§16.1). Kraken answers once per id, every reply carrying this
    ``req_id``, so a caller pairs replies by id, never by position."""
    ids = list(order_ids)
    if not ids or not all(isinstance(i, str) and i for i in ids):
        raise ValueError("cancel_order needs at least one non-empty order id")
    message: dict[str, Any] = {
        "method": "cancel_order", "params": {"order_id": ids, "token": token},
    }
    if req_id is not None:
        message["req_id"] = req_id
    return json.dumps(message, separators=(",", ":"))


def cancel_all_request(token: str, req_id: int | None = None) -> str:
    """v2 ``cancel_all`` (§16.2): every open order of the account; one reply with ``count``."""
    message: dict[str, Any] = {"method": "cancel_all", "params": {"token": token}}
    if req_id is not None:
        message["req_id"] = req_id
    return json.dumps(message, separators=(",", ":"))
