"""Records per level over time: the counts behind the timeline, at C speed.

Every record becomes one int, `second << 4 | level`, where `second` is its time key
cut to the second (`key // 10**6`, still the YYMMDDhhmmss digits): a handful of
`map` steps over the index's `keys` array and `levels` bytearray, then one
`Counter.update`, so no Python object is made per record. The counts per distinct
second are then laid out per level as a sorted array of seconds with running sums,
so that the count of any time range is two bisections: a column of the timeline,
at any zoom, costs the same whether the logs hold a hundred records or a billion.

Zoom widths are the ones that divide the calendar's digit fields evenly (1, 2, 5,
10 and 20 seconds or minutes, 1, 2 and 4 hours, a day): a bucket is then the key
divided by a constant, and stepping bucket by bucket never drifts.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, repeat
from operator import add, floordiv, mul, rshift, sub
from typing import TYPE_CHECKING

from ..indexing.logset import LogFile
from ..levels import Level
from ..timekeys import NO_KEY, key_to_datetime, key_to_us, shift_keys, us_to_key
from .merge import SHIFT

if TYPE_CHECKING:
    from .view import StreamView

SECOND = 10**6  # a key // SECOND is its second, YYMMDDhhmmss
_NO_SECOND = NO_KEY // SECOND  # the smallest second there is: an undated record's
# A record's code is `level << LEVEL_SHIFT` plus its second counted from _NO_SECOND, so codes
# sort by level, then time, and an undated record's code is its level's base.
LEVEL_SHIFT = 58
_LEVEL_BASE = [(level << LEVEL_SHIFT) - _NO_SECOND for level in range(256)]


@dataclass(frozen=True)
class Zoom:
    """One column width: `label` as typed (`5m`), its length, and the key divisor of a bucket."""

    label: str
    seconds: int
    divisor: int


ZOOMS: tuple[Zoom, ...] = (
    Zoom("1s", 1, 10**6),
    Zoom("2s", 2, 2 * 10**6),
    Zoom("5s", 5, 5 * 10**6),
    Zoom("10s", 10, 10**7),
    Zoom("20s", 20, 2 * 10**7),
    Zoom("1m", 60, 10**8),
    Zoom("2m", 120, 2 * 10**8),
    Zoom("5m", 300, 5 * 10**8),
    Zoom("10m", 600, 10**9),
    Zoom("20m", 1200, 2 * 10**9),
    Zoom("1h", 3600, 10**10),
    Zoom("2h", 7200, 2 * 10**10),
    Zoom("4h", 14400, 4 * 10**10),
    Zoom("1d", 86400, 10**12),
)
ZOOM_BY_LABEL = {z.label: z for z in ZOOMS}
GROUPINGS = ("node", "component", "producer")

# The three bands the bars stack: the rest, warnings, errors (ERROR and CRITICAL).
BAND_OF_LEVEL = {level: 2 if level >= Level.ERROR else 1 if level == Level.WARNING else 0 for level in Level}
BAND_NAMES = ("other", "warning", "error")


def parse_zoom(text: str) -> Zoom:
    """The Zoom for `1m`, `10s`, `1h`...; ValueError naming the widths there are."""
    zoom = ZOOM_BY_LABEL.get(text.strip().lower())
    if zoom is None:
        raise ValueError(f"bucket {text!r}: use one of {', '.join(ZOOM_BY_LABEL)}")
    return zoom


def producer_of(lf: LogFile) -> str:
    """The service that wrote a file: its live name without `.log` (`nova-compute`)."""
    name = lf.group or lf.path.name
    for suffix in (".log", ".txt"):
        name = name.removesuffix(suffix)
    return name


def group_of(lf: LogFile, by: str | None) -> str:
    if by == "node":
        return lf.node
    if by == "component":
        return lf.component
    if by == "producer":
        return f"{lf.node}/{producer_of(lf)}"
    return "all"


def second_codes(keys: Iterable[int], levels: Iterable[int]) -> Iterable[int]:
    """Each record's code (see LEVEL_SHIFT), lazily and in C: one division, one addition."""
    return map(add, map(floordiv, keys, repeat(SECOND)), map(_LEVEL_BASE.__getitem__, levels))


