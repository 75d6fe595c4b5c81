"""Apache httpd in front of keystone, horizon and other WSGI services.

`apache-access`: common, combined and devstack's keystone_combined
(`%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %D(us)`), and kolla's
`%{X-Forwarded-For}i %l %u %t "%r" %>s %b %D "%{Referer}i" "%{User-Agent}i"`, whose
client may be a comma separated list. Every line is a record, levelled by status.

`apache-error`: Apache 2.4's default
`[Tue Apr 27 06:25:32.122345 2021] [wsgi:error] [pid 1234:tid 5678] [remote 10.0.0.1:1234] msg`
(2.2: `[date] [error] [client x] msg`) and kolla's `ErrorLogFormat "%{cu}t %M"`
(`2021-04-27 06:25:32.122345 msg`). mod_wsgi writes each traceback line as an entry
of its own, so traceback-looking messages continue the record before them. devstack's
`ErrorLogFormat "%M"` writes bare messages: those are the application's own lines
and read best in the application's format (oslo), so they are not claimed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ...levels import Level
from ...timekeys import NO_KEY, dmy_keys, iso_key, iso_keys
from ..http import parse_access
from . import register
from .base import LogFormat, ParsedHead, header_level, strip_ansi
from .syslog import ANSI_P, NOT_A_RECORD, SEVERITY, SEVERITY_LEVELS, TRACEBACKISH

# -- access ----------------------------------------------------------------------------
# The client, or kolla's `a, b` X-Forwarded-For list: another token only after a comma.
_CLIENT = rb"[^ \n]+(?:(?<=,) [^ \n]+)*"
# %r is quoted with `\"` escaped inside; each byte can go one way only.
_REQUEST = rb"\"(?:[^\"\\\n]|\\.)*\""
ACCESS_HEADER = (
    rb"(?:"
    + _CLIENT
    + rb" [^ \n]+ [^ \n]+ \[(\d{1,2}/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d)(?: [+-]\d{4})?\] "
    + _REQUEST
    + rb" (?:(5)|(4)|()[1-3])\d\d(?=[ \r\n]|\Z)"
    + NOT_A_RECORD
)
_ACCESS_LEVELS = (Level.ERROR, Level.WARNING, Level.INFO, Level.UNKNOWN)
_ACCESS_RE = re.compile(ACCESS_HEADER)
_ACCESS_S = re.compile(
    r"(?P<client>\S+(?:(?<=,) \S+)*) \S+ \S+ \[[^\]]*\] "
    r'"(?:(?P<method>[A-Z][A-Z_-]*) (?P<url>(?:[^"\\ ]|\\.)+)(?: (?P<protocol>HTTP/[\d.]+))?'
    r'|(?:[^"\\]|\\.)*)" '
    r"(?P<status>\d{3}) (?P<length>\d+|-)"
)


def _access_head(line: str) -> ParsedHead:
    line = strip_ansi(line).rstrip("\r")
    m, level = header_level(_ACCESS_RE, _ACCESS_LEVELS, line)
    if m is None or m.start(1) < 0:
        return ParsedHead(message=line)
    head = ParsedHead(level=level, stamp=m.group(1).decode(), message=line)
    http = parse_access(line)
    if http is not None:
        head.fields["http"] = http
        for name in ("client", "method", "url", "protocol", "status", "length", "duration"):
            value = getattr(http, name)
            if value is not None:
                head.fields[name] = value
        return head
    # parse_access declines some lines the header takes (an escaped quote in the URL):
    # the fixed fields are still worth reading.
    a = _ACCESS_S.match(line)
    if a is not None:
        head.fields.update({k: v for k, v in a.groupdict().items() if v is not None and v != "-"})
        for name in ("status", "length"):
            if name in head.fields:
                head.fields[name] = int(head.fields[name])
    return head


def _dmy(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    return dmy_keys(stamps)


APACHE_ACCESS = register(
    LogFormat(
        name="apache-access",
        samples=(
            '10.0.0.1 - - [10/Jun/2016:13:49:29 +0000] "GET /v3 HTTP/1.1" 200 249 "-" "keystoneclient" 2345(us)',  # noqa: E501 (a real log line)
        ),
        description="Apache access log (common, combined, keystone_combined, kolla)",
        header=ACCESS_HEADER,
        levels=_ACCESS_LEVELS,
        continuation=False,
        time_keys=_dmy,
        parse_head=_access_head,
        sniff_weight=1.0,
    )
)

# -- error -----------------------------------------------------------------------------
_APACHE_DATE = rb"[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d(?:\.\d+)? \d{4}"
_KOLLA_DATE = rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}"  # %{cu}t: always microseconds
_APACHE_LEVELS: tuple[tuple[bytes, Level], ...] = (
    (rb"emerg|alert|crit", Level.CRITICAL),
    (rb"error", Level.ERROR),
    (rb"warn", Level.WARNING),
    (rb"notice", Level.NOTICE),
    (rb"info", Level.INFO),
    (rb"debug", Level.DEBUG),
    (rb"trace[1-8]", Level.TRACE),
)
# Apache's `[module:level]` decides the level, unless the message (after the pid and
# client brackets) carries on a traceback; kolla's shape has no level, so the message's
# severity word does, as in syslog. The lookbehind tells the shapes apart: kolla's
# stamp ends in a digit, Apache's in `]`.
ERROR_HEADER = (
    rb"\[?("
    + _APACHE_DATE
    + rb"|"
    + _KOLLA_DATE
    + rb")\]? "
    + ANSI_P
    + rb"(?:\[(?:[\w-]*:)?(?:"
    + b"|".join(b"(" + tok + b")" for tok, _ in _APACHE_LEVELS)
    + rb")\] "
    + rb"(?!(?:\[[^\]\n]*\] )*"
    + TRACEBACKISH
    + rb")"
    + rb"|(?<=\d )(?!"
    + TRACEBACKISH
    + rb")"
    + SEVERITY
    + rb")"
)
_ERROR_LEVELS = (*(level for _, level in _APACHE_LEVELS), *SEVERITY_LEVELS)
_ERROR_RE = re.compile(ERROR_HEADER)

_STAMP_S = (
    r"\[?(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d(?:\.\d+)? \d{4}"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})\]? "
)
_ERROR_PREFIX = re.compile(
    _STAMP_S + r"(?:\[(?:(?P<module>[\w-]*):)?(?P<level>\w+)\] )?"
    r"(?:\[pid (?P<pid>\d+)(?::tid (?P<tid>\d+))?\] )?(?:\[(?:client|remote) (?P<client>[^\]]*)\] )*"
)


def _error_head(line: str) -> ParsedHead:
    line = strip_ansi(line).rstrip("\r")
    m, level = header_level(_ERROR_RE, _ERROR_LEVELS, line)
    p = _ERROR_PREFIX.match(line)
    if m is None or p is None:
        return ParsedHead(message=line)
    head = ParsedHead(level=level, stamp=p.group("ts"), message=line[p.end() :])
    for name in ("module", "client"):
        if p.group(name):
            head.fields[name] = p.group(name)
    if p.group("pid"):
        head.fields["pid"] = int(p.group("pid"))
    return head


def _error_body(line: str) -> str:
    """A continuation line without its stamp, `[module:level]`, pid and client brackets."""
    line = strip_ansi(line)
    p = _ERROR_PREFIX.match(line)
    return line[p.end() :] if p else line


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def _error_key(stamp: bytes) -> int:
    """Key of `Tue Apr 27 06:25:32.122345 2021` (reordered to ISO) or of an ISO stamp."""
    if stamp[:1].isdigit():
        return iso_key(stamp)
    parts = stamp.decode("ascii", "replace").split()
    if len(parts) != 5 or parts[1] not in _MONTHS or not parts[2].isdigit():
        return NO_KEY
    _, mon, day, clock, year = parts
    return iso_key(f"{year}-{_MONTHS[mon]:02d}-{int(day):02d} {clock}".encode())


def _error_keys(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    # kolla's ISO stamps in bulk; Apache's own need reordering, one by one.
    if stamps and stamps[0][:1].isdigit():
        keys = list(iso_keys(stamps))
        if NO_KEY not in keys:
            return keys
    return map(_error_key, stamps)


APACHE_ERROR = register(
    LogFormat(
        name="apache-error",
        samples=(
            "[Thu Mar 07 00:02:53.077283 2024] [wsgi:error] [pid 19692:tid 140252996032064] [remote 127.0.0.1:35370] mod_wsgi (pid=19692): Failed to exec Python script file '/usr/bin/octavia-wsgi'.",  # noqa: E501 (a real log line)
        ),
        description="Apache error log (default 2.2/2.4 and kolla's `%{cu}t %M`)",
        header=ERROR_HEADER,
        levels=_ERROR_LEVELS,
        continuation=True,
        time_keys=_error_keys,
        parse_head=_error_head,
        strip_body=_error_body,
        sniff_weight=1.0,
    )
)
