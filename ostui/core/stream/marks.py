"""Reproduction marks: "I start reproducing now". What is new after a mark, in order.

A mark remembers how many records every file had when it was dropped, so "after the
mark" means "written after", whatever the clocks in the files say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..indexing.logset import LogFile
from ..indexing.records import parse_record
from ..levels import Level
from ..model import Record

# Access lines and client errors reporting a 5xx, found in raw bytes before parsing.
_SERVER_ERROR = re.compile(rb'status: 5\d\d|" 5\d\d |\(HTTP 5\d\d\)|returned with HTTP 5\d\d|RESP: \[5\d\d\]')


@dataclass
class Mark:
    name: str
    when: datetime
    first: dict[int, int] = field(default_factory=dict)  # id(LogFile) -> first record after the mark

    def start_of(self, lf: LogFile) -> int:
        """First record of `lf` after the mark (files that appeared later: all of them)."""
        return self.first.get(id(lf), 0)

    def after_cut(self, records: Mapping[int, int]) -> None:
        """Record numbers after the memory window let go of `records` (id(file) -> how many
        of its first): the mark stays between the same records, or before the first held."""
        shift_numbers(self.first, records)


def shift_numbers(numbers: dict[int, int], records: Mapping[int, int]) -> None:
    """`numbers` (id(file) -> a record number) less the records let go of, at least 0."""
    for key, gone in records.items():
        if key in numbers:
            numbers[key] = max(0, numbers[key] - gone)


def drop_mark(name: str, files: Sequence[LogFile], when: datetime | None = None) -> Mark:
    return Mark(name, when or datetime.now(), {id(f): len(f.index) for f in files if f.index is not None})


@dataclass(slots=True)
class NewError:
    file: LogFile
    number: int
    record: Record


@dataclass(slots=True)
class FailingRequest:
    request_id: str | None
    status: int
    file: LogFile
    number: int
    record: Record


@dataclass
class MarkSummary:
    errors: list[NewError] = field(default_factory=list)
    failing: list[FailingRequest] = field(default_factory=list)

    def after_cut(self, records: Mapping[int, int]) -> None:
        """Record numbers after the memory window let go of `records`: an item whose record
        was let go of keeps a negative number (its record is on disk, not held)."""
        items: list[NewError | FailingRequest] = [*self.errors, *self.failing]
        for item in items:
            item.number -= records.get(id(item.file), 0)

    @property
    def first_alert(self) -> NewError | FailingRequest | None:
        """What happened first: the record to open when the operator asks."""
        items: list[NewError | FailingRequest] = [*self.errors, *self.failing]
        return min(items, key=lambda i: (i.record.key, i.number), default=None)


def summarize_since(
    mark: Mark,
    files: Sequence[LogFile],
    limit: int = 500,
    done: dict[int, int] | None = None,
    into: MarkSummary | None = None,
) -> MarkSummary:
    """New ERROR/CRITICAL records and new failing requests after `mark`, in time order.

    With `done` (id(file) -> records already looked at, updated here) and `into`, only
    records not seen before are read: the live tail calls this after every change.
    """
    out = into or MarkSummary()
    seen_requests = {f.request_id for f in out.failing if f.request_id}
    for lf in files:
        idx = lf.index
        if idx is None:
            continue
        start = max(mark.start_of(lf), done.get(id(lf), 0) if done is not None else 0)
        if done is not None:
            done[id(lf)] = len(idx)
        for i in range(start, len(idx)):
            level = idx.levels[i]
            severe = level >= Level.ERROR
            raw = idx.raw(i, 1 << 16) if not severe else b""
            server_error = bool(raw) and _SERVER_ERROR.search(raw) is not None
            if not (severe or server_error):
                continue
            rec = parse_record(idx, i, source=str(lf.path))
            if severe and len(out.errors) < limit:
                out.errors.append(NewError(lf, i, rec))
            status = rec.http.status if rec.http is not None else None
            if status is None and server_error:
                m = re.search(r"\(HTTP (5\d\d)\)|RESP: \[(5\d\d)\]", rec.text)
                status = int(m.group(1) or m.group(2)) if m else None
            if status is not None and status >= 500:
                rid = (
                    rec.request_id
                    or rec.global_request_id
                    or (rec.request_ids[0] if rec.request_ids else None)
                )
                if rid is None or rid not in seen_requests:
                    if rid is not None:
                        seen_requests.add(rid)
                    if len(out.failing) < limit:
                        out.failing.append(FailingRequest(rid, status, lf, i, rec))
    out.errors.sort(key=lambda e: (e.record.key, e.number))
    out.failing.sort(key=lambda f: (f.record.key, f.number))
    return out
