"""The records the faults summary groups, classified at indexing speed.

`summarize_faults` needs, for every ERROR/CRITICAL record (and lower ones holding a
fault's text), its time, its level and what it is: which known faults match it, else
its error signature. Matching and signing need the parsed record and cost about a
millisecond each, so they are done once per shape of record, not once per record:

* every candidate record's raw bytes, stamps and uuids masked by one C-speed `re.sub`,
  name its shape; only the first record of each shape is parsed;
* the parsed text, masked the same way, with the logger and HTTP status, is the key the
  classification is kept under (records that differ only in what the raw mask could not
  see share it), and the classification depends on the file only through which fault
  `service` words its path holds, so it is shared by every file alike in that.

The result per file is compact columns (record numbers, time keys, levels, kind numbers
into a small table of classifications), so worker processes can return it cheaply:
`classify_files(..., workers=N)` forks N of them over the indexed files (headless
commands only; the browser's threads must not be forked).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from array import array
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from ...indexing.logset import LogFile
from ...indexing.records import RECORD_LIMIT, parse_record
from ...levels import Level
from ...parsing.formats import _scanner
from ...timekeys import NO_KEY
from .matcher import FaultMatcher, _literal_prefix, _trie_pattern
from .packs import Fault
from .shapes import SHAPE_RE, SHAPE_RE_B
from .signatures import ErrorShape, error_shape

# levels[i] is one byte per record; this finds ERROR and above without a Python loop.
_SEVERE_RE = re.compile(b"[\\x%02x-\\xff]" % Level.ERROR)
CHUNK = 32 << 20  # bytes of a file searched at a time for lower-level faults
_OVERLAP = 512  # a fault's text cut by a chunk's end is found again in the next chunk
UNIT = 4 * CHUNK  # bytes of a big file one worker task covers

# A classification: the matching faults (numbers into matcher.faults, best first) and,
# for ERROR and up, the signature as (key, title, exc_type, module).
Kind = tuple[tuple[int, ...], tuple[str, str, str, str] | None]


@dataclass(slots=True)
class FileFaults:
    """One file's records to group, in record order, as columns."""

    records: array[int] = field(default_factory=lambda: array("Q"))
    keys: array[int] = field(default_factory=lambda: array("q"))  # time keys (NO_KEY: none)
    levels: bytearray = field(default_factory=bytearray)
    kinds: array[int] = field(default_factory=lambda: array("I"))  # into `table`
    table: list[Kind] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records)


class Classifier:
    """Classifies records with a matcher, remembering every shape it has seen (one per
    process: its memory is bounded by the number of distinct shapes, not records)."""

    def __init__(self, matcher: FaultMatcher) -> None:
        self.matcher = matcher
        self._number = {id(f): n for n, f in enumerate(matcher.faults)}
        self._services = sorted({s for f in matcher.faults for s in f.match.service})
        # (profile, format, level, masked raw bytes) -> parsed key; parsed key -> kind.
        self._raw: dict[tuple[object, ...], tuple[object, ...]] = {}
        self._kinds: dict[tuple[object, ...], Kind] = {}
        self._lower: dict[tuple[int, ...], LowerSearch | None] = {}
        self.parsed = 0  # records parsed: one per shape

    def profile(self, path: str) -> tuple[str, ...]:
        """The fault `service` words `path` holds: all a file's path changes in a match."""
        lowered = path.lower()
        return tuple(s for s in self._services if s in lowered)

    def lower_pattern(self, path: str) -> LowerSearch | None:
        """The lowest level some fault counts in a file at `path`, and one bytes pattern of
        those faults' text (their literals and regexes as they are); None when no such fault
        applies. Built once per set of faults."""
        lowered = path.lower()
        chosen = tuple(
            n
            for n, f in enumerate(self.matcher.faults)
            if f.level < Level.ERROR and (not f.match.service or any(s in lowered for s in f.match.service))
        )
        if chosen not in self._lower:
            self._lower[chosen] = _lower_pattern([self.matcher.faults[n] for n in chosen])
        return self._lower[chosen]

    def kind_of(self, lf: LogFile, i: int, profile: tuple[str, ...], raw: bytes) -> Kind:
        """The classification of record i of `lf`, whose first bytes are `raw`."""
        idx = lf.index
        assert idx is not None
        level = idx.levels[i]
        raw_key = (profile, idx.format.name, level, _digest(SHAPE_RE_B.sub(b"#", raw)))
        parsed_key = self._raw.get(raw_key)
        if parsed_key is None:
            rec = parse_record(idx, i)
            self.parsed += 1
            status = rec.http.status if rec.http is not None else None
            masked = _digest(SHAPE_RE.sub("#", rec.text).encode("utf-8", "surrogatepass"))
            parsed_key = self._raw[raw_key] = (profile, masked, rec.logger, status)
            if parsed_key not in self._kinds:
                faults = tuple(
                    self._number[id(h.fault)] for h in self.matcher.match(rec) if rec.level >= h.fault.level
                )
                shape = _shape_tuple(error_shape(rec)) if rec.level >= Level.ERROR else None
                self._kinds[parsed_key] = (faults, shape)
        return self._kinds[parsed_key]


