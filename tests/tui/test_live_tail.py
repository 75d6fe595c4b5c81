"""Live tail under Pilot: writers append, rotate, truncate and recreate files while
the app runs; the stream shows every record exactly once, in time order."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from ostui.tui.app import OstuiApp

from ..waiting import eventually_async
from .helpers import app_for, settle, stream_of, tree_labels, watch_calls


def line(n: int, level: str = "INFO", comp: str = "api") -> bytes:
    return b"2016-06-10 21:%02d:%02d.%03d 7533 %s nova.%s [-] message %d\n" % (
        n // 60000 % 60,
        n // 1000 % 60,
        n % 1000,
        level.encode(),
        comp.encode(),
        n,
    )


def shown(app: OstuiApp) -> list[str]:
    view = stream_of(app).view
    assert view is not None
    return [view.record(i)[1].message for i in range(len(view))]


async def wait_shown(pilot: Pilot[Any], app: OstuiApp, count: int, timeout: float = 10.0) -> list[str]:
    """The stream's messages once it shows at least `count` records; fails at the timeout."""

    def settled() -> bool:
        busy = any(w.is_running for w in app.workers if w.group == "view")
        return not busy and len(stream_of(app).view or []) >= count

    await eventually_async(settled, timeout, f"the stream never showed {count} records")
    await pilot.pause(0.1)
    return shown(app)


def write(path: Path, numbers: range, **kw: str) -> None:
    with path.open("ab") as f:
        f.write(b"".join(line(n, **kw) for n in numbers))


@contextmanager
def stream_draws() -> Iterator[list[int]]:
    """The lines of the stream drawn meanwhile (`LogStream.render_line`'s calls)."""
    from ostui.tui.widgets.log_stream import LogStream

    drawn: list[int] = []
    draw = LogStream.render_line

    def counted(self: LogStream, y: int) -> Any:
        drawn.append(y)
        return draw(self, y)

    LogStream.render_line = counted  # type: ignore[method-assign]
    try:
        yield drawn
    finally:
        LogStream.render_line = draw  # type: ignore[method-assign]


async def test_appends_from_a_writer_thread_arrive_in_order(tmp_path: Path) -> None:
    a, b = tmp_path / "nova-api.log", tmp_path / "nova-compute.log"
    write(a, range(0, 10, 2))
    write(b, range(1, 10, 2), comp="compute")
    app = app_for(a, b)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert shown(app) == [f"message {i}" for i in range(10)]

        def writer() -> None:
            for n in range(10, 60):
                write(a if n % 2 == 0 else b, range(n, n + 1))
                time.sleep(0.002)

        t = threading.Thread(target=writer)
        t.start()
        t.join()
        assert await wait_shown(pilot, app, 60) == [f"message {i}" for i in range(60)]
        stream = stream_of(app)
        assert stream.follow and stream.cursor == 59


async def test_rotation_truncation_and_recreation_lose_nothing(tmp_path: Path) -> None:
    a = tmp_path / "nova-api.log"
    write(a, range(0, 5))
    app = app_for(a)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        # rename-and-create, with a last line going to the renamed file
        write(a, range(5, 7))
        os.rename(a, tmp_path / "nova-api.log.1")
        write(tmp_path / "nova-api.log.1", range(7, 8))
        write(a, range(8, 10))
        assert await wait_shown(pilot, app, 10) == [f"message {i}" for i in range(10)]
        # copytruncate
        write(a, range(10, 12))
        shutil.copyfile(a, tmp_path / "nova-api.log.copy")
        os.truncate(a, 0)
        write(a, range(12, 14))
        assert await wait_shown(pilot, app, 14) == [f"message {i}" for i in range(14)]
        # deleted and recreated
        os.unlink(a)
        await pilot.pause(0.2)
        write(a, range(14, 16))
        assert await wait_shown(pilot, app, 16) == [f"message {i}" for i in range(16)]


