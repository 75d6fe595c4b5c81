"""Year-less stamps (syslog's `Feb 10 00:00:01`) take their year from the file's
modification time, walking back across the new year (timekeys.year_for_file)."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

from ostui.core.formats import get_format
from ostui.core.formats.syslog import stamp_keys
from ostui.core.index import FileIndex
from ostui.core.source import open_source
from ostui.core.timekeys import FileYear, iso_key, key_to_datetime, year_for_file

SYSLOG = Path(__file__).parent / "data" / "real" / "ubuntu-ussuri" / "var" / "log" / "syslog"


def touch(path: Path, when: datetime) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def years_of(path: Path) -> set[int]:
    index = FileIndex(open_source(path), get_format("syslog"), year=year_for_file(path))
    index.update(final=True)
    return {when.year for key in index.keys if (when := key_to_datetime(key)) is not None}


def test_year_for_file_is_the_modification_year_with_its_month(tmp_path: Path) -> None:
    path = tmp_path / "syslog"
    path.write_text("")
    touch(path, datetime(2014, 3, 9, 12, 0))
    year = year_for_file(path)
    assert (year, getattr(year, "month", None)) == (2014, 3)
    assert year_for_file(tmp_path / "gone") == datetime.now().year


def test_real_syslog_takes_the_year_of_its_file(tmp_path: Path) -> None:
    # The Ubuntu node's syslog runs from Feb 10 to Feb 10 and was last written in 2022.
    copy = tmp_path / "syslog"
    shutil.copyfile(SYSLOG, copy)
    touch(copy, datetime(2022, 2, 11, 8, 0))
    assert years_of(copy) == {2022}
    # The same file touched in 2014 sorts before a 2025 pod log, whatever this year is.
    touch(copy, datetime(2014, 2, 11, 8, 0))
    assert years_of(copy) == {2014}
    index = FileIndex(open_source(copy), get_format("syslog"), year=year_for_file(copy))
    index.update(final=True)
    assert max(index.keys) < iso_key(b"2025-05-14T04:23:56.905Z")


def test_a_file_written_in_january_holds_december_of_the_year_before(tmp_path: Path) -> None:
    # Real lines of the Ubuntu syslog, their stamps moved across a new year.
    lines = SYSLOG.read_bytes().splitlines(keepends=True)[:4]
    moved = [b"Dec 31 23:59:58" + lines[0][15:], b"Dec 31 23:59:59" + lines[1][15:]]
    moved += [b"Jan  1 00:00:01" + lines[2][15:], b"Jan  1 00:00:02" + lines[3][15:]]
    path = tmp_path / "syslog"
    path.write_bytes(b"".join(moved))
    touch(path, datetime(2015, 1, 1, 0, 5))
    index = FileIndex(open_source(path), get_format("syslog"), year=year_for_file(path))
    index.update(final=True)
    when = [key_to_datetime(key) for key in index.keys]
    assert [(w.year, w.month) for w in when if w] == [(2014, 12), (2014, 12), (2015, 1), (2015, 1)]
    assert list(index.keys) == sorted(index.keys)


def test_a_plain_year_applies_to_every_month() -> None:
    # Callers that know the year (tests, journal exports) give a plain int: no walking back.
    keys = list(stamp_keys([b"Dec 31 23:59:59", b"Jan  1 00:00:01"], 2015))
    assert [key_to_datetime(key).year for key in keys] == [2015, 2015]  # type: ignore[union-attr]
    keys = list(stamp_keys([b"Dec 31 23:59:59", b"Jan  1 00:00:01"], FileYear(2015, 1)))
    assert [key_to_datetime(key).year for key in keys] == [2014, 2015]  # type: ignore[union-attr]