def _digest(data: bytes) -> bytes:
    """16 bytes standing for a record's masked text: the caches stay small whatever it holds."""
    return hashlib.blake2b(data, digest_size=16).digest()


def _shape_tuple(shape: ErrorShape) -> tuple[str, str, str, str]:
    return (shape.key, shape.title, shape.exc_type, shape.module)


def shape_of(kind: Kind) -> ErrorShape | None:
    return ErrorShape(*kind[1]) if kind[1] is not None else None


@dataclass(frozen=True, slots=True)
class LowerSearch:
    """How faults that count lower levels are looked for in a file's bytes."""

    floor: int  # the lowest level one of them counts
    pattern: re.Pattern[bytes]  # their literals and regexes as they are
    # Text every match starts with, one of them: a chunk holding none (bytes.find, several
    # times faster than the pattern) has no match. Empty when some regex has no literal start.
    literals: tuple[bytes, ...]

    def finditer(self, data: bytes) -> Iterator[re.Match[bytes]]:
        if self.literals and not any(lit in data for lit in self.literals):
            return iter(())
        return self.pattern.finditer(data)


def _lower_pattern(faults: Sequence[Fault]) -> LowerSearch | None:
    triggers = [(s, "") for f in faults for s in (f.match.any or f.match.all[:1])]
    triggers += [_literal_prefix(r) for f in faults for r in f.match.regex]
    if not faults or not triggers:
        return None
    literals = [p for p, _rest in triggers]
    try:
        pattern = re.compile(_trie_pattern(triggers).encode())
    except re.error:  # a pattern valid for text but not for bytes: fall back to the literals
        literals = sorted({p for p in literals if len(p) > 8})
        if not literals:
            return None
        pattern = re.compile(b"|".join(re.escape(s.encode()) for s in literals))
    starts = () if "" in literals else tuple(sorted({p.encode() for p in literals}))
    return LowerSearch(min(f.level for f in faults), pattern, starts)


def candidates(lf: LogFile, classifier: Classifier, lo: int = 0, hi: int | None = None) -> list[int]:
    """Record numbers to classify whose search starts in bytes [lo, hi) of `lf` (lo a
    multiple of CHUNK): ERROR and up, and lower records holding a fault's text."""
    idx = lf.index
    assert idx is not None
    hi = idx.scanned if hi is None else min(hi, idx.scanned)
    first, last = idx.record_at(lo - 1) + 1 if lo else 0, idx.record_at(hi - 1) + 1
    found = {m.start() for m in _SEVERE_RE.finditer(idx.levels, first, last)}
    lower = classifier.lower_pattern(str(idx.source.path))
    if lower is not None:
        levels = idx.levels
        for pos in range(lo, hi, CHUNK):
            data = idx.source.read(pos, min(CHUNK + _OVERLAP, idx.scanned - pos))
            for m in lower.finditer(data):
                i = idx.record_at(pos + m.start())
                if 0 <= i < len(levels) and levels[i] >= lower.floor:
                    found.add(i)
    return sorted(found)


