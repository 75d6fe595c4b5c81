"""Waiting before reconnecting to a node or a journal: longer after each drop, short again
once a connection held (the ssh mirrors and the journal readers wait alike)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

RECONNECT_WAITS: tuple[float, ...] = (0.5, 1, 2, 4, 8, 15)
HELD_SECONDS = 5.0  # a connection that lasted this long was no flap


class Backoff:
    def __init__(self, stop: threading.Event, waits: Sequence[float] = RECONNECT_WAITS) -> None:
        self.stop = stop
        self.waits = tuple(waits)
        self.attempt = 0

    def held_since(self, started: float) -> None:
        """A connection made at `started` (time.monotonic()) just ended."""
        if time.monotonic() - started > HELD_SECONDS:
            self.attempt = 0  # it held: the next drop starts the backoff again

    def wait(self) -> None:
        """Until the next try, or until stopped."""
        self.stop.wait(self.waits[min(self.attempt, len(self.waits) - 1)])
        self.attempt += 1
