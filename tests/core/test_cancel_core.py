"""Cancel requests and replies (issue 16 groundwork): builders, and the recorded replies
decoded field for field."""

from __future__ import annotations

import json

import pytest

from kraken_tui.kraken import (
    CancelReply,
    FrameError,
    MethodResponse,
    cancel_all_request,
    cancel_order_request,
    cancel_reply,
    decode_cancel_reply,
    decode_frame,
)

TOKEN = "zGXT1dUQQjJjy5VmGXMegdDQngXXehNo5qbMBVolwEQ"


def test_cancel_order_request_matches_the_documented_shape() -> None:
    text = cancel_order_request(["OM5CRX-N2HAL-GFGWE9", "OLUMT4-UTEGU-ZYM7E9"], TOKEN, 123456789)
    assert json.loads(text) == {
        "method": "cancel_order",
        "params": {"order_id": ["OM5CRX-N2HAL-GFGWE9", "OLUMT4-UTEGU-ZYM7E9"], "token": TOKEN},
        "req_id": 123456789,
    }
    assert " " not in text  # compact, like every other builder
    assert "req_id" not in json.loads(cancel_order_request(("A",), TOKEN))


@pytest.mark.parametrize("ids", [[], [""], ("ok", "")])
def test_cancel_order_request_refuses_no_ids(ids: list[str]) -> None:
    with pytest.raises(ValueError):
        cancel_order_request(ids, TOKEN, 1)


def test_cancel_all_request_matches_the_documented_shape() -> None:
    assert json.loads(cancel_all_request(TOKEN, 1234567890)) == {
        "method": "cancel_all", "params": {"token": TOKEN}, "req_id": 1234567890}
    assert json.loads(cancel_all_request(TOKEN)) == {
        "method": "cancel_all", "params": {"token": TOKEN}}


# Every cancel_order / cancel_all reply recorded in the two capture files, exactly.
ADDENDUM_EXPECTED = [
    CancelReply("cancel_all", True, 0, count=0,
                time_in="2024-05-19T11:42:13.815662Z", time_out="2024-05-19T11:42:13.824053Z"),
    CancelReply("cancel_order", True, 0, order_id="1V7PZA-L5RIM-RX2G6B",
                time_in="2024-05-19T19:18:44.987402Z", time_out="2024-05-19T19:18:44.989756Z"),
]
KAR_EXPECTED = [
    CancelReply("cancel_order", True, 0, order_id="1V7PZA-L5RIM-RX2G6B",
                time_in="2024-05-19T19:18:44.987402Z", time_out="2024-05-19T19:18:44.989756Z"),
    CancelReply("cancel_order", True, 0, cl_ord_id="a-uuid",
                time_in="2024-05-19T19:18:44.987402Z", time_out="2024-05-19T19:18:44.989756Z"),
    CancelReply("cancel_all", True, 0, count=0,
                time_in="2024-05-19T11:42:13.815662Z", time_out="2024-05-19T11:42:13.824053Z"),
]


def _cancel_texts(texts: list[str]) -> list[str]:
    return [t for t in texts if json.loads(t).get("method") in ("cancel_order", "cancel_all")]


def test_every_recorded_cancel_reply_decodes_exactly(
    addendum_frames: list[str], kar_frames: dict[str, list[str]]
) -> None:
    addendum = _cancel_texts(addendum_frames)
    kar = _cancel_texts(kar_frames["method_response"])
    assert [decode_cancel_reply(t) for t in addendum] == ADDENDUM_EXPECTED
    assert [decode_cancel_reply(t) for t in kar] == KAR_EXPECTED
    for text in addendum + kar:  # and decode_frame keeps the whole result untouched
        frame = decode_frame(text)
        assert isinstance(frame, MethodResponse)
        assert frame.result == json.loads(text)["result"]
        assert decode_cancel_reply(text.encode()) == decode_cancel_reply(text)


def test_other_recorded_method_replies_are_not_cancel_replies(
    addendum_frames: list[str], kar_frames: dict[str, list[str]]
) -> None:
    texts = addendum_frames + kar_frames["method_response"]
    others = [t for t in texts if "method" in json.loads(t) and t not in _cancel_texts(texts)]
    methods = set()
    for text in others:
        frame = decode_frame(text)
        assert isinstance(frame, MethodResponse), text
        methods.add(frame.method)
        assert decode_cancel_reply(text) is None
    assert {"cancel_all_orders_after", "batch_cancel"} <= methods


def test_failure_and_multi_id_replies() -> None:
    fail = ('{"error":"EOrder:Unknown order","method":"cancel_order","req_id":7,'
            '"success":false,"time_in":"2023-09-21T14:36:57.428972Z",'
            '"time_out":"2023-09-21T14:36:57.437952Z"}')
    assert decode_cancel_reply(fail) == CancelReply(
        "cancel_order", False, 7, error="EOrder:Unknown order",
        time_in="2023-09-21T14:36:57.428972Z", time_out="2023-09-21T14:36:57.437952Z")
    doc = [  # §16.1: two frames for two ids, same req_id, reverse order
        '{"method":"cancel_order","req_id":123456789,"result":{"order_id":"OLUMT4-UTEGU-ZYM7E9"}'
        ',"success":true,"time_in":"2023-09-21T14:36:57.428972Z",'
        '"time_out":"2023-09-21T14:36:57.437952Z"}',
        '{"method":"cancel_order","req_id":123456789,"result":{"order_id":"OM5CRX-N2HAL-GFGWE9",'
        '"warnings":["w"]},"success":true,"time_in":"2023-09-21T14:36:57.428972Z",'
        '"time_out":"2023-09-21T14:36:57.438027Z"}',
    ]
    replies = [decode_cancel_reply(t) for t in doc]
    assert all(isinstance(r, CancelReply) and r.req_id == 123456789 for r in replies)
    assert [r.order_id for r in replies if isinstance(r, CancelReply)] == [
        "OLUMT4-UTEGU-ZYM7E9", "OM5CRX-N2HAL-GFGWE9"]
    assert isinstance(replies[1], CancelReply) and replies[1].warnings == ("w",)


@pytest.mark.parametrize("text", [
    '{"method":"cancel_all","result":{"count":"1"},"success":true}',
    '{"method":"cancel_all","result":{"count":-1},"success":true}',
    '{"method":"cancel_all","result":{},"success":true}',
    '{"method":"cancel_order","result":{"order_id":5},"success":true}',
    '{"method":"cancel_order","result":{},"success":true}',
    '{"method":"cancel_order","result":[1],"success":true}',
    '{"method":"cancel_order","result":{"order_id":"A","warnings":"x"},"success":true}',
    '{"method":"cancel_order","success":false}',
])
def test_malformed_cancel_replies_are_frame_errors(text: str) -> None:
    assert isinstance(decode_cancel_reply(text), FrameError)


def test_non_method_frames_and_garbage() -> None:
    assert decode_cancel_reply('{"channel":"heartbeat"}') is None
    assert isinstance(decode_cancel_reply("{nope"), FrameError)
    ack = decode_frame('{"method":"subscribe","result":{"channel":"ticker"},"success":true}')
    assert isinstance(ack, MethodResponse) and cancel_reply(ack) is None
