"""The ostui browser: tree, stream and detail panes over the engine."""

from __future__ import annotations

import functools
import gc
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from ..core.i18n import _
from ..core.indexing.logset import LogFile
from ..core.levels import Level
from ..core.model import Record
from ..core.stream.marks import Mark
from ..core.stream.requests import RequestIndex
from ..core.stream.view import ALL_LEVELS, Filters, StreamView
from ..core.stream.window import Cut
from ..core.textsafe import visible
from ..core.timekeys import parse_user_time
from ..session import Options, Session, loops, nothing_found
from ..session.startup import Sources, at_least, find_sources, initial_filters, shown_while_indexing
from . import strip_cycles
from .commands import OstuiCommands
from .failures import forward_failure, what_failed
from .hangup import SignalExit
from .keys import APP_BINDINGS, KeyActions
from .messages import (
    ClocksEstimated,
    FileIndexed,
    FilesChanged,
    IndexGrew,
    IndexingDone,
    IndexProgress,
    NewAlert,
    OlderFetched,
    SourcesLoaded,
    ViewReady,
    WorkerFailed,
)
from .screens.help import HelpScreen
from .screens.prompt import PromptScreen
from .startup import make_args
from .throttle import Throttle
from .widgets.footer import OstuiFooter
from .widgets.log_stream import LogStream

if TYPE_CHECKING:
    from ..core.live.remote import Mirror
    from .widgets.detail import DetailPane
from .widgets.source_tree import SourceTree
from .widgets.story_view import RequestStoryView

DETAIL_DELAY = 0.08  # seconds the cursor rests before the detail pane follows it
# ... when the live tail moved it: a busy log moves it at every draw, faster than anyone reads
# a detail pane, and each showing lays the pane out again (keys waited behind them)
DETAIL_FOLLOWED_DELAY = 0.5
COUNTS_EVERY = 0.25  # seconds between refreshes of the tree's counts while indexing or following
SWITCH_INTERVAL = 0.001  # seconds a thread may hold the GIL while another waits (Python's: 0.005)
FILTERING_SAID_AFTER = 0.05  # seconds a view is built before the status says "filtering"
GROWN_EVERY = 0.5  # seconds between filtered views of what is indexed so far, while indexing
# seconds between redraws of a followed stream's new rows and the status bar's counts: the
# follower looks 20 times a second, and a redraw each time left keys waiting behind them
DRAW_GROWTH_EVERY = 0.1
TAKE_IN_RETRY = 0.1  # seconds before followed records are taken in again, the lock being busy
THEN_INDEXED_BACKSTOP = 0.5  # seconds after indexing ends that requests and following start at the latest
FULL_GC_EVERY = 10.0  # seconds between the app's own full garbage collections, once indexed
FULL_GC_BACKSTOP = 1000  # middle-generation collections between Python's own full ones (default 10)
LEVEL_CYCLE = (None, Level.INFO, Level.WARNING, Level.ERROR)


