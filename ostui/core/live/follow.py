"""Following live files through everything logrotate and services do to them.

`Follower.poll()` looks at every followed path once and updates the indexes in
place; it returns what changed. A followed path is a name a service writes to
(`nova-api.log`); the file at that name is one *generation*, read through a
descriptor the follower holds, so a generation renamed, moved to another folder
(`olddir`) or deleted stays readable to its last byte. Per path, comparing the
path's `stat` with the held generation:

- grown: index the new complete lines (a partial last line waits for its newline);
- another file at the path (rename, `dateext`, `olddir`, delete and recreate): the
  old generation is drained for a while (its writer may not have reopened yet) and
  its record keeps the name it went to, which the descriptor tells; the new file is
  followed from its first byte;
- truncated (copytruncate): the old bytes now live in the copy logrotate made, in
  the same folder or in a folder in or beside it; the old index switches to the
  copy whose first bytes match, and the live file is followed again from byte 0;
- a new log file in a watched folder: followed from its first byte, unless it is a
  generation of a followed path under its rotated name (never shown twice).

Generations made and rotated away between two polls: where inotify exists, a
catcher thread opens each new file at a followed path the moment it appears, so it
is read even after it is gone; generations still on disk under a rotated name are
found and read; and what could not be read at all is reported as a gap (a
FileChange of kind "gap", with a marker record for the stream).

Nothing is opened unless it is a regular file, and nothing blocks: a path replaced
by a FIFO, socket or device is reported as a problem and left alone.

Descriptors are bounded: the follower holds at most a quarter of the process's limit
(HeldSource.budget); past it, and once a renamed generation is drained, files are read
through the shared descriptor pool (`source.py`), which finds them again by inode.
Only a deleted generation keeps its descriptor, as nothing else can read it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import select
import stat
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..indexing.index import FileIndex
from ..indexing.logset import LogFile
from ..levels import Level
from ..paths.rotation import base_name, generation_folders, is_generation_of, rotation_key, split_compression
from ..reading.source import (
    CR_SNIFF,
    CR_TO_LF,
    ByteSource,
    MemorySource,
    PooledFile,
    cr_lines_in,
    open_source,
)

HEAD_BYTES = 4096
DRAIN_SECONDS = 2.0  # a renamed file may still get a few lines before its writer reopens
SWAPPED_OUT_SECONDS = 1.0  # a source an index left stays readable this long (a read may be under way)
MAX_CAUGHT = 256  # generations held per path between two polls; more are reported as a gap


@dataclass(slots=True)
class FileChange:
    file: LogFile
    kind: str  # "grew", "rotated", "truncated", "new", "gone", "gap", "problem"
    records: int = 0  # records added by this change
    note: str = ""
    missed_bytes: int | None = None  # for a gap: bytes that could not be read, None when unknown


class NotRegular(OSError):
    """The path holds something other than a regular file; it was not opened."""


def _what(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def open_regular(path: Path, follow_links: bool = False) -> tuple[int, os.stat_result]:
    """A descriptor on `path` and its fstat, only when it is a regular file.

    Never blocks: the file type is checked before opening (a FIFO is never opened)
    and again on the descriptor (the path may have been swapped in between), and
    the open itself is non-blocking. A symbolic link is refused unless `follow_links`.
    Raises NotRegular (an OSError) saying what the path holds, or the open's OSError."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) and follow_links:
        st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegular(f"{path.name} is {_what(st.st_mode)}, not a regular file: not read")
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    if not follow_links:
        flags |= os.O_NOFOLLOW
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(f"{path.name} is {_what(st.st_mode)}, not a regular file: not read")
    except BaseException:
        os.close(fd)
        raise
    return fd, st


