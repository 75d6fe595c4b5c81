"""A closed terminal (SIGHUP) or a `kill` (SIGTERM) ends the browser as q does, and surely.

Raising SystemExit from a signal handler in the middle of Textual's loop left its input
thread spinning on the dead terminal (100% CPU after an ssh session dropped) or its
writer waiting forever. So the loop's own handler asks the app to exit, and a watchdog
closes the session and ends the process if a dead terminal makes that exit hang."""

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
        threading.Thread(target=self._watchdog, args=(code,), name="ostui-exit-watchdog", daemon=True).start()
        self._exit_app(code)

    def _watchdog(self, code: int) -> None:
        # A daemon: a clean exit ends the process before it wakes.
        time.sleep(GRACE_SECONDS)
        try:
            self._close()
        finally:
            os._exit(code)
