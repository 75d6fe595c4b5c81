"""The timeline screen: what it draws, its cursor and zoom, and the range it hands the stream."""

from __future__ import annotations

import time

from ostui.core.levels import Level
from ostui.core.stream.timeline import Column, parse_zoom
from ostui.core.timekeys import key_from_parts, key_to_datetime
from ostui.tui.screens.timeline import TimelineChart, TimelineScreen, bar_cells

from .helpers import DATA, app_for, settle, stream_of

OSP6 = DATA / "real" / "osp6-live-migration"
SEED = DATA / "seed" / "nova-api.log"


def test_one_error_among_many_keeps_a_cell() -> None:
    counts = [0] * len(Level)
    counts[Level.INFO], counts[Level.ERROR] = 500, 1
    cells = bar_cells(Column(0, tuple(counts)), 8, 501)
    assert cells[0] == 2 and cells.count(2) == 1 and len(cells) <= 8  # bottom cell: the error


async def _open(pilot, app) -> TimelineScreen:  # type: ignore[no-untyped-def]
    await pilot.press("i")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, TimelineScreen)
    assert screen.ready
    return screen


async def test_timeline_counts_what_the_stream_shows_and_zooms_fast() -> None:
    app = app_for(root=OSP6)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = await _open(pilot, app)
        assert screen.timeline is not None
        view = stream_of(app).view
        assert view is not None
        assert sum(screen.timeline.all.totals()) == len(view.rows)
        assert sorted(screen.timeline.groups) == ["hp-ms-01-c29", "hp-ms-01-c30"]
        text = app.screen.query_one(TimelineChart).render()
        assert "hp-ms-01-c29" in str(text) and "█" in str(text)
        # A zoom redraws (counts of every column and row) well inside 50 ms.
        before = screen.zoom
        started = time.perf_counter()
        screen.action_zoom(-1)
        screen.draw(156, 44)
        assert time.perf_counter() - started < 0.05
        assert screen.zoom.seconds < before.seconds
        await pilot.press("minus")
        assert screen.zoom == before


async def test_range_becomes_the_streams_time_filter() -> None:
    app = app_for(root=OSP6)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = await _open(pilot, app)
        while screen.zoom.label != "1h":
            screen.action_zoom(1 if screen.zoom.seconds < 3600 else -1)
        screen.left = key_from_parts(2015, 10, 20, 9, 0, 0, 0)
        screen.cursor = 0
        await pilot.press("space", "right", "space", "enter")
        await settle(pilot)
        filters = app.filters
        assert (filters.since, filters.until) == (
            key_from_parts(2015, 10, 20, 9, 0, 0, 0),
            key_from_parts(2015, 10, 20, 10, 59, 59, 999999),
        )
        view = stream_of(app).view
        assert view is not None and len(view) == 164 + 11 + 33 + 115 + 7 + 36
        first, last = view.record(0)[1], view.record(len(view) - 1)[1]
        assert first.timestamp is not None and first.timestamp.hour == 9
        assert last.timestamp is not None and last.timestamp.hour == 10


async def test_enter_jumps_the_stream_to_the_cursor() -> None:
    app = app_for(SEED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        stream_of(app).move_to(0)
        screen = await _open(pilot, app)
        assert screen.zoom == parse_zoom("1s")
        when = key_to_datetime(screen.cursor_key())
        assert when is not None and (when.minute, when.second) == (49, 30)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, TimelineScreen)
        assert app.filters.since is None


def test_levels_differ_by_shape_not_only_colour() -> None:
    from ostui.tui.screens.timeline import BAND_LOOK

    shapes = [shape for shape, _ in BAND_LOOK]
    assert len(set(shapes)) == len(shapes) and " " not in shapes  # readable with NO_COLOR


async def test_followed_file_grows_the_newest_column(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ..waiting import eventually_async

    log = tmp_path / "nova-api.log"
    stamp = "2016-06-10 21:49:30.000 7533 {} nova.api [-] {}\n"
    log.write_text(stamp.format("INFO", "first"))
    app = app_for(log, follow=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = await _open(pilot, app)
        assert screen.timeline is not None and screen.timeline.totals() == {"INFO": 1}
        with log.open("a") as out:
            out.write(stamp.format("ERROR", "second") + stamp.format("ERROR", "third"))

        def grown() -> bool:
            return screen.timeline is not None and screen.timeline.totals() == {"INFO": 1, "ERROR": 2}

        await eventually_async(grown, 10, "the timeline never counted the appended errors")
        column = screen.timeline.columns(screen.cursor_key(), screen.zoom, 1)[0]
        assert column.bands() == (1, 0, 2)


async def test_marks_show_above_their_column() -> None:
    from datetime import datetime

    app = app_for(root=OSP6)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.action_drop_mark()
        app.marks[-1].when = datetime(2015, 10, 20, 12, 30)
        screen = await _open(pilot, app)
        lines = screen.draw(156, 44).plain.split("\n")
        marks = lines[0]
        assert marks.strip().startswith("marks") and marks.count("▼") == 1
        column = marks.index("▼") - 14  # after the 14 columns of labels
        start = screen.timeline.columns(screen.left, screen.zoom, column + 1)[column].start  # type: ignore[union-attr]
        when = key_to_datetime(start)
        assert when is not None and (when.day, when.hour) == (20, 12)  # the 2 h bucket holding 12:30