def classify(lf: LogFile, classifier: Classifier, lo: int = 0, hi: int | None = None) -> FileFaults:
    """The records of `lf` to group whose search starts in bytes [lo, hi), classified."""
    return classify_records(lf, classifier, candidates(lf, classifier, lo, hi))


def classify_records(lf: LogFile, classifier: Classifier, records: Sequence[int]) -> FileFaults:
    """`records` of `lf` (candidates, ascending) classified; those no fault takes below ERROR left out."""
    idx = lf.index
    assert idx is not None
    out = FileFaults()
    kinds: dict[Kind, int] = {}
    profile = classifier.profile(str(idx.source.path))
    scanner = _scanner(idx.format)
    times = idx.times and len(idx.keys) == len(idx.levels)
    read, span, levels = idx.source.read, idx.span, idx.levels
    for i in records:
        start, end = span(i)
        # One read from the newline before the record: the header regex starts there.
        lead = 1 if start else 0
        buf = read(start - lead, min(end - start, RECORD_LIMIT) + lead)
        if not lead:
            buf = b"\n" + buf
        kind = classifier.kind_of(lf, i, profile, memoryview(buf)[1:].tobytes())
        level = levels[i]
        if not kind[0] and level < Level.ERROR:
            continue  # a lower record that only looked like a fault's text
        key = idx.keys[i] if times else _time_key(lf, scanner, buf)
        if key == NO_KEY:
            key = parse_record(idx, i).key  # the record's own stamp read from its text, if any
        number = kinds.get(kind)
        if number is None:
            number = kinds[kind] = len(out.table)
            out.table.append(kind)
        out.records.append(i)
        out.keys.append(key)
        out.levels.append(level)
        out.kinds.append(number)
    return out


def _time_key(lf: LogFile, scanner: re.Pattern[bytes], buf: bytes) -> int:
    """The time key the index gives a record when it keeps times (its header's stamp)."""
    idx = lf.index
    assert idx is not None
    m = scanner.match(buf)
    stamp = m.group(1) if m is not None else None
    if stamp is None:
        return NO_KEY
    return next(iter(idx.format.time_keys([stamp], idx.year)), NO_KEY)


def join(parts: Sequence[FileFaults]) -> FileFaults:
    """One file's parts as one, in record order; a record two parts found is kept once
    (found again through a fault's text in the overlap after a part's end)."""
    if len(parts) == 1:
        return parts[0]
    out = FileFaults()
    kinds: dict[Kind, int] = {}
    last = -1
    rows = sorted((i, n, j) for n, part in enumerate(parts) for j, i in enumerate(part.records))
    for i, n, j in rows:
        if i != last:
            part = parts[n]
            kind = part.table[part.kinds[j]]
            number = kinds.get(kind)
            if number is None:
                number = kinds[kind] = len(out.table)
                out.table.append(kind)
            out.records.append(i)
            out.keys.append(part.keys[j])
            out.levels.append(part.levels[j])
            out.kinds.append(number)
            last = i
    return out


def shifted(part: FileFaults, first: int) -> FileFaults:
    """`part` of a file whose first record is record `first` of the whole file."""
    records = array("Q", (i + first for i in part.records))
    return FileFaults(records, part.keys, part.levels, part.kinds, part.table)


# -- worker processes -----------------------------------------------------------------
_FORKED: tuple[Sequence[LogFile], FaultMatcher] | None = None  # set before forking
_WORKER: Classifier | None = None


def _classifier(matcher: FaultMatcher) -> Classifier:
    """This process's classifier for `matcher` (shapes are remembered per process)."""
    global _WORKER
    if _WORKER is None or _WORKER.matcher is not matcher:
        _WORKER = Classifier(matcher)
    return _WORKER


Unit = tuple[int, int, int | None]  # (file number, first byte, end byte or None: the file's end)


