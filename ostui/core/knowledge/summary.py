"""The errors of a log set, grouped: known faults, faults still below their repetition
threshold, and unknown errors by signature.

Every ERROR/CRITICAL record lands in exactly one group. Faults that also count lower
levels (`level = "warning"` or `"info"`) are looked for in the files of their services
only, with one search of the file's bytes for their literal text.
Each distinct shape of record (ids and stamps masked) is classified once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..levels import Level
from ..model import Record
from ..timekeys import NO_KEY
from .matcher import FaultMatcher, _literal_prefix, _trie_pattern
from .packs import Fault, load_faults
from .signatures import ErrorShape, clip, error_shape, first_line

if TYPE_CHECKING:
    from ..logset import LogFile
    from .versions import Installed


@dataclass(slots=True)
class FaultGroup:
    """Occurrences of one known fault or one unknown error signature."""

    key: str  # fault id, or the signature of an unknown error
    title: str
    count: int = 0
    severe: int = 0  # of them, ERROR and CRITICAL records
    nodes: set[str] = field(default_factory=set)
    components: set[str] = field(default_factory=set)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    newest: tuple[str, int] | None = None  # (file path, record number)
    newest_key: int = NO_KEY
    example: str = ""
    module: str = ""  # unknown errors: the exception's module (or the logger)
    fault: Fault | None = None
    repeat_note: str = ""  # known faults with a repetition rule: how often, where
    versions: list[dict[str, Any]] = field(default_factory=list)  # installed vs fixed

    def add(self, stamp: datetime | None, key: int, level: Level, lf: LogFile, index: int) -> None:
        self.count += 1
        self.severe += level >= Level.ERROR
        self.nodes.add(lf.node)
        self.components.add(lf.component)
        if stamp is not None:
            if self.first_seen is None or stamp < self.first_seen:
                self.first_seen = stamp
            if self.last_seen is None or stamp > self.last_seen:
                self.last_seen = stamp
        # Records without a time only win over others without one (later in the file).
        if self.newest is None or key >= self.newest_key:
            self.newest = (str(lf.path), index)
            self.newest_key = key

    def to_dict(self, known: bool, lang: str = "en", attribution: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {"id" if known else "signature": self.key, "title": self.title}
        out.update(
            count=self.count,
            nodes=sorted(self.nodes),
            components=sorted(self.components),
            first_seen=self.first_seen.isoformat() if self.first_seen else None,
            last_seen=self.last_seen.isoformat() if self.last_seen else None,
            newest={"file": self.newest[0], "record": self.newest[1]} if self.newest else None,
            example=self.example,
        )
        if self.fault is not None:
            out.update(fault_dict(self.fault, lang, attribution))
            if self.repeat_note:
                out["repeat_note"] = self.repeat_note
            if self.versions:
                out["versions"] = self.versions
        if not known:
            out["module"] = self.module
        return out


def fault_dict(fault: Fault, lang: str = "en", attribution: str = "") -> dict[str, Any]:
    """Everything an operator needs to act on `fault`, as plain data."""
    title, cause, fix = fault.text(lang)
    return {
        "id": fault.id,
        "title": title,
        "cause": cause,
        "fix": fix,
        "bugs": list(fault.bugs),
        "links": list(fault.links),
        "releases": list(fault.releases),
        "pack": fault.pack,
        "attribution": attribution,
        "repeat": (
            {"count": fault.repeat.count, "hours": fault.repeat.hours, "rule": fault.repeat.describe(lang)}
            if fault.repeat
            else None
        ),
        "fixed_in": [{"package": f.package, "version": f.version} for f in fault.fixed_in],
        "lang": lang,
    }


@dataclass(slots=True)
class FaultSummary:
    known: list[FaultGroup] = field(default_factory=list)
    unknown: list[FaultGroup] = field(default_factory=list)
    # Faults with a repetition rule seen fewer times than it asks: neither known nor unknown.
    watching: list[FaultGroup] = field(default_factory=list)
    records: int = 0  # records grouped: every ERROR/CRITICAL one, and lower ones a fault counts
    severe: int = 0  # ERROR/CRITICAL records
    files: int = 0
    errors: list[str] = field(default_factory=list)  # fault files that did not load
    installed: dict[str, str] = field(default_factory=dict)  # package -> version, from the archive

    def to_dict(self, lang: str = "en", attributions: dict[str, str] | None = None) -> dict[str, Any]:
        attributions = attributions or {}

        def known(g: FaultGroup) -> dict[str, Any]:
            return g.to_dict(True, lang, attributions.get(g.fault.pack, "") if g.fault else "")

        return {
            "records": self.records,
            "error_records": self.severe,
            "files": self.files,
            "known": [known(g) for g in self.known],
            "watching": [known(g) for g in self.watching],
            "unknown": [g.to_dict(False) for g in self.unknown],
            "installed_packages": len(self.installed),
            "fault_errors": list(self.errors),
        }


# levels[i] is one byte per record; this finds ERROR and above without a Python loop.
_SEVERE_RE = re.compile(b"[\\x%02x-\\xff]" % Level.ERROR)
# What varies between occurrences of one error and never decides a match: stamps and uuids.
# Kept to two cheap alternatives: this runs over the whole text of every record.
_SHAPE_RE = re.compile(
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d[.,]?\d*|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


@dataclass(slots=True)
class _Seen:
    """One record to group, kept light until every repetition rule is decided."""

    lf: LogFile
    index: int
    stamp: datetime | None
    key: int
    level: Level
    faults: tuple[Fault, ...]  # matching faults, best first
    shape: ErrorShape | None  # when no fault may take it
    example: str


def _lower_level_faults(matcher: FaultMatcher, lf: LogFile) -> tuple[Level, re.Pattern[bytes]] | None:
    """The lowest level some fault counts in `lf`, and one bytes pattern of those faults' text
    (their literals and their regexes as they are, so a common word does not pick every line)."""
    path = str(lf.path).lower()
    faults = [
        f
        for f in matcher.faults
        if f.level < Level.ERROR and (not f.match.service or any(s in path for s in f.match.service))
    ]
    triggers = [(s, "") for f in faults for s in (f.match.any or f.match.all[:1])]
    triggers += [_literal_prefix(r) for f in faults for r in f.match.regex]
    if not faults or not triggers:
        return None
    try:
        pattern = re.compile(_trie_pattern(triggers).encode())
    except re.error:  # a pattern valid for text but not for bytes: fall back to the literals
        literals = sorted({p for p, _rest in triggers if len(p) > 8})
        if not literals:
            return None
        pattern = re.compile(b"|".join(re.escape(s.encode()) for s in literals))
    return min(f.level for f in faults), pattern


_CHUNK = 32 << 20  # bytes of a file searched at a time for lower-level faults


def _candidates(lf: LogFile, matcher: FaultMatcher) -> list[int]:
    """Record numbers to classify: ERROR and up, and lower records holding a fault's text."""
    idx = lf.index
    assert idx is not None
    found = {m.start() for m in _SEVERE_RE.finditer(idx.levels)}
    lower = _lower_level_faults(matcher, lf)
    if lower is not None:
        floor, pattern = lower
        overlap = 512  # a literal cut by a chunk's end is found again in the next chunk
        for pos in range(0, idx.scanned, _CHUNK):
            data = idx.source.read(pos, min(_CHUNK + overlap, idx.scanned - pos))
            for m in pattern.finditer(data):
                i = idx.record_at(pos + m.start())
                if 0 <= i < len(idx.levels) and idx.levels[i] >= floor:
                    found.add(i)
    return sorted(found)


