"""oslo.log, the format of every OpenStack service, in all its releases.

Record start: `<date> <time>.<ms> [<pid>] <LEVEL> <logger> [<context>] ...`. The
context bracket is what tells a record from a traceback line: oslo prefixes every
traceback line with `<stamp> <pid> TRACE|ERROR <logger> [instance: X] ` and never a
context, so those lines continue the record that logged the exception (also when the
message itself starts with a bracket: a list, as a RemoteError's remote traceback is).
"""

from __future__ import annotations

import re

from ...levels import parse_level
from ...timekeys import iso_time_keys
from .base import ANSI_B, OSLO_LEVELS, LogFormat, ParsedHead, level_groups, split_context, strip_ansi

OSLO_STAMP = rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)?"
# What may follow the logger's `[` and is not a context: a traceback line's `[instance: X]`,
# and a Python list, which the exception prefix puts first when the message is one (a
# RemoteError's remote traceback, `[u'Traceback (most recent call last):\n', ...]`).
NOT_A_CONTEXT = r"(?!instance: |u?['\"])"
# After the level: the logger, then the bracket that opens a context.
LOGGER_CONTEXT = rb" [^ \n]+ \[" + NOT_A_CONTEXT.encode()
OSLO_HEADER = (
    rb"(" + OSLO_STAMP + rb") (?:\d+ )?" + ANSI_B + level_groups(OSLO_LEVELS) + ANSI_B + LOGGER_CONTEXT
)

_HEAD = re.compile(
    r"(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)?) (?:(?P<pid>\d+) )?(?P<level>[A-Z]+) "
    r"(?P<logger>\S+) \[(?P<ctx>[^\]]*)\] ?(?:\[instance: (?P<instance>[^\]]+)\] ?)?(?P<msg>.*)",
    re.S | re.ASCII,  # as the indexer's bytes header reads it: only ASCII spaces separate
)
# oslo's DEBUG suffix ` funcName /path.py:NN`; devstack once wrote `from (pid=N) funcName ...`.
_DEBUG_SUFFIX = re.compile(
    r"^(?P<msg>.*?)(?: from \(pid=\d+\))? (?P<func>[\w<>.]+) (?P<path>/\S+\.py):(?P<line>\d+)$", re.S
)
_BODY_PREFIX = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)? (?:\d+ )?[A-Z]+ \S+ ?(?:\[instance: [^\]]+\] ?)?", re.ASCII
)


def parse_oslo_message(head: ParsedHead, m: re.Match[str]) -> ParsedHead:
    """Fill `head` from a match of an oslo line (shared with formats that wrap oslo)."""
    head.level = parse_level(m.group("level"))
    fields = head.fields
    if m.group("pid"):
        fields["pid"] = int(m.group("pid"))
    fields["logger"] = m.group("logger")
    fields.update(split_context(m.group("ctx")))
    if m.group("instance"):
        fields["instance"] = m.group("instance")
    msg = m.group("msg").rstrip("\r")
    if head.level.name == "DEBUG":
        d = _DEBUG_SUFFIX.match(msg)
        if d:
            msg = d.group("msg")
            fields["func"] = d.group("func")
            fields["code_path"] = d.group("path")
            fields["code_line"] = int(d.group("line"))
    head.message = msg
    return head


def parse_head(line: str) -> ParsedHead:
    line = strip_ansi(line)
    m = _HEAD.match(line)
    if m is None:
        return ParsedHead(message=line)
    return parse_oslo_message(ParsedHead(stamp=m.group("ts")), m)


def strip_body(line: str) -> str:
    """A traceback line without its repeated `<stamp> <pid> TRACE <logger> ` prefix."""
    line = strip_ansi(line)
    m = _BODY_PREFIX.match(line)
    return line[m.end() :] if m else line


OSLO = LogFormat(
    name="oslo",
    samples=(
        "2013-09-27 18:22:35.392 6602 AUDIT cinder.api.extensions [-] Initializing extension manager.",
        "2016-06-10 21:49:30.191 7533 ERROR nova.api.openstack [req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2 03384abb3c864c6bb55b09d33371beb4 276eb659fd4b44859849c773dcfdf138 - - -] Caught error: id",  # noqa: E501 (a real log line)
    ),
    description="oslo.log (nova, neutron, cinder, glance, ... all releases)",
    header=OSLO_HEADER,
    levels=tuple(level for _, level in OSLO_LEVELS),
    continuation=True,
    time_keys=iso_time_keys,
    parse_head=parse_head,
    strip_body=strip_body,
    sniff_weight=1.2,
)
