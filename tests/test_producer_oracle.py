"""Every real file in tests/data and the seed logs, producer by producer, against an oracle
written here line by line, without the engine's code.

The oracle takes from the engine only which producers a file has and each one's format
name; it then assigns every line to a producer by its envelope (a regex per envelope
below), cuts the envelope off, and counts on the payloads: records (lines that open a
record in that format; each line before a producer's first record is one more), levels (the level
token of each opening line), tracebacks (`Traceback (most recent call last)`) and
distinct request ids. The engine's counts must be equal, and its producers' lines must
add up to the file's lines.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from ostui.core.indexing.logset import LogFile, files_from_tree, open_files
from ostui.core.reading.discovery import discover

from .conftest import DATA

TREES = [DATA / "real", DATA / "mixed-producers", DATA / "seed", DATA / "producers"]
NOT_OPENSTACK = {"ansible-debug.log"}  # skipped by discovery, with a reason (test_cli)

# -- envelopes: producer name and payload of one line -------------------------------------
SYSLOG_TAG = re.compile(rb"^\w{3} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ ([\w.@-]+)(?:\[\d+\])?: ?")
PEBBLE_TAG = re.compile(rb"^\d{4}-\d\d-\d\dT[\d:.]+Z \[([^\]]+)\] ")
MERGER_TAG = re.compile(rb"^(?:\d{4}-\d\d-\d\d [\d:.]+|\w{3} [ \d]\d [\d:]+) \[(\w+)\] ")
CRI = re.compile(rb"^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d) (?:stdout|stderr) [FP] ")
MOD_WSGI = re.compile(rb"^\[[^\]]+\] \[wsgi:\w+\] \[pid [\d:tid ]+\] (?:\[remote [^\]]+\] )?")
STAMP = re.compile(rb"^\d{4}-\d\d-\d\dT[\d:.]+Z ")


def payload(envelope: str, line: bytes) -> bytes:
    for name, pattern in (("cri", CRI), ("mod_wsgi", MOD_WSGI), ("timestamps", STAMP)):
        if envelope == name and (m := pattern.match(line)):
            return line[m.end() :]
    if envelope == "docker-json":
        try:
            return json.loads(line)["log"].rstrip("\n").encode()
        except (ValueError, KeyError, TypeError):
            return line
    if envelope in ("syslog", "journald", "pebble", "os-log-merger"):
        m = {"pebble": PEBBLE_TAG, "os-log-merger": MERGER_TAG}.get(envelope, SYSLOG_TAG).match(line)
        if m:
            return line[m.end() :]
    return line


CRI_PARTIAL = re.compile(rb"^\S+ (?:stdout|stderr) P ")


def logical_lines(envelope: str, lines: list[bytes]) -> list[bytes]:
    """CRI's partial (`P`) lines joined with the line that goes on with them, keeping the
    last part's envelope; other files' lines as they are."""
    if envelope != "cri":
        return lines
    out: list[bytes] = []
    pending = b""
    for line in lines:
        m = CRI_PARTIAL.match(line)
        if m is not None:
            pending += line[m.end() :]
            continue
        if pending:
            cri = CRI.match(line)
            cut = cri.end() if cri else 0
            line, pending = line[:cut] + pending + line[cut:], b""
        out.append(line)
    if pending:
        out.append(pending)
    return out


NO_ENVELOPE = "no envelope"


def producer_of(envelope: str, line: bytes, names: set[str]) -> str | None:
    """The producer a line's envelope names (None: the file's own stream), or NO_ENVELOPE."""
    pattern = {"pebble": PEBBLE_TAG, "os-log-merger": MERGER_TAG}.get(envelope, SYSLOG_TAG)
    m = pattern.match(line)
    if m is None:
        return NO_ENVELOPE
    name = m.group(1).decode()
    return name if name in names else None


# -- record openings per payload format: (pattern, group of the level or None) -------------
OSLO_LEVELS = rb"(TRACE|CRITICAL|ERROR|WARNING|INFO|AUDIT|DEBUG)"
OPENINGS: dict[str, re.Pattern[bytes]] = {
    # a record's first line: logger then its context `[`, never a traceback line's `[instance:`
    # nor a list the exception prefix prints (`[u'Traceback...`, a RemoteError's); devstack's
    # 2013 screen logs carry no pid
    "oslo": re.compile(
        rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? (?:\d+ )?"
        + OSLO_LEVELS
        + rb" \S+ \[(?!instance:|u?['\"])"
    ),
    # oslo through syslog or os-log-merger: no stamp, maybe the pid
    "oslo-bare": re.compile(rb"^(?:\d+ )?" + OSLO_LEVELS + rb" \S+ \[(?!instance:|u?['\"])"),
    "pylog": re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) "),
    "ovs": re.compile(rb"^\d{4}-\d\d-\d\dT[\d:.]+Z\|\d+\|[^|]+\|(DBG|INFO|WARN|ERR|EMER)\|"),
    "rabbitmq": re.compile(rb"^\d{4}-\d\d-\d\d [\d:.]+ \[(debug|info|notice|warning|error|critical)\] "),
    # klog, or calico's own lines (a calico container writes both)
    "klog": re.compile(
        rb"^(?:([IWEF])\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S+:\d+\] "
        rb"|\d{4}-\d\d-\d\d [\d:.]+ \[(DEBUG|INFO|WARNING|ERROR|FATAL|PANIC)\]\[\d+\] )"
    ),
    # etcd: zap JSON, or capnslog's `<stamp> I | pkg: message`
    "etcd": re.compile(
        rb'^(?:\{"level":"(debug|info|warn|error|dpanic|panic|fatal)","ts":'
        rb"|\d{4}-\d\d-\d\d [\d:.]+ ([DINWEC]) \| )"
    ),
    # libvirt's own line (`<stamp>+0000: `) or qemu's (`<stamp>Z qemu-system-x86_64: `);
    # qemu's `warning: ` and `error: ` levels, anything else INFO
    "qemu": re.compile(
        rb"^(?:\d{4}-\d\d-\d\d[ T][\d:.]+(?:\+\d{4}|Z [\w.-]+): |qemu[\w.-]*: )"
        rb"(warning: |Domain id=\d+ is tainted|error: |terminating on signal|)"
    ),
    # the level from the status: 5xx ERROR, 4xx WARNING, else INFO
    "apache-access": re.compile(rb'^\S+ \S+ \S+ \[[^\]]+\] "[^"]*" ([1-5])\d\d '),
    # `DEBUG (session:195) ` or the last line's `ERROR (ClientException): `
    "client-debug": re.compile(rb"^(DEBUG|INFO|WARNING|ERROR|CRITICAL) \(\w+(?::\d+\) |\): )"),
}
LEVEL_NAMES = {
    b"warning: ": "WARNING",
    b"error: ": "ERROR",
    b"": "INFO",
    b"terminating on signal": "ERROR",
    b"Domain": "WARNING",  # `Domain id=N is tainted`
    b"5": "ERROR",  # HTTP statuses
    b"4": "WARNING",
    b"3": "INFO",
    b"2": "INFO",
    b"1": "INFO",
    b"TRACE": "ERROR",
    b"FATAL": "CRITICAL",
    b"PANIC": "CRITICAL",
    b"fatal": "CRITICAL",
    b"panic": "CRITICAL",
    b"dpanic": "CRITICAL",
    b"warn": "WARNING",
    b"D": "DEBUG",
    b"N": "NOTICE",
    b"C": "CRITICAL",
    b"WARN": "WARNING",
    b"ERR": "ERROR",
    b"DBG": "DEBUG",
    b"EMER": "CRITICAL",
    b"I": "INFO",
    b"W": "WARNING",
    b"E": "ERROR",
    b"F": "CRITICAL",
}
ANSI = re.compile(rb"\x1b\[[0-9;]*m")  # devstack's screen logs are coloured
REQUEST_ID = re.compile(rb"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Counts:
    lines: int = 0
    records: int = 0
    levels: Counter[str] = field(default_factory=Counter)
    tracebacks: int = 0
    request_ids: set[bytes] = field(default_factory=set)


def file_lines(path: Path) -> list[bytes]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.splitlines() if data else []


def oracle(path: Path, formats: dict[str | None, str]) -> dict[str | None, Counts]:
    """formats: the engine's producers and format names (`envelope[name]+inner`)."""
    envelope = next((f.split("[")[0].split("+")[0] for f in formats.values() if "+" in f), "")
    names = {p for p in formats if p is not None}
    counts: dict[str | None, Counts] = {p: Counts() for p in formats}
    seen_opening: set[str | None] = set()
    producer: str | None = None
    for line in logical_lines(envelope, file_lines(path)):
        if names:
            # a line in no envelope continues the line before it, in its producer
            found = producer_of(envelope, line, names)
            producer = producer if found == NO_ENVELOPE else found
        c = counts[producer]
        c.lines += 1
        body = payload(envelope, line)
        c.tracebacks += body.count(b"Traceback (most recent call last)")
        c.request_ids.update(REQUEST_ID.findall(body))
        inner = formats[producer].rsplit("+", 1)[-1].split("]")[-1]
        opening = OPENINGS.get(inner)
        if opening is None:  # a format without level tokens: one record per line
            c.records += 1
            continue
        m = opening.match(ANSI.sub(b"", body) if b"\x1b" in body else body)
        if m is None:
            if producer not in seen_opening:
                c.records += 1  # each line before the first record is a record of its own
                c.levels["UNKNOWN"] += 1
            continue
        seen_opening.add(producer)
        c.records += 1
        token = next((g for g in m.groups() if g is not None), None)
        if token is not None:
            name = LEVEL_NAMES.get(token) or LEVEL_NAMES.get(token[:6]) or token.decode().upper()
            c.levels[name] += 1
    return counts


