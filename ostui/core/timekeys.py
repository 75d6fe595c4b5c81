"""Time keys: one sortable int64 per record, built in bulk at C speed.

A key is the wall-clock time as written in the log, in microseconds, laid out as
the decimal digits YYMMDDhhmmssffffff (years since 2000, may be negative). It sorts
like time within one calendar and needs no per-record Python for ISO stamps: the
stamps are joined, their separators deleted with `bytes.translate`, and the digit
runs turned into ints with `map(int, ...)`. Time zones are not applied; logs of one
host share its clock, and `key_to_datetime` recovers the stamp for display.
"""

from __future__ import annotations

import os
import re
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import accumulate, chain, islice, repeat
from operator import add, floordiv, lt, mul, sub

NO_KEY = -(1 << 62)  # a record with no stamp of its own
_DIP = re.compile(b"\x01")
# Past one dip in this many keys, running_max takes `accumulate` (a bisection per dip is dearer).
_DIPS_PER_BISECTION = 64
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


def seconds_between(first: int, last: int) -> float | None:
    """From time key `first` to `last`, in seconds; None when either has no time."""
    if first == NO_KEY or last == NO_KEY:
        return None
    return (key_to_us(last) - key_to_us(first)) / 1e6


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
        if digits[:: width + 1] == b"2" * len(stamps) and digits[1 :: width + 1] == b"0" * len(stamps):
            # Years 20xx: the century is cut and the missing fraction digits added as text,
            # at C speed; only the int() is per record (a sixth less than the arithmetic).
            pad = b"0" * (20 - width)
            body = digits[2:].replace(b"\n20", pad + b"\n") + pad
            return map(int, body.split(b"\n"))
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


class FileYear(int):
    """The year of a file's last write, knowing its month: stamps without a year that
    name a later month were written the year before (the file crossed a new year)."""

    month: int

    def __new__(cls, year: int, month: int = 12) -> FileYear:
        made = super().__new__(cls, year)
        made.month = month
        return made


_ISO_DATE = re.compile(rb"(?<![\d-])((?:19|20)\d\d)-(0[1-9]|1[0-2])-[0-3]\d[T ]\d\d:\d\d")


def year_in(text: bytes) -> FileYear | None:
    """The latest dated stamp `text` holds (a file's head and tail), as the year of the
    file's stamps that carry none: in a syslog with oslo payloads or a merged file, the
    dated lines say the year better than a copy's modification time. Dates after today
    (a certificate's expiry in a message) are no evidence."""
    now = datetime.now()
    dates = [(int(y), int(m)) for y, m in _ISO_DATE.findall(text)]
    latest = max((d for d in dates if d <= (now.year, now.month)), default=None)
    return FileYear(*latest) if latest else None


YEAR_SAMPLE = 64 << 10  # bytes of a file's head, and of its tail, looked at for its year


def dated_year(read: Callable[[int, int], bytes], size: int, tail: bool = True) -> FileYear | None:
    """`year_in` a file's head and (with `tail`) its tail, read by `read(offset, length)`."""
    text = read(0, YEAR_SAMPLE)
    if tail and size > YEAR_SAMPLE:
        text += read(size - YEAR_SAMPLE, YEAR_SAMPLE)
    return year_in(text)


def _reader(fd: int) -> Callable[[int, int], bytes]:
    return lambda at, n: os.pread(fd, n, at)


class NodeYear:
    """The latest dated line among a node's files (their heads and tails), looked for once
    and only when a file of the node has no dated line of its own (a klog or haproxy log
    beside dated ones): a collected tree's copy time is no year for its logs."""

    FILES = 200  # files looked at, at most

    def __init__(self, paths: Sequence[os.PathLike[str] | str]) -> None:
        self.paths = list(paths)
        self._year: int | None = None
        self._done = False
        self._lock = threading.Lock()

    def __call__(self) -> int | None:
        with self._lock:
            if not self._done:
                self._done = True
                self._year = self._find()
            return self._year

    def _find(self) -> int | None:
        latest: FileYear | None = None
        for path in self.paths[: self.FILES]:
            if str(path).endswith(".gz"):
                continue  # its tail costs the whole file
            try:
                with open(path, "rb", buffering=0) as fh:
                    found = dated_year(_reader(fh.fileno()), os.fstat(fh.fileno()).st_size)
            except OSError:
                continue
            if found is not None and (latest is None or (found, found.month) > (latest, latest.month)):
                latest = found
        # A plain year: the node's latest month says nothing of this file's last one.
        return int(latest) if latest is not None else None


