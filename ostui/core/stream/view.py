"""A filtered view of a merged stream: what the stream pane shows.

Filters combine a level set, a text regex, a request id and a time window. Level and
time filters work on the merged arrays alone (translate/compress, bisect on the
sorted keys); text and request filters search the files' bytes at C speed and mark
the records they hit in a bytearray mask. Records are parsed only when asked for,
through a small LRU cache.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import sub

from ..indexing.logset import LogFile
from ..indexing.records import parse_record
from ..levels import Level
from ..model import Record
from .marks import Mark
from .merge import MergedStream, Positions, appended
from .requests import normalize_id

ALL_LEVELS = frozenset(Level)
CACHE_SIZE = 2048


@dataclass(frozen=True)
class Filters:
    levels: frozenset[Level] = ALL_LEVELS
    text: str | None = None  # a regex; invalid ones are matched literally
    request_id: str | None = None
    since: int | None = None  # time keys
    until: int | None = None
    after: Mark | None = None  # only records written after this reproduction mark

    def describe(self) -> str:
        parts = []
        if self.levels != ALL_LEVELS:
            lowest = min(self.levels, default=Level.UNKNOWN)
            if self.levels == frozenset(lv for lv in Level if lv >= lowest) and lowest > Level.UNKNOWN:
                parts.append(f"{lowest.name}+")
            else:
                parts.append("levels " + ",".join(lv.name for lv in sorted(self.levels)))
        if self.text:
            parts.append(f"grep /{self.text}/")
        if self.request_id:
            parts.append(f"request {self.request_id}")
        if self.since is not None or self.until is not None:
            parts.append("time window")
        if self.after is not None:
            parts.append(f"after mark {self.after.name!r}")
        return " · ".join(parts) or "no filter"


def compile_text(text: str) -> re.Pattern[bytes]:
    """The user's pattern as a bytes regex; a broken regex is searched literally."""
    raw = text.encode("utf-8", "surrogateescape")
    try:
        return re.compile(raw, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(raw), re.IGNORECASE)


def after_mask(count: int, first: int) -> bytearray:
    """Mask over `count` records: 0 before record `first`, 1 from it on."""
    first = min(first, count)
    return bytearray(first) + b"\1" * (count - first)


_REGEX_SIGNS = frozenset(b".^$*+?{}[]|()")


def plain_text(pattern: bytes) -> bytes | None:
    """The text a regex matches when it is plain text (`re.escape`'s escapes allowed),
    else None."""
    out = bytearray()
    escaped = False
    for byte in pattern:
        if escaped:
            if chr(byte).isalnum():
                return None  # \d, \s, \b...: a class or an anchor
            out.append(byte)
            escaped = False
        elif byte == 0x5C:  # a backslash
            escaped = True
        elif byte in _REGEX_SIGNS:
            return None
        else:
            out.append(byte)
    return bytes(out) if out and not escaped else None


def _mark_block(
    mask: bytearray,
    starts: Sequence[int],
    pos: int,
    block: bytes,
    cut: int,
    pattern: re.Pattern[bytes],
    needle: bytes | None,
    fold: bool,
) -> None:
    """Mark the records matching in block[:cut] (the block at file offset `pos`). One
    search per matching record: past a hit, the search goes on from the next record's start,
    so a word in every record costs a search per record, not per occurrence. A plain word
    (`needle`, lowered when case does not count) is found by `bytes.find` on the block
    (lowered too: bytes patterns fold ASCII only, as `lower` does), several times faster
    than `re`."""
    hay = block.lower() if needle is not None and fold else block
    at = 0
    while at < cut:
        if needle is not None:
            hit = hay.find(needle, at, cut)
        else:
            m = pattern.search(block, at, cut)
            hit = -1 if m is None else m.start()
        if hit < 0:
            return
        rec = bisect_right(starts, pos + hit) - 1
        if 0 <= rec < len(mask):
            mask[rec] = 1
        at = max(hit + 1, starts[rec + 1] - pos if rec + 1 < len(starts) else cut)


