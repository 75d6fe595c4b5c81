"""The files ostui has open: where each came from (node, component) and its index."""

from __future__ import annotations

import os
import stat
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..parsing.formats import LogFormat, get_format, sniff_format
from ..reading.source import BLOCK_SIZE, open_source
from ..timekeys import NodeYear
from .index import FileIndex
from .producers import FileSplit, PayloadSource, ProducerIndex, bare_sample, producer_format

if TYPE_CHECKING:
    from ..parsing.envelopes import Sniffed


@dataclass(eq=False)
class LogFile:
    """One physical file (a rotated member is a file of its own) and its index."""

    path: Path
    node: str
    component: str
    group: str  # the live file's name this file rotates with
    index: FileIndex | None = None
    error: str | None = None  # why it could not be opened or read
    problems: list[str] = field(default_factory=list)
    format_name: str | None = None  # a format this file must be read in (a client transcript)
    faults: dict[int, str] = field(default_factory=dict)  # record -> known fault id (faultscan)
    faults_checked: int = 0  # records looked at by faultscan so far
    producer: str | None = None  # the service this stream is, when the file names it (an envelope's tag)
    share: SharedFile | None = None  # the file's split, when it carries several producers
    stream: int = 0  # which of the share's streams this one is
    node_year: NodeYear | None = None  # the year its node's dated lines say (shared by the node)
    whole: LogFile | None = None  # the file this one stands in for, over its tail (a preview)
    # The file whose oldest records this is: let go of by the memory window, read again from disk.
    read_back: LogFile | None = None

    @property
    def label(self) -> str:
        return f"{self.node}/{self.component}/{self.path.name}"

    def __repr__(self) -> str:
        # The generated repr would walk `faults` (a record each) and the files it refers to.
        return f"LogFile({str(self.path)!r}, node={self.node!r}, stream={self.stream})"

    def part(self, **changes: Any) -> LogFile:
        """A LogFile for a stream of this file (a producer): `changes` applied, with lists of
        problems and faults of its own (`dataclasses.replace` would share them)."""
        return replace(self, problems=list(self.problems), faults={}, faults_checked=0, **changes)

    def open(
        self, fmt: LogFormat | None = None, times: bool = True, tallies: bool = True
    ) -> FileIndex | None:
        """Open and sniff (no indexing yet); records why when it cannot. `tallies`: count
        what only `scan`'s summary shows (the browser does without)."""
        if self.index is not None or self.error is not None:
            return self.index
        if fmt is None and self.format_name:
            fmt = get_format(self.format_name)
        try:
            if self.share is not None:
                self.index = self.share.open_stream(
                    self.stream, fmt, times=times, tallies=tallies, node_year=self.node_year
                )
                return self.index
            source = open_source(self.path)
            self.index = FileIndex(source, fmt, times=times, tallies=tallies, node_year=self.node_year)
            self.problems.extend(source.problems)
        except OSError as exc:
            self.error = f"{exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)
        return self.index

    def preview(self, nbytes: int = 512 << 10) -> LogFile | None:
        """A stand-in indexed over the file's last `nbytes`, for a first screen before
        the whole file is indexed; None when the file is small enough to index now."""
        from ..reading.source import SliceSource, tail_start

        if self.index is None or self.index.source.size() <= 4 * nbytes:
            return None
        src = self.index.source
        part = FileIndex(
            SliceSource(src, tail_start(src, nbytes)),
            self.index.format,
            times=self.index.times,
            year=self.index.year,
        )
        part.update(final=True)
        return LogFile(self.path, self.node, self.component, self.group, index=part, whole=self)

    def in_whole(self, rec: int) -> tuple[LogFile, int]:
        """Record `rec` of a preview as the same record of the whole file (same bytes);
        the record itself for any other file."""
        whole, idx = self.whole, self.index
        if whole is None or whole.index is None or idx is None or not 0 <= rec < len(idx):
            return self, rec
        offset = getattr(idx.source, "start", 0) + idx.starts[rec]
        found = whole.index.record_at(offset)
        return (whole, found) if found >= 0 and whole.index.starts[found] == offset else (self, rec)

    def build(self, progress: Callable[[int, int], None] | None = None, block_size: int = BLOCK_SIZE) -> None:
        if self.index is None:
            return
        try:
            self.index.update(final=True, progress=progress, block_size=block_size)
        except OSError as exc:
            self.error = f"read failed after {self.index.scanned} bytes: {exc.strerror or exc}"
        from .index import quirks

        self.problems.extend(quirks(self.index))
        lost = getattr(self.index.source, "lost", None)
        if lost and lost not in self.problems:
            self.problems.append(lost)