class HeldSource(ByteSource):
    """A regular file read through a descriptor held open: a generation stays readable
    after it is renamed, moved or deleted, and the descriptor says where it went."""

    # Descriptors held at once, by every follower: a quarter of the soft limit, so that
    # the shared pool, the terminal and ssh keep theirs; past it files are followed
    # through the pool (open() raises EMFILE and callers fall back).
    budget = max(16, resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 4)
    _open = 0
    _count_lock = threading.Lock()

    def __init__(self, path: Path, fd: int, st: os.stat_result) -> None:
        self.path = path
        self.problems = []
        self.inode = st.st_ino
        self._fd: int | None = fd
        # Old Mac line ends read as LF, as the index's own source reads them (`open_plain`).
        self.cr_lines = cr_lines_in(os.pread(fd, CR_SNIFF, 0))

    @classmethod
    def open(cls, path: Path, follow_links: bool = False) -> HeldSource:
        with cls._count_lock:
            if cls._open >= cls.budget:
                raise OSError(errno.EMFILE, "the follower holds its share of descriptors", str(path))
            fd, st = open_regular(path, follow_links)
            cls._open += 1
        return cls(path, fd, st)

    def size(self) -> int:
        return 0 if self._fd is None else os.fstat(self._fd).st_size

    def read(self, offset: int, length: int) -> bytes:
        if self._fd is None or length <= 0:
            return b""
        data = os.pread(self._fd, length, offset)
        return data.translate(CR_TO_LF) if self.cr_lines else data

    def on_disk(self) -> tuple[Path, int, bool] | None:
        where = self.where()
        return None if where is None else (where, self.inode, self.cr_lines)

    def where(self) -> Path | None:
        """The file's name now, None once it is deleted (or where /proc cannot tell)."""
        if self._fd is None:
            return None
        try:
            if os.fstat(self._fd).st_nlink == 0:
                return None
            return Path(os.readlink(f"/proc/self/fd/{self._fd}"))
        except OSError:
            return None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            with self._count_lock:
                HeldSource._open -= 1


def head_of(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first `size` bytes of a rotated file, decompressed when it is a .gz (only as
    much as the head needs). b"" when it cannot be read."""
    try:
        fd, _st = open_regular(path)
    except OSError:
        return b""
    try:
        if path.name.endswith(".gz"):
            raw = os.pread(fd, 64 << 10, 0)
            try:
                return zlib.decompressobj(wbits=47).decompress(raw, size)
            except zlib.error:
                return b""
        return os.pread(fd, size, 0)
    except OSError:
        return b""
    finally:
        os.close(fd)


def open_generation(path: Path) -> ByteSource:
    """A rotated generation found on disk: held when plain, decompressed when .gz (after
    the same regular-file check, so a FIFO named `x.log.1.gz` is never opened)."""
    if path.name.endswith(".gz"):
        fd, _st = open_regular(path)
        os.close(fd)
        return open_source(path)
    return HeldSource.open(path)


# -- catching generations as they appear ----------------------------------------------------------
_IN_MOVED_TO = 0x80
_IN_CREATE = 0x100
_IN_Q_OVERFLOW = 0x4000
_IN_ONLYDIR = 0x01000000
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = os.O_CLOEXEC
_EVENT = struct.Struct("iIII")


class Catcher:
    """Opens each new file at a followed path the moment inotify says it appeared.

    A generation that is created and rotated away between two polls is then still
    read, through the descriptor taken here. Creations are counted too: a creation
    whose file could not be caught nor found later is a gap. Linux only: elsewhere
    the constructor raises (OSError, AttributeError) and the follower polls alone."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        self._add_watch = libc.inotify_add_watch
        self._add_watch.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
        fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._fd = fd
        self._lock = threading.Lock()
        self._folders: dict[int, Path] = {}
        self._watched: set[Path] = set()
        self._paths: dict[Path, bool] = {}  # followed path -> follow symbolic links
        self._caught: dict[Path, list[HeldSource]] = {}
        self._created: dict[Path, int] = {}  # creations at the path, ever
        # Plain files created beside the path under a rotated name, ever: copytruncate's copies
        # (each one a generation of the path's file). Renames (`X.1` -> `X.2`) are moves, not
        # creations, and compressed copies (`.gz`) hold a generation already counted.
        self._copies: dict[Path, int] = {}
        self._dropped: dict[Path, int] = {}  # caught but not kept (MAX_CAUGHT)
        self.overflows = 0
        self._wake_r, self._wake_w = os.pipe()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ostui-catcher", daemon=True)
        self._thread.start()

    def follow(self, path: Path, follow_links: bool) -> None:
        with self._lock:
            self._paths[path] = follow_links
            if path.parent in self._watched:
                return
            wd = self._add_watch(self._fd, os.fsencode(path.parent), _IN_CREATE | _IN_MOVED_TO | _IN_ONLYDIR)
            if wd >= 0:
                self._watched.add(path.parent)
                self._folders[wd] = path.parent

    def take(self, path: Path) -> tuple[list[HeldSource], int]:
        """What was caught at `path` since the last take, and how many caught files were
        let go since (more than MAX_CAUGHT waiting)."""
        self.pump()
        with self._lock:
            return self._caught.pop(path, []), self._dropped.pop(path, 0)

    def generations(self, path: Path) -> int:
        """Generations made at `path` since it was followed: files created there, and
        copies of it made beside it."""
        with self._lock:
            return self._created.get(path, 0) + self._copies.get(path, 0)

    def pending(self, path: Path) -> int:
        with self._lock:
            return len(self._caught.get(path, ()))

    def pump(self) -> None:
        """Handle the events queued so far (the thread does this too; the lock keeps one
        batch from being counted while another is half handled)."""
        with self._lock:
            while True:
                try:
                    data = os.read(self._fd, 64 << 10)
                except (BlockingIOError, OSError):
                    return
                self._handle(data)

    def _handle(self, data: bytes) -> None:
        pos = 0
        while pos + _EVENT.size <= len(data):
            wd, mask, _cookie, length = _EVENT.unpack_from(data, pos)
            raw = data[pos + _EVENT.size : pos + _EVENT.size + length].rstrip(b"\0")
            pos += _EVENT.size + length
            if mask & _IN_Q_OVERFLOW:
                self.overflows += 1
                continue
            folder = self._folders.get(wd)
            if folder is None:
                continue
            path = folder / os.fsdecode(raw)
            if path not in self._paths:
                stem, compression = split_compression(path.name)
                live = folder / base_name(stem)
                if mask & _IN_CREATE and not compression and live != path and live in self._paths:
                    self._copies[live] = self._copies.get(live, 0) + 1
                continue
            self._created[path] = self._created.get(path, 0) + 1
            try:
                held = HeldSource.open(path, self._paths[path])
            except OSError:
                continue  # gone already, or not a regular file: the poll says which
            caught = self._caught.setdefault(path, [])
            if any(h.inode == held.inode for h in caught):
                held.close()
            elif len(caught) >= MAX_CAUGHT:
                held.close()
                self._dropped[path] = self._dropped.get(path, 0) + 1
            else:
                caught.append(held)

    def _run(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self._fd, self._wake_r], [], [], 1.0)
            except (OSError, ValueError):
                return
            if self._wake_r in ready:
                return
            if ready:
                self.pump()

    def close(self) -> None:
        os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout=2)
        if not self._lock.acquire(timeout=2):
            return  # the thread is stuck (it must never be): leave its descriptors to the exit
        try:
            for caught in self._caught.values():
                for held in caught:
                    held.close()
            self._caught.clear()
            for fd in (self._fd, self._wake_r, self._wake_w):
                os.close(fd)
        finally:
            self._lock.release()


