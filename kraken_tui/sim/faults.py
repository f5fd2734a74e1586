"""Fault injection: the ways a real exchange misbehaves, on demand from tests or ``--scenario``.

Every method is safe to call from any thread (``on_loop`` hops onto the simulator's loop).
"""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING

from kraken_tui.sim.market import SYN_PAIRS
from kraken_tui.sim.threads import on_loop

if TYPE_CHECKING:
    from kraken_tui.sim.server import Simulator

#: How often the trades burst prints (one event, so one ``trade`` frame, per period).
TRADE_FRAME_SECONDS = 0.01

SCENARIOS: dict[str, str] = {
    "flaky": "abruptly drop every connection (no close frame) every 20 s",
    "stall": "every 30 s, stop sending on all sockets for 8 s (sockets stay open)",
    "maintenance": "every 60 s, a 10 s maintenance window: status pushed, sockets closed, "
                   "handshakes refused with HTTP 503, REST order calls EService:Unavailable",
    "cancel_only": "cycle system status online -> cancel_only -> post_only -> online every 15 s",
    "checksum": "corrupt one BTC/USD book checksum every 10 s",
    "burst": "continuous load: 2000 book frames/s spread over SYN01/USD..SYN20/USD",
    "chaos": "a seeded random mix of all of the above plus sequence gaps, token revocation, "
             "REST errors and rate limits, one event every 5-15 s",
}


