"""Time keys: one sortable int64 per record, built in bulk at C speed.

A key is the wall-clock time as written in the log, in microseconds, laid out as
the decimal digits YYMMDDhhmmssffffff (years since 2000, may be negative). It sorts
like time within one calendar and needs no per-record Python for ISO stamps: the
stamps are joined, their separators deleted with `bytes.translate`, and the digit
runs turned into ints with `map(int, ...)`. Time zones are not applied; logs of one
host share its clock, and `key_to_datetime` recovers the stamp for display.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import repeat
from operator import mul, sub

NO_KEY = -(1 << 62)  # a record with no stamp of its own
_CENTURY = 2000 * 10**16
_ISO = re.compile(rb"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?")
_ISO_DELETE = b"-:.,T Z+"


def key_from_parts(year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int) -> int:
    return (
        (year - 2000) * 10**16
        + month * 10**14
        + day * 10**12
        + hour * 10**10
        + minute * 10**8
        + second * 10**6
        + micro
    )


def key_from_datetime(value: datetime) -> int:
    return key_from_parts(
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond
    )


def key_to_datetime(key: int) -> datetime | None:
    if key == NO_KEY:
        return None
    key += _CENTURY
    micro = key % 10**6
    key //= 10**6
    second = key % 100
    key //= 100
    minute = key % 100
    key //= 100
    hour = key % 100
    key //= 100
    day = key % 100
    key //= 100
    month = key % 100
    year = key // 100
    try:
        return datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return None


def iso_key(stamp: bytes) -> int:
    """Key of one ISO-like stamp (`2016-06-10 21:49:30.191`, `...T...Z`); NO_KEY if unreadable."""
    m = _ISO.search(stamp)
    if m is None:
        return NO_KEY
    frac = (m.group(7) or b"0")[:6].ljust(6, b"0")
    try:
        y, mo, d, h, mi, sec = (int(g) for g in m.groups()[:6])
        return key_from_parts(y, mo, d, h, mi, sec, int(frac))
    except ValueError:
        return NO_KEY


def iso_keys(stamps: Sequence[bytes]) -> Iterable[int]:
    """Keys of many ISO stamps; the fast path needs them all in one width."""
    if not stamps:
        return ()
    digits = b"\n".join(stamps).translate(None, _ISO_DELETE)
    width = len(stamps[0].translate(None, _ISO_DELETE))
    if (
        14 <= width <= 20
        and len(digits) == len(stamps) * (width + 1) - 1
        and digits[width :: width + 1] == b"\n" * (len(stamps) - 1)
        and digits.replace(b"\n", b"").isdigit()
    ):
        factor = 10 ** (20 - width)
        return map(sub, map(mul, map(int, digits.split(b"\n")), repeat(factor)), repeat(_CENTURY))
    return map(iso_key, stamps)


def iso_time_keys(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    """`LogFormat.time_keys` for formats whose stamps are ISO (they carry their year)."""
    return iso_keys(stamps)


_MONTHS = {
    m: i
    for i, m in enumerate(
        (b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"), 1
    )
}
_SYSLOG = re.compile(rb"([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?")
_DMY = re.compile(rb"(\d{1,2})[-/]([A-Z][a-z]{2})[-/](\d{4})(?::|::| )(\d\d):(\d\d):(\d\d)(?:[.,](\d+))?")
_MYSQL_SHORT = re.compile(rb"(\d\d)(\d\d)(\d\d) +(\d{1,2}):(\d\d):(\d\d)")


def syslog_keys(year: int) -> Callable[[Sequence[bytes]], Iterable[int]]:
    """Keys of `May 26 20:44:32.276580` stamps, which carry no year: the caller supplies it."""

    @lru_cache(maxsize=4096)
    def second_key(prefix: bytes) -> int:
        m = _SYSLOG.match(prefix)
        if m is None or m.group(1) not in _MONTHS:
            return NO_KEY
        return key_from_parts(
            year, _MONTHS[m.group(1)], int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)), 0
        )

    def one(stamp: bytes) -> int:
        head, _, frac = stamp.partition(b".")
        base = second_key(head)
        if base == NO_KEY:
            return NO_KEY
        return base + (int(frac[:6].ljust(6, b"0")) if frac.isdigit() else 0)

    def keys(stamps: Sequence[bytes]) -> Iterable[int]:
        return map(one, stamps)

    return keys


def dmy_key(stamp: bytes) -> int:
    """Key of `29/Oct/2015:10:51:09`, `4-Sep-2017::17:14:09`, `29/Oct/2015 10:51:09`."""
    m = _DMY.search(stamp)
    if m is None or m.group(2) not in _MONTHS:
        return NO_KEY
    frac = (m.group(7) or b"0")[:6].ljust(6, b"0")
    return key_from_parts(
        int(m.group(3)),
        _MONTHS[m.group(2)],
        int(m.group(1)),
        int(m.group(4)),
        int(m.group(5)),
        int(m.group(6)),
        int(frac),
    )


def dmy_keys(stamps: Sequence[bytes]) -> Iterable[int]:
    return map(dmy_key, stamps)


def mysql_short_key(stamp: bytes) -> int:
    """Key of mysqld_safe's `151124 10:51:09` (YYMMDD)."""
    m = _MYSQL_SHORT.search(stamp)
    if m is None:
        return NO_KEY
    yy, mm, dd, h, mi, s = (int(g) for g in m.groups())
    return key_from_parts(2000 + yy, mm, dd, h, mi, s, 0)


def any_key(stamp: bytes) -> int:
    """Key of a stamp in any of the shapes above."""
    for fn in (iso_key, dmy_key, mysql_short_key):
        key = fn(stamp)
        if key != NO_KEY:
            return key
    return NO_KEY


def any_keys(stamps: Sequence[bytes]) -> Iterable[int]:
    return map(any_key, stamps)


def parse_user_time(text: str, reference: datetime | None = None) -> int | None:
    """Key for a time the user types: `2016-06-10 21:49`, `21:49:30`, `2016-06-10`."""
    text = text.strip()
    for fmt in (
        "%Y-%m-%d %H:%M:%S.%f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d",
    ):
        try:
            return key_from_datetime(datetime.strptime(text, fmt))
        except ValueError:
            pass
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            t = datetime.strptime(text, fmt)
        except ValueError:
            continue
        ref = reference or datetime.now()
        return key_from_datetime(ref.replace(hour=t.hour, minute=t.minute, second=t.second, microsecond=0))
    return None
