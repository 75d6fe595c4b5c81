"""A request's waterfall: one span per service that logged it, nested under its caller.

A span is the records one producer (`nova-api`, `nova-compute`...) on one node wrote
for one request id, from its first to its last. Spans of one id hang under that id's
entry point: a client transcript when there is one, else the span holding the access
line (the API that answered), else the earliest. An id that another id called (`used
request id`) or shares a global id with hangs under the caller's span on the same node
when there is one, else under the caller's entry point. The links are the ones
`requests.search_request` found, so the nesting is explained by them.

Some releases reuse one context for a periodic task for hours: an id whose records span
more than LONG_SECONDS or LONG_RECORDS is flagged as a long-lived context, and
`window_around` cuts its story to the time around one record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..levels import Level
from ..model import HttpInfo
from ..timekeys import NO_KEY, key_to_us, seconds_between, us_to_key
from .requests import RequestStory, StoryEntry
from .timeline import producer_of

LONG_SECONDS = 600
LONG_RECORDS = 1000
WINDOW_SECONDS = 300  # each side of the selected record, in a long-lived context's story


@dataclass
class Span:
    request_id: str
    node: str
    producer: str
    component: str
    entries: list[StoryEntry] = field(default_factory=list)
    first: int = NO_KEY  # time keys of its first and last stamped record
    last: int = NO_KEY
    errors: int = 0
    warnings: int = 0
    tracebacks: int = 0
    frames: int = 0  # frames of its longest traceback
    http: HttpInfo | None = None  # the access line's (or the client's) exchange
    parent: int | None = None  # index of the parent span in the waterfall's list
    depth: int = 0
    long_lived: bool = False
    why_parent: str = ""  # how it was tied to its parent, in words

    @property
    def duration(self) -> float | None:
        return seconds_between(self.first, self.last)

    @property
    def service(self) -> str:
        return self.producer

    @property
    def worst(self) -> Level:
        return max((e.record.level for e in self.entries), default=Level.UNKNOWN)

    def error_offsets(self) -> list[int]:
        """Time keys of its ERROR and CRITICAL records (marked on its bar)."""
        return [
            e.record.key for e in self.entries if e.record.level >= Level.ERROR and e.record.key != NO_KEY
        ]


@dataclass
class Waterfall:
    request_id: str
    spans: list[Span]
    long_lived: list[str]  # ids whose context is long-lived

    @property
    def first(self) -> int:
        keys = [s.first for s in self.spans if s.first != NO_KEY]
        return min(keys) if keys else NO_KEY

    @property
    def last(self) -> int:
        keys = [s.last for s in self.spans if s.last != NO_KEY]
        return max(keys) if keys else NO_KEY


def entry_request_id(entry: StoryEntry, story: RequestStory) -> str:
    """The id a record belongs to in the story: its own, else the first story id it names."""
    rec = entry.record
    if rec.request_id and rec.request_id in story.ids:
        return rec.request_id
    for rid in rec.request_ids:
        if rid in story.ids:
            return rid
    return rec.request_id or story.request_id


def _is_client(span: Span) -> bool:
    return span.producer == "client" or span.node == "client" or span.component == "client"


def build_waterfall(story: RequestStory) -> Waterfall:
    """The story's records as spans, ordered by their first stamp and nested by the links."""
    spans: dict[tuple[str, str, str], Span] = {}
    for entry in story.entries:
        lf = entry.file
        rid = entry_request_id(entry, story)
        producer = "client" if lf.format_name == "client-debug" else producer_of(lf)
        span = spans.get((rid, lf.node, producer))
        if span is None:
            span = spans[(rid, lf.node, producer)] = Span(rid, lf.node, producer, lf.component)
        span.entries.append(entry)
        rec = entry.record
        if rec.key != NO_KEY:
            span.first = rec.key if span.first == NO_KEY else min(span.first, rec.key)
            span.last = max(span.last, rec.key)
        if rec.level >= Level.ERROR:
            span.errors += 1
        elif rec.level == Level.WARNING:
            span.warnings += 1
        if rec.traceback is not None:
            span.tracebacks += 1
            span.frames = max(span.frames, len(rec.traceback.frames))
        http = rec.http
        if http is not None and http.status is not None:
            # The fullest exchange wins: an access line with method and duration over a bare status.
            known = span.http
            if known is None or (http.method and not known.method) or (http.status > (known.status or 0)):
                span.http = http
    ordered = sorted(spans.values(), key=lambda s: (s.first == NO_KEY, s.first, not _is_client(s)))
    position = {id(s): n for n, s in enumerate(ordered)}
    by_id: dict[str, list[Span]] = {}
    for span in ordered:
        by_id.setdefault(span.request_id, []).append(span)
    entry_point: dict[str, Span] = {}
    for rid, group in by_id.items():
        entry_point[rid] = (
            next((s for s in group if _is_client(s)), None)
            or next((s for s in group if s.http is not None and s.http.method), None)
            or group[0]
        )
    long_lived = []
    for rid, group in by_id.items():
        firsts = [s.first for s in group if s.first != NO_KEY]
        lasts = [s.last for s in group if s.last != NO_KEY]
        seconds = (key_to_us(max(lasts)) - key_to_us(min(firsts))) / 1e6 if firsts else 0.0
        if seconds > LONG_SECONDS or sum(len(s.entries) for s in group) > LONG_RECORDS:
            long_lived.append(rid)
            for s in group:
                s.long_lived = True
    callers = {link.target: link for link in story.links if link.relation in ("called", "global")}
    for rid, group in by_id.items():
        root = entry_point[rid]
        for span in group:
            if span is root:
                continue
            if _is_client(root) and span.http is not None and span.http.method and root.node != span.node:
                span.parent, span.why_parent = position[id(root)], "the client's call, answered here"
            else:
                span.parent = position[id(root)]
                span.why_parent = f"same request id {rid}, passed on by {root.producer}"
        link = callers.get(rid)
        if link is not None and link.source in entry_point and link.source != rid:
            near = [s for s in by_id[link.source] if s.node == root.node] or [entry_point[link.source]]
            caller = near[0]
            root.parent = position[id(caller)]
            root.why_parent = (
                f"{caller.producer} used request id {rid}"
                if link.relation == "called"
                else f"global request id shared with {link.source}"
            )
    # A client-debug span may say it is the caller of an API span of the same id that answered:
    # when both exist, the API span hangs under the client (set above); depths follow parents.
    for span in ordered:
        depth, seen, current = 0, set(), span
        while current.parent is not None and id(current) not in seen:
            seen.add(id(current))
            current = ordered[current.parent]
            depth += 1
        span.depth = depth
    return Waterfall(story.request_id, ordered, long_lived)


