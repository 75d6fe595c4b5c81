"""A closed terminal (SIGHUP) or a `kill` (SIGTERM) ends the browser, and surely.

Raising SystemExit from a signal handler in the middle of Textual's loop left its input
thread spinning on the dead terminal (100% CPU after an ssh session dropped) or its
writer waiting forever. So on SIGTERM the loop's own handler asks the app to exit as q
does (the terminal is given back), and a watchdog closes the session and ends the process
if that exit hangs. On SIGHUP there is no terminal to give back, and Textual's exit writes
to it and waits (2 s idle, 7 s with a big log being indexed, and meanwhile the indexing
went on): the session is closed and the process ends at once."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

SIGNALS = (signal.SIGHUP, signal.SIGTERM)
GRACE_SECONDS = 5.0
CLOSE_SECONDS = 1.0  # the longest a hangup waits for the session to close


class SignalExit:
    def __init__(self, exit_app: Callable[[int], Any], close: Callable[[], None]) -> None:
        self._exit_app = exit_app
        self._close = close
        self._previous: dict[int, Any] = {}
        self._leaving = False

    def install(self) -> None:
        """On the running loop, from the main thread; elsewhere (a test's thread) nothing."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in SIGNALS:
            previous = signal.getsignal(sig)
            try:
                loop.add_signal_handler(sig, self._leave, sig)
            except (RuntimeError, ValueError, NotImplementedError):
                continue
            self._previous[sig] = previous

    def uninstall(self) -> None:
        """The handlers from before come back (asyncio alone would leave the default)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for sig, previous in self._previous.items():
            if loop is not None:
                loop.remove_signal_handler(sig)
            signal.signal(sig, previous)
        self._previous.clear()

    def _leave(self, signum: int) -> None:
        if self._leaving:
            return
        self._leaving = True
        code = 128 + signum
        if signum == signal.SIGHUP:
            self._end(code)
            return
        threading.Thread(target=self._watchdog, args=(code,), name="ostui-exit-watchdog", daemon=True).start()
        self._exit_app(code)

    def _watchdog(self, code: int) -> None:
        # A daemon: a clean exit ends the process before it wakes.
        time.sleep(GRACE_SECONDS)
        self._end(code)

    def _end(self, code: int) -> None:
        """Close the session (its index processes, ssh connections, temporary folders),
        waiting at most CLOSE_SECONDS, and end the process."""
        closing = threading.Thread(target=self._close, name="ostui-close", daemon=True)
        closing.start()
        closing.join(CLOSE_SECONDS)
        os._exit(code)
