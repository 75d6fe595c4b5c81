"""What a log format is to the engine: how to find record starts at C speed, and
how to parse one record's text when it is shown or asked for.

The block scanner runs one compiled bytes regex per block: `b"\\n" + header`. The
header's group 1 is the time stamp; its level alternation groups come last, so
`match.lastindex` names the level without any Python per record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...levels import Level

ANSI_B = rb"(?:\x1b\[[0-9;]*m)*"
# Colour (SGR) sequences only: services colour their lines (devstack, RabbitMQ 3.9+) and the
# colour carries nothing; any other escape sequence is kept, for the gate to show.
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
ANSI_RE_B = re.compile(rb"\x1b\[[0-9;]*m")

# Levels as oslo.log and most Python services spell them.
OSLO_LEVELS: tuple[tuple[bytes, Level], ...] = (
    (b"TRACE", Level.TRACE),
    (b"DEBUG", Level.DEBUG),
    (b"INFO", Level.INFO),
    (b"AUDIT", Level.AUDIT),
    (b"WARNING", Level.WARNING),
    (b"ERROR", Level.ERROR),
    (b"CRITICAL", Level.CRITICAL),
)


def level_groups(levels: Sequence[tuple[bytes, Level]]) -> bytes:
    """`(?:(TRACE)|(DEBUG)|...)`: one capturing group per level token, in order."""
    return b"(?:" + b"|".join(b"(" + re.escape(tok) + b")" for tok, _ in levels) + b")"


@dataclass(slots=True)
class ParsedHead:
    """Fields a format reads from a record's first line."""

    level: Level = Level.UNKNOWN
    stamp: str | None = None
    message: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LogFormat:
    """One log format.

    header: bytes regex matching a record's first line at its start. Group 1 is the
        time stamp (may match empty); the LAST groups are one per entry of `levels`.
    levels: the Level each trailing alternation group stands for; a format whose lines
        carry no level ends its header with an empty group `()` mapped to `default_level`.
    continuation: True when a line that is not a header continues the record before it
        (multi-line messages, tracebacks); False when every line is a record of its own
        and a non-header line is an UNKNOWN record.
    time_keys: turns the captured stamps of a block into sortable time keys; the int is
        the year to assume for stamps that carry none (syslog style).
    parse_head: reads stamp, message and fields from the first line's text. The level
        is never its own: `parse` takes it from `header`, the indexer's pattern, so a
        parsed record and the index always agree on where records start and their level.
    strip_body: removes a repeated log prefix from a continuation line (traceback lines).
    sniff_weight: how strongly a header match counts when guessing the format.
    samples: real lines of this format (first lines of records), for the tests that check
        the indexer and the parser agree on every format.
    """

    name: str
    description: str
    header: bytes
    levels: tuple[Level, ...]
    continuation: bool
    time_keys: Callable[[Sequence[bytes], int], Iterable[int]]
    parse_head: Callable[[str], ParsedHead]
    strip_body: Callable[[str], str] = lambda line: line
    sniff_weight: float = 1.0
    samples: tuple[str, ...] = ()

    def header_level(self, line: str) -> HeaderHit:
        """The indexer's header run on one line: its match and the level the index gives it."""
        return header_level(compiled_header(self.header), self.levels, line)

    def parse(self, line: str) -> ParsedHead:
        """A record's first line parsed, with the level the indexer's header gives it."""
        head = self.parse_head(line)
        m, level = self.header_level(strip_ansi(line).rstrip("\r"))
        head.level = level if m is not None else Level.UNKNOWN
        return head

    def level_table(self) -> bytes:
        """bytes.translate table: match.lastindex -> Level code."""
        table = bytearray(256)
        first = re.compile(self.header).groups - len(self.levels) + 1
        for i, level in enumerate(self.levels):
            table[first + i] = int(level)
        return bytes(table)


HeaderHit = tuple[re.Match[bytes] | None, Level]
_HEADERS: dict[bytes, re.Pattern[bytes]] = {}


def compiled_header(header: bytes) -> re.Pattern[bytes]:
    pattern = _HEADERS.get(header)
    if pattern is None:
        pattern = _HEADERS[header] = re.compile(header)
    return pattern


def header_level(pattern: re.Pattern[bytes], levels: Sequence[Level], line: str) -> HeaderHit:
    """Run a format's header (the indexer's pattern) on one line: its match, and the level
    the index gives it (the matched one of the last `len(levels)` groups)."""
    m = pattern.match(line.encode("utf-8", "replace"))
    if m is None or m.lastindex is None:
        return m, Level.UNKNOWN
    idx = m.lastindex - (pattern.groups - len(levels) + 1)
    return m, (levels[idx] if 0 <= idx < len(levels) else Level.UNKNOWN)


def after_header(m: re.Match[bytes], line: str) -> str:
    """The text of `line` after the header match `m` (made on its UTF-8 bytes)."""
    return line.encode("utf-8", "replace")[m.end() :].decode("utf-8", "replace")


def match_head(pattern: re.Pattern[str], line: str) -> tuple[str, re.Match[str] | None]:
    """A record's first line without colour codes and CR, and `pattern` matched on it:
    the opening of every format's `parse_head`."""
    line = strip_ansi(line).rstrip("\r")
    return line, pattern.match(line)


def strip_ansi(text: str) -> str:
    return ANSI_RE.sub("", text) if "\x1b" in text else text


def split_context(bracket: str) -> dict[str, Any]:
    """Fields of an oslo context bracket's inside, in every release's shape.

    `-`; `req-X None`; `req-X - - - - -`; `None req-X u p - - d d`;
    `req-G req-X u p ...` (global id first); `req-X user tenant`.
    """
    tokens = bracket.split()
    out: dict[str, Any] = {}
    if not tokens or tokens[0] == "-":
        return out
    if (
        len(tokens) >= 2
        and tokens[1].startswith("req-")
        and (tokens[0] == "None" or tokens[0].startswith("req-"))
    ):
        if tokens[0] != "None":
            out["global_request_id"] = tokens[0]
        out["request_id"] = tokens[1]
        rest = tokens[2:]
    elif tokens[0].startswith("req-"):
        out["request_id"] = tokens[0]
        rest = tokens[1:]
    else:
        rest = tokens
    if rest and rest[0] not in ("-", "None"):
        out["user"] = rest[0]
    if len(rest) > 1 and rest[1] not in ("-", "None"):
        out["project"] = rest[1]
    return out
