"""Year-less stamps (syslog's `Feb 10 00:00:01`) take their year from the file's
modification time, walking back across the new year (timekeys.year_for_file)."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

from ostui.core.indexing.index import FileIndex
from ostui.core.parsing.formats import get_format
from ostui.core.parsing.formats.syslog import stamp_keys
from ostui.core.reading.source import open_source
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


def test_dated_lines_in_the_file_say_the_year_before_its_copy_time(tmp_path: Path) -> None:
    """A collected syslog (copied today) whose oslo payloads are dated 2022: its year-less
    lines are 2022's, not the copy's year; without a dated line, the copy's time decides."""
    copy = tmp_path / "syslog"
    shutil.copyfile(SYSLOG, copy)
    touch(copy, datetime(2014, 2, 11, 8, 0))
    index = FileIndex(open_source(copy), get_format("syslog"))  # no year given: the file's
    index.update(final=True)
    assert {w.year for key in index.keys if (w := key_to_datetime(key)) is not None} == {2022}
    plain = tmp_path / "plain"
    plain.write_bytes(b"".join(x for x in SYSLOG.read_bytes().splitlines(True) if b"20" not in x[16:]))
    touch(plain, datetime(2014, 2, 11, 8, 0))
    assert FileIndex(open_source(plain), get_format("syslog")).year == 2014


def test_a_merged_file_takes_the_year_of_its_dated_producers() -> None:
    """os-log-merger's /var/log/messages lines (`Oct 11 07:49:20 [messages]`) sit beside a
    2018 nova-api producer in the same file: they are 2018's too."""
    from ostui.core.indexing.logset import files_from_tree, open_files
    from ostui.core.reading.discovery import discover

    merged = Path(__file__).parent / "data" / "mixed-producers"
    found = [
        lf
        for lf in open_files(files_from_tree(discover(merged)))
        if lf.path.name == "os-log-merger-var-log-messages-mixed.log" and lf.producer == "messages"
    ]
    assert found and found[0].index is not None
    keys = [key_to_datetime(k) for k in found[0].index.keys]
    assert {w.year for w in keys if w is not None} == {2018}


def test_year_in_takes_the_latest_date_not_a_future_one() -> None:
    from ostui.core.timekeys import year_in

    text = b"2016-06-10 21:49:30.191 x\nnotAfter 2099-01-01 00:00 (a certificate)\n2017-03-02T10:00:00Z y\n"
    found = year_in(text)
    assert (found, getattr(found, "month", None)) == (2017, 3)
    assert year_in(b"Feb 10 00:00:01 compute4 kernel: no date here") is None


def test_a_file_with_no_dated_line_takes_its_nodes_year(tmp_path: Path) -> None:
    """A collected node copied today: its haproxy log (syslog stamps only) sits beside
    2022 oslo logs, so its lines are 2022's, not the copy's year. With no dated file on the
    node, the modification time decides as before."""
    from ostui.core.indexing.logset import files_from_tree, open_files
    from ostui.core.reading.discovery import discover

    ussuri = Path(__file__).parent / "data" / "real" / "ubuntu-ussuri" / "var" / "log"
    node = tmp_path / "compute4" / "var" / "log"
    (node / "neutron").mkdir(parents=True)
    shutil.copyfile(ussuri / "haproxy.log", node / "haproxy.log")
    shutil.copyfile(
        ussuri / "neutron" / "neutron-ovs-cleanup.log.1", node / "neutron" / "neutron-ovs-cleanup.log"
    )
    touch(node / "haproxy.log", datetime(2014, 3, 1, 0, 0))

    def haproxy_years() -> set[int]:
        files = open_files(files_from_tree(discover(tmp_path)))
        haproxy = next(lf for lf in files if lf.path.name == "haproxy.log")
        assert haproxy.index is not None
        return {w.year for k in haproxy.index.keys if (w := key_to_datetime(k)) is not None}

    assert haproxy_years() == {2022}
    (node / "neutron" / "neutron-ovs-cleanup.log").unlink()
    (node / "neutron" / "other.log").write_text("no dated line here\n")
    assert haproxy_years() == {2014}