async def test_new_file_in_the_folder_joins_the_stream(tmp_path: Path) -> None:
    folder = tmp_path / "controller" / "var" / "log" / "nova"
    folder.mkdir(parents=True)
    write(folder / "nova-api.log", range(0, 3))
    (folder / "nova-manage.log").write_bytes(b"")  # there before the start: not new
    app = app_for(root=tmp_path, follow=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        write(folder / "nova-scheduler.log", range(3, 5), comp="scheduler")
        assert await wait_shown(pilot, app, 5, timeout=15) == [f"message {i}" for i in range(5)]
        assert "nova-scheduler.log" in {f.path.name for f in app.files}


async def test_scrolling_up_pauses_and_counts_new_records(tmp_path: Path) -> None:
    a = tmp_path / "nova-api.log"
    write(a, range(0, 30))
    app = app_for(a)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("k", "k")
        stream = stream_of(app)
        cursor = stream.cursor
        write(a, range(30, 35))
        await wait_shown(pilot, app, 35)
        assert stream.cursor == cursor and not stream.follow
        assert "paused · 5 new" in app.status_text
        assert "following 1 files on 1 nodes" in app.status_text  # paused, yet still followed
        await pilot.press("end")
        assert stream.follow and stream.cursor == 34
        assert "at the end · following 1 files on 1 nodes" in app.status_text


async def test_archives_are_not_followed_unless_asked(tmp_path: Path) -> None:
    node = tmp_path / "node1" / "var" / "log" / "nova"
    node.mkdir(parents=True)
    write(node / "nova-api.log", range(0, 3))
    app = app_for(root=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert not app.following
        assert "at the end · archive: not followed" in app.status_text
        write(node / "nova-api.log", range(3, 4))
        await pilot.pause(0.4)
        assert len(shown(app)) == 3
    app = app_for(root=tmp_path, follow=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        write(node / "nova-api.log", range(4, 5))
        assert len(await wait_shown(pilot, app, 5)) == 5


async def test_reproduction_mark_watch_and_open(tmp_path: Path) -> None:
    from ostui.tui.screens.marks import MarksScreen
    from ostui.tui.screens.prompt import PromptScreen

    seed = (Path(__file__).resolve().parent.parent / "data" / "seed" / "nova-api.log").read_bytes()
    a = tmp_path / "nova-api.log"
    write(a, range(0, 5))
    app = app_for(a)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        assert app.marks and app.marks[-1].name == "try 1"
        with a.open("ab") as f:
            f.write(seed)
        await eventually_async(lambda: app.alert is not None, 5, "no alert for the new ERROR")
        assert "press !" in app.status_text
        await pilot.press("A")
        await settle(pilot)
        after = shown(app)  # only the seed's three records came after the mark
        assert len(after) == 3 and after[0] == "Caught error: id", after
        assert not any(m.startswith("message ") for m in after), after
        await pilot.press("exclamation_mark")
        await settle(pilot)
        view = stream_of(app).view
        assert view is not None
        assert view.record(stream_of(app).cursor)[1].message == "Caught error: id"
        await pilot.press("M")
        assert isinstance(app.screen, MarksScreen)
        assert len(app.screen.targets) == 2  # the 500 request and the ERROR record
        await pilot.press("n")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+u", *"glance restarted", "enter")
        await pilot.pause()
        assert app.marks[-1].name == "glance restarted"
        await pilot.press("escape")


async def test_the_window_lets_the_oldest_go_and_scrolling_back_reads_them_again(tmp_path: Path) -> None:
    a, b = tmp_path / "nova-api.log", tmp_path / "nova-compute.log"
    write(a, range(0, 20, 2))
    write(b, range(1, 20, 2), comp="compute")
    app = app_for(a, b, max_records=20)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for batch in range(20, 60, 10):  # a cut after each
            for n in range(batch, batch + 10):
                write(a if n % 2 == 0 else b, range(n, n + 1), comp="api" if n % 2 == 0 else "compute")
            came = f"{batch + 10} records"

            def arrived(came: str = came) -> bool:
                return came in app.status_text

            await eventually_async(arrived, 10, f"{came} never came")
        assert len(app.session.cuts) >= 2  # read back in more than one go below
        await eventually_async(
            lambda: "60 records" in app.status_text and "windowed" in app.status_text,
            10,
            "the status bar never said the stream was windowed",
        )
        held = shown(app)
        # The newest, in order, at most the window and its slack; the rest is on disk.
        assert 20 <= len(held) <= 22
        assert held == [f"message {i}" for i in range(60 - len(held), 60)]
        assert f"windowed: {60 - len(held)} older on disk" in app.status_text
        # Paused on a record, the next cut leaves the cursor on it.
        stream = stream_of(app)
        await pilot.press("k", "k", "k")
        mine = shown(app)[stream.cursor]
        for n in range(60, 64):
            write(a if n % 2 == 0 else b, range(n, n + 1), comp="api" if n % 2 == 0 else "compute")
        await eventually_async(lambda: "64 records" in app.status_text, 10, "the last lines never came")
        await pilot.pause(0.2)
        assert shown(app)[stream.cursor] == mine
        # At the top, up again reads the newest records let go of back, the same lines.
        stream.focus()
        await pilot.press("g", "k")
        # Up again at the top reads back about a window's worth more (the newest whole cuts),
        # each line once, in order; again and again until nothing is left on disk.
        before = len(shown(app))
        for _ in range(5):
            if "windowed" not in app.status_text:
                break
            await pilot.press("g", "k")
            back = await wait_shown(pilot, app, before + 1)
            first = int(back[0].split()[-1])
            assert back == [f"message {i}" for i in range(first, 64)]
            assert len(back) - before <= 20
            assert "64 records" in app.status_text
            before = len(back)
        assert shown(app) == [f"message {i}" for i in range(64)]


async def test_the_tree_counts_the_last_errors_of_a_burst(tmp_path: Path) -> None:
    a = tmp_path / "nova-api.log"
    write(a, range(0, 5))
    app = app_for(a)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for n in range(5, 8):  # within the quarter second the counts wait between refreshes
            write(a, range(n, n + 1), level="ERROR")
            await pilot.pause(0.06)
        await eventually_async(
            lambda: "E3" in " | ".join(tree_labels(app)), 5, "the tree never counted the last errors"
        )


async def test_paused_records_arriving_below_the_screen_draw_no_line(tmp_path: Path) -> None:
    """Paused, with the screen full: records appended below it change the scrollbar only,
    and no line of the stream is drawn again (each line drawn is work and garbage on a busy
    follow); at the end again, the new rows are drawn."""
    log = tmp_path / "nova-api.log"
    write(log, range(0, 200))
    app = app_for(log)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("k")  # paused
        await pilot.pause(0.2)
        with stream_draws() as drawn:
            write(log, range(200, 260))
            await wait_shown(pilot, app, 260)
            await pilot.pause(0.2)
            assert stream_of(app).virtual_size.height == 260
            assert drawn == []
            await pilot.press("G")
            await pilot.pause(0.2)
            assert drawn


async def test_records_a_filter_hides_draw_no_line(tmp_path: Path) -> None:
    """Following with ERROR+ chosen, INFO records arriving change the status bar's count of
    all records, and no line of the stream is drawn again (a busy log that the filter
    hides would otherwise redraw the stream ten times a second)."""
    log = tmp_path / "nova-api.log"
    write(log, range(0, 50))
    write(log, range(50, 52), level="ERROR")
    app = app_for(log)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("L", "L", "L")
        await settle(pilot)
        assert len(stream_of(app).view or []) == 2
        await pilot.pause(0.3)
        with stream_draws() as drawn:
            write(log, range(52, 120))
            await eventually_async(
                lambda: "2 of 120 records" in app.status_text, 5, "the status bar never counted them"
            )
            await pilot.pause(0.3)
            assert drawn == []
            write(log, range(120, 121), level="ERROR")
            await wait_shown(pilot, app, 3)
            await pilot.pause(0.3)
            assert drawn  # a record that passes is drawn


async def test_garbage_that_lived_long_is_collected_while_following(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once indexed, the app takes full collections itself, on a clock (Python's own are
    held back): a cycle old enough to sit in the oldest generation is gone by the next."""
    import gc
    import weakref

    from ostui.tui import app as app_module

    monkeypatch.setattr(app_module, "FULL_GC_EVERY", 0.5)  # (10 s in use)
    log = tmp_path / "nova-api.log"
    write(log, range(0, 10))
    app = app_for(log)

    class Node:
        other: object = None

    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert gc.get_threshold()[2] >= 1000  # Python's own full collections held back
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        gc.collect(1)  # alive through the young collections: in the oldest generation now
        del a, b
        await eventually_async(lambda: gone() is None, 5.0, "an old cycle was never collected")
    assert gc.get_threshold()[2] < 1000  # Python's schedule again once the app has ended


async def test_the_detail_pane_waits_for_a_busy_tail_to_rest(tmp_path: Path) -> None:
    """Following a log written faster than anyone reads, the detail pane does not show each
    newest record (each showing lays the pane out, and keys waited behind them); once the
    writing stops it shows the last one. A key's move is still shown at once."""

    log = tmp_path / "nova-api.log"
    write(log, range(0, 10))
    app = app_for(log)
    shown_in_detail: list[str] = []
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        watch_calls(app, "show_detail", lambda file, record: shown_in_detail.append(record.message))
        for n in range(10, 30):  # a line every 0.1 s for 2 s
            write(log, range(n, n + 1))
            await pilot.pause(0.1)
        during = list(shown_in_detail)
        await wait_shown(pilot, app, 30)
        await eventually_async(
            lambda: shown_in_detail and shown_in_detail[-1] == "message 29",
            5,
            "the detail pane never showed the last record once the tail rested",
        )
        assert len(during) <= 4, f"the detail pane followed the busy tail: {during}"
        await pilot.press("k")
        await eventually_async(
            lambda: shown_in_detail[-1] == "message 28", 2, "a key's move was not shown in the detail pane"
        )


async def test_the_screen_waits_at_most_a_millisecond_for_a_busy_worker(tmp_path: Path) -> None:
    """While the app runs, a thread holds the GIL 1 ms at most while another waits (each
    record the screen reads lets it go; at Python's 5 ms a story searched meanwhile made
    a screen's 46 reads take 31-36 ms instead of 3.4); Python's own interval after."""
    import sys

    from ostui.tui import app as app_module

    before = sys.getswitchinterval()
    log = tmp_path / "nova-api.log"
    write(log, range(0, 10))
    app = app_for(log)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert sys.getswitchinterval() == pytest.approx(app_module.SWITCH_INTERVAL)
        assert app_module.SWITCH_INTERVAL <= 0.001
    assert sys.getswitchinterval() == pytest.approx(before)


async def test_keys_do_not_wait_for_a_view_built_under_the_lock(tmp_path: Path) -> None:
    """A new view is merged under the session's lock (seconds at a million records). News of
    followed files arriving meanwhile must not make the screen wait for that lock: a key is
    answered at once, and the records the news told of are shown once the lock is free (a
    4.9 s wait for `k` in a 10-minute bench_tail_load run)."""
    from ostui.core.live.follow import FileChange
    from ostui.tui.messages import FilesChanged

    a = tmp_path / "nova-api.log"
    write(a, range(0, 30))
    app = app_for(a)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        (lf,) = app.stream_files
        held, free = threading.Event(), threading.Event()

        def build_a_view() -> None:
            with app.session.lock:
                held.set()
                free.wait(10)

        threading.Thread(target=build_a_view, daemon=True).start()
        held.wait(5)
        try:
            # (The follower waits for the lock too: its news is posted here in its place,
            # for records appended before the lock was taken.)
            write(a, range(30, 35))
            assert lf.index is not None
            lf.index.update(final=False)
            t0 = time.monotonic()
            app.post_message(FilesChanged([FileChange(lf, "grew", 5)]))
            await pilot.pause(0.2)
            await pilot.press("k")
            await eventually_async(lambda: "paused" in app.status_text, 2, "k was never answered")
            assert time.monotonic() - t0 < 2, f"k waited {time.monotonic() - t0:.1f} s for the lock"
        finally:
            free.set()
        await wait_shown(pilot, app, 35)
