"""Producers: one service's stream of records, read out of a file that may carry several.

A file whose lines sit in an envelope (`envelopes.py`) is read as one stream per
producer. A producer's format is its payload's format behind its envelope
(`enveloped`): the index finds record starts and levels with one C regex per block,
exactly as for a bare file, and continuation lines (tracebacks) join the record of their
own producer even when other producers' lines come between.

When a file holds one producer, its index reads the file itself. When it holds several,
`FileSplit` cuts each block into one payload per producer with one C `re.sub` each
(deleting the lines of the others), and a `PayloadSource` gives each producer's index
those payloads as one contiguous byte stream. Only runs (payload offset, file range) are
kept; a payload is re-made from the file when read again, so memory stays flat.
Every line goes to exactly one producer: the lines of no wanted producer (no envelope,
or a producer not split out) form the file's own stream, which is never dropped.
"""

from __future__ import annotations

import json
import re
import threading
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from ..parsing.envelopes import BY_NAME, DOCKER_JSON, Envelope
from ..parsing.formats import LogFormat, add_resolver, get_format, sniff_format
from ..parsing.formats.base import ParsedHead, strip_ansi
from ..reading.source import BLOCK_SIZE, ByteSource
from .index import FileIndex, Progress

SPLIT_BLOCK = 1 << 20  # a payload is re-made from this much file when read again
MAX_SPLIT_LINE = 64 << 20  # a longer line is split in pieces (the rest has no envelope)
CACHE_BYTES = 16 << 20


# -- formats behind an envelope --------------------------------------------------------

_ENVELOPED: dict[str, LogFormat] = {}


def enveloped_name(env: Envelope, tag: str, inner: LogFormat) -> str:
    return f"{env.name}[{tag}]+{inner.name}" if tag else f"{env.name}+{inner.name}"


def enveloped(env: Envelope, tag: str, inner: LogFormat) -> LogFormat:
    """`inner` behind the envelope of producer `tag`, named `<env>[<tag>]+<inner>`."""
    name = enveloped_name(env, tag, inner)
    found = _ENVELOPED.get(name)
    if found is not None:
        return found
    btag = tag.encode() if tag else None
    stamped = env.stamped(btag) if env.stamped is not None else None
    prefix = stamped if stamped is not None else env.member(btag)
    head_re = re.compile(prefix.decode("latin-1"), re.ASCII)

    def unwrap(line: str) -> tuple[str, str | None]:
        """The payload of one line and the envelope's stamp (None when it has none)."""
        line = strip_ansi(line)
        if env is DOCKER_JSON:
            return _docker_payload(line), None
        m = head_re.match(line)
        if m is None:
            return line, None
        return line[m.end() :], (m.group(1) if stamped is not None else None)

    def parse_head(line: str) -> ParsedHead:
        payload, stamp = unwrap(line)
        head = inner.parse_head(payload)
        if stamp is not None and head.stamp is None:
            head.stamp = stamp
        if tag:
            head.fields["producer"] = tag
        return head

    def strip_body(line: str) -> str:
        return inner.strip_body(unwrap(line)[0])

    fmt = LogFormat(
        name=name,
        description=f"{inner.description}, in {env.description.split(':')[0]}",
        header=prefix + inner.header,
        levels=inner.levels,
        continuation=inner.continuation,
        time_keys=env.time_keys if stamped is not None else inner.time_keys,
        parse_head=parse_head,
        strip_body=strip_body,
        sniff_weight=0,
    )
    _ENVELOPED[name] = fmt
    return fmt


_ENVELOPED_NAME = re.compile(r"([\w.-]+?)(?:\[(.*)\])?\+(.+)", re.S)


