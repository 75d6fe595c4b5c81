"""One run of ostui: the files its options select, one lock over them, and every resource
opened for them (remote mirrors, journal readers, their threads and temporary folders),
released by `close()` whatever moment the user quits."""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.indexing.logset import LogFile
from ..core.reading.discovery import LogTree
from .options import Options

if TYPE_CHECKING:
    from ..core.diagnosis.knowledge import FaultMatcher
    from ..core.indexing.parallel import IndexPool
    from ..core.live.journal import JournalMirror
    from ..core.live.remote import Mirror
    from ..core.stream.marks import Mark, MarkSummary
    from ..core.stream.merge import MergedStream
    from ..core.stream.requests import RequestIndex
    from ..core.stream.window import Cut

JOIN_WAIT = 2.0  # seconds close() waits, in all, for the threads it started to end


class SessionClosed(Exception):
    """The session was closed (the user quit) while its sources were still being opened."""


def say_on_stderr(text: str) -> None:
    print(f"ostui: {text}", file=sys.stderr)


class Session:
    """What one run opened. Build it with `Session.open(options)` (a context manager), or
    build it and call `close()`; closing twice, or from another thread while `select()`
    still connects to nodes, is safe: what is opened after the close is closed at once."""

    def __init__(self, options: Options, say: Callable[[str], None] = say_on_stderr) -> None:
        self.options = options
        self.say = say  # a line for the user, while no screen is there to show it
        # Guards `files` and the indexes the follower grows while views read them.
        self.lock = threading.Lock()
        self.files: list[LogFile] = []
        self.tree = LogTree()
        self.problems: list[str] = []  # sources that could not be opened, each said with why
        self.mirrors: list[Mirror] = []
        self.journals: list[JournalMirror] = []
        self.folders: list[Path] = []  # temporary folders: removed at close
        self._threads: list[threading.Thread] = []
        self._owning = threading.Lock()  # guards the resource lists against a concurrent close
        self._closed = threading.Event()
        self._matcher: FaultMatcher | None = None
        self._index_pool: IndexPool | None = None
        self.request_index: RequestIndex | None = None  # every request id -> its records, once indexed
        self.request_files: list[LogFile] = []  # the files in the request index's numbering
        self.marks: list[Mark] = []  # reproduction marks, oldest first
        self._since_mark: dict[int, tuple[MarkSummary, dict[int, int]]] = {}  # id(mark) -> summary so far
        self.cuts: list[Cut] = []  # what the memory window let go of, oldest first
        self.older: list[LogFile] = []  # records the window let go of, read back on request

    @classmethod
    @contextmanager
    def open(cls, options: Options, say: Callable[[str], None] = say_on_stderr) -> Iterator[Session]:
        session = cls(options, say)
        try:
            yield session
        finally:
            session.close()

    # -- the sources ----------------------------------------------------------------------------
    def select(self) -> list[LogFile]:
        """The files the options name, opened later by their reader; remote nodes and
        journals start mirroring. Raises NodesError for a bad --node or inventory unless
        this is the browser (which says it and goes on with the local logs), NodesIncomplete
        when a named node's backlog never came (headless), SessionClosed after a close."""
        from .sources import select_files

        files, tree = select_files(self)
        with self.lock:
            self.files, self.tree = files, tree
        return files

    def use_files(self, files: Sequence[LogFile]) -> None:
        """Files built in code (tests), instead of selecting them."""
        with self.lock:
            self.files, self.tree = list(files), LogTree()

    def add_files(self, files: Sequence[LogFile]) -> None:
        with self.lock:
            self.files.extend(f for f in files if f not in self.files)

    def readable(self) -> list[LogFile]:
        with self.lock:
            return [f for f in self.files if f.index is not None]

    @property
    def following(self) -> bool:
        """Live logs are followed; archives (--root, --demo) only when asked."""
        if self.options.follow is not None:
            return self.options.follow
        if self.mirrors or self.journals:
            return True  # remote nodes and journals are mirrored to be followed
        return not self.options.archive

    def matcher(self) -> FaultMatcher:
        """The known-fault matcher (the shipped and the user's packs), read on first use."""
        if self._matcher is None:
            from ..core.diagnosis.knowledge import default_matcher

            self._matcher = default_matcher()
        return self._matcher

    def index_pool(self) -> IndexPool:
        """The processes that index big files in parts (started on first use, stopped at close)."""
        from ..core.diagnosis.faultscan import shape_part
        from ..core.indexing.parallel import IndexPool

        with self._owning:
            if self._index_pool is None:
                # The error records' shapes are made in the processes, as each part is
                # indexed; the shapes are matched here (`loops._flag_joined`).
                self._index_pool = IndexPool(part_work=shape_part)
                if self._closed.is_set():
                    self._index_pool.close()
            return self._index_pool

    # -- reproduction marks ---------------------------------------------------------------------
    def drop_mark(self) -> Mark:
        """A mark now: what every file holds so far, to tell what arrives after it."""
        from ..core.stream.marks import MarkSummary, drop_mark

        with self.lock:
            mark = drop_mark(f"try {len(self.marks) + 1}", [f for f in self.files if f.index is not None])
        self.marks.append(mark)
        self._since_mark[id(mark)] = (MarkSummary(), dict(mark.first))
        return mark

    def summary_of(self, mark: Mark) -> MarkSummary:
        """What arrived after `mark`, brought up to date (only the new records are read)."""
        from ..core.stream.marks import summarize_since

        summary, done = self._since_mark[id(mark)]
        with self.lock:
            return summarize_since(mark, self.files, done=done, into=summary)

    # -- the memory window ----------------------------------------------------------------------
    def window(self, merged: MergedStream | None = None) -> Cut | None:
        """Past `options.max_records` records held (and the slack), let go of the oldest, and
        move every record number kept here (marks, the request index) to the numbers the
        records have now. Call with the lock held; `merged`, the shown stream, makes the cut
        its first positions. The cut, or None when nothing was let go of."""
        from ..core.stream import window
        from ..core.stream.marks import shift_numbers

        files = window.windowed(self.files)
        count = window.excess(files, self.options.max_records)
        if not count:
            return None
        cut = window.cut_files(files, window.choose_cut(files, count, merged))
        if not cut.records:
            return None
        for mark in self.marks:
            mark.after_cut(cut.records)
        for summary, done in self._since_mark.values():
            summary.after_cut(cut.records)
            shift_numbers(done, cut.records)
        if self.request_index is not None:
            for file_no, lf in enumerate(self.request_files):
                if gone := cut.records.get(id(lf)):
                    self.request_index.after_cut(file_no, gone)
        self.cuts.append(cut)
        window.join_cuts(self.cuts, self.options.max_records)
        return cut

    @property
    def windowed_out(self) -> int:
        """Records the memory window let go of and not read back."""
        return sum(c.count for c in self.cuts if not c.read_back)

    # -- resources ------------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def check_open(self) -> None:
        if self._closed.is_set():
            raise SessionClosed("ostui is quitting")

    def temporary_folder(self, prefix: str) -> Path:
        """A new private folder, removed at close."""
        with self._owning:
            self.check_open()
            folder = Path(tempfile.mkdtemp(prefix=prefix))
            self.folders.append(folder)
            return folder

    def own_mirrors(self, mirrors: Sequence[Mirror]) -> None:
        """Remote mirrors (already running) to stop at close; stopped now if closed."""
        with self._owning:
            if not self._closed.is_set():
                self.mirrors.extend(mirrors)
                return
        for mirror in mirrors:
            mirror.stop()
        self.check_open()

    def start_journals(self, journals: Sequence[JournalMirror], backlog: int) -> list[threading.Event]:
        """Run each journal mirror in a thread of its own (fetch its backlog, then follow);
        the events say when each backlog is here."""
        synced = [threading.Event() for _ in journals]

        def run(mirror: JournalMirror, done: threading.Event) -> None:
            mirror.sync(backlog)
            done.set()
            mirror.run(backlog)

        with self._owning:
            self.check_open()
            self.journals.extend(journals)
            for mirror, done in zip(journals, synced, strict=True):
                thread = threading.Thread(target=run, args=(mirror, done), name="ostui-journal", daemon=True)
                self._threads.append(thread)
                thread.start()
        return synced

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        """Wait until `ready()` or `timeout` seconds; SessionClosed when closed meanwhile."""
        deadline = time.monotonic() + timeout
        while not ready() and time.monotonic() < deadline:
            if self._closed.wait(0.05):
                break
        self.check_open()

    def close(self) -> None:
        """Stop the journal readers, then the mirrors (a node's journal reader uses the node's
        connection), wait briefly for their threads, and remove the temporary folders."""
        with self._owning:
            if self._closed.is_set():
                return
            self._closed.set()
            journals, mirrors, threads, folders = self.journals, self.mirrors, self._threads, self.folders
        if self._index_pool is not None:
            self._index_pool.close()
        for journal in journals:
            journal.stop()
        for mirror in mirrors:
            mirror.on_change = None  # whoever drew the nodes may be gone already
            mirror.stop()
        # A mirror's thread may be starting an ssh as it is stopped: it kills that ssh itself
        # (`Ssh.popen`) if it is let run; a process ending with it mid-way left the ssh
        # behind, connecting on its own.
        threads = [*threads, *(m.thread for m in mirrors if m.thread is not None)]
        deadline = time.monotonic() + JOIN_WAIT
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
