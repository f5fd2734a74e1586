"""Secret canary: the API secret and every WebSockets token stay out of every output.

The simulator gets an account whose secret is a recognisable canary (valid base64, so
signing works and the private side really runs). The feed, the ``kraken-tui events``
process and the monitor app then go through the paths where a credential could slip
out: connecting, refused subscribes, REST failures and rate limits, a token refused as
an invalid session, the dead man's switch failing, an exception in the event sink, a
crashed feed task. Everything observable is captured — all logging at DEBUG (third
party libraries included), stdout/stderr, tracebacks, every event (``repr`` and
``to_json``), ``repr`` of the config and feed objects, a screenshot of the app — and
searched for the secret, the API key, and every token the simulator issued to the
account, whole or as any 16-character piece.

History: at DEBUG the websockets library logged an excerpt of every frame (head and
tail, ~75 characters), which showed the last 9 characters of a token in the private
subscribe request. The feed now pins websockets' frame loggers at INFO (c70b96d), so
no root log level brings them back; the 16-character window is what this test checks.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from chaos_harness import chaos_config

from kraken_tui.feed.connection import Feed
from kraken_tui.feed.events import (
    BalancesUpdated,
    DeadManSwitch,
    FeedError,
    FeedEvent,
    OrdersUpdated,
)
from kraken_tui.sim import Simulator, SimulatorThread
from kraken_tui.sim.accounts import Account
from tests.harness import EventLog, break_balances_handler_once

CANARY_SECRET = base64.b64encode(
    b"kraken-tui canary secret: if you can read this, it leaked!" + bytes(range(7))).decode()
WINDOW = 16


def canary_account(sim: Simulator) -> Account:
    """A fresh account whose secret is the canary (the simulator verifies signatures with it)."""
    account = sim.add_account()
    account.api_secret = CANARY_SECRET
    return account


def issued_tokens(sim: Simulator, account: Account) -> list[str]:
    return [t for t, state in sim.tokens.items() if state.account_key == account.api_key]


def pieces(needle: str) -> Iterator[str]:
    yield needle
    for i in range(0, max(0, len(needle) - WINDOW) + 1, 4):
        yield needle[i:i + WINDOW]


def leaks(haystacks: dict[str, str], needles: dict[str, str]) -> list[str]:
    """Where any needle (or a 16-char piece of it) shows up: ["<what> in <where>", ...]."""
    found = []
    for where, text in haystacks.items():
        for what, needle in needles.items():
            if any(p in text for p in pieces(needle)):
                found.append(f"{what} in {where}")
    return found


@contextlib.contextmanager
def all_logging_at_debug() -> Iterator[io.StringIO]:
    """Every record from every logger, formatted with tracebacks, into one buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    quiet = {name: logging.getLogger(name).level for name in
             ("websockets", "httpx", "httpcore", "asyncio", "hpack", "uvicorn")}
    for name in quiet:
        logging.getLogger(name).setLevel(logging.DEBUG)  # even the chattiest, on purpose
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


