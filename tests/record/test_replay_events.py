"""`kraken-tui events --replay FILE`: the events the live feed would have printed, from a file.

Replays real Kraken captures (``../shared/fixtures``), a demo session recorded by
``events --record``, and damaged recordings. No network is touched: the URLs given point
at a closed port, so any attempt to connect would show up as a connection error event.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.captures import capture_path

DEPTHCHARGE = "depthcharge-kraken_minagbp_d25_20260816.ndjson"
SDK = "python-kraken-sdk-orderbook-v2.json"
CLOSED = ["--ws-url", "ws://127.0.0.1:9/v2", "--ws-auth-url", "ws://127.0.0.1:9/v2",
          "--rest-url", "http://127.0.0.1:9"]


def events(*argv: str, code: int = 0, timeout: float = 120) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "kraken_tui", "events", *argv],
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == code, done.stderr
    if code:
        return [{"stderr": done.stderr}]
    return [json.loads(line) for line in done.stdout.splitlines()]


def books(lines: list[dict[str, Any]], symbol: str | None = None) -> list[dict[str, Any]]:
    return [e for e in lines if e["event"] == "book" and symbol in (None, e["symbol"])]


def depthcharge_checksums() -> list[int]:
    out = []
    for line in capture_path(DEPTHCHARGE).read_text().splitlines():
        frame = json.loads(line).get("frame") or {}
        if frame.get("channel") == "book":
            out.append(frame["data"][0]["checksum"])
    return out


def test_a_live_kraken_capture_replays_with_every_checksum_verified() -> None:
    lines = events("--replay", str(capture_path(DEPTHCHARGE)), "--every-frame", *CLOSED)
    expected = depthcharge_checksums()
    got = books(lines, "MINA/GBP")
    assert len(expected) == 30
    assert [(e["valid"], e["checksum"]) for e in got] == [(True, c) for c in expected]
    assert got[-1]["depth"] == 25 and len(got[-1]["bids"]) == 10  # depth from the ack
    assert got[0]["bids"][0] == ["0.0286", "74198.19125726"]  # the frame's own digits
    connections = [(e["endpoint"], e["state"]) for e in lines if e["event"] == "connection"]
    assert connections == [("public", "connecting"), ("public", "connected")]  # no socket
    assert lines[0] == {"event": "mode", "private": False, "replay": True,
                        "note": f"replay of {DEPTHCHARGE}"}
    assert {"event": "status", "system": "online", "version": "2.0.10"} in lines


def test_by_default_a_replay_at_max_speed_coalesces_but_ends_on_the_final_book() -> None:
    lines = events("--replay", str(capture_path(DEPTHCHARGE)), *CLOSED)
    got = books(lines)
    assert all(e["valid"] for e in got) and 1 <= len(got) <= 30
    assert got[-1]["checksum"] == depthcharge_checksums()[-1]


def test_a_damaged_recording_shows_the_mismatch_and_the_resync(tmp_path: Path) -> None:
    source = capture_path(DEPTHCHARGE).read_text().splitlines()
    damaged, done = [], False
    for line in source:
        if not done and '"type":"update"' in line and '"channel":"book"' in line:
            line, done = line.replace('"checksum":', '"checksum":1', 1), True
        damaged.append(line)
    path = tmp_path / "damaged.ndjson"
    path.write_text("\n".join(damaged) + "\n")
    got = events("--replay", str(path), "--every-frame", *CLOSED)
    kinds = [(e["event"], e.get("valid"), e.get("reason")) for e in got
             if e["event"] in ("book", "resync")]
    assert kinds[:3] == [("book", True, None), ("book", False, "checksum_mismatch"),
                         ("resync", None, "checksum_mismatch")]
    assert not [k for k in kinds[3:] if k[1]]  # no snapshot follows: never valid again


def sdk_capture_as_recording(path: Path) -> Path:
    """The SDK's capture (509 updates) as our recording format, its precisions given by
    an instrument frame (its numbers were re-serialised, so tokens cannot give them)."""
    capture = json.loads(capture_path(SDK).read_text())
    pair = {"symbol": "BTC/USD", "base": "BTC", "quote": "USD", "status": "online",
            "price_precision": 1, "qty_precision": 8, "price_increment": 0.1,
            "qty_increment": 0.00000001, "qty_min": 0.0001, "cost_min": 0.5,
            "cost_precision": 5, "marginable": True, "has_index": True, "tick_size": 0.1}
    instrument = {"channel": "instrument", "type": "snapshot",
                  "data": {"assets": [], "pairs": [pair]}}
    frames = [instrument, capture["init"], *capture["updates"]]
    meta = {"kraken_tui_recording": 1, "started": "2023-07-30T15:29:58Z",
            "symbols": ["BTC/USD"], "depth": 10, "version": "test"}
    lines = [json.dumps(meta)] + [
        f'{{"t":{i / 10},"conn":"public","frame":{json.dumps(f, separators=(",", ":"))}}}'
        for i, f in enumerate(frames)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_sdk_capture_as_a_recording_replays_all_510_books_valid(tmp_path: Path) -> None:
    capture = json.loads(capture_path(SDK).read_text())
    expected = [m["data"][0]["checksum"] for m in [capture["init"], *capture["updates"]]]
    lines = events("--replay", str(sdk_capture_as_recording(tmp_path / "sdk.ndjson")),
                   "--every-frame", *CLOSED)
    assert [(e["valid"], e["checksum"]) for e in books(lines)] == [(True, c) for c in expected]


def test_speed_paces_the_replay_by_the_recordings_clock(tmp_path: Path) -> None:
    path = sdk_capture_as_recording(tmp_path / "sdk.ndjson")  # 51 s of recording time
    started = time.monotonic()
    lines = events("--replay", str(path), "--speed", "100", *CLOSED)
    assert time.monotonic() - started >= 51.0 / 100  # a lower bound only: never too fast
    assert books(lines)[-1]["valid"]


def test_a_demo_session_replays_to_exactly_the_books_it_printed_live(tmp_path: Path) -> None:
    path = tmp_path / "session.ndjson.zst"
    live = events("--demo", "--every-frame", "--record", str(path), "--duration", "3")
    replayed = events("--replay", str(path), "--every-frame", *CLOSED)

    def valid_views(lines: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(e["symbol"], e["checksum"], json.dumps(e["bids"]), json.dumps(e["asks"]))
                for e in books(lines) if e["valid"]]

    assert len(valid_views(live)) > 10
    assert valid_views(replayed) == valid_views(live)


def test_bad_replay_arguments_fail_with_one_clear_line(tmp_path: Path) -> None:
    fixture = str(capture_path(DEPTHCHARGE))
    cases = [
        (["--replay", str(tmp_path / "nope.ndjson")], "not found"),
        (["--replay", fixture, "--speed", "0"], "--speed: 0 is not a speed"),
        (["--replay", fixture, "--speed", "fast"], "--speed: fast is not a speed"),
        (["--speed", "10"], "--speed: only with --replay FILE"),
        (["--replay", fixture, "--symbol", "BTC/USD"], "--symbol: not with --replay"),
        (["--replay", fixture, "--private"], "--private: not with --replay"),
    ]
    for argv, message in cases:
        (result,) = events(*argv, *CLOSED, code=2)
        assert message in result["stderr"] and "Traceback" not in result["stderr"], argv
