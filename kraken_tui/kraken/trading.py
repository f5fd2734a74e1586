"""Typed replies to the v2 trading methods (cancels for now; builders: ``requests.py``).

``decode_frame`` turns every method reply into a generic :class:`MethodResponse`; this
module reads the cancel-specific fields out of it, so a guarded cancel can tell which
order a reply is about (``cancel_order`` answers once per id, §16.1) and how many
orders ``cancel_all`` took down (§16.2), without the caller digging through dicts.
"""

from __future__ import annotations

from dataclasses import dataclass

from kraken_tui.kraken.frames import FrameError, MethodResponse, decode_frame

__all__ = ["CANCEL_METHODS", "CancelReply", "cancel_reply", "decode_cancel_reply"]

CANCEL_METHODS = frozenset({"cancel_order", "cancel_all"})
_EXCERPT_CHARS = 160


@dataclass(frozen=True, slots=True)
class CancelReply:
    """One ``cancel_order`` or ``cancel_all`` reply.

    ``order_id``/``cl_ord_id`` name the order a successful ``cancel_order`` reply is
    about; a failure carries only ``error`` (Kraken's v2 error frames have no
    ``result``, so they do not say which id failed). ``count`` is set on ``cancel_all``.
    """

    method: str
    success: bool
    req_id: int | None
    order_id: str | None = None
    cl_ord_id: str | None = None
    count: int | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    time_in: str | None = None
    time_out: str | None = None


def _bad(reason: str, response: MethodResponse) -> FrameError:
    return FrameError(reason, repr(response)[:_EXCERPT_CHARS])


def cancel_reply(response: MethodResponse) -> CancelReply | FrameError | None:
    """The cancel reply inside ``response``; None when it answers another method.

    Never raises: a cancel reply with fields of the wrong type is a FrameError value.
    """
    if response.method not in CANCEL_METHODS:
        return None
    result = response.result
    if result is None:
        result = {}
    if not isinstance(result, dict):
        return _bad(f"{response.method} result is not an object", response)
    order_id = result.get("order_id")
    cl_ord_id = result.get("cl_ord_id")
    count = result.get("count")
    warnings = result.get("warnings", [])
    if order_id is not None and type(order_id) is not str:
        return _bad("order_id is not a string", response)
    if cl_ord_id is not None and type(cl_ord_id) is not str:
        return _bad("cl_ord_id is not a string", response)
    if count is not None and (type(count) is not int or count < 0):
        return _bad(f"count is not a non-negative integer: {count!r}", response)
    if type(warnings) is not list or any(type(w) is not str for w in warnings):
        return _bad("warnings is not a list of strings", response)
    if response.success and response.method == "cancel_all" and count is None:
        return _bad("cancel_all success without count", response)
    if response.success and response.method == "cancel_order" and (
            order_id is None and cl_ord_id is None):
        return _bad("cancel_order success names no order", response)
    if not response.success and response.error is None:
        return _bad(f"{response.method} failure without error text", response)
    return CancelReply(
        method=response.method,
        success=response.success,
        req_id=response.req_id,
        order_id=order_id,
        cl_ord_id=cl_ord_id,
        count=count,
        error=response.error,
        warnings=tuple(warnings),
        time_in=response.time_in,
        time_out=response.time_out,
    )


def decode_cancel_reply(text: str | bytes) -> CancelReply | FrameError | None:
    """``decode_frame`` then :func:`cancel_reply`; None for any frame that is not one."""
    frame = decode_frame(text)
    if isinstance(frame, FrameError):
        return frame
    if not isinstance(frame, MethodResponse):
        return None
    return cancel_reply(frame)
