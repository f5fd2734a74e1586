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