def year_for_file(path: str | os.PathLike[str], mtime: float | None = None) -> int:
    """The year to assume for a file's stamps that carry none: that of its modification
    time (`mtime` when the caller has it, e.g. a remote listing), as a FileYear so the
    per-stamp rule can walk back across the new year; this year when the file cannot say."""
    try:
        when = datetime.fromtimestamp(os.stat(path).st_mtime if mtime is None else mtime)
    except (OSError, ValueError, OverflowError):
        return datetime.now().year
    return FileYear(when.year, when.month)


def year_of_month(year: int, month: int) -> int:
    """The year of a year-less stamp in `month`, given the file's year (a FileYear or a plain
    year, which applies to every month)."""
    return year - 1 if month > getattr(year, "month", 12) else year


def syslog_keys(year: int) -> Callable[[Sequence[bytes]], Iterable[int]]:
    """Keys of `May 26 20:44:32.276580` stamps, which carry no year: the caller supplies it,
    as `year_for_file` gives it (months after the file's last month are the year before)."""
    years = [year_of_month(year, month) for month in range(13)]

    @lru_cache(maxsize=4096)
    def second_key(prefix: bytes) -> int:
        m = _SYSLOG.match(prefix)
        if m is None or m.group(1) not in _MONTHS:
            return NO_KEY
        month = _MONTHS[m.group(1)]
        return key_from_parts(
            years[month], month, int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)), 0
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


