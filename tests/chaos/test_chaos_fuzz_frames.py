"""Adversarial frames through the real socket path: the feed survives, counts, and stays true.

Every frame goes out of the simulator's server socket (``sim.faults.send_raw``), so
it crosses the same websocket client, reader loop and dispatch as real traffic.
After each frame the simulator sends a *sentinel* on the same connection (an
instrument update giving the unsubscribed pair SYN20/USD a unique status); frames
on one connection arrive in order, so once the feed reports the sentinel it has
handled the frame under test. Then:

* the feed is still running and its malformed counter moved exactly when the
  decoder calls the frame malformed;
* a book the feed shows as valid equals the simulator's truth (every level), and
  at the end every view ever shown valid carries a checksum the simulator sent.

Hypothesis drives the frames from a worker thread (``asyncio.to_thread``) so the
simulator and the feed keep running on the test's event loop meanwhile; examples
are derandomized, so CI is reproducible.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from chaos_harness import (
    chaos_config,
    levels_equal_truth,
    stale_views,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kraken_tui.feed.events import PairStatusChanged, ResyncStarted
from kraken_tui.kraken.frames import FrameError, decode_frame
from kraken_tui.sim import Simulator
from tests.harness import FeedRunner

SYMBOLS = ("BTC/USD", "ETH/USD")
SENTINEL_PAIR = "SYN20/USD"
FUZZ = settings(
    max_examples=300, deadline=None, database=None, derandomize=True,
    suppress_health_check=list(HealthCheck),
)

# ---------------------------------------------------------------- strategies

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
#: Raw number tokens as they may appear on the wire, absurd ones included.
number_tokens = st.one_of(
    st.integers(-(10**40), 10**40).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1e400", "-0", "0.000000000000000000001", "1E+5", "62800.0", "0",
                     "00012.5", "9" * 60, "1.5e-7"]),
)
level_value = st.one_of(number_tokens, json_scalars.map(json.dumps))
levels = st.lists(
    st.tuples(level_value, level_value).map(lambda pq: f'{{"price":{pq[0]},"qty":{pq[1]}}}'),
    max_size=4,
).map(lambda items: "[" + ",".join(items) + "]")
checksums = st.one_of(st.none(), st.integers(0, 2**32 - 1), json_scalars).map(
    lambda c: "" if c is None else f',"checksum":{json.dumps(c)}')


@st.composite
def garbage_book(draw: st.DrawFn, symbols: tuple[str, ...]) -> str:
    """A book message for ``symbols`` with garbage levels and a random (or no) checksum."""
    kind = draw(st.sampled_from(["update", "update", "update", "snapshot"]))
    symbol = draw(st.sampled_from(symbols))
    return (f'{{"channel":"book","type":"{kind}","data":[{{"symbol":"{symbol}",'
            f'"bids":{draw(levels)},"asks":{draw(levels)}{draw(checksums)}}}]}}')


channel_names = st.one_of(
    st.sampled_from(["book", "status", "heartbeat", "instrument", "executions", "balances",
                     "ticker", "trade", "ohlc", "level3", "", "BOOK"]),
    st.text(max_size=10), json_scalars,
)
typed_garbage = st.fixed_dictionaries(
    {"channel": channel_names},
    optional={"type": st.one_of(st.sampled_from(["update", "snapshot"]), json_values),
              "data": json_values, "sequence": json_values, "method": json_values,
              "success": json_values, "req_id": json_values, "error": json_values},
).map(json.dumps)
bad_json = st.one_of(
    st.text(max_size=120),
    st.sampled_from(['{"channel":"book"', "{", "[]", "null", '"x"', "{}", "{'a':1}",
                     '{"channel":"book","type":"update","data":[', "\x00\x01", "NaN"]),
)
any_frame = st.one_of(
    bad_json,
    typed_garbage,
    garbage_book(SYMBOLS),
    garbage_book(("SYN01/USD", "NOPE/XYZ", "btc/usd")),  # not subscribed
)
private_frame = st.one_of(
    bad_json,
    st.fixed_dictionaries(
        {"channel": st.sampled_from(["executions", "balances"]),
         "type": st.sampled_from(["update", "snapshot", "bogus"])},
        optional={"data": json_values, "sequence": json_values},
    ).map(json.dumps),
)

# ---------------------------------------------------------------- harness


class Prober:
    """Sends one frame then a sentinel; waits until the feed has handled both."""

    def __init__(self, sim: Simulator, runner: FeedRunner) -> None:
        self.sim = sim
        self.runner = runner
        self.n = 0
        self.sentinel_pair = sim.instrument_pair(SENTINEL_PAIR)

    async def send(self, text: str, endpoint: str = "public") -> None:
        self.n += 1
        status = f"fuzz-{self.n}"
        mark = self.runner.log.mark()
        self.sim.faults.send_raw(text, endpoint)
        sentinel = json.dumps({"channel": "instrument", "type": "update", "data": {
            "assets": [], "pairs": [{**self.sentinel_pair, "status": status}]}})
        self.sim.faults.send_raw(sentinel, "public")
        if endpoint == "private":
            # The private socket has no instrument channel: a ping round trip orders it.
            await self._private_barrier()
        await self.runner.log.next(PairStatusChanged, lambda e: e.status == status, after=mark,
                                   timeout=10)
        assert not self.runner.task.done(), "the feed stopped"

    async def _private_barrier(self) -> None:
        stats = self.runner.feed.stats["private"]
        before = stats.frames
        self.sim.faults.send_raw('{"channel":"heartbeat"}', "private")
        await self.runner.log.wait(lambda: stats.frames > before, 10, "private frame handled")


async def run_examples(test: Callable[[], None]) -> None:
    """Run a Hypothesis test in a worker thread while the test's loop keeps serving."""
    await asyncio.to_thread(test)


