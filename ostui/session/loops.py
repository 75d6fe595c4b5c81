"""The work a session does over its files: index them, follow them as they grow, fetch the
nodes' older logs, index the request ids, read a pasted client transcript.

Each runs in the caller's thread (the browser's workers) and reports through callbacks;
nothing here draws. The session's lock is held wherever the file list or an index changes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.indexing.logset import LogFile, SharedFile
from ..core.paths.rotation import base_name
from ..core.reading.source import estimated_size
from .session import Session

if TYPE_CHECKING:
    from ..core.live.follow import FileChange

# Small blocks: the regex pass holds the GIL for a whole block, and a screen needs it often.
INDEX_BLOCK = 1 << 20
FOLLOW_INTERVAL = 0.05  # seconds between looks at followed files


def flag_faults(session: Session, lf: LogFile, start: int = 0, stop: int | None = None) -> None:
    """Flag known faults in `lf` from record `start` (to `stop`)."""
    from ..core.diagnosis.faultscan import flag_faults as flag

    flag(lf, session.matcher, start, stop)


def _flag_joined(session: Session, lf: LogFile, first: int, shaped: object) -> None:
    """The known faults of a part just joined (its records from `first`) but its last
    record, which may go on in the next part: the shapes its process made of its error
    records (`shaped`, see `faultscan.shape_part`) matched here, and the record before
    it (the last part's last) flagged."""
    from ..core.diagnosis.faultscan import flag_shaped

    if lf.index is None:
        return
    last = len(lf.index) - 1
    flag_faults(session, lf, lf.faults_checked, max(lf.faults_checked, min(first, last)))
    if isinstance(shaped, dict):
        flag_shaped(lf, session.matcher, first, shaped)
        lf.faults_checked = max(lf.faults_checked, last)
    else:  # (no shapes made there)
        flag_faults(session, lf, lf.faults_checked, last)


def _joined(
    session: Session, lf: LogFile, grew: Callable[[LogFile], object], first: int, shaped: object
) -> None:
    _flag_joined(session, lf, first, shaped)
    grew(lf)


class _Stopped(Exception):
    """Raised from a progress callback to leave a file's indexing mid-way."""


def index_files(
    session: Session,
    files: list[LogFile],
    progress: Callable[[int, int, int, int], None],
    indexed: Callable[[LogFile], object],
    cancelled: Callable[[], bool] = lambda: False,
    grew: Callable[[LogFile], object] = lambda f: None,
) -> None:
    """Index every file whole; `progress(bytes done, bytes in all, files done, files)`
    as it goes and `indexed(file)` after each. A big file is indexed in parts from its
    start, each joined under the session's lock, and `grew(file)` is told after each:
    from then on the part indexed can be shown. Returns soon after `cancelled()` turns
    true (the app is quitting: its thread must not keep Python from exiting)."""
    sizes = [f.index.source.size() if f.index is not None else estimated_size(f.path) for f in files]
    total = sum(sizes) or 1
    done = 0
    fmt = session.options.forced_format()
    pool = session.index_pool()
    for n, f in enumerate(files):
        if session.closed or cancelled():
            return  # quitting: the rest is not wanted
        base = done
        f.open(fmt, tallies=False)  # compressed files were left unopened at start-up

        def step(scanned: int, size: int, base: int = base, n: int = n) -> None:
            if cancelled():
                raise _Stopped
            progress(base + scanned, total, n, len(files))

        try:
            if pool.wants(f):
                # Big plain files: in parts, on every core (the error records' shapes made there).
                pool.build(
                    f,
                    step,
                    lambda lf, first, shaped: _joined(session, lf, grew, first, shaped),
                    cancelled,
                    session.lock,
                )
            else:
                f.build(step, block_size=INDEX_BLOCK)
        except _Stopped:
            return
        flag_faults(session, f, f.faults_checked)
        done += sizes[n]
        progress(done, total, n + 1, len(files))
        indexed(f)


def follow(
    session: Session, cancelled: Callable[[], bool], changed: Callable[[list[FileChange]], object]
) -> None:
    """Follow the indexed files (and, for discovered logs, new files in their folders)
    until `cancelled()`; new files join the session's list before `changed` hears of them."""
    from ..core.live.follow import Follower

    with session.lock:
        files = [f for f in session.files if f.index is not None]
    # New files are looked for where discovery found the logs, not beside files given by hand.
    folders = [] if session.options.paths else sorted({f.path.parent for f in files})
    follower = Follower(files, folders, new_file=lambda path: classify_new_file(session, path))
    # Producers of one file share its split: the follower watches the file once, and every
    # producer's index takes what the split gained.
    shared = [f for f in files if f.share is not None]
    said: set[int] = set()
    try:
        while not cancelled() and not session.closed:
            with session.lock:
                changes = follower.poll()
                grew = {id(c.file) for c in changes if c.kind == "grew"}
                changes += _grow_producers(shared, grew, said)
                for change in changes:
                    if change.kind == "new" and change.file not in session.files:
                        session.files.append(change.file)
                    if change.file.index is not None:
                        flag_faults(session, change.file, change.file.faults_checked)
            # Told at every look: news held back to be told less often made each redraw
            # longer, and a key waits for the one under way (bench_tail_load: 35 keys over
            # 100 ms in 600 against 8).
            if changes:
                changed(changes)
            time.sleep(FOLLOW_INTERVAL)
    finally:
        follower.close()


ROTATED_SHARE = (
    "replaced at its path (rotated?): the new file carries several producers and is not "
    "followed yet; what was read stays shown. Start ostui again to read the new one"
)


def _grow_producers(
    shared: list[LogFile], reported: set[int], said: set[int] | None = None
) -> list[FileChange]:
    """Grow the producers of files that carry several (they share one split), and say once
    when such a file was replaced at its path: its successor is not re-split yet, and its
    lines must not go unsaid."""
    from ..core.live.follow import FileChange

    out: list[FileChange] = []
    said = set() if said is None else said
    # One look per file, not per producer (a split syslog has many).
    first_of = {id(lf.share): lf for lf in reversed(shared) if lf.share is not None}
    for key, lf in first_of.items():
        if key in said or lf.share is None or not _replaced(lf.share):
            continue
        said.add(key)
        lf.problems.append(ROTATED_SHARE)
        out.append(FileChange(lf, "problem", 0, f"{lf.path.name}: {ROTATED_SHARE}"))
    for lf in shared:
        if lf.index is None or lf.error is not None:
            continue
        try:
            added = lf.index.update(final=False)
        except OSError as exc:
            out.append(FileChange(lf, "problem", 0, f"{lf.path.name}: {exc.strerror or exc}"))
            continue
        if added and id(lf) not in reported:
            out.append(FileChange(lf, "grew", added))
    return out


def _replaced(share: SharedFile) -> bool:
    """The file at the split's path is no longer the one the split reads."""
    split = share.split
    if split is None:
        return False
    try:
        reading = split.source.inode()  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return False  # not a plain file (a gzip member, a spill): nothing is followed there
    try:
        return os.stat(share.path).st_ino != reading
    except OSError:
        return True


def classify_new_file(session: Session, path: Path) -> LogFile | None:
    """A file that appeared in a followed folder: a log of the node and component there."""
    if not path.name.endswith((".log", ".txt")):
        return None
    sibling = next((f for f in session.files if f.path.parent == path.parent), None)
    if sibling is None:
        return None
    return LogFile(path, sibling.node, sibling.component, path.name, node_year=sibling.node_year)


def fetch_older(session: Session) -> tuple[list[LogFile], str]:
    """The remote nodes' older logs (the heads before the backlog, then rotated files),
    indexed; and what to tell the user. The caller adds them to the session."""
    added: list[LogFile] = []
    fetched = 0
    for mirror in session.mirrors:
        for path in mirror.fetch_older():
            fetched += 1
            with session.lock:
                live = next((f for f in session.files if f.path == path.parent / base_name(path.name)), None)
            if live is None:
                continue
            lf = LogFile(path, live.node, live.component, live.group, node_year=live.node_year)
            lf.open(session.options.forced_format())
            lf.build()
            flag_faults(session, lf)
            added.append(lf)
    note = f"{fetched} older file{'s' * (fetched != 1)} fetched" if fetched else "nothing older to fetch"
    return added, note


def read_back(session: Session) -> list[LogFile]:
    """The newest records the memory window let go of and not read back yet, about a
    window's worth (whole cuts, at least one), read again from disk and indexed (the caller
    shows them); none when nothing is left on disk."""
    from ..core.stream.window import read_back as files_of

    files: list[LogFile] = []
    count = 0
    with session.lock:
        for cut in reversed(session.cuts):
            if cut.read_back:
                continue
            if files and count + cut.count > session.options.max_records:
                break
            cut.read_back = True
            count += cut.count
            files += files_of(cut)
    for lf in files:
        lf.build()
        flag_faults(session, lf)
    with session.lock:
        session.older.extend(files)
    return files


def index_requests(session: Session, cancelled: Callable[[], bool] = lambda: False) -> None:
    """Every request id -> its records (for "go to request…"), kept on the session; nothing
    is kept when `cancelled()` turns true meanwhile (the app is quitting: it returns within
    a block, and Python's exit waits for this thread)."""
    from ..core.stream.request_parts import add_file_in_parts, wants_parts
    from ..core.stream.requests import RequestIndex

    index = RequestIndex()
    files = session.readable()
    dropped: list[int] = []
    pool = session.index_pool()
    for n, f in enumerate(files):
        assert f.index is not None
        if wants_parts(pool, f.index):  # big files: by the index processes, off this process's lock
            dropped.append(add_file_in_parts(index, n, f.index, pool, session.lock, cancelled))
        else:
            dropped.append(index.add_file(n, f.index, lock=session.lock, cancelled=cancelled))
        if cancelled():
            return
    with session.lock:
        for n, f in enumerate(files):
            assert f.index is not None
            if f.index.dropped > dropped[n]:
                index.after_cut(n, f.index.dropped - dropped[n])
        session.request_index, session.request_files = index, files


def add_transcript(session: Session, text: str) -> LogFile:
    """A pasted `nova/openstack --debug` transcript, as a file of the node `client`."""
    from ..core.indexing.index import FileIndex
    from ..core.parsing.formats import get_format
    from ..core.reading.source import MemorySource

    with session.lock:
        n = sum(1 for f in session.files if f.node == "client") + 1
    path = Path(f"pasted-transcript-{n}.txt")
    source = MemorySource(path, text.encode("utf-8", "replace"))
    index = FileIndex(source, get_format("client-debug"))
    index.update(final=True)
    lf = LogFile(path, "client", "client", path.name, index=index, format_name="client-debug")
    session.add_files([lf])
    return lf
