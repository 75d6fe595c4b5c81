"""Plain dicts of engine results, for `--json` and for copying into bug reports."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..model import Record, Traceback
from .requests import RequestStory
from .spans import spans_of_story


def traceback_to_dict(tb: Traceback) -> dict[str, Any]:
    return {
        "exc_type": tb.exc_type,
        "exc_message": tb.exc_message,
        "frames": [asdict(f) for f in tb.frames],
        "sections": [asdict(s) for s in tb.sections],
    }


def record_to_dict(rec: Record) -> dict[str, Any]:
    return {
        "file": rec.source,
        "offset": rec.offset,
        "level": rec.level.name,
        "time": rec.timestamp.isoformat(sep=" ") if rec.timestamp else None,
        "format": rec.format,
        "logger": rec.logger,
        "pid": rec.pid,
        "request_id": rec.request_id,
        "global_request_id": rec.global_request_id,
        "instance": rec.instance,
        "message": rec.message,
        "http": asdict(rec.http) if rec.http else None,
        "traceback": traceback_to_dict(rec.traceback) if rec.traceback else None,
        "request_ids": rec.request_ids,
        "truncated_bytes": rec.truncated,
    }


def story_to_dict(story: RequestStory) -> dict[str, Any]:
    records = []
    for e in story.entries:
        d = record_to_dict(e.record)
        d.update(node=e.file.node, component=e.file.component, since_first=e.since_first)
        records.append(d)
    return {
        "request_id": story.request_id,
        "ids": story.ids,
        "links": [asdict(link) for link in story.links],
        "status": story.status,
        "count": len(records),
        "records": records,
        "spans": spans_of_story(story),
    }
