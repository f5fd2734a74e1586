"""Signed Kraken REST client (httpx): the few endpoints the feed needs.

Signing follows Kraken's spec exactly (see ``sign``); the secret is held only
here and never appears in a repr, a log line or an exception message.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import time
import urllib.parse
from typing import Any

import httpx

log = logging.getLogger(__name__)


#: Our own error text (not Kraken's) for a secret that cannot sign a request.
SECRET_UNUSABLE = "API secret unusable: not valid base64"


class KrakenRestError(Exception):
    """Kraken answered with a non-empty ``error`` list (or the call did not reach it)."""

    def __init__(self, method: str, errors: list[str]) -> None:
        self.method = method
        self.errors = errors
        super().__init__(f"{method}: {', '.join(errors) or 'unknown error'}")

    @property
    def is_rate_limit(self) -> bool:
        return any("Rate limit" in e or "Throttled" in e for e in self.errors)

    @property
    def is_auth(self) -> bool:
        """Credentials are unusable: retrying cannot help."""
        auth = ("EAPI:Invalid key", "EAPI:Invalid signature", "EGeneral:Permission denied",
                SECRET_UNUSABLE)
        return any(e.startswith(auth) for e in self.errors)


def sign(uri_path: str, body: str, nonce: str, secret: str) -> str:
    """API-Sign = b64(HMAC-SHA512(b64decode(secret), path + SHA256(nonce + body)))."""
    digest = hashlib.sha256((nonce + body).encode()).digest()
    mac = hmac.new(base64.b64decode(secret), uri_path.encode() + digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode()


#: Decoded secret lengths worth trying (Kraken's are 64 bytes); outside, it is a paste error.
SECRET_BYTES = range(16, 257)


def check_secret(secret: str) -> None:
    """Raise ValueError (without echoing the secret) when it is not base64 Kraken can use."""
    try:
        raw = base64.b64decode(secret, validate=True)
    except ValueError:
        raise ValueError("the API secret is not valid base64") from None
    if not raw:
        raise ValueError("the API secret is empty")
    if len(raw) not in SECRET_BYTES:
        raise ValueError(f"the API secret decodes to {len(raw)} bytes, not a plausible "
                         f"length (Kraken's are 64)")


class KrakenRest:
    """Async REST client; one per feed, shared by reconciliation, tokens and the DMS."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._api_secret = api_secret
        self._last_nonce = 0
        self._client = httpx.AsyncClient(timeout=timeout)
        # Private calls go one at a time: two in flight could reach Kraken out of nonce
        # order (EAPI:Invalid nonce), e.g. a cancel beside a reconcile or a token fetch.
        self._private_lock: asyncio.Lock | None = None

    def __repr__(self) -> str:
        return f"KrakenRest({self.base_url!r}, key={'set' if self._api_key else 'none'})"

    @property
    def has_credentials(self) -> bool:
        return bool(self._api_key and self._api_secret)

    def _nonce(self) -> str:
        # Strictly increasing even if the wall clock stalls or two calls share a ms.
        nonce = max(time.time_ns() // 1000, self._last_nonce + 1)
        self._last_nonce = nonce
        return str(nonce)

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    async def public(self, method: str, **params: Any) -> Any:
        try:
            response = await self._client.get(f"{self.base_url}/0/public/{method}", params=params)
        except httpx.HTTPError as exc:
            raise KrakenRestError(method, [f"transport: {type(exc).__name__}"]) from None
        return self._result(method, response)

    async def private(self, method: str, **params: Any) -> Any:
        if not self.has_credentials:
            raise KrakenRestError(method, ["no API credentials configured"])
        if self._private_lock is None:
            self._private_lock = asyncio.Lock()
        async with self._private_lock:
            return await self._private(method, params)

    async def _private(self, method: str, params: dict[str, Any]) -> Any:
        assert self._api_key is not None and self._api_secret is not None
        path = f"/0/private/{method}"
        nonce = self._nonce()
        body = urllib.parse.urlencode({"nonce": nonce, **params})
        try:
            signature = sign(path, body, nonce, self._api_secret)
        except ValueError:  # binascii.Error: the secret is not base64 (never echo it)
            raise KrakenRestError(method, [SECRET_UNUSABLE]) from None
        headers = {
            "API-Key": self._api_key,
            "API-Sign": signature,
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        }
        try:
            response = await self._client.post(self.base_url + path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            # The exception text can carry request details; keep only its type.
            raise KrakenRestError(method, [f"transport: {type(exc).__name__}"]) from None
        return self._result(method, response)

    @staticmethod
    def _result(method: str, response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise KrakenRestError(method, [f"HTTP {response.status_code}"])
        try:
            payload = response.json()
        except ValueError:
            raise KrakenRestError(method, ["response is not JSON"]) from None
        if not isinstance(payload, dict):
            raise KrakenRestError(method, ["response is not an object"])
        errors = payload.get("error") or []
        if errors:
            raise KrakenRestError(method, [str(e) for e in errors])
        return payload.get("result")

    # The endpoints the feed uses.

    async def websockets_token(self) -> str:
        result = await self.private("GetWebSocketsToken")
        token = result.get("token") if isinstance(result, dict) else None
        if not isinstance(token, str) or not token:
            raise KrakenRestError("GetWebSocketsToken", ["no token in result"])
        return token

    async def open_orders(self) -> dict[str, Any]:
        result = await self.private("OpenOrders")
        return dict(result.get("open", {})) if isinstance(result, dict) else {}

    async def query_orders(self, txids: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for start in range(0, len(txids), 50):  # Kraken takes up to 50 per call
            result = await self.private("QueryOrders", txid=",".join(txids[start : start + 50]))
            if isinstance(result, dict):
                found.update(result)
        return found

    async def balance(self) -> dict[str, str]:
        result = await self.private("Balance")
        return dict(result) if isinstance(result, dict) else {}

    async def cancel_all_orders_after(self, timeout: int) -> dict[str, Any]:
        result = await self.private("CancelAllOrdersAfter", timeout=timeout)
        return dict(result) if isinstance(result, dict) else {}

    async def asset_pairs(self) -> dict[str, Any]:
        result = await self.public("AssetPairs")
        return dict(result) if isinstance(result, dict) else {}
