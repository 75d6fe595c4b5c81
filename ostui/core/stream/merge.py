"""Merge many indexed files into one stream ordered by time.

Each file's keys are first made non-decreasing (a running max; records with no stamp
take the stamp before them, leading ones the first stamp of the file), so that one
stable sort of all keys is exactly a k-way merge: it never reorders records inside a
file, and on equal stamps the earlier file comes first. The result is compact arrays
in merged order: a reference per record (`file << 40 | record`), its level and its
key, so level filters are `bytes.translate` plus `itertools.compress` and time
windows a bisection, with no Python per record. Records appended to the files later
(live tail) extend the arrays in place when they are newer than what is there, and the
oldest leave from the front when the memory window lets go of them (`drop_head`). Given
`shifts`, each file's keys are moved by its shift (µs, e.g. a node's clock skew
correction) before all this, so the merged keys are on the corrected clock.
"""

from __future__ import annotations

import copy
import heapq
import re
import sys
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import compress, pairwise, repeat
from operator import add, and_, rshift, sub
from typing import TypeAlias

from ..indexing.index import FileIndex
from ..levels import Level
from ..timekeys import NO_KEY, monotone_keys, shift_keys

SHIFT = 40
LOW = (1 << SHIFT) - 1
# Positions a late record may reach back before the whole stream is merged anew.
MAX_TAIL = 50_000

# Positions in order: an array, or a range while they are consecutive (one file's records,
# an unfiltered view's rows), which holds millions of them in no memory at all.
Positions: TypeAlias = "array[int] | range"
_ONE = re.compile(b"\x01")
_NOT_ZERO = bytes([0] + [1] * 255)
# Below one position in SPARSE chosen, the chosen are found by a search (a C scan, then
# a Python object each) rather than by `compress` (a Python int for every position).
SPARSE = 16
# Positions chosen by `compress` a chunk at a time: one call over millions held the GIL
# (no Python runs inside it) 0.1 s, and keys waited for it (L L L on 1 GiB).
CHUNK = 1 << 18


