"""Is the other end still there? A deadline on any inbound message, and app pings.

TCP may never say that a connection died (a stalled proxy, a sleeping laptop),
so a socket that delivered nothing at all for ``heartbeat_timeout`` seconds is
aborted; Kraken sends a heartbeat every second, so silence means trouble. Pings
measure the round trip and keep the connection from looking idle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from websockets.asyncio.client import ClientConnection

from kraken_tui.feed.events import Endpoint, FeedEvent, HeartbeatTimeout, RoundTrip
from kraken_tui.feed.stats import EndpointStats
from kraken_tui.kraken.frames import PongFrame, ping_request

log = logging.getLogger(__name__)

#: Pongs that never came are forgotten past this many.
MAX_PENDING_PINGS = 100


class Liveness:
    def __init__(
        self,
        *,
        clock: Callable[[], float],
        emit: Callable[[FeedEvent], None],
        next_req_id: Callable[[], int],
        heartbeat_timeout: float,
        ping_interval: float,
    ) -> None:
        self._clock = clock
        self._emit = emit
        self._next_req_id = next_req_id
        self.heartbeat_timeout = heartbeat_timeout
        self.ping_interval = ping_interval
        self._pings: dict[int, tuple[Endpoint, float]] = {}

    async def watchdog(
        self, ws: ClientConnection, endpoint: Endpoint, stats: EndpointStats,
        on_silence: Callable[[], None],
    ) -> None:
        """Abort the socket when nothing arrived within the deadline; returns only then."""
        limit = self.heartbeat_timeout
        tick = min(0.25, limit / 4)
        while True:
            await asyncio.sleep(tick)
            last = stats.last_rx if stats.last_rx is not None else self._clock()
            silence = self._clock() - last
            if silence > limit:
                log.warning("%s: no message for %.1fs; reconnecting", endpoint, silence)
                self._emit(HeartbeatTimeout(endpoint, round(silence, 3)))
                on_silence()
                ws.transport.abort()
                return

    async def pinger(self, ws: ClientConnection, endpoint: Endpoint) -> None:
        """App-level pings, the first one at once."""
        while True:
            req_id = self._next_req_id()
            self._pings[req_id] = (endpoint, self._clock())
            if len(self._pings) > MAX_PENDING_PINGS:
                del self._pings[next(iter(self._pings))]
            await ws.send(ping_request(req_id))
            await asyncio.sleep(self.ping_interval)

    def on_pong(self, frame: PongFrame) -> None:
        sent = self._pings.pop(frame.req_id, None) if frame.req_id is not None else None
        if sent is not None:
            endpoint, at = sent
            self._emit(RoundTrip(endpoint, round((self._clock() - at) * 1000, 3)))
