"""Read the HTTP exchange out of an access-log message: method, URL, status,
length, duration, microversion and client.

`parse_access` runs on every record shown, so it checks cheap substrings first
and only then tries the few regexes that could match.

Shapes recognised (see formats.md section 2):
  nova/oslo.service eventlet   10.0.0.1 "GET /v2 HTTP/1.1" status: 200 len: 1893 time: 0.2477829
  nova/placement requestlog    10.0.0.1 "GET /v2.1/servers" status: 200 len: 1893 microversion: 2.1 time: 0.1
  eventlet default             10.0.0.1 - - [29/Oct/2015 10:51:09] "GET /v2.0/x HTTP/1.1" 404 266 0.356933
  Apache common/combined       10.0.0.1 - - [10/Jun/2016:13:49:29 +0000] "GET /v3 HTTP/1.1" 200 249 ...
  swift storage server         10.0.0.2 - - [24/Nov/2015:08:00:01 +0000] "GET /sdb1/1/a/c/o" 200 1024 ...
  swift proxy server           10.0.0.1 10.0.0.1 24/Nov/2015/08/00/01 GET /v1/a/c/o HTTP/1.0 200 - ...
  urllib3 connection pool      "GET /v3 HTTP/1.1" 200 249
  nova/cinder FaultWrapper     http://host:8774/v2/... returned with HTTP 500
"""

from __future__ import annotations

import re

from ..ids import REQUEST_ID, REQUEST_ID_RE, REQUEST_ID_RE_B, TXN_ID
from ..model import HttpInfo

__all__ = [
    "REQUEST_ID",
    "REQUEST_ID_RE",
    "REQUEST_ID_RE_B",
    "SWIFT_TXN",
    "SWIFT_TXN_RE",
    "SWIFT_TXN_RE_B",
    "parse_access",
]

# The id patterns are the engine's (formats.base); swift's transaction id also alone.
SWIFT_TXN = TXN_ID
SWIFT_TXN_RE: re.Pattern[str] = re.compile(SWIFT_TXN)
SWIFT_TXN_RE_B: re.Pattern[bytes] = re.compile(SWIFT_TXN.encode())

# The quoted request line is the anchor of every quoted shape. Apache writes "-"
# for a request it never received whole (408); the method is then unknown.
_QUOTED_RE = re.compile(
    r'"(?:(?P<method>[A-Z][A-Z_-]{1,19}) (?P<url>[^\s"]+)(?: (?P<proto>HTTP/\d(?:\.\d)?))?|-)"'
    r"(?:"
    # nova/oslo.service/requestlog: oslo.service puts two spaces before len.
    r" status: (?P<st1>[1-5]\d\d)\s+len: (?P<len1>\d+|-)"
    r"(?: microversion: (?P<mv>\S+))?(?: time: (?P<time>\d+(?:\.\d+)?))?"
    r"|"
    # Apache, eventlet default, swift storage, urllib3 ("None" when chunked).
    r" (?P<st2>[1-5]\d\d) (?P<len2>\d+|-|None)(?=\s|$)"
    r")",
    re.ASCII,
)

# What may precede the request line: the client (an X-Forwarded-For list in
# kolla's format), optionally ident, user and a bracketed date. The client is
# the last token before the quote, or the one before ident/user/[date]; address
# characters only (IPv6 may be bracketed; eventlet on a unix socket writes
# "<local>"), so "(connectionpool:393)" or an oslo context "[-]" is no client.
_ADDR = r"(?:[\w.:%-]+|\[[\w.:%]+\]|<\w+>)"
_CLIENT = r"(?P<client>" + _ADDR + r"(?:,\s*" + _ADDR + r")*?)"
# The date is Apache's 10/Jun/2016:13:49:29 +0000 or eventlet's 29/Oct/2015 10:51:09.
_PREFIX_DATE_RE = re.compile(
    r"(?:^|.*?\s)" + _CLIENT + r"\s+\S+\s+\S+\s+\[\d{1,2}/[A-Z][a-z]{2}/\d{4}[: ][^\]]*\]\s+\Z",
    re.ASCII,
)
_PREFIX_PLAIN_RE = re.compile(r"(?:^|.*?\s)" + _CLIENT + r":?\s+\Z", re.ASCII)