def on_loop(loop: asyncio.AbstractEventLoop, coro: Any) -> Any:
    return asyncio.run_coroutine_threadsafe(coro, loop).result(60)


async def converge_all(runner: FeedRunner, sim: Simulator, timeout: float = 20.0) -> None:
    await runner.log.wait(lambda: all(levels_equal_truth(runner, sim, s) for s in SYMBOLS),
                          timeout, "books equal to the simulator's truth")


async def valid_books_true(runner: FeedRunner, sim: Simulator) -> None:
    """A book shown valid right now equals the truth (allowing for frames in flight)."""
    for symbol in SYMBOLS:
        if runner.feed.book_is_valid(symbol):
            await runner.log.wait(
                lambda s=symbol: (not runner.feed.book_is_valid(s)
                                  or levels_equal_truth(runner, sim, s)),
                3.0, f"{symbol} shown valid must equal the truth")


# ---------------------------------------------------------------- tests


async def test_fuzzed_public_frames_never_break_the_feed_or_the_books(
    chaos_sim: Simulator, start_chaos_feed, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kraken_tui")
    runner = start_chaos_feed(chaos_config(chaos_sim, symbols=SYMBOLS))
    await converge_all(runner, chaos_sim)
    prober = Prober(chaos_sim, runner)
    stats = runner.feed.stats["public"]
    loop = asyncio.get_running_loop()
    malformed_sent = 0

    async def one(text: str) -> None:
        nonlocal malformed_sent
        before = stats.malformed
        await prober.send(text)
        if isinstance(decode_frame(text), FrameError):
            malformed_sent += 1
            assert stats.malformed == before + 1, text
        else:
            assert stats.malformed == before, text
        await valid_books_true(runner, chaos_sim)

    @FUZZ
    @given(frame=any_frame)
    def fuzz(frame: str) -> None:
        on_loop(loop, one(frame))

    await run_examples(fuzz)
    assert prober.n >= 250  # that many frames really crossed the socket
    assert malformed_sent > 0
    assert any("malformed frame" in r.getMessage() for r in caplog.records)
    await converge_all(runner, chaos_sim)
    assert stale_views(runner.log, chaos_sim) == []


async def test_fuzzed_book_garbage_for_subscribed_symbols_resyncs_never_lies(
    chaos_sim: Simulator, start_chaos_feed
) -> None:
    runner = start_chaos_feed(chaos_config(chaos_sim, symbols=SYMBOLS))
    await converge_all(runner, chaos_sim)
    prober = Prober(chaos_sim, runner)
    loop = asyncio.get_running_loop()

    async def one(text: str) -> None:
        await prober.send(text)
        await valid_books_true(runner, chaos_sim)

    @settings(FUZZ, max_examples=200)
    @given(frame=garbage_book(SYMBOLS))
    def fuzz(frame: str) -> None:
        on_loop(loop, one(frame))

    await run_examples(fuzz)
    assert prober.n >= 150
    assert runner.feed.books.resyncs > 0
    await converge_all(runner, chaos_sim)
    assert stale_views(runner.log, chaos_sim) == []


@pytest.mark.parametrize(
    ("kind", "levels_json", "checksum"),
    [
        ("update", '[{"price":"abc","qty":"1.0"}]', ',"checksum":1'),  # unparsable price
        ("update", '[{"price":1e400,"qty":1.0}]', ',"checksum":1'),  # absurd number
        ("update", '[{"price":62800.0,"qty":-5.0}]', ',"checksum":1'),  # negative qty
        ("update", '[{"price":1.0,"qty":2.0}]', ',"checksum":7'),  # wrong checksum
        ("update", '[{"price":1.0,"qty":2.0}]', ""),  # no checksum: nothing verifies it
        ("snapshot", '[{"price":1.0,"qty":2.0}]', ""),  # unsolicited, unverified
        ("snapshot", "[]", ',"checksum":0'),  # unsolicited empty book (crc32 of "" is 0)
    ],
)
async def test_garbage_book_message_for_a_live_book_forces_a_resync(
    chaos_sim: Simulator, start_chaos_feed, kind: str, levels_json: str, checksum: str
) -> None:
    runner = start_chaos_feed(chaos_config(chaos_sim, symbols=("BTC/USD",)))
    await runner.log.wait(lambda: levels_equal_truth(runner, chaos_sim, "BTC/USD"), 15,
                          "BTC/USD live")
    mark = runner.log.mark()
    frame = (f'{{"channel":"book","type":"{kind}","data":[{{"symbol":"BTC/USD",'
             f'"bids":{levels_json},"asks":[]{checksum}}}]}}')
    chaos_sim.faults.send_raw(frame, "public")
    started = await runner.log.next(ResyncStarted, lambda e: e.symbol == "BTC/USD", after=mark)
    assert started.count >= 1
    await runner.log.wait(lambda: levels_equal_truth(runner, chaos_sim, "BTC/USD"), 15,
                          "BTC/USD back to the truth")
    assert stale_views(runner.log, chaos_sim) == []


async def test_fuzzed_private_frames_keep_orders_and_balances_running(
    chaos_sim: Simulator, start_chaos_feed
) -> None:
    runner = start_chaos_feed(chaos_config(
        chaos_sim, symbols=("BTC/USD",), api_key=chaos_sim.api_key,
        api_secret=chaos_sim.api_secret))
    prober = Prober(chaos_sim, runner)
    loop = asyncio.get_running_loop()
    stats = runner.feed.stats["private"]
    await runner.log.wait(lambda: stats.frames > 2 and runner.feed.account.balances.balances(), 15,
                          "private snapshots")

    @settings(FUZZ, max_examples=150)
    @given(frame=private_frame)
    def fuzz(frame: str) -> None:
        on_loop(loop, prober.send(frame, "private"))

    await run_examples(fuzz)
    assert prober.n >= 100
    assert stats.malformed > 0
    # Whatever the garbage did, a fresh connection (snapshots + REST cross-check) is the truth.
    chaos_sim.place_order("BTC/USD", "buy", "0.1", "30000.0")
    chaos_sim.faults.drop_connections("private")

    def private_true() -> bool:
        ours = {o.order_id for o in runner.feed.account.orders.orders()}
        balances = {b.asset: b.total for b in runner.feed.account.balances.balances()}
        return (ours == set(chaos_sim.truth_open_orders())
                and balances == chaos_sim.truth_balances())

    await runner.log.wait(private_true, 15, "orders and balances equal to the truth")


@pytest.mark.parametrize("size", [3 * 2**20, 17 * 2**20])
async def test_oversized_frames_are_survived(
    chaos_sim: Simulator, start_chaos_feed, size: int
) -> None:
    """3 MiB of junk is a malformed frame; 17 MiB exceeds the client's 16 MiB limit, which
    closes the socket: the books must go stale, then come back equal to the truth."""
    runner = start_chaos_feed(chaos_config(chaos_sim, symbols=SYMBOLS))
    await converge_all(runner, chaos_sim)
    stats = runner.feed.stats["public"]
    before = stats.malformed
    reconnects = stats.reconnects
    chaos_sim.faults.send_raw('{"channel":"book","junk":"' + "x" * size + '"}', "public")
    if size < 2**24:
        await runner.log.wait(lambda: stats.malformed == before + 1, 15, "malformed counted")
    else:
        await runner.log.wait(lambda: stats.reconnects > reconnects, 15, "reconnected")
    await converge_all(runner, chaos_sim)
    assert not runner.task.done()
    assert stale_views(runner.log, chaos_sim) == []