def resolve_enveloped(name: str) -> LogFormat | None:
    """The format `enveloped` makes, from its name (`pebble[nova-scheduler]+oslo`)."""
    found = _ENVELOPED.get(name)
    if found is not None:
        return found
    m = _ENVELOPED_NAME.fullmatch(name)
    env = BY_NAME.get(m.group(1)) if m is not None else None
    if m is None or env is None:
        return None
    return enveloped(env, m.group(2) or "", get_format(m.group(3)))


add_resolver(resolve_enveloped)


def _docker_payload(line: str) -> str:
    try:
        value = json.loads(line)
    except ValueError:
        return line
    text = value.get("log") if isinstance(value, dict) else None
    return text.rstrip("\n") if isinstance(text, str) else line


def payload_sample(env: Envelope, tag: str | None, sample: bytes) -> bytes:
    """The payloads of one producer's lines in `sample` (for sniffing its format)."""
    tags = [tag or ""]
    kept = stream_cutters(env, tags)[0].sub(b"", sample[_lead_of(env, sample) :])
    if env is DOCKER_JSON:
        lines = [_docker_payload(x.decode("utf-8", "replace")) for x in kept.split(b"\n") if x]
        return "\n".join(lines).encode()
    return re.sub(rb"(?m)^" + env.member(tag.encode() if tag else None), b"", kept)


def bare_sample(env: Envelope, tags: Sequence[str], sample: bytes) -> bytes:
    """The lines of `sample` in no producer's stream (the file's own)."""
    lead = _lead_of(env, sample)
    return sample[:lead] + stream_cutters(env, tags)[-1].sub(b"", sample[lead:])


# -- one file, several producers --------------------------------------------------------

_LINE = rb"[^\n]*(?:\n|\Z)"


def _any_envelope(env: Envelope) -> bytes:
    return env.pattern.replace(b"(?P<tag>", b"(?:")


def _lead(env: Envelope) -> re.Pattern[bytes]:
    """The lines at a block's start that carry no envelope: they continue the line before."""
    return re.compile(rb"(?:(?!" + _any_envelope(env) + rb")[^\n]*\n)*")


def _lead_end(pattern: re.Pattern[bytes], block: bytes) -> int:
    m = pattern.match(block)  # matches at least the empty string
    return m.end() if m is not None else 0


def _lead_of(env: Envelope, data: bytes) -> int:
    return _lead_end(_lead(env), data)


def stream_cutters(env: Envelope, tags: Sequence[str]) -> list[re.Pattern[bytes]]:
    """One pattern per producer deleting every line not in its stream, and a last one for
    the file's own stream. A line without an envelope goes with the line before it (a
    continued message); a block must start at an enveloped line (see `_lead`)."""
    any_env = _any_envelope(env)
    follow = rb"(?:(?!" + any_env + rb")" + _LINE + rb")*"
    members = [env.member(t.encode() if t else None) for t in tags]
    out = [re.compile(rb"(?m)^(?!" + m + rb")(?:" + any_env + rb")" + _LINE + follow) for m in members]
    out.append(re.compile(rb"(?m)^(?:" + b"|".join(members) + rb")" + _LINE + follow))
    return out


def newline_cutters(env: Envelope, tags: Sequence[str]) -> list[re.Pattern[bytes]]:
    """`stream_cutters` over `b"\n" + block` where block ends with a newline: each line is
    taken with the newline before it, so the pattern starts with a literal and the engine
    leaps from line to line at C speed (a `(?m)^` is tried at every byte: several times
    slower). The block's last newline is never taken; cut off the first byte after."""
    any_env = _any_envelope(env)
    follow = rb"(?:\n(?!" + any_env + rb")(?!\Z)[^\n]*)*"
    members = [env.member(t.encode() if t else None) for t in tags]
    out = [re.compile(rb"\n(?!" + m + rb")(?:" + any_env + rb")[^\n]*" + follow) for m in members]
    out.append(re.compile(rb"\n(?:" + b"|".join(members) + rb")[^\n]*" + follow))
    return out


