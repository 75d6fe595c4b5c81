"""`ostui scan`: what each file holds, as one stable JSON document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..levels import Level
from .index import FileIndex
from .logset import LogFile

COUNT_KEYS = ("lines", "records", "unparsed", "tracebacks", "request_ids")


def counted_ids(idx: FileIndex) -> set[bytes]:
    """The distinct request ids `idx` counted; see `tallied`."""
    return tallied(idx).request_ids or set()


def tallied(idx: FileIndex) -> FileIndex:
    """`idx`, which counted what a summary shows; an index opened without counting it
    (`tallies=False`, the browser's) cannot be summarized as if it had none."""
    if not idx.tallied or idx.request_ids is None:
        raise ValueError("lines, tracebacks and request ids were not counted: open with tallies=True")
    return idx


def file_summary(lf: LogFile) -> dict[str, Any]:
    idx = lf.index
    out: dict[str, Any] = {
        "path": str(lf.path),
        "node": lf.node,
        "component": lf.component,
        "format": idx.format.name if idx else None,
        "lines": 0,
        "records": 0,
        "unparsed": 0,
        "levels": {},
        "tracebacks": 0,
        "request_ids": 0,
        "problems": list(lf.problems) + ([lf.error] if lf.error else []),
    }
    if idx is not None:
        tallied(idx)
        out.update(
            lines=idx.lines,
            records=len(idx),
            unparsed=idx.unparsed,
            levels=idx.level_counts(),
            tracebacks=idx.tracebacks,
            request_ids=len(counted_ids(idx)),
        )
    return out


def _producer_entry(lf: LogFile) -> dict[str, Any]:
    one = file_summary(lf)
    return {
        "producer": lf.producer,
        "component": lf.component,
        "format": one["format"],
        **{k: one[k] for k in ("lines", "records", "unparsed", "levels", "tracebacks", "request_ids")},
    }


def _by_file(files: Sequence[LogFile]) -> list[list[LogFile]]:
    """The LogFiles of each physical file (its producers), in order of first appearance."""
    groups: dict[tuple[str, str], list[LogFile]] = {}
    for lf in files:
        groups.setdefault((lf.node, str(lf.path)), []).append(lf)
    return list(groups.values())


def physical_summary(group: Sequence[LogFile]) -> dict[str, Any]:
    """One file's counts: the sums over its producers, and each producer's own."""
    first = group[0]
    out = file_summary(first)
    out["producers"] = [_producer_entry(lf) for lf in group]
    if first.share is not None:
        out["format"] = first.share.sniffed.envelope.name
    if len(group) == 1:
        return out
    ids: set[bytes] = set()
    levels: dict[str, int] = {}
    problems: list[str] = []
    for lf in group:
        one = file_summary(lf)
        if lf.index is not None:
            ids |= counted_ids(lf.index)
        for name, n in one["levels"].items():
            levels[name] = levels.get(name, 0) + n
        problems += [p for p in one["problems"] if p not in problems]
    for key in ("lines", "records", "unparsed", "tracebacks"):
        out[key] = sum(p[key] for p in out["producers"])
    out["levels"] = {lv.name: levels[lv.name] for lv in Level if lv.name in levels}
    out["request_ids"] = len(ids)
    out["problems"] = problems
    return out


def scan_summary(files: Sequence[LogFile], skipped: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """Per-file counts (with each file's producers) and totals; `skipped` (path, reason) are
    what discovery could not or would not read: listed, and those that could not be read
    are counted in totals.unreadable with the files that failed."""
    from ..reading.discovery import left_out_by_choice

    groups = _by_file(files)
    per_file = [physical_summary(group) for group in groups]
    totals: dict[str, Any] = {k: sum(f[k] for f in per_file) for k in COUNT_KEYS}
    ids: set[bytes] = set()
    levels: dict[str, int] = {}
    for lf in files:
        if lf.index is not None:
            ids |= counted_ids(lf.index)
    for f in per_file:
        for name, n in f["levels"].items():
            levels[name] = levels.get(name, 0) + n
    totals["request_ids"] = len(ids)
    totals["levels"] = {lv.name: levels[lv.name] for lv in Level if lv.name in levels}
    totals["files"] = len(per_file)
    totals["producers"] = len(files)
    totals["unreadable"] = sum(1 for lf in files if lf.error) + sum(
        1 for _, reason in skipped if not left_out_by_choice(reason)
    )
    return {
        "files": per_file,
        "totals": totals,
        "skipped": [{"path": path, "reason": reason} for path, reason in skipped],
    }
