"""The one way a test waits: poll a predicate, fail with a message at the timeout.

A test that waits for something and then silently carries on when it never came
cannot fail; these helpers make the timeout itself the failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest


def eventually(
    predicate: Callable[[], Any], timeout: float = 15.0, message: str = "", interval: float = 0.05
) -> Any:
    """Poll `predicate` until it returns something truthy; return that value.

    Fails the test with `message` (and how long it waited) when `timeout` passes first."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"waited {timeout:.1f} s: {message or getattr(predicate, '__name__', 'condition')}")
        time.sleep(interval)


async def eventually_async(
    predicate: Callable[[], Any], timeout: float = 15.0, message: str = "", interval: float = 0.05
) -> Any:
    """`eventually` for Pilot tests: yields to the event loop between polls."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"waited {timeout:.1f} s: {message or getattr(predicate, '__name__', 'condition')}")
        await asyncio.sleep(interval)
