"""Syslog files, and swift, which logs through syslog.

`syslog`: rsyslog's traditional file format `Feb 10 00:00:01 host prog[pid]: msg`
(RFC 3164 stamps, no year) and its RFC 3339 variant `2022-02-10T16:09:19.414+00:00
host prog[pid]: msg`. Every line is a record; the level is INFO unless the message
starts with a severity word (`ERROR`, `error:`, `WARNING`, ...), or with an oslo
stamp, pid and level (services with use_syslog=True).

`swift`: the same lines from swift's daemons, with the proxy and storage access
lines levelled by HTTP status and the transaction id as a field.

The pieces defined here (stamps, tag, severity words, what looks like a traceback)
are shared with the journald and Apache error formats.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from ...ids import TXN_ID
from ...levels import Level
from ...timekeys import NO_KEY, FileYear, iso_key, iso_keys, syslog_keys
from ..http import parse_access
from . import register
from .base import LogFormat, ParsedHead, header_level, strip_ansi
from .oslo import OSLO_STAMP
from .oslo import parse_head as oslo_parse_head

# Colour codes, possessive: once consumed the engine never backtracks into them,
# so a lookahead after them cannot be dodged by leaving a code unconsumed.
ANSI_P = rb"(?:\x1b\[[0-9;]*m)*+"
# RFC 3164 stamp; journalctl's short-precise output adds microseconds.
BSD_STAMP = rb"[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d"
ISO_STAMP = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?"
# The zone stays outside the stamp group so iso_keys' fast path sees plain digits.
TZ = rb"(?:Z|[+-]\d\d:?\d\d)?"
# rsyslog's RFC 3339 stamps always write the zone with a colon; journalctl's short-iso
# (and ostui's journal mirrors) never do: those lines are the journald format's.
RFC3339_TZ = rb"(?:Z|[+-]\d\d:\d\d)?"
HOST = rb"[^ \n]+"
# `prog[pid]:`; no colon inside the name, so the tag splits one way only.
TAG = rb"[^ \n\[:]+(?:\[\d+\])?:"
# oslo's own `<stamp> <pid> ` when a service logs through syslog (use_syslog=True).
OSLO_INNER = OSLO_STAMP + rb" (?:\d+ )?"

# Severity words a syslog message may start with, cheapest anchored checks only;
# the last, empty alternative is the INFO default.
SEVERITY_WORDS: tuple[tuple[str, Level], ...] = (
    (r"CRITICAL\b|FATAL\b|EMERG\b|[Cc]ritical:|[Ff]atal:", Level.CRITICAL),
    (r"ERROR\b|ERR\b|[Ee]rror:", Level.ERROR),
    (r"WARNING\b|WARN\b|[Ww]arning:", Level.WARNING),
    (r"NOTICE\b", Level.NOTICE),
    (r"DEBUG\b|[Dd]ebug:", Level.DEBUG),
    (r"", Level.INFO),
)
SEVERITY = b"(?:" + b"|".join(b"(" + pat.encode() + b")" for pat, _ in SEVERITY_WORDS) + b")"
SEVERITY_LEVELS = tuple(level for _, level in SEVERITY_WORDS)

# A traceback's last line, `error: ...`, `pkg.SomeError: text` or a bare `KeyboardInterrupt`.
# The name is read once, possessively, and its ending checked looking back: no
# backtracking through the name whatever the line holds.
EXC_LINE = (
    rb"[\w.]++(?:(?<=Error)|(?<=Exception)|(?<=error)|(?<=Exit)|(?<=Interrupt)|(?<=Timeout)|(?<=Failure)"
    rb"|(?<=Fault))(?=[:\r\n]|\Z)"
)
# A message that carries on a Python traceback rather than starting a record:
# indented lines (but not sudo's `    user : TTY=... ; COMMAND=...`), the
# traceback and chaining sentences, the exception line, and empty messages (the
# blank lines between chained tracebacks).
TRACEBACKISH = (
    rb"(?:[ \t](?![ \t]*[^ \t\r\n]+ : (?:[^\r\n;]*; )?(?:TTY|PWD)=)"
    rb"|Traceback \(most recent call last\)"
    rb"|During handling of the above exception"
    rb"|The above exception was the direct cause"
    rb"|" + EXC_LINE + rb"|\r?\n|\Z)"
)

# A line that is no record of a continuation=False format still matches here, as
# an UNKNOWN record with no stamp; `(?!\Z)` keeps it from matching after a block's
# last newline, where the next block's first line begins.
NOT_A_RECORD = rb"|(?!\Z)())"

SYSLOG_HEADER = (
    rb"(?:("
    + BSD_STAMP
    + rb"|"
    + ISO_STAMP
    + rb")"
    + RFC3339_TZ
    + rb" "
    + HOST
    + rb" (?:"
    + TAG
    + rb" ?)?+"
    + ANSI_P
    + rb"(?:"
    + OSLO_INNER
    + rb")?"
    + SEVERITY
    + NOT_A_RECORD
)

# Text-side twins of the pieces above, for parse_head and strip_body.
_STAMP_S = r"[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?"
_TZ_S = r"(?:Z|[+-]\d\d:?\d\d)?"
PREFIX_RE = re.compile(
    r"(?P<ts>" + _STAMP_S + r")" + _TZ_S + r" (?P<host>\S+) (?:(?P<prog>[^\s\[:]+)(?:\[(?P<upid>\d+)\])?: ?)?"
)
_OSLO_STAMP_S = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
_TXN_RE = re.compile(TXN_ID)


@lru_cache(maxsize=8)
def _bsd_keys(year: int, last_month: int) -> Callable[[Sequence[bytes]], Iterable[int]]:
    # One parser per file year: syslog_keys builds a cached closure, far too costly per call.
    # A FileYear equals its plain year, so its month is part of the cache key.
    return syslog_keys(FileYear(year, last_month))


def stamp_keys(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    """Keys of BSD (`Feb 10 00:00:01[.ffffff]`) and ISO stamps; BSD ones take `year`, or the
    year before for a month after a FileYear's month (`timekeys.year_of_month`)."""
    if not stamps:
        return ()
    bsd = _bsd_keys(int(year), getattr(year, "month", 12))
    keys = list(iso_keys(stamps) if stamps[0][:1].isdigit() else bsd(stamps))
    if NO_KEY in keys:  # a block mixing both shapes: read the misses the other way
        keys = [
            key if key != NO_KEY else iso_key(s) if s[:1].isdigit() else next(iter(bsd([s])), NO_KEY)
            for key, s in zip(keys, stamps, strict=True)
        ]
    return keys