def _task(batch: list[Unit]) -> list[FileFaults]:
    assert _FORKED is not None
    files, matcher = _FORKED
    classifier = _classifier(matcher)
    return [classify(files[n], classifier, lo, hi) for n, lo, hi in batch]


def part_faults(lf: LogFile, matcher: FaultMatcher, last_part: bool) -> FileFaults:
    """The faults pass over one part of a file, in the worker that has just indexed it
    (`lf.index` over a SliceSource of the part, records numbered from the part's start):
    the hook for `parallel.py`. A part's last record may go on in the next part, so it is
    left to `boundary_faults`, unless the part ends the file. The parent puts them together
    with `join([shifted(part, records before it), ..., boundary_faults(...)])`."""
    classifier = _classifier(matcher)
    assert lf.index is not None
    whole = len(lf.index) - (0 if last_part else 1)
    return classify_records(lf, classifier, [i for i in candidates(lf, classifier) if i < whole])


def boundary_faults(lf: LogFile, records: Sequence[int], matcher: FaultMatcher) -> FileFaults:
    """`records` (each part's last but the file's) classified over the joined index of the
    whole file, where they are whole: candidates when ERROR and up, or when a lower-level
    fault's text is in them."""
    classifier = _classifier(matcher)
    idx = lf.index
    assert idx is not None
    lower = classifier.lower_pattern(str(idx.source.path))
    chosen = []
    for i in sorted(set(records)):
        if idx.levels[i] >= Level.ERROR:
            chosen.append(i)
        elif lower is not None and idx.levels[i] >= lower.floor:
            start, end = idx.span(i)
            if next(lower.finditer(idx.source.read(start, end - start)), None) is not None:
                chosen.append(i)
    return classify_records(lf, classifier, chosen)


def _units(lf: LogFile) -> list[tuple[int, int | None]]:
    """Byte ranges of `lf` for one task each: whole small files, UNIT-sized parts of big ones."""
    assert lf.index is not None
    size = lf.index.scanned
    if size <= UNIT:
        return [(0, None)]
    return [(lo, min(lo + UNIT, size)) for lo in range(0, size, UNIT)]


# Small files go to a worker together, up to this many bytes or files: a task and its reply
# cost about a millisecond, as much as classifying a small file.
BATCH_BYTES = 8 << 20
BATCH_FILES = 64


def _batches(files: Sequence[LogFile], numbers: Sequence[int]) -> list[list[Unit]]:
    """The files' units (`_units`) in order, consecutive small ones put together."""
    out: list[list[Unit]] = []
    size = 0
    for n in numbers:
        idx = files[n].index
        assert idx is not None
        for lo, hi in _units(files[n]):
            nbytes = (idx.scanned if hi is None else hi) - lo
            if not out or size + nbytes > BATCH_BYTES or len(out[-1]) >= BATCH_FILES:
                out.append([])
                size = 0
            out[-1].append((n, lo, hi))
            size += nbytes
    return out


def classify_files(
    files: Sequence[LogFile], matcher: FaultMatcher, workers: int | None = None
) -> list[FileFaults | None]:
    """Every indexed file's records to group (None for a file without an index).
    With workers > 1 the files are shared among that many forked processes."""
    global _FORKED
    workers = workers if workers is not None else (os.cpu_count() or 1)
    indexed = [n for n, lf in enumerate(files) if lf.index is not None]
    out: list[FileFaults | None] = [None] * len(files)
    if workers < 2 or not indexed:
        classifier = Classifier(matcher)
        for n in indexed:
            out[n] = classify(files[n], classifier)
        return out
    _FORKED = (files, matcher)
    try:
        ctx = multiprocessing.get_context("fork")
        parts: dict[int, list[FileFaults]] = {n: [] for n in indexed}
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            jobs = [(batch, pool.submit(_task, batch)) for batch in _batches(files, indexed)]
            for batch, future in jobs:
                for (n, _, _), found in zip(batch, future.result(), strict=True):
                    parts[n].append(found)  # in byte order: batches and units are
        for n in indexed:
            out[n] = join(parts[n])
    finally:
        _FORKED = None
    return out
