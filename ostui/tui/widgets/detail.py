"""The detail pane: the selected record, its diagnosis, and its request's story.

Data down: the app sets `files` (every loaded file) and `selection`; `lang` picks the
language of the explanations. The pane finds the request's story in a worker and pushes
what it derives (traceback, HTTP status, record to diagnose) down to its children.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Self, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from ...core.i18n import _
from ...core.indexing.logset import LogFile
from ...core.model import Record, TracebackFrame
from ...core.parsing.tracebacks import innermost_openstack_frame
from ...core.stream.requests import RequestStory, search_request
from ...core.textsafe import visible
from ..failures import ForwardsWorkerFailures
from ..level_styles import level_style
from ..report import (
    build_report,
    diagnosis_entry,
    http_status_of,
    report_dir,
    request_id_of,
    write_report,
)
from ..selection import Selection
from .fault_panel import FaultPanel
from .http_panel import HttpExplanation
from .story_view import RequestStoryView, http_line
from .traceback_view import PACKAGE_DIR, TracebackView
from .waterfall import WaterfallView

_TAB_FOCUS = {"story": "#detail-story", "traceback": "#detail-traceback", "record": "#detail-raw-scroll"}
RAW_HIGHLIGHT_LIMIT = 64 << 10  # characters of a record highlighted; bigger ones are drawn plain
RAW_SHOW_LIMIT = 1 << 20  # characters of a record drawn at all; the report and the file have the rest


_Panel = TypeVar("_Panel", HttpExplanation, FaultPanel)


def _brief(panel: _Panel) -> _Panel:
    """`panel` brief from the start, before it is mounted (its class says so already)."""
    panel.set_reactive(type(panel).brief, True)
    return panel


def _nothing() -> Content:
    return Content.styled(_("No record selected."), "$foreground-muted")


def _stamp(rec: Record) -> str:
    return rec.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if rec.timestamp else _("no time")


def record_summary(selection: Selection, brief: bool = False) -> Content:
    """Time, node/component, level, logger, ids, HTTP fields and the message (its first
    line when `brief`), and the file's whole path (names are cut in the tree and stream)."""
    rec = selection.record
    lf = selection.file
    muted = "$foreground-muted"
    head = Content.assemble(
        (_stamp(rec), muted),
        "  ",
        (visible(f"{lf.node}/{lf.component}"), "$text-primary"),
        "  ",
        (rec.level.name, level_style(rec.level)),
        "  ",
        (rec.logger or "-", "$text-accent"),
        (f"  pid {rec.pid}" if rec.pid is not None else "", muted),
    )
    ids = Content.assemble(
        (_("request") + " ", muted),
        (rec.request_id or "-", "$text-accent"),
        ("  " + _("global") + " ", muted),
        (rec.global_request_id or "-", "$text-accent"),
    )
    lines = [head, ids]
    if not brief:
        lines.append(Content.assemble((_("file") + " ", muted), (visible(str(lf.path)), "$text-primary")))
    http = http_line(rec)
    if http is not None:
        extra = []
        if rec.http is not None and rec.http.duration is not None:
            extra.append(f"{rec.http.duration:.3f}s")
        if rec.http is not None and rec.http.microversion:
            extra.append(f"microversion {rec.http.microversion}")
        facts = ("  " + ", ".join(extra)) if extra else ""
        lines.append(Content.assemble(("HTTP ", muted), http, (facts, muted)))
    headline, after = rec.headline()
    # An empty head reads from its first non-blank body line on, as the stream shows it.
    message = headline.split("\n") if after is rec.body else [headline, *after]
    shown = 1 if brief else 3
    text = "\n".join(message[:shown]) + ("\n…" if len(message) > shown and not brief else "")
    lines.append(Content(text or _("(no message)")))
    return Content("\n").join(lines)


