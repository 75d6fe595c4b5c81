"""Byte sources: read a log file, plain or gzip, without ever writing to it.

A plain file is read with `os.pread`. Its descriptor lives in a pool shared by every
source (`DescriptorPool`): a tree of 20,000 files is read with a few hundred
descriptors at most, the least recently used ones closed and reopened when read
again. A reopened file is checked to be the same file (device, inode and first bytes);
a file rotated to another name in its folder is found again by its inode.

A gzip file is decompressed once, streaming, into a spill file in a private temporary
folder (deleted when the source is closed or the process ends), so memory stays flat
whatever the archive holds; the spill stops before its filesystem runs short. Each
member has a cap (`GzipLimits`): a member that would expand past it is reported as a
likely decompression bomb and not loaded. A truncated archive keeps what could be
decompressed and says so in `problems`; a `.gz` that is plain text is read as text,
with a note.

Only regular files are read: a FIFO, socket or device is refused without blocking.
A file whose lines end in CR alone (old Mac) is read with LF in their place.
"""

from __future__ import annotations

import atexit
import errno
import os
import shutil
import stat
import tempfile
import threading
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

from ..sizes import parse_size

BLOCK_SIZE = 8 << 20
GIB = 1 << 30
MIB = 1 << 20
OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
CR_TO_LF = bytes.maketrans(b"\r", b"\n")
T = TypeVar("T")


