"""News from a worker that arrives while ostui quits (after the screen's widgets went) is
dropped: a handler looking for the widgets ended ostui with a traceback."""

from __future__ import annotations

import asyncio

from textual.message import Message

from ostui.tui.messages import (
    ClocksEstimated,
    FileIndexed,
    FilesChanged,
    IndexGrew,
    IndexingDone,
    IndexProgress,
    OlderFetched,
    ViewReady,
)

from .helpers import DATA, app_for, settle, stream_of

SEED = DATA / "seed" / "nova-api.log"


async def test_news_after_the_widgets_went_is_dropped() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None
        lf = app.files[0]
        news: list[Message] = [
            IndexProgress(1, 2, 0, 1),
            FileIndexed(lf),
            IndexGrew(lf),
            ViewReady(view),
            FilesChanged([]),
            OlderFetched([lf], "older"),
            ClocksEstimated([], {}),
            IndexingDone(),
        ]
        await app.screen.remove_children()  # as on the way out
        for message in news:
            app.post_message(message)
        await pilot.pause()
    # (A handler's exception would have been raised here, leaving the context.)
    assert app.return_code in (None, 0)


async def test_quitting_as_the_detail_pane_is_mounted() -> None:
    """The detail pane is mounted after the first screen; quitting then (a `q` pressed at
    once) ended ostui with a traceback: the pane, and Textual's tabs in it, looked for
    parts already taken down."""
    for turns in range(4):  # the exit lands at different points of the mount
        app = app_for(SEED, follow=False)
        async with app.run_test(size=(120, 40)):
            for _ in range(turns):
                await asyncio.sleep(0)
            app.mount_detail()
            app.exit()
        assert app.return_code == 0, turns
