"""The private connection's handshake: fresh token → subscribe → both acknowledged.

Only then is the private side live (the UI shows LIVE on ``connected``): a socket
that opened but never authenticated must never look like one that did. Any
refusal restarts the connection, which fetches a fresh token, paced by the
backoff; a refused key is said as such, not as "closed by server".
"""

from __future__ import annotations

from collections.abc import Callable

from websockets.asyncio.client import ClientConnection

from kraken_tui.feed.account import PRIVATE_CHANNELS, PrivateAccount
from kraken_tui.feed.events import ConnectionChanged, CredentialsRejected, FeedError, FeedEvent
from kraken_tui.feed.rest import KrakenRest, KrakenRestError
from kraken_tui.feed.stats import EndpointStats
from kraken_tui.kraken.frames import MethodResponse, subscribe_request


class SessionFailed(Exception):
    """A session ended on purpose, for a reason worth showing (not "closed by server")."""


class PrivateHandshake:
    def __init__(
        self,
        *,
        emit: Callable[[FeedEvent], None],
        account: PrivateAccount,
        stats: EndpointStats,
        clock: Callable[[], float],
        next_req_id: Callable[[], int],
    ) -> None:
        self._emit = emit
        self._account = account
        self._stats = stats
        self._clock = clock
        self._next_req_id = next_req_id
        self._acks: set[str] = set()
        self._ws: ClientConnection | None = None
        # Kept for the trading methods (guarded cancels) of this session only; it never
        # leaves this object except inside a request built by ``send_signed``.
        self._token: str | None = None

    async def open(self, ws: ClientConnection, rest: KrakenRest) -> None:
        """Fetch a token and subscribe; raises SessionFailed when the token is refused."""
        # A new attempt: the last session's snapshots no longer count as delivered (else a
        # refused token reset the backoff every time: retries every second, forever).
        self._account.new_session()
        try:
            token = await rest.websockets_token()
        except KrakenRestError as exc:
            errors = ", ".join(exc.errors) or "unknown error"
            if exc.is_auth:
                self._emit(CredentialsRejected(errors, "GetWebSocketsToken"))
                raise SessionFailed(f"credentials rejected: {errors}") from None
            self._emit(FeedError("private", "GetWebSocketsToken failed", str(exc)))
            raise SessionFailed(f"token fetch failed: {errors}") from None
        self._stats.token_at = self._clock()
        self._ws = ws
        self._acks = set()
        self._account.new_session()
        # snap_trades: the last 50 fills come with the snapshot, so fills made while we
        # were away are reported too (PrivateAccount reports each exec_id once).
        await ws.send(subscribe_request("executions", token=token, snap_orders=True,
                                        snap_trades=True, req_id=self._next_req_id()))
        await ws.send(subscribe_request("balances", token=token, req_id=self._next_req_id()))
        self._token = token

    def closed(self) -> None:
        self._ws = None
        self._token = None

    @property
    def live(self) -> bool:
        """Authenticated and both subscriptions acknowledged: trading methods may go here."""
        return self._ws is not None and self._token is not None and self._acks == PRIVATE_CHANNELS

    async def send_signed(self, build: Callable[[str], str]) -> None:
        """Send ``build(token)`` on the live private socket (the token stays in here)."""
        ws, token = self._ws, self._token
        if ws is None or token is None:
            raise ConnectionError("the private connection is not live")
        await ws.send(build(token))

    def on_response(self, resp: MethodResponse) -> None:
        if resp.success:
            if resp.method == "subscribe" and resp.channel in PRIVATE_CHANNELS:
                self._acks.add(resp.channel)
                if self._acks == PRIVATE_CHANNELS:
                    self._emit(ConnectionChanged("private", "connected", self._stats.attempt))
            return
        error = resp.error or "unknown error"
        self._emit(FeedError("private", f"{resp.method} refused", f"{resp.channel}: {error}"))
        # Orders and balances are all or nothing: any refusal (most often a bad or expired
        # token) restarts the connection.
        if self._ws is not None:
            self._stats.closing_reason = f"{resp.channel} {resp.method} refused: {error}"
            self._ws.transport.abort()
