"""A worker that raises is shown to the user: what stopped, and that the rest still works.

The failures are injected into the real workers (the follower's poll, discovery), since
no honest input makes them raise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import ostui.tui.app as app_module
from ostui.core.live.follow import Follower

from ..waiting import eventually_async
from .helpers import DATA, app_for, settle


async def test_following_that_raises_is_shown_and_status_stops_saying_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "nova-api.log"
    shutil.copy(DATA / "seed" / "nova-api.log", log)

    def broken_poll(self: Follower, now: float | None = None) -> list[object]:
        raise OSError("disk went away")

    monkeypatch.setattr(Follower, "poll", broken_poll)
    app = app_for(log)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        await eventually_async(
            lambda: "follow" in app.failures, 10, "the follower's failure never reached the app"
        )
        await settle(pilot)
        assert "disk went away" in app.failures["follow"]
        assert "following the files failed" in app.status_text
        assert "files on" not in app.status_text and "archive" not in app.status_text
        shown = [n.message for n in app._notifications]
        assert any("following the files stopped" in m and "still works" in m for m in shown), shown


async def test_discovery_that_raises_replaces_looking_for_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_find_sources(*args: object, **kwargs: object) -> object:
        raise PermissionError("cannot list /var/log")

    monkeypatch.setattr(app_module, "find_sources", broken_find_sources)
    app = app_for(DATA / "seed" / "nova-api.log")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await eventually_async(
            lambda: "discover" in app.failures, 10, "discovery's failure never reached the app"
        )
        await pilot.pause()
        assert "finding the logs failed: PermissionError: cannot list /var/log" in app.status_text
