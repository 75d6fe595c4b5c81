"""keystone's own logging.conf.sample format: `(%(name)s): %(asctime)s %(levelname)s %(message)s`.

    (keystone.common.wsgi): 2021-04-27 06:25:32,122 INFO Request: GET /v3

Tracebacks follow as plain lines (Python logging's default exception text), so a
line without the `(logger): stamp LEVEL` head continues the record before it.
"""

from __future__ import annotations

import re

from ...levels import parse_level
from ...timekeys import iso_time_keys
from . import register
from .base import OSLO_LEVELS, LogFormat, ParsedHead, level_groups, match_head, strip_ansi
from .syslog import ANSI_P

KEYSTONE_HEADER = (
    rb"\([^ \n()]+\): (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)?) "
    + ANSI_P
    + level_groups(OSLO_LEVELS)
    + rb"(?=[ \r\n\x1b]|\Z)"
)

_HEAD = re.compile(
    r"\((?P<logger>[^\s()]+)\): (?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)?) "
    r"(?P<level>[A-Z]+) ?(?P<msg>.*)",
    re.S,
)


def parse_head(line: str) -> ParsedHead:
    line, m = match_head(_HEAD, line)
    if m is None:
        return ParsedHead(message=line)
    head = ParsedHead(level=parse_level(m.group("level")), stamp=m.group("ts"), message=m.group("msg"))
    head.fields["logger"] = m.group("logger")
    return head


KEYSTONE = register(
    LogFormat(
        name="keystone",
        samples=("(keystone.common.wsgi): 2021-04-27 06:25:33,500 ERROR Unexpected error",),
        description="keystone's logging.conf.sample format `(logger): stamp LEVEL msg`",
        header=KEYSTONE_HEADER,
        levels=tuple(level for _, level in OSLO_LEVELS),
        continuation=True,
        time_keys=iso_time_keys,
        parse_head=parse_head,
        strip_body=strip_ansi,
        sniff_weight=1.0,
    )
)
