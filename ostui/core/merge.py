"""Merge many indexed files into one stream ordered by time.

Each file's keys are first made non-decreasing (a running max; records with no stamp
take the stamp before them, leading ones the first stamp of the file), so that one
stable sort of all keys is exactly a k-way merge: it never reorders records inside a
file, and on equal stamps the earlier file comes first. The result is two compact
arrays: the merged order of global record numbers and their levels, so level filters
are `bytes.translate` plus `itertools.compress`, with no Python per record.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate, compress

from .index import FileIndex
from .levels import Level
from .timekeys import NO_KEY


def monotone_keys(keys: Sequence[int]) -> array[int]:
    """Keys made non-decreasing, with leading records lacking a stamp backfilled."""
    mono = array("q", accumulate(keys, max))
    if mono and mono[0] == NO_KEY:
        first = next((k for k in mono if k != NO_KEY), None)
        if first is not None:
            n = next(i for i, k in enumerate(mono) if k != NO_KEY)
            mono[:n] = array("q", [first]) * n
    return mono


class MergedStream:
    """The records of several files in time order.

    Positions (0..len-1) index the merged order; `locate(pos)` gives (file number,
    record number). `view(...)` returns the positions passing a filter.
    """

    def __init__(self, indexes: Sequence[FileIndex]) -> None:
        self.indexes = list(indexes)
        self.bases = array("Q")
        total = 0
        for idx in self.indexes:
            self.bases.append(total)
            total += len(idx)
        self.total = total
        if len(self.indexes) == 1:
            self.order = array("Q", range(total))
            self.levels = bytes(self.indexes[0].levels)
            return
        keys = array("q")
        levels = bytearray()
        for idx in self.indexes:
            keys.extend(monotone_keys(idx.keys) if idx.times else array("q", [NO_KEY]) * len(idx))
            levels += idx.levels
        self.order = array("Q", sorted(range(total), key=keys.__getitem__))
        self.levels = bytes(map(levels.__getitem__, self.order))

    def __len__(self) -> int:
        return self.total

    def locate(self, pos: int) -> tuple[int, int]:
        g = self.order[pos]
        f = bisect_right(self.bases, g) - 1
        return f, g - self.bases[f]

    def global_number(self, file_no: int, rec_no: int) -> int:
        return self.bases[file_no] + rec_no

    def view(
        self, levels: Iterable[Level] | None = None, records: bytes | bytearray | None = None
    ) -> array[int]:
        """Positions whose level is in `levels` and (when given) whose global record
        number is marked non-zero in the `records` mask."""
        mask: Iterable[int] | None = None
        if levels is not None:
            table = bytearray(256)
            for level in levels:
                table[int(level)] = 1
            mask = self.levels.translate(table)
        if records is not None:
            rec_mask = bytes(map(records.__getitem__, self.order))
            mask = rec_mask if mask is None else bytes(map(min, mask, rec_mask))
        if mask is None:
            return array("Q", range(self.total))
        return array("Q", compress(range(self.total), mask))

    def position_of(self, file_no: int, rec_no: int) -> int:
        """Merged position of a record (a linear search; used for jumps, not per row)."""
        return self.order.index(self.global_number(file_no, rec_no))
