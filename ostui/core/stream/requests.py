"""Request correlation: every record of a request id across files and nodes.

Two ways to find them, with one result: `RequestIndex` holds postings (id -> the
records mentioning it) built from indexed files, for the browser; `search_request`
finds an id in unindexed files by a C-speed search plus a short walk back to the
record's first line, so `ostui request ID` answers in a fraction of a second even
on a file of gigabytes. Ids met in the same records (a global id, `used request id
req-...` of a callee) are followed, a bounded number of hops.
"""

from __future__ import annotations

import heapq
import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from ..ids import REQUEST_ID_RE_B, TXN_ID
from ..indexing.index import FileIndex
from ..indexing.logset import LogFile
from ..indexing.records import RECORD_LIMIT, decode, parse_record, parse_text
from ..model import Record
from ..parsing.formats import LogFormat, _scanner
from ..reading.source import ByteSource
from ..timekeys import NO_KEY, key_to_datetime

# The two kinds of id searched apart, each from its literal start ("req-", "tx"): five times
# faster than their alternation, whose first letters are common ones. They never overlap.
_ID_PATTERNS = (REQUEST_ID_RE_B, re.compile(TXN_ID.encode()))
_match_start = re.Match.start
MAX_IDS = 12
MAX_RECORDS_PER_ID = 5000
_USED = re.compile(r"used request id (req-[0-9a-f-]{36})")

# Blocks read while request ids are indexed. Each is copied once, joined to the tail of
# the one before, so 8 MiB blocks added 16 MiB to the browser's peak; 1 MiB scan as fast.
REQUEST_BLOCK = 1 << 20


@dataclass(slots=True)
class StoryEntry:
    file: LogFile
    record: Record
    since_first: float | None = None  # seconds since the story's first stamped record


@dataclass(slots=True)
class RequestLink:
    source: str
    relation: str  # "global" (same global id), "called" (used request id), "mentioned"
    target: str


@dataclass(slots=True)
class RequestStory:
    request_id: str
    ids: list[str] = field(default_factory=list)
    links: list[RequestLink] = field(default_factory=list)
    entries: list[StoryEntry] = field(default_factory=list)

    @property
    def status(self) -> int | None:
        """The worst HTTP status any of its records reports."""
        codes = [e.record.http.status for e in self.entries if e.record.http and e.record.http.status]
        return max(codes) if codes else None

    @property
    def tracebacks(self) -> list[StoryEntry]:
        return [e for e in self.entries if e.record.traceback is not None]


def normalize_id(text: str) -> str:
    """Accept `req-<uuid>`, a bare uuid, or a swift tx id as typed."""
    text = text.strip().lower()
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text):
        return "req-" + text
    return text


# -- finding records without an index -------------------------------------------------
def _record_bounds(source: ByteSource, fmt: LogFormat, hit: int) -> tuple[int, int]:
    """[start, end) of the record holding byte `hit`, by the format's header regex."""
    scanner = _scanner(fmt)
    size = source.size()
    window = 64 << 10
    start = None
    while start is None:
        lo = max(0, hit - window)
        chunk = source.read(lo, hit - lo + 1)
        buf = (b"\n" + chunk) if lo == 0 else chunk
        shift = lo - (1 if lo == 0 else 0)
        line_start = chunk.rfind(b"\n", 0, hit - lo) + 1 + lo
        last = None
        if fmt.continuation:
            for m in scanner.finditer(buf):
                if m.start() + shift + 1 > line_start:
                    break
                last = m.start() + shift + 1
        else:
            last = line_start
        if last is not None:
            start = last
        elif lo == 0 or window >= RECORD_LIMIT:
            start = line_start if lo > 0 else 0
        else:
            window *= 4
    nl = source.read(hit, 64 << 10).find(b"\n")
    line_end = hit + nl + 1 if nl >= 0 else size
    if not fmt.continuation:
        return start, line_end
    pos = line_end - 1
    while pos < size - 1:
        chunk = source.read(pos, 256 << 10)
        nxt = scanner.search(chunk)
        if nxt is not None:
            return start, pos + nxt.start() + 1
        if len(chunk) < (256 << 10) or pos - start > RECORD_LIMIT:
            break
        pos += len(chunk) - 1
    end = max(line_end, min(size, pos + len(chunk)))
    return start, end