def files_from_tree(tree: object) -> list[LogFile]:
    """LogFiles for every member of every source in a discovery LogTree, one per
    producer where a file carries several (see `producers.py`)."""
    out: list[LogFile] = []
    for node in getattr(tree, "nodes", []):
        members = [
            (component, src, Path(m))
            for component, sources in node.components.items()
            for src in sources
            for m in src.members
        ]
        year = NodeYear([path for _, _, path in members])
        out.extend(LogFile(path, node.name, c, src.name, node_year=year) for c, src, path in members)
    return expand_producers(out)


class SharedFile:
    """One physical file read as several producers: the split they share, made on first open."""

    def __init__(self, path: Path, sniffed: Sniffed, sample: bytes) -> None:
        self.path = path
        self.sniffed = sniffed
        self.sample = sample
        self.split: FileSplit | None = None
        self.problems: list[str] = []
        self._lock = threading.Lock()

    def open_stream(
        self,
        stream: int,
        fmt: LogFormat | None,
        times: bool = True,
        tallies: bool = True,
        node_year: NodeYear | None = None,
    ) -> FileIndex:
        with self._lock:
            if self.split is None:
                source = open_source(self.path)
                self.problems.extend(source.problems)
                self.split = FileSplit(source, self.sniffed.envelope, self.sniffed.tags)
        payload = PayloadSource(self.split, stream)
        if fmt is None:
            fmt = self.stream_format(stream)
        from ..timekeys import year_in

        # The producers' dated lines say the year of a merged file's year-less ones.
        return ProducerIndex(
            payload, fmt, times=times, tallies=tallies, year=year_in(self.sample), node_year=node_year
        )

    def stream_format(self, stream: int) -> LogFormat:
        env = self.sniffed.envelope
        tags = self.sniffed.tags
        if stream < len(tags):
            return producer_format(env, tags[stream], self.sample)
        return sniff_format(bare_sample(env, tags, self.sample))


def expand_producers(files: Sequence[LogFile]) -> list[LogFile]:
    """Each file whose lines sit in an envelope naming producers becomes one LogFile per
    producer (and one for its lines of no producer); a one-producer file keeps one LogFile
    read in its producer's format. Files that cannot be sampled are kept as they are."""
    out: list[LogFile] = []
    for lf in files:
        out.extend(_producers_of(lf) if lf.format_name is None and lf.index is None else [lf])
    return out


def _producers_of(lf: LogFile) -> list[LogFile]:
    from ..parsing.envelopes import sniff_envelope

    sample, whole = read_sample(lf.path)
    sniffed = sniff_envelope(sample) if sample else None
    if sniffed is None:
        return [lf]
    if whole:
        own_lines = bool(bare_sample(sniffed.envelope, sniffed.tags, sample).strip())
    else:
        sniffed, sample, own_lines = _every_tag(lf.path, sniffed, sample)
    tags = sniffed.tags
    joiner = sniffed.envelope.joiner()
    partial_lines = joiner is not None and joiner.search(sample) is not None
    if len(tags) == 1 and not own_lines and not partial_lines:
        one = lf.part(producer=tags[0] or None)
        one.format_name = producer_format(sniffed.envelope, tags[0], sample).name
        if tags[0]:
            one.component = component_of_producer(tags[0], lf.component)
        return [one]
    share = SharedFile(lf.path, sniffed, sample)
    out = [
        lf.part(
            producer=tag or None,
            component=component_of_producer(tag, lf.component) if tag else lf.component,
            group=tag or lf.group,
            share=share,
            stream=n,
        )
        for n, tag in enumerate(tags)
    ]
    if own_lines:
        # Lines in no producer's envelope (kept whenever the file was not read whole).
        out.append(lf.part(share=share, stream=len(tags)))
    return out


TAG_SCAN_LIMIT = 2 << 30  # about 1.4 s a GiB on these machines; beyond, see _every_tag
TAG_SCAN_BLOCK = 16 << 20