def all_files() -> list[Path]:
    return sorted(
        p
        for tree in TREES
        for p in tree.rglob("*")
        if p.is_file() and p.name not in NOT_OPENSTACK and p.suffix not in (".md", ".py")
    )


@cache
def opened(folder: Path) -> list[LogFile]:
    """Every log of `folder`, indexed once for all the files of it that are tested."""
    return open_files(files_from_tree(discover(folder)))


def engine(path: Path) -> list[LogFile]:
    found = [lf for lf in opened(path.parent) if Path(lf.path) == path]
    assert found, f"{path} was not read"
    return found


@pytest.mark.parametrize("path", all_files(), ids=lambda p: str(p.relative_to(DATA)))
def test_each_producer_counts_as_the_oracle(path: Path) -> None:
    found = engine(path)
    formats = {lf.producer: lf.index.format.name for lf in found if lf.index is not None}
    expected = oracle(path, formats)
    physical = len(file_lines(path))
    engine_lines = sum(lf.index.lines for lf in found if lf.index)
    # a CRI file's partial lines are joined: fewer lines, each part still in one
    assert engine_lines == sum(c.lines for c in expected.values())
    assert engine_lines == physical or "cri" in str(formats)
    for lf in found:
        idx = lf.index
        assert idx is not None and lf.error is None
        want = expected[lf.producer]
        levels = {name: n for name, n in idx.level_counts().items() if n}
        assert idx.request_ids is not None
        got = (idx.lines, len(idx), idx.tracebacks, len(idx.request_ids))
        assert got == (want.lines, want.records, want.tracebacks, len(want.request_ids)), lf.producer
        inner = idx.format.name.rsplit("+", 1)[-1]
        if inner in OPENINGS:
            assert levels == dict(want.levels), lf.producer
        else:  # levels from an access line's status or a message's words: only their sum
            assert sum(levels.values()) == len(idx), lf.producer