class LeakySink(EventLog):
    """Records events as text too; raises once on the first OrdersUpdated (a crashing UI)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.raised = False

    def __call__(self, event: FeedEvent) -> None:
        super().__call__(event)
        self.texts.append(repr(event))
        self.texts.append(json.dumps(event.to_json(), default=str))
        if isinstance(event, OrdersUpdated) and not self.raised:
            self.raised = True
            raise RuntimeError("the consumer crashed while drawing orders")


async def test_feed_never_leaks_the_secret_or_tokens(
    chaos_sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    account = canary_account(chaos_sim)
    chaos_sim.place_order("BTC/USD", "buy", "0.1", "30000.0", account=account)
    config = chaos_config(chaos_sim, symbols=("BTC/USD",), api_key=account.api_key,
                          api_secret=CANARY_SECRET, dead_man_switch=4)
    sink = LeakySink()
    with all_logging_at_debug() as logs:
        feed = Feed(config, sink)
        task = asyncio.create_task(feed.run())
        private = feed.stats["private"]

        async def private_back(after: int) -> None:
            await sink.wait(lambda: private.reconnects > after and sink.of(OrdersUpdated)
                            and sink.of(OrdersUpdated)[-1].valid, 15, "private data back")

        await sink.wait(lambda: any(e.valid for e in sink.of(BalancesUpdated)), 15,
                        "private snapshots")
        assert sink.raised  # the sink crashed once and the feed went on
        # A token fetch that fails, then a refused subscribe that reads as a bad session.
        chaos_sim.faults.rest_error("GetWebSocketsToken", error="EService:Unavailable")
        chaos_sim.faults.drop_connections("private")
        await sink.next(FeedError, lambda e: "GetWebSocketsToken" in e.error, timeout=15)
        await private_back(0)
        chaos_sim.faults.reject_next_subscribe("executions", error="ESession:Invalid session")
        chaos_sim.faults.drop_connections("private")
        await sink.next(FeedError, lambda e: "Invalid session" in e.detail, timeout=15)
        await private_back(2)
        # Reconciliation through rate limits and errors; the dead man's switch failing.
        chaos_sim.faults.rate_limit(2)
        chaos_sim.faults.rest_error("OpenOrders", error="EGeneral:Internal error")
        chaos_sim.faults.drop_connections("private")
        await private_back(3)
        chaos_sim.faults.rest_error("CancelAllOrdersAfter", error="EService:Unavailable", count=2)
        await sink.next(DeadManSwitch, lambda e: e.error is not None, timeout=15)
        await sink.next(DeadManSwitch, lambda e: e.error is None and e.armed, timeout=15)
        # Finally a bug inside frame handling (its traceback is logged, the feed reconnects).
        break_balances_handler_once(feed, "balances handler blew up")
        chaos_sim.place_order("BTC/USD", "buy", "0.1", "30001.0", account=account)
        chaos_sim.fill_order(chaos_sim.truth_open_orders(account).popitem()[0], "0.01")
        await sink.next(FeedError, lambda e: e.error == "internal error", timeout=15)
        reprs = {f"repr({name})": repr(obj) for name, obj in (
            ("config", config), ("feed", feed), ("feed.rest", feed.rest),
            ("feed.dms", feed.dms), ("feed.stats", feed.stats))}
        feed.stop()
        await asyncio.wait_for(task, 15)
    tokens = issued_tokens(chaos_sim, account)
    assert len(tokens) >= 3  # one per private (re)connect at least
    out = capsys.readouterr()
    haystacks = {"logs": logs.getvalue(), "events": "\n".join(sink.texts),
                 "stdout": out.out, "stderr": out.err, **reprs}
    assert "Traceback" in haystacks["logs"]  # the crashes were logged with tracebacks
    assert "DEBUG httpcore" in haystacks["logs"]  # third-party debug logging was captured too
    needles = {"secret": CANARY_SECRET, "api key": account.api_key,
               **{f"token #{i}": t for i, t in enumerate(tokens)}}
    assert leaks(haystacks, needles) == []


EVENTS_WRAPPER = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                    format="%(levelname)s %(name)s: %(message)s")
from kraken_tui.feed import events
calls = []
original = events.OrdersUpdated.to_json
def to_json(self):
    calls.append(1)
    if len(calls) == 1:
        raise RuntimeError("the output writer crashed")
    return original(self)
events.OrdersUpdated.to_json = to_json
from kraken_tui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _inject_while_running(handle: SimulatorThread, account: Account,
                          stop: threading.Event) -> None:
    """From the test thread: faults that make the events process talk about credentials."""
    sim = handle.sim

    def tokens() -> int:
        return handle.call(lambda: len(issued_tokens(sim, account)))

    def wait_tokens(n: int) -> None:
        while tokens() < n and not stop.wait(0.05):
            pass

    wait_tokens(2)  # the preflight token and the first private connection's
    steps: Iterable[tuple[str, tuple[object, ...]]] = [
        ("rest_error", ("GetWebSocketsToken",)),
        ("drop_connections", ("private",)),
        ("wait", (3,)),
        ("reject_next_subscribe", ("balances", None, "ESession:Invalid session")),
        ("drop_connections", ("private",)),
        ("wait", (4,)),
        ("rate_limit", (2,)),
        ("rest_error", ("CancelAllOrdersAfter", "EService:Unavailable", 2)),
        ("drop_connections", ("private",)),
    ]
    for name, args in steps:
        if stop.is_set():
            return
        if name == "wait":
            wait_tokens(int(args[0]))  # type: ignore[call-overload]
        else:
            getattr(sim.faults, name)(*args)


AWAITED_KINDS = {"orders", "balances", "deadman", "error"}


class EventLines:
    """The events process's stdout, read in a thread: lines, and when every kind we
    wait for has been seen (a dead man's switch error included)."""

    def __init__(self, stream: io.TextIOBase) -> None:
        self.lines: list[str] = []
        self.kinds: set[str] = set()
        self.deadman_failed = False
        self.complete = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: io.TextIOBase) -> None:
        for line in stream:
            self.lines.append(line)
            event = json.loads(line)
            self.kinds.add(event["event"])
            if event["event"] == "deadman" and event.get("error"):
                self.deadman_failed = True
            if self.kinds >= AWAITED_KINDS and self.deadman_failed:
                self.complete.set()

    def join(self) -> str:
        self._thread.join(10)
        return "".join(self.lines)


