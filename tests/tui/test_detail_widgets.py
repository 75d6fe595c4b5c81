"""The detail pane's widgets, each in a tiny app, and the report builder."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static, TabbedContent

from ostui.core.diagnosis.knowledge import FaultMatcher, parse_fault
from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.indexing.records import parse_record
from ostui.core.live.frame_source import read_context
from ostui.core.model import Traceback, TracebackFrame, TracebackSection
from ostui.core.parsing.tracebacks import is_openstack_frame, traceback_text
from ostui.core.stream.requests import RequestStory, StoryEntry, search_request
from ostui.tui.report import build_report, report_filename, write_report
from ostui.tui.selection import Selection
from ostui.tui.widgets.detail import DetailPane, raw_record
from ostui.tui.widgets.fault_panel import FaultPanel, excerpts
from ostui.tui.widgets.http_panel import HttpExplanation
from ostui.tui.widgets.story_view import RequestStoryView
from ostui.tui.widgets.traceback_view import TracebackFrames, TracebackView

from ..waiting import workers_settled

SEED_LOG = Path(__file__).resolve().parent.parent / "data" / "seed" / "nova-api.log"
SEED_REQUEST = "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"
SIZE = (120, 40)


@pytest.fixture(scope="module")
def seed_files() -> list[LogFile]:
    return open_files([LogFile(SEED_LOG, "controller", "nova", SEED_LOG.name)])


@pytest.fixture(scope="module")
def seed_story(seed_files: list[LogFile]) -> RequestStory:
    return search_request(seed_files, SEED_REQUEST)


@pytest.fixture(scope="module")
def seed_selection(seed_files: list[LogFile]) -> Selection:
    lf = seed_files[0]
    assert lf.index is not None
    return Selection(lf, parse_record(lf.index, 0, source=str(lf.path)))


@pytest.fixture(scope="module")
def seed_traceback(seed_selection: Selection) -> Traceback:
    tb = seed_selection.record.traceback
    assert tb is not None and len(tb.frames) == 23
    return tb


def glance_fault_matcher() -> FaultMatcher:
    fault, _ = parse_fault(
        {
            "id": "test-glance-id",
            "title": "glanceclient AttributeError: id",
            "match": {"all": ["_translate_from_glance"], "exception": "AttributeError"},
            "cause": "urllib3 1.11 stopped lower-casing header names.",
            "fix": ["Check the library versions.", "Upgrade python-glanceclient.", "Restart nova-api."],
            "links": ["https://bugs.launchpad.net/bugs/1476770"],
        }
    )
    return FaultMatcher([fault])


class Host(App[None]):
    """One widget, and every message it posts."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_mount(self) -> None:
        self.widget.focus()

    def on_traceback_view_frame_selected(self, message: TracebackView.FrameSelected) -> None:
        self.messages.append(message)

    def on_request_story_view_entry_selected(self, message: RequestStoryView.EntrySelected) -> None:
        self.messages.append(message)


def text_of(widget: Static | Widget) -> str:
    if isinstance(widget, Static):
        return str(widget.content)
    return str(widget.render())


def frame_rows(view: TracebackView) -> list[str]:
    return [row.content.plain for row in view.frames.rows]


# -- TracebackView -----------------------------------------------------------------------
async def test_frame_cursor_moves_with_arrows_and_jk(seed_traceback: Traceback) -> None:
    view = TracebackView()
    app = Host(view)
    async with app.run_test(size=SIZE) as pilot:
        view.traceback = seed_traceback
        await pilot.pause()
        frames = view.frames
        assert app.focused is frames
        # A new traceback opens on its innermost OpenStack frame: the last one here.
        assert frames.cursor_key == (0, 22)
        steps = [("k", (0, 21)), ("up", (0, 20)), ("j", (0, 21)), ("down", (0, 22)), ("down", (0, 22))]
        for key, expected in steps:
            await pilot.press(key)
            assert frames.cursor_key == expected, key
        await pilot.pause()
        selected = [m for m in app.messages if isinstance(m, TracebackView.FrameSelected)]
        assert [(m.section, m.index) for m in selected] == [(0, 22), (0, 21), (0, 20), (0, 21), (0, 22)]
        assert selected[1].frame is seed_traceback.frames[21]
        assert selected[1].control is view


