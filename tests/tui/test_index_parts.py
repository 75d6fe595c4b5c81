"""The browser indexes big files in parts on other processes (parts made tiny here, so the
real test logs are cut in dozens): the index, the tree's counts and a level filter chosen
while the parts were still coming equal one thread's index of the same files."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ostui.core.diagnosis.faultscan import flag_faults
from ostui.core.indexing import parallel
from ostui.core.indexing.index import FileIndex
from ostui.core.indexing.logset import LogFile
from ostui.core.levels import Level
from ostui.core.reading.source import FileSource
from ostui.session import startup
from ostui.tui.widgets.log_stream import LogStream

from ..waiting import eventually_async
from .helpers import DATA, app_for, settle, stream_of

C29 = DATA / "real" / "osp6-live-migration" / "hp-ms-01-c29" / "var" / "log"
FILES = [
    C29 / "nova" / "nova-api.log",
    C29 / "nova" / "nova-compute.log",
    C29 / "neutron" / "server.log",
    DATA / "seed" / "nova-api.log",  # the seed case's known fault, flagged part by part
]


def _joined_slowly(monkeypatch: pytest.MonkeyPatch, part_size: int, delay: float) -> None:
    """Big files in parts of `part_size` from the first screen on (none indexed whole for
    it). The parts are handed out at start-up and may all be indexed before the first is
    joined: each is joined `delay` s late, as from a slow disk, so that the screen has time
    to redraw between them."""
    monkeypatch.setattr(parallel, "BROWSER_PART", part_size)
    monkeypatch.setattr(parallel, "MIN_PART", 0)
    monkeypatch.setattr(startup, "SMALL_TOTAL", 0)
    merge = parallel.merge_part

    def slow_merge(idx: FileIndex, result: dict[str, Any]) -> None:
        time.sleep(delay)
        merge(idx, result)

    monkeypatch.setattr(parallel, "merge_part", slow_merge)


def _errors_log(tmp_path: Path) -> Path:
    """80,000 records (4.8 MB), every seventh an ERROR (11,429 of them), each its own request."""
    log = tmp_path / "nova-api.log"
    with log.open("w") as out:
        for n in range(80_000):
            level = "ERROR" if n % 7 == 0 else "INFO"
            stamp = f"{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}"
            out.write(f"2016-06-10 {stamp}.000 1 {level} nova.x [req-{n:08d}] m{n}\n")
    return log


async def test_parts_from_other_processes_make_the_same_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "BROWSER_PART", 16 << 10)
    monkeypatch.setattr(parallel, "MIN_PART", 0)
    monkeypatch.setattr(startup, "SMALL_TOTAL", 0)  # not indexed whole for the first screen
    app = app_for(*FILES, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("L", "L", "L")  # ERROR+ at once, while the parts are coming
        await settle(pilot)
        pool = app.session._index_pool
        assert pool is not None and pool._pool is not None  # the parts were indexed elsewhere
        severe = flagged = 0
        for lf in app.files:
            whole = FileIndex(FileSource(lf.path))
            whole.update(final=True)
            assert lf.index is not None
            assert (lf.index.starts, lf.index.levels, lf.index.keys) == (
                whole.starts,
                whole.levels,
                whole.keys,
            )
            assert lf.index.request_ids is None  # the browser finds requests with its own index
            severe += sum(1 for x in whole.levels if x >= Level.ERROR)
            alone = LogFile(lf.path, "n", "c", lf.path.name, index=whole)
            flag_faults(alone, app.session.matcher())
            assert lf.faults == alone.faults
            flagged += len(alone.faults)
        assert flagged > 0
        view = stream_of(app).view
        assert view is not None and len(view) == severe > 0
        assert f"{severe:,} of " in app.status_text and "ERROR+" in app.status_text, app.status_text


async def test_the_trees_counts_grow_with_the_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """While a big file's parts are joined, the tree's error counts follow the index (they
    once waited for the whole file), and end at the whole file's."""
    import re

    from ostui.tui import app as app_module
    from ostui.tui.app import OstuiApp
    from ostui.tui.widgets.source_tree import SourceTree

    monkeypatch.setattr(app_module, "COUNTS_EVERY", 0.0)
    _joined_slowly(monkeypatch, 16 << 10, 0.02)
    seen: list[int] = []
    shown = OstuiApp.on_index_progress

    def progress(self: OstuiApp, message: object) -> None:
        shown(self, message)  # type: ignore[arg-type]
        labels, todo = [], [self.query_one(SourceTree).root]
        while todo:
            node = todo.pop()
            labels.append(str(node.label))
            todo.extend(node.children)
        found = [int(m.group(1)) for label in labels if (m := re.search(r" E(\d+)", label))]
        seen.append(max(found, default=0))

    monkeypatch.setattr(OstuiApp, "on_index_progress", progress)
    agent = DATA / "real" / "ubuntu-ussuri" / "var" / "log" / "neutron" / "neutron-metadata-agent.log.1"
    app = app_for(agent, follow=False)  # errors all along the file
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        (lf,) = app.files
        assert lf.index is not None
        total = sum(1 for x in lf.index.levels if x >= Level.ERROR)
    partial = [n for n in seen if 0 < n < total]
    assert len(set(partial)) >= 2 and seen[-1] == total, (seen, total)