def _records_with(lf: LogFile, needle: str, cancelled: Callable[[], bool] = lambda: False) -> list[Record]:
    idx = lf.index
    if idx is None:
        return []
    # Records the memory window let go of are not looked for (the held ones are what is
    # shown); nor more hits than the story keeps records, give or take a few per record.
    start = idx.starts[0] if idx.dropped and len(idx) else 0
    hits = idx.source.find_all(needle.encode(), start, limit=4 * MAX_RECORDS_PER_ID, cancelled=cancelled)
    out: list[Record] = []
    seen: set[int] = set()
    indexed = idx.scanned > 0 and len(idx) > 0
    for hit in hits:
        if indexed and hit < idx.scanned:
            i = bisect_right(idx.starts, hit) - 1
            if i < 0 or i in seen:
                continue
            seen.add(i)
            out.append(parse_record(idx, i, source=str(lf.path)))
        else:
            start, end = _record_bounds(idx.source, idx.format, hit)
            if start in seen:
                continue
            seen.add(start)
            raw = idx.source.read(start, min(end - start, RECORD_LIMIT))
            rec = parse_text(
                decode(raw),
                idx.format,
                source=str(lf.path),
                offset=start,
                truncated=max(0, end - start - RECORD_LIMIT),
            )
            out.append(rec)
        if len(out) >= MAX_RECORDS_PER_ID:
            break
    return out


def _links_of(rid: str, records: Sequence[Record]) -> list[RequestLink]:
    links: dict[tuple[str, str], str] = {}
    for rec in records:
        called = set(_USED.findall(rec.text))
        for other in rec.request_ids:
            if other == rid:
                continue
            if other == rec.global_request_id or (rec.request_id == other and rec.global_request_id == rid):
                relation = "global"
            elif other in called:
                relation = "called"
            else:
                relation = "mentioned"
            if links.get((rid, other)) in (None, "mentioned"):
                links[(rid, other)] = relation
    return [RequestLink(a, rel, b) for (a, b), rel in links.items()]


def search_request(
    files: Sequence[LogFile], request_id: str, hops: int = 2, cancelled: Callable[[], bool] = lambda: False
) -> RequestStory:
    """The story of `request_id` across `files` (opened, indexed or not); part of it, soon
    after `cancelled()` turns true (the one who asked has moved on)."""
    rid = normalize_id(request_id)
    story = RequestStory(rid)
    queue = [(rid, 0)]
    done: set[str] = set()
    found: dict[tuple[int, int], StoryEntry] = {}
    while queue and len(done) < MAX_IDS and not cancelled():
        current, depth = queue.pop(0)
        if current in done:
            continue
        done.add(current)
        story.ids.append(current)
        recs_all: list[Record] = []
        for fno, lf in enumerate(files):
            for rec in _records_with(lf, current, cancelled):
                recs_all.append(rec)
                found.setdefault((fno, rec.offset), StoryEntry(lf, rec))
        if depth < hops:
            for link in _links_of(current, recs_all):
                if link.relation != "mentioned" or depth == 0:
                    story.links.append(link)
                    if link.relation != "mentioned" and link.target not in done:
                        queue.append((link.target, depth + 1))
    order = {id(lf): n for n, lf in enumerate(files)}
    story.entries = sorted(
        found.values(),
        key=lambda e: (
            e.record.key if e.record.key != NO_KEY else 1 << 62,
            order[id(e.file)],
            e.record.offset,
        ),
    )
    first = next((e.record.key for e in story.entries if e.record.key != NO_KEY), None)
    if first is not None:
        t0 = key_to_datetime(first)
        for e in story.entries:
            t = key_to_datetime(e.record.key) if e.record.key != NO_KEY else None
            e.since_first = (t - t0).total_seconds() if (t and t0) else None
    return story


# -- postings for the browser -----------------------------------------------------------
def id_matches(buf: bytes) -> Iterator[re.Match[bytes]]:
    """Every req-/tx id in `buf`, in place order (the order one alternation would give)."""
    req_ids, txn_ids = (p.finditer(buf) for p in _ID_PATTERNS)
    first_txn = next(txn_ids, None)  # most logs hold none: then no merging at all
    if first_txn is None:
        return req_ids
    return heapq.merge(req_ids, [first_txn], txn_ids, key=_match_start)