async def test_enter_expands_source_on_this_host_or_says_it_is_missing(tmp_path: Path) -> None:
    source = tmp_path / "lib/python3.11/site-packages/nova/compute/manager.py"
    source.parent.mkdir(parents=True)
    source.write_text("".join(f"value_{n} = {n}\n" for n in range(1, 31)))
    tb = Traceback(
        [
            TracebackSection(
                frames=[
                    TracebackFrame(str(source), 15, "build", "value_15 = 15"),
                    TracebackFrame(
                        "/usr/lib/python3/site-packages/nova/compute/nowhere.py", 7, "spawn", "raise X"
                    ),
                ],
                exc_type="ValueError",
                exc_message="boom",
            )
        ]
    )
    view = TracebackView()
    app = Host(view)
    async with app.run_test(size=SIZE) as pilot:
        view.traceback = tb
        await pilot.pause()
        frames = view.frames
        assert frames.cursor_key == (0, 1)  # the OpenStack frame
        await pilot.press("enter")
        await workers_settled(app)
        await pilot.pause()
        assert frames.is_expanded((0, 1))
        assert "not on this host" in frame_rows(view)[1]

        await pilot.press("k", "enter")
        await workers_settled(app)
        await pilot.pause()
        expanded = frame_rows(view)[0].splitlines()
        numbered = [line for line in expanded if "│" in line]
        assert [int(line.split("│")[0].strip(" ➤")) for line in numbered] == list(range(10, 21))
        current = next(line for line in numbered if "➤" in line)
        assert "15" in current and "value_15 = 15" in current

        await pilot.press("enter")  # collapses again
        assert not frames.is_expanded((0, 0))
        assert not any("│" in line for line in frame_rows(view)[0].splitlines())


def test_read_context_edges(tmp_path: Path) -> None:
    short = tmp_path / "site-packages" / "short.py"
    short.parent.mkdir()
    short.write_text("a = 1\nb = 2\n")
    assert [n for n, _ in read_context(str(short), 2).lines] == [1, 2]
    assert read_context(str(short), 2).note is None
    assert "fewer than 9 lines" in (read_context(str(short), 9).note or "")
    assert "not on this host" in (read_context(str(tmp_path / "gone.py"), 3).note or "")
    assert "relative path" in (read_context("nova/api.py", 3).note or "")


async def test_o_folds_library_frames(seed_traceback: Traceback) -> None:
    view = TracebackView()
    app = Host(view)
    async with app.run_test(size=SIZE) as pilot:
        view.traceback = seed_traceback
        await pilot.pause()
        assert len([r for r in view.frames.rows if r.selectable]) == 23
        await pilot.press("o")
        await pilot.pause()
        assert view.openstack_only
        shown = [r.data for r in view.frames.rows if r.selectable]
        assert len(shown) == 14
        frames = [f for f in shown if isinstance(f, TracebackFrame)]
        assert len(frames) == 14 and all(is_openstack_frame(f) for f in frames)
        packages = {f.path.split("site-packages/")[1].split("/")[0] for f in frames}
        assert packages == {"nova", "glanceclient", "keystonemiddleware"}
        markers = [text for text in frame_rows(view) if "library frame" in text]
        assert [m.strip().split()[1] for m in markers] == ["3", "6"]
        assert view.frames.cursor_key == (0, 22)  # the cursor frame stayed
        await pilot.press("o")
        assert len([r for r in view.frames.rows if r.selectable]) == 23


async def test_exception_stays_pinned_while_frames_scroll(seed_traceback: Traceback) -> None:
    view = TracebackView()
    app = Host(view)
    async with app.run_test(size=(100, 16)) as pilot:
        view.traceback = seed_traceback
        await pilot.pause()
        pinned = view.query_one("#tb-exception", Static)
        where = pinned.region
        assert text_of(pinned) == "AttributeError: id"
        assert where.height >= 1 and where.bottom <= 16
        await pilot.press("home")
        await pilot.pause()
        assert view.frames.scroll_y == 0
        await pilot.press("pagedown", "pagedown", "end")
        await pilot.pause()
        assert view.frames.scroll_y > 0
        assert pinned.region == where
        assert text_of(pinned) == "AttributeError: id"
        # The frame list ends above the pinned exception: nothing is drawn under it.
        assert view.frames.region.bottom <= where.y


