"""libvirt: the per-instance qemu logs (/var/log/libvirt/qemu/<domain>.log) and libvirtd.log.

A qemu instance log mixes two writers. libvirt writes
`2022-02-10 16:18:04.843+0000: starting up libvirt version: ...` and then the environment
and qemu command line, one argument per line ending in ` \\` (those continue the record),
and later `... initiating migration`, `... shutting down, reason=destroyed`. qemu itself
writes to the same stderr: with `-msg timestamp=on` as
`2022-02-10T16:18:05.033085Z qemu-system-x86_64: warning: ...`, without it as
`qemu-system-x86_64: warning: ...`, and some lines (`char device redirected to
/dev/pts/3 (label charserial0)`) with no prefix at all: those continue the record before.

libvirtd: `2022-02-10 16:18:04.843+0000: 12345: error : virNetSocketReadWire:1791 : msg`
(the number is the thread id).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ...levels import Level
from ...timekeys import iso_keys
from . import register
from .base import LogFormat, ParsedHead, match_head

STAMP = rb"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?"
_QEMU_PROGRAM = rb"(?:qemu-system-[\w.-]+|qemu-kvm|qemu)"
QEMU_HEADER = (
    rb"(?:("
    + STAMP
    + rb")"
    # libvirt's own line; the lookahead leaves libvirtd's `<thread>: <level> :` lines alone.
    + rb"(?:[+-]\d{4}: (?!\d+: \w+ : )|Z [\w.-]+: )"
    # qemu without `-msg timestamp=on`: no stamp (group 1 stays None, the key NO_KEY).
    + rb"|"
    + _QEMU_PROGRAM
    + rb": )"
    # Levels: warn_report's `warning: ` and libvirt's taint notice; error_report of a
    # fatal kind; anything else is INFO (error_report also carries harmless news).
    + rb"(?:(warning: |Domain id=\d+ is tainted)|(error: |terminating on signal)|())"
)
QEMU_LEVELS = (Level.WARNING, Level.ERROR, Level.INFO)

_QEMU_HEAD = re.compile(
    r"(?:(?P<ts>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)(?:(?P<off>[+-]\d{4}): |Z (?P<prog>[\w.-]+): )"
    r"|(?P<prog2>qemu-system-[\w.-]+|qemu-kvm|qemu): )(?P<msg>.*)",
    re.S,
)


def _qemu_level(msg: str) -> Level:
    if msg.startswith("warning: ") or (msg.startswith("Domain id=") and " is tainted" in msg):
        return Level.WARNING
    if msg.startswith(("error: ", "terminating on signal")):
        return Level.ERROR
    return Level.INFO


def parse_qemu_head(line: str) -> ParsedHead:
    line, m = match_head(_QEMU_HEAD, line)
    if m is None:
        return ParsedHead(message=line)
    msg = m.group("msg")
    head = ParsedHead(level=_qemu_level(msg), stamp=m.group("ts"), message=msg)
    program = m.group("prog") or m.group("prog2")
    # The writer tells a libvirt event from a qemu complaint when filtering.
    head.fields["program"] = program or "libvirt"
    return head


def _keys(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    # Two widths mix here (libvirt's milliseconds, qemu's microseconds); iso_keys then
    # falls back to one stamp at a time, which qemu logs are small enough for.
    return iso_keys(stamps)


QEMU = LogFormat(
    name="qemu",
    samples=(
        "2022-02-10T16:18:05.033085Z qemu-system-x86_64: warning: host doesn't support requested feature: MSR(48FH).vmx-exit-load-perf-global-ctrl [bit 12]",  # noqa: E501 (a real log line)
    ),
    description="libvirt qemu instance log (/var/log/libvirt/qemu/*.log)",
    header=QEMU_HEADER,
    levels=QEMU_LEVELS,
    continuation=True,
    time_keys=_keys,
    parse_head=parse_qemu_head,
    # Most lines of these files are the command line, so few lines are records.
    sniff_weight=1.3,
)


LIBVIRTD_LEVELS: tuple[tuple[bytes, Level], ...] = (
    (b"debug", Level.DEBUG),
    (b"info", Level.INFO),
    (b"warning", Level.WARNING),
    (b"error", Level.ERROR),
)
LIBVIRTD_HEADER = (
    rb"("
    + STAMP
    + rb")[+-]\d{4}: \d+: (?:"
    + b"|".join(b"(" + tok + b")" for tok, _ in LIBVIRTD_LEVELS)
    + rb") : "
)
_LIBVIRTD_HEAD = re.compile(
    r"(?P<ts>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)[+-]\d{4}: (?P<thread>\d+): (?P<level>\w+) : "
    r"(?:(?P<func>\w+):(?P<line>\d+) : )?(?P<msg>.*)",
    re.S,
)
_LIBVIRTD_LEVEL = {tok.decode(): level for tok, level in LIBVIRTD_LEVELS}


def parse_libvirtd_head(line: str) -> ParsedHead:
    line, m = match_head(_LIBVIRTD_HEAD, line)
    if m is None:
        return ParsedHead(message=line)
    head = ParsedHead(
        level=_LIBVIRTD_LEVEL.get(m.group("level"), Level.UNKNOWN),
        stamp=m.group("ts"),
        message=m.group("msg"),
        fields={"thread": int(m.group("thread"))},
    )
    if m.group("func"):
        head.fields["func"] = m.group("func")
        head.fields["code_line"] = int(m.group("line"))
    return head


LIBVIRTD = LogFormat(
    name="libvirtd",
    samples=(
        "2022-02-10 16:18:04.900+0000: 12345: error : virNetSocketReadWire:1791 : End of file while reading data: Input/output error",  # noqa: E501 (a real log line)
    ),
    description="libvirtd daemon log (stamp: thread: level : function:line : msg)",
    header=LIBVIRTD_HEADER,
    levels=tuple(level for _, level in LIBVIRTD_LEVELS),
    continuation=True,
    time_keys=_keys,
    parse_head=parse_libvirtd_head,
    sniff_weight=1.2,
)

register(QEMU)
register(LIBVIRTD)