class LevelSeries:
    """Counts of one level per second, sorted: any range's count by two bisections."""

    __slots__ = ("cumulative", "seconds")

    def __init__(self) -> None:
        self.seconds = array("q")
        self.cumulative = array("q", [0])

    def append(self, second: int, count: int) -> None:
        self.seconds.append(second)
        self.cumulative.append(self.cumulative[-1] + count)

    def count(self, lo: int, hi: int) -> int:
        """Records with lo <= second < hi."""
        seconds = self.seconds
        return self.cumulative[bisect_left(seconds, hi)] - self.cumulative[bisect_left(seconds, lo)]

    @property
    def total(self) -> int:
        return self.cumulative[-1]


class GroupCounts:
    """One row of the timeline: a Counter of second codes, and its series once laid out."""

    __slots__ = ("_series", "codes")

    def __init__(self) -> None:
        self.codes: Counter[int] = Counter()
        self._series: list[LevelSeries] | None = None

    def add(self, codes: Iterable[int] | Mapping[int, int]) -> None:
        self.codes.update(codes)  # a Mapping adds its counts
        self._series = None

    def subtract(self, codes: Mapping[int, int]) -> None:
        self.codes.subtract(codes)
        self._series = None

    @property
    def series(self) -> list[LevelSeries]:
        """Per Level, the dated counts by second (laid out on first use after a change).

        One sort of the distinct codes, then per level a slice found by bisection and an
        `accumulate`: C loops over distinct seconds, none in Python."""
        if self._series is None:
            codes = sorted(self.codes)
            series = []
            for level in Level:
                base = _LEVEL_BASE[level]
                lo = bisect_left(codes, (level << LEVEL_SHIFT) + 1)  # after the undated
                hi = bisect_left(codes, (level + 1) << LEVEL_SHIFT)
                s = LevelSeries()
                s.seconds = array("q", map(sub, codes[lo:hi], repeat(base)))
                s.cumulative = array("q", accumulate(map(self.codes.__getitem__, codes[lo:hi]), initial=0))
                series.append(s)
            self._series = series
        return self._series

    def undated(self) -> list[int]:
        """Per Level, records without a time of their own."""
        return [self.codes.get(level << LEVEL_SHIFT, 0) for level in Level]

    def totals(self) -> list[int]:
        undated = self.undated()
        return [s.total + n for s, n in zip(self.series, undated, strict=True)]


@dataclass(frozen=True)
class Column:
    """One column of the timeline: its bucket's first key and the counts per Level."""

    start: int  # time key of the bucket's first microsecond
    counts: tuple[int, ...]

    def bands(self) -> tuple[int, int, int]:
        """(other, warning, error) counts."""
        out = [0, 0, 0]
        for level, n in enumerate(self.counts):
            out[BAND_OF_LEVEL[Level(level)]] += n
        return out[0], out[1], out[2]

    @property
    def total(self) -> int:
        return sum(self.counts)


def bucket_start(key: int, zoom: Zoom) -> int:
    return key // zoom.divisor * zoom.divisor


def column_starts(first: int, zoom: Zoom, count: int) -> list[int]:
    """Keys of `count` consecutive buckets from the one holding `first`, on the calendar."""
    start_us = key_to_us(bucket_start(first, zoom))
    step = zoom.seconds * SECOND
    return [us_to_key(start_us + n * step) for n in range(count)]


def step_key(key: int, zoom: Zoom, columns: int) -> int:
    """The bucket `columns` away from the one holding `key` (negative: earlier)."""
    return us_to_key(key_to_us(bucket_start(key, zoom)) + columns * zoom.seconds * SECOND)