async def test_chained_sections_show_their_sentence_and_exception() -> None:
    sentence = "During handling of the above exception, another exception occurred:"
    tb = Traceback(
        [
            TracebackSection(
                [TracebackFrame("/opt/stack/nova/nova/db/api.py", 10, "get", "raise KeyError(k)")],
                "KeyError",
                "'flavor'",
            ),
            TracebackSection(
                [TracebackFrame("/opt/stack/nova/nova/compute/api.py", 20, "boot", "raise X()")],
                "nova.exception.FlavorNotFound",
                "Flavor 42 could not be found.",
                chain=sentence,
            ),
        ]
    )
    view = TracebackView()
    app = Host(view)
    async with app.run_test(size=SIZE) as pilot:
        view.traceback = tb
        await pilot.pause()
        rows = frame_rows(view)
        assert rows.index("KeyError: 'flavor'") < next(i for i, r in enumerate(rows) if sentence in r)
        assert view.frames.cursor_key == (1, 0)  # innermost OpenStack frame of the last section
        assert text_of(view.query_one("#tb-exception", Static)) == (
            "nova.exception.FlavorNotFound: Flavor 42 could not be found."
        )
        assert "2 chained tracebacks" in text_of(view.query_one("#tb-title", Static))


# -- RequestStoryView --------------------------------------------------------------------
async def test_story_view_shows_every_entry_and_posts_entry_selected(seed_story: RequestStory) -> None:
    assert len(seed_story.entries) == 3 and seed_story.status == 500
    view = RequestStoryView()
    app = Host(view)
    async with app.run_test(size=SIZE) as pilot:
        view.story = seed_story
        await pilot.pause()
        rows = [row.content.plain for row in view.rows]
        assert SEED_REQUEST in rows[0] and "HTTP 500" in rows[0]
        entries = [row for row in view.rows if row.selectable]
        assert [row.data for row in entries] == seed_story.entries
        first = entries[0].content.plain
        assert first.lstrip().startswith("+0.000s")
        assert "controller/nova" in first and "ERROR" in first and "e359221b" in first
        assert "Caught error: id" in first
        assert "GET /v2/" in entries[2].content.plain and "→ 500" in entries[2].content.plain
        assert view.cursor_row is entries[0]  # opens on the ERROR record

        await pilot.press("enter")
        await pilot.press("j", "j", "enter")
        await pilot.pause()
        selected = [m for m in app.messages if isinstance(m, RequestStoryView.EntrySelected)]
        assert [m.entry for m in selected] == [seed_story.entries[0], seed_story.entries[2]]


async def test_story_view_without_story_says_so() -> None:
    view = RequestStoryView()
    app = Host(view)
    async with app.run_test(size=SIZE) as pilot:
        view.empty_text = "This record carries no request id."
        await pilot.pause()
        assert [row.content.plain for row in view.rows] == ["This record carries no request id."]
        await pilot.press("enter", "j")  # nothing to select: no message, no error
        assert app.messages == []


# -- HttpExplanation and FaultPanel ------------------------------------------------------
async def test_http_explanation() -> None:
    panel = HttpExplanation()
    app = Host(panel)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not panel.display or panel.has_class("-empty")
        panel.status = 500
        await pilot.pause()
        text = text_of(panel)
        assert text.startswith("500 Internal Server Error")
        assert "First step:" in text
        panel.lang = "zh"
        await pilot.pause()
        assert text_of(panel).startswith("500 ") and "First step:" not in text_of(panel)
        panel.status = None
        await pilot.pause()
        assert panel.has_class("-empty")


async def test_fault_panel_shows_the_matched_fault(seed_selection: Selection) -> None:
    panel = FaultPanel(matcher=glance_fault_matcher())
    app = Host(panel)
    async with app.run_test(size=SIZE) as pilot:
        panel.record = seed_selection.record
        await workers_settled(app)
        await pilot.pause()
        text = text_of(panel)
        assert "Known fault: glanceclient AttributeError: id" in text
        assert "_translate_from_glance" in text  # the excerpt of the match
        assert "Cause: urllib3" in text
        assert "1. Check the library versions." in text and "3. Restart nova-api." in text
        assert "https://bugs.launchpad.net/bugs/1476770" in text

        panel.matcher = FaultMatcher([])
        panel.record = seed_selection.record
        await workers_settled(app)
        await pilot.pause()
        assert "No known fault matches; signature: AttributeError: id" in text_of(panel)


