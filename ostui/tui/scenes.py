"""The main views as reproducible scenes: used by the snapshot tests and by
`tools/make_screenshots.py`, so the pictures in the README are what the tests check."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from textual.pilot import Pilot

from .app import OstuiApp
from .widgets.log_stream import LogStream

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"


def make_args(
    *paths: Path, root: Path | None = None, demo: bool = False, **options: object
) -> argparse.Namespace:
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
    return args


async def settle(pilot: Pilot[object], timeout: float = 15.0) -> None:
    """Wait until indexing is done, no worker runs and the view is on screen."""
    app = pilot.app
    assert isinstance(app, OstuiApp)
    waited = 0.0
    while waited < timeout:
        await pilot.pause(0.05)
        waited += 0.05
        stream = app.query_one(LogStream)
        busy = any(w.is_running for w in app.workers)
        if app.indexed and stream.view is not None and not busy:
            await pilot.pause(0.15)  # the detail pane follows the cursor after a short rest
            await pilot.pause()
            return
    raise TimeoutError("ostui did not settle")


@dataclass
class Scene:
    name: str
    args: argparse.Namespace
    keys: list[str] = field(default_factory=list)
    size: tuple[int, int] = (160, 48)
    after: Callable[[OstuiApp], None] | None = None

    def app(self) -> OstuiApp:
        return OstuiApp(self.args)

    async def play(self, pilot: Pilot[object]) -> None:
        await settle(pilot)
        for key in self.keys:
            await pilot.press(key)
            await settle(pilot)


SEED_LOG = DATA / "seed" / "nova-api.log"

SCENES = {
    "seed-three-panes": Scene("seed-three-panes", make_args(SEED_LOG), ["L", "L", "L"]),
    "traceback-frames": Scene(
        "traceback-frames", make_args(SEED_LOG), ["L", "L", "L", "enter", "t", "down", "down", "down"]
    ),
    "request-story": Scene("request-story", make_args(SEED_LOG), ["g", "enter", "s"]),
    "help": Scene("help", make_args(SEED_LOG), ["question_mark"]),
    "osp6-live-migration": Scene(
        "osp6-live-migration", make_args(root=DATA / "real" / "osp6-live-migration"), ["L", "L", "L"]
    ),
    "narrow-80x24": Scene("narrow-80x24", make_args(SEED_LOG), ["L", "L", "L"], size=(80, 24)),
}
