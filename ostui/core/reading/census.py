"""What a file no layout maps holds, from its first bytes: a log of OpenStack's, some other
log, or no log at all, in words the tree and `ostui scan` show as the reason it is not read.

Only the first HEAD_BYTES are read (decompressed for `.gz`), once per file nobody claimed.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HEAD_BYTES = 16 << 10
_HEAD_LINES = 20
# A clock near the start of a line: the time stamp of a log record in any of the shapes
# met (ISO, syslog, klog's `I0211 19:18:53`, Apache's `[Thu Mar 07 00:02:53 2024]`).
_CLOCK = re.compile(rb"\d\d:\d\d:\d\d")
_CLOCK_WITHIN = 48


@lru_cache(maxsize=4)
def _openstack(services: frozenset[str]) -> re.Pattern[bytes]:
    """Lines that say OpenStack wrote them: a service's or oslo's logger (`nova.compute.manager`,
    `oslo_messaging._drivers`), or a request id."""
    names = b"|".join(sorted(name.encode() for name in services))
    return re.compile(rb"\b(?:" + names + rb"|oslo[._]\w+)\.[a-z_]+|\[req-[0-9a-f]{8}-")


# Text that is no text: NUL bytes, or many control bytes other than tab, CR, LF, ESC, FF.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")


@dataclass(frozen=True, slots=True)
class Look:
    """What a file's head says: `kind` is "openstack", "log", "not-log" or "unreadable"."""

    kind: str
    reason: str = ""  # why it is not read, for every kind but "openstack"


def _head(path: Path) -> bytes:
    if path.name.endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            return handle.read(HEAD_BYTES)
    with open(path, "rb") as handle:
        return handle.read(HEAD_BYTES)


def look_at(path: Path, services: Iterable[str]) -> Look:
    """What `path` holds, judged on its head (`services`: the OpenStack names whose loggers
    make it OpenStack's); never raises."""
    try:
        head = _head(path)
    except (OSError, EOFError, zlib.error) as exc:
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return Look("unreadable", f"unreadable: {why}")
    if not head:
        return Look("not-log", "empty")
    if b"\0" in head or len(_CONTROL.findall(head)) > len(head) // 100:
        return Look("not-log", "binary")
    lines = [line for line in head.splitlines()[:_HEAD_LINES] if line.strip()]
    stamped = sum(1 for line in lines if _CLOCK.search(line, 0, _CLOCK_WITHIN))
    if stamped * 2 < len(lines):
        return Look("not-log", "not a log (no time stamps in its first lines)")
    if _openstack(frozenset(services)).search(head):
        return Look("openstack")
    return Look("log", "a log, but not OpenStack's (no OpenStack logger or request id in its first lines)")


def is_log(look: Look) -> bool:
    return look.kind in ("openstack", "log")