def _fires(stamps: list[datetime], count: int, hours: float | None) -> bool:
    if len(stamps) < count:
        return False
    if hours is None:
        return True
    stamps.sort()
    window = timedelta(hours=hours)
    return any(stamps[i + count - 1] - stamps[i] <= window for i in range(len(stamps) - count + 1))


def summarize_faults(
    files: Sequence[LogFile],
    matcher: FaultMatcher | None = None,
    installed: Installed | None = None,
    lang: str = "en",
) -> FaultSummary:
    """Every ERROR/CRITICAL record of the indexed files, grouped by its best known fault
    or, when none matches, by its signature (`error_shape`)."""
    from ..records import parse_record

    if matcher is None:
        pack = load_faults()
        matcher = FaultMatcher(pack)
        errors = list(pack.errors)
    else:
        errors = []
    summary = FaultSummary(errors=errors)
    seen: list[_Seen] = []
    for lf in files:
        idx = lf.index
        if idx is None:
            continue
        summary.files += 1
        # One classification per shape of record in this file (a fault's `service` is the file's).
        shapes: dict[tuple[str, str | None, int | None], tuple[tuple[Fault, ...], ErrorShape | None]] = {}
        for i in _candidates(lf, matcher):
            rec = parse_record(idx, i)
            status = rec.http.status if rec.http is not None else None
            shape_key = (_SHAPE_RE.sub("#", rec.text), rec.logger, status)
            known = shapes.get(shape_key)
            if known is None:
                faults = tuple(h.fault for h in matcher.match(rec) if rec.level >= h.fault.level)
                shape = error_shape(rec) if rec.level >= Level.ERROR else None
                known = shapes[shape_key] = (faults, shape)
            if not known[0] and rec.level < Level.ERROR:
                continue  # a lower record that only looked like a fault's text
            seen.append(_Seen(lf, i, rec.timestamp, rec.key, rec.level, known[0], known[1], _example(rec)))
    _group(seen, summary, lang)
    if installed is not None:
        summary.installed = dict(installed.packages)
        for group in summary.known:
            if group.fault is not None and group.fault.fixed_in:
                group.versions = installed.check(group.fault.fixed_in)
    return summary


