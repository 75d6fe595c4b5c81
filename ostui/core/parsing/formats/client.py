"""`--debug` transcripts of the python-*clients and openstackclient.

The old clients log to the console as `%(levelname)s (%(module)s:%(lineno)d) %(message)s`:
`DEBUG (session:195) REQ: curl -g -i -X GET http://...`, and end a failure with
`ERROR (ClientException): <message> (HTTP 500) (Request-ID: req-...)`. openstackclient
prints the bare message: `REQ: curl ...`, `RESP: [200] ...`, `GET call to compute for
<url> used request id req-...`. `RESP BODY: ...`, tracebacks and the exception line
closing them carry no prefix and continue the record before. No line has a time stamp.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ...levels import Level
from ...timekeys import NO_KEY
from . import register
from .base import ANSI_B, LogFormat, ParsedHead, match_head

CLIENT_LEVELS: tuple[tuple[bytes, Level], ...] = (
    (b"DEBUG", Level.DEBUG),
    (b"INFO", Level.INFO),
    (b"WARNING", Level.WARNING),
    (b"ERROR", Level.ERROR),
    (b"CRITICAL", Level.CRITICAL),
)
_METHODS = rb"(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|COPY)"
CLIENT_HEADER = (
    # Group 1 is the stamp these lines never have: it matches empty, keys are NO_KEY.
    rb"()"
    + ANSI_B
    + rb"(?:(?:"
    + b"|".join(b"(" + tok + b")" for tok, _ in CLIENT_LEVELS)
    # `(session:195) ` or `(ClientException): `.
    + rb") \([\w.]+(?::\d+)?\):? "
    # openstackclient's bare keystoneauth lines, all DEBUG; `RESP BODY:` is not `RESP:`.
    + rb"|(REQ: |RESP:|"
    + _METHODS
    + rb" call to ))"
)
CLIENT_LEVEL_CODES = (*(level for _, level in CLIENT_LEVELS), Level.DEBUG)

_HEAD = re.compile(
    r"(?P<level>[A-Z]+) \((?P<logger>[\w.]+)(?::(?P<line>\d+))?\)(?P<colon>:?) (?P<msg>.*)", re.S
)
_RID = re.compile(r"\(Request-ID: (?P<rid>[^)\s]+)\)")
_CALL = re.compile(_METHODS.decode() + " call to ")
_LEVEL = {tok.decode(): level for tok, level in CLIENT_LEVELS}


def parse_head(line: str) -> ParsedHead:
    line, m = match_head(_HEAD, line)
    if m is None or m.group("level") not in _LEVEL:
        if line.startswith(("REQ: ", "RESP:")) or _CALL.match(line):
            return ParsedHead(level=Level.DEBUG, message=line)
        return ParsedHead(message=line)
    head = ParsedHead(level=_LEVEL[m.group("level")], message=m.group("msg"))
    fields = head.fields
    if m.group("colon"):
        # `ERROR (ClientException): ...`: the bracket names the exception, not a module.
        fields["exception"] = m.group("logger")
    else:
        fields["logger"] = m.group("logger")
        if m.group("line"):
            fields["code_line"] = int(m.group("line"))
    if head.level >= Level.WARNING:
        rid = _RID.search(head.message)
        if rid:
            fields["request_id"] = rid.group("rid")
    return head


def _keys(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    return [NO_KEY] * len(stamps)


CLIENT_DEBUG = LogFormat(
    name="client-debug",
    samples=(
        'DEBUG (session:195) REQ: curl -g -i -X GET http://controller:5000/v3 -H "Accept: application/json" -H "User-Agent: python-keystoneclient"',  # noqa: E501 (a real log line)
        "INFO (connectionpool:213) Starting new HTTP connection (1): controller",
    ),
    description="python-*client / openstackclient --debug transcript (REQ: curl ..., RESP: ...)",
    header=CLIENT_HEADER,
    levels=CLIENT_LEVEL_CODES,
    continuation=True,
    time_keys=_keys,
    parse_head=parse_head,
    sniff_weight=1.0,
)

register(CLIENT_DEBUG)