def nested_order(waterfall: Waterfall) -> list[int]:
    """Span indexes depth-first (each span under its parent), children in time order."""
    children: dict[int | None, list[int]] = {}
    for n, span in enumerate(waterfall.spans):
        children.setdefault(span.parent, []).append(n)
    out: list[int] = []
    seen: set[int] = set()

    def walk(parent: int | None) -> None:
        for n in children.get(parent, []):
            if n in seen:
                continue
            seen.add(n)
            out.append(n)
            walk(n)

    walk(None)
    out.extend(n for n in range(len(waterfall.spans)) if n not in seen)  # a loop of parents: still listed
    return out


def _stamp(key: int) -> str | None:
    from ..timekeys import key_to_datetime

    when: datetime | None = key_to_datetime(key) if key != NO_KEY else None
    return when.isoformat(sep=" ") if when else None


def span_dict(span: Span, index: int) -> dict[str, Any]:
    http = span.http
    return {
        "index": index,
        "request_id": span.request_id,
        "service": span.producer,
        "node": span.node,
        "producer": span.producer,
        "component": span.component,
        "first": _stamp(span.first),
        "last": _stamp(span.last),
        "duration": span.duration,
        "records": len(span.entries),
        "method": http.method if http else None,
        "url": http.url if http else None,
        "status": http.status if http else None,
        "http_duration": http.duration if http else None,
        "errors": span.errors,
        "warnings": span.warnings,
        "tracebacks": span.tracebacks,
        "traceback_frames": span.frames,
        "parent": span.parent,
        "why_parent": span.why_parent or None,
        "long_lived": span.long_lived,
    }


def spans_of_story(story: RequestStory) -> list[dict[str, Any]]:
    """`ostui request --json`'s `spans`."""
    return [span_dict(s, n) for n, s in enumerate(build_waterfall(story).spans)]


def window_around(story: RequestStory, entry: StoryEntry, seconds: int = WINDOW_SECONDS) -> RequestStory:
    """The story cut to `seconds` either side of `entry` (a long-lived context's story)."""
    key = entry.record.key
    if key == NO_KEY:
        return story
    centre = key_to_us(key)
    lo, hi = us_to_key(centre - seconds * 10**6), us_to_key(centre + seconds * 10**6)
    kept = [e for e in story.entries if e is entry or (e.record.key != NO_KEY and lo <= e.record.key <= hi)]
    return RequestStory(story.request_id, list(story.ids), list(story.links), kept)


__all__ = [
    "LONG_RECORDS",
    "LONG_SECONDS",
    "Span",
    "Waterfall",
    "build_waterfall",
    "nested_order",
    "span_dict",
    "spans_of_story",
    "window_around",
]