def test_excerpts_keep_the_match_in_view() -> None:
    text = "first line\n" + "x" * 300 + " NEEDLE " + "y" * 300 + "\nlast"
    start = text.index("NEEDLE")
    [(line, ranges)] = excerpts(text, [(start, start + 6)], width=80)
    assert len(line) <= 82 and line.startswith("…") and line.endswith("…")
    a, b = ranges[0]
    assert line[a:b] == "NEEDLE"
    assert excerpts(text, [(5, 4000)]) == []  # a span outside the text is ignored


# -- DetailPane --------------------------------------------------------------------------
async def test_detail_pane_on_the_seed_error(
    seed_files: list[LogFile], seed_selection: Selection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OSTUI_REPORT_DIR", str(tmp_path))
    pane = DetailPane(files=seed_files)
    app = Host(pane)
    async with app.run_test(size=SIZE) as pilot:
        pane.selection = seed_selection
        await workers_settled(app)
        await pilot.pause()
        story = pane.query_one(RequestStoryView).story
        assert story is not None and len(story.entries) == 3
        assert "Caught error: id" in text_of(pane.query_one("#detail-summary", Static))
        http = pane.query_one(HttpExplanation)
        assert http.status == 500 and "500 Internal Server Error" in text_of(http)
        assert pane.query_one(FaultPanel).record is seed_selection.record

        await pilot.press("t")
        await pilot.pause()
        assert pane.query_one(TabbedContent).active == "traceback"
        assert pane.has_class("-tab-traceback") and not pane.has_class("-tab-story")
        assert isinstance(app.focused, TracebackFrames)
        tb_view = pane.query_one(TracebackView)
        assert text_of(tb_view.query_one("#tb-exception", Static)) == "AttributeError: id"
        await pilot.press("r")
        assert pane.query_one(TabbedContent).active == "record"
        await pilot.press("s")
        assert pane.query_one(TabbedContent).active == "story"

        pane.action_copy_report()  # `c` is the app's key (it works from every pane)
        await workers_settled(app)
        await pilot.pause()
        report = tmp_path / f"ostui-report-{SEED_REQUEST}.txt"
        assert report.is_file()
        text = report.read_text()
        assert "AttributeError: id" in text and SEED_REQUEST in text and "500" in text
        assert app.clipboard == text
        assert not (SEED_LOG.parent / report.name).exists()


async def test_detail_pane_on_the_access_line_diagnoses_the_request(
    seed_files: list[LogFile], seed_story: RequestStory
) -> None:
    access = seed_story.entries[2]
    pane = DetailPane(files=seed_files)
    app = Host(pane)
    async with app.run_test(size=SIZE) as pilot:
        pane.selection = Selection(access.file, access.record)
        await workers_settled(app)
        await pilot.pause()
        story_view = pane.query_one(RequestStoryView)
        cursor = story_view.cursor_row
        assert cursor is not None and isinstance(cursor.data, StoryEntry)
        assert cursor.data.record.offset == access.record.offset
        # The access line has no traceback: the story's error record supplies it.
        assert pane.query_one(TracebackView).traceback == seed_story.entries[0].record.traceback
        assert "AttributeError: id" in text_of(pane.query_one("#detail-tb-summary", Static))
        assert pane.query_one(HttpExplanation).status == 500


def test_raw_record_keeps_the_text_and_highlights_the_traceback(seed_selection: Selection) -> None:
    rec = seed_selection.record
    content = raw_record(rec)
    assert content.plain == rec.text
    assert len(content.spans) > 40  # prefixes muted, traceback tokens highlighted


# -- build_report ------------------------------------------------------------------------
def test_build_report_with_the_story(seed_selection: Selection, seed_story: RequestStory) -> None:
    text = build_report(seed_selection, seed_story, "en", matcher=glance_fault_matcher())
    assert text.startswith(f"ostui report: request {SEED_REQUEST}")
    assert "Level:    ERROR" in text and "Logger:   nova.api.openstack" in text
    assert "500 Internal Server Error" in text and "First step:" in text
    assert "glanceclient AttributeError: id [test-glance-id]" in text
    assert "  1. Check the library versions." in text and "  3. Restart nova-api." in text
    assert f"Request story: {SEED_REQUEST} (3 records)" in text
    assert "2016-06-10 21:49:30.191   +0.000s  controller/nova  ERROR    Caught error: id" in text
    assert "HTTP GET /v2/" in text and "-> 500" in text
    tb = seed_selection.record.traceback
    assert tb is not None
    assert traceback_text(tb) in text
    assert text.count("Traceback (most recent call last):") == 1  # the selected record is in the story


def test_build_report_without_story_or_known_fault(seed_selection: Selection) -> None:
    text = build_report(seed_selection, None, "en", matcher=FaultMatcher([]))
    assert "No known fault matches; signature: AttributeError: id" in text
    assert "(not searched)" in text
    assert "AttributeError: id" in text
    assert "HTTP status" not in text  # the record itself has no HTTP fields


def test_build_report_in_chinese(seed_selection: Selection, seed_story: RequestStory) -> None:
    text = build_report(seed_selection, seed_story, "zh", matcher=FaultMatcher([]))
    assert "500 Internal Server Error" not in text and "\n500 " in text


def test_report_file_names(seed_selection: Selection, tmp_path: Path) -> None:
    assert report_filename(seed_selection, None) == f"ostui-report-{SEED_REQUEST}.txt"
    rec = seed_selection.record
    anonymous = Selection(seed_selection.file, replace(rec, request_id=None, offset=5971))
    assert report_filename(anonymous, None) == "ostui-report-nova-api.log-5971.txt"
    path = write_report("hello\n", anonymous, None, tmp_path)
    assert path == tmp_path / "ostui-report-nova-api.log-5971.txt" and path.read_text() == "hello\n"


def test_read_context_reads_only_python_code_in_library_folders(tmp_path: Path) -> None:
    """A log line can name any file as a frame: root must not show /etc/shadow's lines."""
    secret = tmp_path / "etc" / "shadow"
    secret.parent.mkdir()
    secret.write_text("root:$6$secret:19000:0:99999:7:::\n")
    config = tmp_path / "etc" / "local_settings.py"  # Horizon's settings hold SECRET_KEY
    config.write_text("SECRET_KEY = 'x'\n")
    code = tmp_path / "site-packages" / "nova"
    code.mkdir(parents=True)
    link = code / "api.py"
    link.symlink_to(secret)  # looks like code, resolves outside
    fifo = code / "fifo.py"
    os.mkfifo(fifo)
    for path, why in ((secret, "not Python code"), (config, "not Python code"), (link, "not Python code")):
        got = read_context(str(path), 1)
        assert got.lines == () and why in (got.note or ""), (path, got)
    got = read_context(str(fifo), 1)  # must not block in open()
    assert got.lines == () and "not a regular file" in (got.note or "")


async def test_the_same_record_selected_again_while_its_story_is_searched_keeps_the_search(
    seed_files: list[LogFile], seed_selection: Selection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A filtered view growing with the index is made again every half second, its cursor
    # on the same record: each time the record comes again in a new selection. The search
    # under way is kept, not started again (on a 1 GiB log each read the file again).
    from ostui.tui.widgets import detail

    searches: list[str] = []
    real_search = detail.search_request

    def slow_search(files: list[LogFile], rid: str, **kw: Any) -> RequestStory:
        searches.append(rid)
        time.sleep(0.3)
        return real_search(files, rid, **kw)

    monkeypatch.setattr(detail, "search_request", slow_search)
    pane = DetailPane(files=seed_files)
    app = Host(pane)
    async with app.run_test(size=SIZE) as pilot:
        pane.selection = seed_selection
        for _ in range(3):
            await pilot.pause(0.05)
            pane.selection = Selection(seed_selection.file, seed_selection.record)  # a new view's
        await workers_settled(app)
        await pilot.pause()
        story = pane.query_one(RequestStoryView).story
        assert story is not None and len(story.entries) == 3
        assert searches == [SEED_REQUEST]
        assert pane.searching is None


async def test_the_pane_opens_on_the_story_tab_without_making_its_styles_again(
    seed_files: list[LogFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its classes are set before it is mounted: a change of class once mounted applies the
    # app's CSS to the whole pane again (13 ms, while a big log is being indexed).
    restyled: list[int] = []
    monkeypatch.setattr(DetailPane, "update_node_styles", lambda self, animate=True: restyled.append(1))
    pane = DetailPane(files=seed_files)
    app = Host(pane)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert pane.has_class("-tab-story") and pane.query_one(TabbedContent).active == "story"
        assert restyled == []
        await pilot.press("t")
        await pilot.pause()
        assert pane.has_class("-tab-traceback") and not pane.has_class("-tab-story")
        assert len(restyled) == 1  # both classes changed at once