def mark_matches(
    files: Sequence[LogFile],
    pattern: re.Pattern[bytes],
    first: Sequence[int] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[bytearray]:
    """Per file, a mask over its records: 1 where the record's bytes match `pattern`.

    With `first`, only records from first[file] on are searched (the rest stay 0).
    """
    masks: list[bytearray] = []
    fold = bool(pattern.flags & re.IGNORECASE)
    needle = plain_text(pattern.pattern)
    if needle is not None and fold:
        needle = needle.lower()
    for fno, lf in enumerate(files):
        idx = lf.index
        mask = bytearray(len(idx) if idx is not None else 0)
        masks.append(mask)
        if idx is None or not len(mask):
            continue
        start_rec = first[fno] if first is not None else 0
        if start_rec >= len(mask):
            continue
        pos = idx.starts[start_rec]
        stop = idx.scanned
        starts = idx.starts
        while pos < stop:
            if cancelled():
                return masks
            block = idx.source.read(pos, min(8 << 20, stop - pos))
            if not block:
                break
            cut = block.rfind(b"\n") + 1 if pos + len(block) < stop else len(block)
            cut = cut or len(block)
            _mark_block(mask, starts, pos, block, cut, pattern, needle, fold)
            pos += cut
    return masks


class StreamView:
    """Rows of the stream pane: merged positions passing the filters."""

    def __init__(
        self,
        files: Sequence[LogFile],
        filters: Filters | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        merged: MergedStream | None = None,
        clock: Mapping[str, int] | None = None,
        borrow: bool = False,
        counts: Sequence[int] | None = None,
    ) -> None:
        """`merged`: the merge of the same files from an earlier view, reused so that a
        new filter costs a filter pass, not a new merge. `clock`: µs to add to each
        node's stamps (its clock skew corrected), in the order and in the times shown.
        `borrow`, `counts`: the files are still being indexed (see `MergedStream`)."""
        self.files = [f for f in files if f.index is not None]
        self.filters = filters or Filters()
        self.clock = {node: us for node, us in (clock or {}).items() if us}
        indexes = [f.index for f in self.files if f.index is not None]
        shifts = [self.clock.get(f.node, 0) for f in self.files] if self.clock else None
        same = merged is not None and [id(i) for i in merged.indexes] == [id(i) for i in indexes]
        # A merge made while indexing (`borrow`) may lack what the index's end brought.
        stale = merged is not None and merged.borrowed and not borrow
        reusable = merged is not None and same and not stale and merged.shifts == shifts
        # Once indexed (every record of the files), a merge that is only behind is caught up
        # in a copy: records followed since, a long tail of late ones among them.
        indexed = not borrow and counts is None and merged is not None and not merged.borrowed
        if reusable and indexed and merged is not None and not merged.current():
            merged = merged.caught_up()
        if not reusable or merged is None or not merged.current():
            # A file's tail shown beside the part of it indexed so far goes on from that part.
            position = {id(f): n for n, f in enumerate(self.files)}
            continues = {
                n: position[id(f.whole)]
                for n, f in enumerate(self.files)
                if f.whole is not None and id(f.whole) in position
            }
            merged = MergedStream(indexes, shifts, borrow=borrow, counts=counts, continues=continues)
        self.merged = merged
        self._cache: OrderedDict[int, Record] = OrderedDict()
        self.rows = self._filter(0, None, cancelled)
        # How many times late records were merged into rows already there (not only
        # appended): who counted the rows (the timeline) counts them again.
        self.remerged = 0

    def _patterns(self) -> list[re.Pattern[bytes]]:
        f = self.filters
        out = []
        if f.text:
            out.append(compile_text(f.text))
        if f.request_id:
            out.append(re.compile(re.escape(normalize_id(f.request_id).encode())))
        return out

    def _filter(
        self, start: int, first: Sequence[int] | None, cancelled: Callable[[], bool] = lambda: False
    ) -> Positions:
        """Rows among merged positions from `start` (records from first[file] on)."""
        f = self.filters
        merged = self.merged
        masks: list[bytearray] | None = None
        for pattern in self._patterns():
            found = mark_matches(self.files, pattern, first, cancelled)
            masks = (
                found
                if masks is None
                else [bytearray(map(min, a, b)) for a, b in zip(masks, found, strict=True)]
            )
        if f.after is not None:
            after = [after_mask(len(lf.index or ()), f.after.start_of(lf)) for lf in self.files]
            masks = (
                after
                if masks is None
                else [bytearray(map(min, a, b)) for a, b in zip(masks, after, strict=True)]
            )
        rows = merged.view(None if f.levels == ALL_LEVELS else f.levels, masks, start, cancelled)
        if f.since is not None or f.until is not None:
            keys = merged.keys
            lo = bisect_left(keys, f.since) if f.since is not None else 0
            hi = bisect_right(keys, f.until) if f.until is not None else len(keys)
            rows = rows[bisect_left(rows, lo) : bisect_left(rows, hi)]
        return rows

    def extend(self) -> int | None:
        """Take in records appended to the files: the number of new rows, or None when
        they do not fit at the end (a new view must be built)."""
        before = list(self.merged.counts)
        end = len(self.merged)
        added = self.merged.extend()
        if added is None:
            return None
        start, count = added
        self._cache.clear()  # the last record of a file may have grown
        if not count:
            return 0
        shown = len(self.rows)
        if start < end:  # late records: the positions from `start` were merged anew
            self.remerged += 1
            self.rows = self.rows[: bisect_left(self.rows, start)]
            before = self.merged.first_records(start)
        self.rows = appended(self.rows, self._filter(start, before))
        return len(self.rows) - shown

    def drop_head(self, cuts: Mapping[int, int]) -> int | None:
        """Let go of the records the memory window took from the files' heads (`cuts`:
        id(LogFile) -> records, already let go of by their indexes): the number of rows
        that left from the top, or None when a new view must be built."""
        gone = self.merged.drop_head([cuts.get(id(lf), 0) for lf in self.files])
        if gone is None:
            return None
        if not gone:
            return 0
        self._cache.clear()
        self.remerged += 1  # the rows counted (the timeline) changed
        first = bisect_left(self.rows, gone)
        rows = self.rows[first:]
        if isinstance(rows, range):
            self.rows = range(rows.start - gone, rows.stop - gone)
        else:
            self.rows = array("Q", map(sub, rows, repeat(gone)))
        return first

    def sorted_keys(self) -> array[int]:
        """Monotone time key of every merged position (for time jumps and windows)."""
        return self.merged.keys

    def __len__(self) -> int:
        return len(self.rows)

    def locate(self, row: int) -> tuple[LogFile, int]:
        fno, rec = self.merged.locate(self.rows[row])
        return self.files[fno], rec

    def record(self, row: int) -> tuple[LogFile, Record]:
        pos = self.rows[row]
        fno, rec_no = self.merged.locate(pos)
        lf = self.files[fno]
        rec = self._cache.get(pos)
        if rec is None:
            assert lf.index is not None
            rec = parse_record(lf.index, rec_no, source=str(lf.path))
            self._cache[pos] = rec
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(pos)
        return lf, rec

    def level(self, row: int) -> Level:
        return Level(self.merged.levels[self.rows[row]])

    def find_level(self, start: int, step: int, minimum: Level = Level.ERROR) -> int | None:
        """Next row from `start` (exclusive) in direction `step` whose level >= minimum."""
        levels = self.merged.levels
        rows = self.rows
        i = start + step
        while 0 <= i < len(rows):
            if levels[rows[i]] >= minimum:
                return i
            i += step
        return None

    def row_at_time(self, key: int) -> int:
        """First row at or after time `key`."""
        pos = bisect_left(self.merged.keys, key)
        return min(bisect_left(self.rows, pos), max(0, len(self.rows) - 1))

    def row_of(self, lf: LogFile, rec_no: int) -> int | None:
        """The row of record `rec_no` of `lf` (a preview's record: the whole file's), or None."""
        if lf not in self.files:
            lf, rec_no = lf.in_whole(rec_no)
        try:
            fno = self.files.index(lf)
        except ValueError:
            return None
        try:
            pos = self.merged.position_of(fno, rec_no)
        except ValueError:
            return None
        i = bisect_left(self.rows, pos)
        return i if i < len(self.rows) and self.rows[i] == pos else None


__all__ = ["Filters", "StreamView", "after_mask", "compile_text", "mark_matches"]
