"""Known faults flagged while indexing (and while tailing).

Every ERROR and CRITICAL record is checked as soon as it is indexed, cheaply: its
raw text (head and tail when it is very long) is matched without parsing the
record, and each shape of error (stamps and uuids masked) is matched once.
The detail pane later runs the full match on the parsed record, with the traceback,
logger and HTTP status, and shows why it matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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
    flagged = 0
    levels = idx.levels
    stop = len(levels) if stop is None else min(stop, len(levels))
    if _SEVERE.search(levels, start, max(start, stop)) is None:
        lf.faults_checked = stop
        return 0
    if not isinstance(matcher, FaultMatcher):
        matcher = matcher()
    shapes = matcher.shapes
    if len(shapes) > MAX_SHAPES:
        shapes.clear()
    source = str(lf.path)
    for m in _SEVERE.finditer(levels, start, stop):
        i = m.start()
        s, e = idx.span(i)
        raw = (
            idx.source.read(s, min(e - s, HEAD_BYTES))
            if e - s <= 2 * HEAD_BYTES
            else (idx.source.read(s, HEAD_BYTES) + b"\n" + idx.source.read(e - HEAD_BYTES, HEAD_BYTES))
        )
        # The same error repeats with other stamps and ids: match each shape (its first and
        # last lines, those masked) once. Numbers stay: a rule may hang on one.
        first = raw[: raw.find(b"\n", 0, 512) % 513]
        last = raw.rstrip()[-256:].rpartition(b"\n")[2]
        key = (source, SHAPE_RE_B.sub(b"#", first + b"\n" + last))
        fault = shapes.get(key, _MISS)
        if fault is _MISS:
            hits = matcher.match_text(quick_text(raw), source=source)
            # A fault that counts only when it repeats is decided over the whole set
            # (`summarize_faults`), never by one record.
            plain = [h for h in hits if h.fault.repeat is None]
            fault = shapes[key] = plain[0].fault.id if plain else None
        if isinstance(fault, str):
            lf.faults[i] = fault
            flagged += 1
    lf.faults_checked = stop
    return flagged