def _every_tag(path: Path, sniffed: Sniffed, sample: bytes) -> tuple[Sniffed, bytes, bool]:
    """`sniffed` with every producer the whole file names, the sample grown with lines of
    each producer it lacked, and whether the file may have lines of its own. Files up to
    TAG_SCAN_LIMIT, read block by block; in a bigger one, lines of a producer its sample
    did not show go to the file's own stream (shown there, never dropped)."""
    from ..parsing.envelopes import more_tags

    env = sniffed.envelope
    seen = list(sniffed.tags) + list(sniffed.unwanted)
    new: list[tuple[str, int]] = []
    extra: list[bytes] = []

    try:
        with open(path, "rb", buffering=0) as fh:
            size = os.fstat(fh.fileno()).st_size
            if not size or size > TAG_SCAN_LIMIT or path.name.endswith(".gz"):
                return sniffed, sample, True
            if not env.tags_producers:
                return sniffed, sample, env.compiled().match(sample) is None
            # Read into one buffer, not mapped: a file cut short under a map kills the
            # process (SIGBUS); the buffer bounds the scan's memory.
            buf = bytearray(TAG_SCAN_BLOCK)
            view = memoryview(buf)
            offset, filled, skipping = 0, 0, False  # offset: the file's byte at buf[0]

            def look(end: int) -> None:
                for tag, at in more_tags(env, buf, seen + [t for t, _ in new], 0, end):  # type: ignore[arg-type]
                    new.append((tag, offset + at))
                    line = bytes(buf[at : min(at + (16 << 10), end)])
                    extra.append(line[: line.rfind(b"\n") + 1] or line + b"\n")

            # Up to the size seen at the start: a file written on meanwhile ends the scan.
            while n := fh.readinto(view[filled : filled + max(0, size - offset - filled)]):
                filled += n
                if skipping:  # the rest of a line longer than the buffer: no line starts
                    newline = buf.find(b"\n", 0, filled)
                    if newline < 0:
                        offset, filled = offset + filled, 0
                        continue
                    buf[: filled - newline - 1] = buf[newline + 1 : filled]
                    offset, filled, skipping = offset + newline + 1, filled - newline - 1, False
                end = buf.rfind(b"\n", 0, filled) + 1
                if not end:
                    if filled < len(buf):
                        continue
                    look(filled)
                    offset, filled, skipping = offset + filled, 0, True
                    continue
                look(end)
                buf[: filled - end] = buf[end:filled]
                offset, filled = offset + end, filled - end
            if filled and not skipping:
                look(filled)
    except (OSError, ValueError):
        return sniffed, sample, True
    starts_wrapped = env.compiled().match(sample) is not None
    wanted = tuple(t for t, _ in new if env.wanted(t))
    unwanted = tuple(t for t, _ in new if not env.wanted(t))
    sniffed = replace(sniffed, tags=sniffed.tags + wanted, unwanted=sniffed.unwanted + unwanted)
    # Read whole: the file's own stream is its unenveloped first lines and unwanted producers.
    own = not starts_wrapped or bool(sniffed.unwanted)
    return sniffed, sample + b"".join(extra), own


_SERVICE_PREFIXES = ("wsgi-", "k8s_", "httpd-", "apache-")


def component_of_producer(tag: str, fallback: str) -> str:
    """`nova-scheduler` -> nova, `wsgi-cinder-api` -> cinder; a producer no rule names
    keeps the file's component."""
    from ..paths.naming import component_from_dirname, component_from_filename

    name = tag.rsplit("/", 1)[-1]  # kubectl --prefix: pod/<pod>/<container>
    for prefix in _SERVICE_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return component_from_dirname(name) or component_from_filename(name) or fallback


SAMPLE_BYTES = 64 << 10


def read_sample(path: Path) -> tuple[bytes, bool]:
    """The first (and for a plain file also the last) 64 KiB, cut at whole lines, and
    whether that is the whole file; b"" when unreadable (its own open says why later)."""
    try:
        if path.name.endswith(".gz"):
            import gzip

            with gzip.open(path, "rb") as fh:
                head = fh.read(SAMPLE_BYTES + 1)
            whole = len(head) <= SAMPLE_BYTES
            return (head if whole else head[: head.rfind(b"\n") + 1]), whole
        with open(path, "rb", buffering=0) as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return b"", False
            size = os.fstat(fh.fileno()).st_size
            if size <= 2 * SAMPLE_BYTES:
                data = fh.read(2 * SAMPLE_BYTES)
                return data, len(data) == size
            head = fh.read(SAMPLE_BYTES)
            fh.seek(size - SAMPLE_BYTES)
            tail = fh.read(SAMPLE_BYTES)
    except (OSError, EOFError, ValueError, zlib.error):
        return b"", False
    head = head[: head.rfind(b"\n") + 1]
    tail = tail[tail.find(b"\n") + 1 :]
    return head + tail, False


def open_files(
    files: Iterable[LogFile],
    fmt_name: str | None = None,
    times: bool = True,
    build: bool = True,
    tallies: bool = True,
) -> list[LogFile]:
    fmt = get_format(fmt_name) if fmt_name else None
    result = []
    for lf in files:
        lf.open(fmt, times=times, tallies=tallies)
        if build:
            lf.build()
        result.append(lf)
    return result


def readable(files: Sequence[LogFile]) -> list[LogFile]:
    return [f for f in files if f.index is not None]
