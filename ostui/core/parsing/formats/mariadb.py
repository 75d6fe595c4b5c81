"""MariaDB / MySQL error logs (Galera included), all the stamp shapes they have had.

- mysqld 5.5-5.7: `2015-11-24 10:51:09 140123456 [Note] InnoDB: ...` (thread id optional)
- MariaDB 10.x:   `2021-04-27  6:25:32 0 [Note] ...` (hour is `%2d`: a space, not a zero)
- MySQL 8:        `2020-08-06T14:25:02.835618Z 0 [Note] [MY-012487] [InnoDB] ...`
- mysqld 5.6 InnoDB: `2015-11-24 10:51:09 7f1b2c5d7740 InnoDB: Error: ...` (hex thread, no brackets)
- mysqld_safe:    `151124 10:51:09 mysqld_safe Starting mysqld daemon ...`
- mysqld <=5.5:   `151124 10:51:09 [Note] ...`, `151124  9:51:09  InnoDB: ...`
InnoDB dumps (`=====` monitor output, stack traces) go on in plain lines: continuation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ...levels import Level
from ...timekeys import iso_keys, key_from_parts, mysql_short_key
from . import register
from .base import LogFormat, ParsedHead, match_head

# One group 1 for all shapes: ISO-ish (`T` or one/two spaces before a 1-2 digit hour) or YYMMDD.
MYSQL_STAMP = rb"\d{4}-\d\d-\d\d(?:[T ]\d\d| {1,2}\d):\d\d:\d\d(?:\.\d+)?|\d{6} +\d{1,2}:\d\d:\d\d"
MARIADB_HEADER = (
    rb"(" + MYSQL_STAMP + rb")(?:Z|[+-]\d\d:\d\d)? +(?:[0-9a-f]+ +)?"
    rb"(?:\[(?:(Note)|(Warning)|(ERROR)|(System))\]"
    # Unbracketed InnoDB lines say their level in words, if at all.
    rb"|InnoDB: (?:(Error)|(Warning)|())"
    rb"|(mysqld_safe) )"
)
MARIADB_LEVELS = (
    Level.INFO,
    Level.WARNING,
    Level.ERROR,
    Level.INFO,
    Level.ERROR,
    Level.WARNING,
    Level.INFO,
    Level.INFO,
)

_HEAD = re.compile(
    r"(?P<ts>\d{4}-\d\d-\d\d(?:[T ]\d\d| {1,2}\d):\d\d:\d\d(?:\.\d+)?|\d{6} +\d{1,2}:\d\d:\d\d)"
    r"(?:Z|[+-]\d\d:\d\d)? +(?:(?P<thread>[0-9a-f]+) +)?"
    r"(?:\[(?P<level>\w+)\] ?(?:\[(?P<code>MY-\d+)\] \[(?P<subsystem>\w+)\] ?)?"
    r"|(?P<innodb>InnoDB: (?:(?P<ilevel>Error|Warning)\b)?)|(?P<safe>mysqld_safe) )(?P<msg>.*)",
    re.S,
)
_LEVEL = {"Note": Level.INFO, "Warning": Level.WARNING, "ERROR": Level.ERROR, "System": Level.INFO}


def parse_head(line: str) -> ParsedHead:
    line, m = match_head(_HEAD, line)
    if m is None:
        return ParsedHead(message=line)
    head = ParsedHead(stamp=m.group("ts"), message=m.group("msg"))
    fields = head.fields
    if m.group("level"):
        head.level = _LEVEL.get(m.group("level"), Level.UNKNOWN)
    elif m.group("innodb") is not None:
        head.level = _LEVEL.get(m.group("ilevel") or "Note", Level.INFO)
        # Keep "InnoDB: " in the message: it is the only subsystem such a line names.
        head.message = m.group("innodb") + head.message
    else:
        head.level = Level.INFO
        fields["program"] = "mysqld_safe"
    if m.group("thread"):
        fields["thread"] = m.group("thread")
    if m.group("code"):
        fields["error_code"] = m.group("code")
        fields["subsystem"] = m.group("subsystem")
    return head


# timekeys' ISO reader wants a two-digit hour; MariaDB 10 writes `%2d`.
_ISO_LOOSE = re.compile(rb"(\d{4})-(\d\d)-(\d\d)[T ]+(\d{1,2}):(\d\d):(\d\d)(?:\.(\d+))?")


def _one_key(stamp: bytes) -> int:
    m = _ISO_LOOSE.match(stamp)
    if m is None:
        return mysql_short_key(stamp)
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    frac = (m.group(7) or b"0")[:6].ljust(6, b"0")
    return key_from_parts(year, month, day, hour, minute, second, int(frac))


def _keys(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    joined = b"".join(stamps)
    # The fast path only when every stamp is ISO with a two-digit hour and one width
    # (each ISO stamp has exactly two dashes); iso_keys checks the width itself.
    if (
        stamps
        and b"  " not in joined
        and joined.count(b"-") == 2 * len(stamps)
        and len(joined) == len(stamps) * len(stamps[0])
        and stamps[0][13:14] == b":"
    ):
        return iso_keys(stamps)
    return map(_one_key, stamps)


MARIADB = LogFormat(
    name="mariadb",
    samples=(
        "2021-04-27  6:25:33 0 [ERROR] mysqld: Table './mysql/user' is marked as crashed",
        "2020-08-06T14:25:02.835618Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.21) starting",  # noqa: E501 (a real log line)
    ),
    description="MariaDB / MySQL / Galera error log and mysqld_safe",
    header=MARIADB_HEADER,
    levels=MARIADB_LEVELS,
    continuation=True,
    time_keys=_keys,
    parse_head=parse_head,
    sniff_weight=1.1,
)

register(MARIADB)
