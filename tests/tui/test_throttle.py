"""Throttle: asked for often, the action runs at once, then at most every so often, and
once more after the last ask."""

from __future__ import annotations

import time

from textual.app import App

from ostui.tui.throttle import Throttle

from ..waiting import eventually_async


async def test_a_burst_runs_at_once_and_once_after_its_end() -> None:
    runs: list[float] = []
    app: App[None] = App()
    async with app.run_test() as pilot:
        throttle = Throttle(app, 0.3, lambda: runs.append(time.monotonic()))
        start = time.monotonic()
        for _ in range(10):
            throttle.ask()
        assert len(runs) == 1  # the first at once
        await pilot.pause(0.1)
        throttle.ask()
        assert len(runs) == 1
        await eventually_async(lambda: len(runs) == 2, 3, "the burst's end was never run")
        assert runs[1] - start >= 0.29
        await pilot.pause(0.5)
        assert len(runs) == 2  # one late run for the whole burst
        throttle.ask()  # after a quiet spell: at once again
        assert len(runs) == 3


async def test_running_now_takes_the_place_of_the_late_run() -> None:
    runs: list[str] = []
    app: App[None] = App()
    async with app.run_test() as pilot:
        throttle = Throttle(app, 0.2, lambda: runs.append("run"))
        throttle.ask()
        throttle.ask()  # a late run due
        throttle.run()
        await pilot.pause(0.4)
        assert runs == ["run", "run"]