def test_events_command_never_leaks_the_secret_or_tokens(tmp_path: Path) -> None:
    """Runs until every awaited event kind is out and every fault was injected (60 s bound)."""
    with SimulatorThread(seed=5, order_flow=False) as handle:
        sim = handle.sim
        account = handle.call(lambda: canary_account(sim))
        handle.call(lambda: sim.place_order("BTC/USD", "buy", "0.1", "30000.0", account=account))
        env = {k: v for k, v in os.environ.items() if not k.startswith("KRAKEN_")}
        env.update(KRAKEN_API_KEY=account.api_key, KRAKEN_API_SECRET=CANARY_SECRET)
        stop = threading.Event()
        injector = threading.Thread(target=_inject_while_running, args=(handle, account, stop))
        injector.start()
        stderr_path = tmp_path / "stderr.txt"
        with stderr_path.open("w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-c", EVENTS_WRAPPER, "events", "--private",
                 "--dead-man-switch", "3", "--symbol", "BTC/USD", "--ws-url", sim.ws_url,
                 "--ws-auth-url", sim.ws_auth_url, "--rest-url", sim.rest_url,
                 "--heartbeat-timeout", "2", "--duration", "90"],
                stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
            )
            assert proc.stdout is not None
            events = EventLines(proc.stdout)
            try:  # the condition: all kinds out, every fault injected; 60 s is the failure bound
                deadline = time.monotonic() + 60
                complete = events.complete.wait(60)
                injector.join(max(0.0, deadline - time.monotonic()))
                injected = not injector.is_alive()
            finally:
                stop.set()
                injector.join(10)
                proc.terminate()  # SIGTERM: the events command stops its feed, exits 0
                returncode = proc.wait(30)
        stdout, stderr_text = events.join(), stderr_path.read_text()
        tokens = handle.call(lambda: issued_tokens(sim, account))
    assert complete, f"seen only {sorted(events.kinds)} (dead man's switch failed: "\
        f"{events.deadman_failed}); stderr tail: {stderr_text[-2000:]}"
    assert injected, "the injector's faults did not all happen within 60 s"
    assert returncode == 0, stderr_text[-2000:]
    assert "the output writer crashed" in stderr_text  # the sink crash was logged
    assert "DEBUG httpcore" in stderr_text  # DEBUG logging was on
    assert len(tokens) >= 4
    needles = {"secret": CANARY_SECRET, "api key": account.api_key,
               **{f"token #{i}": t for i, t in enumerate(tokens)}}
    assert leaks({"stdout": stdout, "stderr": stderr_text}, needles) == []


async def test_monitor_app_screen_never_shows_the_secret(chaos_sim: Simulator) -> None:
    """The app's screenshot (and the config's repr) with canary credentials, headless."""
    app_module = pytest.importorskip("kraken_tui.ui.app")
    from kraken_tui.config import Config

    account = canary_account(chaos_sim)
    chaos_sim.place_order("BTC/USD", "buy", "0.1", "30000.0", account=account)
    config = Config(symbols=("BTC/USD",), ws_url=chaos_sim.ws_url,
                    ws_auth_url=chaos_sim.ws_auth_url, rest_url=chaos_sim.rest_url,
                    api_key=account.api_key, api_secret=CANARY_SECRET, dead_man_switch=5)
    app = app_module.KrakenMonitor(config)
    with all_logging_at_debug() as logs:
        async with app.run_test(size=(120, 40)) as pilot:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 20
            while len(issued_tokens(chaos_sim, account)) < 1 or app.events_seen < 20:
                assert loop.time() < deadline, "the app never got private data"
                await pilot.pause(0.1)
            chaos_sim.faults.rest_error("CancelAllOrdersAfter", count=1)
            chaos_sim.faults.drop_connections("private")
            while len(issued_tokens(chaos_sim, account)) < 2:
                assert loop.time() < deadline, "the app never reconnected"
                await pilot.pause(0.1)
            await pilot.pause(0.5)
            screenshot = app.export_screenshot()
    tokens = issued_tokens(chaos_sim, account)
    needles = {"secret": CANARY_SECRET, **{f"token #{i}": t for i, t in enumerate(tokens)}}
    haystacks = {"screenshot": screenshot, "logs": logs.getvalue(), "repr(config)": repr(config)}
    assert leaks(haystacks, needles) == []
