"""The main views as reproducible scenes: used by the snapshot tests and by
`tools/make_screenshots.py`, so the pictures in the README are what the tests check."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from textual.pilot import Pilot

from ..session import Options
from .app import OstuiApp
from .startup import make_args
from .widgets.log_stream import LogStream

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
SEED_LOG = DATA / "seed" / "nova-api.log"
OSP6 = DATA / "real" / "osp6-live-migration"

Step = str | Callable[[OstuiApp], None]


async def settle(pilot: Pilot[object], timeout: float = 15.0) -> None:
    """Wait until indexing is done and nothing moves: no worker runs, the view is on
    screen, and it stays so across the detail pane's rest delay (twice in a row)."""
    app = pilot.app
    assert isinstance(app, OstuiApp)
    waited = 0.0
    calm = 0
    while waited < timeout:
        await pilot.pause(0.1)
        waited += 0.1
        stream = app.query_one(LogStream)
        busy = any(w.is_running for w in app.workers if w.group != "follow")
        screen_ready = getattr(app.screen, "ready", True)
        idle = app.indexed and stream.view is not None and not busy and screen_ready
        calm = calm + 1 if idle else 0
        if calm >= 3:  # 0.3 s of calm: longer than the detail pane's rest delay
            await pilot.pause()
            return
    raise TimeoutError("ostui did not settle")


@dataclass
class Scene:
    name: str
    make: Callable[[], Options]
    steps: list[Step] = field(default_factory=list)
    size: tuple[int, int] = (160, 48)
    snapshot: bool = True  # False: its screen shows the clock, so it is a picture only

    def app(self) -> OstuiApp:
        return OstuiApp(self.make())

    async def play(self, pilot: Pilot[object]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, OstuiApp)
        for step in self.steps:
            if isinstance(step, str):
                await pilot.press(step)
            else:
                step(app)
                await pilot.pause(0.3)
            await settle(pilot)


def _live_controller() -> Options:
    """A controller whose nova-api log is about to show the seed case, followed live."""
    root = Path(tempfile.mkdtemp(prefix="ostui-scene-"))
    folder = root / "controller" / "var" / "log" / "nova"
    folder.mkdir(parents=True)
    lines = (OSP6 / "hp-ms-01-c29/var/log/nova/nova-api.log").read_bytes().splitlines(keepends=True)
    (folder / "nova-api.log").write_bytes(b"".join(lines[-40:]))
    shutil.copy(OSP6 / "hp-ms-01-c29/var/log/nova/nova-compute.log", folder / "nova-compute.log")
    return make_args(root=root, follow=True)


def _mark(app: OstuiApp) -> None:
    app.action_drop_mark()
    app.marks[-1].when = datetime(2016, 6, 10, 21, 49, 12)


def _reproduce(app: OstuiApp) -> None:
    nova_api = next(f.path for f in app.files if f.path.name == "nova-api.log")
    with nova_api.open("ab") as out:
        out.write(SEED_LOG.read_bytes())


SCENES = {
    "seed-three-panes": Scene("seed-three-panes", lambda: make_args(SEED_LOG), ["L", "L", "L"]),
    "seed-detail": Scene("seed-detail", lambda: make_args(SEED_LOG), ["L", "L", "L", "enter"]),
    "traceback-frames": Scene(
        "traceback-frames", lambda: make_args(SEED_LOG), ["L", "L", "L", "enter", "t", "up", "up", "enter"]
    ),
    "request-story": Scene("request-story", lambda: make_args(SEED_LOG), ["g", "enter", "s"]),
    "help": Scene("help", lambda: make_args(SEED_LOG), ["question_mark"]),
    "known-faults": Scene("known-faults", lambda: make_args(root=OSP6), ["f"]),
    "osp6-live-migration": Scene("osp6-live-migration", lambda: make_args(root=OSP6), ["L", "L", "L"]),
    "clock-skew": Scene("clock-skew", lambda: make_args(root=OSP6), ["C"]),
    "narrow-80x24": Scene("narrow-80x24", lambda: make_args(SEED_LOG), ["L", "L", "L"], size=(80, 24)),
    "light-theme": Scene("light-theme", lambda: make_args(SEED_LOG, theme="light"), ["L", "L", "L", "enter"]),
    "reproduction-mode": Scene(
        "reproduction-mode", _live_controller, [_mark, _reproduce, "A"], snapshot=False
    ),
    "reproduction-marks": Scene(
        "reproduction-marks", _live_controller, [_mark, _reproduce, "M"], snapshot=False
    ),
}


# -- the timeline, a request's waterfall and an instance's story (issue #12) ---------------
MIGRATION_REQUEST = "req-4b3cdd21-f6ba-4b00-be58-07a1414717ea"  # the live migration, c29 -> c30
MIGRATED_INSTANCE = "a18a5824-4215-4e24-bcfc-cb9f89f6bcbd"


def _migration_request(app: OstuiApp) -> None:
    app.filter_request_id(MIGRATION_REQUEST)


def _migrated_instance(app: OstuiApp) -> None:
    app.show_resource(MIGRATED_INSTANCE)


SCENES.update(
    {
        "timeline": Scene("timeline", lambda: make_args(root=OSP6), ["i"]),
        "timeline-80x24": Scene("timeline-80x24", lambda: make_args(root=OSP6), ["i"], size=(80, 24)),
        "request-waterfall": Scene(
            "request-waterfall", lambda: make_args(root=OSP6), [_migration_request, "g", "enter", "s"]
        ),
        "instance-story": Scene("instance-story", lambda: make_args(root=OSP6), [_migrated_instance]),
    }
)


# -- the interface fits the operator (issue #16): sizes, a maximised pane, Chinese ---------------
SCENES.update(
    {
        "main-120x40": Scene("main-120x40", lambda: make_args(root=OSP6), ["L", "L", "L"], size=(120, 40)),
        "main-200x50": Scene("main-200x50", lambda: make_args(root=OSP6), ["L", "L", "L"], size=(200, 50)),
        "maximised-detail": Scene(
            "maximised-detail", lambda: make_args(SEED_LOG), ["L", "L", "L", "enter", "z"], size=(120, 40)
        ),
        "known-faults-80x24": Scene("known-faults-80x24", lambda: make_args(root=OSP6), ["f"], size=(80, 24)),
        "chinese-main-view": Scene(
            "chinese-main-view", lambda: make_args(root=OSP6, lang="zh"), ["L", "L", "L", "enter"]
        ),
    }
)

# -- producers inside files (issue #10): a Sunbeam sosreport's pod logs ---------------------
SOSREPORT = DATA / "archives" / "collection" / "sosreport-sunbeam-ctl1-2025-05-14-qkzvbra"
SCENES.update(
    {
        "pod-log-tree": Scene(
            "pod-log-tree", lambda: make_args(root=SOSREPORT), ["L", "L", "L"], size=(120, 40)
        ),
    }
)
