"""The errors of a log set, grouped: known faults, faults still below their repetition
threshold, and unknown errors by signature.

Every ERROR/CRITICAL record lands in exactly one group. Faults that also count lower
levels (`level = "warning"` or `"info"`) are looked for in the files of their services
only, with one search of the file's bytes for their literal text.
Each distinct shape of record (ids and stamps masked) is classified once.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ...levels import Level
from ...strip import STRIP_CELLS, occurrence_counts
from ...timekeys import NO_KEY, key_to_datetime
from .matcher import FaultMatcher
from .packs import Fault, load_faults
from .signatures import clip, first_line

if TYPE_CHECKING:
    from ...indexing.logset import LogFile
    from .faultpass import FileFaults
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
    keys: array[int] = field(default_factory=lambda: array("q"))  # each dated occurrence's time key

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
        if key != NO_KEY:
            self.keys.append(key)
        # Records without a time only win over others without one (later in the file).
        if self.newest is None or key >= self.newest_key:
            self.newest = (str(lf.path), index)
            self.newest_key = key

    def strip(self, window: tuple[int, int] | None, cells: int = STRIP_CELLS) -> list[int]:
        """Occurrences per cell of `window` (the summary's first to last time key): when
        this fault happened, beside the others."""
        return occurrence_counts(self.keys, *window, cells) if window else [0] * cells

    def to_dict(
        self,
        known: bool,
        lang: str = "en",
        attribution: str = "",
        window: tuple[int, int] | None = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"id" if known else "signature": self.key, "title": self.title}
        out.update(
            count=self.count,
            nodes=sorted(self.nodes),
            components=sorted(self.components),
            first_seen=self.first_seen.isoformat() if self.first_seen else None,
            last_seen=self.last_seen.isoformat() if self.last_seen else None,
            newest={"file": self.newest[0], "record": self.newest[1]} if self.newest else None,
            example=self.example,
            occurrences=self.strip(window),
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

    def window(self) -> tuple[int, int] | None:
        """From the first to the last dated occurrence of any group (time keys)."""
        groups = [*self.known, *self.watching, *self.unknown]
        keys = [k for g in groups if g.keys for k in (min(g.keys), max(g.keys))]
        return (min(keys), max(keys)) if keys else None

    def to_dict(self, lang: str = "en", attributions: dict[str, str] | None = None) -> dict[str, Any]:
        attributions = attributions or {}
        window = self.window()

        def known(g: FaultGroup) -> dict[str, Any]:
            return g.to_dict(True, lang, attributions.get(g.fault.pack, "") if g.fault else "", window)

        return {
            "records": self.records,
            "error_records": self.severe,
            "files": self.files,
            # each group's "occurrences" counts it in STRIP_CELLS equal slices of this window
            "window": [_iso(key) for key in window] if window else None,
            "known": [known(g) for g in self.known],
            "watching": [known(g) for g in self.watching],
            "unknown": [g.to_dict(False, window=window) for g in self.unknown],
            "installed_packages": len(self.installed),
            "fault_errors": list(self.errors),
        }


def _iso(key: int) -> str | None:
    when = key_to_datetime(key)
    return when.isoformat() if when else None


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
    workers: int | None = 1,
) -> FaultSummary:
    """Every ERROR/CRITICAL record of the indexed files, grouped by its best known fault
    or, when none matches, by its signature (`error_shape`). With workers > 1 (None: one
    per core) the records are classified in forked processes (headless commands only)."""
    from .faultpass import classify_files

    if matcher is None:
        pack = load_faults()
        matcher = FaultMatcher(pack)
        errors = list(pack.errors)
    else:
        errors = []
    summary = FaultSummary(errors=errors)
    found = classify_files(files, matcher, workers)
    summary.files = sum(1 for ff in found if ff is not None)
    _group([(lf, ff) for lf, ff in zip(files, found, strict=True) if ff is not None], matcher, summary, lang)
    if installed is not None:
        summary.installed = dict(installed.packages)
        for group in summary.known:
            if group.fault is not None and group.fault.fixed_in:
                group.versions = installed.check(group.fault.fixed_in)
    return summary


def _example(lf: LogFile, i: int) -> str:
    """A group's example: its first record's message (parsed only for that one record)."""
    from ...indexing.records import parse_record

    assert lf.index is not None
    return clip(first_line(parse_record(lf.index, i)), 300)


def _group(
    found: list[tuple[LogFile, FileFaults]], matcher: FaultMatcher, summary: FaultSummary, lang: str
) -> None:
    from .faultpass import shape_of

    every = matcher.faults
    # Each file's kinds as (faults, shape), with Fault objects: looked up once per kind.
    tables = [[(tuple(every[n] for n in kind[0]), shape_of(kind)) for kind in ff.table] for _, ff in found]
    # Repetition rules are decided per node, over every record their fault matched.
    stamps: dict[tuple[str, str], list[datetime]] = {}
    for (lf, ff), table in zip(found, tables, strict=True):
        for j, number in enumerate(ff.kinds):
            for fault in table[number][0]:
                if fault.repeat is None:
                    continue
                stamp = key_to_datetime(ff.keys[j])
                if stamp is not None:
                    stamps.setdefault((fault.id, lf.node), []).append(stamp)
                elif fault.repeat.hours is None:
                    stamps.setdefault((fault.id, lf.node), [])
    by_id = {f.id: f for table in tables for faults, _ in table for f in faults}
    fired = {
        pair
        for pair, times in stamps.items()
        if _fires(times, by_id[pair[0]].repeat.count, by_id[pair[0]].repeat.hours)  # type: ignore[union-attr]
    }
    known: dict[str, FaultGroup] = {}
    watching: dict[str, FaultGroup] = {}
    unknown: dict[str, FaultGroup] = {}
    for (lf, ff), table in zip(found, tables, strict=True):
        for j, i in enumerate(ff.records):
            faults, shape = table[ff.kinds[j]]
            level = Level(ff.levels[j])
            summary.records += 1
            summary.severe += level >= Level.ERROR
            chosen = next((f for f in faults if f.repeat is None or (f.id, lf.node) in fired), None)
            if chosen is not None:
                group = known.get(chosen.id)
                if group is None:
                    title = chosen.text(lang)[0]
                    group = known[chosen.id] = FaultGroup(
                        chosen.id, title, fault=chosen, example=_example(lf, i)
                    )
            elif faults:
                gated = faults[0]
                group = watching.get(gated.id)
                if group is None:
                    title = gated.text(lang)[0]
                    group = watching[gated.id] = FaultGroup(
                        gated.id, title, fault=gated, example=_example(lf, i)
                    )
            elif shape is not None:
                group = unknown.get(shape.key)
                if group is None:
                    group = unknown[shape.key] = FaultGroup(
                        shape.key, shape.title, example=_example(lf, i), module=shape.module
                    )
            else:  # pragma: no cover - lower records without a fault are left out by faultpass
                continue
            key = ff.keys[j]
            group.add(key_to_datetime(key), key, level, lf, i)
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
