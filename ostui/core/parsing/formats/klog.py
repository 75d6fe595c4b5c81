"""Go services of Kubernetes (klog) and calico: what pods next to OpenStack write.

klog: `I0211 19:17:23.630256       1 file.go:615] message` (severity letter I/W/E/F,
month and day, time, thread id, source file and line). calico: `2022-02-11 19:18:53.146
[INFO][1] main.go 87: message`. A calico container writes both, so one format reads both.
klog stamps carry no year: the file's year is assumed, as for syslog.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ...levels import Level
from ...timekeys import NO_KEY, iso_key, key_from_parts
from . import register
from .base import LogFormat, ParsedHead, header_level, strip_ansi

_KLOG_STAMP = rb"[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+"
_CALICO_STAMP = rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+"
# Group 1 is the stamp (read in a lookahead, so the level letter after it is a group of
# its own); the level groups come last, as the engine wants.
KLOG_HEADER = (
    rb"(?=(" + _KLOG_STAMP + rb"|" + _CALICO_STAMP + rb") )"
    rb"(?:"
    rb"(?:(I)|(W)|(E)|(F))\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ [^ \n\]]+:\d+\] "
    rb"|" + _CALICO_STAMP + rb" \[(?:(DEBUG)|(INFO)|(WARNING)|(ERROR)|(FATAL|PANIC))\]\[\d+\] "
    rb")"
)
_LEVELS = (
    Level.INFO,
    Level.WARNING,
    Level.ERROR,
    Level.CRITICAL,
    Level.DEBUG,
    Level.INFO,
    Level.WARNING,
    Level.ERROR,
    Level.CRITICAL,
)
_HEADER_RE = re.compile(KLOG_HEADER)
_KLOG_PARTS = re.compile(r"[IWEF]\d{4} [\d:.]+ +(?P<tid>\d+) (?P<src>[^ \]]+:\d+)\] (?P<msg>.*)", re.S)
_CALICO_PARTS = re.compile(r"\S+ \S+ \[\w+\]\[(?P<tid>\d+)\] (?P<src>\S+ \d+): (?P<msg>.*)", re.S)


def klog_keys(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    out = []
    for stamp in stamps:
        if stamp[:1].isdigit():
            out.append(iso_key(stamp))
            continue
        try:
            frac = stamp[15:21].ljust(6, b"0")
            out.append(
                key_from_parts(
                    int(year),
                    int(stamp[1:3]),
                    int(stamp[3:5]),
                    int(stamp[6:8]),
                    int(stamp[9:11]),
                    int(stamp[12:14]),
                    int(frac),
                )
            )
        except ValueError:
            out.append(NO_KEY)
    return out


def parse_head(line: str) -> ParsedHead:
    line = strip_ansi(line).rstrip("\r")
    m, level = header_level(_HEADER_RE, _LEVELS, line)
    if m is None:
        return ParsedHead(message=line)
    stamp = m.group(1).decode()
    parts = (_CALICO_PARTS if stamp[:1].isdigit() else _KLOG_PARTS).match(line)
    head = ParsedHead(level=level, stamp=stamp, message=parts.group("msg") if parts else line)
    if parts:
        head.fields["pid"] = int(parts.group("tid"))
        head.fields["logger"] = parts.group("src")
    return head


KLOG = register(
    LogFormat(
        name="klog",
        samples=(
            "W0211 19:18:53.174542       1 client_config.go:541] Neither --kubeconfig nor --master was specified.",  # noqa: E501 (a real log line)
            "2022-02-11 19:18:53.175 [INFO][1] main.go 108: Ensuring Calico datastore is initialized",
        ),
        description="Kubernetes Go services (klog) and calico",
        header=KLOG_HEADER,
        levels=_LEVELS,
        continuation=True,
        time_keys=klog_keys,
        parse_head=parse_head,
        sniff_weight=1.1,
    )
)