def count_by_file(refs: Positions, count: int, files: int) -> list[int]:
    """How many of the first `count` references are of each of `files` files, at C speed:
    up to 256 files a reference's file number is one of its bytes, counted in the bytes
    (1.5 ms for 100,000, where a Python int for each took 10 ms)."""
    if isinstance(refs, range):  # one file's records, in order
        return [min(count, len(refs)), *[0] * (files - 1)]
    if files > 256 or sys.byteorder != "little":
        per_file = Counter(map(rshift, refs[:count], repeat(SHIFT)))
        return [per_file.get(fno, 0) for fno in range(files)]
    numbers = refs[:count].tobytes()[SHIFT // 8 :: 8]  # bits 40-47 of each (little-endian)
    return [numbers.count(fno) for fno in range(files)]


def appended(positions: Positions, more: Iterable[int]) -> Positions:
    """`positions` followed by `more`: still a range when `more` goes on from its end."""
    if isinstance(positions, range) and isinstance(more, range):
        if not more:
            return positions
        if more.step == 1 and more.start == positions.stop:
            return range(positions.start, more.stop)
    if isinstance(positions, range):
        positions = array("Q", positions)
    positions.extend(more)
    return positions


def _end_to_end(monos: Sequence[array[int]]) -> list[int] | None:
    """The files' order when their keys (each non-decreasing) do not overlap, so that one
    after another is what a stable sort of all keys gives; None when they overlap. Where
    one file ends on the key another starts with, the sort keeps the earlier file first,
    so that one must come first here too."""
    spans = sorted((mono[0], fno, mono[-1]) for fno, mono in enumerate(monos) if mono)
    for (_, fno, last), (first, next_fno, _) in pairwise(spans):
        if last > first or (last == first and fno > next_fno):
            return None
    return [fno for _, fno, _ in spans]


class MergedStream:
    """The records of several files in time order.

    Positions (0..len-1) index the merged order; `locate(pos)` gives (file number,
    record number). `view(...)` returns the positions passing a filter.
    """

    def __init__(
        self,
        indexes: Sequence[FileIndex],
        shifts: Sequence[int] | None = None,
        borrow: bool = False,
        counts: Sequence[int] | None = None,
        continues: Mapping[int, int] | None = None,
    ) -> None:
        """`borrow`: copy the keys the parallel indexer made instead of taking them over
        (a merge of files still being indexed, whose parts go on adding to those keys);
        `counts`: merge only each file's first records, as many as these (taken while no
        part was being joined: the indexer may add more while this merge is made);
        `continues`: file -> the file whose records it goes on from (a file's tail read
        first, after the part of it indexed so far): its keys never go below that file's
        last, as the whole file's running max would have them."""
        self.indexes = list(indexes)
        self.borrowed = borrow
        # µs added to each file's keys before merging (clock skew corrections, skew.py)
        if shifts is not None and len(shifts) != len(self.indexes):
            raise ValueError(f"{len(shifts)} shifts for {len(self.indexes)} files")
        self.shifts = list(shifts) if shifts is not None else None
        # records merged so far, per file
        self.counts = list(counts) if counts is not None else [len(idx) for idx in self.indexes]
        self.last_key = [NO_KEY] * len(self.indexes)  # each file's running max key
        # Per file, records let go of since this merge was made: a reference's record number
        # less this is the record's number in its index (references are not rewritten).
        self.bases = [0] * len(self.indexes)
        # Each index's count of records let go of when this merge was made: with `bases`,
        # whether the merge was told of every cut since (`caught_up`).
        self.dropped_at = [idx.dropped for idx in self.indexes]
        monos: list[array[int]] = []
        for fno, idx in enumerate(self.indexes):
            n = self.counts[fno]
            mono = self._handed_over(fno, n, borrow)
            if mono is None:
                mono = monotone_keys(self._keys(fno, 0, n)) if idx.times else array("q", [NO_KEY]) * n
            if mono:
                self.last_key[fno] = mono[-1]
            monos.append(mono)
        for fno, before in (continues or {}).items():
            if monos[fno] and monos[before] and monos[fno][0] < monos[before][-1]:
                monos[fno] = monotone_keys(monos[fno], monos[before][-1])
                self.last_key[fno] = monos[fno][-1]
        self.refs: Positions
        if len(self.indexes) <= 1:
            # One file: its records in their own order, file 0, record i at position i.
            keys = monos[0] if monos else array("q")
            self.refs, self.keys = range(len(keys)), keys
            self.levels = self.indexes[0].levels[: self.counts[0]] if monos else bytearray()
            return
        order = _end_to_end(monos)
        self.refs = array("Q")
        self.keys = array("q")
        self.levels = bytearray()
        if order is not None:
            # Files whose times do not overlap (a log and its rotations, a file and its tail
            # read first): one after another is the merge, with no sort.
            for fno in order:
                n = self.counts[fno]
                self.refs.extend(range(fno << SHIFT, (fno << SHIFT) + n))
                self.keys.extend(monos[fno])
                self.levels += self.indexes[fno].levels[:n]
            return
        refs = array("Q")
        keys = array("q")
        levels = bytearray()
        for fno, mono in enumerate(monos):
            n = self.counts[fno]
            refs.extend(range(fno << SHIFT, (fno << SHIFT) + n))
            keys.extend(mono)
            levels += self.indexes[fno].levels[:n]
        del monos
        by_time = sorted(range(len(refs)), key=keys.__getitem__)
        self.refs = array("Q", map(refs.__getitem__, by_time))
        self.keys = array("q", map(keys.__getitem__, by_time))
        self.levels = bytearray(map(levels.__getitem__, by_time))

    def _handed_over(self, fno: int, n: int, borrow: bool = False) -> array[int] | None:
        """The monotone keys the parallel indexer made for file `fno` (`FileIndex.mono`),
        taken over (once: the index lets go of them) or, `borrow`ed, copied; brought up to
        record n."""
        idx = self.indexes[fno]
        mono = idx.mono
        if mono is None or not idx.times or (self.shifts is not None and self.shifts[fno]):
            return None
        if borrow:
            mono = mono[:n]
        elif len(mono) > n:
            return None
        else:
            idx.mono = None
        if len(mono) < n:
            if not mono or mono[-1] == NO_KEY:
                return None  # no stamp so far: the backfill needs the whole file
            mono.extend(monotone_keys(idx.keys[len(mono) : n], mono[-1]))
        return mono

    def _keys(self, fno: int, lo: int, hi: int) -> array[int]:
        """File `fno`'s keys of records lo..hi-1, shifted when a shift is set."""
        keys = self.indexes[fno].keys[lo:hi]
        if self.shifts is None or not self.shifts[fno]:
            return keys
        return shift_keys(keys, self.shifts[fno])

    @property
    def total(self) -> int:
        return len(self.refs)

    def __len__(self) -> int:
        return len(self.refs)

    def locate(self, pos: int) -> tuple[int, int]:
        ref = self.refs[pos]
        fno = ref >> SHIFT
        return fno, (ref & LOW) - self.bases[fno]

    def view(
        self,
        levels: Iterable[Level] | None = None,
        masks: Sequence[bytearray] | None = None,
        start: int = 0,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Positions:
        """Positions from `start` whose level is in `levels` and whose record is marked
        non-zero in its file's mask (`masks[file][record]`), when masks are given. Once
        `cancelled()` (asked between chunks), what is returned is incomplete."""
        mask: bytes | None = None
        end = len(self.refs)
        if levels is not None:
            table = bytearray(256)
            for level in levels:
                table[int(level)] = 1
            mask = bytes(self.levels[start:]).translate(table)
        if masks is not None:
            rec_mask = self.lookup(masks, start)
            mask = rec_mask if mask is None else bytes(map(min, mask, rec_mask))
        if mask is None:
            return range(start, end)
        return _chosen(mask, start, cancelled)

    def lookup(self, masks: Sequence[bytearray], start: int = 0) -> bytes:
        """masks[file][record] for every merged position from `start`, at C speed."""
        bases: list[int] = []  # where each file's mask starts in `flat`, less its base
        flat = bytearray()
        for m, base in zip(masks, self.bases, strict=True):
            bases.append(len(flat) - base)
            flat += m
        refs = self.refs[start:]
        files = map(rshift, refs, repeat(SHIFT))
        numbers = map(add, map(bases.__getitem__, files), map(and_, refs, repeat(LOW)))
        return bytes(map(flat.__getitem__, numbers))

    def current(self) -> bool:
        """True when no file has records this merge has not taken in yet."""
        return all(len(idx) == n for idx, n in zip(self.indexes, self.counts, strict=True))

    def position_of(self, file_no: int, rec_no: int) -> int:
        """Merged position of a record (a linear search; used for jumps, not per row)."""
        return self.refs.index((file_no << SHIFT) | (rec_no + self.bases[file_no]))

    def caught_up(self) -> MergedStream | None:
        """A copy of this merge with what its files gained since taken in, however long the
        tail of late records (`extend`'s `whole_tail`); this merge is left as it is. For a
        view built in a worker: a tail merged in Python lets the screen's thread run between
        steps, where a whole new merge sorts every key in one call that holds the interpreter
        (0.5 s at a million). None when the files were not only appended to since, or were
        cut without this merge being told: then only a new merge is right."""
        if any(
            len(idx) < n or idx.dropped != at + base
            for idx, n, at, base in zip(self.indexes, self.counts, self.dropped_at, self.bases, strict=True)
        ):
            return None
        other = copy.copy(self)
        other.indexes, other.counts, other.last_key = (
            list(self.indexes),
            list(self.counts),
            list(self.last_key),
        )
        other.bases, other.dropped_at = list(self.bases), list(self.dropped_at)
        other.refs = self.refs if isinstance(self.refs, range) else array("Q", self.refs)
        other.keys, other.levels = array("q", self.keys), bytearray(self.levels)
        other.extend(whole_tail=True)
        return other

    def extend(self, whole_tail: bool = False) -> tuple[int, int] | None:
        """Merge records appended to the files since the last call.

        Returns (first position that changed, count of new records). New records older
        than the stream's end (several files written at once: one's line lands before
        another's newest) are merged into the stream's tail from where the oldest of them
        goes, so the positions from there on change; the whole stream is merged anew only
        when that tail would be longer than MAX_TAIL (unless `whole_tail`). Then None is
        returned and nothing here changes: `current()` stays False, and a new view takes
        them in (`caught_up`).
        """
        start = len(self.refs)
        new_refs: list[int] | range = []
        new_keys: list[int] = []
        new_levels = bytearray()
        counts = list(self.counts)
        last_key = list(self.last_key)
        for fno, idx in enumerate(self.indexes):
            n_old, n_new = counts[fno], len(idx)
            if n_new <= n_old:
                continue
            floor = last_key[fno]
            mono = (
                monotone_keys(self._keys(fno, n_old, n_new), floor)
                if idx.times
                else array("q", [floor]) * (n_new - n_old)
            )
            last_key[fno] = mono[-1]
            first = (fno << SHIFT) + self.bases[fno]
            added = range(first + n_old, first + n_new)
            if isinstance(new_refs, list) and len(self.indexes) > 1:
                new_refs.extend(added)
            else:
                new_refs = added  # one file: its new records, in order
            new_keys.extend(mono)
            new_levels += idx.levels[n_old:n_new]
            counts[fno] = n_new
        if not new_refs:
            return start, 0
        # A stable sort by key of records listed in reference order: by (key, reference),
        # the order a whole new merge gives them.
        order = sorted(range(len(new_refs)), key=new_keys.__getitem__)
        cut = start
        if self.keys and new_keys[order[0]] < self.keys[-1]:
            cut = bisect_right(self.keys, new_keys[order[0]])
            if start - cut > MAX_TAIL and not whole_tail:
                return None
        self.counts, self.last_key = counts, last_key
        if cut == start:
            ordered = new_refs if isinstance(new_refs, range) else map(new_refs.__getitem__, order)
            self.refs = appended(self.refs, ordered)
            self.keys.extend(map(new_keys.__getitem__, order))
            self.levels += bytes(map(new_levels.__getitem__, order))
            return start, len(new_refs)
        # The tail from `cut` holds keys above the oldest new one: the two merged by (key, ref).
        tail = zip(self.keys[cut:], self.refs[cut:], self.levels[cut:], strict=True)
        late = ((new_keys[i], new_refs[i], new_levels[i]) for i in order)
        keys, refs, levels = zip(*heapq.merge(tail, late), strict=True)
        if isinstance(self.refs, range):
            self.refs = array("Q", self.refs)
        del self.refs[cut:], self.keys[cut:], self.levels[cut:]
        self.refs.extend(refs)
        self.keys.extend(keys)
        self.levels += bytes(levels)
        return cut, len(new_refs)

    def first_records(self, start: int) -> list[int]:
        """Per file, its first record at a position from `start` on (its count if none):
        where a search of the positions from `start` begins in each file."""
        first = list(self.counts)
        for ref in self.refs[start:]:
            fno = ref >> SHIFT
            rec = (ref & LOW) - self.bases[fno]
            if rec < first[fno]:
                first[fno] = rec
        return first

    def drop_head(self, cuts: Sequence[int]) -> int | None:
        """Let go of the first cuts[file] records of each file, which its index has let go
        of (`FileIndex.drop_head`). When they are the stream's first positions, as a cut by
        time makes them, those positions leave and their count is returned; when they are
        not (keys moved by a clock correction), None: nothing here changes and the stream
        must be merged anew."""
        total = sum(cuts)
        if not total:
            return 0
        if total > len(self.refs):
            return None
        # A file's records keep their order here, so a count of its references among the
        # first positions is a count of its first records.
        if count_by_file(self.refs, total, len(self.indexes)) != list(cuts):
            return None
        if isinstance(self.refs, range):
            self.refs = self.refs[total:]
        else:
            del self.refs[:total]
        del self.keys[:total], self.levels[:total]
        self.bases = list(map(add, self.bases, cuts))
        self.counts = list(map(sub, self.counts, cuts))
        return total


def _chosen(mask: bytes, start: int, cancelled: Callable[[], bool] = lambda: False) -> array[int]:
    """Positions start + i for every i where `mask` is not 0 (some of them once `cancelled()`)."""
    if (len(mask) - mask.count(0)) * SPARSE < len(mask):
        # 1 % of 3.7 M records: 62 ms by `compress`, 7 ms searched (a single byte is
        # searched for at memchr's speed, a class of bytes byte by byte).
        ones = mask.translate(_NOT_ZERO)
        return array("Q", [m.start() + start for m in _ONE.finditer(ones)])
    chosen = array("Q")
    for at in range(0, len(mask), CHUNK):
        if cancelled():
            break
        piece = mask[at : at + CHUNK]
        chosen += array("Q", compress(range(start + at, start + at + len(piece)), piece))  # (extend: slower)
    return chosen
