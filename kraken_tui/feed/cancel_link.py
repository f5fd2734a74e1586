"""A short-lived authenticated socket for the cancel commands.

Why not a whole ``Feed``: ``kraken-tui cancel`` needs no books, balances or reconnects,
only what a guarded cancel rides on: a fresh token, an ``executions`` subscription
(its updates say how each order ended) and the reply frames. It is a ``PrivateLink``
for ``CancelDesk``; when it cannot open, the desk goes over REST instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from websockets.asyncio.client import ClientConnection, connect

from kraken_tui.feed.cancels import CancelDesk
from kraken_tui.feed.rest import KrakenRest
from kraken_tui.kraken.frames import (
    ExecutionsFrame,
    MethodResponse,
    decode_frame,
    subscribe_request,
)

log = logging.getLogger(__name__)
#: The client's own logger for this socket, pinned as the feed's is (frames carry tokens).
_wire_log = logging.getLogger("kraken_tui.feed.wire")
_wire_log.setLevel(logging.WARNING)


class WsCancelLink:
    """Token, ``executions`` subscription, then cancels; frames go to the desk."""

    def __init__(self, ws: ClientConnection, token: str) -> None:
        self._ws = ws
        self._token: str | None = token
        self._acked = asyncio.Event()
        self.desk: CancelDesk | None = None
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, rest: KrakenRest, timeout: float = 5.0) -> WsCancelLink:
        """Connected, authenticated and subscribed within ``timeout``, or an exception."""
        token = await asyncio.wait_for(rest.websockets_token(), timeout)
        ws = await asyncio.wait_for(connect(url, ping_interval=None, close_timeout=1,
                                            max_size=2**24, logger=_wire_log), timeout)
        link = cls(ws, token)
        try:
            await ws.send(subscribe_request("executions", token=token, snap_orders=False,
                                            snap_trades=False, req_id=1))
            await asyncio.wait_for(link._acked.wait(), timeout)
        except BaseException:
            await link.close()
            raise
        return link

    @property
    def live(self) -> bool:
        return self._token is not None and self._acked.is_set() and not self._reader.done()

    async def send_signed(self, build: Callable[[str], str]) -> None:
        token = self._token
        if token is None or self._reader.done():
            raise ConnectionError("the private socket is closed")
        await self._ws.send(build(token))

    async def _read(self) -> None:
        with contextlib.suppress(Exception):  # a closed socket ends the link, nothing else
            async for raw in self._ws:
                frame = decode_frame(raw)
                if isinstance(frame, MethodResponse):
                    if frame.method == "subscribe":
                        if frame.success and frame.channel == "executions":
                            self._acked.set()
                        elif not frame.success:
                            log.warning("executions subscription refused: %s", frame.error)
                    elif self.desk is not None:
                        self.desk.on_response(frame)
                elif isinstance(frame, ExecutionsFrame) and self.desk is not None:
                    self.desk.on_executions(frame)
        self._token = None

    async def close(self) -> None:
        self._token = None
        self._reader.cancel()
        with contextlib.suppress(Exception):
            await self._ws.close()
        await asyncio.gather(self._reader, return_exceptions=True)
