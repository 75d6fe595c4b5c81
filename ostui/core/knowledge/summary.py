"""Unknown errors: their signatures, and the summary of a log set's errors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..levels import Level
from ..model import Record
from ..timekeys import NO_KEY

if TYPE_CHECKING:
    from ..logset import LogFile
from .matcher import FaultMatcher
from .packs import Fault, load_faults

# --------------------------------------------------------------------------------------
# Unknown errors: signatures and the summary of a log set
# --------------------------------------------------------------------------------------

_HEX = r"[0-9a-fA-F]"
_MASKS: list[tuple[re.Pattern[str], str]] = [
    # Stamps first: their parts would otherwise become a row of <n>.
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
        ),
        "<time>",
    ),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    (re.compile(r"\b[a-zA-Z][\w+.-]*://[^\s'\"<>)\]]+"), "<url>"),
    (re.compile(rf"\breq-{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\b"), "<req>"),
    (re.compile(rf"\b{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\b"), "<uuid>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"), "<ip>"),
    # IPv6 needs "::" or eight groups, so clock times (21:49:30) stay numbers.
    (
        re.compile(
            rf"(?<![\w:])(?:(?:{_HEX}{{1,4}}:){{7}}{_HEX}{{1,4}}"
            rf"|(?:{_HEX}{{1,4}}:){{0,6}}(?::{_HEX}{{1,4}}){{1,7}}|(?:{_HEX}{{1,4}}:){{1,7}}:)(?![\w:])"
        ),
        "<ip>",
    ),
    (re.compile(r"(?<![\w/.~-])(?:~|\.{1,2})?/[\w.@%+=,~-]+(?:/[\w.@%+=,~-]*)*"), "<path>"),
    (re.compile(rf"\b0x{_HEX}+\b"), "<hex>"),
    (re.compile(rf"\b(?={_HEX}*\d){_HEX}{{8,}}\b"), "<hex>"),
    # Errno values name the failure (111 ECONNREFUSED), so they stay.
    (re.compile(r"(?<![\w.])(?<!Errno )-?\d+(?:\.\d+)*\b"), "<n>"),
]
_SPACE_RE = re.compile(r"\s+")
SIGNATURE_LIMIT = 200
_PACKAGE_DIRS = ("site-packages/", "dist-packages/")


def mask_variables(text: str) -> str:
    """Text with ids, uuids, hex, numbers, IPs, URLs and paths replaced by placeholders."""
    for pattern, placeholder in _MASKS:
        text = pattern.sub(placeholder, text)
    return _SPACE_RE.sub(" ", text).strip()


def _short_path(path: str) -> str:
    path = path.replace("\\", "/")
    for marker in _PACKAGE_DIRS:
        cut = path.rfind(marker)
        if cut >= 0:
            return path[cut + len(marker) :]
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[-3:])


def _clip(text: str, limit: int = SIGNATURE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def error_signature(rec: Record) -> str:
    """A key that groups occurrences of the same error across requests, hosts and times.

    With a traceback: the exception type and the innermost OpenStack frame
    (`AttributeError @ glanceclient/v1/images.py:get`); without one: the logger and
    the message with the variable parts masked.
    """
    from ..tracebacks import innermost_openstack_frame

    tb = rec.traceback
    if tb is not None and tb.sections and tb.exc_type:
        frame = innermost_openstack_frame(tb) or (tb.frames[-1] if tb.frames else None)
        if frame is not None:
            return _clip(f"{tb.exc_type} @ {_short_path(frame.path)}:{frame.function}")
        return _clip(f"{tb.exc_type}: {mask_variables(tb.exc_message)}")
    return _clip(f"{rec.logger or '?'}: {mask_variables(_first_line(rec))}")


def _first_line(rec: Record) -> str:
    """The record's message, or its first non-blank continuation line when the head is empty."""
    if rec.message.strip():
        return rec.message.strip()
    for line in rec.body:
        if line.strip():
            return line.strip()
    return rec.text.split("\n", 1)[0].strip() if rec.text else ""