# -- following ----------------------------------------------------------------------------------------
@dataclass
class _Generation:
    """One file being read: the one at a followed path, or one rotated away and draining."""

    file: LogFile
    source: ByteSource
    inode: int
    head: bytes = b""
    drain_until: float | None = None

    @property
    def index(self) -> FileIndex:
        assert self.file.index is not None
        return self.file.index


@dataclass
class _Path:
    """A followed name and the generation at it now."""

    path: Path
    like: LogFile  # node, component, group and format for every generation of this path
    follow_links: bool
    current: _Generation | None = None
    refused: int | None = None  # inode of a non-regular file already reported
    folders: list[Path] = field(default_factory=list)  # other folders generations went to
    generations: int = 0  # generations read (or refused) since following began
    base: int = 1  # files at the path before the catcher watched it (made, but not counted made)
    gaps: int = 0  # generations reported missed
    # A truncated generation whose copy was not found yet (logrotate may be moving or
    # compressing it), looked for again at each poll until the deadline.
    awaiting_copy: list[tuple[_Generation, float]] = field(default_factory=list)
    recheck_until: float = 0.0  # a generation vanished while being picked up: look again until then
    suspect_since: float | None = None  # when the catcher first counted more generations than read


def _folder_entries(watch: _Path) -> Iterator[os.DirEntry[str]]:
    """Every entry of the folders where `watch`'s generations may be (unreadable ones skipped)."""
    for folder in generation_folders(watch.path, watch.folders):
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        yield from entries


