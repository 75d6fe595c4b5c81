"""Open vSwitch and OVN daemons (ovs-vswitchd, ovsdb-server, ovn-controller, ovn-northd).

vlog's file pattern `%D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c|%p|%m`:
`2022-02-10T16:09:19.414Z|00118|bridge|INFO|msg`. The sequence number grows past five
digits on long-lived daemons (`368558`); a message with newlines goes on in plain lines.
"""

from __future__ import annotations

import re

from ...levels import Level
from ...timekeys import iso_time_keys
from . import register
from .base import ANSI_B, LogFormat, ParsedHead, level_groups, match_head

OVS_LEVELS: tuple[tuple[bytes, Level], ...] = (
    (b"EMER", Level.CRITICAL),
    (b"ERR", Level.ERROR),
    (b"WARN", Level.WARNING),
    (b"INFO", Level.INFO),
    (b"DBG", Level.DEBUG),
)
# Older releases wrote whole seconds; a local-time pattern may end in an offset instead of Z.
OVS_STAMP = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?"
OVS_HEADER = (
    ANSI_B
    + rb"("
    + OVS_STAMP
    + rb")(?:Z|[+-]\d\d:?\d\d)?\|\d+\|[^|\n]*\|"
    + level_groups(OVS_LEVELS)
    + rb"\|"
)

_HEAD = re.compile(
    r"(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(?:Z|[+-]\d\d:?\d\d)?\|(?P<seq>\d+)\|(?P<module>[^|]*)"
    r"\|(?P<level>[A-Z]+)\|(?P<msg>.*)",
    re.S,
)
_LEVEL = {tok.decode(): level for tok, level in OVS_LEVELS}


def parse_head(line: str) -> ParsedHead:
    line, m = match_head(_HEAD, line)
    if m is None:
        return ParsedHead(message=line)
    return ParsedHead(
        level=_LEVEL.get(m.group("level"), Level.UNKNOWN),
        stamp=m.group("ts"),
        message=m.group("msg"),
        fields={"seq": int(m.group("seq")), "module": m.group("module")},
    )


OVS = LogFormat(
    name="ovs",
    samples=(
        "2022-02-10T16:09:19.414Z|00118|bridge|INFO|bridge br-int: added interface ha-550dc175-c0 on port 3",
    ),
    description="Open vSwitch / OVN daemons (vlog: stamp|seq|module|LEVEL|msg)",
    header=OVS_HEADER,
    levels=tuple(level for _, level in OVS_LEVELS),
    continuation=True,
    time_keys=iso_time_keys,
    parse_head=parse_head,
    sniff_weight=1.1,
)

register(OVS)
