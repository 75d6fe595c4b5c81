"""oslo lines that lost their stamp to whatever carries them: syslog (use_syslog=True
writes `INFO nova.compute.manager [req-...] msg`), os-log-merger (which puts its own
stamp before `<pid> INFO ...`). Only read behind an envelope, whose stamp is the time;
never sniffed for a bare file (sniff_weight 0 keeps it out of the file sniffer)."""

from __future__ import annotations

import re

from ...timekeys import iso_time_keys
from . import register
from .base import ANSI_B, OSLO_LEVELS, LogFormat, ParsedHead, level_groups, strip_ansi
from .oslo import LOGGER_CONTEXT, parse_oslo_message, strip_body

# Group 1 (the stamp) is empty: the envelope's stamp is used.
OSLO_BARE_HEADER = rb"()(?:\d+ )?" + ANSI_B + level_groups(OSLO_LEVELS) + ANSI_B + LOGGER_CONTEXT
_HEAD = re.compile(
    r"(?:(?P<pid>\d+) )?(?P<level>[A-Z]+) "
    r"(?P<logger>\S+) \[(?P<ctx>[^\]]*)\] ?(?:\[instance: (?P<instance>[^\]]+)\] ?)?(?P<msg>.*)",
    re.S | re.ASCII,
)


def parse_head(line: str) -> ParsedHead:
    line = strip_ansi(line)
    m = _HEAD.match(line)
    if m is None:
        return ParsedHead(message=line)
    return parse_oslo_message(ParsedHead(), m)


OSLO_BARE = register(
    LogFormat(
        name="oslo-bare",
        samples=("27650 INFO neutron.common.config [-] Logging enabled!",),
        description="oslo.log lines without their stamp (through syslog or os-log-merger)",
        header=OSLO_BARE_HEADER,
        levels=tuple(level for _, level in OSLO_LEVELS),
        continuation=True,
        time_keys=iso_time_keys,
        parse_head=parse_head,
        strip_body=strip_body,
        sniff_weight=0,
    )
)