# After status and length: quoted fields (referer, agent, swift txn...) and the
# first bare number, the duration. `(us)` or an integer means Apache %D.
_TAIL_DURATION_RE = re.compile(
    r'(?:\s+"(?:[^"\\]|\\.)*")*\s+(?P<num>\d+(?:\.\d+)?)(?P<us>\(us\))?(?=\s|$)', re.ASCII
)

# Swift proxy: space separated, URL-quoted fields, so no field holds a space.
# The slash-separated end time (24/Nov/2015/08/00/01) identifies the shape.
_SWIFT_PROXY_RE = re.compile(
    r"(?:^|\s)(?P<client>\S+) (?P<remote>\S+) \d{2}/[A-Z][a-z]{2}/\d{4}/\d{2}/\d{2}/\d{2} "
    r"(?P<method>[A-Z][A-Z_-]{1,19}) (?P<url>\S+) (?P<proto>HTTP/\d(?:\.\d)?) (?P<status>[1-5]\d\d) "
    r"\S+ \S+ \S+ \S+ (?P<sent>\d+|-) \S+ \S+ \S+ (?P<rtime>\d+(?:\.\d+)?)(?=\s|$)",
    re.ASCII,
)

_FAULT_RE = re.compile(r"(?P<url>https?://\S+) returned with HTTP (?P<status>[1-5]\d\d)(?!\d)", re.ASCII)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _client_before(prefix: str) -> str | None:
    """The client address logged just before the request line, if any."""
    if not prefix or prefix[-1] not in " \t":
        return None
    # Only the tail can hold the client; bounding it keeps the scan cheap.
    tail = prefix[-300:]
    m = _PREFIX_DATE_RE.match(tail) if "]" in tail else None
    if m is None:
        m = _PREFIX_PLAIN_RE.match(tail)
    if m is None:
        return None
    client = m.group("client")
    # websockify writes "10.0.0.1: " before the request line.
    if client.endswith(":") and not client.endswith("::"):
        client = client[:-1]
    return None if client in ("-", "") else client


def _parse_quoted(message: str) -> HttpInfo | None:
    m = _QUOTED_RE.search(message)
    if m is None:
        return None
    # A bare "-" request line is only Apache's, right after its [date].
    if m.group("method") is None and not message[: m.start()].rstrip().endswith("]"):
        return None
    info = HttpInfo(
        method=m.group("method"),
        url=m.group("url"),
        protocol=m.group("proto"),
        client=_client_before(message[: m.start()]),
    )
    if m.group("st1") is not None:
        info.status = int(m.group("st1"))
        info.length = _int_or_none(m.group("len1"))
        mv = m.group("mv")
        info.microversion = mv if mv and mv != "-" else None
        if m.group("time") is not None:
            info.duration = float(m.group("time"))
        return info
    info.status = int(m.group("st2"))
    info.length = _int_or_none(m.group("len2"))
    d = _TAIL_DURATION_RE.match(message, m.end())
    if d is not None:
        num = d.group("num")
        # eventlet and swift log float seconds; Apache %D is integer microseconds.
        if d.group("us") or "." not in num:
            info.duration = int(num) / 1_000_000
        else:
            info.duration = float(num)
    return info


def _parse_swift_proxy(message: str) -> HttpInfo | None:
    m = _SWIFT_PROXY_RE.search(message)
    if m is None:
        return None
    client = m.group("client")
    if client == "-":
        client = m.group("remote")
    return HttpInfo(
        method=m.group("method"),
        url=m.group("url"),
        status=int(m.group("status")),
        length=_int_or_none(m.group("sent")),
        duration=float(m.group("rtime")),
        client=None if client == "-" else client,
        protocol=m.group("proto"),
    )


def parse_access(message: str) -> HttpInfo | None:
    """The HTTP exchange an access-log message describes, or None.

    `message` is a record's message (after the oslo prefix and context) or a
    whole Apache/swift line. Durations are seconds; lengths are response bytes.
    """
    # Every shape has either a `" ` after its request line or an "HTTP" token.
    has_quote = '" ' in message
    if not has_quote and "HTTP" not in message:
        return None
    if has_quote:
        info = _parse_quoted(message)
        if info is not None:
            return info
    if " HTTP/" in message:
        info = _parse_swift_proxy(message)
        if info is not None:
            return info
    if "returned with HTTP" in message:
        m = _FAULT_RE.search(message)
        if m is not None:
            return HttpInfo(url=m.group("url"), status=int(m.group("status")))
    return None
