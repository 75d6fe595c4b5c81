"""Python `logging` defaults and look-alikes: `<stamp> [name] LEVEL message`.

Covers helper scripts next to OpenStack logs (`2015-10-29 10:52:20.953 pinger DEBUG ...`,
`asctime name levelname message`) that are neither oslo nor a service's own format.
"""

from __future__ import annotations

import re

from ...levels import Level
from ...timekeys import iso_time_keys
from . import register
from .base import ANSI_B, LogFormat, ParsedHead, after_header, header_level, level_groups, strip_ansi

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
# Group 2 is the logger name (one or two words before the level): the parser reads it
# from this same match, so both agree which word is the level.
HEADER = (
    rb"("
    + STAMP
    + rb")(?:Z|[+-]\d\d:?\d\d)?[ :-]+((?:(?!\d+ )[^ \n\[]+ ){1,2}?)"
    + ANSI_B
    + rb"\[?"
    + level_groups(_LEVELS)
    + rb"\]?"
    + ANSI_B
    + rb"(?=[ :])"
)
_HEADER_RE = re.compile(HEADER)
_LEVEL_CODES = tuple(level for _, level in _LEVELS)


def parse_head(line: str) -> ParsedHead:
    line = strip_ansi(line).rstrip("\r")
    m, level = header_level(_HEADER_RE, _LEVEL_CODES, line)
    if m is None:
        return ParsedHead(message=line)
    message = after_header(m, line).lstrip(" :")
    head = ParsedHead(level=level, stamp=m.group(1).decode(), message=message)
    name = m.group(2).decode("utf-8", "replace").strip()
    if name:
        head.fields["logger"] = name
    return head


GENERIC = register(
    LogFormat(
        name="pylog",
        samples=(
            "2015-10-29 10:52:36.051 hp-ms-01-c29 DEBUG starting migration to c29",
            "2015-10-29 10:52:20.953 pinger DEBUG PING 192.168.233.100 (192.168.233.100) 56(84) bytes of data.",  # noqa: E501 (a real log line)
        ),
        description="Python logging style: stamp, optional name, level, message",
        header=HEADER,
        levels=_LEVEL_CODES,
        continuation=True,
        time_keys=iso_time_keys,
        parse_head=parse_head,
        sniff_weight=0.8,
    )
)
