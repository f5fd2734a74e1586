"""Kraken's private refusals carry a top-level "channel"; they are still method responses."""

from __future__ import annotations

from kraken_tui.kraken.frames import MethodResponse, decode_frame

# Recorded from the live venue (bytex capture, kraken-protocol.md §1.6).
ESESSION = (
    '{"channel":"executions","error":"ESession:Invalid session","method":"subscribe",'
    '"status":"error","success":false,"time_in":"2026-09-25T17:48:54.701041Z",'
    '"time_out":"2026-09-25T17:48:54.701062Z"}'
)


def test_invalid_session_refusal_decodes_as_a_method_response() -> None:
    frame = decode_frame(ESESSION)
    assert isinstance(frame, MethodResponse)
    assert frame.success is False
    assert frame.error == "ESession:Invalid session"
    assert frame.channel == "executions"