@dataclass
class Follower:
    """Polls followed files (and folders, for new files) and updates their indexes."""

    files: list[LogFile]
    folders: Sequence[Path] = ()
    new_file: Callable[[Path], LogFile | None] | None = None  # classifies a new file, or ignores it
    rescan_every: float = 1.0
    # Open new generations the moment they appear (a thread reading inotify). Without it,
    # creations are still counted at each poll, so what was missed is still said.
    catch: bool = True
    _paths: dict[Path, _Path] = field(default_factory=dict)
    _draining: list[_Generation] = field(default_factory=list)
    _known: set[str] = field(default_factory=set)  # folder entries that are not new logs
    # Inodes of every generation read: each is held open, so its inode is never reused.
    _read: set[int] = field(default_factory=set)
    # Rotated files judged not to be missed generations (copies of ones read), not held: an
    # inode is freed with its file and reused, so it is known with its mtime.
    _judged: set[tuple[int, int]] = field(default_factory=set)
    # Every generation read, for their first bytes (which grow until HEAD_BYTES long).
    _generations: list[_Generation] = field(default_factory=list)
    _last_rescan: float = 0.0
    _started: float = 0.0
    _catcher: Catcher | None = None
    _given: set[Path] = field(default_factory=set)
    # Sources an index was moved off, with when they may be closed (see `_swap_source`).
    _swapped_out: list[tuple[float, ByteSource]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._started = time.time()
        try:
            self._catcher = Catcher()
        except (OSError, AttributeError):
            self._catcher = None  # no inotify here: polling alone, and no count of creations
        if self._catcher is not None and self.catch:
            self._catcher.start()
        self._given = {lf.path for lf in self.files}
        for lf in list(self.files):
            self._known.add(str(lf.path))
            self._watch(lf)
        # Files already in the folders are not new: only those created from now on are.
        for folder in self.folders:
            try:
                with os.scandir(folder) as entries:
                    self._known.update(e.path for e in entries)
            except OSError:
                continue

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        """Stop the catcher thread (the indexes keep their descriptors)."""
        self._close_swapped_out(float("inf"))
        if self._catcher is not None:
            self._catcher.close()
            self._catcher = None

    def pending(self) -> int:
        """Generations caught since the last poll, not yet read."""
        catcher = self._catcher
        return 0 if catcher is None else sum(catcher.pending(p) for p in self._paths)

    def _watch(self, lf: LogFile) -> None:
        """Follow `lf`'s path when `lf` is a live file (not an archive, not a rotated name)."""
        idx = lf.index
        if idx is None or lf.path.name.endswith((".gz", ".bz2", ".xz")) or idx.source.path != lf.path:
            return
        if lf.share is not None:
            # A producer of a file that carries several: they grow through the split they
            # share (the session's loop updates them). Watched here, the file would come
            # back as a new generation read whole, every record twice.
            return
        inode = _source_inode(idx.source)
        if inode is not None:
            self._read.add(inode)
        if lf.path in self._paths or (
            rotation_key(lf.path.name) is not None and lf.path.parent / base_name(lf.path.name) in self._given
        ):
            return  # a rotated member: read as it is, its successor arrives through the live path
        live = lf.path
        follow_links = os.path.islink(live)
        spare = True  # a descriptor to spare for it
        try:
            held: HeldSource | None = HeldSource.open(live, follow_links)
        except (FileNotFoundError, NotRegular):
            held = None
        except OSError:
            held, spare = None, False
        current = None
        if not spare and inode is not None:
            # No descriptor to spare (ulimit): follow through the source it has, which
            # finds a renamed file again by inode, in its folder.
            current = _Generation(lf, idx.source, inode, idx.source.read(0, HEAD_BYTES))
            self._generations.append(current)
        elif held is not None and held.inode == inode:
            self._swap_source(idx, held)
            current = _Generation(lf, held, held.inode, held.read(0, HEAD_BYTES))
            self._generations.append(current)
        else:
            # Rotated since it was indexed: drain the old one where it went; the first poll
            # follows whatever is at the path by then.
            if held is not None:
                held.close()
            if inode is not None:
                went = _find_inode(live.parent, inode)
                if went is not None:
                    lf.path = went
                    self._known.add(str(went))
                self._retire_later(_Generation(lf, idx.source, inode, idx.source.read(0, HEAD_BYTES)))
        # The file there now was created before the catcher looked: counted as seen.
        watch = _Path(live, lf, follow_links, current, generations=1 if current is not None else 0)
        watch.base = 0 if held is None and current is None else 1
        self._paths[live] = watch
        if self._catcher is not None:
            self._catcher.follow(live, follow_links)

    def _swap_source(self, idx: FileIndex, source: ByteSource) -> None:
        """Read `idx` through `source` (the same file) from now on. The one it leaves is
        closed a while later, not at once: the screen's thread may have taken it just
        before, to read a record; closed under that read, it read nothing, and the stream
        showed (and kept) the record empty."""
        old, idx.source = idx.source, source
        if isinstance(old, PooledFile):
            old.hand_over(source)
        self._swapped_out.append((time.monotonic() + SWAPPED_OUT_SECONDS, old))

    def _close_swapped_out(self, now: float) -> None:
        due = [source for when, source in self._swapped_out if when <= now]
        if due:
            self._swapped_out = [(when, source) for when, source in self._swapped_out if when > now]
            for source in due:
                source.close()

    def _retire_later(self, gen: _Generation) -> None:
        gen.drain_until = time.monotonic() + DRAIN_SECONDS
        self._draining.append(gen)

    # -- polling ------------------------------------------------------------------------------
    def poll(self, now: float | None = None) -> list[FileChange]:
        now = time.monotonic() if now is None else now
        changes: list[FileChange] = []
        if self._catcher is not None:
            self._catcher.pump()
        for watch in list(self._paths.values()):
            try:
                if self._catcher is not None:
                    changes.extend(self._account(watch, now))
                if watch.awaiting_copy:
                    changes.extend(self._await_copies(watch, now))
                if watch.recheck_until > now:
                    changes.extend(self._recover(watch, now))
                changes.extend(self._look(watch, now))
            except OSError as exc:  # one file's trouble never stops the others
                changes.append(_problem(watch, f"{watch.path.name}: {exc.strerror or exc}"))
        for gen in list(self._draining):
            changes.extend(self._drain(gen, now))
        self._close_swapped_out(time.monotonic())
        if self.folders and self.new_file is not None and now - self._last_rescan >= self.rescan_every:
            self._last_rescan = now
            changes.extend(self._rescan())
        return changes

    def _look(self, watch: _Path, now: float) -> list[FileChange]:
        try:
            st = os.stat(watch.path) if watch.follow_links else os.lstat(watch.path)
        except OSError:
            st = None
        cur = watch.current
        if cur is not None and st is not None and st.st_ino == cur.inode:
            if st.st_size < cur.index.scanned or _head_changed(cur):
                return self._truncated(watch, now)
            if not cur.head and st.st_size > 0:
                # Seen empty, now not: written, or written, copied, truncated and written
                # again since. A copy made meanwhile holds the first bytes: read it first.
                return self._recover(watch, now) + _grow(cur, final=False)
            return _grow(cur, final=False)
        out: list[FileChange] = []
        if cur is not None:
            out.extend(self._rotated(watch, cur, now))
            watch.current = None
        if st is None:
            return out
        if not stat.S_ISREG(st.st_mode):
            if watch.refused != st.st_ino:
                watch.refused = st.st_ino
                watch.generations += 1  # seen, and said: not a missed generation
                what = _what(st.st_mode)
                out.append(_problem(watch, f"{watch.path.name} is now {what}, not a regular file: not read"))
            return out
        return out + self._successors(watch, now)

    def _rotated(self, watch: _Path, cur: _Generation, now: float) -> list[FileChange]:
        """The path holds another file (or none): drain the old one where it went."""
        out: list[FileChange] = []
        if cur.source.size() < cur.index.scanned or _head_changed(cur):
            # Truncated (copytruncate) and then renamed, both since the last look.
            out, cur = self._cut(watch, cur, now)
            out.append(FileChange(cur.file, "new", len(cur.index), "written after the truncation"))
        lf = cur.file
        went = cur.source.where() if isinstance(cur.source, HeldSource) else None
        out.extend(_grow(cur, final=False))
        if went is not None and went != watch.path:
            lf.path = went
            self._known.add(str(went))
            if went.parent != watch.path.parent and went.parent not in watch.folders:
                watch.folders.append(went.parent)
            shown = went.name if went.parent == watch.path.parent else str(went)
            out.append(FileChange(lf, "rotated", 0, f"{watch.path.name} → {shown}"))
        else:
            out.append(FileChange(lf, "gone", 0, f"{watch.path.name} was deleted; kept what was read"))
        cur.drain_until = now + DRAIN_SECONDS
        self._draining.append(cur)
        return out

    def _successors(self, watch: _Path, now: float) -> list[FileChange]:
        """Read every generation made since the last look, then follow the one at the path."""
        out: list[FileChange] = []
        caught, dropped = self._catcher.take(watch.path) if self._catcher else ([], 0)
        newest: ByteSource | None = None
        try:
            newest = HeldSource.open(watch.path, watch.follow_links)
        except NotRegular as exc:
            out.append(_problem(watch, str(exc)))
        except FileNotFoundError:
            pass  # gone again: a later look finds what comes next
        except OSError:
            newest = _pooled(watch.path)  # no descriptor to spare: through the shared pool
        newest_inode = None if newest is None else _source_inode(newest)
        for held in caught:
            if held.inode == newest_inode or held.inode in self._read:
                held.close()
            else:
                watch.generations += 1
                out.extend(self._read_missed(watch, held, held.path, now, caught=True))
        out.extend(self._recover(watch, now))
        if newest is not None:
            if newest_inode is None or newest_inode in self._read:
                newest.close()  # a generation read already, back under its name
            else:
                watch.generations += 1
                gen = self._generation(watch, newest, watch.path)
                watch.current = gen
                out.append(FileChange(gen.file, "new", len(gen.index), "recreated"))
        if dropped:
            out.append(self._missed(watch, dropped))
        return out

    def _account(self, watch: _Path, now: float) -> list[FileChange]:
        """Generations inotify saw made at the path against those read: more made than
        read for DRAIN_SECONDS (logrotate's copy is counted before its truncation is seen)
        is a gap."""
        assert self._catcher is not None
        missed = self._catcher.generations(watch.path) + watch.base - watch.generations - watch.gaps
        if missed <= 0:
            watch.suspect_since = None
            return []
        if watch.suspect_since is None:
            watch.suspect_since = now
            return []
        if now - watch.suspect_since < DRAIN_SECONDS:
            return []
        watch.suspect_since = None
        return [self._missed(watch, missed)]

    def _missed(self, watch: _Path, count: int) -> FileChange:
        watch.gaps += count
        note = (
            f"{count} generation(s) of {watch.path.name} were made and rotated away before "
            "they could be read; size unknown"
        )
        return self._gap(watch, note, None)

    def _generation(self, watch: _Path, source: ByteSource, path: Path) -> _Generation:
        """A LogFile over one generation of `watch`'s path, indexed so far."""
        like = watch.like
        nf = LogFile(path, like.node, like.component, like.group, format_name=like.format_name)
        nf.node_year = like.node_year
        nf.index = FileIndex(
            source, like.index.format if like.index is not None else None, node_year=like.node_year
        )
        nf.problems.extend(source.problems)
        nf.index.update(final=False)
        inode = _source_inode(source) or 0
        gen = _Generation(nf, source, inode, source.read(0, HEAD_BYTES))
        self._read.add(inode)
        self._generations.append(gen)
        self.files.append(nf)
        return gen

    def _read_missed(
        self, watch: _Path, source: ByteSource, path: Path, now: float, caught: bool
    ) -> list[FileChange]:
        """A generation rotated away between two looks, read whole (and drained a while)."""
        gen = self._generation(watch, source, path)
        where = source.where() if isinstance(source, HeldSource) else path
        if where is not None:
            gen.file.path = where
            self._known.add(str(where))
        gen.drain_until = now + DRAIN_SECONDS
        self._draining.append(gen)
        how = "caught as it appeared" if caught else f"found as {gen.file.path.name}"
        note = f"a generation of {watch.path.name} rotated between two looks, {how}"
        return [FileChange(gen.file, "new", len(gen.index), note)]

    def _recover(self, watch: _Path, now: float) -> list[FileChange]:
        """Generations of `watch` on disk that were never read (made and rotated away
        between two looks): unknown inodes under a rotated name, written since following
        began, whose first bytes are not those of a generation read already."""
        out: list[FileChange] = []
        found: list[tuple[float, Path, bytes]] = []
        for entry in _folder_entries(watch):
            path = Path(entry.path)
            if not is_generation_of(path, watch.path):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            judged = (st.st_ino, st.st_mtime_ns)
            if not stat.S_ISREG(st.st_mode) or st.st_ino in self._read or judged in self._judged:
                continue
            if st.st_mtime < self._started:
                continue
            head = head_of(path)
            if not head:
                continue
            if any(_same_head(head, known.head) for known in self._generations):
                self._judged.add(judged)
                continue
            found.append((st.st_mtime, path, head))
        for _mtime, path, head in sorted(found):
            try:
                source = open_generation(path)
            except FileNotFoundError:
                source = None
            except OSError as exc:
                out.append(_problem(watch, f"{path.name}: {exc.strerror or exc}"))
                continue
            if source is None or _source_inode(source) in self._read or source.read(0, len(head)) != head:
                # Moved on meanwhile (renamed over, compressed): met under its next name soon.
                if source is not None:
                    source.close()
                watch.recheck_until = now + DRAIN_SECONDS
                continue
            watch.generations += 1
            out.extend(self._read_missed(watch, source, path, now, caught=False))
        return out

    def _drain(self, gen: _Generation, now: float) -> list[FileChange]:
        assert gen.drain_until is not None
        final = now >= gen.drain_until
        out = _grow(gen, final=final)
        if final:
            self._draining.remove(gen)
            self._release(gen)
        return out

    def _release(self, gen: _Generation) -> None:
        """A drained generation's descriptor goes back to the shared pool when the file is
        still there under a name (its text stays readable, found again by inode); a deleted
        one keeps it, as only that descriptor still reads it."""
        held = gen.source
        if not isinstance(held, HeldSource) or gen.index.source is not held:
            return
        where = held.where()
        if where is None:
            return
        try:
            pooled = open_source(where)
        except OSError:
            return
        if _source_inode(pooled) != held.inode:
            pooled.close()
            return
        try:
            mtime = os.stat(where, follow_symlinks=False).st_mtime_ns
        except OSError:
            pooled.close()
            return
        gen.source = pooled
        self._swap_source(gen.index, pooled)
        # No longer held, its inode may be reused once it is deleted: known with its mtime.
        self._read.discard(held.inode)
        self._judged.add((held.inode, mtime))

    def _truncated(self, watch: _Path, now: float) -> list[FileChange]:
        """copytruncate: the old bytes now live in the copy logrotate made first."""
        assert watch.current is not None
        out, gen = self._cut(watch, watch.current, now)
        watch.current = gen
        out.append(FileChange(gen.file, "new", len(gen.index), "recreated"))
        return out

    def _cut(self, watch: _Path, cur: _Generation, now: float) -> tuple[list[FileChange], _Generation]:
        """`cur` was truncated: its index switches to the copy (when found), and a new
        generation reads the same descriptor from its first byte."""
        lf, idx = cur.file, cur.index
        held = cur.source
        # Until its copy is found the old generation has no bytes to show: never the live
        # file's new ones at the old offsets.
        idx.source = MemorySource(watch.path, b"", ["truncated"])
        out = self._copy_found(watch, cur)
        if not out:
            watch.awaiting_copy.append((cur, now + DRAIN_SECONDS))
        out.extend(self._recover(watch, now))
        # The live file goes on through the same descriptor, from its first byte.
        nf = LogFile(watch.path, lf.node, lf.component, lf.group, format_name=lf.format_name)
        nf.index = FileIndex(held, idx.format)
        nf.index.update(final=False)
        self.files.append(nf)
        gen = _Generation(nf, held, cur.inode, held.read(0, HEAD_BYTES))
        self._generations.append(gen)
        watch.generations += 1  # the file goes on as a new generation (its copy was counted made)
        return out, gen

    def _copy_found(self, watch: _Path, old: _Generation) -> list[FileChange]:
        """Switch a truncated generation to its copy, when the copy can be found."""
        copy = self._find_copy(watch, old.head)
        if copy is None:
            return []
        path, source = copy
        lf, idx = old.file, old.index
        idx.source = source
        lf.path = path
        idx.update(final=True)  # lines the writer added before the copy was made
        if path.parent != watch.path.parent and path.parent not in watch.folders:
            watch.folders.append(path.parent)
        self._known.add(str(path))
        return [FileChange(lf, "truncated", 0, f"old records now read from {path.name}")]

    def _await_copies(self, watch: _Path, now: float) -> list[FileChange]:
        """Look again for the copies of truncated generations; past the deadline, say so."""
        out: list[FileChange] = []
        for old, deadline in list(watch.awaiting_copy):
            found = self._copy_found(watch, old)
            if not found and now < deadline:
                continue
            watch.awaiting_copy.remove((old, deadline))
            if found:
                out.extend(found)
                continue
            idx = old.index
            note = (
                f"{watch.path.name} was truncated and its rotated copy was not found: the text of "
                f"{len(idx):,} records ({idx.scanned:,} bytes) read before can no longer be shown"
            )
            old.file.problems.append(note)
            out.append(FileChange(old.file, "truncated", 0, note))
            last = idx.keys[-1] if idx.times and len(idx.keys) else None
            out.append(self._gap(watch, note, idx.scanned, problem=False, key=last))
        return out

    def _find_copy(self, watch: _Path, head: bytes) -> tuple[Path, ByteSource] | None:
        """The rotated file whose first bytes are `head`, in the path's folder or a folder
        in or beside it; the largest when several match (a plain copy and its .gz)."""
        if not head:
            return None
        matches: list[tuple[int, Path]] = []
        for entry in _folder_entries(watch):
            path = Path(entry.path)
            # Beside the log, any name that extends the log's is a copy (`x.log.copy`, `x.log.1`).
            beside = path.parent == watch.path.parent and path.name.startswith(watch.path.name)
            named = is_generation_of(path, watch.path) or (beside and path != watch.path)
            if not named or not entry.is_file(follow_symlinks=False) or entry.inode() in self._read:
                continue  # a generation held already is never the copy of another
            if _same_head(head_of(path, len(head)), head):
                try:
                    matches.append((entry.stat(follow_symlinks=False).st_size, path))
                except OSError:
                    continue
        for _size, path in sorted(matches, reverse=True, key=lambda m: (not m[1].name.endswith(".gz"), m[0])):
            try:
                source = open_generation(path)
            except OSError:
                continue
            inode = _source_inode(source)
            if inode in self._read or not _same_head(source.read(0, len(head)), head):
                source.close()  # renamed over by logrotate between the listing and the open
                continue
            if inode is not None:
                self._read.add(inode)
            return path, source
        return None

    def _gap(
        self, watch: _Path, note: str, missed: int | None, problem: bool = True, key: int | None = None
    ) -> FileChange:
        """A gap: said on the live file (tree, status bar) and as a marker record in the
        stream, at the time of the last record read before it."""
        like = watch.current.file if watch.current is not None else watch.like
        if problem:
            like.problems.append(note)
        where = self._last_key(watch) if key is None else key
        return FileChange(_marker(watch, note, where), "gap", 1, note, missed)

    def _last_key(self, watch: _Path) -> int | None:
        like = watch.like
        candidates = [g for g in self._draining if (g.file.group, g.file.node) == (like.group, like.node)]
        if watch.current is not None:
            candidates.append(watch.current)
        keys = [g.index.keys[-1] for g in candidates if g.index.times and len(g.index.keys)]
        return max(keys) if keys else None

    def _rescan(self) -> list[FileChange]:
        out: list[FileChange] = []
        assert self.new_file is not None
        for folder in self.folders:
            try:
                with os.scandir(folder) as it:
                    entries = list(it)
            except OSError:
                continue
            for entry in entries:
                if entry.path in self._known or not entry.is_file(follow_symlinks=False):
                    continue
                self._known.add(entry.path)
                path = Path(entry.path)
                try:
                    inode = entry.inode()
                except OSError:
                    continue
                if inode in self._read or any(is_generation_of(path, p) for p in self._paths):
                    continue  # a rotated generation of a followed file, under its new name
                nf = self.new_file(path)
                if nf is None:
                    continue
                try:
                    held = HeldSource.open(path)
                except OSError as exc:
                    nf.problems.append(f"{path.name}: {exc.strerror or exc}")
                    continue
                nf.index = FileIndex(held, None)
                nf.index.update(final=False)
                self.files.append(nf)
                self._known.add(str(nf.path))
                self._watch_new(nf, held)
                out.append(FileChange(nf, "new", len(nf.index), "a new log file"))
        return out

    def _watch_new(self, nf: LogFile, held: HeldSource) -> None:
        self._read.add(held.inode)
        gen = _Generation(nf, held, held.inode, held.read(0, HEAD_BYTES))
        self._generations.append(gen)
        self._paths[nf.path] = _Path(nf.path, nf, False, gen, generations=1, base=1)
        if self._catcher is not None:
            self._catcher.follow(nf.path, False)


def _grow(gen: _Generation, final: bool) -> list[FileChange]:
    added = gen.index.update(final=final)
    if len(gen.head) < HEAD_BYTES and gen.index.scanned > len(gen.head):
        gen.head = gen.source.read(0, HEAD_BYTES)
    return [FileChange(gen.file, "grew", added)] if added else []


def _head_changed(gen: _Generation) -> bool:
    """Truncated and written again past the old size between two polls: the first
    bytes tell, when they differ from what the file began with."""
    if not gen.head:
        return False
    probe = gen.source.read(0, min(64, len(gen.head)))
    return probe != gen.head[: len(probe)]


def _pooled(path: Path) -> ByteSource | None:
    """`path` through the shared descriptor pool, when this follower has none to spare."""
    try:
        return open_source(path)
    except OSError:
        return None


def _find_inode(folder: Path, inode: int) -> Path | None:
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False) and entry.inode() == inode:
                    return Path(entry.path)
    except OSError:
        return None
    return None