class Faults:
    """Scriptable misbehaviour of a running :class:`Simulator`."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._burst_task: asyncio.Task[None] | None = None
        self._trade_burst_task: asyncio.Task[None] | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self.sim.loop

    # ---- connections --------------------------------------------------------------------
    @on_loop
    def drop_connections(self, endpoint: str = "all") -> int:
        """Abort sockets at the TCP level (no close frame). Returns how many were dropped."""
        return self.sim.hub.drop(endpoint)

    @on_loop
    def stall(self, seconds: float, endpoint: str = "all") -> None:
        """Keep sockets open but send nothing for ``seconds`` (queued frames follow after)."""
        self.sim.hub.stall(seconds, endpoint)

    # ---- system status ------------------------------------------------------------------
    @on_loop
    def start_maintenance(self) -> None:
        """Push status maintenance, close every socket (1013), refuse handshakes with 503."""
        self.sim.set_system_status("maintenance")
        assert self.sim.loop is not None
        self.sim.loop.create_task(self.sim.hub.close_all())

    @on_loop
    def end_maintenance(self) -> None:
        self.sim.set_system_status("online")

    async def maintenance(self, seconds: float) -> None:
        """A whole maintenance window (await it on the simulator's loop)."""
        self.start_maintenance()
        await asyncio.sleep(seconds)
        self.end_maintenance()

    @on_loop
    def set_system_status(self, status: str) -> None:
        """online | cancel_only | post_only | maintenance, pushed to every connection."""
        if status == "maintenance":
            self.start_maintenance()
        else:
            self.sim.set_system_status(status)

    @on_loop
    def set_pair_status(self, symbol: str, status: str) -> None:
        """Per-pair status (e.g. limit_only), announced on the instrument channel."""
        self.sim.set_pair_status(symbol, status)

    # ---- data faults --------------------------------------------------------------------
    @on_loop
    def corrupt_next_checksum(self, symbol: str) -> None:
        """The next book update for ``symbol`` carries a wrong checksum (data stays true)."""
        self.sim.hub.corrupt_next_checksum(symbol)

    @on_loop
    def reject_next_subscribe(self, channel: str, symbol: str | None = None,
                              error: str | None = None) -> None:
        self.sim.hub.reject_next_subscribe(
            channel, symbol, error or "EGeneral:Internal error:subscription rejected")

    @on_loop
    def revoke_tokens(self, drop_private: bool = False) -> None:
        """Invalidate every WS token issued so far; optionally drop private sockets too."""
        self.sim.revoke_tokens()
        if drop_private:
            self.sim.hub.drop("private")

    @on_loop
    def skip_sequence(self, channel: str) -> None:
        """The next executions/balances message per subscription skips one sequence number."""
        if channel not in ("executions", "balances"):
            raise ValueError("channel must be 'executions' or 'balances'")
        self.sim.hub.skip_sequence(channel)

    @on_loop
    def lose_cancel_replies(self, count: int = 1) -> None:
        """The next ``count`` WS cancel_order/cancel_all reply frames are never sent, though
        the cancels happen (executions still stream): a reply lost on the way back. A
        multi-id cancel_order has one frame per id, so count=1 loses just one of them."""
        self.sim.hub.swallow_cancel_replies(count)

    @on_loop
    def send_raw(self, text: str, endpoint: str = "public") -> int:
        """Send ``text`` verbatim to every client on ``endpoint`` (public|private|all)."""
        return self.sim.hub.send_raw(text, endpoint)

    # ---- REST ---------------------------------------------------------------------------
    @on_loop
    def rest_error(self, method: str, error: str = "EService:Unavailable", count: int = 1) -> None:
        """The next ``count`` calls of ``method`` ("*" = any) fail with ``error``."""
        self.sim.rest.inject_error(method, error, count)

    @on_loop
    def lose_rest_replies(self, method: str, count: int = 1) -> None:
        """The next ``count`` REST calls of ``method`` (e.g. "CancelOrder") take effect but
        are never answered: the request is held until the client times out and hangs up."""
        self.sim.rest.lose_replies(method, count)

    @on_loop
    def rest_latency(self, seconds: float) -> None:
        self.sim.rest.set_latency(seconds)

    @on_loop
    def rate_limit(self, count: int) -> None:
        """The next ``count`` REST calls answer EAPI:Rate limit exceeded."""
        self.sim.rest.rate_limit(count)

    # ---- load ---------------------------------------------------------------------------
    @on_loop
    def burst(self, frames_per_second: float, symbols: list[str] | None = None) -> None:
        """Drive book updates at ``frames_per_second`` in total, round-robin over ``symbols``
        (default the synthetic SYN01/USD..SYN20/USD, which are always listed)."""
        self.stop_burst()
        chosen = symbols or [p.symbol for p in SYN_PAIRS]
        assert self.sim.loop is not None
        self._burst_task = self.sim.loop.create_task(self._burst(frames_per_second, chosen))

    @on_loop
    def stop_burst(self) -> None:
        if self._burst_task is not None:
            self._burst_task.cancel()
            self._burst_task = None

    async def _burst(self, fps: float, symbols: list[str]) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        done = 0
        while True:
            due = int((loop.time() - start) * fps)
            for _ in range(min(due - done, 5000)):
                self.sim.tick(symbols[done % len(symbols)])
                done += 1
            done = max(done, due - 5000)
            await asyncio.sleep(0.005)

    @on_loop
    def trade_burst(self, trades_per_second: float, symbol: str = "BTC/USD",
                    seconds: float | None = None) -> None:
        """Print ``trades_per_second`` small market takers at ``symbol``'s touch, for
        ``seconds`` (None: until :meth:`stop_trade_burst`). Every TRADE_FRAME_SECONDS one
        event carries the takers due (2 at 200/s): a book update, then one ``trade`` frame
        with them all, ticker and candle after, as the market's own steps fan out."""
        if symbol not in self.sim.market:
            raise KeyError(symbol)
        self.stop_trade_burst()
        assert self.sim.loop is not None
        self._trade_burst_task = self.sim.loop.create_task(
            self._trade_burst(trades_per_second, symbol, seconds))

    @on_loop
    def stop_trade_burst(self) -> None:
        if self._trade_burst_task is not None:
            self._trade_burst_task.cancel()
            self._trade_burst_task = None

    async def _trade_burst(self, tps: float, symbol: str, seconds: float | None) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        cap = max(10, int(5 * tps * TRADE_FRAME_SECONDS))  # catching up after a stall
        done = 0
        while True:
            await asyncio.sleep(TRADE_FRAME_SECONDS)
            elapsed = loop.time() - start
            if seconds is not None:
                elapsed = min(elapsed, seconds)
            due = int(elapsed * tps)
            count = min(due - done, cap)
            done = max(done + count, due - cap)
            if count > 0 and self.sim.system_status != "maintenance":
                self.sim.takers(symbol, count, TRADE_FRAME_SECONDS)
            if seconds is not None and elapsed >= seconds and done >= due:
                break
        if self._trade_burst_task is asyncio.current_task():
            self._trade_burst_task = None

    # ---- scenarios ----------------------------------------------------------------------
    async def run_scenario(self, name: str) -> None:
        """Run a named scenario (see SCENARIOS) until cancelled."""
        if name not in SCENARIOS:
            raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
        if name == "burst":
            self.burst(2000)
            return
        rng = random.Random(f"{self.sim.seed}:scenario")
        statuses = ["cancel_only", "post_only", "online"]
        i = 0
        while True:
            if name == "flaky":
                await asyncio.sleep(20)
                self.drop_connections()
            elif name == "stall":
                await asyncio.sleep(30)
                self.stall(8)
            elif name == "maintenance":
                await asyncio.sleep(60)
                await self.maintenance(10)
            elif name == "cancel_only":
                await asyncio.sleep(15)
                self.set_system_status(statuses[i % 3])
                i += 1
            elif name == "checksum":
                await asyncio.sleep(10)
                self.corrupt_next_checksum("BTC/USD")
            else:  # chaos
                await asyncio.sleep(rng.uniform(5, 15))
                await self._chaos_event(rng)

    async def _chaos_event(self, rng: random.Random) -> None:
        pick = rng.randrange(10)
        if pick == 0:
            self.drop_connections(rng.choice(["public", "private", "all"]))
        elif pick == 1:
            self.stall(rng.uniform(2, 8))
        elif pick == 2:
            await self.maintenance(rng.uniform(3, 8))
        elif pick == 3:
            self.set_system_status(rng.choice(["cancel_only", "post_only"]))
            await asyncio.sleep(rng.uniform(3, 8))
            self.set_system_status("online")
        elif pick == 4:
            self.corrupt_next_checksum(rng.choice(["BTC/USD", "ETH/USD", "MINA/GBP", "DOGE/USD"]))
        elif pick == 5:
            self.skip_sequence(rng.choice(["executions", "balances"]))
        elif pick == 6:
            self.revoke_tokens(drop_private=True)
        elif pick == 7:
            self.rest_error("*", rng.choice(["EService:Unavailable", "EGeneral:Internal error"]))
        elif pick == 8:
            self.rate_limit(rng.randint(1, 3))
        else:
            self.burst(500)
            await asyncio.sleep(rng.uniform(2, 5))
            self.stop_burst()
