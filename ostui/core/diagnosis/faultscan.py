"""Known faults flagged while indexing (and while tailing).

Every ERROR and CRITICAL record is checked as soon as it is indexed, cheaply: its
raw text (head and tail when it is very long) is matched without parsing the
record, and each shape of error (stamps and uuids masked) is matched once. The records
of a big file's parts are shaped in the index processes (`shape_part`), where they are
read; only the shapes not met yet are matched here (`flag_shaped`).
The detail pane later runs the full match on the parsed record, with the traceback,
logger and HTTP status, and shows why it matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import repeat

from ..indexing.index import FileIndex
from ..indexing.logset import LogFile
from ..levels import Level
from ..parsing.formats.base import strip_ansi
from .knowledge import FaultMatcher
from .knowledge.shapes import SHAPE_RE_B

_SEVERE = re.compile(b"[\\x%02x-\\xff]" % Level.ERROR)
HEAD_BYTES = 2048
_MISS = object()
MAX_SHAPES = 20_000  # shapes remembered per matcher (a few MB at most); past that, all forgotten


def quick_text(raw: bytes) -> str:
    """A record's text for matching; its head and tail when it is very long."""
    return strip_ansi(raw.decode("utf-8", "replace"))


def flag_faults(
    lf: LogFile, matcher: FaultMatcher | Callable[[], FaultMatcher], start: int = 0, stop: int | None = None
) -> int:
    """Flag the known faults of `lf`'s ERROR/CRITICAL records from record `start` on (to
    `stop`); returns how many were flagged. Results go to `lf.faults` (record -> fault id).
    `matcher` may be a function that gives it, called only when a record is to be matched
    (reading the packs takes a tenth of a second)."""
    idx = lf.index
    if idx is None:
        return 0
    stop = len(idx.levels) if stop is None else min(stop, len(idx.levels))
    flagged = 0
    if _SEVERE.search(idx.levels, start, max(start, stop)) is not None:
        found = _resolved(matcher)
        shapes = _shapes_of(found)
        source = str(lf.path)
        for m in _SEVERE.finditer(idx.levels, start, stop):
            i = m.start()
            raw = _raw(idx, i)
            key = (source, _shape(raw))
            fault = shapes.get(key, _MISS)
            if fault is _MISS:
                fault = shapes[key] = _fault_of(found, raw, source)
            if isinstance(fault, str):
                lf.faults[i] = fault
                flagged += 1
    lf.faults_checked = stop
    return flagged


def shape_part(source: str, idx: FileIndex) -> dict[bytes, list[int]]:
    """In an index process: a part's ERROR/CRITICAL records but its last (it may go on in
    the next part), by shape: shape -> their numbers in the part. The shapes are matched
    where the matcher is (`flag_shaped`): each new one once, on its first record."""
    shaped: dict[bytes, list[int]] = {}
    for m in _SEVERE.finditer(idx.levels, 0, max(0, len(idx.levels) - 1)):
        i = m.start()
        shaped.setdefault(_shape(_raw(idx, i)), []).append(i)
    return shaped


def flag_shaped(
    lf: LogFile,
    matcher: FaultMatcher | Callable[[], FaultMatcher],
    first: int,
    shaped: dict[bytes, list[int]],
) -> int:
    """Flag `lf`'s records `first + i` from their shapes (`shape_part` of the part that
    begins at record `first`); returns how many were flagged."""
    if not shaped or lf.index is None:
        return 0
    found = _resolved(matcher)
    shapes = _shapes_of(found)
    source = str(lf.path)
    flagged = 0
    for shape, records in shaped.items():
        key = (source, shape)
        fault = shapes.get(key, _MISS)
        if fault is _MISS:
            fault = shapes[key] = _fault_of(found, _raw(lf.index, first + records[0]), source)
        if isinstance(fault, str):
            lf.faults.update(zip(map(first.__add__, records), repeat(fault)))
            flagged += len(records)
    return flagged


def _raw(idx: FileIndex, i: int) -> bytes:
    """Record i's bytes; its head and tail when it is very long."""
    s, e = idx.span(i)
    if e - s <= 2 * HEAD_BYTES:
        return idx.source.read(s, min(e - s, HEAD_BYTES))
    return idx.source.read(s, HEAD_BYTES) + b"\n" + idx.source.read(e - HEAD_BYTES, HEAD_BYTES)


def _shape(raw: bytes) -> bytes:
    """The same error repeats with other stamps and ids: its shape is its first and last
    lines, those masked. Numbers stay: a rule may hang on one."""
    first = raw[: raw.find(b"\n", 0, 512) % 513]
    last = raw.rstrip()[-256:].rpartition(b"\n")[2]
    return SHAPE_RE_B.sub(b"#", first + b"\n" + last)


def _resolved(matcher: FaultMatcher | Callable[[], FaultMatcher]) -> FaultMatcher:
    return matcher if isinstance(matcher, FaultMatcher) else matcher()


def _shapes_of(matcher: FaultMatcher) -> dict[tuple[str, bytes], str | None]:
    shapes: dict[tuple[str, bytes], str | None] = matcher.shapes
    if len(shapes) > MAX_SHAPES:
        shapes.clear()
    return shapes


def _fault_of(matcher: FaultMatcher, raw: bytes, source: str) -> str | None:
    hits = matcher.match_text(quick_text(raw), source=source)
    # A fault that counts only when it repeats is decided over the whole set
    # (`summarize_faults`), never by one record.
    plain = [h for h in hits if h.fault.repeat is None]
    return plain[0].fault.id if plain else None