async def test_a_line_written_while_the_parts_are_indexed_is_shown_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A live log that grows while its parts are indexed: the new line is shown, once
    (the rest of the file after the parts, then the follower, take it from where the
    parts stopped)."""
    monkeypatch.setattr(parallel, "BROWSER_PART", 16 << 10)
    monkeypatch.setattr(parallel, "MIN_PART", 0)
    monkeypatch.setattr(startup, "SMALL_TOTAL", 0)
    log = tmp_path / "nova-api.log"
    log.write_bytes(FILES[0].read_bytes())
    app = app_for(log)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(500):
            await pilot.pause(0.01)
            if app.index_started:
                break
        with log.open("ab") as out:
            out.write(b"2015-10-29 11:00:00.000 1 ERROR nova.x [-] written while indexed\n")
        await settle(pilot)
        whole = FileIndex(FileSource(log))
        whole.update(final=True)
        view = stream_of(app).view
        for _ in range(100):
            view = stream_of(app).view
            if view is not None and len(view) == len(whole):
                break
            await pilot.pause(0.05)
        assert view is not None and len(view) == len(whole)
        (lf,) = app.files
        assert lf.index is not None and lf.index.starts == whole.starts


@pytest.mark.parametrize("slow_views", [False, True])
async def test_a_filter_chosen_while_indexing_extends_itself_as_the_parts_come(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, slow_views: bool
) -> None:
    """INFO+ chosen on the first screen (the file's tail), the cursor moved up onto a tail
    record: as the parts are joined from the file's start, the view takes in their records,
    each view holding every indexed record once and only INFO+ rows, while the cursor stays
    on its record and on its line of the screen. At the end, the whole file's. With views
    slower to build than parts to come (a big file), views are still shown as it grows."""
    from ostui.core.model import Record
    from ostui.core.stream.view import StreamView
    from ostui.core.timekeys import monotone_keys
    from ostui.session import loops
    from ostui.tui import app as app_module
    from ostui.tui.app import OstuiApp
    from ostui.tui.messages import ViewReady

    monkeypatch.setattr(parallel, "BROWSER_PART", 256 << 10)
    monkeypatch.setattr(parallel, "MIN_PART", 0)
    monkeypatch.setattr(app_module, "GROWN_EVERY", 0.0)
    joined = loops._joined

    measured = threading.Event()

    def slowly(*args: object) -> None:
        # Parts joined slowly: views in between, and keys pressed meanwhile (Pilot waits for
        # the process to be idle after each). After the first, the rest wait until the test
        # has the cursor's line: however loaded the machine, they come after it.
        time.sleep(0.15)
        joined(*args)  # type: ignore[arg-type]
        measured.wait(10)

    monkeypatch.setattr(loops, "_joined", slowly)
    if slow_views:

        class SlowView(StreamView):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                time.sleep(0.4)  # longer than two parts take
                super().__init__(*args, **kwargs)

        monkeypatch.setattr(app_module, "StreamView", SlowView)
    log = tmp_path / "nova-api.log"
    with log.open("w") as out:
        for n in range(80_000):  # 3.8 MB, stamps rising: a 512 KiB tail first
            level = "ERROR" if n % 7 == 0 else "DEBUG" if n % 3 == 0 else "INFO"
            stamp = f"{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}"
            out.write(f"2016-06-10 {stamp}.000 1 {level} nova.x [-] m{n}\n")
    info_plus = frozenset(lv for lv in Level if lv >= Level.INFO)
    grown: list[tuple[int, int, tuple[str, int], int]] = []  # rows, INFO+ records, cursor's record, line
    shown = OstuiApp.on_view_ready

    def seen(self: OstuiApp, message: ViewReady) -> None:
        shown(self, message)
        if not message.growing or self.indexed:
            return
        stream = self.query_one(LogStream)
        view = message.view
        offsets = []
        for fno, lf in enumerate(view.files):
            assert lf.index is not None
            base = getattr(lf.index.source, "start", 0)
            offsets += [base + lf.index.starts[r] for r in range(view.merged.counts[fno])]
        assert len(offsets) == len(set(offsets)) == len(view.merged)  # every record once
        assert all(view.level(i) in view.filters.levels for i in range(len(view)))
        if view.filters.levels == info_plus:
            wanted = sum(1 for x in view.merged.levels if x in info_plus)
            grown.append((len(view), wanted, at(*view.record(stream.cursor)), stream.cursor))

    def at(lf: LogFile, rec: Record) -> tuple[str, int]:
        """Where a record is in its file (a tail's records count from the tail's start)."""
        assert lf.index is not None
        return lf.path.name, getattr(lf.index.source, "start", 0) + rec.offset

    monkeypatch.setattr(OstuiApp, "on_view_ready", seen)
    statuses: list[str] = []
    say = OstuiApp.set_status

    def said(self: OstuiApp, text: str) -> None:
        statuses.append(text)
        say(self, text)

    monkeypatch.setattr(OstuiApp, "set_status", said)
    done = OstuiApp.on_indexing_done

    def then_a_line(self: OstuiApp, message: Any) -> None:
        done(self, message)
        if slow_views:  # followed while the whole file's view is being built
            with log.open("a") as out:
                out.write("2016-06-10 23:59:59.000 1 INFO nova.x [-] written at the end\n")

    monkeypatch.setattr(OstuiApp, "on_indexing_done", then_a_line)
    from ostui.tui.widgets.detail import DetailPane

    selected: list[object] = []  # what the detail pane was given to show, in turn
    select = DetailPane.watch_selection

    def selecting(self: DetailPane, selection: Any) -> None:
        selected.append(selection)
        select(self, selection)

    monkeypatch.setattr(DetailPane, "watch_selection", selecting)
    app = app_for(log, follow=slow_views)
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(200):
            await pilot.pause(0.01)
            if stream_of(app).view is not None:
                break
        await pilot.press("L")  # INFO+
        # The first INFO+ view places the cursor; from then on it must stay on its line.
        await eventually_async(
            lambda: getattr(getattr(stream_of(app).view, "filters", None), "levels", None) == info_plus,
            5.0,
            "no INFO+ view was shown",
        )
        await pilot.press("pageup")
        await pilot.pause()  # the scroll that centres the cursor comes after a refresh
        stream = stream_of(app)
        since = len(grown)
        line = stream.cursor - stream.scroll_offset.y
        held = at(*stream.view.record(stream.cursor))  # type: ignore[union-attr]
        measured.set()
        selections_then = len(selected)
        lines: list[int] = []
        for _ in range(40):  # the cursor's line while the views come
            await pilot.pause(0.05)
            lines.append(stream.cursor - stream.scroll_offset.y)
        await settle(pilot)
        assert app.indexed
        view = stream.view
        whole = 80_000 - len(range(0, 80_000, 3)) + len(range(0, 80_000, 21)) + slow_views
        if slow_views:
            await eventually_async(
                lambda: len(stream.view or ()) == whole, 5.0, "the line written never shown"
            )
        view = stream.view
        assert view is not None and len(view) == whole
        assert at(*view.record(stream.cursor)) == held  # the whole file's view: still there
        (lf,) = view.files
        assert lf.index is not None  # the parts' keys, lent to the views meanwhile, whole
        assert view.merged.keys == monotone_keys(lf.index.keys)
        lines.append(stream.cursor - stream.scroll_offset.y)
    later = grown[since:]
    assert len({rows for rows, *_ in later}) >= (2 if slow_views else 3), grown  # it grew part by part
    assert all(rows == wanted for rows, wanted, _, _ in grown)
    assert [rows for rows, *_ in grown] == sorted(rows for rows, *_ in grown)
    assert {record for _, _, record, _ in later} == {held}  # the cursor stayed on its record
    assert set(lines) == {line}  # and on its line
    # The same record in each new view is not shown anew (its story searched again): only
    # once more, from the whole file's index, at the end.
    assert len(selected) - selections_then <= 2, selected[selections_then:]
    # The status bar says the count is of what is indexed so far, and how far that is.
    assert any(re.search(r"[\d,]+ records so far · INFO\+ · \d+% indexed", t) for t in statuses), statuses
    # and never counts a view of part of the logs as of all of them
    of_all = {m.group(1) for t in statuses if (m := re.search(r"([\d,]+) of [\d,]+ records", t))}
    assert of_all <= {f"{whole - slow_views:,}", f"{whole:,}"}, of_all


async def test_what_start_up_made_is_frozen_before_the_logs_are_indexed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The objects made before the first screen live as long as the app: frozen there, the
    collector's full collections during indexing (which hold the GIL the screen needs)
    walk only what came since."""
    import gc

    from ostui.tui.app import OstuiApp

    log = tmp_path / "nova-api.log"
    with log.open("w") as out:
        for n in range(80_000):  # 3.8 MB: its tail is the first screen, then the whole file
            stamp = f"{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}"
            out.write(f"2016-06-10 {stamp}.000 1 INFO nova.x [-] m{n}\n")
    frozen_when_indexed: list[int] = []
    done = OstuiApp.on_indexing_done

    def indexed(self: OstuiApp, message: Any) -> None:
        frozen_when_indexed.append(gc.get_freeze_count())
        done(self, message)

    monkeypatch.setattr(OstuiApp, "on_indexing_done", indexed)
    gc.unfreeze()  # what earlier tests froze
    app = app_for(log)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.indexed and app.preview_shown
    assert frozen_when_indexed and frozen_when_indexed[0] > 10_000, frozen_when_indexed


async def test_the_tree_is_fitted_to_its_final_counts_with_the_whole_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # While the parts come it widens in steps (never narrowing); once all are indexed it is
    # exactly as wide as its labels need, fitted in the frame that shows the whole stream.
    from ostui.tui import app as app_module
    from ostui.tui.widgets import source_tree
    from ostui.tui.widgets.source_tree import SourceTree

    monkeypatch.setattr(source_tree, "WIDEN_STEP", 30)
    monkeypatch.setattr(app_module, "COUNTS_EVERY", 3600)  # the counts' own refreshes: none fits it
    monkeypatch.setattr(parallel, "BROWSER_PART", 16 << 10)
    monkeypatch.setattr(parallel, "MIN_PART", 0)
    monkeypatch.setattr(startup, "SMALL_TOTAL", 0)
    app = app_for(*FILES, follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.indexed
        tree = app.query_one(SourceTree)
        fitted = tree.width_set
        tree.refresh_counts()
        assert tree.width_set == fitted
        assert fitted < tree.columns  # (wide steps: the last one went beyond the labels)


async def test_the_tree_widens_once_to_what_a_big_files_counts_will_need(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Its error count gains a digit again and again as the parts come (to 11,429): the
    # tree is as wide as the whole file's counts may need from the first screen, told from
    # its tail (the known faults at most as many as the errors: the tail is not matched),
    # not a step wider (a layout of the screen) at each digit; fitted once all is indexed.
    from ostui.tui import app as app_module
    from ostui.tui.app import OstuiApp
    from ostui.tui.widgets import source_tree
    from ostui.tui.widgets.source_tree import SourceTree

    monkeypatch.setattr(source_tree, "WIDEN_STEP", 1)
    monkeypatch.setattr(app_module, "COUNTS_EVERY", 0.0)
    _joined_slowly(monkeypatch, 256 << 10, 0.02)
    widths: list[tuple[int, int]] = []  # (errors in the tree, its width) while indexing
    shown = OstuiApp._refresh_counts

    def refreshed(self: OstuiApp) -> None:
        shown(self)
        if not self.indexed and self.files:
            (lf,) = self.files
            assert lf.index is not None
            errors = sum(1 for x in lf.index.levels if x >= Level.ERROR)
            widths.append((errors, self.query_one(SourceTree).width_set))

    monkeypatch.setattr(OstuiApp, "_refresh_counts", refreshed)
    app = app_for(_errors_log(tmp_path), follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert app.indexed
        fitted = app.query_one(SourceTree).width_set
    counted = {errors for errors, _ in widths}
    assert widths[0][0] == 0, widths  # the first screen's: no part joined yet
    assert len({len(str(e)) for e in counted}) >= 2, widths  # the count gained digits meanwhile
    (width,) = {width for _, width in widths}  # one width from the first screen on
    # "⚑11429" reserved, none known: the tree is fitted to its labels at the end.
    assert width == fitted + len(" ⚑11429"), (fitted, widths)


@pytest.mark.parametrize("key", [None, "up"])
async def test_the_detail_waits_for_the_index_or_a_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, key: str | None
) -> None:
    """While a big file is indexed, the record the first screen put the cursor on is
    described once all is indexed (its story, searched meanwhile through the file, was
    searched again then); a key that moves the cursor is answered at once."""
    _joined_slowly(monkeypatch, 256 << 10, 0.05)  # indexed for about a second
    app = app_for(_errors_log(tmp_path), follow=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await eventually_async(lambda: app._detail is not None and app.preview_shown, message="first screen")
        detail = app._detail
        assert detail is not None
        await pilot.pause(0.3)
        assert not app.indexed and detail.shown is None  # nothing described meanwhile
        if key:
            await pilot.press(key)
            await eventually_async(lambda: detail.shown is not None, timeout=2, message="described")
            assert not app.indexed and detail.shown is not None
            assert detail.shown.record.message == "m79998"
        await eventually_async(lambda: app.indexed, message="indexed")
        await settle(pilot)
        assert detail.shown is not None
        assert detail.shown.record.message == ("m79998" if key else "m79999")