@dataclass
class _Runs:
    """Where one producer's payload comes from: per run, its payload offset, its file range
    and how many bytes at the range's start are lines continued from the block before
    (given whole to the stream that owns them, `owns_lead`)."""

    payload: array[int]
    start: array[int]
    end: array[int]
    lead: array[int]
    owns_lead: bytearray
    size: int = 0


class FileSplit:
    """One physical file cut into its producers' payloads, block by block."""

    def __init__(self, source: ByteSource, envelope: Envelope, tags: Sequence[str]) -> None:
        self.source = source
        self.envelope = envelope
        self.tags = list(tags)  # '' stands for the untagged envelope's one producer
        self._cutters = stream_cutters(envelope, self.tags)
        self._fast_cutters = newline_cutters(envelope, self.tags)
        self._members = [re.compile(envelope.member(t.encode() if t else None)) for t in self.tags]
        self._any = re.compile(_any_envelope(envelope))
        self._lead = _lead(envelope)
        self._joiner = envelope.joiner()
        self._join_template = envelope.join[1] if envelope.join else b""
        self._partial = re.compile(envelope.partial) if envelope.partial else None
        self._partial_after_newline = re.compile(b"\n" + envelope.partial) if envelope.partial else None
        self.runs = [
            _Runs(array("Q"), array("Q"), array("Q"), array("Q"), bytearray()) for _ in self._cutters
        ]
        self.scanned = 0
        self.lines_cut = 0  # pieces of lines longer than MAX_SPLIT_LINE
        self.shrank: tuple[int, int] | None = None
        self._owner = len(self._cutters) - 1  # the stream of the last enveloped line so far
        self._lock = threading.RLock()
        self._cache: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._cached = 0

    @property
    def streams(self) -> int:
        return len(self._cutters)

    def advance(self, final: bool = True) -> None:
        """Split what the file gained since the last call (whole lines unless `final`)."""
        with self._lock:
            size = self.source.size()
            if size < self.scanned:
                self.shrank = (self.scanned, size)
                return
            while self.scanned < size:
                want = SPLIT_BLOCK
                while True:
                    data = self.source.read(self.scanned, want)
                    cut = data.rfind(b"\n") + 1
                    if cut or not data:
                        break
                    if self.scanned + len(data) >= size:
                        cut = len(data) if final else 0
                        break
                    if want >= MAX_SPLIT_LINE:
                        cut = len(data)
                        self.lines_cut += 1
                        break
                    want *= 2
                if not cut:
                    return
                if self._partial is not None and self.scanned + cut < size:
                    cut = self._before_partials(data, cut)
                self._split(data[:cut] if cut < len(data) else data)

    def _split(self, block: bytes) -> None:
        start = self.scanned
        end = start + len(block)
        lead = _lead_end(self._lead, block)
        owner = self._owner
        body = block[lead:] if lead else block
        for n in range(len(self._cutters)):
            payload = self._cut(n, body)
            if n == owner and lead:
                payload = block[:lead] + payload
            payload = self._joined(payload)
            if not payload:
                continue
            runs = self.runs[n]
            runs.payload.append(runs.size)
            runs.start.append(start)
            runs.end.append(end)
            runs.lead.append(lead)
            runs.owns_lead.append(n == owner)
            runs.size += len(payload)
            self._remember((n, len(runs.payload) - 1), payload)
        self._owner = self._last_owner(block, lead)
        self.scanned = end

    def _cut(self, stream: int, body: bytes) -> bytes:
        """`body`'s lines in `stream` (whole lines; the lines each takes along included)."""
        if body.endswith(b"\n"):
            return self._fast_cutters[stream].sub(b"", b"\n" + body)[1:]
        return self._cutters[stream].sub(b"", body)  # a last line with no newline yet

    def _before_partials(self, data: bytes, cut: int) -> int:
        """`cut` moved before the partial lines that end data[:cut]: their rest is in the
        next block, and they must be joined with it."""
        assert self._partial is not None
        pos = cut
        while pos > 0:
            line = data.rfind(b"\n", 0, pos - 1) + 1
            if not self._partial.match(data, line):
                break
            pos = line
        return pos or cut

    def _joined(self, payload: bytes) -> bytes:
        """Partial lines joined with what continues them (a chain of parts, one at a time)."""
        if self._joiner is None or self._partial is None or self._partial_after_newline is None:
            return payload
        if not self._partial.match(payload) and not self._partial_after_newline.search(payload):
            return payload  # no partial line: skip the joiner's slower (?m)^ pass
        while True:
            payload, n = self._joiner.subn(self._join_template, payload)
            if not n:
                return payload

    def _last_owner(self, block: bytes, lead: int) -> int:
        """The stream of the block's last enveloped line (its own if it has none)."""
        pos = len(block)
        while pos > lead:
            line = block.rfind(b"\n", 0, pos - 1) + 1
            if self._any.match(block, line):
                for n, member in enumerate(self._members):
                    if member.match(block, line):
                        return n
                return len(self._cutters) - 1
            pos = line
        return self._owner

    def _remember(self, key: tuple[int, int], payload: bytes) -> None:
        self._cache[key] = payload
        self._cached += len(payload)
        while self._cached > CACHE_BYTES and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._cached -= len(old)

    def payload(self, stream: int, run: int) -> bytes:
        with self._lock:
            key = (stream, run)
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
            runs = self.runs[stream]
            start, end, lead = runs.start[run], runs.end[run], runs.lead[run]
            block = self.source.read(start, end - start)
            payload = self._cut(stream, block[lead:])
            if runs.owns_lead[run]:
                payload = block[:lead] + payload
            payload = self._joined(payload)
            expected = (runs.payload[run + 1] if run + 1 < len(runs.payload) else runs.size) - runs.payload[
                run
            ]
            if len(payload) != expected:
                raise OSError(f"{self.source.path} changed under the index (bytes {start}-{end})")
            self._remember(key, payload)
            return payload

    def file_offset(self, stream: int, offset: int) -> int:
        """The file offset of the block that holds payload byte `offset` of a stream."""
        runs = self.runs[stream]
        i = bisect_right(runs.payload, offset) - 1
        return runs.start[i] if i >= 0 else 0


