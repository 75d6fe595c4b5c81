"""Parse one record on demand: the bytes the index points at become a `Record`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ..ids import ANY_ID_RE
from ..levels import Level
from ..model import Record
from ..parsing.formats import LogFormat
from ..parsing.formats.base import strip_ansi
from ..parsing.http import parse_access
from ..parsing.tracebacks import find_tracebacks
from ..textsafe import visible
from ..timekeys import NO_KEY, key_to_datetime
from .index import FileIndex

RECORD_LIMIT = 4 << 20  # longer records are cut for display; the cut is reported

_KNOWN_FIELDS = {
    "pid",
    "logger",
    "host",
    "request_id",
    "global_request_id",
    "user",
    "project",
    "instance",
    "func",
    "code_path",
    "code_line",
}


# Records are parsed from gated text, so that every field derived from a record (message,
# logger, traceback frames, URLs...) is safe to show wherever it goes. Only a JSON document,
# whose encoder escapes what the gate would, asks for the exact text.
_EXACT = ContextVar("exact_text", default=False)


@contextmanager
def exact_text() -> Iterator[None]:
    """Within this block, records keep the exact text of the log (for JSON output)."""
    token = _EXACT.set(True)
    try:
        yield
    finally:
        _EXACT.reset(token)


def decode(raw: bytes) -> str:
    """Text of raw log bytes: invalid UTF-8 replaced, CR and ANSI colour removed, then
    through the sanitising gate (`textsafe.visible`), unless exact text was asked for."""
    text = raw.decode("utf-8", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "")
    text = strip_ansi(text)
    return text if _EXACT.get() else visible(text, keep_newlines=True)


def parse_text(
    text: str,
    fmt: LogFormat,
    *,
    source: str = "",
    index: int = 0,
    offset: int = 0,
    level: Level | None = None,
    key: int = NO_KEY,
    truncated: int = 0,
) -> Record:
    """A Record from the text of one record in format `fmt`."""
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    head = fmt.parse(lines[0])
    body = [fmt.strip_body(line) for line in lines[1:]]
    rec = Record(
        source=source,
        index=index,
        offset=offset,
        level=head.level if level is None else level,
        text="\n".join(lines),
        message=head.message,
        body=body,
        format=fmt.name,
        key=key,
        truncated=truncated,
    )
    if key != NO_KEY:
        rec.timestamp = key_to_datetime(key)
    elif head.stamp:
        rec.key = next(iter(fmt.time_keys([head.stamp.encode()], 2000)), NO_KEY)
        rec.timestamp = key_to_datetime(rec.key)
    for name, value in head.fields.items():
        if name in _KNOWN_FIELDS:
            setattr(rec, name, value)
        else:
            rec.extra[name] = value
    if not rec.request_id and isinstance(head.fields.get("txn"), str):
        rec.request_id = head.fields["txn"]
    found = find_tracebacks([head.message, *body]) if ("Traceback" in text) else []
    if found:
        rec.traceback = found[0][2]
        if len(found) > 1:
            rec.extra["more_tracebacks"] = [tb for _, _, tb in found[1:]]
    http = head.fields.get("http")
    rec.http = http if http is not None else parse_access(head.message)
    seen: dict[str, None] = {}
    for rid in ANY_ID_RE.findall(text):
        seen.setdefault(rid, None)
    rec.request_ids = list(seen)
    return rec


def parse_record(index: FileIndex, i: int, source: str | None = None, limit: int = RECORD_LIMIT) -> Record:
    """Record i of `index`, parsed from its bytes."""
    start, end = index.span(i)
    raw = index.source.read(start, min(end - start, limit))
    truncated = max(0, end - start - limit)
    key = index.keys[i] if index.times and i < len(index.keys) else NO_KEY
    return parse_text(
        decode(raw),
        index.format,
        source=source or str(index.source.path),
        index=i,
        offset=start,
        level=Level(index.levels[i]),
        key=key,
        truncated=truncated,
    )
