"""`ostui scan`: what each file holds, as one stable JSON document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .levels import Level
from .logset import LogFile

COUNT_KEYS = ("lines", "records", "unparsed", "tracebacks", "request_ids")


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
        out.update(
            lines=idx.lines,
            records=len(idx),
            unparsed=idx.unparsed,
            levels=idx.level_counts(),
            tracebacks=idx.tracebacks,
            request_ids=len(idx.request_ids),
        )
    return out


def scan_summary(files: Sequence[LogFile], skipped: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """Per-file counts and totals; `skipped` (path, reason) are what discovery could not
    or would not read: listed, and counted in totals.unreadable with the files that failed."""
    per_file = [file_summary(lf) for lf in files]
    totals: dict[str, Any] = {k: sum(f[k] for f in per_file) for k in COUNT_KEYS}
    ids: set[bytes] = set()
    levels: dict[str, int] = {}
    for lf, f in zip(files, per_file, strict=True):
        if lf.index is not None:
            ids |= lf.index.request_ids
        for name, n in f["levels"].items():
            levels[name] = levels.get(name, 0) + n
    totals["request_ids"] = len(ids)
    totals["levels"] = {lv.name: levels[lv.name] for lv in Level if lv.name in levels}
    totals["files"] = len(per_file)
    totals["unreadable"] = sum(1 for lf in files if lf.error) + len(skipped)
    return {
        "files": per_file,
        "totals": totals,
        "skipped": [{"path": path, "reason": reason} for path, reason in skipped],
    }
