"""Python `logging` defaults and look-alikes: `<stamp> [name] LEVEL message`.

Covers helper scripts next to OpenStack logs (`2015-10-29 10:52:20.953 pinger DEBUG ...`,
`asctime name levelname message`) that are neither oslo nor a service's own format.
"""

from __future__ import annotations

import re

from ..levels import Level, parse_level
from ..timekeys import iso_time_keys
from . import register
from .base import ANSI_B, LogFormat, ParsedHead, level_groups, match_head

_LEVELS: tuple[tuple[bytes, Level], ...] = (
    (b"TRACE", Level.TRACE),
    (b"DEBUG", Level.DEBUG),
    (b"INFO", Level.INFO),
    (b"NOTICE", Level.NOTICE),
    (b"WARNING", Level.WARNING),
    (b"WARN", Level.WARNING),
    (b"ERROR", Level.ERROR),
    (b"CRITICAL", Level.CRITICAL),
    (b"FATAL", Level.CRITICAL),
)
STAMP = rb"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?"
HEADER = (
    rb"("
    + STAMP
    + rb")(?:Z|[+-]\d\d:?\d\d)?[ :-]+(?:(?!\d+ )[^ \n\[]+ ){1,2}?"
    + ANSI_B
    + rb"\[?"
    + level_groups(_LEVELS)
    + rb"\]?"
    + ANSI_B
    + rb"(?=[ :])"
)
_HEAD = re.compile(
    r"(?P<ts>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?)(?:Z|[+-]\d\d:?\d\d)?[ :-]+"
    r"(?:(?P<name>[^ \[]+) (?:[^ \[]+ )?)??\[?(?P<level>[A-Z]+)\]?[ :]+(?P<msg>.*)",
    re.S,
)


def parse_head(line: str) -> ParsedHead:
    line, m = match_head(_HEAD, line)
    if m is None:
        return ParsedHead(message=line)
    head = ParsedHead(level=parse_level(m.group("level")), stamp=m.group("ts"), message=m.group("msg"))
    if m.group("name"):
        head.fields["logger"] = m.group("name")
    return head


GENERIC = register(
    LogFormat(
        name="pylog",
        description="Python logging style: stamp, optional name, level, message",
        header=HEADER,
        levels=tuple(level for _, level in _LEVELS),
        continuation=True,
        time_keys=iso_time_keys,
        parse_head=parse_head,
        sniff_weight=0.8,
    )
)
