"""The memory window: a bound on the records held while following, the oldest let go first.

Past `limit` records held (and a tenth more, so that a cut comes now and then, not at
every line), the oldest records are let go of down to `limit`. Every file lets go of a
prefix of its records: records leave by time, and a file's keys are made monotone first,
as the merge does, so a cut is also the merged stream's first positions. Their bytes stay
on disk: each cut keeps the byte ranges it let go of, and `read_back` indexes one again,
the same records byte for byte, as files of their own.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..indexing.index import FileIndex
from ..indexing.logset import LogFile
from ..reading.source import SliceSource
from ..timekeys import NO_KEY, monotone_keys
from .merge import MergedStream, count_by_file

# A cut waits until this part of the limit more is held.
SLACK = 10


@dataclass
class Cut:
    """One cut of the window: what each file let go of."""

    records: dict[int, int] = field(default_factory=dict)  # id(LogFile) -> records let go of
    spans: list[tuple[LogFile, int, int]] = field(default_factory=list)  # (file, start, end) bytes
    read_back: bool = False  # its records were read back from disk

    @property
    def count(self) -> int:
        return sum(self.records.values())


def windowed(files: Iterable[LogFile]) -> list[LogFile]:
    """The files the window applies to: indexed ones, but for records read back on request."""
    return [f for f in files if f.index is not None and f.read_back is None]


def excess(files: Sequence[LogFile], limit: int) -> int:
    """Records to let go of: how many more than `limit` are held, once past the slack."""
    if limit <= 0:
        return 0
    held = sum(len(f.index) for f in files if f.index is not None)
    return held - limit if held > limit + limit // SLACK else 0


def choose_cut(files: Sequence[LogFile], count: int, merged: MergedStream | None = None) -> dict[int, int]:
    """How many of its first records each file lets go of, about `count` in all, oldest first.

    With `merged` (the shown stream, taken in up to now) the oldest of its files are its
    first positions, counted at C speed; files outside it leave up to the same time. Else
    every file's keys are made monotone and the time found by bisection."""
    owner = {id(f.index): f for f in files}
    if merged is not None and _fits(merged, owner):
        count = min(count, len(merged))
        per_file = count_by_file(merged.refs, count, len(merged.indexes))
        cuts = {id(owner[id(idx)]): k for idx, k in zip(merged.indexes, per_file, strict=True) if k}
        until = merged.keys[count] if count < len(merged) else merged.keys[-1] + 1
        inside = {id(idx) for idx in merged.indexes}
        for lf in files:
            if id(lf.index) not in inside:
                cuts[id(lf)] = bisect_left(_monotone(lf), until)
        return {k: v for k, v in cuts.items() if v}
    monos = [(lf, _monotone(lf)) for lf in files]
    lo = min((m[0] for _, m in monos if m), default=NO_KEY)
    hi = max((m[-1] for _, m in monos if m), default=NO_KEY) + 1
    # The least time with at least `count` records before it.
    while lo < hi:
        mid = (lo + hi) // 2
        if sum(bisect_left(m, mid) for _, m in monos) >= count:
            hi = mid
        else:
            lo = mid + 1
    cuts = {id(lf): bisect_left(m, lo) for lf, m in monos}
    return {k: v for k, v in cuts.items() if v}


def _fits(merged: MergedStream, owner: dict[int, LogFile]) -> bool:
    """The merge is of windowed files only and has taken in every record (its order, on
    clocks corrected or not, keeps each file's: its first positions are each file's first)."""
    return bool(len(merged)) and merged.current() and all(id(idx) in owner for idx in merged.indexes)


def _monotone(lf: LogFile) -> Sequence[int]:
    idx = lf.index
    if idx is None:
        return ()
    if not idx.times:
        return [NO_KEY] * len(idx)
    return monotone_keys(idx.keys)


def cut_files(files: Sequence[LogFile], cuts: dict[int, int]) -> Cut:
    """Let each file's index go of its records `cuts` names, and move what counts records
    by number (its known faults) to the numbers they have now."""
    cut = Cut()
    for lf in files:
        k = cuts.get(id(lf), 0)
        if not k or lf.index is None:
            continue
        start, end = lf.index.drop_head(k)
        cut.records[id(lf)] = k
        cut.spans.append((lf, start, end))
        if lf.faults:
            lf.faults = {rec - k: fault for rec, fault in lf.faults.items() if rec >= k}
        lf.faults_checked = max(0, lf.faults_checked - k)
    return cut


# Cuts kept apart beyond this are joined, oldest first, up to a window's worth each.
MAX_CUTS = 64


def join_cuts(cuts: list[Cut], limit: int) -> None:
    """Keep the list of cuts short over hours of following: past MAX_CUTS, join the two
    oldest neighbours not read back whose records fit in `limit` (one read back then
    brings them both)."""
    while len(cuts) > MAX_CUTS:
        for i in range(len(cuts) - 1):
            a, b = cuts[i], cuts[i + 1]
            if not a.read_back and not b.read_back and a.count + b.count <= limit:
                cuts[i : i + 2] = [_joined(a, b)]
                break
        else:
            return


def _joined(a: Cut, b: Cut) -> Cut:
    records = dict(a.records)
    for key, k in b.records.items():
        records[key] = records.get(key, 0) + k
    spans = list(a.spans)
    for lf, start, end in b.spans:
        # A file's cuts follow each other on disk: the earlier one's end is the next's start.
        i = next((n for n, (f, _, e) in enumerate(spans) if f is lf and e == start), None)
        if i is None:
            spans.append((lf, start, end))
        else:
            spans[i] = (lf, spans[i][1], end)
    return Cut(records, spans)


def read_back(cut: Cut) -> list[LogFile]:
    """The records a cut let go of, read again from disk: per file, a file over the bytes
    it let go of (not indexed yet), showing as the same node, component and producer."""
    out = []
    for lf, start, end in cut.spans:
        idx = lf.index
        if idx is None or end <= start:
            continue
        older = FileIndex(SliceSource(idx.source, start, end), idx.format, times=idx.times, year=idx.year)
        out.append(lf.part(index=older, read_back=lf, share=None))
    return out


__all__ = [
    "MAX_CUTS",
    "SLACK",
    "Cut",
    "choose_cut",
    "cut_files",
    "excess",
    "join_cuts",
    "read_back",
    "windowed",
]
