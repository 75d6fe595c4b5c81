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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import compress

from .levels import Level
from .logset import LogFile
from .merge import MergedStream, monotone_keys
from .model import Record
from .records import parse_record
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
        return " · ".join(parts) or "no filter"


def compile_text(text: str) -> re.Pattern[bytes]:
    """The user's pattern as a bytes regex; a broken regex is searched literally."""
    raw = text.encode("utf-8", "surrogateescape")
    try:
        return re.compile(raw, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(raw), re.IGNORECASE)


def mark_matches(
    files: Sequence[LogFile],
    merged: MergedStream,
    pattern: re.Pattern[bytes],
    cancelled: Callable[[], bool] = lambda: False,
) -> bytearray:
    """Mask over global record numbers: 1 where a record's bytes match `pattern`."""
    mask = bytearray(merged.total)
    for fno, lf in enumerate(files):
        idx = lf.index
        if idx is None or not len(idx):
            continue
        base = merged.bases[fno]
        starts = idx.starts
        pos = 0
        for block in idx.source.blocks(0, idx.scanned):
            if cancelled():
                return mask
            cut = block.rfind(b"\n") + 1 or len(block)
            last = -1
            for m in pattern.finditer(block, 0, cut):
                rec = bisect_right(starts, pos + m.start()) - 1
                if rec != last and rec >= 0:
                    mask[base + rec] = 1
                    last = rec
            if cut < len(block):
                # Re-read the cut-off tail with the next block so no match straddles.
                break_tail = block[cut:]
                del break_tail
            pos += cut
            if cut < len(block):
                _scan_tail(idx, pattern, mask, base, pos)
                break
    return mask


def _scan_tail(idx: object, pattern: re.Pattern[bytes], mask: bytearray, base: int, start: int) -> None:
    """Continue a text search from `start` line-aligned to the end of the index."""
    from .index import FileIndex

    assert isinstance(idx, FileIndex)
    pos = start
    while pos < idx.scanned:
        block = idx.source.read(pos, min(8 << 20, idx.scanned - pos))
        if not block:
            return
        cut = block.rfind(b"\n") + 1 if pos + len(block) < idx.scanned else len(block)
        cut = cut or len(block)
        last = -1
        for m in pattern.finditer(block, 0, cut):
            rec = bisect_right(idx.starts, pos + m.start()) - 1
            if rec != last and rec >= 0:
                mask[base + rec] = 1
                last = rec
        pos += cut


class StreamView:
    """Rows of the stream pane: merged positions passing the filters."""

    def __init__(
        self,
        files: Sequence[LogFile],
        filters: Filters | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> None:
        self.files = [f for f in files if f.index is not None]
        self.filters = filters or Filters()
        self.merged = MergedStream([f.index for f in self.files if f.index is not None])
        self.rows = self._filter(cancelled)
        self._cache: OrderedDict[int, Record] = OrderedDict()

    def _filter(self, cancelled: Callable[[], bool]) -> array[int]:
        f = self.filters
        merged = self.merged
        mask: bytearray | None = None
        if f.text:
            mask = mark_matches(self.files, merged, compile_text(f.text), cancelled)
        if f.request_id:
            rid = normalize_id(f.request_id).encode()
            req_mask = mark_matches(self.files, merged, re.compile(re.escape(rid)), cancelled)
            mask = req_mask if mask is None else bytearray(map(min, mask, req_mask))
        rows = merged.view(None if f.levels == ALL_LEVELS else f.levels, mask)
        if f.since is not None or f.until is not None:
            keys = self.sorted_keys()
            lo = bisect_left(keys, f.since) if f.since is not None else 0
            hi = bisect_right(keys, f.until) if f.until is not None else len(keys)
            rows = array("Q", (p for p in rows if lo <= p < hi))
        return rows

    def sorted_keys(self) -> array[int]:
        """Monotone time key of every merged position (for time jumps and windows)."""
        keys = getattr(self, "_keys", None)
        if keys is None:
            allkeys = array("q")
            for f in self.files:
                assert f.index is not None
                allkeys.extend(
                    monotone_keys(f.index.keys) if f.index.times else array("q", [0]) * len(f.index)
                )
            keys = array("q", accumulate_max(map(allkeys.__getitem__, self.merged.order)))
            self._keys = keys
        return keys

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
        keys = self.sorted_keys()
        pos = bisect_left(keys, key)
        return min(bisect_left(self.rows, pos), max(0, len(self.rows) - 1))

    def row_of(self, lf: LogFile, rec_no: int) -> int | None:
        try:
            fno = self.files.index(lf)
        except ValueError:
            return None
        pos = self.merged.position_of(fno, rec_no)
        i = bisect_left(self.rows, pos)
        return i if i < len(self.rows) and self.rows[i] == pos else None


def accumulate_max(values: object) -> list[int]:
    from itertools import accumulate

    return list(accumulate(values, max))  # type: ignore[call-overload]


@dataclass
class LevelCounts:
    counts: dict[Level, int] = field(default_factory=dict)


def level_counts(files: Sequence[LogFile]) -> dict[Level, int]:
    out: dict[Level, int] = {}
    for f in files:
        if f.index is not None:
            for lv in Level:
                n = f.index.levels.count(lv)
                if n:
                    out[lv] = out.get(lv, 0) + n
    return out


__all__ = ["Filters", "StreamView", "compile_text", "compress", "level_counts", "mark_matches"]
