"""The rules from feed events to banners, toasts and health notes, without Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kraken_tui.feed.events import (
    ConnectionChanged,
    CredentialsRejected,
    DeadManSwitch,
    FeedError,
    PairStatusChanged,
    ResyncDone,
    ResyncStarted,
    SystemStatusChanged,
)
from kraken_tui.ui.notices import (
    ERROR_TOAST_INTERVAL,
    ClearBanner,
    HealthNote,
    Notice,
    NoticeState,
    PanelsNote,
    SetBanner,
    Toast,
    book_trusted,
    feed_stopped,
    notices_for,
)

LOG = Path("/var/log/kt/kraken-tui.log")


def fresh() -> NoticeState:
    return NoticeState(log_path=LOG, config_source="/etc/kt.toml")


def banners(notices: list[Notice]) -> dict[str, SetBanner]:
    return {n.key: n for n in notices if isinstance(n, SetBanner)}


def cleared(notices: list[Notice]) -> set[str]:
    return {n.key for n in notices if isinstance(n, ClearBanner)}


def toasts(notices: list[Notice]) -> list[Toast]:
    return [n for n in notices if isinstance(n, Toast)]


def test_the_rules_do_not_import_textual() -> None:
    code = "import sys, kraken_tui.ui.notices; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_rejected_keys_are_a_banner_that_stays_through_retries_until_live() -> None:
    state = fresh()
    notices_for(ConnectionChanged("private", "connecting", 1), state, 0)
    rejected = notices_for(CredentialsRejected("EAPI:Invalid key", "GetWebSocketsToken"), state, 0)
    keys = banners(rejected)["keys"]
    assert keys.severity == "error"
    assert "API KEYS REJECTED" in keys.text and "EAPI:Invalid key" in keys.text
    assert "KRAKEN_API_KEY" in keys.text and "/etc/kt.toml" in keys.text
    assert HealthNote("private", "KEYS REJECTED", "Invalid key") in rejected
    assert PanelsNote("API keys rejected") in rejected  # empty panels are not "no orders"
    # Every retry: no "FEED DOWN (closed by server)" in place of the cause, no toast.
    for attempt in range(2, 5):
        for conn in (ConnectionChanged("private", "disconnected", attempt, None, "closed"),
                     ConnectionChanged("private", "backoff", attempt, 4.0, "closed"),
                     ConnectionChanged("private", "connecting", attempt + 1)):
            assert notices_for(conn, state, 0) == []
    assert "keys" in state.banners and "conn:private" not in state.banners
    # The public side is not affected by it.
    assert "conn:public" in banners(notices_for(
        ConnectionChanged("public", "backoff", 1, 1.0, "connection lost"), state, 0))
    live = notices_for(ConnectionChanged("private", "connected", 5), state, 0)
    assert "keys" in cleared(live) and HealthNote("private", None) in live
    assert PanelsNote("") in live
    assert [t.text for t in toasts(live)] == ["Private feed live: the API keys were accepted"]
    assert "keys" not in state.banners and not state.keys_rejected


def test_rejected_keys_replace_a_feed_down_banner_already_up() -> None:
    state = fresh()
    notices_for(ConnectionChanged("private", "disconnected", 1, None, "closed by server"),
                state, 0)
    assert "conn:private" in state.banners
    rejected = notices_for(CredentialsRejected("EAPI:Invalid signature"), state, 0)
    assert "conn:private" in cleared(rejected)
    assert HealthNote("private", "KEYS REJECTED", "Invalid signature") in rejected


def test_a_failing_dead_mans_switch_stays_loud_until_it_re_arms() -> None:
    state = fresh()
    failing = notices_for(DeadManSwitch(False, 60, error="EAPI:Invalid nonce"), state, 0)
    assert banners(failing)["dms"].text.startswith("DEAD MAN'S SWITCH FAILING: EAPI:Invalid nonce")
    assert HealthNote("dms", "FAILING", "EAPI:Invalid nonce") in failing
    # A clean disarm is not a re-arm: the failure stays shown.
    assert notices_for(DeadManSwitch(False, 0), state, 0) == []
    assert "dms" in state.banners
    armed = notices_for(DeadManSwitch(True, 60, trigger_time="2025-11-25T12:01:00Z"), state, 0)
    assert cleared(armed) == {"dms"} and HealthNote("dms", None) in armed


def test_any_dead_mans_switch_exception_is_a_failure_naming_the_log() -> None:
    state = fresh()
    crashed = notices_for(FeedError("deadman", "internal error", "ValueError: bad secret"),
                          state, 0)
    text = banners(crashed)["dms"].text
    assert "DEAD MAN'S SWITCH FAILING: internal error: ValueError: bad secret" in text
    assert str(LOG) in text
    assert HealthNote("dms", "FAILING", "internal error: ValueError: bad secret") in crashed
    refused = notices_for(FeedError("deadman", "CancelAllOrdersAfter failed", "EGeneral:Busy"),
                          state, 0)
    assert "CancelAllOrdersAfter failed: EGeneral:Busy" in banners(refused)["dms"].text
    assert str(LOG) not in banners(refused)["dms"].text  # a refusal is not a bug
    assert toasts(crashed + refused) == []  # the banner says it; no toast on top


def test_internal_errors_of_every_source_are_banners_naming_the_log() -> None:
    state = fresh()
    for source in ("public", "private", "rest", "feed"):
        notices = notices_for(FeedError(source, "internal error", "KeyError: 'x'"), state, 0)
        banner = banners(notices)[f"internal:{source}"]
        assert banner.severity == "error" and "INTERNAL ERROR" in banner.text
        assert "KeyError: 'x'" in banner.text and str(LOG) in banner.text
    # A connection's crash ends when it is live again; the others stay (no sign of recovery).
    back = notices_for(ConnectionChanged("public", "connected", 2), state, 0)
    assert "internal:public" in cleared(back)
    assert "after an internal error" in toasts(back)[0].text and str(LOG) in toasts(back)[0].text
    assert {"internal:private", "internal:rest", "internal:feed"} <= state.banners


def test_handled_errors_from_every_source_are_toasted() -> None:
    state = fresh()
    cases = {
        FeedError("public", "subscribe refused", "book: EGeneral:Invalid arguments"): "Public",
        FeedError("private", "sequence gap", "executions: 4 -> 7"): "Private",
        FeedError("rest", "Balances reconciliation failed", "timeout"): "REST",
        FeedError("feed", "stats failed", "OSError"): "Feed",
    }
    for event, name in cases.items():
        (toast,) = toasts(notices_for(event, state, 0))
        assert toast.severity == "warning"
        assert toast.text.startswith(f"{name}") and event.error in toast.text
        assert event.detail in toast.text


def test_a_malformed_frame_flood_is_one_toast_then_a_count() -> None:
    state = fresh()
    flood = [FeedError("public", "malformed frame", f"bad json #{i}") for i in range(100)]
    shown = [n for i, e in enumerate(flood) for n in notices_for(e, state, i * 0.01)]
    assert [t.text for t in toasts(shown)] == ["Public feed: malformed frame — bad json #0"]
    # Another kind of error is not held back by the flood.
    assert toasts(notices_for(FeedError("public", "subscribe refused", "x"), state, 1.0))
    later = notices_for(FeedError("public", "malformed frame", "bad json #100"), state,
                        ERROR_TOAST_INTERVAL)
    assert [t.text for t in toasts(later)] == [
        "Public feed: malformed frame — bad json #100 (+99 more since the last)"
    ]


def test_a_huge_error_detail_is_cut_in_the_toast() -> None:
    (toast,) = toasts(notices_for(FeedError("public", "malformed frame", "x" * 10_000),
                                  fresh(), 0))
    assert len(toast.text) < 200 and toast.text.endswith("…")


def test_the_feed_stopped_banner_names_the_log_file() -> None:
    (banner,) = feed_stopped(RuntimeError("boom"), fresh())
    assert isinstance(banner, SetBanner) and banner.key == "feed"
    assert "FEED STOPPED" in banner.text and "RuntimeError('boom')" in banner.text
    assert str(LOG) in banner.text
    (ended,) = feed_stopped(None, fresh())
    assert isinstance(ended, SetBanner) and "FEED ENDED" in ended.text


def test_reconnected_is_news_only_after_a_first_connection() -> None:
    state = fresh()
    assert toasts(notices_for(ConnectionChanged("public", "connected", 1), state, 0)) == []
    notices_for(ConnectionChanged("public", "backoff", 1, 1.0, "connection lost"), state, 0)
    back = notices_for(ConnectionChanged("public", "connected", 2), state, 0)
    assert cleared(back) == {"conn:public"}
    assert [t.text for t in toasts(back)] == ["Public feed reconnected"]


def test_clearing_what_is_not_up_is_no_notice() -> None:
    state = fresh()
    assert notices_for(SystemStatusChanged("online"), state, 0) == []
    assert notices_for(PairStatusChanged("BTC/USD", "online"), state, 0) == []
    assert notices_for(DeadManSwitch(True, 60), state, 0) == []


def test_a_user_asked_resync_is_quiet() -> None:
    state = fresh()
    assert notices_for(ResyncStarted("BTC/USD", "depth_change", 1), state, 0) == []
    assert notices_for(ResyncDone("BTC/USD"), state, 0) == []
    started = notices_for(ResyncStarted("BTC/USD", "checksum_mismatch", 2), state, 0)
    assert "resync:BTC/USD" in banners(started)
    done = notices_for(ResyncDone("BTC/USD"), state, 0)
    assert cleared(done) == {"resync:BTC/USD"}
    assert [t.text for t in toasts(done)] == ["BTC/USD book resynced"]


def test_a_valid_view_ends_its_resync_banner_before_resync_done() -> None:
    state = fresh()
    assert book_trusted("BTC/USD", state) == []
    notices_for(ResyncStarted("BTC/USD", "checksum_mismatch", 1), state, 0)
    assert book_trusted("ETH/USD", state) == []
    assert book_trusted("BTC/USD", state) == [ClearBanner("resync:BTC/USD")]
    assert "resync:BTC/USD" not in state.banners
    assert "book resynced" in toasts(notices_for(ResyncDone("BTC/USD"), state, 0))[0].text