def split_prefix(line: str) -> tuple[ParsedHead, str]:
    """The syslog prefix's stamp, host, program and pid, and the message after it."""
    m = PREFIX_RE.match(line)
    if m is None:
        return ParsedHead(message=line), line
    head = ParsedHead(stamp=m.group("ts"))
    head.fields["host"] = m.group("host")
    if m.group("prog"):
        head.fields["program"] = m.group("prog")
    if m.group("upid"):
        head.fields["pid"] = int(m.group("upid"))
    return head, line[m.end() :]


_SYSLOG_RE = re.compile(SYSLOG_HEADER)
_SYSLOG_LEVELS = (*SEVERITY_LEVELS, Level.UNKNOWN)


def _syslog_head(line: str) -> ParsedHead:
    line = strip_ansi(line).rstrip("\r")
    m, level = header_level(_SYSLOG_RE, _SYSLOG_LEVELS, line)
    if m is None or m.start(1) < 0:
        return ParsedHead(message=line)
    head, msg = split_prefix(line)
    head.level = level
    head.message = msg
    if _OSLO_STAMP_S.match(msg):
        # A use_syslog oslo line: its logger and context are worth having.
        inner = oslo_parse_head(msg)
        if inner.stamp is not None:
            pid = head.fields.get("pid")
            head.fields.update(inner.fields)
            if pid is not None:
                head.fields["pid"] = pid
            head.message = inner.message
    return head