class RequestIndex:
    """Every req-/tx id in a set of indexed files -> the records that mention it."""

    def __init__(self) -> None:
        self.postings: dict[str, array[int]] = {}
        self.bases: dict[int, int] = {}  # file number -> records the memory window let go of

    def add_file(
        self,
        file_no: int,
        idx: FileIndex,
        block_size: int = REQUEST_BLOCK,
        lock: AbstractContextManager[object] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> int:
        """Add one indexed file's ids: a C-speed regex pass over its blocks, read one at
        a time (an id cut by a block's end is found in the next, whole), up to what was
        indexed when it began. Returns the records the index had let go of then
        (`FileIndex.dropped`): those it lets go of meanwhile are the caller's to pass to
        `after_cut`. Stops between blocks once `cancelled()`, the file's ids left part-added.

        The index may change meanwhile (a follower appends, the memory window cuts its
        head) under `lock`, which each block's records are looked up under: a copy of the
        record starts, taken instead, added their size (4 or 8 bytes a record) to the peak."""
        lock = lock or nullcontext()
        with lock:
            scanned, dropped = idx.scanned, idx.dropped
            base = idx.starts[0] if idx.starts else 0  # file offset of carry's first byte
        carry = b""
        at = base  # where the next block is read
        while at < scanned:
            if cancelled():
                return dropped
            # Read through the index's source of the moment: following swaps it for another
            # reading the same file, and closes the one left, from which nothing more came
            # (the ids of a 1 GiB log stopped at 190 MB, unsaid).
            block = idx.source.read(at, min(block_size, scanned - at))
            if not block:
                break
            at += len(block)
            buf = carry + block
            # An id is at most 40 bytes: matches starting before `limit` are whole.
            limit = max(0, len(buf) - 64)
            with lock:
                self._scan(file_no, idx.starts, buf, base, limit, idx.dropped - dropped)
            carry = buf[limit:]
            base += limit
        with lock:
            self._scan(file_no, idx.starts, carry, base, len(carry), idx.dropped - dropped)
        return dropped

    def _scan(self, file_no: int, starts: array[int], buf: bytes, base: int, hi: int, cut: int) -> None:
        """Post the ids found in buf[:hi] (buf at file offset `base`) to their records,
        numbered as before the `cut` first records of `starts` were let go of."""
        postings = self.postings
        for m in id_matches(buf):
            if m.start() >= hi:
                break
            # (A record let go of meanwhile is found before the first held, at -1: its
            # number is then below `cut`, which `after_cut` tells the postings to skip.)
            rec = bisect_right(starts, base + m.start()) - 1 + cut
            ref = (file_no << 40) | max(rec, 0)
            key = m.group().decode()
            refs = postings.get(key)
            if refs is None:
                refs = postings[key] = array("Q")
            if not refs or refs[-1] != ref:
                refs.append(ref)

    def ids_with_prefix(self, prefix: str, limit: int = 10) -> list[str]:
        """Known ids starting with what the user typed (`req-e359`, `e359`, `tx3a`)."""
        prefix = prefix.strip().lower()
        if prefix and not prefix.startswith(("req-", "tx")):
            prefix = "req-" + prefix
        out = []
        for key in self.postings:
            if key.startswith(prefix):
                out.append(key)
                if len(out) >= limit:
                    break
        return out

    def records_of(self, request_id: str) -> list[tuple[int, int]]:
        """(file number, record number) of each record naming the id and still held."""
        out = []
        for ref in self.postings.get(normalize_id(request_id), ()):
            file_no = ref >> 40
            rec = (ref & ((1 << 40) - 1)) - self.bases.get(file_no, 0)
            if rec >= 0:
                out.append((file_no, rec))
        return out

    def after_cut(self, file_no: int, gone: int) -> None:
        """File `file_no` let go of its first `gone` records (the memory window)."""
        self.bases[file_no] = self.bases.get(file_no, 0) + gone

    def __len__(self) -> int:
        return len(self.postings)