@dataclass(slots=True)
class FaultGroup:
    """Occurrences of one known fault or one unknown error signature."""

    key: str  # fault id, or the signature of an unknown error
    title: str
    count: int = 0
    nodes: set[str] = field(default_factory=set)
    components: set[str] = field(default_factory=set)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    newest: tuple[str, int] | None = None  # (file path, record number)
    newest_key: int = NO_KEY
    example: str = ""
    fault: Fault | None = None

    def add(self, rec: Record, lf: LogFile, index: int) -> None:
        self.count += 1
        self.nodes.add(lf.node)
        self.components.add(lf.component)
        stamp = rec.timestamp
        if stamp is not None:
            if self.first_seen is None or stamp < self.first_seen:
                self.first_seen = stamp
            if self.last_seen is None or stamp > self.last_seen:
                self.last_seen = stamp
        # Records without a time only win over others without one (later in the file).
        if self.newest is None or rec.key >= self.newest_key:
            self.newest = (str(lf.path), index)
            self.newest_key = rec.key

    def to_dict(self, known: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"id" if known else "signature": self.key, "title": self.title}
        out.update(
            count=self.count,
            nodes=sorted(self.nodes),
            components=sorted(self.components),
            first_seen=self.first_seen.isoformat() if self.first_seen else None,
            last_seen=self.last_seen.isoformat() if self.last_seen else None,
            newest={"file": self.newest[0], "record": self.newest[1]} if self.newest else None,
        )
        if known and self.fault is not None:
            out["pack"] = self.fault.pack
            out["fix"] = list(self.fault.fix)
        if not known:
            out["example"] = self.example
        return out


@dataclass(slots=True)
class FaultSummary:
    known: list[FaultGroup] = field(default_factory=list)
    unknown: list[FaultGroup] = field(default_factory=list)
    records: int = 0  # ERROR/CRITICAL records scanned; each lands in exactly one group
    files: int = 0
    errors: list[str] = field(default_factory=list)  # fault files that did not load

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "files": self.files,
            "known": [g.to_dict(True) for g in self.known],
            "unknown": [g.to_dict(False) for g in self.unknown],
            "fault_errors": list(self.errors),
        }


# levels[i] is one byte per record; this finds ERROR and above without a Python loop.
_SEVERE_RE = re.compile(b"[\\x%02x-\\xff]" % Level.ERROR)


def summarize_faults(files: Sequence[LogFile], matcher: FaultMatcher | None = None) -> FaultSummary:
    """Every ERROR/CRITICAL record of the indexed files, grouped by its best known fault
    or, when none matches, by `error_signature`."""
    from ..records import parse_record

    if matcher is None:
        pack = load_faults()
        matcher = FaultMatcher(pack)
        errors = list(pack.errors)
    else:
        errors = []
    known: dict[str, FaultGroup] = {}
    unknown: dict[str, FaultGroup] = {}
    summary = FaultSummary(errors=errors)
    for lf in files:
        idx = lf.index
        if idx is None:
            continue
        summary.files += 1
        for m in _SEVERE_RE.finditer(idx.levels):
            i = m.start()
            rec = parse_record(idx, i)
            summary.records += 1
            hits = matcher.match(rec)
            if hits:
                fault = hits[0].fault
                group = known.get(fault.id)
                if group is None:
                    group = known[fault.id] = FaultGroup(fault.id, fault.title, fault=fault)
            else:
                sig = error_signature(rec)
                group = unknown.get(sig)
                if group is None:
                    example = _clip(_first_line(rec), 300)
                    group = unknown[sig] = FaultGroup(sig, _clip(example, 100), example=example)
            group.add(rec, lf, i)
    summary.known = sorted(known.values(), key=lambda g: (-g.count, g.key))
    summary.unknown = sorted(unknown.values(), key=lambda g: (-g.count, g.key))
    return summary
