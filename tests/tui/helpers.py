"""Shared helpers for the Pilot tests."""

from __future__ import annotations

import argparse
from pathlib import Path

from textual.pilot import Pilot

from ostui.tui.app import OstuiApp
from ostui.tui.widgets.log_stream import LogStream

DATA = Path(__file__).resolve().parent.parent / "data"


def app_for(*paths: Path, root: Path | None = None, demo: bool = False, **options: object) -> OstuiApp:
    args = argparse.Namespace(
        paths=list(paths),
        root=root,
        demo=demo,
        fmt=None,
        level=None,
        grep=None,
        request=None,
        since=None,
        until=None,
        lang="en",
    )
    for key, value in options.items():
        setattr(args, key, value)
    return OstuiApp(args)


async def settle(pilot: Pilot, timeout: float = 10.0) -> None:
    """Wait until indexing is done and the newest view is on screen."""
    app = pilot.app
    assert isinstance(app, OstuiApp)
    waited = 0.0
    while waited < timeout:
        await pilot.pause(0.05)
        waited += 0.05
        stream = app.query_one(LogStream)
        busy = any(w.is_running for w in app.workers if w.group in ("discover", "index", "view", "preview"))
        if app.indexed and stream.view is not None and not busy:
            await pilot.pause()
            return
    raise AssertionError("the app did not settle")


def stream_of(app: OstuiApp) -> LogStream:
    return app.query_one(LogStream)


def current(app: OstuiApp) -> tuple[str, str]:
    """(level name, message) of the record under the stream cursor."""
    stream = stream_of(app)
    assert stream.view is not None
    _, rec = stream.view.record(stream.cursor)
    return rec.level.name, rec.message
