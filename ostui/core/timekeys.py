"""Time keys: one sortable int64 per record, built in bulk at C speed.

A key is the wall-clock time as written in the log, in microseconds, laid out as
the decimal digits YYMMDDhhmmssffffff (years since 2000, may be negative). It sorts
like time within one calendar and needs no per-record Python for ISO stamps of one
shape: their digits are gathered column by column (strided slices of the joined
stamps) and turned into ints all at once on one big int (`_lane_values`). Time zones
are not applied; logs of one host share its clock, and `key_to_datetime` recovers the
stamp for display.
"""

from __future__ import annotations

import binascii
import os
import re
import sys
import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import accumulate, chain, islice, repeat
from operator import add, floordiv, lt

NO_KEY = -(1 << 62)  # a record with no stamp of its own
_DIP = re.compile(b"\x01")
# Past one dip in this many keys, running_max takes `accumulate` (a bisection per dip is dearer).
_DIPS_PER_BISECTION = 64
_CENTURY = 2000 * 10**16
_ISO = re.compile(rb"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?")


# Years whose keys fit 64 bits (a log may say 9000, or 0001): outside, a stamp gives no key.
KEY_YEARS = range(1100, 2900)


def key_from_parts(year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int) -> int:
    """The key of a stamp read from a log (it goes into an int64 array): none outside KEY_YEARS."""
    if year not in KEY_YEARS:
        return NO_KEY
    return _key(year, month, day, hour, minute, second, micro)


def _key(year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int) -> int:
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
    """The key of a time the user names (only compared with keys: any year orders right)."""
    return _key(value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)


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


# One ISO stamp's whole shape: `_ISO` and a zone after it (read past, as `iso_key` does).
_ISO_SHAPE = re.compile(_ISO.pattern + rb"(?:Z|[+-]\d\d:?\d\d)?")
_ISO_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)  # YYYYMMDDhhmmss
_LANE_BIT = 1 << 64  # (see _lane_values)
# Fewer stamps than this are keyed one by one: the columns' setup costs 8 µs, a stamp 1.7.
_FEW_STAMPS = 6


def _lane_values(digits: bytearray, lane: int, scale: int, less: int) -> array[int]:
    """`digits` (ASCII, `lane` of 16 or 32 digits a value, most significant first) as
    int64s, each times `scale` less `less`, all at once: packed two a byte (`unhexlify`),
    read as one big int, and each lane's decimal digits combined pairwise in a few passes
    over that int (pairs of digits, then pairs of those, ...), each pass a handful of C
    loops over all lanes. A lane of 32 digits takes 16 bytes: `less` is taken away
    modulo 2**64 in its lower 8 (adding 2**64 - less keeps every lane apart)."""
    bcd = binascii.unhexlify(digits)
    size = len(bcd)
    x = int.from_bytes(bcd, "big")
    bits = 4  # of the lower half of the groups combined in this pass
    while bits < lane * 4:
        half = bits // 8
        pattern = b"\x0f" if bits == 4 else b"\0" * half + b"\xff" * half
        low = int.from_bytes(pattern * (size // len(pattern)), "big")
        x = ((x >> bits) & low) * 10 ** (bits // 4) + (x & low)
        bits *= 2
    x *= scale
    if less:
        x += (_LANE_BIT - less) * int.from_bytes((b"\0" * 15 + b"\1") * (size // 16), "big")
    raw = x.to_bytes(size, "big")
    values = array("q")
    values.frombytes(raw if lane == 16 else memoryview(raw).cast("Q")[1::2].tobytes())
    if sys.byteorder == "little":
        values.byteswap()
    return values


def _same_shape_keys(stamps: Sequence[bytes]) -> array[int] | None:
    """Keys of ISO stamps all of one shape (the first one's: same width, same separators);
    None when they are not. Per column, not per stamp: each digit of every stamp is
    copied by one strided slice of the stamps joined."""
    first = stamps[0]
    shape = _ISO_SHAPE.fullmatch(first)
    if shape is None:
        return None
    n, width = len(stamps), len(first)
    joined = b"".join(stamps)
    if len(joined) != n * width:
        return None
    fraction = shape.span(7) if shape.group(7) else (width, width)
    columns = _ISO_DIGITS + tuple(range(fraction[0], min(fraction[1], fraction[0] + 6)))
    scale = 10 ** (20 - len(columns))  # fewer than six digits of fraction: the rest are zeros
    less = _CENTURY
    millennium, century = joined[0::width], joined[1::width]
    if millennium == b"2" * n and century == b"0" * n:
        columns, less = columns[2:], 0  # the 2000s: the century cut, 16 digits do for milliseconds
    elif not (
        (millennium == b"2" * n and not century.translate(None, b"012345678"))
        or (millennium == b"1" * n and not century.translate(None, b"123456789"))
    ):
        return None  # some outside KEY_YEARS, or in both millennia: one by one
    lane = 16 if len(columns) <= 16 and not less else 32  # (see _lane_values)
    digits = bytearray(b"0") * (n * lane)
    for at, column in enumerate(columns, lane - len(columns)):
        digits[at::lane] = joined[column::width]
    if not digits.isdigit():
        return None
    for column in range(width):
        if column in columns or column < 2:
            continue  # (the century's digits are in `digits` or were checked above)
        text = joined[column::width]
        if first[column : column + 1].isdigit():
            if not text.isdigit():
                return None  # past the microseconds, or in a zone: not a digit
        elif text != first[column : column + 1] * n:
            return None  # a separator of another kind
    return _lane_values(digits, lane, scale, less)


def iso_keys(stamps: Sequence[bytes]) -> Iterable[int]:
    """Keys of many ISO stamps: at C speed when they share one shape, else one by one."""
    if len(stamps) < _FEW_STAMPS:
        return map(iso_key, stamps)
    same = _same_shape_keys(stamps)
    return map(iso_key, stamps) if same is None else same


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
