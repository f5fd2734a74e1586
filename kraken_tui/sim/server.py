"""The Simulator: market + accounts + the three loopback endpoints, and its thread wrapper.

This is the object tests and ``--demo`` hold. It owns the event-loop tasks (market ticks, the
demo order flow, the dead man's switch timers) and the state every endpoint reads, so WS and
REST always describe the same exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Self, TypeVar

import uvicorn
from websockets.asyncio.server import Server, serve

from kraken_tui.sim.accounts import Account, Exchange
from kraken_tui.sim.demo_flow import DemoFlow
from kraken_tui.sim.faults import SCENARIOS, Faults
from kraken_tui.sim.market import PAIRS, Market, Trade
from kraken_tui.sim.rest import RestApp
from kraken_tui.sim.threads import on_loop
from kraken_tui.sim.wire import fmt_units, rfc3339_s
from kraken_tui.sim.ws import WsHub

T = TypeVar("T")
SYSTEM_STATUSES = ("online", "maintenance", "cancel_only", "post_only")


#: websockets logs every frame at DEBUG, and private subscribe frames carry tokens:
#: the simulator's server logger is pinned at WARNING so no log level prints one.
_WIRE_LOG = logging.getLogger("kraken_tui.sim.wire")
_WIRE_LOG.setLevel(logging.WARNING)


@dataclass(slots=True)
class Token:
    """A WebSockets token: valid until ``expires_at`` unless held by a live subscription."""

    account_key: str
    expires_at: float
    live: int = 0
    revoked: bool = False


class _QuietUvicorn(uvicorn.Server):
    """uvicorn without its signal handlers: the simulator's owner decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class Simulator:
    """A local Kraken v2 exchange on 127.0.0.1: public WS, auth WS and REST."""

    def __init__(
        self,
        seed: int = 1,
        host: str = "127.0.0.1",
        ws_port: int = 0,
        auth_port: int = 0,
        rest_port: int = 0,
        token_ttl: float = 900.0,
        order_flow: bool = True,
        updates_per_second: float = 10.0,
        idle_timeout: float = 60.0,
        scenario: str | None = None,
    ) -> None:
        if scenario is not None and scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
        self.seed = seed
        self.host = host
        self._ports = (ws_port, auth_port, rest_port)
        self.token_ttl = token_ttl
        self.order_flow = order_flow
        self.updates_per_second = updates_per_second
        self.idle_timeout = idle_timeout
        self.scenario = scenario
        self.rng = random.Random(f"{seed}:server")
        self.market = Market(seed)
        self.exchange = Exchange(self.market, seed)
        self.demo = self.exchange.add_account()
        self.flow = DemoFlow(self)
        self.tokens: dict[str, Token] = {}
        self.system_status = "online"
        self.hub = WsHub(self)
        self.rest = RestApp(self)
        self.faults = Faults(self)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.loop_thread: int | None = None
        self._deadman: dict[str, asyncio.TimerHandle] = {}
        self._servers: list[Server] = []
        self._uvicorn: _QuietUvicorn | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self.ws_url = self.ws_auth_url = self.rest_url = ""

    # ---- lifecycle ----------------------------------------------------------------------
    async def start(self) -> Self:
        self.loop = asyncio.get_running_loop()
        self.loop_thread = threading.get_ident()
        ws_port, auth_port, rest_port = self._ports
        common: dict[str, Any] = dict(process_request=self.hub.process_request,
                                      ping_interval=None, max_size=2**20, compression=None,
                                      logger=_WIRE_LOG)
        public = await serve(self.hub.handle_public, self.host, ws_port, **common)
        private = await serve(self.hub.handle_private, self.host, auth_port, **common)
        self._servers = [public, private]
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
        # without it uvicorn's two writes (head, then body) waited out the client's
        # delayed ACK: every REST answer took ~44 ms on loopback instead of ~1 ms.
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET,
                             socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, rest_port))
        config = uvicorn.Config(self.rest, host=self.host, port=rest_port, log_level="warning",
                                lifespan="off", access_log=False)
        self._uvicorn = _QuietUvicorn(config)
        self._tasks.append(asyncio.create_task(self._uvicorn.serve(sockets=[sock])))
        while not self._uvicorn.started:
            await asyncio.sleep(0.005)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.ws_url = f"ws://{host}:{self._port(public)}/v2"
        self.ws_auth_url = f"ws://{host}:{self._port(private)}/v2"
        self.rest_url = f"http://{host}:{sock.getsockname()[1]}"
        self._tasks.append(asyncio.create_task(self._market_loop()))
        if self.order_flow:
            self._tasks.append(asyncio.create_task(self._order_flow_loop()))
        if self.scenario:
            self._tasks.append(asyncio.create_task(self.faults.run_scenario(self.scenario)))
        return self

    @staticmethod
    def _port(server: Server) -> int:
        return int(next(iter(server.sockets)).getsockname()[1])

    async def stop(self) -> None:
        for task in self._tasks:
            if task is not self._uvicorn_task():
                task.cancel()
        self.faults.stop_burst()
        self.faults.stop_trade_burst()
        for handle in self._deadman.values():
            handle.cancel()
        for server in self._servers:
            server.close()
        for conn in list(self.hub.connections):
            conn.abort()
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)
        self._tasks.clear()

    def _uvicorn_task(self) -> asyncio.Task[Any] | None:
        return self._tasks[0] if self._tasks else None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- credentials --------------------------------------------------------------------
    @property
    def api_key(self) -> str:
        return self.demo.api_key

    @property
    def api_secret(self) -> str:
        return self.demo.api_secret

    @on_loop
    def add_account(self, balances: dict[str, Decimal | str | float] | None = None,
                    permissions: set[str] | frozenset[str] | None = None) -> Account:
        """Another API key/secret (e.g. with fewer permissions, for EGeneral:Permission denied)."""
        return self.exchange.add_account(balances, permissions)

    def issue_token(self, account: Account) -> str:
        token = secrets.token_urlsafe(32)
        self.tokens[token] = Token(account.api_key, time.monotonic() + self.token_ttl)
        return token

    def account_for_token(self, token: str) -> Account | None:
        state = self.tokens.get(token)
        if state is None or state.revoked:
            return None
        if state.live <= 0 and time.monotonic() >= state.expires_at:
            return None
        return self.exchange.accounts.get(state.account_key)

    def revoke_tokens(self) -> None:
        """Every WS token issued so far stops working (a fault to inject)."""
        for state in self.tokens.values():
            state.revoked = True

    def hold_token(self, token: str) -> None:
        if token in self.tokens:
            self.tokens[token].live += 1

    def release_token(self, token: str) -> None:
        if token in self.tokens:
            self.tokens[token].live -= 1

    # ---- system & instruments ------------------------------------------------------------
    def set_system_status(self, status: str) -> None:
        if status not in SYSTEM_STATUSES:
            raise ValueError(f"unknown system status {status!r}")
        if status != self.system_status:
            self.system_status = status
            self.hub.push_status()

    def set_pair_status(self, symbol: str, status: str) -> None:
        if symbol not in self.market:
            raise KeyError(symbol)
        self.market.pair_status[symbol] = status
        self.hub.on_pair_status(symbol)

    def instrument_pair(self, symbol: str) -> dict[str, Any]:
        """One pair as the instrument channel shows it (floats: this channel writes 1e-08)."""
        spec = self.market.specs[symbol]
        tick = float(10 ** -spec.price_decimals)
        return {
            "symbol": spec.symbol, "base": spec.base, "quote": spec.quote,
            "status": self.market.pair_status[symbol],
            "qty_precision": spec.qty_decimals, "qty_increment": float(10 ** -spec.qty_decimals),
            "price_precision": spec.price_decimals, "cost_precision": spec.cost_decimals,
            "marginable": False, "has_index": True, "cost_min": float(spec.costmin),
            "tick_size": tick, "price_increment": tick, "qty_min": float(spec.ordermin),
        }

    def instrument_data(self) -> dict[str, Any]:
        assets = [{"id": a.id, "status": "enabled", "precision": a.precision,
                   "precision_display": a.precision_display, "borrowable": False,
                   "collateral_value": 1.0}
                  for a in self.market.assets.values()]
        return {"assets": assets, "pairs": [self.instrument_pair(s) for s in self.market.symbols]}

    # ---- dead man's switch ---------------------------------------------------------------
    def arm_deadman(self, account: Account, timeout: int) -> dict[str, str]:
        """CancelAllOrdersAfter: (re)arm or, with 0, disarm; a real loop timer does the cancel."""
        now = time.time()
        old = self._deadman.pop(account.api_key, None)
        if old is not None:
            old.cancel()
        if timeout > 0:
            assert self.loop is not None
            self._deadman[account.api_key] = self.loop.call_later(
                timeout, self._deadman_fire, account)
        return {"currentTime": rfc3339_s(now), "triggerTime": rfc3339_s(now + timeout)}

    def _deadman_fire(self, account: Account) -> None:
        self._deadman.pop(account.api_key, None)
        self.exchange.cancel_all(account, "CancelAllOrdersAfter Timeout")

    def deadman_armed(self, account: Account | None = None) -> bool:
        return (account or self.demo).api_key in self._deadman

    # ---- background activity --------------------------------------------------------------
    def tick(self, symbol: str, changes: int | None = None) -> None:
        """Advance one symbol's market by one step and fan the result out to subscribers."""
        sm = self.market[symbol]
        self._fan_out(symbol, sm.step(time.time(), changes))

    def takers(self, symbol: str, count: int, span: float = 0.0) -> list[Trade]:
        """``count`` small market takers at ``symbol``'s touch, fanned out as one event.

        The trades burst fault's step: one book update, then one ``trade`` frame carrying
        them all (ticker and candle after it), as a market step does. Their timestamps
        are spread evenly over the last ``span`` seconds (takers arriving one by one), never
        before the symbol's previous print, so trade_id and time rise together.
        """
        sm = self.market[symbol]
        now = time.time()
        start = now - span
        if sm.recent_trades:
            start = min(now, max(start, sm.recent_trades[-1].timestamp))
        stamps = [start + (now - start) * (i + 1) / count for i in range(count)]
        trades = sm.taker_prints(stamps)
        self._fan_out(symbol, trades)
        return trades

    def _fan_out(self, symbol: str, trades: list[Trade]) -> None:
        self.hub.on_book_changed(symbol)
        self.hub.on_trades(symbol, trades)
        if self.order_flow:  # the same takers reach the demo's resting orders
            self.flow.match(symbol, trades)

    async def _market_loop(self) -> None:
        loop = asyncio.get_running_loop()
        interval = 1.0 / max(self.updates_per_second, 0.01)
        next_at = loop.time()
        while True:
            next_at += interval
            if self.system_status != "maintenance":
                for spec in PAIRS:
                    self.tick(spec.symbol)
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            if loop.time() - next_at > 1.0:  # fell far behind (debugger, overload): resync
                next_at = loop.time()

    async def _order_flow_loop(self) -> None:
        """The demo account's own activity (``demo_flow.py``), one decision at a time."""
        while True:
            await asyncio.sleep(self.flow.rng.uniform(0.4, 1.6))
            if self.system_status != "maintenance":
                self.flow.step()

    # ---- test / demo API ----------------------------------------------------------------
    @on_loop
    def place_order(self, symbol: str, side: str, qty: str | Decimal | float,
                    price: str | Decimal | float, account: Account | None = None) -> str:
        spec = self.market.specs[symbol]
        order = self.exchange.place_order(account or self.demo, symbol, side,
                                          spec.qty_lots(str(qty)), spec.price_ticks(str(price)))
        return order.order_id

    @on_loop
    def fill_order(self, order_id: str, qty: str | Decimal | float | None = None) -> None:
        account = self.exchange.order_index[order_id]
        spec = account.orders[order_id].spec
        self.exchange.fill_order(order_id, None if qty is None else spec.qty_lots(str(qty)))

    @on_loop
    def cancel_order(self, order_id: str, reason: str = "User requested") -> bool:
        return self.exchange.cancel_order(order_id, reason)

    @on_loop
    def truth_book(self, symbol: str, depth: int = 10
                   ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        sm = self.market[symbol]
        bids, asks = sm.top(depth)
        return sm.render(bids), sm.render(asks)

    @on_loop
    def truth_open_orders(self, account: Account | None = None) -> dict[str, dict[str, Any]]:
        return {o.order_id: o.truth() for o in self.exchange.open_orders(account or self.demo)}

    @on_loop
    def truth_balances(self, account: Account | None = None) -> dict[str, Decimal]:
        return dict((account or self.demo).balances)

    @on_loop
    def sent_checksums(self, symbol: str, depth: int) -> set[int]:
        return set(self.hub.sent.get((symbol, depth), ()))

    def format_balance(self, asset: str, value: Decimal) -> str:
        precision = self.market.assets[asset].precision if asset in self.market.assets else 8
        return fmt_units(int(value.scaleb(precision)), precision)


class SimulatorThread:
    """Runs a :class:`Simulator` on its own event loop in a daemon thread (the --demo engine)."""

    def __init__(self, **kwargs: Any) -> None:
        self.sim = Simulator(**kwargs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="kraken-sim", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stopped: asyncio.Event | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()  # later cross-thread calls then run directly instead of hanging

    async def _main(self) -> None:
        self._stopped = asyncio.Event()
        try:
            await self.sim.start()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        await self._stopped.wait()
        await self.sim.stop()

    def start(self) -> Self:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise RuntimeError("simulator failed to start") from self._error
        return self

    def stop(self) -> None:
        if self._stopped is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopped.set)
            self._thread.join(10)

    def call(self, fn: Callable[[], T | Awaitable[T]], timeout: float = 30.0) -> T:
        """Run ``fn`` on the simulator's loop and return its result (awaited if a coroutine)."""

        async def runner() -> T:
            result = fn()
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                return await result  # type: ignore[no-any-return]
            return result  # type: ignore[return-value]

        return asyncio.run_coroutine_threadsafe(runner(), self._loop).result(timeout)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run a coroutine (e.g. ``sim.faults.maintenance(2)``) on the simulator's loop."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
