"""RabbitMQ broker logs, Lager (3.7/3.8) and Erlang logger (3.9+), and the pre-3.7 reports.

3.7/3.8: `2022-02-04 09:52:20.868 [info] <0.8.0> msg`; a multi-line message (the boot
banner, an Erlang crash report) goes on in plain lines, so those continue the record.
3.9+: `2025-05-14 11:24:15.459841+00:00 [notice] <0.44.0> msg`, the whole line wrapped
in a colour escape when colours are on; its level name may be written in full, in four
letters (`noti`, the default of rabbit_logger_text_fmt) or in three, in either case.
Before 3.7: `=INFO REPORT==== 4-Sep-2017::17:14:09 ===` and the message on the lines after.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ...levels import Level
from ...timekeys import dmy_keys, iso_time_keys
from . import register
from .base import ANSI_B, LogFormat, ParsedHead, match_head

# Each level in every spelling rabbit_logger_fmt_helpers writes: lc/uc, full, 4 and 3 letters.
_LEVEL_SPELLINGS: tuple[tuple[bytes, Level], ...] = (
    (b"debug|dbug|dbg", Level.DEBUG),
    (b"info|inf", Level.INFO),
    (b"notice|noti|ntc", Level.NOTICE),
    (b"warning|warn|wrn", Level.WARNING),
    (b"error|erro|err", Level.ERROR),
    (b"critical|crit|crt", Level.CRITICAL),
    (b"alert|alrt|alt", Level.CRITICAL),
    (b"emergency|emgc|emg", Level.CRITICAL),
)
_LEVEL_WORDS = {
    word.decode(): level for spellings, level in _LEVEL_SPELLINGS for word in spellings.split(b"|")
}

# Group 1 leaves out the UTC offset so that iso_keys keeps its fast path on 3.9+ stamps.
RABBIT_STAMP = rb"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?"
RABBIT_HEADER = (
    ANSI_B
    + rb"("
    + RABBIT_STAMP
    + rb")(?:Z|[+-]\d\d:?\d\d)? "
    + ANSI_B
    + rb"\["
    # `(?i:` rather than listing both cases; each spelling ends at `]` so `err` is no prefix of `error`.
    + rb"(?:"
    + b"|".join(b"((?i:" + s + b")\\])" for s, _ in _LEVEL_SPELLINGS)
    + rb")"
)

_HEAD = re.compile(
    r"(?P<ts>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)(?P<tz>Z|[+-]\d\d:?\d\d)? \[(?P<level>\w+)\]"
    r" ?(?:(?P<pid><[\d.]+>) ?)?(?P<msg>.*)",
    re.S,
)


def parse_head(line: str) -> ParsedHead:
    line, m = match_head(_HEAD, line)
    if m is None:
        return ParsedHead(message=line)
    head = ParsedHead(
        level=_LEVEL_WORDS.get(m.group("level").lower(), Level.UNKNOWN),
        stamp=m.group("ts"),
        message=m.group("msg"),
    )
    if m.group("pid"):
        head.fields["erlang_pid"] = m.group("pid")
    if m.group("tz"):
        head.fields["utc_offset"] = m.group("tz")
    return head


RABBITMQ = LogFormat(
    name="rabbitmq",
    samples=("2022-02-04 09:52:20.868 [info] <0.8.0> Log file opened with Lager",),
    description="RabbitMQ 3.7+ (Lager and Erlang logger, colours allowed)",
    header=RABBIT_HEADER,
    levels=tuple(level for _, level in _LEVEL_SPELLINGS),
    continuation=True,
    time_keys=iso_time_keys,
    parse_head=parse_head,
    sniff_weight=1.1,
)


# -- before 3.7: Erlang error_logger reports -------------------------------------------
_REPORTS: tuple[tuple[bytes, Level], ...] = (
    (b"INFO", Level.INFO),
    (b"WARNING", Level.WARNING),
    (b"ERROR", Level.ERROR),
    (b"CRASH", Level.ERROR),
    (b"SUPERVISOR", Level.ERROR),
    (b"PROGRESS", Level.INFO),
)
_REPORT_LEVEL = {kind.decode(): level for kind, level in _REPORTS}
LEGACY_STAMP = rb"\d{1,2}-[A-Z][a-z]{2}-\d{4}::\d\d:\d\d:\d\d(?:\.\d+)?"
# The stamp comes after the report kind, but must be group 1: a lookahead captures it
# first and the kind groups stay last, as the scanner's `lastindex` needs.
LEGACY_HEADER = (
    rb"=(?=[A-Z]+ REPORT==== ("
    + LEGACY_STAMP
    + rb") ===)"
    + rb"(?:"
    + b"|".join(b"(" + kind + b")" for kind, _ in _REPORTS)
    + rb") REPORT===="
)
_LEGACY_HEAD = re.compile(r"=(?P<kind>[A-Z]+) REPORT==== (?P<ts>\S+) ===(?P<msg>.*)", re.S)


def parse_legacy_head(line: str) -> ParsedHead:
    line, m = match_head(_LEGACY_HEAD, line)
    if m is None:
        return ParsedHead(message=line)
    kind = m.group("kind")
    # The header line says only what kind of report follows; that is its message.
    msg = m.group("msg").strip() or f"{kind} REPORT"
    return ParsedHead(
        level=_REPORT_LEVEL.get(kind, Level.UNKNOWN),
        stamp=m.group("ts"),
        message=msg,
        fields={"report": kind},
    )


def _legacy_keys(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    # timekeys.dmy_key already reads `4-Sep-2017::17:14:09` (its `::` separator).
    return dmy_keys(stamps)


RABBITMQ_LEGACY = LogFormat(
    name="rabbitmq-legacy",
    samples=("=INFO REPORT==== 4-Sep-2017::17:14:09 ===",),
    description="RabbitMQ before 3.7 (=INFO REPORT==== error_logger reports)",
    header=LEGACY_HEADER,
    levels=tuple(level for _, level in _REPORTS),
    continuation=True,
    time_keys=_legacy_keys,
    parse_head=parse_legacy_head,
    sniff_weight=1.1,
)


register(RABBITMQ)
register(RABBITMQ_LEGACY)