def _frame_text(frame: TracebackFrame) -> str:
    # The package-relative path: the interpreter's prefix says nothing in a summary.
    return f"{PACKAGE_DIR.sub('', frame.path)}:{frame.lineno} in {frame.function}"


def traceback_summary(
    rec: Record, selected: Record, where: str | None, brief: bool = False
) -> Content | None:
    """The final exception and where it was raised (only the exception when `brief`);
    None without a traceback."""
    tb = rec.traceback
    if tb is None or not tb.sections:
        return None
    first = tb.exc_message.split("\n", 1)[0]
    exception = f"{tb.exc_type}: {first}" if first and tb.exc_type else (tb.exc_type or first)
    parts = [Content.assemble((_("Traceback") + " ", "bold"), (exception, "$text-error bold"))]
    if brief:
        return parts[0]
    frame = innermost_openstack_frame(tb)
    last = tb.frames[-1] if tb.frames else None
    if last is not None:
        parts.append(Content.assemble((_("raised in") + " ", "$foreground-muted"), _frame_text(last)))
    if frame is not None and frame is not last:
        parts.append(Content.assemble((_("OpenStack frame") + " ", "$foreground-muted"), _frame_text(frame)))
    if rec is not selected and where:
        parts.append(
            Content.styled(_("from the request's record {where}", where=where), "$foreground-muted italic")
        )
    return Content("\n").join(parts)


def raw_record(rec: Record) -> Content:
    """The record's text as logged; continuation lines keep their log prefix (muted) and the
    rest is highlighted as a Python traceback when there is one."""
    text = rec.text[:RAW_SHOW_LIMIT]
    cut = len(rec.text) - len(text) + rec.truncated
    tail = "\n… " + _("{count} more characters not shown", count=cut) if cut > 0 else ""
    lines = text.split("\n")
    body = rec.body[: len(lines) - 1]
    if rec.traceback is None or len(text) > RAW_HIGHLIGHT_LIMIT or not body:
        return Content(text) + Content.styled(tail, "$foreground-muted")
    # Each continuation line is `<prefix><body line>`: highlight the bodies together.
    prefixes = []
    for line, rest in zip(lines[1:], body, strict=False):
        prefixes.append(line[: len(line) - len(rest)] if line.endswith(rest) else None)
    if any(p is None for p in prefixes):
        return Content(text) + Content.styled(tail, "$foreground-muted")
    from textual.highlight import highlight  # (pygments: imported with the first traceback shown)

    code = highlight("\n".join(body), language="pytb")
    out = [Content(lines[0])]
    start = 0
    for prefix, rest in zip(prefixes, body, strict=True):
        out.append(Content.styled(prefix or "", "$foreground-muted") + code[start : start + len(rest)])
        start += len(rest) + 1
    out.extend(Content(line) for line in lines[1 + len(body) :])
    return Content("\n").join(out) + Content.styled(tail, "$foreground-muted")