def _same_head(a: bytes, b: bytes) -> bool:
    """The same first bytes, whether either was read with CRs as LFs or not."""
    n = min(len(a), len(b))
    return n > 0 and a[:n].translate(CR_TO_LF) == b[:n].translate(CR_TO_LF)


def _source_inode(source: ByteSource) -> int | None:
    if isinstance(source, HeldSource):
        return source.inode
    inode = getattr(source, "inode", None)
    if callable(inode):
        try:
            return int(inode())
        except OSError:
            return None
    return None


def _problem(watch: _Path, note: str) -> FileChange:
    lf = watch.current.file if watch.current is not None else watch.like
    if note not in lf.problems:
        lf.problems.append(note)
    return FileChange(lf, "problem", 0, note)


def _marker(watch: _Path, note: str, key: int | None) -> LogFile:
    """A one-record LogFile saying what was missed, shown in the stream where it happened."""
    like = watch.like
    text = f"[ostui] gap in {watch.path.name}: {note}\n".encode("utf-8", "replace")
    fmt = like.index.format if like.index is not None else None
    index = FileIndex(MemorySource(watch.path, text), fmt, times=like.index.times if like.index else True)
    index.update(final=True)
    if len(index):
        index.levels[0] = Level.WARNING
        if index.times and key is not None and len(index.keys):
            index.keys[0] = key
    return LogFile(watch.path, like.node, like.component, like.group, index=index)