class RightColumn(Vertical):
    """Stream above detail; the detail gets more height while it has the focus."""

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        detail = self.query("#detail").first() if self.query("#detail") else None
        reading = detail is not None and (event.widget is detail or detail in event.widget.ancestors)
        self.set_class(reading, "-reading")


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """


_Handler = TypeVar("_Handler", bound="Callable[[Any, Any], None]")


def worker_news(handler: _Handler) -> _Handler:
    """A handler of what a worker posts: the news is dropped once the screen's widgets are
    gone. A worker may finish while ostui quits; its message then comes after the widgets
    were removed, and a handler looking for them ended ostui with a traceback."""

    @functools.wraps(handler)
    def handle(self: OstuiApp, message: Any) -> None:
        if self.widgets_up():
            handler(self, message)

    return handle  # type: ignore[return-value]


class OstuiApp(KeyActions, App[int]):
    """Three panes: the log tree, the merged stream, and the selected record's detail."""

    CSS_PATH = "ostui.tcss"
    TITLE = "ostui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide"), (160, "-widest")]
    BINDINGS: ClassVar[list[BindingType]] = APP_BINDINGS  # keys.py: one list, remappable by id

    # A var: a new filter rebuilds the stream's view, which redraws it; a reactive would
    # repaint the whole screen at each key as well (20 ms on a wide one).
    filters: var[Filters] = var(Filters, init=False)

    def __init__(
        self, session: Session | Options | None = None, files: Sequence[LogFile] | None = None
    ) -> None:
        """Draws `session`; given options instead, the app opens a session of its own and
        closes it when it ends (tests, scenes). `files`: files built in code."""
        strip_cycles.install()
        super().__init__()
        self._owns_session = not isinstance(session, Session)
        self.session = session if isinstance(session, Session) else Session(session or make_args(demo=True))
        self._given_files = list(files) if files is not None else None
        self.index_clock = time.monotonic()  # when indexing began (its speed and what is left)
        self.counts = Throttle(self, COUNTS_EVERY, self._refresh_counts)  # the tree's, as records come
        self.growth = Throttle(self, DRAW_GROWTH_EVERY, self._draw_growth)  # rows appended, drawn
        self._rows_added = False  # the view grew since the last draw
        self._signal_exit = SignalExit(lambda code: self.exit(return_code=code), self.session.close)
        self.stream_files: list[LogFile] = []
        self.indexed = False
        self._fit_tree = False  # the tree fitted to its final counts with the first view of all
        self.status_text = _("looking for logs…")
        from ..core.i18n import set_language

        settings = self.load_settings()
        self.lang = set_language(self.session.options.lang or settings.language or "")
        self.early: Future[Sources] | None = None
        self.preview_shown = False
        self.index_started = False
        self.preview_files: list[LogFile] = []  # what the first screen shows while indexing
        self.grown: list[LogFile] = []  # files indexed so far, whole or from their start (parts)
        self.in_parts: dict[int, LogFile] = {}  # files indexed from their start, not yet whole
        self.grown_shown = 0.0  # when a filtered view last took in what was indexed
        self._grown_timer: Timer | None = None
        self._take_in_timer: Timer | None = None
        self._grown_waiting = False  # the index grew while a view was being built
        self.growing_shown = False  # the stream shows what was indexed so far
        self.index_words = ""  # how far indexing is, in the status bar's words
        self._gc_threshold: tuple[int, int, int] | None = None  # Python's, while the app sets its own
        self.clock: dict[str, int] = {}  # node -> µs added to its stamps (clock skew corrected)
        self._pending_detail: tuple[LogFile, Record] | None = None
        self._detail_held = False  # the pending detail waits for the indexing (record_highlighted)
        self._detail_timer: Timer | None = None
        self._detail: DetailPane | None = None  # mounted after the first screen
        self.unseen = 0  # records that arrived while the view was paused
        self.alert: tuple[LogFile, int] | None = None  # the first new error after the last mark
        self.failures: dict[str, str] = {}  # worker group -> why it stopped
        self._filters_changing = False  # a view for the latest filters is asked for
        self._switch_interval = sys.getswitchinterval()  # Python's, while the app sets its own
        self._filtering_timer: Timer | None = None  # says "filtering" if the view is slow
        self._then_indexed: Timer | None = None  # starts what waits for the whole stream drawn
        self._stream: LogStream | None = None  # set once mounted (see `widgets_up`)

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield SourceTree(id="tree")
            with RightColumn(id="right"):
                yield LogStream(id="stream")
                # The detail pane is mounted after the first screen is drawn: it is the
                # heaviest part to import and draw, and the operator reads the stream first.
                yield Static("", id="detail-slot")
        yield StatusBar(self.status_text, id="status")
        yield OstuiFooter()

    def mount_detail(self) -> None:
        """Put the real detail pane in place of its stand-in (once)."""
        if self._detail is not None:
            return
        from .widgets.detail import DetailPane

        pane = DetailPane(id="detail")
        pane.lang = self.lang
        pane.files = self.files
        self._detail = pane
        stand_in = self.query_one("#detail-slot")
        had_focus = self.focused is stand_in
        self.query_one(RightColumn).mount(pane, after=stand_in)
        stand_in.remove()
        if had_focus:
            pane.focus()
        if self._pending_detail is not None and not self._detail_held:
            self.show_detail(*self._pending_detail)

    def widgets_up(self) -> bool:
        """Whether the screen's widgets are there (not when ostui quits). A look at the
        stream the app keeps: a query of the screen for it took 0.2 ms, for each worker's
        news (60 while a 1 GiB file is indexed)."""
        return self._stream is not None and self._stream.is_attached

    def on_mount(self) -> None:
        # Each time the screen's thread reads a record (a `pread`) it lets the GIL go, and a
        # busy worker in Python (a request's story searched) kept it for the whole switch
        # interval: 5 ms per line drawn, 31-36 ms for a screen's 46 (1 ms: 3.4 ms).
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.apply_settings()
        if (self.session.options.theme or self.config.theme) == "light":  # the command line's first
            self.theme = "textual-light"
        self._signal_exit.install()
        self._stream = self.query_one(LogStream)
        self._stream.focus()
        initial = self._initial_filters()
        self.set_reactive(OstuiApp.filters, initial)
        self.load_sources()

    def _initial_filters(self) -> Filters:
        return initial_filters(self.session.options)

    @property
    def files(self) -> list[LogFile]:
        """Every file of the session (the session grows it, under its lock)."""
        return self.session.files

    @property
    def data_lock(self) -> threading.Lock:
        return self.session.lock

    @property
    def request_index(self) -> RequestIndex | None:
        return self.session.request_index

    @property
    def request_files(self) -> list[LogFile]:
        return self.session.request_files

    @property
    def marks(self) -> list[Mark]:
        return self.session.marks

    def on_unmount(self) -> None:
        self._signal_exit.uninstall()
        sys.setswitchinterval(self._switch_interval)
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)  # Python's own schedule again
        if self._owns_session:
            self.session.close()

    # -- workers: discovery, indexing, views --------------------------------------------------
    @work(
        thread=True, exclusive=True, group="discover", exit_on_error=False, description="find the log files"
    )
    def load_sources(self) -> None:
        if self.early is None:
            self.early = find_sources(self.session, self._given_files)
        tree, files, preview = self.early.result()
        # Set before the files are announced: their handler indexes at once when there is
        # no first screen to wait for.
        self.preview_shown = preview is not None
        self.post_message(SourcesLoaded(tree, files, preview.files if preview is not None else []))
        if preview is not None:
            self.post_message(ViewReady(preview, preview=True))

    @worker_news
    def on_sources_loaded(self, message: SourcesLoaded) -> None:
        for problem in self.session.problems:
            self.notify(problem, severity="error", timeout=20)
        if not self.files:
            self.query_one(LogStream).display = False
            self.set_status(nothing_found(message.tree))
            return
        tree = self.query_one(SourceTree)
        for mirror in self.mirrors:
            tree.remote[mirror.node.name] = mirror.node
            mirror.on_change = self._node_changed
        tree.load(self.files, skipped=message.tree.skipped)
        # As wide at once as the big files' counts will need, told from their tails.
        self.preview_files = message.previews
        self._refresh_counts()
        self.stream_files = [f for f in self.files if f.error is None]
        broken = [f for f in self.files if f.error]
        if broken:
            self.notify(
                _("could not read: ") + ", ".join(f"{f.path}: {f.error}" for f in broken[:5]),
                severity="warning",
                timeout=8,
            )
        self._set_detail_files()
        if not self.preview_shown:
            # Start-up found nothing to show before indexing (load_sources posts its preview).
            self.start_indexing()

    @work(thread=True, exclusive=True, group="index", exit_on_error=False, description="index the files")
    def index_files(self, files: list[LogFile]) -> None:
        self.index_clock = time.monotonic()

        def progress(done: int, total: int, files_done: int, files_total: int) -> None:
            self.post_message(IndexProgress(done, total, files_done, files_total))

        from textual.worker import get_current_worker

        worker = get_current_worker()
        loops.index_files(
            self.session,
            files,
            progress,
            lambda f: self.post_message(FileIndexed(f)),
            cancelled=lambda: worker.is_cancelled,
            grew=lambda f: self.post_message(IndexGrew(f)),
        )
        self.post_message(IndexingDone())

    @worker_news
    def on_index_progress(self, message: IndexProgress) -> None:
        from .widgets.status_words import indexing_words

        seconds = time.monotonic() - self.index_clock
        self.index_words = indexing_words(
            self.filters.describe(),
            message.done_bytes,
            message.total_bytes,
            message.files_done,
            message.files_total,
            seconds,
        )
        if self.growing_shown:
            self.update_status()  # the records shown so far, then how far the index is
        else:
            self.set_status(self.index_words)
        # The tree's counts grow with the index (a big file's parts join while it is read),
        # at most four times a second: each relabels the whole tree.
        self.counts.ask()

    @worker_news
    def on_file_indexed(self, message: FileIndexed) -> None:
        self.in_parts.pop(id(message.file), None)
        self._refresh_counts()  # fitted once all are
        self._take_in_grown(message.file)

    @worker_news
    def on_index_grew(self, message: IndexGrew) -> None:
        self.in_parts[id(message.file)] = message.file
        self._take_in_grown(message.file)

    def _take_in_grown(self, file: LogFile) -> None:
        """A file's index grew while indexing: a filter shown extends itself to the records
        indexed so far, at most every GROWN_EVERY seconds (each a new merge of them) and once
        more after the last growth. Unfiltered, the first screen stays as it is."""
        if self.indexed:
            return
        if all(f is not file for f in self.grown):
            self.grown.append(file)
        if self.filters == Filters() or self._grown_timer is not None:
            return
        if any(w.group == "view" and not w.is_finished for w in self.workers):
            # One view at a time: a new one would cancel the one under way, and on a big
            # file none would ever be shown. The next is built after it.
            self._grown_waiting = True
            return
        wait = GROWN_EVERY - (time.monotonic() - self.grown_shown)
        if wait <= 0:
            self._show_grown()
        else:
            self._grown_timer = self.set_timer(wait, self._show_grown)

    def _show_grown(self) -> None:
        self._grown_timer = None
        if not self.indexed:
            self.rebuild_view()

    @worker_news
    def on_indexing_done(self, message: IndexingDone) -> None:
        # What exists now lives as long as the app: keep the collector from walking it
        # again and again while live tail redraws churn short-lived objects.
        gc.freeze()
        # A full collection walks what lives (Textual's caches of drawn lines: 50,000-60,000
        # objects, 20-30 ms) to free little: drawn lines no longer leave cycles
        # (`strip_cycles`), only widgets' styles applied again do, a thousand objects a
        # second. Taken here on a slow clock rather than at random (Python's own stay as
        # a backstop), so that few keys wait for one.
        self._gc_threshold = young, middle, old = gc.get_threshold()
        gc.set_threshold(young, middle, max(old, FULL_GC_BACKSTOP))
        self.set_interval(FULL_GC_EVERY, self._collect_garbage, name="full collection")
        self.indexed = True
        # The final counts now; the tree as wide as they need once the whole stream is shown,
        # in that frame: one layout of the screen, not one for each (50-70 ms each on 1 GiB).
        self.query_one(SourceTree).refresh_counts(growing=True)
        self._fit_tree = True
        self.rebuild_view()
        # The request ids are read and the files followed once the whole stream is drawn:
        # started with its view, their reading held the GIL from the frame that says N of N
        # (drawn 75 ms after the last part, 54 ms without them). A backstop starts them
        # if that frame is not drawn (a filter changed meanwhile).
        self._then_indexed = self.set_timer(THEN_INDEXED_BACKSTOP, self._start_then_indexed)

    def _start_then_indexed(self) -> None:
        if self._then_indexed is None:
            return
        self._then_indexed.stop()
        self._then_indexed = None
        if self._detail_held and self._detail_timer is None:  # (a view of all shows it too)
            self._detail_held = False
            self._detail_timer = self.set_timer(DETAIL_DELAY, self._show_pending_detail)
        self.build_request_index()
        if self.following:
            self.follow_files()

    def _collect_garbage(self) -> None:
        gc.collect()

    @work(thread=True, exclusive=True, group="requests", exit_on_error=False, description="index request ids")
    def build_request_index(self) -> None:
        """Every request id -> its records, for "go to request…" (in the background)."""
        from textual.worker import get_current_worker

        worker = get_current_worker()
        loops.index_requests(self.session, lambda: worker.is_cancelled)

    # -- clock skew between nodes ----------------------------------------------------------------
    def action_clock_skew(self) -> None:
        if self.request_index is None:
            self.notify(_("still indexing: the clocks are compared once request ids are known"), timeout=3)
            return
        self.estimate_clocks()

    @work(thread=True, exclusive=True, group="clock", exit_on_error=False, description="estimate clock skew")
    def estimate_clocks(self) -> None:
        from ..core.stream.skew import estimate_skew
        from .screens.clock import NodeClock

        index, files = self.request_index, self.request_files
        assert index is not None
        skews = {s.node: s for s in estimate_skew(files, index)}
        beats = {m.node.name: m.clock_offset for m in self.mirrors}
        nodes = sorted({f.node for f in files} | set(beats))
        clocks = [NodeClock(n, skews.get(n), beats.get(n)) for n in nodes]
        self.post_message(ClocksEstimated(clocks, skews))

    @worker_news
    def on_clocks_estimated(self, message: ClocksEstimated) -> None:
        from ..core.stream.skew import corrections
        from .screens.clock import ClockScreen

        def chosen(toggle: bool | None) -> None:
            if not toggle:
                return
            fix = (
                {}
                if self.clock
                else {n: us for n, us in corrections(list(message.skews.values())).items() if us}
            )
            if not fix and not self.clock:
                self.notify(_("no skew to correct (no node shares requests with the reference)"), timeout=4)
                return
            self.clock = fix
            self.notify(
                _("stream corrected for clock skew") if fix else _("clock correction undone"), timeout=3
            )
            self.rebuild_view()

        self.push_screen(ClockScreen(message.clocks, bool(self.clock)), chosen)

    @property
    def following(self) -> bool:
        """Live files are followed; archives (--root, --demo) only with --follow."""
        if "follow" in self.failures:
            return False  # the follower stopped: never claim "live"
        return self.session.following

    @work(thread=True, exclusive=True, group="follow", exit_on_error=False, description="follow the files")
    def follow_files(self) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        loops.follow(self.session, lambda: worker.is_cancelled, lambda c: self.post_message(FilesChanged(c)))

    # -- remote nodes: older logs on demand --------------------------------------------------
    def on_log_stream_reached_top(self, message: LogStream.ReachedTop) -> None:
        if self.indexed and (self.session.windowed_out or any(m.has_older for m in self.mirrors)):
            self.action_fetch_older()

    def action_fetch_older(self) -> None:
        """Older records: those the memory window let go of, read back from disk, newest
        first; else the remote nodes' older logs (the heads before the backlog, then rotated files)."""
        if self.session.windowed_out:
            self.set_status(_("reading back older records from disk…"))
            self.read_back()
            return
        waiting = [m.node.name for m in self.mirrors if m.has_older]
        if not waiting:
            self.notify(
                _("no older logs left on the nodes") if self.mirrors else _("no remote nodes"), timeout=3
            )
            return
        self.set_status(_("fetching older logs from {nodes}…", nodes=", ".join(waiting)))
        self.fetch_older()

    @property
    def mirrors(self) -> list[Mirror]:
        return list(self.session.mirrors)

    @work(
        thread=True, exclusive=True, group="older", exit_on_error=False, description="read back older records"
    )
    def read_back(self) -> None:
        files = loops.read_back(self.session)
        count = sum(len(f.index) for f in files if f.index is not None)
        self.post_message(OlderFetched(files, _("{count} older records read back", count=f"{count:,}")))

    @work(thread=True, exclusive=True, group="older", exit_on_error=False, description="fetch older records")
    def fetch_older(self) -> None:
        self.post_message(OlderFetched(*loops.fetch_older(self.session)))

    @worker_news
    def on_older_fetched(self, message: OlderFetched) -> None:
        self.notify(message.note, timeout=3)
        if not message.files:
            self.update_status()
            return
        # Records read back stand in the stream beside their file, not in the tree.
        fetched = [f for f in message.files if f.read_back is None]
        self.stream_files.extend(f for f in message.files if f.error is None)
        if fetched:
            self.session.add_files(fetched)
            self.query_one(SourceTree).load(self.files, keep=True)
            self._set_detail_files()
            self.build_request_index()
        self.rebuild_view()

    def _node_changed(self, node: object) -> None:
        """A remote node changed state (called from its mirror's thread)."""
        self.call_from_thread(self.query_one(SourceTree).refresh_counts)

    @worker_news
    def on_files_changed(self, message: FilesChanged) -> None:
        tree = self.query_one(SourceTree)
        structural = False
        for change in message.changes:
            if change.kind in ("new", "truncated", "rotated", "gone", "gap", "problem"):
                structural = True
                if change.kind == "new" and change.file not in self.stream_files:
                    self.stream_files.append(change.file)  # the session listed it already
                elif change.kind == "gap" and change.file not in self.stream_files:
                    # A marker record where the gap is; the live file carries it as a problem
                    # (the tree's mark and the status bar's count).
                    self.stream_files.append(change.file)
                if change.note:
                    warn = change.kind in ("gap", "problem")
                    self.notify(
                        f"{change.file.node}/{change.file.component}: {change.note}",
                        severity="warning" if warn else "information",
                        timeout=10 if warn else 4,
                    )
        if structural:
            self.counts.last = time.monotonic()
            tree.load(self.files, keep=True)
            self._set_detail_files()
            self.rebuild_view()
            return
        self._take_in_followed()

    def _take_in_again(self) -> None:
        self._take_in_timer = None
        if self.widgets_up():
            self._take_in_followed()

    def _take_in_followed(self) -> None:
        """The records followed files gained, into the shown view (and the memory window
        applied). Never waits for the session's lock: a view being built holds it while it
        merges every record (seconds at a million), and the keys would wait with it (a 4.9 s
        `k` in bench_tail_load). Tried again shortly; `extend` takes in all appended since."""
        stream = self.query_one(LogStream)
        view = stream.view
        if view is None or not self.indexed or self.growing_shown:
            # Not the whole index's view yet (that one, under way, takes these records in).
            return
        if not self.session.lock.acquire(blocking=False):
            if self._take_in_timer is None:
                self._take_in_timer = self.set_timer(TAKE_IN_RETRY, self._take_in_again)
            return
        try:
            added = view.extend()
            cut = self.session.window(view.merged) if added is not None else None
            if cut is not None:
                self._after_cut(cut)
        finally:
            self.session.lock.release()
        if added is None:
            self.rebuild_view()
        elif added:
            self._rows_added = True
            if not stream.follow:
                self.unseen += added
        self.counts.ask()
        if self.marks:
            self.watch_for_errors()
        self.growth.ask()

    def _refresh_counts(self) -> None:
        if self.widgets_up():
            # While a big file's parts come, the tree is as wide as its counts will need.
            partial = [] if self.indexed else list(self.in_parts.values())
            tails = [] if self.indexed else self.preview_files
            self.query_one(SourceTree).refresh_counts(growing=not self.indexed, partial=partial, tails=tails)

    def _draw_growth(self) -> None:
        """The rows appended since the last draw (followed or not) and the status bar's counts."""
        if self.widgets_up():
            if self._rows_added:  # (a filtered view's may not grow with the files)
                self._rows_added = False
                self.query_one(LogStream).grow()
            self.update_status()

    def _after_cut(self, cut: Cut) -> None:
        """The memory window let go of the oldest records (the session's lock held): the
        stream loses its first rows, or is merged anew where it cannot (read-back records
        among them); the cursor stays on its record, the alert on its own."""
        stream = self.query_one(LogStream)
        view = stream.view
        assert view is not None
        if self.alert is not None:
            lf, number = self.alert
            self.alert = (lf, number - cut.records.get(id(lf), 0))
        focus = view.locate(stream.cursor) if len(view) else None
        gone = view.drop_head(cut.records)
        if gone is not None:
            stream.drop_rows(gone)
            return
        # Numbers in the old merge are from before the cut: the focus moves with its file.
        if focus is not None:
            lf, rec = focus
            gone_here = cut.records.get(id(lf), 0)
            focus = (lf, rec - gone_here) if rec >= gone_here else None
        new = StreamView(self.stream_files, self.filters, clock=self.clock)
        stream.set_view(new, keep=focus)

    def rebuild_view(self, focus: tuple[LogFile, int] | None = None) -> None:
        stream = self.query_one(LogStream)
        if focus is None and stream.view is not None and len(stream.view) and not stream.follow:
            focus = stream.view.locate(stream.cursor)
        if not self.indexed:
            # Still indexing: the first screen's tails and what is indexed so far.
            if self.preview_files or self.grown:
                grown = (list(self.preview_files), list(self.grown))
                self.build_view(list(self.stream_files), self.filters, focus, grown)
            return
        # Said only if the view takes a while: a frame drawn now would hold the view's own
        # frame back a whole screen period or two (Textual's update timer).
        if self._filtering_timer is None:
            self._filtering_timer = self.set_timer(FILTERING_SAID_AFTER, self._say_filtering)
        self.build_view(list(self.stream_files), self.filters, focus)

    def _say_filtering(self) -> None:
        self._filtering_timer = None
        self.set_status(_("filtering · {filters}", filters=self.filters.describe()))

    @work(
        thread=True,
        exclusive=True,
        group="view",
        exit_on_error=False,
        description="filter and merge the stream",
    )
    def build_view(
        self,
        files: list[LogFile],
        filters: Filters,
        focus: tuple[LogFile, int] | None,
        grown: tuple[list[LogFile], list[LogFile]] | None = None,
    ) -> None:
        """A view of `files`; while indexing, of those of them `shown_while_indexing` picks
        (`grown`: the first screen's files and the files indexed so far, whole or in part),
        picked under the lock the parts are joined under."""
        from textual.worker import get_current_worker

        worker = get_current_worker()
        stream = self.query_one(LogStream)
        previous = stream.view.merged if stream.view is not None else None
        if grown is None:
            with self.session.lock:
                if worker.is_cancelled:
                    return  # a newer filter came while this one waited for the lock (L L L)
                view = StreamView(
                    files, filters, cancelled=lambda: worker.is_cancelled, merged=previous, clock=self.clock
                )
        else:
            # While indexing, only what to show and how many records of each are taken under
            # the lock the parts are joined under (those records do not change after): the
            # merge of them must not hold the indexer up.
            while True:
                with self.session.lock:
                    shown = shown_while_indexing(*grown, files)
                    counts = [len(f.index) if f.index is not None else 0 for f in shown or ()]
                if shown is not None or worker.is_cancelled:
                    break
                time.sleep(0.05)  # a part reaches into a file's tail: the file is done in a moment
            if shown is None:
                return
            view = StreamView(
                shown,
                filters,
                cancelled=lambda: worker.is_cancelled,
                merged=previous,
                clock=self.clock,
                borrow=True,
                counts=counts,
            )
        if not worker.is_cancelled:
            self.post_message(ViewReady(view, focus=focus, growing=grown is not None))

    def start_indexing(self) -> None:
        if not self.index_started:
            self.index_started = True
            self.index_files(self.files)

    @worker_news
    def on_view_ready(self, message: ViewReady) -> None:
        if message.preview:
            # What start-up made (modules, widgets, styles) lives as long as the app: the
            # collector no longer walks it while the logs are indexed. Its full collections
            # there held the GIL 0.19 s on 1 GiB; 0.08 s with this.
            gc.freeze()
            # Index only once the first screen is drawn: the indexer competes for the GIL.
            # Before the detail pane is made: the parts started with the first screen are
            # joined meanwhile.
            self.call_after_refresh(self.start_indexing)
        self.call_after_refresh(self.mount_detail)
        if (message.preview or message.growing) and self.indexed:
            return
        if not message.preview and message.view.filters != self.filters:
            # Built for a filter changed since (L L L): its worker was done before it was
            # cancelled. Shown, its rows would pass for the new filter's.
            return
        if message.preview:
            self.preview_files = message.view.files
        if message.growing:
            self.grown_shown = time.monotonic()
            if self._grown_waiting and self._grown_timer is None:
                self._grown_waiting = False
                self._grown_timer = self.set_timer(max(GROWN_EVERY, 0.01), self._show_grown)
        stream = self.query_one(LogStream)
        stream.search = self._search_pattern()
        # Rows that came in above the cursor (what was indexed since; the whole files after
        # it) leave the cursor on its line of the screen.
        hold_line = message.growing or self.growing_shown
        self.growing_shown = message.growing
        focus = message.focus
        if (
            (focus is None or message.growing)
            and not stream.follow
            and stream.view is not None
            and len(stream.view)
        ):
            # Where the cursor is now: it may have moved (or stopped following) while this
            # view was built.
            focus = stream.view.locate(stream.cursor)
        if self._filtering_timer is not None:
            self._filtering_timer.stop()
            self._filtering_timer = None
        stream.set_view(message.view, keep=focus, hold_line=hold_line)
        self.update_status()
        if self._fit_tree and self.indexed and not message.growing:
            # Once the whole stream is drawn: narrower, the tree lays the screen out again.
            self._fit_tree = False
            self.call_after_refresh(self.query_one(SourceTree).refresh_counts, growing=False)
        if self._then_indexed is not None and self.indexed and not message.growing:
            self.call_after_refresh(self._start_then_indexed)

    def set_status(self, text: str) -> None:
        # Sources that could not be opened (a bad nodes.toml) stay said whatever else is.
        text = " · ".join([text, *(f"✗ {problem}" for problem in self.session.problems)])
        self.status_text = text
        # The status names files, patterns and nodes: never markup, always gated.
        # One line whatever it says: no layout of the screen (one per progress report was
        # a tenth of the main thread's time while a big file was indexed).
        self.query_one(StatusBar).update(Content(visible(text)), layout=False)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification, from any widget, passes the gate and is never markup:
        notifications quote file names, patterns the user typed and log text."""
        super().notify(
            visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        forward_failure(self, event)

    def on_worker_failed(self, message: WorkerFailed) -> None:
        """The one place a worker's failure is shown: a notification saying what stopped
        and that the rest still works, and a lasting mark in the status bar."""
        what = what_failed(message.group)
        error = message.error
        reason = f"{type(error).__name__}: {error}" if error is not None else _("unknown error")
        self.failures[message.group] = reason
        self.notify(
            _(
                "{what} stopped ({reason}). Everything else still works; what is on screen stays.",
                what=what,
                reason=reason,
            ),
            title="ostui",
            severity="error",
            timeout=20,
        )
        if self.query_one(LogStream).view is None:
            self.set_status(_("✗ {what} failed: {reason}", what=what, reason=reason))
        else:
            self.update_status()

    def update_status(self) -> None:
        stream = self.query_one(LogStream)
        view = stream.view
        if view is None:
            return
        from .widgets.status_words import StatusFacts, status_words

        if stream.follow:
            self.unseen = 0
        followed = [f for f in self.files if f.index is not None] if self.following else []
        last = self.marks[-1] if self.marks else None
        facts = StatusFacts(
            shown=len(view),
            # Records the window let go of count too (on disk or read back: once).
            total=sum(
                len(f.index) + f.index.dropped
                for f in self.stream_files
                if f.index is not None and f.read_back is None
            ),
            # A view of what was indexed so far stays one until the whole index's is shown.
            indexed=self.indexed and not self.growing_shown,
            filters=view.filters.describe(),  # what is shown (a new filter says `filtering`)
            at_end=stream.follow,
            following=self.following,
            follow_failed="follow" in self.failures,
            followed_files=len(followed),
            followed_nodes=len({f.node for f in followed}),
            unseen=self.unseen,
            mark=_("mark {name} {time}", name=repr(last.name), time=f"{last.when:%H:%M:%S}")
            if last
            else None,
            alert=self.alert is not None,
            partly_read=sum(1 for f in self.files if f.problems),
            unreadable=sum(1 for f in self.files if f.error),
            not_read=len(self.query_one(SourceTree).skipped),
            failed=[what_failed(group) for group in self.failures],
            name=self._whole_name(),
            windowed=self.session.windowed_out,
            growing=self.growing_shown,
            progress=self.index_words if self.growing_shown else "",
        )
        self.set_status(status_words(facts))

    def watch_filters(self, old: Filters, new: Filters) -> None:
        # Keys typed together (L L L) are one change: the view is built once, for the last
        # of them, after the keys already queued (each view started would hold the GIL).
        if not self._filters_changing:
            self._filters_changing = True
            self.call_later(self._filters_settled)

    def _filters_settled(self) -> None:
        self._filters_changing = False
        self.rebuild_view()

    # -- selection -> detail -----------------------------------------------------------------
    def _set_detail_files(self) -> None:
        if self._detail is not None:
            self._detail.files = self.files

    @on(LogStream.RecordHighlighted)
    def record_highlighted(self, message: LogStream.RecordHighlighted) -> None:
        # Debounced: holding a key down moves the cursor fast; the detail follows when it rests.
        self._pending_detail = (message.file, message.record)
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        # While the logs are indexed, the record a view put the cursor on (the first screen's
        # last, a growing filtered view's) is described once all is indexed, or when a key
        # moves the cursor: its story (a search through the file) and diagnosis, laid out
        # four times (75 ms on 1 GiB), took the cores from the indexing, to be made again.
        self._detail_held = message.placed and not self.indexed
        if self._detail_held:
            return
        delay = DETAIL_FOLLOWED_DELAY if message.followed else DETAIL_DELAY
        self._detail_timer = self.set_timer(delay, self._show_pending_detail)

    def _show_pending_detail(self) -> None:
        self._detail_timer = None
        if self._pending_detail is not None:
            self.show_detail(*self._pending_detail)

    def show_detail(self, file: LogFile, record: Record) -> None:
        detail = self._detail
        if detail is None or not detail.is_attached:  # the app is closing
            return
        from .selection import Selection

        if detail.shown is None or not detail.shown.holds(file, record):
            # (The same record in a new view, the index grown or a filter changed, is not
            # shown anew: its story would be searched again.)
            detail.selection = Selection(file, record)
        self.update_status()  # the status bar names the record's file whole

    @on(LogStream.RecordOpened)
    def open_detail(self, message: LogStream.RecordOpened) -> None:
        rec = message.record
        rid = rec.request_id or rec.global_request_id
        if message.file.node == "client" and rid and rec.level >= Level.ERROR:
            # A failing client call: its server side is what explains it.
            self.follow_client_call(rid)
            return
        if self._detail is not None:
            self._detail.focus()

    @work(
        thread=True,
        exclusive=True,
        group="client-call",
        exit_on_error=False,
        description="find a client call's request",
    )
    def follow_client_call(self, rid: str) -> None:
        from ..core.stream.requests import search_request

        servers = [f for f in self.files if f.node != "client" and f.index is not None]
        story = search_request(servers, rid)
        target = next((e for e in story.entries if e.record.traceback is not None), None) or next(
            iter(story.entries), None
        )
        if target is None:
            self.call_from_thread(
                self.notify, _("no server-side record of {request} in these logs", request=rid), timeout=5
            )
            return
        idx = target.file.index
        assert idx is not None
        self.call_from_thread(self.open_record, target.file, idx.record_at(target.record.offset))

    def open_record(self, lf: LogFile, rec_no: int) -> None:
        """Put the stream on a record and read it in the detail pane."""
        self.go_to_record(str(lf.path), rec_no)
        if self._detail is not None:
            self.call_after_refresh(self._detail.focus)

    @on(RequestStoryView.EntrySelected)
    def story_entry_selected(self, message: RequestStoryView.EntrySelected) -> None:
        idx = message.entry.file.index
        if idx is not None:
            self.go_to_record(str(message.entry.file.path), idx.record_at(message.entry.record.offset))

    @on(LogStream.FollowChanged)
    def follow_changed(self) -> None:
        self.update_status()

    @on(SourceTree.NodeHighlighted)
    def tree_cursor_moved(self) -> None:
        self.update_status()  # the status bar names the tree's cursor whole

    def _whole_name(self) -> str | None:
        from .widgets.status_words import shown_path, whole_name

        tree = self.query_one(SourceTree)
        node = tree.cursor_node
        cursor = node.data.label if node is not None and node.data is not None else None
        if node is not None and node.data is not None and node.data.kind == "file":
            cursor = shown_path(node.data.files[0].path)
        detail = self._detail
        selected = detail.selection if detail is not None else None
        return whole_name(
            cursor, tree.has_focus, shown_path(selected.file.path) if selected is not None else None
        )

    @on(SourceTree.SelectionChanged)
    def tree_selection(self, message: SourceTree.SelectionChanged) -> None:
        chosen = {id(f) for f in message.files}
        older = [f for f in self.session.older if id(f.read_back) in chosen and f.error is None]
        self.stream_files = [*older, *message.files]
        self.rebuild_view()

    # -- actions -----------------------------------------------------------------------------
    def _search_pattern(self) -> re.Pattern[str] | None:
        text = getattr(self, "_search_text", None) or self.filters.text
        if not text:
            return None
        try:
            return re.compile(text, re.IGNORECASE)
        except re.error:
            return re.compile(re.escape(text), re.IGNORECASE)

    def action_search(self) -> None:
        def done(value: str | None) -> None:
            if value is None:
                return
            self._search_text = value or None
            stream = self.query_one(LogStream)
            stream.search = self._search_pattern()
            stream.refresh()
            if value:
                stream.action_next_match()

        self.push_screen(PromptScreen(_("Search (regex; n/N next/previous match)"), "AttributeError"), done)

    def action_grep(self) -> None:
        def done(value: str | None) -> None:
            if value is not None:
                self.filters = replace(self.filters, text=value or None)

        self.push_screen(
            PromptScreen(_("Show only records matching (regex; empty clears)"), "", self.filters.text or ""),
            done,
        )

    def action_cycle_level(self) -> None:
        current = min(self.filters.levels, default=None) if self.filters.levels != ALL_LEVELS else None
        try:
            i = LEVEL_CYCLE.index(current)
        except ValueError:
            i = 0
        nxt = LEVEL_CYCLE[(i + 1) % len(LEVEL_CYCLE)]
        self.set_levels(at_least(nxt))

    def set_levels(self, levels: frozenset[Level]) -> None:
        self.filters = replace(self.filters, levels=levels)

    def action_toggle_level(self, name: str) -> None:
        level = Level[name]
        group = {level, Level.AUDIT, Level.NOTICE} if level in (Level.TRACE, Level.INFO) else {level}
        if level == Level.ERROR:
            group.add(Level.CRITICAL)
        levels = set(self.filters.levels)
        if level in levels:
            levels -= group
        else:
            levels |= group
        self.set_levels(frozenset(levels))

    def action_filter_request(self) -> None:
        stream = self.query_one(LogStream)
        if self.filters.request_id:
            self.filters = replace(self.filters, request_id=None)
            return
        if stream.view is None or not len(stream.view):
            return
        rec = stream.view.record(stream.cursor)[1]
        rid = rec.request_id or rec.global_request_id or (rec.request_ids[0] if rec.request_ids else None)
        if not rid:
            self.notify(_("this record carries no request id"), timeout=3)
            return
        self.filter_request_id(rid)

    def filter_request_id(self, rid: str) -> None:
        self.filters = replace(self.filters, levels=ALL_LEVELS, request_id=rid)

    def action_jump_time(self) -> None:
        def done(value: str | None) -> None:
            stream = self.query_one(LogStream)
            if not value or stream.view is None:
                return
            ref = None
            if len(stream.view):
                ref = stream.view.record(stream.cursor)[1].timestamp
            key = parse_user_time(value, ref)
            if key is None:
                self.notify(
                    _("not a time: {value} (try 2016-06-10 21:49 or 21:49:30)", value=repr(value)),
                    severity="warning",
                )
                return
            stream.follow = False
            stream.move_to(stream.view.row_at_time(key))

        self.push_screen(PromptScreen(_("Go to time"), "2016-06-10 21:49:30 or 21:49"), done)

    def action_toggle_follow(self) -> None:
        stream = self.query_one(LogStream)
        if stream.follow:
            stream.follow = False
        else:
            stream.action_last()
        self.update_status()

    def action_clear_filters(self) -> None:
        self._search_text = None
        self.filters = Filters()

    def action_toggle_tree(self) -> None:
        self.query_one(SourceTree).toggle_class("-shown")
        self.query_one(SourceTree).toggle_class("-hidden")

    def _panes(self) -> list[Widget]:
        panes: list[Widget] = [
            self.query_one(SourceTree),
            self.query_one(LogStream),
            self._detail if self._detail is not None else self.query_one("#detail-slot"),
        ]
        return [p for p in panes if p.display and p.size.width > 0]

    def _cycle_pane(self, step: int) -> None:
        panes = self._panes()
        if not panes:
            return
        focused = self.focused
        current = next(
            (
                i
                for i, p in enumerate(panes)
                if focused is not None and (focused is p or p in focused.ancestors)
            ),
            -1,
        )
        target = panes[(current + step) % len(panes)]
        if target.can_focus:
            target.focus()
        else:
            first = next((w for w in target.query("*") if w.focusable), None)
            (first or target).focus()

    def action_next_pane(self) -> None:
        self._cycle_pane(+1)

    def action_previous_pane(self) -> None:
        self._cycle_pane(-1)

    # -- a client transcript pasted into the terminal -------------------------------------
    def on_paste(self, event: events.Paste) -> None:
        from ..core.parsing.client_debug import looks_like_client_debug

        if not looks_like_client_debug(event.text):
            self.notify(_("pasted text is not a client --debug transcript (no REQ: curl / RESP:)"), timeout=4)
            return
        self.add_transcript(event.text)

    def add_transcript(self, text: str) -> LogFile:
        """A pasted `nova/openstack --debug` transcript, as a file of the node `client`."""
        lf = loops.add_transcript(self.session, text)
        index = lf.index
        assert index is not None
        self.stream_files.append(lf)
        self.query_one(SourceTree).load(self.files, keep=True)
        self._set_detail_files()
        self.rebuild_view()
        failing = [i for i in range(len(index)) if index.levels[i] >= Level.ERROR]
        self.notify(
            _(
                "client transcript added: {records} records, {failing} failing call(s); "
                "select one to see the server side",
                records=len(index),
                failing=len(failing),
            ),
            timeout=6,
        )
        return lf

    # -- reproduction marks -----------------------------------------------------------------
    def action_drop_mark(self) -> None:
        mark = self.session.drop_mark()
        self.alert = None
        tree = self.query_one(SourceTree)
        tree.mark = mark
        tree.refresh_counts()
        self.notify(
            _(
                "reproduction started at {time} ({name}): A shows only what comes after, M lists the marks",
                time=f"{mark.when:%H:%M:%S}",
                name=mark.name,
            ),
            timeout=5,
        )
        self.update_status()

    def action_after_mark(self) -> None:
        if self.filters.after is not None:
            self.filters = replace(self.filters, after=None)
        elif self.marks:
            self.filters = replace(self.filters, after=self.marks[-1])
        else:
            self.notify(_("no mark yet: press m when you start reproducing"), timeout=3)

    def action_marks(self) -> None:
        from .screens.marks import MarksScreen

        def done(target: tuple[LogFile, int] | None) -> None:
            if target is not None:
                self.go_to_record(str(target[0].path), target[1])

        self.push_screen(MarksScreen(self.marks, self.session.summary_of), done)

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False, description="watch for new errors")
    def watch_for_errors(self) -> None:
        """After a mark, say when a new ERROR, CRITICAL or 5xx arrives."""
        if not self.marks:
            return
        summary = self.session.summary_of(self.marks[-1])
        first = summary.first_alert
        if first is not None:
            self.post_message(NewAlert(first.file, first.number, first.record))

    @worker_news
    def on_new_alert(self, message: NewAlert) -> None:
        if self.alert is None:
            self.alert = (message.file, message.number)
            rec = message.record
            what = f"HTTP {rec.http.status}" if rec.http and rec.http.status else rec.level.name
            self.notify(
                _(
                    "new {what} in {source}: {message} — press ! to open it",
                    what=what,
                    source=f"{message.file.node}/{message.file.component}",
                    message=rec.message[:80],
                ),
                severity="error",
                timeout=8,
            )
            self.update_status()

    def action_open_alert(self) -> None:
        if self.alert is None:
            self.notify(_("no new error since the mark"), timeout=3)
            return
        lf, number = self.alert
        if number < 0:
            self.notify(_("that record is older than the memory window: O reads it back"), timeout=5)
            return
        self.go_to_record(str(lf.path), number)
        if self._detail is not None:
            self.call_after_refresh(self._detail.focus)

    def show_resource(self, uuid: str) -> None:
        """The story of an instance, port, volume or image UUID across the loaded files."""
        from .screens.instance import InstanceScreen

        def done(target: tuple[str, int] | None) -> None:
            if target is not None:
                self.go_to_record(*target)

        self.push_screen(InstanceScreen(uuid, self.files), done)

    def action_timeline(self) -> None:
        """Records over time for what the stream shows; a range chosen there filters it."""
        from .screens.timeline import Choice, TimelineScreen

        stream = self.query_one(LogStream)
        if stream.view is None:
            self.notify(_("still indexing: the timeline counts what the stream shows"), timeout=3)
            return

        def done(choice: Choice | None) -> None:
            if choice is None or stream.view is None:
                return
            kind, first, last = choice
            if kind == "range":
                self.filters = replace(self.filters, since=first, until=last)
            else:
                stream.follow = False
                stream.move_to(stream.view.row_at_time(first))

        def current_view() -> StreamView | None:
            return stream.view  # the live tail's view, as it grows

        live = current_view if self.following else None
        self.push_screen(TimelineScreen(stream.view, self.marks, self.clock, live), done)

    def action_known_faults(self) -> None:
        from .screens.faults import FaultsScreen

        def done(target: tuple[str, int] | None) -> None:
            if target is not None:
                self.go_to_record(*target)

        self.push_screen(FaultsScreen([f for f in self.files if f.index is not None]), done)

    def go_to_record(self, path: str, rec_no: int) -> None:
        """Show one record: clear what hides it, then put the cursor on it."""
        lf = next((f for f in self.files if str(f.path) == path), None)
        if lf is None:
            return
        stream = self.query_one(LogStream)
        stream.follow = False
        if lf not in self.stream_files:
            self.stream_files = [*self.stream_files, lf]
        self._search_text = None
        if self.filters != Filters():
            self.set_reactive(OstuiApp.filters, Filters())
        self.rebuild_view(focus=(lf, rec_no))

    def action_zoom(self) -> None:
        """Maximize the focused pane (again: restore)."""
        if self.screen.maximized is not None:
            self.screen.minimize()
            return
        focused = self.focused
        for pane in self._panes():
            if focused is not None and (focused is pane or pane in focused.ancestors):
                self.screen.maximize(pane, container=False)
                return

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.help_sections(), self.keys_of))

    def help_sections(self) -> list[tuple[str, list[BindingType]]]:
        sections: list[tuple[str, list[BindingType]]] = [
            ("Everywhere", list(self.BINDINGS)),
            ("Stream", list(LogStream.BINDINGS)),
            ("Tree", list(SourceTree.BINDINGS)),
        ]
        try:
            from .widgets.detail import DetailPane

            sections.append(("Detail", list(DetailPane.BINDINGS)))
            from .widgets.traceback_view import TracebackView

            sections.append(("Traceback", list(TracebackView.BINDINGS)))
            from .widgets.story_view import RequestStoryView

            sections.append(("Request story", list(RequestStoryView.BINDINGS)))
        except ImportError:
            pass
        return sections

    def go_to_request(self, rid: str) -> None:
        self.filter_request_id(rid)

    def go_to_node(self, name: str) -> None:
        if not self.query_one(SourceTree).show_node(name):
            self.notify(_("no node {name}", name=repr(name)), severity="warning")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(_("Help: all keys"), _("Show every key binding"), self.action_help)
        yield SystemCommand(
            _("Filter level: cycle"), "ALL → INFO+ → WARNING+ → ERROR+", self.action_cycle_level
        )
        yield SystemCommand(_("Search text…"), _("Highlight matches, n/N to move"), self.action_search)
        yield SystemCommand(_("Filter text…"), _("Show only matching records"), self.action_grep)
        yield SystemCommand(_("Clear filters"), _("Show every record"), self.action_clear_filters)
        yield SystemCommand(
            _("Clock skew between nodes"),
            _("Estimate from shared requests; correct the stream"),
            self.action_clock_skew,
        )
        if self.mirrors:
            yield SystemCommand(
                _("Fetch older logs from the nodes"),
                _("Heads before the backlog, then rotated files"),
                self.action_fetch_older,
            )

    COMMANDS = App.COMMANDS | {OstuiCommands}


def run(session: Session, early: Future[Sources] | None = None) -> int:
    app = OstuiApp(session)
    app.early = early or find_sources(session)
    result = app.run()
    return result or 0


__all__ = ["OstuiApp", "Path", "run"]