SYSLOG = register(
    LogFormat(
        name="syslog",
        samples=(
            "Feb 10 00:00:01 compute4 systemd[1]: logrotate.service: Succeeded.",
            "Feb 10 16:09:23 compute4 haproxy-metadata-proxy-984c22fd-64b3-4fa1-8ddd-87090f401ce5[1773296]: Proxy listener started.",  # noqa: E501 (a real log line)
        ),
        description="syslog files (rsyslog traditional and RFC 3339 stamps)",
        header=SYSLOG_HEADER,
        levels=_SYSLOG_LEVELS,
        continuation=False,
        time_keys=stamp_keys,
        parse_head=_syslog_head,
        # Below swift (same lines, narrower) and above journald (which also reads
        # syslog lines but is only right for oslo-through-journal exports).
        sniff_weight=1.0,
    )
)


# -- swift ---------------------------------------------------------------------------
SWIFT_PROGRAM = rb"(?:swift-)?(?:proxy-server|(?:object|container|account)-[a-z-]+|swift)"
# Proxy access: `client remote 24/Nov/2015/08/00/01 GET /path HTTP/1.0 <status>`;
# storage access: `remote - - [24/Nov/2015:08:00:01 +0000] "GET /path" <status>`.
SWIFT_ACCESS = (
    rb"[^ \n]+ (?:[^ \n]+ \d\d/[A-Z][a-z]{2}/\d{4}/\d\d/\d\d/\d\d [A-Z]+ [^ \n]+ [^ \n]+"
    rb"|- - \[[^\]\n]*\] \"[^\"\n]*\") "
)
SWIFT_HEADER = (
    rb"(?:("
    + BSD_STAMP
    + rb"(?:\.\d+)?|"
    + ISO_STAMP
    + rb")"
    + TZ
    + rb" "
    + HOST
    + rb" "
    + SWIFT_PROGRAM
    + rb"(?:\[\d+\])?: "
    + ANSI_P
    + rb"(?:"
    + SWIFT_ACCESS
    + rb"(?:(5)|(4)|()[1-3])\d\d(?=[ \r\n]|\Z)"
    + rb"|(ERROR\b|STDERR\b|Error\b)|(WARNING\b|Warning\b)|())"
    + NOT_A_RECORD
)
# Access status 5xx, 4xx, other; ERROR/STDERR, WARNING, other; the catch-all.
_SWIFT_LEVELS = (
    Level.ERROR,
    Level.WARNING,
    Level.INFO,
    Level.ERROR,
    Level.WARNING,
    Level.INFO,
    Level.UNKNOWN,
)
_SWIFT_RE = re.compile(SWIFT_HEADER)


def _swift_head(line: str) -> ParsedHead:
    line = strip_ansi(line).rstrip("\r")
    m, level = header_level(_SWIFT_RE, _SWIFT_LEVELS, line)
    if m is None or m.start(1) < 0:
        return ParsedHead(message=line)
    head, msg = split_prefix(line)
    head.level = level
    head.message = msg
    # The txn id of an access line, or the `(txn: tx...)` other lines end with.
    t = _TXN_RE.search(msg)
    if t is not None:
        head.fields["txn"] = t.group()
    http = parse_access(msg)
    if http is not None:
        head.fields["http"] = http
    return head


SWIFT = register(
    LogFormat(
        name="swift",
        samples=(
            "Nov 24 08:00:02 node1 proxy-server: ERROR with Object server 10.0.0.2:6000/sdb1 re: Trying to GET /v1/AUTH_x/c/o: ConnectionTimeout (0.5s) (txn: txf0e2f8e5e2d14cbc8d4c2-005654e8b1)",  # noqa: E501 (a real log line)
        ),
        description="swift daemons through syslog (proxy and storage access lines, errors)",
        header=SWIFT_HEADER,
        levels=_SWIFT_LEVELS,
        continuation=False,
        time_keys=stamp_keys,
        parse_head=_swift_head,
        # Matches only swift's programs, so where it matches at all it beats syslog.
        sniff_weight=1.1,
    )
)
