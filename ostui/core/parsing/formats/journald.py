"""oslo services through the journal (devstack's `journalctl` exports) or through syslog.

devstack (Pike on) runs every service as a systemd unit and exports the journal:

    May 26 20:44:32.276580 host cinder-volume[27348]: INFO cinder.volume.manager [req-X tempest-P None] msg

The message is oslo's without its stamp and pid, coloured (`%(color)s` before the
level, codes inside the context bracket), with the context as `[global request
project_name user_name]` and the DEBUG suffix `{{(pid=N) func /path.py:NN}}`.
Services with use_syslog=True write the full oslo line after the syslog prefix.

Record starts: an oslo `LEVEL logger [`, or any other message that does not carry
on a traceback (systemd's `Started ...`, sudo, ...; INFO unless it starts with a
severity word). Continuation: indented lines, `Traceback (...)`, `SomeError: ...`,
and oslo's exception prefix `ERROR logger <line>`, whose `[instance: X]` is no context.
"""

from __future__ import annotations

import re

from ...levels import Level
from . import register
from .base import OSLO_LEVELS, LogFormat, ParsedHead, header_level, level_groups, strip_ansi
from .oslo import LOGGER_CONTEXT, OSLO_STAMP, parse_oslo_message
from .syslog import (
    ANSI_P,
    BSD_STAMP,
    HOST,
    ISO_STAMP,
    OSLO_INNER,
    SEVERITY,
    SEVERITY_LEVELS,
    TAG,
    TRACEBACKISH,
    TZ,
    split_prefix,
    stamp_keys,
)

# oslo's exception prefix (`ERROR logger `, TRACE before Liberty) starts a traceback
# line, never a record: record lines always have a context bracket.
_EXC_PREFIX = rb"(?:" + OSLO_INNER + rb")?(?:ERROR|TRACE) [^ \n]+ "

JOURNALD_HEADER = (
    rb"("
    + BSD_STAMP
    + rb"(?:\.\d+)?|"
    + ISO_STAMP
    + rb")"
    + TZ
    + rb" "
    + HOST
    + rb" "
    + TAG
    + rb" "
    + ANSI_P
    + rb"(?:(?:"
    + OSLO_INNER
    + rb")?"
    + ANSI_P
    + level_groups(OSLO_LEVELS)
    + ANSI_P
    + LOGGER_CONTEXT
    + rb"|(?!"
    + TRACEBACKISH
    + rb"|"
    + _EXC_PREFIX
    + rb")"
    + SEVERITY
    + rb")"
)
_LEVELS = (*(level for _, level in OSLO_LEVELS), *SEVERITY_LEVELS)
_HEADER_RE = re.compile(JOURNALD_HEADER)
_OSLO_GROUPS = len(OSLO_LEVELS)

# The oslo message after the syslog prefix, with or without its own stamp and pid;
# group names are the ones parse_oslo_message reads.
_OSLO_MSG = re.compile(
    r"(?:(?P<ts>" + OSLO_STAMP.decode() + r") (?:(?P<pid>\d+) )?)?(?P<level>[A-Z]+) (?P<logger>\S+) "
    r"\[(?P<ctx>[^\]]*)\] ?(?:\[instance: (?P<instance>[^\]]+)\] ?)?(?P<msg>.*)",
    re.S,
)
# devstack's DEBUG suffix in journal mode.
_BRACE_SUFFIX = re.compile(
    r"^(?P<msg>.*?) ?\{\{\(pid=\d+\) (?P<func>[\w<>.]+) (?P<path>\S+\.py):(?P<line>\d+)\}\}$", re.S
)
# What strip_body removes: the syslog prefix, then oslo's exception prefix if any.
_BODY_PREFIX = re.compile(
    r"^(?:[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)"
    r"(?:Z|[+-]\d\d:?\d\d)? \S+ [^\s\[:]+(?:\[\d+\])?: ?"
)
_EXC_PREFIX_S = re.compile(
    r"^(?:" + OSLO_STAMP.decode() + r" (?:\d+ )?)?(?:ERROR|TRACE) [A-Za-z_][\w.]* (?:\[instance: [^\]]+\] )?"
)


def parse_head(line: str) -> ParsedHead:
    line = strip_ansi(line).rstrip("\r")
    m, level = header_level(_HEADER_RE, _LEVELS, line)
    if m is None:
        return ParsedHead(message=line)
    head, msg = split_prefix(line)
    head.level = level
    head.message = msg
    # Which alternative matched: the oslo level groups come first after the stamp.
    if m.lastindex is None or m.lastindex - 2 >= _OSLO_GROUPS:
        return head
    o = _OSLO_MSG.match(msg)
    if o is None:
        return head
    unit_pid = head.fields.get("pid")
    if o.group("ts"):
        head.stamp = head.stamp or o.group("ts")
    parse_oslo_message(head, o)
    if "pid" not in head.fields and unit_pid is not None:
        head.fields["pid"] = unit_pid
    if not o.group("ts"):
        # devstack's context is `[global request project_name user_name]`, not oslo's
        # `user project` order that split_context assumes.
        user, project = head.fields.pop("user", None), head.fields.pop("project", None)
        if project is not None:
            head.fields["user"] = project
        if user is not None:
            head.fields["project"] = user
    if head.level is Level.DEBUG and "func" not in head.fields:
        d = _BRACE_SUFFIX.match(head.message)
        if d is not None:
            head.message = d.group("msg")
            head.fields["func"] = d.group("func")
            head.fields["code_path"] = d.group("path")
            head.fields["code_line"] = int(d.group("line"))
    return head


def strip_body(line: str) -> str:
    """A continuation line without `stamp host unit[pid]: ` and oslo's exception prefix."""
    line = strip_ansi(line)
    m = _BODY_PREFIX.match(line)
    if m is None:
        return line
    line = line[m.end() :]
    e = _EXC_PREFIX_S.match(line)
    return line[e.end() :] if e else line


JOURNALD = register(
    LogFormat(
        name="journald",
        samples=(
            "Mar 28 12:20:44.278200 ubuntu-xenial-osic-cloud1-s3500-8127579 cinder-api[8526]: INFO root [-] Generating grammar tables from /usr/lib/python2.7/lib2to3/Grammar.txt",  # noqa: E501 (a real log line)
        ),
        description="oslo services through the journal (devstack journalctl exports) or syslog",
        header=JOURNALD_HEADER,
        levels=_LEVELS,
        continuation=True,
        time_keys=stamp_keys,
        parse_head=parse_head,
        strip_body=strip_body,
        # Below syslog: on plain syslog files both match nearly every line. journald
        # wins on devstack exports because syslog refuses their microsecond BSD stamps.
        sniff_weight=0.9,
    )
)
