"""Reconnecting: each drop waits longer, up to the last wait; a connection that held starts
the waits again; a stop ends a wait at once."""

from __future__ import annotations

import threading
import time

import pytest

from ostui.core.live.backoff import Backoff


def test_waits_grow_and_start_again_after_a_connection_held(monkeypatch: pytest.MonkeyPatch) -> None:
    stop = threading.Event()
    waited: list[float | None] = []

    def wait(timeout: float | None = None) -> bool:
        waited.append(timeout)
        return False

    monkeypatch.setattr(stop, "wait", wait)
    backoff = Backoff(stop, (0.5, 1, 2))
    for _ in range(4):
        backoff.held_since(time.monotonic())  # a flap: dropped at once
        backoff.wait()
    assert waited == [0.5, 1, 2, 2]
    backoff.held_since(time.monotonic() - 60)  # held a minute
    backoff.wait()
    assert waited[-1] == 0.5


def test_a_stop_ends_the_wait_at_once() -> None:
    stop = threading.Event()
    backoff = Backoff(stop, (30,))
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    backoff.wait()
    assert time.monotonic() - started < 5
