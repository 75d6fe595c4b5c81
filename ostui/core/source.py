"""Byte sources: read a log file, plain or gzip, without ever writing to it.

A plain file is read with `os.pread` on a descriptor kept open, so a file that is
rotated or deleted while open stays readable. A gzip file is decompressed once into
memory (rotated logs are small next to live ones); a truncated archive keeps what
could be decompressed and says so in `problems`.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from pathlib import Path

BLOCK_SIZE = 8 << 20


class ByteSource:
    """Random access to the (decompressed) bytes of one log file."""

    path: Path
    problems: list[str]

    def size(self) -> int:
        raise NotImplementedError

    def read(self, offset: int, length: int) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        """Release the descriptor; reads after this fail."""

    def find_all(self, needle: bytes) -> list[int]:
        """Offsets of every occurrence of `needle`, found at C speed."""
        out: list[int] = []
        overlap = len(needle) - 1
        pos = 0
        for block in self.blocks():
            find = block.find
            i = find(needle)
            while i >= 0:
                out.append(pos + i)
                i = find(needle, i + 1)
            pos += len(block)
        if overlap > 0:  # occurrences straddling two blocks
            edges = range(BLOCK_SIZE, self.size(), BLOCK_SIZE)
            for edge in edges:
                window = self.read(edge - overlap, 2 * overlap)
                i = window.find(needle)
                if 0 <= i < overlap:
                    out.append(edge - overlap + i)
            out.sort()
        return out

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


class FileSource(ByteSource):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems = []
        self._fd: int | None = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

    def size(self) -> int:
        if self._fd is None:
            return 0
        return os.fstat(self._fd).st_size

    def read(self, offset: int, length: int) -> bytes:
        if self._fd is None or length <= 0:
            return b""
        return os.pread(self._fd, length, offset)

    def inode(self) -> int:
        if self._fd is None:
            raise OSError("closed")
        return os.fstat(self._fd).st_ino

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class MemorySource(ByteSource):
    """Bytes already in memory: decompressed archives, pasted text, tests."""

    def __init__(self, path: Path, data: bytes, problems: list[str] | None = None) -> None:
        self.path = path
        self.data = data
        self.problems = problems or []

    def size(self) -> int:
        return len(self.data)

    def read(self, offset: int, length: int) -> bytes:
        return self.data[offset : offset + length]

    def find_all(self, needle: bytes) -> list[int]:
        out: list[int] = []
        i = self.data.find(needle) if needle else -1
        while i >= 0:
            out.append(i)
            i = self.data.find(needle, i + 1)
        return out


def gunzip(raw: bytes) -> tuple[bytes, list[str]]:
    """Decompress every gzip member of `raw`; on damage keep what was readable."""
    out: list[bytes] = []
    problems: list[str] = []
    pos = 0
    while pos < len(raw):
        d = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, auto-detected
        try:
            out.append(d.decompress(raw[pos:]))
            out.append(d.flush())
        except zlib.error as exc:
            problems.append(f"damaged gzip data after {sum(map(len, out))} bytes: {exc}")
            break
        if not d.eof:
            problems.append(f"truncated gzip: the archive ends early; kept {sum(map(len, out))} bytes")
            break
        consumed = len(raw) - pos - len(d.unused_data)
        pos += consumed
        # Trailing zero padding after the last member is common and harmless.
        if not d.unused_data.strip(b"\0"):
            break
    return b"".join(out), problems


def estimated_size(path: Path) -> int:
    """Bytes a file holds once read: a gzip's trailer says (modulo 4 GiB, of its last
    member), other files their size; 0 when it cannot be read."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            if not path.name.endswith(".gz") or size < 18:
                return size
            f.seek(-4, os.SEEK_END)
            return max(size, int.from_bytes(f.read(4), "little"))
    except OSError:
        return 0


def open_source(path: Path) -> ByteSource:
    """Open a log file for reading; raises OSError when it cannot be opened."""
    if path.name.endswith(".gz"):
        raw = path.read_bytes()
        data, problems = gunzip(raw)
        return MemorySource(path, data, problems)
    return FileSource(path)


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
        length = min(length, self.size() - offset)
        return self.inner.read(self.start + offset, length) if length > 0 else b""


def tail_start(source: ByteSource, nbytes: int) -> int:
    """Offset of the first line start within the last `nbytes` of `source`."""
    size = source.size()
    if size <= nbytes:
        return 0
    pos = size - nbytes
    nl = source.read(pos - 1, 64 << 10).find(b"\n")
    return pos + nl if nl >= 0 else pos
