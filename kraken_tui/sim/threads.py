"""Thread-safety for the simulator's public API.

The simulator's state belongs to its event loop. When a test or the TUI (``SimulatorThread``)
calls in from another thread, :func:`on_loop` hops onto the loop and waits for the result, so
callers never race the market or the sockets.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class LoopOwner(Protocol):
    loop: asyncio.AbstractEventLoop | None
    loop_thread: int | None


def _owner_of(obj: Any) -> LoopOwner:
    return getattr(obj, "sim", obj)  # Faults delegates to its Simulator


def on_loop(fn: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Any, P], R]:
    """Run the method on the owner's loop thread (directly if already there, or not started)."""

    @functools.wraps(fn)
    def wrapper(self: Any, *args: P.args, **kwargs: P.kwargs) -> R:
        owner = _owner_of(self)
        loop = owner.loop
        if loop is None or owner.loop_thread == threading.get_ident() or loop.is_closed():
            return fn(self, *args, **kwargs)
        future: concurrent.futures.Future[R] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn(self, *args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return future.result(timeout=30)

    return wrapper
