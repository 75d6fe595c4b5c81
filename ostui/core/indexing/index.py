"""The compact per-file index: record offsets, levels and time keys.

Built block by block (8 MiB `pread`s, so memory stays flat on files of gigabytes)
with one regex pass per block. Per record it stores 4 bytes of offset (8 once the file
passes 4 GiB), 1 byte of level and 8 bytes of time key in `array`s; records are parsed
only when shown. `update()` resumes where the last call stopped, so the same index
follows a live file.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Callable
from itertools import repeat
from operator import add, attrgetter, itemgetter

from ..ids import REQUEST_ID_RE_B
from ..levels import Level
from ..parsing.formats import LogFormat, _scanner, sniff_format
from ..reading.source import BLOCK_SIZE, ByteSource, FileSource
from ..timekeys import NO_KEY, YEAR_SAMPLE, FileYear, dated_year, year_for_file

TRACEBACK_MARK = b"Traceback (most recent call last)"
SNIFF_BYTES = 64 << 10
# A line is read whole up to this; a longer one (a sparse file's zeros, a blob) is indexed
# in pieces of this size, so memory stays bounded whatever the file holds.
MAX_LINE_READ = 64 << 20
_lastindex = attrgetter("lastindex")
_start = re.Match.start
_stamp = itemgetter(1)  # m[1]: a fifth quicker than m.group(1) through map

Progress = Callable[[int, int], None]
# Offsets fit 4 bytes up to here; beyond, the index's starts are widened to 8.
NARROW_LIMIT = (1 << 32) - 1


def widened(starts: array[int], offset: int) -> array[int]:
    """`starts`, or a copy that can hold `offset` when it is 4-byte and the offset is not."""
    if offset > NARROW_LIMIT and starts.itemsize < 8:
        return array("Q", starts)
    return starts


def join_starts(starts: array[int], data: bytes, typecode: str) -> array[int]:
    """`starts` followed by the offsets in `data` (an array of `typecode` as bytes),
    widened when those are wider."""
    if typecode == starts.typecode:
        starts.frombytes(data)
        return starts
    more = array(typecode)
    more.frombytes(data)
    starts = widened(starts, more[-1] if more else 0)  # (offsets only grow)
    starts.extend(array(starts.typecode, more))
    return starts


class FileIndex:
    """Index of one byte source in one format.

    starts[i]  offset of record i's first byte (4-byte items until an offset needs 8)
    levels[i]  Level code of record i
    keys[i]    time key of record i (timekeys.NO_KEY when it carries no stamp)
    """

    def __init__(
        self,
        source: ByteSource,
        fmt: LogFormat | None = None,
        *,
        times: bool = True,
        tallies: bool = True,
        year: int | None = None,
        continued: bool = False,
        node_year: Callable[[], int | None] | None = None,
    ) -> None:
        self.source = source
        if fmt is None:
            fmt = sniff_format(source.read(0, SNIFF_BYTES))
        self.format = fmt
        self.times = times
        self._year = year  # found when first needed (most formats' stamps carry it)
        self.node_year = node_year
        self.starts = array("I")
        self.levels = bytearray()
        self.keys = array("q")
        self.unparsed = 0
        # What only scan's summary shows, counted when `tallied` (else 0, and the ids None):
        # lines, tracebacks and distinct request ids. The browser shows none of them (it
        # finds requests with an index of its own): the ids' search cost it a tenth of the
        # indexing, the two counts a thirteenth.
        self.tallied = tallies
        self.lines = 0
        self.tracebacks = 0
        self.request_ids: set[bytes] | None = set() if tallies else None
        # The memory window (`drop_head`): records let go of, oldest first, and their levels.
        self.dropped = 0
        self.dropped_levels = [0] * len(Level)
        # `severe_counts` goes on from here: (records counted, errors, warnings) of `levels`.
        self._severe = (0, 0, 0)
        # Monotone keys of the first len(mono) records, when the parallel indexer made them;
        # the stream's merge takes them over (`MergedStream`), so they are held only once.
        self.mono: array[int] | None = None
        self.scanned = 0  # bytes indexed: always just after a newline, or at EOF
        self.long_lines = 0  # lines longer than one block, reported by scan
        # Oddities that are kept (shown as text) but worth saying: CRLF line ends, NUL
        # bytes, invalid UTF-8 sequences (shown as U+FFFD).
        self.crlf = 0
        self.nul = 0
        self.bad_utf8 = 0
        self.shrank: tuple[int, int] | None = None  # (bytes expected, bytes found) when it shrank
        self.split_lines = 0  # pieces cut out of lines longer than max_line
        self.max_line = MAX_LINE_READ
        self._mid_line = False  # the last block ended inside a line cut into pieces
        self._scanner = _scanner(fmt)
        self._table = fmt.level_table()
        # True for a part of a file that starts inside a record: its leading lines are
        # that record's tail, not records of their own.
        self.continued = continued

    # -- building ------------------------------------------------------------------
    def update(
        self, final: bool = True, progress: Progress | None = None, block_size: int = BLOCK_SIZE
    ) -> int:
        """Index bytes appended since the last call; returns how many records were added.

        With final=False a last line without its newline is left for the next call
        (a writer may be mid-line); with final=True it is indexed as it is.
        """
        before = len(self.starts)
        size = self.source.size()
        if size < self.scanned:
            self.shrank = (self.scanned, size)  # the follower decides what a truncation means
        while self.scanned < size:
            lead = 1 if self.scanned > 0 else 0
            want = block_size
            while True:
                start = self.scanned - lead
                data = self.source.read(start, want + lead)
                end_of_data = start + len(data)
                if len(data) < want + lead and end_of_data < size:
                    # A short read before the size read above: the file shrank under us.
                    # Stop at its real end rather than asking again for bytes that are gone.
                    self.shrank = (size, end_of_data)
                    size = end_of_data
                if not data:
                    break
                cut = data.rfind(b"\n") + 1
                if cut > lead:
                    break
                if end_of_data >= size:
                    cut = len(data) if final else 0
                    break
                if want >= self.max_line:
                    cut = len(data)  # index this piece of the line; the rest follows
                    self.split_lines += 1
                    break
                want = min(want * 2, self.max_line)  # one line longer than the block: read more of it
                self.long_lines += 1
            if not data or cut <= lead:
                break
            buf = data if lead else b"\n" + data
            end = cut if lead else cut + 1
            self._index_block(buf, end)
            self._mid_line = buf[end - 1] != 10  # 10: a newline
            self.scanned += end - 1
            if progress is not None:
                progress(self.scanned, size)
        return len(self.starts) - before

    def _index_block(self, buf: bytes, end: int) -> None:
        """Index buf[1:end]; buf[0] is the newline that ends the previous block."""
        base = self.scanned - 1  # file offset of buf[0]
        self.starts = widened(self.starts, base + end)
        ms = list(self._scanner.finditer(buf, 0, end))
        if ms and ms[-1].start() >= end - 1:
            ms.pop()  # a catch-all header matched after the block's last newline: no line there
        first = ms[0].start() if ms else end - 1
        if first > 0 and not self.starts and not self.continued:
            self._orphan_lines(buf, 1, first + 1 if ms else end, base)
        if ms:
            self.starts.extend(map(add, map(_start, ms), repeat(base + 1)))
            codes = bytes(map(_lastindex, ms)).translate(self._table)
            self.levels += codes
            if not self.format.continuation:
                self.unparsed += codes.count(0)
            if self.times:
                stamps = list(map(_stamp, ms))
                if None in stamps:
                    self.keys.extend(NO_KEY if s is None else self._key(s) for s in stamps)
                else:
                    self.keys.extend(self.format.time_keys(stamps, self.year))
        if self.tallied:
            nl = buf.count(b"\n", 1, end)
            # A block ending without a newline ends inside a line; one that follows such a
            # block starts inside it, so that line is counted once.
            self.lines += nl + (0 if buf[end - 1 : end] == b"\n" else 1) - self._mid_line
            self.tracebacks += buf.count(TRACEBACK_MARK, 1, end)
        if self.request_ids is not None:
            self.request_ids.update(REQUEST_ID_RE_B.findall(buf, 1, end))
        # Counted only where present: `find` of one byte is memchr, 25 times faster than a count.
        if buf.find(b"\r", 1, end) >= 0:
            self.crlf += buf.count(b"\r\n", 1, end)
        if buf.find(b"\0", 1, end) >= 0:
            self.nul += buf.count(b"\0", 1, end)
        if not buf.isascii():
            self.bad_utf8 += count_bad_utf8(buf[1:end])

    def _key(self, stamp: bytes) -> int:
        return next(iter(self.format.time_keys([stamp], self.year)), NO_KEY)

    def _orphan_lines(self, buf: bytes, start: int, stop: int, base: int) -> None:
        """Lines before the first record of the file: each an UNKNOWN record."""
        pos = start
        while pos < stop:
            self.starts.append(base + pos)
            self.levels.append(Level.UNKNOWN)
            if self.times:
                self.keys.append(NO_KEY)
            self.unparsed += 1
            nl = buf.find(b"\n", pos, stop)
            pos = stop if nl < 0 else nl + 1

    @property
    def year(self) -> int:
        """The year of the source's stamps that carry none (syslog's)."""
        if not self._year:
            self._year = year_of_source(self.source, self.node_year)
        return self._year

    # -- reading -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.starts)

    def span(self, i: int) -> tuple[int, int]:
        """Byte range [start, end) of record i."""
        start = self.starts[i]
        end = self.starts[i + 1] if i + 1 < len(self.starts) else self.scanned
        return start, end

    def raw(self, i: int, limit: int | None = None) -> bytes:
        start, end = self.span(i)
        if limit is not None:
            end = min(end, start + limit)
        return self.source.read(start, end - start)

    def record_at(self, offset: int) -> int:
        """Number of the record holding byte `offset` (-1 before the first)."""
        return bisect_right(self.starts, offset) - 1

    def level_counts(self) -> dict[str, int]:
        """Records per level, those let go of by `drop_head` included."""
        counts = ((level, self.levels.count(level) + self.dropped_levels[level]) for level in Level)
        return {level.name: n for level, n in counts if n}

    def severe_counts(self) -> tuple[int, int]:
        """(errors and criticals, warnings) of every record, those let go of included. The
        tree asks several times a second while indexing: only the records added since the
        last call are counted (levels only grow, but for `drop_head`, which starts it over)."""
        done, err, warn = self._severe
        levels = self.levels
        if done < len(levels):
            err += levels.count(Level.ERROR, done) + levels.count(Level.CRITICAL, done)
            warn += levels.count(Level.WARNING, done)
            self._severe = (len(levels), err, warn)
        gone = self.dropped_levels
        return err + gone[Level.ERROR] + gone[Level.CRITICAL], warn + gone[Level.WARNING]

    def drop_head(self, count: int) -> tuple[int, int]:
        """Let go of the first `count` records held (the oldest: the memory window); their
        bytes stay where they are. Record numbers count from the first record still held
        after this. Returns the byte range [start, end) of the records let go of."""
        count = max(0, min(count, len(self.starts)))
        end = self.starts[count] if count < len(self.starts) else self.scanned
        if not count:
            return end, end
        start = self.starts[0]
        for level in Level:
            self.dropped_levels[level] += self.levels.count(level, 0, count)
        del self.starts[:count], self.levels[:count]
        self._severe = (0, 0, 0)
        if self.times:
            del self.keys[:count]
        if self.mono is not None:
            del self.mono[:count]
        self.dropped += count
        # The ids seen are not kept per record; held on, they would grow for ever while following.
        if self.request_ids is not None:
            self.request_ids.clear()
        return start, end


def count_bad_utf8(data: bytes) -> int:
    """Number of invalid UTF-8 sequences (each becomes one U+FFFD when decoded)."""
    return data.decode("utf-8", "replace").count("\ufffd") - data.count(b"\xef\xbf\xbd")


def quirks(index: FileIndex) -> list[str]:
    """What was odd about a file, in words, for `scan` and the status bar."""
    out = []
    if index.crlf:
        out.append(f"{index.crlf} line(s) end in CRLF")
    if index.nul:
        out.append(f"{index.nul} NUL byte(s)")
    if index.bad_utf8:
        out.append(f"{index.bad_utf8} invalid UTF-8 sequence(s), shown as \ufffd")
    if index.long_lines:
        out.append(f"{index.long_lines} line(s) longer than 8 MiB")
    if index.split_lines:
        pieces = f"{index.split_lines} cut(s)"
        out.append(f"lines longer than {index.max_line >> 20} MiB are indexed in pieces ({pieces})")
    if index.shrank:
        expected, found = index.shrank
        out.append(f"the file shrank while being read, from {expected} to {found} bytes: indexed to its end")
    return out


def year_of_source(source: ByteSource, node_year: Callable[[], int | None] | None = None) -> int:
    """The year to assume for stamps without one: the latest dated stamp of the source's
    head and tail (the head alone where a tail costs the whole file: gzip, a remote copy),
    else the latest of its node's other files (`node_year`), else its file's modification
    year and month."""
    size = source.size()
    tail = isinstance(source, FileSource)
    found: int | None = dated_year(source.read, size, tail)
    if found is not None and not tail and size > YEAR_SAMPLE:
        found = FileYear(found, 12)  # the head's latest month is not the file's last
    if found is None and node_year is not None:
        found = node_year()
    return found or year_for_file(source.path)
