"""Work asked for often, done at most every so often, and once more after the last ask."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer


class Throttle:
    """`ask()` runs `action` at once when it last ran `every` seconds ago or more, else
    once when that time is up: a burst's last ask is never left undone, and between
    bursts an ask is answered at once."""

    def __init__(self, owner: MessagePump, every: float, action: Callable[[], object]) -> None:
        self.owner = owner
        self.every = every
        self.action = action
        self.last = 0.0  # time.monotonic() when the action last ran
        self._timer: Timer | None = None

    def ask(self) -> None:
        wait = self.every - (time.monotonic() - self.last)
        if wait <= 0:
            self.run()
        elif self._timer is None:
            self._timer = self.owner.set_timer(wait, self.run)

    def run(self) -> None:
        """The action now (a late one asked for is done by this one)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.last = time.monotonic()
        self.action()