# -- keys on a linear scale (clock skew) ---------------------------------------------
# Keys jump at minute, hour, day, month and year ends; to add a duration the calendar
# is applied: microseconds since 2000-01-01 00:00, proleptic Gregorian, no time zones.
_E8 = 10**8  # a key // _E8 is its minute (YYMMDDhhmm); key % _E8 the µs in that minute
_MINUTE_US = 60 * 10**6
_DAY_US = 86400 * 10**6
_NO_KEY_MINUTE = NO_KEY // _E8


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 2000-01-01 (H. Hinnant's algorithm; any year, days may overflow the month)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 730425  # 730425: days from 0000-03-01 to 2000-01-01


def _civil_from_days(days: int) -> tuple[int, int, int]:
    days += 730425
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (month <= 2), month, day


def _minute_to_us(minute: int) -> int:
    """µs since 2000-01-01 of a key's minute (`key // 10**8`, YYMMDDhhmm)."""
    minute += 2000 * 10**8
    mi = minute % 100
    minute //= 100
    hour = minute % 100
    minute //= 100
    day = minute % 100
    minute //= 100
    month = minute % 100
    year = minute // 100
    return _days_from_civil(year, month, day) * _DAY_US + (hour * 60 + mi) * _MINUTE_US


def _us_to_minute_key(us: int) -> int:
    """Key of the start of the minute holding `us` (a multiple of 60 s)."""
    days, rest = divmod(us, _DAY_US)
    year, month, day = _civil_from_days(days)
    hour, mi = divmod(rest // _MINUTE_US, 60)
    return key_from_parts(year, month, day, hour, mi, 0, 0)


def key_to_us(key: int) -> int:
    """Microseconds since 2000-01-01 00:00 of a key (ValueError for NO_KEY)."""
    if key == NO_KEY:
        raise ValueError("NO_KEY has no time")
    minute, within = divmod(key, _E8)
    return _minute_to_us(minute) + within


def us_to_key(us: int) -> int:
    """The key of `us` microseconds since 2000-01-01 00:00 (inverse of key_to_us)."""
    return _us_to_minute_key(us) + us % _MINUTE_US


def shift_key(key: int, delta_us: int) -> int:
    """`key` moved by `delta_us` microseconds of real time; NO_KEY stays NO_KEY."""
    if key == NO_KEY or not delta_us:
        return key
    return us_to_key(key_to_us(key) + delta_us)


class _BucketShift(dict[int, int]):
    """bucket -> what to add to the keys in it, computed once per bucket.

    With delta = q minutes + r µs (0 <= r < 1 min), a key's minute moves by q minutes,
    plus one when its µs in the minute reach 60 s - r. Bucket 2m holds minute m's keys
    before that point, bucket 2m+1 those from it on, so one addition per bucket is exact.
    """

    def __init__(self, delta_us: int) -> None:
        super().__init__()
        self.q, self.r = divmod(delta_us, _MINUTE_US)

    def __missing__(self, bucket: int) -> int:
        minute, late = divmod(bucket, 2)
        if minute == _NO_KEY_MINUTE:
            add = 0  # NO_KEY stays as it is
        else:
            start = _minute_to_us(minute) + (self.q + late) * _MINUTE_US
            add = _us_to_minute_key(start) - minute * _E8 + self.r - late * _MINUTE_US
        self[bucket] = add
        return add


def shift_keys(keys: Sequence[int], delta_us: int) -> array[int]:
    """`shift_key` of every key, at C speed: the calendar runs once per distinct minute."""
    if not delta_us:
        return array("q", keys)
    table = _BucketShift(delta_us)
    # bucket = key // 1e8 + (key + 40 s + r) // 1e8: 2m, or 2m+1 from 60 s - r on
    lead = _E8 - _MINUTE_US + table.r
    buckets = map(
        add,
        map(floordiv, keys, repeat(_E8)),
        map(floordiv, map(add, keys, repeat(lead)), repeat(_E8)),
    )
    return array("q", map(add, keys, map(table.__getitem__, buckets)))


def running_max(keys: Sequence[int], floor: int = NO_KEY) -> array[int]:
    """Keys made non-decreasing, never below `floor` (a running max, at C speed).

    Between two places where a key is below the one before it (a clock going back, a
    record without a stamp), the keys already go up: there the running max is the keys,
    but for a head still below the max before it, found by a bisection. A C pass finds
    those places; the keys are copied whole and only the heads written over, a third of
    the time `accumulate(keys, max)` takes on a log whose clock rarely goes back."""
    mono = array("q", keys)
    n = len(mono)
    if not n:
        return mono
    dips = bytes(map(lt, islice(mono, 1, None), mono))  # dips[i]: key i+1 below key i
    if dips.count(1) * _DIPS_PER_BISECTION > n:
        mono = array("q", accumulate(mono, max, initial=floor))  # mostly dips: no stretches
        del mono[0]
        return mono
    peak = floor
    start = 0
    for end in chain((m.end() for m in _DIP.finditer(dips)), (n,)):
        # mono[start:end] goes up: those of it below the peak take the peak
        below = bisect_left(mono, peak, start, end)
        if below > start:
            mono[start:below] = array("q", [peak]) * (below - start)
        if below < end:
            peak = mono[end - 1]
        start = end
    return mono


def backfill_leading(mono: array[int]) -> None:
    """Leading records without a stamp take the first stamp after them, in place."""
    if mono and mono[0] == NO_KEY:
        n = next((i for i, k in enumerate(mono) if k != NO_KEY), None)
        if n is not None:
            mono[:n] = array("q", [mono[n]]) * n


def monotone_keys(keys: Sequence[int], floor: int = NO_KEY) -> array[int]:
    """Keys made non-decreasing (never below `floor`), leading ones without a stamp backfilled."""
    mono = running_max(keys, floor)
    backfill_leading(mono)
    return mono


def join_running_max(mono: array[int], part: array[int]) -> None:
    """Append a later part's running max (`running_max` of its keys from NO_KEY) to `mono`,
    the running max of the parts before it: the part's head below `mono`'s last key takes
    that key, as one running max over both would give."""
    floor = mono[-1] if mono else NO_KEY
    low = bisect_left(part, floor)
    if low:
        part[:low] = array("q", [floor]) * low
    mono.extend(part)
