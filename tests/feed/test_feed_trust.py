"""Trust failures of the private side are loud, honest and paced (issue 12).

Each test here failed before the fix it names: a private connection reported
"connected" before it had authenticated, rejected keys read "closed by server",
a secret that cannot sign crashed the dead man's switch task silently (reported
as endpoint "public"), and a crashed task was always blamed on "public".
"""

from __future__ import annotations

from kraken_tui.feed.connection import AUTH_REJECTED_MIN_DELAY_S
from kraken_tui.feed.events import (
    ConnectionChanged,
    CredentialsRejected,
    DeadManSwitch,
    FeedError,
    OrdersUpdated,
)
from kraken_tui.feed.rest import SECRET_UNUSABLE
from kraken_tui.sim import Simulator
from tests.feed.conftest import config_for
from tests.harness import FeedRunner


def private_states(runner: FeedRunner) -> list[tuple[str, str]]:
    return [(e.state, e.reason) for e in runner.log.of(ConnectionChanged)
            if e.endpoint == "private"]


async def test_rejected_keys_are_loud_paced_and_never_shown_live(
    sim: Simulator, start_feed
) -> None:
    runner = start_feed(config_for(sim, symbols=("BTC/USD",), api_key="not-a-known-key",
                                   dead_man_switch=30))
    rejected = await runner.log.next(CredentialsRejected)
    assert rejected.error == "EAPI:Invalid key"
    retry = await runner.log.next(
        ConnectionChanged, lambda e: e.endpoint == "private" and e.state == "backoff")
    assert retry.reason == "credentials rejected: EAPI:Invalid key"
    assert retry.delay is not None and retry.delay >= AUTH_REJECTED_MIN_DELAY_S
    failing = await runner.log.next(DeadManSwitch, lambda e: e.error is not None)
    assert "EAPI:Invalid key" in (failing.error or "") and not failing.armed
    await runner.stop()
    assert ("connected", "") not in private_states(runner)
    assert runner.feed.rest is not None and runner.feed.rest.closed


async def test_private_is_connected_only_once_authenticated_and_subscribed(
    sim: Simulator, start_feed
) -> None:
    sim.faults.reject_next_subscribe("executions")
    runner = start_feed(config_for(sim, symbols=("BTC/USD",)))
    await runner.log.next(OrdersUpdated, lambda e: e.valid, timeout=15)
    states = [state for state, _ in private_states(runner)]
    first_connected = states.index("connected")
    assert "disconnected" in states[:first_connected]  # the refused session never was live
    refused = [reason for state, reason in private_states(runner) if state == "disconnected"]
    assert refused[0] == "executions subscribe refused: " + refused[0].split(": ", 1)[1]


async def test_a_failed_token_fetch_is_reported_as_such(sim: Simulator, start_feed) -> None:
    sim.faults.rest_error("GetWebSocketsToken", error="EService:Unavailable")
    runner = start_feed(config_for(sim, symbols=("BTC/USD",)))
    error = await runner.log.next(FeedError, lambda e: e.endpoint == "private")
    assert error.error == "GetWebSocketsToken failed"
    lost = await runner.log.next(
        ConnectionChanged, lambda e: e.endpoint == "private" and e.state == "disconnected")
    assert lost.reason == "token fetch failed: EService:Unavailable"
    await runner.log.next(OrdersUpdated, lambda e: e.valid, timeout=15)


async def test_a_secret_that_cannot_sign_fails_loudly_and_stops_cleanly(
    sim: Simulator, start_feed
) -> None:
    """Before: signing raised a ValueError the switch did not catch; its task died,
    reported as endpoint "public", the switch showed "off" and a stop raised."""
    runner = start_feed(config_for(sim, symbols=("BTC/USD",), api_secret="not base64 !!",
                                   dead_man_switch=30))
    failing = await runner.log.next(DeadManSwitch, lambda e: e.error is not None)
    assert failing.error == f"CancelAllOrdersAfter: {SECRET_UNUSABLE}"
    rejected = await runner.log.next(CredentialsRejected)
    assert rejected.error == SECRET_UNUSABLE
    await runner.stop()  # never raises
    assert not [e for e in runner.log.of(FeedError) if e.error == "internal error"]
    assert runner.feed.rest is not None and runner.feed.rest.closed
    assert not sim.deadman_armed()


async def test_a_crashed_task_is_reported_under_its_own_name(
    sim: Simulator, start_feed, monkeypatch
) -> None:
    runner = start_feed(config_for(sim, symbols=("BTC/USD",), api_key=None, api_secret=None,
                                   stats_interval=0.05))

    def broken(*_: object) -> None:
        raise RuntimeError("stats bug")

    monkeypatch.setattr(runner.feed, "_stats_event", broken)
    crash = await runner.log.next(FeedError, lambda e: e.error == "internal error")
    assert (crash.endpoint, crash.detail) == ("feed", "RuntimeError: stats bug")
    await runner.stop()