def columns_between(first: int, last: int, zoom: Zoom) -> int:
    """How many buckets from the one holding `first` to the one holding `last`, both in."""
    span = key_to_us(bucket_start(last, zoom)) - key_to_us(bucket_start(first, zoom))
    return span // (zoom.seconds * SECOND) + 1


class Timeline:
    """Counts per level and second of a set of files, in rows by node, component or producer.

    `update()` takes in records appended since the last call (live tail), so the newest
    column grows as they arrive. `shifts`: µs to add to a node's stamps (clock skew).
    """

    def __init__(self, by: str | None = None, shifts: Mapping[str, int] | None = None) -> None:
        if by is not None and by not in GROUPINGS:
            raise ValueError(f"group by {by!r}: use one of {', '.join(GROUPINGS)}")
        self.by = by
        self.shifts = {node: us for node, us in (shifts or {}).items() if us}
        self.groups: dict[str, GroupCounts] = {}
        self.all = GroupCounts()
        self._done: dict[int, tuple[LogFile, int, Counter[int]]] = {}  # id(file) -> (file, records, codes)

    # -- counting ------------------------------------------------------------------
    def update(self, files: Sequence[LogFile]) -> int:
        """Count records added to `files` since the last call; returns how many."""
        added = 0
        for lf in files:
            idx = lf.index
            if idx is None:
                continue
            group = self.groups.setdefault(group_of(lf, self.by), GroupCounts())
            known = self._done.get(id(lf))
            done, mine = (known[1], known[2]) if known is not None else (0, Counter())
            n = len(idx)
            if n < done:  # the index was rebuilt smaller (a truncated file): count it again
                group.subtract(mine)
                self.all.subtract(mine)
                done, mine = 0, Counter()
            if n == done:
                self._done[id(lf)] = (lf, done, mine)
                continue
            keys = idx.keys[done:n] if idx.times else array("q", [NO_KEY]) * (n - done)
            shift = self.shifts.get(lf.node, 0)
            if shift:
                keys = shift_keys(keys, shift)
            fresh = Counter(second_codes(keys, idx.levels[done:n]))
            mine.update(fresh)
            group.add(fresh)
            self.all.add(fresh)
            self._done[id(lf)] = (lf, n, mine)
            added += n - done
        return added

    @classmethod
    def of_files(
        cls, files: Sequence[LogFile], by: str | None = None, shifts: Mapping[str, int] | None = None
    ) -> Timeline:
        timeline = cls(by, shifts)
        timeline.update(files)
        return timeline

    @classmethod
    def of_view(cls, view: StreamView, by: str | None = None) -> Timeline:
        """Counts of the records a stream view shows (its filters and clock applied).

        The view's merged keys are monotone (a record without a stamp takes the one
        before it), so every record is dated here."""
        timeline = cls(by)
        timeline.count_view(view)
        return timeline

    def count_view(self, view: StreamView, start: int = 0) -> int:
        """Count the view's rows from `start` on (rows the live tail appended); returns how many."""
        merged = view.merged
        rows = view.rows[start:]
        keys = map(merged.keys.__getitem__, rows)
        levels = map(merged.levels.__getitem__, rows)
        names = [group_of(lf, self.by) for lf in view.files]
        order = sorted(set(names))
        if len(order) <= 1:
            counted = Counter(second_codes(keys, levels))
            self.groups.setdefault(order[0] if order else "all", GroupCounts()).add(counted)
            self.all.add(counted)
            return len(rows)
        number = [order.index(n) for n in names]
        width = len(order)
        files = map(rshift, map(merged.refs.__getitem__, rows), repeat(SHIFT))
        codes = map(add, map(mul, second_codes(keys, levels), repeat(width)), map(number.__getitem__, files))
        per: list[Counter[int]] = [Counter() for _ in order]
        for code, n in Counter(codes).items():  # one step per distinct (second, level, row)
            second_code, g = divmod(code, width)
            per[g][second_code] = n
        for name, counts in zip(order, per, strict=True):
            self.groups.setdefault(name, GroupCounts()).add(counts)
            self.all.add(counts)
        return len(rows)

    # -- reading -------------------------------------------------------------------
    def span(self) -> tuple[int, int] | None:
        """First and last dated key (to the second), None when nothing is dated."""
        firsts = [s.seconds[0] for s in self.all.series if s.seconds]
        lasts = [s.seconds[-1] for s in self.all.series if s.seconds]
        if not firsts:
            return None
        return min(firsts) * SECOND, max(lasts) * SECOND

    def totals(self) -> dict[str, int]:
        return {level.name: n for level, n in zip(Level, self.all.totals(), strict=True) if n}

    def undated(self) -> dict[str, int]:
        return {level.name: n for level, n in zip(Level, self.all.undated(), strict=True) if n}

    def columns(self, first: int, zoom: Zoom, count: int, group: str | None = None) -> list[Column]:
        """`count` columns of width `zoom` from the bucket holding key `first`."""
        counts = self.all if group is None else self.groups.get(group, GroupCounts())
        series = counts.series
        step = zoom.divisor // SECOND
        out = []
        for start in column_starts(first, zoom, count):
            lo = start // SECOND
            out.append(Column(start, tuple(s.count(lo, lo + step) for s in series)))
        return out

    def buckets(self, zoom: Zoom, group: str | None = None) -> list[Column]:
        """The non-empty buckets of width `zoom`, in time order."""
        counts = self.all if group is None else self.groups.get(group, GroupCounts())
        per_bucket: dict[int, list[int]] = {}
        factor = zoom.divisor // SECOND
        for level, s in enumerate(counts.series):
            cumulative = s.cumulative
            for n, second in enumerate(s.seconds):
                row = per_bucket.setdefault(second // factor, [0] * len(Level))
                row[level] += cumulative[n + 1] - cumulative[n]
        return [Column(b * zoom.divisor, tuple(row)) for b, row in sorted(per_bucket.items())]

    def first_change(self, zoom: Zoom, minimum: Level = Level.ERROR) -> dict[str, int]:
        """Per row, the key of the first bucket holding a record of `minimum` or worse."""
        out = {}
        for name, counts in self.groups.items():
            firsts = [
                s.seconds[0]
                for lv, s in zip(Level, counts.series, strict=True)
                if lv >= minimum and s.seconds
            ]
            if firsts:
                out[name] = bucket_start(min(firsts) * SECOND, zoom)
        return out


def timeline_dict(timeline: Timeline, zoom: Zoom) -> dict[str, object]:
    """The headless document: buckets of `zoom` with counts per level, overall and per row."""

    def stamp(key: int) -> str | None:
        when = key_to_datetime(key)
        return when.isoformat(sep=" ") if when else None

    def rows(group: str | None) -> list[dict[str, object]]:
        return [
            {
                "start": stamp(c.start),
                "levels": {lv.name: n for lv, n in zip(Level, c.counts, strict=True) if n},
                "total": c.total,
            }
            for c in timeline.buckets(zoom, group)
        ]

    span = timeline.span()
    doc: dict[str, object] = {
        "bucket": zoom.label,
        "by": timeline.by,
        "first": stamp(span[0]) if span else None,
        "last": stamp(span[1]) if span else None,
        "totals": timeline.totals(),
        "undated": timeline.undated(),
        "buckets": rows(None),
    }
    if timeline.by is not None:
        doc["groups"] = {name: rows(name) for name in sorted(timeline.groups)}
    return doc


__all__ = [
    "BAND_NAMES",
    "BAND_OF_LEVEL",
    "GROUPINGS",
    "ZOOMS",
    "Column",
    "Timeline",
    "Zoom",
    "column_starts",
    "columns_between",
    "group_of",
    "parse_zoom",
    "producer_of",
    "step_key",
    "timeline_dict",
]