def _example(rec: Record) -> str:
    return clip(first_line(rec), 300)


def _group(seen: list[_Seen], summary: FaultSummary, lang: str) -> None:
    # Repetition rules are decided per node, over every record their fault matched.
    stamps: dict[tuple[str, str], list[datetime]] = {}
    for s in seen:
        for fault in s.faults:
            if fault.repeat is not None and s.stamp is not None:
                stamps.setdefault((fault.id, s.lf.node), []).append(s.stamp)
            elif fault.repeat is not None and fault.repeat.hours is None:
                stamps.setdefault((fault.id, s.lf.node), [])
    by_id = {f.id: f for s in seen for f in s.faults}
    fired = {
        pair
        for pair, times in stamps.items()
        if _fires(times, by_id[pair[0]].repeat.count, by_id[pair[0]].repeat.hours)  # type: ignore[union-attr]
    }
    known: dict[str, FaultGroup] = {}
    watching: dict[str, FaultGroup] = {}
    unknown: dict[str, FaultGroup] = {}
    for s in seen:
        summary.records += 1
        summary.severe += s.level >= Level.ERROR
        chosen = next(
            (f for f in s.faults if f.repeat is None or (f.id, s.lf.node) in fired),
            None,
        )
        if chosen is not None:
            group = known.get(chosen.id)
            if group is None:
                title = chosen.text(lang)[0]
                group = known[chosen.id] = FaultGroup(chosen.id, title, fault=chosen, example=s.example)
        elif s.faults:
            gated = s.faults[0]
            group = watching.get(gated.id)
            if group is None:
                title = gated.text(lang)[0]
                group = watching[gated.id] = FaultGroup(gated.id, title, fault=gated, example=s.example)
        elif s.shape is not None:
            group = unknown.get(s.shape.key)
            if group is None:
                group = unknown[s.shape.key] = FaultGroup(
                    s.shape.key, s.shape.title, example=s.example, module=s.shape.module
                )
        else:  # pragma: no cover - lower records without a fault are skipped earlier
            continue
        group.add(s.stamp, s.key, s.level, s.lf, s.index)
    for group in [*known.values(), *watching.values()]:
        gated_fault = group.fault
        if gated_fault is not None and gated_fault.repeat is not None:
            nodes = sorted(n for (fid, n) in fired if fid == gated_fault.id)
            rule = gated_fault.repeat.describe(lang)
            if nodes:
                group.repeat_note = f"{rule}; reached on {', '.join(nodes)}"
            else:
                group.repeat_note = f"{rule}; seen {group.count}, not reached"
    order = lambda g: (-g.count, g.key)  # noqa: E731
    summary.known = sorted(known.values(), key=order)
    summary.watching = sorted(watching.values(), key=order)
    summary.unknown = sorted(unknown.values(), key=order)
