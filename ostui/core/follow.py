"""Following live files through everything logrotate and services do to them.

`Follower.poll()` looks at every followed file and folder once and updates the
indexes in place; it returns what changed. Per file, by comparing the path's
`stat` with the open descriptor's `fstat`:

- grown: index the new complete lines (a partial last line waits for its newline);
- renamed or deleted and recreated (inode changed): the open descriptor still
  reads the old file, so it is drained to its end, renamed to where it went, and
  the new file at the path is followed from its first byte;
- truncated (copytruncate): the old bytes are gone from the live file, so the old
  index switches to the rotated copy logrotate made first (the sibling whose head
  matches), and the live file is followed again from byte 0;
- a new log file in a watched folder (a service started for the first time): opened
  and followed from its first byte.

Nothing is read twice and nothing is skipped: a record is indexed from exactly one
file, where its bytes are.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .logset import LogFile
from .source import FileSource, MemorySource, gunzip

HEAD_BYTES = 4096
DRAIN_SECONDS = 2.0  # a renamed file may still get a few lines before its writer reopens


@dataclass(slots=True)
class FileChange:
    file: LogFile
    kind: str  # "grew", "rotated", "truncated", "new", "gone"
    records: int = 0  # records added by this change
    note: str = ""


@dataclass
class _Watch:
    file: LogFile
    path: Path  # the path followed, where the writer writes
    inode: int
    head: bytes
    draining_until: float | None = None  # set once the path points at another file
    successor: bool = False  # the new file at `path` is followed already


@dataclass
class Follower:
    """Polls followed files (and folders, for new files) and updates their indexes."""

    files: list[LogFile]
    folders: Sequence[Path] = ()
    new_file: Callable[[Path], LogFile | None] | None = None  # classifies a new file, or ignores it
    rescan_every: float = 1.0
    _watches: list[_Watch] = field(default_factory=list)
    _known: set[str] = field(default_factory=set)
    _last_rescan: float = 0.0

    def __post_init__(self) -> None:
        for lf in self.files:
            self._watch(lf)
        # Files already in the folders are not new: only those created from now on are.
        for folder in self.folders:
            try:
                self._known.update(e.path for e in os.scandir(folder))
            except OSError:
                continue

    def _watch(self, lf: LogFile) -> None:
        self._known.add(str(lf.path))
        idx = lf.index
        if idx is None or not isinstance(idx.source, FileSource):
            return  # archives do not grow
        try:
            inode = idx.source.inode()
        except OSError:
            return
        self._watches.append(_Watch(lf, lf.path, inode, idx.source.read(0, HEAD_BYTES)))

    def poll(self, now: float | None = None) -> list[FileChange]:
        now = time.monotonic() if now is None else now
        changes: list[FileChange] = []
        for w in list(self._watches):
            changes.extend(self._poll_file(w, now))
        if self.folders and self.new_file is not None and now - self._last_rescan >= self.rescan_every:
            self._last_rescan = now
            changes.extend(self._rescan())
        return changes

    def _poll_file(self, w: _Watch, now: float) -> list[FileChange]:
        lf = w.file
        idx = lf.index
        assert idx is not None
        out: list[FileChange] = []
        try:
            st = os.stat(lf.path)
            same = st.st_ino == w.inode
        except OSError:
            st, same = None, False
        if same and st is not None and (st.st_size < idx.scanned or self._head_changed(w)):
            return self._truncated(w)
        if not same:
            if w.draining_until is None:
                w.draining_until = now + DRAIN_SECONDS
                rotated_to = _find_inode(w.path.parent, w.inode)
                if rotated_to is not None:
                    lf.path = rotated_to
                    out.append(FileChange(lf, "rotated", 0, f"{w.path.name} → {rotated_to.name}"))
                else:
                    out.append(FileChange(lf, "gone", 0, f"{w.path.name} was deleted; kept what was read"))
            if st is not None and not w.successor:
                # Follow the new file at the path; the old descriptor drains the old one.
                w.successor = True
                out.extend(self._new_at(w.path, lf))
        grew = idx.update(final=w.draining_until is not None and now >= w.draining_until)
        if grew:
            out.append(FileChange(lf, "grew", grew))
        if w.draining_until is not None and now >= w.draining_until:
            self._watches.remove(w)
            if not w.successor:
                self._known.discard(str(w.path))  # a later file at that path is new
        return out

    def _head_changed(self, w: _Watch) -> bool:
        """Truncated and written again past the old size between two polls: the first
        bytes tell, when they differ from what the file began with."""
        idx = w.file.index
        assert idx is not None
        if not w.head:
            w.head = idx.source.read(0, HEAD_BYTES)
            return False
        probe = idx.source.read(0, min(64, len(w.head)))
        return probe != w.head[: len(probe)]

    def _new_at(self, path: Path, like: LogFile) -> list[FileChange]:
        """Follow the file now at `path` (after a rotation) from its first byte."""
        nf = LogFile(path, like.node, like.component, like.group, format_name=like.format_name)
        nf.open(like.index.format if like.index is not None else None)
        if nf.index is None:
            return [FileChange(nf, "gone", 0, nf.error or "")]
        nf.index.update(final=False)
        self.files.append(nf)
        self._watch(nf)
        return [FileChange(nf, "new", len(nf.index), "recreated")]

    def _truncated(self, w: _Watch) -> list[FileChange]:
        """copytruncate: the old bytes now live in the rotated copy, if logrotate made one."""
        lf = w.file
        idx = lf.index
        assert idx is not None and isinstance(idx.source, FileSource)
        live = w.path
        copy = _find_copy(live, w.head, idx.scanned)
        old_source = idx.source
        self._watches.remove(w)
        note = "the rotated copy was not found: records before the truncation cannot be shown"
        if copy is not None:
            path, source = copy
            idx.source = source
            lf.path = path
            idx.update(final=True)  # lines the writer added before the copy was made
            note = f"old records now read from {path.name}"
        else:
            idx.source = MemorySource(live, b"", ["truncated"])
        old_source.close()
        changes = [FileChange(lf, "truncated", 0, note)]
        changes.extend(self._new_at(live, lf))
        return changes

    def _rescan(self) -> list[FileChange]:
        out: list[FileChange] = []
        assert self.new_file is not None
        for folder in self.folders:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if entry.path in self._known or not entry.is_file(follow_symlinks=False):
                    continue
                self._known.add(entry.path)
                nf = self.new_file(Path(entry.path))
                if nf is None:
                    continue
                nf.open()
                if nf.index is None:
                    continue
                nf.index.update(final=False)
                self.files.append(nf)
                self._watch(nf)
                out.append(FileChange(nf, "new", len(nf.index), "a new log file"))
        return out


def _find_inode(folder: Path, inode: int) -> Path | None:
    try:
        for entry in os.scandir(folder):
            if entry.is_file(follow_symlinks=False) and entry.inode() == inode:
                return Path(entry.path)
    except OSError:
        return None
    return None


def _find_copy(live: Path, head: bytes, size: int) -> tuple[Path, FileSource | MemorySource] | None:
    """The rotated sibling whose first bytes are the old head of `live`."""
    try:
        siblings = [
            Path(e.path)
            for e in os.scandir(live.parent)
            if e.name != live.name and e.name.startswith(live.name) and e.is_file()
        ]
    except OSError:
        return None
    for path in sorted(siblings, key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            if path.name.endswith(".gz"):
                data, problems = gunzip(path.read_bytes())
                if data.startswith(head) and len(data) >= min(size, len(head)):
                    return path, MemorySource(path, data, problems)
                continue
            src = FileSource(path)
            if src.read(0, len(head)) == head:
                return path, src
            src.close()
        except OSError:
            continue
    return None