class DetailPane(ForwardsWorkerFailures, Vertical):
    """Summary, diagnosis (traceback summary, HTTP explanation, known fault) and the tabs
    Story / Traceback / Record of the selected record.

    Data down: `files`, `selection`, `lang`. Messages up: the children's
    (`RequestStoryView.EntrySelected`, `TracebackView.FrameSelected`) bubble through.

    The diagnosis is brief until expanded (`enter` on it, or `e` anywhere): one line for
    the HTTP status and one for the known fault, so the stream stays in view at 80x24.
    """

    ALLOW_MAXIMIZE = True

    DEFAULT_CSS = """
    DetailPane {
        & > #detail-top {
            height: auto;
            max-height: 50%;
            scrollbar-gutter: stable;
        }
        #detail-summary { height: auto; padding: 0 1; }
        #detail-diagnosis { height: auto; margin-top: 1; }
        &.-brief #detail-diagnosis, &.-brief #detail-fault { margin-top: 0; }
        &.-brief > #detail-top { max-height: 65%; }
        &.-brief #detail-diagnosis { layout: vertical; }
        &.-brief #detail-tb-summary { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
        #detail-tb-summary { width: 1fr; height: auto; padding: 0 1; }
        #detail-tb-summary.-empty { display: none; }
        #detail-http { width: 1fr; }
        #detail-fault { margin-top: 1; }
        /* Reading a traceback or a raw record: the tab gets most of the height. */
        &.-tab-traceback > #detail-top, &.-tab-record > #detail-top { max-height: 30%; }
        & > #detail-tabs { height: 1fr; }
        #detail-raw { padding: 0 1; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "show_story", "Story", show=True, id="show_story"),
        Binding("t", "show_traceback", "Traceback", show=True, id="show_traceback"),
        Binding("r", "show_raw", "Record", show=True, id="show_raw"),
        Binding("enter", "toggle_header", "Expand diagnosis", show=False, id="detail.expand"),
    ]

    selection: reactive[Selection | None] = reactive(None, always_update=True, init=False)
    """The selected record; its request's story is searched in a worker."""

    lang: reactive[str] = reactive("en")
    """Language of the HTTP explanation and the report's explanation: "en" or "zh"."""

    story: reactive[RequestStory | None] = reactive(None, always_update=True, init=False)
    """The selected record's request story, set when the worker has found it."""

    expanded: reactive[bool] = reactive(False, init=False)
    """The whole diagnosis (HTTP explanation, the fault's cause and fix) instead of a line each."""

    class StoryLoaded(Message):
        """The story worker finished for `selection` (stale when the selection changed)."""

        def __init__(
            self, selection: Selection, story: RequestStory | None, error: str | None = None
        ) -> None:
            super().__init__()
            self.selection = selection
            self.story = story
            self.error = error

    class ReportWritten(Message):
        """The report worker wrote `path` (or failed with `error`)."""

        def __init__(self, path: Path | None, text: str, error: str | None = None) -> None:
            super().__init__()
            self.path = path
            self.text = text
            self.error = error

    def __init__(
        self,
        *,
        files: Sequence[LogFile] = (),
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # Brief, on the first tab: classes set before it is mounted (set in `compose`, or
        # when the tabs say which is open, each made the pane's styles again: 13 ms).
        self.add_class("-brief", "-tab-story", update=False)
        self.files: Sequence[LogFile] = files
        self.searching: str | None = None  # the id being searched, for the story's placeholder
        self.shown: Selection | None = None  # the selection last drawn (set before mounting: none)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-top"):
            yield Static(_nothing(), id="detail-summary")
            with Horizontal(id="detail-diagnosis"):
                yield Static(id="detail-tb-summary", classes="-empty")
                yield _brief(HttpExplanation(id="detail-http", classes="-brief")).data_bind(DetailPane.lang)
            yield _brief(FaultPanel(id="detail-fault", classes="-brief")).data_bind(DetailPane.lang)
        # The first tab (the story) opens first. Not named as `initial`: Textual's tabs then
        # raised when ostui quit as they were mounted (their tabs already gone).
        with TabbedContent(id="detail-tabs"):
            with TabPane(_("Story"), id="story"):
                yield WaterfallView(id="detail-waterfall")
                yield RequestStoryView(id="detail-story")
            with TabPane(_("Traceback"), id="traceback"):
                yield TracebackView(id="detail-traceback")
            with TabPane(_("Record"), id="record"), VerticalScroll(id="detail-raw-scroll"):
                yield Static(id="detail-raw")

    # -- focus and tabs ---------------------------------------------------------------
    def focus(self, scroll_visible: bool = True) -> Self:
        # The pane itself takes no keys: focusing it focuses the open tab's content.
        if self.is_mounted:
            active = self.query_one("#detail-tabs", TabbedContent).active
            self.query_one(_TAB_FOCUS.get(active, "#detail-story")).focus(scroll_visible)
        return self

    def _show_tab(self, tab: str) -> None:
        self.query_one("#detail-tabs", TabbedContent).active = tab
        self.focus()

    @on(TabbedContent.TabActivated, "#detail-tabs")
    def _tab_activated(self, message: TabbedContent.TabActivated) -> None:
        # A class per open tab, so the layout (ours or the app's CSS) can follow it.
        active = message.tabbed_content.active
        self.update_classes({f"-tab-{tab}": tab == active for tab in _TAB_FOCUS})  # one restyle

    def action_toggle_header(self) -> None:
        self.expanded = not self.expanded

    def watch_expanded(self, expanded: bool) -> None:
        self.set_class(not expanded, "-brief")
        self.query_one("#detail-http", HttpExplanation).brief = not expanded
        self.query_one("#detail-fault", FaultPanel).brief = not expanded
        if self.selection is not None:
            self.query_one("#detail-summary", Static).update(record_summary(self.selection, not expanded))
            self._diagnose()

    def on_mount(self) -> None:
        # (Not when ostui quits as the pane is mounted: its parts are gone already.)
        if self.selection is not None and self.query("#detail-tabs"):  # set before it was mounted
            self.watch_selection(self.selection)

    def action_show_story(self) -> None:
        self._show_tab("story")

    def action_show_traceback(self) -> None:
        self._show_tab("traceback")

    def action_show_raw(self) -> None:
        self._show_tab("record")

    # -- selection -> story -----------------------------------------------------------
    def watch_selection(self, selection: Selection | None) -> None:
        if not self.is_mounted:
            return
        self.shown = selection
        story_view = self.query_one("#detail-story", RequestStoryView)
        if selection is None:
            self.searching = None
            self.query_one("#detail-summary", Static).update(_nothing())
            self.query_one("#detail-raw", Static).update("")
            story_view.empty_text = _("No record selected.")
            self.story = None
            return
        rec = selection.record
        self.query_one("#detail-summary", Static).update(record_summary(selection, not self.expanded))
        self.query_one("#detail-raw", Static).update(raw_record(rec))
        rid = request_id_of(rec)
        current = self.story
        if rid is not None and current is not None and rid in current.ids:
            self.searching = None
            self.story = current  # same request: no new search, the diagnosis is redone
            return
        if rid is not None and rid == self.searching:
            # Already looked for (the same record in a new view, one each half second while
            # a filtered view grows with the index): its story comes; starting again would
            # read every file again, and none would end while the views keep coming.
            return
        self.story = None
        if rid is None:
            self.searching = None
            story_view.empty_text = _("This record carries no request id.")
            return
        self.searching = rid
        story_view.empty_text = _(
            "Searching {request} in {count} files…", request=rid, count=len(self._search_files(selection))
        )
        self._search_story(selection, self._search_files(selection), rid)

    def _search_files(self, selection: Selection) -> list[LogFile]:
        files = [f for f in self.files if f.index is not None]
        if not any(f is selection.file for f in files):
            files.append(selection.file)  # the app may not have told us about every file yet
        return files

    @work(
        thread=True,
        exclusive=True,
        group="detail-story",
        exit_on_error=False,
        description="find the request across services",
    )
    def _search_story(self, selection: Selection, files: list[LogFile], rid: str) -> None:
        try:
            worker = get_current_worker()
            story: RequestStory | None = search_request(files, rid, cancelled=lambda: worker.is_cancelled)
            error = None
        except Exception as exc:  # shown to the user, never swallowed
            story, error = None, f"searching {rid} failed: {exc}"
        if not get_current_worker().is_cancelled:
            self.post_message(self.StoryLoaded(selection, story, error))

    @on(StoryLoaded)
    def _story_loaded(self, message: StoryLoaded) -> None:
        message.stop()
        if self.selection is None or self.searching != request_id_of(message.selection.record):
            return  # the user moved on; a newer search is running
        story_view = self.query_one("#detail-story", RequestStoryView)
        self.searching = None
        if message.error:
            story_view.empty_text = message.error
            self.notify(message.error, severity="error")
        self.story = message.story

    def watch_story(self, story: RequestStory | None) -> None:
        if not self.is_mounted:
            return
        story_view = self.query_one("#detail-story", RequestStoryView)
        waterfall = self.query_one("#detail-waterfall", WaterfallView)
        story = waterfall.narrowed(story, self.selection)  # a long-lived context: its window
        story_view.story = story
        waterfall.story = story
        if story is not None and self.selection is not None:
            # The story opens on the selected record, not only on its worst one.
            story_view.move_to_record(self.selection.file, self.selection.record.offset)
        self._diagnose()

    @on(WaterfallView.Widened)
    def _widened(self, message: WaterfallView.Widened) -> None:
        message.stop()
        self.story = self.story  # cut again, wider

    @on(WaterfallView.SpanSelected)
    def _span_selected(self, message: WaterfallView.SpanSelected) -> None:
        """Enter on a span: the story's cursor on the span's first record."""
        message.stop()
        story_view = self.query_one("#detail-story", RequestStoryView)
        first = message.span.entries[0]
        story_view.move_to_record(first.file, first.record.offset)
        story_view.focus()

    def _diagnose(self) -> None:
        """Push what the selection and its story say down to the diagnosis widgets."""
        selection = self.selection
        tb_summary = self.query_one("#detail-tb-summary", Static)
        http = self.query_one("#detail-http", HttpExplanation)
        fault = self.query_one("#detail-fault", FaultPanel)
        tb_view = self.query_one("#detail-traceback", TracebackView)
        if selection is None:
            tb_summary.add_class("-empty")
            http.status = None
            fault.record = None
            tb_view.traceback = None
            return
        story = self.story
        record, entry = diagnosis_entry(selection, story)
        where = None
        if entry is not None:
            since = f" +{entry.since_first:.3f}s" if entry.since_first is not None else ""
            where = visible(f"{entry.file.node}/{entry.file.component}{since}")
        summary = traceback_summary(record, selection.record, where, brief=not self.expanded)
        tb_summary.set_class(summary is None, "-empty")
        tb_summary.update(summary or "")
        http.status = http_status_of(selection, story)
        if fault.record is not record:
            fault.record = record
        if tb_view.traceback is not record.traceback:
            tb_view.traceback = record.traceback

    # -- the report -------------------------------------------------------------------
    def action_copy_report(self) -> None:
        """Write the report file, copy it to the clipboard (OSC 52) and say where it is."""
        selection = self.selection
        if selection is None:
            self.notify(_("Select a record first."), severity="warning")
            return
        story = self.query_one("#detail-waterfall", WaterfallView).narrowed(self.story, selection)
        self._write_report(selection, story, self.lang, self._search_files(selection), report_dir())

    @work(
        thread=True, exclusive=True, group="detail-report", exit_on_error=False, description="write a report"
    )
    def _write_report(
        self,
        selection: Selection,
        story: RequestStory | None,
        lang: str,
        files: list[LogFile],
        directory: Path,
    ) -> None:
        try:
            rid = request_id_of(selection.record)
            if story is None and rid is not None:
                story = search_request(files, rid)  # the search had not finished: finish it here
            text = build_report(selection, story, lang)
            path = write_report(text, selection, story, directory)
        except Exception as exc:  # reported to the user by the handler
            self.post_message(self.ReportWritten(None, "", f"report not written: {exc}"))
            return
        self.post_message(self.ReportWritten(path, text))

    @on(ReportWritten)
    def _report_written(self, message: ReportWritten) -> None:
        message.stop()
        if message.error or message.path is None:
            self.notify(message.error or _("report not written"), severity="error")
            return
        self.app.copy_to_clipboard(message.text)
        self.notify(
            _("Report written to {path} and copied to the clipboard.", path=message.path), title=_("Report")
        )