class PayloadSource(ByteSource):
    """One producer's payloads of a split file, as a byte stream of their own."""

    def __init__(self, split: FileSplit, stream: int) -> None:
        self.split = split
        self.stream = stream
        self.path = split.source.path
        self.problems: list[str] = []

    def size(self) -> int:
        return self.split.runs[self.stream].size

    def read(self, offset: int, length: int) -> bytes:
        runs = self.split.runs[self.stream]
        stop = min(offset + length, runs.size)
        if offset >= stop:
            return b""
        i = bisect_right(runs.payload, offset) - 1
        out = []
        pos = offset
        while pos < stop and i < len(runs.payload):
            base = runs.payload[i]
            data = self.split.payload(self.stream, i)
            out.append(data[pos - base : stop - base])
            pos = base + len(data)
            i += 1
        return b"".join(out)

    def close(self) -> None:
        self.split.source.close()


class ProducerIndex(FileIndex):
    """The index of one producer of a split file: splits what the file gained first."""

    source: PayloadSource

    def update(
        self, final: bool = True, progress: Progress | None = None, block_size: int = BLOCK_SIZE
    ) -> int:
        split = self.source.split
        split.advance(final)
        added = super().update(final, progress, block_size)
        if split.shrank and self.shrank is None:
            self.shrank = split.shrank
        return added


def producer_format(env: Envelope, tag: str, sample: bytes, forced: LogFormat | None = None) -> LogFormat:
    """The format of producer `tag`: its payloads' format behind its envelope."""
    inner = forced or sniff_format(payload_sample(env, tag or None, sample), payload=True)
    return enveloped(env, tag, inner)
