"""A resource's story: every request that touched an instance, port, volume or image.

The UUID is searched in every file's bytes (C speed, like a request id). Each record
that names it is a *bridge*: the request id it carries ties that whole request to the
resource, and the bridge says which record, where, and how it named the UUID, so an
operator can check the chain. Records that name the UUID without a request id
(libvirt, qemu, agents' `[-]` lines) are listed as they are. A libvirt domain name
(`instance-0000002a`) met next to the UUID is searched too, so hypervisor logs that
name the domain only by name join the story, with that bridge said.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..indexing.logset import LogFile
from ..levels import Level
from ..model import Record
from ..timekeys import NO_KEY, seconds_between
from .requests import RequestStory, StoryEntry, _records_with, search_request
from .spans import Waterfall, build_waterfall

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DOMAIN_RE = re.compile(r"\binstance-[0-9a-f]{8}\b")
MAX_REQUESTS = 200  # requests followed; more are counted and said, not searched
_CONTEXT = 48  # characters before the UUID read to tell what it names

# What the words just before a UUID say it is.
_KINDS = (
    (
        "instance",
        re.compile(
            r"(\[instance: |/servers/|device_id[=: ]+['\"]?|instance[ _]?(uuid|id)?[=: ]+['\"]?"
            r"|domain[= ]|\()$",
            re.I,
        ),
    ),
    ("port", re.compile(r"(/ports/|port[ _]?(id)?[=: ]+['\"]?|Port |vif[ _]?(id)?[=: ]+)$", re.I)),
    ("volume", re.compile(r"(/volumes/|volume[ _]?(id)?[=: ]+['\"]?|Volume )$", re.I)),
    ("image", re.compile(r"(/images/|image[ _]?(id|ref)?[=: ]+['\"]?|Image )$", re.I)),
    ("network", re.compile(r"(/networks/|network[ _]?(id)?[=: ]+['\"]?|Network )$", re.I)),
)


@dataclass
class Bridge:
    """One record that names the resource and so ties a request (or nothing) to it."""

    entry: StoryEntry
    request_id: str | None
    how: str  # "[instance: UUID]", "names it in /servers/UUID", "domain name instance-0000002a"


@dataclass
class ResourceRequest:
    request_id: str
    bridges: list[Bridge]
    story: RequestStory
    waterfall: Waterfall

    @property
    def first(self) -> int:
        return self.waterfall.first

    @property
    def last(self) -> int:
        return self.waterfall.last

    @property
    def duration(self) -> float | None:
        return seconds_between(self.first, self.last)

    @property
    def status(self) -> int | None:
        return self.story.status

    @property
    def errors(self) -> int:
        return sum(1 for e in self.story.entries if e.record.level >= Level.ERROR)

    @property
    def first_line(self) -> str:
        for e in self.story.entries:
            if e.record.key != NO_KEY:
                return e.record.message.split("\n", 1)[0]
        return self.story.entries[0].record.message.split("\n", 1)[0] if self.story.entries else ""

    @property
    def nodes(self) -> list[str]:
        return sorted({e.file.node for e in self.story.entries})


@dataclass
class ResourceStory:
    uuid: str
    kinds: list[str] = field(default_factory=list)  # what the records say it is, most said first
    names: list[str] = field(default_factory=list)  # libvirt domain names met with it
    requests: list[ResourceRequest] = field(default_factory=list)
    loose: list[Bridge] = field(default_factory=list)  # records naming it without a request id
    left_out: int = 0  # requests beyond MAX_REQUESTS, not searched

    @property
    def nodes(self) -> list[str]:
        found = {n for r in self.requests for n in r.nodes} | {b.entry.file.node for b in self.loose}
        return sorted(found)

    @property
    def found(self) -> bool:
        return bool(self.requests or self.loose)


_BARE_UUID = re.compile(r"(?<![0-9a-z-])" + UUID_RE.pattern + r"(?![0-9a-z-])")


def resource_in(rec: Record) -> str | None:
    """The resource UUID a record is about: its `[instance: …]`, else the first bare UUID
    in its message (request ids, `req-<uuid>`, are not resources)."""
    for text in (rec.instance or "", rec.message):
        m = _BARE_UUID.search(text)
        if m is not None:
            return m.group()
    return None


def normalize_uuid(text: str) -> str | None:
    text = text.strip().lower().removeprefix("req-")
    return text if UUID_RE.fullmatch(text) else None


def kind_of(text: str, start: int) -> str | None:
    """What the UUID at `start` in `text` names, from the words before it."""
    before = text[max(0, start - _CONTEXT) : start]
    for kind, pattern in _KINDS:
        if pattern.search(before):
            return kind
    return None


def _how(rec: Record, uuid: str) -> tuple[str, str | None]:
    at = rec.text.find(uuid)
    kind = kind_of(rec.text, at) if at >= 0 else None
    if rec.instance and uuid in rec.instance:
        return "[instance: …] in its context", "instance"
    before = rec.text[max(0, at - 24) : at].split("\n")[-1].lstrip() if at >= 0 else ""
    return f"names it after “{before}”" if before else "names it", kind


def _request_of(rec: Record) -> str | None:
    if rec.request_id and rec.request_id.startswith("req-"):
        return rec.request_id
    return next((r for r in rec.request_ids if r.startswith("req-")), None)


def _order(entry: StoryEntry) -> tuple[int, int]:
    key = entry.record.key
    return (1 << 62 if key == NO_KEY else key, entry.record.offset)


def resource_story(files: Sequence[LogFile], uuid: str) -> ResourceStory:
    """Every request that named `uuid`, in time order, each with its bridges and waterfall."""
    wanted = normalize_uuid(uuid) or uuid.strip().lower()
    story = ResourceStory(wanted)
    files = [f for f in files if f.index is not None]
    bridges: dict[str | None, list[Bridge]] = {}
    kinds: dict[str, int] = {}
    names: dict[str, None] = {}
    for lf in files:
        for rec in _records_with(lf, wanted):
            how, kind = _how(rec, wanted)
            if kind:
                kinds[kind] = kinds.get(kind, 0) + 1
            for name in DOMAIN_RE.findall(rec.text):
                names.setdefault(name, None)
            rid = _request_of(rec)
            bridges.setdefault(rid, []).append(Bridge(StoryEntry(lf, rec), rid, how))
    for name in names:
        for lf in files:
            for rec in _records_with(lf, name):
                if wanted in rec.text:
                    continue  # already a bridge of its own
                rid = _request_of(rec)
                how = f"domain name {name} (named with the UUID elsewhere)"
                bridges.setdefault(rid, []).append(Bridge(StoryEntry(lf, rec), rid, how))
    story.kinds = sorted(kinds, key=lambda k: -kinds[k])
    story.names = list(names)
    story.loose = sorted(bridges.pop(None, []), key=lambda b: _order(b.entry))
    rids = sorted(bridges, key=lambda r: min(_order(b.entry) for b in bridges[r]))
    story.left_out = max(0, len(rids) - MAX_REQUESTS)
    for rid in rids[:MAX_REQUESTS]:
        assert rid is not None
        found = search_request(files, rid, hops=1)
        if not found.entries:  # the id is only in the bridge's text: the bridge is its story
            found.entries = [b.entry for b in bridges[rid]]
        story.requests.append(ResourceRequest(rid, bridges[rid], found, build_waterfall(found)))
    story.requests.sort(key=lambda r: (r.first == NO_KEY, r.first, r.request_id))
    return story


def resource_dict(story: ResourceStory) -> dict[str, object]:
    """`ostui instance --json`."""
    from ..timekeys import key_to_datetime
    from .spans import span_dict

    def stamp(key: int) -> str | None:
        when = key_to_datetime(key) if key != NO_KEY else None
        return when.isoformat(sep=" ") if when else None

    def bridge(b: Bridge) -> dict[str, object]:
        rec = b.entry.record
        return {
            "file": str(b.entry.file.path),
            "node": b.entry.file.node,
            "offset": rec.offset,
            "time": stamp(rec.key),
            "level": rec.level.name,
            "request_id": b.request_id,
            "how": b.how,
            "message": rec.message.split("\n", 1)[0],
        }

    return {
        "uuid": story.uuid,
        "kinds": story.kinds,
        "names": story.names,
        "nodes": story.nodes,
        "requests": [
            {
                "request_id": r.request_id,
                "first": stamp(r.first),
                "last": stamp(r.last),
                "duration": r.duration,
                "status": r.status,
                "errors": r.errors,
                "records": len(r.story.entries),
                "nodes": r.nodes,
                "first_line": r.first_line,
                "bridges": [bridge(b) for b in r.bridges],
                "spans": [span_dict(s, n) for n, s in enumerate(r.waterfall.spans)],
            }
            for r in story.requests
        ],
        "without_request": [bridge(b) for b in story.loose],
        "left_out_requests": story.left_out,
    }


__all__ = [
    "Bridge",
    "ResourceRequest",
    "ResourceStory",
    "kind_of",
    "normalize_uuid",
    "resource_dict",
    "resource_in",
    "resource_story",
]
