"""etcd (the control plane's store in OpenShift and Kubernetes) in both its shapes, and
other Go services' structured JSON lines (zap):

    {"level":"info","ts":"2021-08-03T09:27:01.949Z","caller":"etcdmain/etcd.go:134","msg":"..."}
    2021-08-03 09:27:01.949177 I | pkg/flags: recognized and used environment variable ...

The level and the stamp lead zap's object, so one regex finds a record and its level
without decoding JSON per line; a line is decoded only when shown. A line of neither shape
continues the record before it (a Go panic's stack)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from ...levels import Level
from ...timekeys import NO_KEY, iso_key, key_from_parts
from . import register
from .base import LogFormat, ParsedHead, header_level, strip_ansi

# Group 1 is the stamp (ISO text, or seconds since the epoch), read in a lookahead so the
# level groups come last, as the engine wants.
_STAMP = rb"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?|\d{9,}(?:\.\d+)?"
JSON_HEADER = (
    rb'(?=(?:\{"level":"[a-zA-Z]+","ts":"?)?(' + _STAMP + rb"))"
    rb'(?:\{"level":"(?:(debug|DEBUG)|(info|INFO)|(warn|WARN)|(error|ERROR)|(dpanic|panic|fatal|DPANIC|PANIC|FATAL))"'
    rb"|\S+ \S+ (?:(D)|(I)|(N)|(W)|(E)|(C)) \| )"
)
_LEVELS = (
    Level.DEBUG,
    Level.INFO,
    Level.WARNING,
    Level.ERROR,
    Level.CRITICAL,
    Level.DEBUG,
    Level.INFO,
    Level.NOTICE,
    Level.WARNING,
    Level.ERROR,
    Level.CRITICAL,
)
_CAPNSLOG = re.compile(r"\S+ \S+ [DINWEC] \| (?:(?P<pkg>[\w/.-]+): )?(?P<msg>.*)", re.S)
_HEADER_RE = re.compile(JSON_HEADER)
_SHOWN_FIRST = ("level", "ts", "caller", "msg")


def json_keys(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    out = []
    for stamp in stamps:
        if b"-" in stamp:
            out.append(iso_key(stamp))
            continue
        try:
            t = datetime.fromtimestamp(float(stamp), UTC)
        except (ValueError, OverflowError, OSError):
            out.append(NO_KEY)
            continue
        out.append(key_from_parts(t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond))
    return out


def parse_head(line: str) -> ParsedHead:
    line = strip_ansi(line).rstrip("\r")
    m, level = header_level(_HEADER_RE, _LEVELS, line)
    if m is None:
        return ParsedHead(message=line)
    head = ParsedHead(level=level, stamp=m.group(1).decode())
    if not line.startswith("{"):
        parts = _CAPNSLOG.match(line)
        head.message = parts.group("msg") if parts else line
        if parts and parts.group("pkg"):
            head.fields["logger"] = parts.group("pkg")
        return head
    try:
        value = json.loads(line)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        head.message = line
        return head
    msg = value.get("msg")
    rest = " ".join(
        f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in value.items() if k not in _SHOWN_FIRST
    )
    head.message = " ".join(x for x in (str(msg) if msg is not None else "", rest) if x) or line
    if isinstance(value.get("caller"), str):
        head.fields["logger"] = value["caller"]
    return head


JSONLOG = register(
    LogFormat(
        name="etcd",
        samples=(
            '{"level":"info","ts":"2021-08-03T09:27:01.949Z","caller":"etcdmain/etcd.go:134","msg":"server has been already initialized","data-dir":"/var/lib/etcd","dir-type":"member"}',  # noqa: E501 (a real log line)
            '{"level":"warn","ts":1628082421.5,"caller":"auth/store.go:1366","msg":"simple token is not cryptographically signed"}',  # noqa: E501
            "2021-08-03 09:27:01.949177 I | pkg/flags: recognized and used environment variable ETCD_DATA_DIR=/var/lib/etcd",  # noqa: E501
        ),
        description="etcd (capnslog and zap JSON) and other Go services' JSON lines",
        header=JSON_HEADER,
        levels=_LEVELS,
        continuation=True,
        time_keys=json_keys,
        parse_head=parse_head,
        sniff_weight=1.1,
    )
)
