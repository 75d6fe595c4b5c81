"""The one way a test waits: poll a predicate, fail with a message at the timeout.

A test that waits for something and then silently carries on when it never came
cannot fail; these helpers make the timeout itself the failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest


def _polls(predicate: Callable[[], Any], timeout: float, message: str) -> Iterator[Any]:
    """Yield `predicate()` until it is truthy (the last value yielded); fail at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        yield value
        if value:
            return
        if time.monotonic() >= deadline:
            pytest.fail(f"waited {timeout:.1f} s: {message or getattr(predicate, '__name__', 'condition')}")


def eventually(
    predicate: Callable[[], Any], timeout: float = 15.0, message: str = "", interval: float = 0.05
) -> Any:
    """Poll `predicate` until it returns something truthy; return that value.

    Fails the test with `message` (and how long it waited) when `timeout` passes first."""
    for value in _polls(predicate, timeout, message):
        if value:
            return value
        time.sleep(interval)


async def eventually_async(
    predicate: Callable[[], Any], timeout: float = 15.0, message: str = "", interval: float = 0.05
) -> Any:
    """`eventually` for Pilot tests: yields to the event loop between polls."""
    for value in _polls(predicate, timeout, message):
        if value:
            return value
        await asyncio.sleep(interval)


async def workers_settled(app: Any, timeout: float = 15.0) -> None:
    """Until none of `app`'s workers is pending or running, twice across a pause, so work a
    finished worker set off is waited for too. Unlike `wait_for_complete`, a worker that a
    newer one of its group cancelled (an exclusive worker) is not an error."""
    from textual.worker import WorkerState

    def idle() -> bool:
        return not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)

    for _ in range(2):
        await eventually_async(idle, timeout, "the app's workers never finished")
        await asyncio.sleep(0.05)