class ByteSource:
    """Random access to the (decompressed) bytes of one log file."""

    path: Path
    problems: list[str]

    def size(self) -> int:
        raise NotImplementedError

    def read(self, offset: int, length: int) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the source holds; reads after this fail."""

    def on_disk(self) -> tuple[Path, int, bool] | None:
        """(the file's path now, its inode, whether CRs are read as LFs) for another process
        to read the same bytes; None where the bytes are not a plain file's own."""
        return None

    def find_all(
        self,
        needle: bytes,
        start: int = 0,
        limit: int | None = None,
        block_size: int = BLOCK_SIZE,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> list[int]:
        """Offsets from `start` of every occurrence of `needle` (the first `limit` of them),
        found at C speed; those found so far once `cancelled()` (looked at every block)."""
        out: list[int] = []
        overlap = len(needle) - 1
        pos = start
        for block in self.blocks(start, block_size=block_size):
            if cancelled():
                break
            find = block.find
            i = find(needle)
            while i >= 0:
                out.append(pos + i)
                i = find(needle, i + 1)
            pos += len(block)
            if overlap > 0:  # an occurrence straddling this block's end and the next's start
                lo = max(start, pos - overlap)
                i = self.read(lo, pos + overlap - lo).find(needle)
                if 0 <= i < pos - lo:
                    out.append(lo + i)
            if limit is not None and len(out) >= limit:
                break
        out.sort()
        return out if limit is None else out[:limit]

    def blocks(self, start: int = 0, end: int | None = None, block_size: int = BLOCK_SIZE) -> Iterator[bytes]:
        """Consecutive blocks from `start` to `end` (default: the current size)."""
        stop = self.size() if end is None else end
        pos = start
        while pos < stop:
            data = self.read(pos, min(block_size, stop - pos))
            if not data:
                return
            yield data
            pos += len(data)


# -- the descriptor pool --------------------------------------------------------------


def _pool_capacity() -> int:
    """A quarter of the soft descriptor limit, between 16 and 512: the rest is left to
    sockets, pipes, ssh and the terminal (64 at `ulimit -n 256`, 256 at 1024)."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft == resource.RLIM_INFINITY:
            soft = 1 << 16
    except (ImportError, OSError, ValueError):
        soft = 1024
    return max(16, min(512, soft // 4))


class DescriptorPool:
    """Open descriptors of pooled files, least recently used first.

    A descriptor in use by a read is pinned and never closed under it (reads run in
    several threads); past `capacity` the oldest unpinned one is closed."""

    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = capacity or _pool_capacity()
        self._open: OrderedDict[PooledFile, None] = OrderedDict()
        self._lock = threading.Lock()
        self.opened = 0  # descriptors opened, first opens and reopens after eviction

    def __len__(self) -> int:
        return len(self._open)

    def acquire(self, src: PooledFile) -> int:
        """`src`'s descriptor, opened again if it was closed; pinned until `release`."""
        with self._lock:
            if src._closed:
                raise SourceClosed(errno.EBADF, "the source is closed", str(src.path))
            fd = src._fd
            if fd is None:
                self._evict(self.capacity - 1)
                try:
                    fd = src._reopen()
                except OSError as exc:
                    if not self._shrink(exc):
                        raise
                    fd = src._reopen()
                self.opened += 1
                src._fd = fd
                self._open[src] = None
            else:
                self._open.move_to_end(src)
            src._pins += 1
            return fd

    def release(self, src: PooledFile) -> None:
        with self._lock:
            src._pins -= 1
            if src._closed and not src._pins and src._fd is not None:
                os.close(src._fd)  # closed while this read ran: now it can go
                src._fd = None

    def forget(self, src: PooledFile) -> None:
        """Close `src`'s descriptor for good (the source is closed). A read running in
        another thread keeps it until it is done: `release` closes it then, so the number
        cannot be reused by another file under that read."""
        with self._lock:
            self._open.pop(src, None)
            if src._fd is not None and not src._pins:
                os.close(src._fd)
                src._fd = None

    def open_outside(self, opener: Callable[[], T]) -> T:
        """Run `opener`, which opens a descriptor the pool does not hold; when the
        process is out of descriptors, the pool gives some back and it runs once more."""
        try:
            return opener()
        except OSError as exc:
            with self._lock:
                if not self._shrink(exc):
                    raise
            return opener()

    def _shrink(self, exc: OSError) -> bool:
        """After EMFILE/ENFILE: others hold more descriptors than the capacity allowed
        for, so keep fewer from now on. Whether any was closed."""
        if exc.errno not in (errno.EMFILE, errno.ENFILE):
            return False
        self.capacity = max(8, len(self._open) // 2)
        return self._evict(self.capacity - 1)

    def _evict(self, keep: int) -> bool:
        """Close the oldest unpinned descriptors until at most `keep` are open."""
        closed = False
        while len(self._open) > keep:
            oldest = next((src for src in self._open if not src._pins), None)
            if oldest is None:
                break  # every one is being read: go past the capacity for a moment
            del self._open[oldest]
            if oldest._fd is not None:
                os.close(oldest._fd)
                oldest._fd = None
                closed = True
        return closed

    def _after_fork(self) -> None:
        self._lock = threading.Lock()


POOL = DescriptorPool()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=POOL._after_fork)


def _open_regular(path: Path | str) -> tuple[int, os.stat_result]:
    """A descriptor on a regular file; a FIFO, socket or device is refused (opened
    non-blocking, so a FIFO with no writer cannot hang the caller)."""
    fd = os.open(path, OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, f"not a regular file ({file_kind(info.st_mode)})", str(path))
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, word in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return word
    return "not a regular file"


class LostFile(OSError):
    """A pooled file could not be opened again as the same file."""


class SourceClosed(LostFile):
    """A read raced with `close()` in another thread: it reads nothing, like any read after."""


HEAD_CHECK = 64  # first bytes compared when a file is opened again


class PooledFile(ByteSource):
    """A regular file read with `pread` through the descriptor pool.

    Reopened after eviction, it must be the same file: the same device and inode (found
    again in its folder if it was renamed) and the same first bytes (an inode number is
    reused at once by a new file after a delete). A file that cannot be found again is
    lost: reads give nothing from then on and `lost` says why (also in `problems`)."""

    def __init__(self, path: Path, pool: DescriptorPool = POOL) -> None:
        self.path = path
        self.problems = []
        self.cr_lines = False  # old Mac line ends: every CR is read as LF (same length)
        self.lost: str | None = None
        self._pool = pool
        self._where = str(path)  # where to reopen it: the file may be renamed meanwhile
        self._fd: int | None = None
        self._pins = 0
        self._closed = False
        self._identity: tuple[int, int] | None = None  # (device, inode), set by the first open
        self._head = b""
        self._successor: ByteSource | None = None  # where reads go once handed over
        pool.acquire(self)  # opens it now: a file that cannot be read says so at once
        pool.release(self)

    def _reopen(self) -> int:
        """Open the file (again); called by the pool, under its lock."""
        if self._closed:
            raise SourceClosed(errno.EBADF, "the source is closed", str(self.path))
        if self._identity is None:
            fd, info = _open_regular(self._where)
            self._identity = (info.st_dev, info.st_ino)
            self._head = os.pread(fd, HEAD_CHECK, 0)
            return fd
        for where in (self._where, None):
            where = where or _find_by_inode(Path(self._where).parent, self._identity)
            if where is None:
                break
            try:
                fd, info = _open_regular(where)
            except FileNotFoundError:
                continue
            same_head = os.pread(fd, len(self._head), 0) == self._head
            if (info.st_dev, info.st_ino) == self._identity and same_head:
                self._where = where
                return fd
            os.close(fd)
        self.lost = (
            "the file was deleted or replaced while its descriptor was closed (more files open"
            " than the descriptor pool holds): its text can no longer be read"
        )
        self.problems.append(self.lost)
        raise LostFile(errno.ESTALE, self.lost, str(self.path))

    def hand_over(self, successor: ByteSource) -> None:
        """Reads go to `successor`, another source of the same file, from now on, also once
        this one is closed: a reader that took this one before the index moved on to the
        other (a search through a big file) reads to the end. Closing it no longer cut them."""
        self._successor = successor

    def size(self) -> int:
        if self._successor is not None:
            return self._successor.size()
        if self._closed or self.lost:
            return 0
        try:
            fd = self._pool.acquire(self)
        except LostFile:
            return 0
        try:
            return os.fstat(fd).st_size
        finally:
            self._pool.release(self)

    def read(self, offset: int, length: int) -> bytes:
        if self._successor is not None:
            return self._successor.read(offset, length)
        if self._closed or self.lost or length <= 0:
            return b""
        try:
            fd = self._pool.acquire(self)
        except LostFile:
            return b""
        try:
            data = os.pread(fd, length, offset)
        finally:
            self._pool.release(self)
        return data.translate(CR_TO_LF) if self.cr_lines else data

    def inode(self) -> int:
        if self._closed or self._identity is None:
            raise OSError("closed")
        return self._identity[1]

    def close(self) -> None:
        self._closed = True
        self._pool.forget(self)


class FileSource(PooledFile):
    """A log file on disk, plain text (may be live: it can grow)."""

    def on_disk(self) -> tuple[Path, int, bool] | None:
        try:
            return self.path, self.inode(), self.cr_lines
        except OSError:  # closed
            return None


def _find_by_inode(folder: Path, identity: tuple[int, int]) -> str | None:
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if (
                    entry.inode() == identity[1]
                    and entry.is_file(follow_symlinks=False)
                    and entry.stat(follow_symlinks=False).st_dev == identity[0]
                ):
                    return entry.path
    except OSError:
        return None
    return None


class MemorySource(ByteSource):
    """Bytes already in memory: pasted text, tests."""

    def __init__(self, path: Path, data: bytes, problems: list[str] | None = None) -> None:
        self.path = path
        self.data = data
        self.problems = problems or []

    def size(self) -> int:
        return len(self.data)

    def read(self, offset: int, length: int) -> bytes:
        return self.data[offset : offset + length]

    def find_all(
        self,
        needle: bytes,
        start: int = 0,
        limit: int | None = None,
        block_size: int = BLOCK_SIZE,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> list[int]:
        out: list[int] = []
        i = self.data.find(needle, start) if needle else -1
        while i >= 0 and (limit is None or len(out) < limit):
            out.append(i)
            i = self.data.find(needle, i + 1)
        return out


# -- gzip -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GzipLimits:
    """How far one gzip member may expand before it is refused.

    max_member: bytes of output per member. 4 GiB: the gzip trailer records sizes modulo
    4 GiB, and no rotated service log of a day comes near it.
    max_ratio: output per compressed byte, checked once a member has produced
    `ratio_after` bytes. The real logs in tests/data compress 11-56:1 at gzip's default
    level (the most repetitive, a neutron DHCP agent's, 55:1); deflate's ceiling is
    ~1032:1, reached by runs of one byte: 200:1 refuses a bomb after 64 MiB of output,
    in a fraction of a second, instead of after 4 GiB.
    Set from the environment: OSTUI_GZIP_MAX (bytes, suffix K/M/G), OSTUI_GZIP_MAX_RATIO.
    """

    max_member: int = 4 * GIB
    max_ratio: float = 200.0
    ratio_after: int = 64 * MIB

    @classmethod
    def from_environment(cls, problems: list[str]) -> GzipLimits:
        limits = cls()
        size_text = os.environ.get("OSTUI_GZIP_MAX")
        if size_text:
            try:
                limits = cls(max_member=parse_size(size_text), max_ratio=limits.max_ratio)
            except ValueError:
                problems.append(
                    f"OSTUI_GZIP_MAX={size_text!r} is not a size; using {limits.max_member} bytes"
                )
        ratio_text = os.environ.get("OSTUI_GZIP_MAX_RATIO")
        if ratio_text:
            try:
                ratio = float(ratio_text)
                if not ratio > 0:
                    raise ValueError(ratio_text)
                limits = cls(max_member=limits.max_member, max_ratio=ratio)
            except ValueError:
                problems.append(
                    f"OSTUI_GZIP_MAX_RATIO={ratio_text!r} is not a ratio; using {limits.max_ratio:g}"
                )
        return limits


class GzipOverCap(Exception):
    """A member would expand past its cap."""


GZIP_IN_CHUNK = 256 << 10
GZIP_OUT_CHUNK = 1 << 20


def decompress_members(
    read_chunk: Callable[[], bytes], write: Callable[[bytes], object], limits: GzipLimits = GzipLimits()
) -> list[str]:
    """Decompress every gzip member from `read_chunk()` into `write`, a bounded chunk at
    a time; returns the problems. On damage or truncation what was decompressed stays
    written; a member past its cap is cut back out (nothing of it is kept)."""
    problems: list[str] = []
    total = 0  # bytes written
    read_in = 0  # compressed bytes read
    pending = b""
    member = 0
    while True:
        if not pending:
            pending = read_chunk()
            read_in += len(pending)
            if not pending:
                return problems
        if member and not pending.strip(b"\0"):
            # Zero padding after the last member is common (tape blocks, preallocation).
            pending = b""
            continue
        member += 1
        d = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, auto-detected
        member_in = 0
        member_out = 0
        before = total  # bytes written before this member
        member_at = read_in - len(pending)  # compressed offset where the member starts
        data = pending
        try:
            while True:
                out = d.decompress(data, GZIP_OUT_CHUNK)
                member_in += len(data) - len(d.unconsumed_tail) - len(d.unused_data)
                data = d.unconsumed_tail
                if out:
                    member_out += len(out)
                    _check_cap(member_out, member_in, limits)
                    write(out)
                    total += len(out)
                if d.eof:
                    pending = d.unused_data
                    break
                if not data:
                    data = read_chunk()
                    read_in += len(data)
                    if not data:
                        tail = d.flush()
                        write(tail)
                        total += len(tail)
                        problems.append(f"truncated gzip: the archive ends early; kept {total} bytes")
                        return problems
        except zlib.error as exc:
            problems.append(f"damaged gzip data in member {member} after {total} bytes: {exc}")
            return problems
        except GzipOverCap as exc:
            problems.append(
                f"gzip member {member} (at compressed byte {member_at}) not loaded, a likely"
                f" decompression bomb: {exc}; the {before} bytes before it are kept,"
                " the rest of the archive is not read"
            )
            raise GzipCut(before, problems) from None


class GzipCut(Exception):
    """A member was refused: keep only the first `keep` bytes written."""

    def __init__(self, keep: int, problems: list[str]) -> None:
        super().__init__(keep)
        self.keep = keep
        self.problems = problems


def _check_cap(member_out: int, member_in: int, limits: GzipLimits) -> None:
    if member_out > limits.max_member:
        raise GzipOverCap(f"expands past {limits.max_member} bytes (the cap per member)")
    if member_out >= limits.ratio_after and member_out > limits.max_ratio * max(member_in, 1):
        raise GzipOverCap(
            f"{member_in} compressed bytes already expand to {member_out}"
            f" ({member_out / max(member_in, 1):.0f}:1, the cap is {limits.max_ratio:g}:1)"
        )


def gunzip(raw: bytes, limits: GzipLimits = GzipLimits()) -> tuple[bytes, list[str]]:
    """Decompress gzip bytes held in memory (small archives; `open_source` streams)."""
    out: list[bytes] = []
    chunks = iter([raw])
    try:
        problems = decompress_members(lambda: next(chunks, b""), out.append, limits)
    except GzipCut as cut:
        return b"".join(out)[: cut.keep], cut.problems
    return b"".join(out), problems


SPILL_PREFIX = "ostui-spill-"


class _SpillFolder:
    """A private folder (mode 0700) for decompressed archives, removed at exit.

    Its name carries the process id: a process that was killed cannot remove its
    folder, so the next one removes the folders of processes that no longer run."""

    def __init__(self) -> None:
        self._path: str | None = None
        self._owner = 0
        self._lock = threading.Lock()

    def new_file(self) -> tuple[int, str]:
        with self._lock:
            if self._path is None or self._owner != os.getpid():
                self._owner = os.getpid()
                remove_stale_spills(tempfile.gettempdir())
                self._path = tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{self._owner}-")
                atexit.register(_remove_folder, self._path, self._owner)
            return tempfile.mkstemp(suffix=".log", dir=self._path)


def remove_stale_spills(folder: str) -> list[str]:
    """Remove spill folders, ours (same user), of processes that no longer run."""
    removed: list[str] = []
    try:
        names = [name for name in os.listdir(folder) if name.startswith(SPILL_PREFIX)]
    except OSError:
        return removed
    for name in names:
        pid_text = name[len(SPILL_PREFIX) :].partition("-")[0]
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
            if not pid_text.isdigit() or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
                continue
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        except (OSError, ValueError, OverflowError):
            continue  # alive (maybe someone else's), or not ours to judge
    return removed


def _remove_folder(path: str, owner: int) -> None:
    if os.getpid() == owner:  # a forked worker leaves its parent's folder alone
        shutil.rmtree(path, ignore_errors=True)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


SPILL = _SpillFolder()


class SpillSource(PooledFile):
    """The decompressed bytes of an archive, in a spill file deleted on close."""

    def __init__(self, path: Path, spill: str, problems: list[str]) -> None:
        super().__init__(Path(spill))
        self.path = path
        self.problems = problems
        self._spill = spill
        self._finalizer = weakref.finalize(self, _unlink, spill)

    def close(self) -> None:
        super().close()
        self._finalizer()


# Free space the spill leaves on its filesystem: ostui runs as root on controllers, where
# a full /tmp breaks services. The larger of this and 5 % of the filesystem.
SPILL_KEEP_FREE = 1 * GIB


class SpillFull(Exception):
    """Writing more would leave too little free space where the spill lives."""


class _SpillWriter:
    """Writes to a spill file while its filesystem keeps SPILL_KEEP_FREE free."""

    def __init__(self, out: BinaryIO, folder: str) -> None:
        self.out = out
        self.folder = folder
        self.written = 0

    def write(self, data: bytes) -> None:
        fs = os.statvfs(self.folder)
        keep = max(SPILL_KEEP_FREE, fs.f_blocks * fs.f_frsize // 20)
        if fs.f_bavail * fs.f_frsize - len(data) < keep:
            raise SpillFull(
                f"decompression stopped after {self.written} bytes: {self.folder} would have"
                f" less than {keep} bytes free (set TMPDIR to a roomier place to read it all)"
            )
        self.out.write(data)
        self.written += len(data)


def open_gzip(path: Path, limits: GzipLimits | None = None) -> ByteSource:
    """Decompress `path` into a spill file; a `.gz` that is plain text is read as it is."""
    problems: list[str] = []
    if limits is None:
        limits = GzipLimits.from_environment(problems)
    fd, _info = POOL.open_outside(lambda: _open_regular(path))
    try:
        head = os.pread(fd, 4096, 0)
        if head[:2] != b"\x1f\x8b" and looks_like_text(head):
            source = open_plain(path)
            source.problems[:0] = [*problems, "named .gz but not compressed: read as plain text"]
            return source
        out_fd, spill = POOL.open_outside(SPILL.new_file)
        try:
            with os.fdopen(out_fd, "wb") as out:
                writer = _SpillWriter(out, os.path.dirname(spill))
                try:
                    problems += decompress_members(lambda: os.read(fd, GZIP_IN_CHUNK), writer.write, limits)
                except GzipCut as cut:
                    problems += cut.problems
                    out.truncate(cut.keep)
                except SpillFull as full:
                    problems.append(str(full))
            return SpillSource(path, spill, problems)
        except BaseException:
            _unlink(spill)
            raise
    finally:
        os.close(fd)


def looks_like_text(head: bytes) -> bool:
    """Whether the first bytes of a file read as text (no NUL, few control bytes)."""
    if not head or b"\0" in head:
        return not head
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13, 27))
    return controls * 100 <= len(head)


def estimated_size(path: Path) -> int:
    """Bytes a file holds once read: a gzip's trailer says (modulo 4 GiB, of its last
    member), other files their size; 0 when it cannot be read (or is no regular file)."""
    try:
        fd, info = _open_regular(path)
    except OSError:
        return 0
    try:
        size = info.st_size
        if not path.name.endswith(".gz") or size < 18 or os.pread(fd, 2, 0) != b"\x1f\x8b":
            return size  # a plain file, or plain text named .gz
        return max(size, int.from_bytes(os.pread(fd, 4, size - 4), "little"))
    except OSError:
        return 0
    finally:
        os.close(fd)


CR_SNIFF = 64 << 10  # first bytes that tell a file's line ends


def cr_lines_in(head: bytes) -> bool:
    """Old Mac line ends: more CRs alone than LFs in a file's first bytes."""
    return head.count(b"\r") - head.count(b"\r\n") > head.count(b"\n")


def open_plain(path: Path) -> FileSource:
    """A plain file; old Mac line ends (CR alone) are read as LF, with a note."""
    source = FileSource(path)
    if cr_lines_in(source.read(0, CR_SNIFF)):
        source.cr_lines = True
        source.problems.append("lines end in CR alone (old Mac style): each CR is read as a line end")
    return source


def open_source(path: Path) -> ByteSource:
    """Open a log file for reading; raises OSError when it cannot be opened."""
    if path.name.endswith(".gz"):
        return open_gzip(path)
    return open_plain(path)


class SliceSource(ByteSource):
    """The bytes of another source from `start` (to `end`): a file's tail, or one part of
    a file indexed by a worker process."""

    def __init__(self, inner: ByteSource, start: int, end: int | None = None) -> None:
        self.inner = inner
        self.start = start
        self.end = end
        self.path = inner.path
        self.problems = []

    def size(self) -> int:
        stop = self.inner.size() if self.end is None else min(self.end, self.inner.size())
        return max(0, stop - self.start)

    def read(self, offset: int, length: int) -> bytes:
        # Cut at `end` only: the inner source stops at its own end (no size asked for each
        # read, an fstat: a tenth of the cost of shaping a part's error records).
        if self.end is not None:
            length = min(length, self.end - self.start - offset)
        return self.inner.read(self.start + offset, length) if length > 0 and offset >= 0 else b""


def tail_start(source: ByteSource, nbytes: int) -> int:
    """Offset of the first line start within the last `nbytes` of `source`."""
    size = source.size()
    if size <= nbytes:
        return 0
    pos = size - nbytes
    nl = source.read(pos - 1, 64 << 10).find(b"\n")
    return pos + nl if nl >= 0 else pos
