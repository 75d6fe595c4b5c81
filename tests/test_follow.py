"""Following files through rotation: no record lost, none shown twice."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.indexing.records import parse_record
from ostui.core.live.follow import Follower
from ostui.core.reading.source import PooledFile


@pytest.fixture
def tmp_path(tmp_path: Path) -> Path:
    """Each test's logs in a folder of their own: the follower looks for rotated copies in
    archive-like folders beside the log's, and pytest puts other tests' folders there."""
    logs = tmp_path / "logs"
    logs.mkdir()
    return logs


def line(n: int) -> bytes:
    return b"2016-06-10 21:49:%02d.%03d 7533 INFO nova.x [-] message %d\n" % (n // 1000 % 60, n % 1000, n)


def messages(files: list[LogFile]) -> list[str]:
    out = []
    for lf in files:
        assert lf.index is not None
        out += [parse_record(lf.index, i).message for i in range(len(lf.index))]
    return sorted(out, key=lambda m: int(m.split()[-1]))


def expected(n: int) -> list[str]:
    return [f"message {i}" for i in range(n)]


def start(tmp_path: Path, n: int = 3) -> tuple[Path, Follower]:
    path = tmp_path / "nova-api.log"
    path.write_bytes(b"".join(line(i) for i in range(n)))
    lf = LogFile(path, "node", "nova", path.name)
    open_files([lf])
    return path, Follower([lf])


def append(path: Path, lines: range) -> None:
    with path.open("ab") as f:
        f.write(b"".join(line(i) for i in lines))


def test_a_source_taken_before_the_follower_moves_the_index_off_it_still_reads(tmp_path: Path) -> None:
    """The follower reads a followed file through a descriptor of its own from the start;
    the screen's thread may have taken the index's source just before, to read a record.
    That read gets the record's bytes (it got none, and the stream kept the record empty);
    the source left is closed a poll at least SWAPPED_OUT_SECONDS later, and reads through
    it still get the bytes, from the follower's source (a search through a big file took
    longer than that, and its end was cut, unsaid)."""
    import time

    from ostui.core.live import follow

    path = tmp_path / "nova-api.log"
    path.write_bytes(b"".join(line(i) for i in range(3)))
    lf = LogFile(path, "node", "nova", path.name)
    open_files([lf])
    assert lf.index is not None
    taken = lf.index.source
    start, end = lf.index.span(2)
    fol = Follower([lf])
    assert lf.index.source is not taken  # moved to the follower's own descriptor
    assert taken.read(start, end - start) == line(2)
    fol.poll()
    assert taken.read(start, end - start) == line(2)  # not yet: the read may still be running
    time.sleep(follow.SWAPPED_OUT_SECONDS)
    fol.poll()
    assert isinstance(taken, PooledFile) and taken._closed  # closed now: its descriptor went back
    assert taken.read(start, end - start) == line(2)  # read through the follower's
    append(path, range(3, 5))
    assert taken.size() == path.stat().st_size
    fol.poll()
    assert messages(fol.files) == expected(5)
    fol.close()


def test_appends_and_partial_lines(tmp_path: Path) -> None:
    path, fol = start(tmp_path)
    with path.open("ab") as f:
        f.write(line(3)[:20])
    assert [c.kind for c in fol.poll()] == []
    with path.open("ab") as f:
        f.write(line(3)[20:] + line(4))
    changes = fol.poll()
    assert [(c.kind, c.records) for c in changes] == [("grew", 2)]
    assert messages(fol.files) == expected(5)


def test_traceback_written_line_by_line_grows_one_record(tmp_path: Path) -> None:
    path, fol = start(tmp_path, 1)
    lf = fol.files[0]
    with path.open("ab") as f:
        f.write(b"2016-06-10 21:49:30.191 7533 ERROR nova.api [-] Caught error: id\n")
    fol.poll()
    for text in (
        b"2016-06-10 21:49:30.191 7533 TRACE nova.api Traceback (most recent call last):\n",
        b'2016-06-10 21:49:30.191 7533 TRACE nova.api   File "x.py", line 1, in f\n',
        b"2016-06-10 21:49:30.191 7533 TRACE nova.api AttributeError: id\n",
    ):
        with path.open("ab") as f:
            f.write(text)
        fol.poll()
    assert lf.index is not None and len(lf.index) == 2
    rec = parse_record(lf.index, 1)
    assert rec.traceback is not None and rec.traceback.exc_type == "AttributeError"


def test_rename_and_create(tmp_path: Path) -> None:
    path, fol = start(tmp_path)
    append(path, range(3, 5))
    os.rename(path, tmp_path / "nova-api.log.1")
    append(tmp_path / "nova-api.log.1", range(5, 6))  # the writer has not reopened yet
    append(path, range(6, 8))  # ...now it has: a new file at the path
    kinds = [c.kind for c in fol.poll()]
    assert "rotated" in kinds and "new" in kinds
    assert messages(fol.files) == expected(8)
    assert {f.path.name for f in fol.files} == {"nova-api.log", "nova-api.log.1"}
    append(path, range(8, 10))
    fol.poll(now=10**9)  # long after: the old file is drained and dropped from the watch list
    assert messages(fol.files) == expected(10)


def test_copytruncate_reads_old_records_from_the_copy(tmp_path: Path) -> None:
    path, fol = start(tmp_path)
    append(path, range(3, 5))  # not yet indexed when logrotate copies
    shutil.copyfile(path, tmp_path / "nova-api.log.1")
    with path.open("r+b") as f:
        f.truncate(0)
    append(path, range(5, 6))
    kinds = [c.kind for c in fol.poll()]
    assert "truncated" in kinds
    assert messages(fol.files) == expected(6)
    old = next(f for f in fol.files if f.path.name == "nova-api.log.1")
    assert old.index is not None and parse_record(old.index, 0).message == "message 0"


def test_copytruncate_then_compressed_copy(tmp_path: Path) -> None:
    path, fol = start(tmp_path)
    with (tmp_path / "nova-api.log.1.gz").open("wb") as f:
        f.write(gzip.compress(path.read_bytes()))
    with path.open("r+b") as f:
        f.truncate(0)
    append(path, range(3, 4))
    fol.poll()
    assert messages(fol.files) == expected(4)


def test_deleted_and_recreated(tmp_path: Path) -> None:
    path, fol = start(tmp_path)
    os.unlink(path)
    assert [c.kind for c in fol.poll()] == ["gone"]
    assert messages(fol.files) == expected(3)  # what was read stays
    append(path, range(3, 5))
    assert [c.kind for c in fol.poll()] == ["new"]
    assert messages(fol.files) == expected(5)


def test_rotated_file_compressed_while_open(tmp_path: Path) -> None:
    path, fol = start(tmp_path)
    os.rename(path, tmp_path / "nova-api.log.1")
    append(path, range(3, 4))
    fol.poll()
    rotated = tmp_path / "nova-api.log.1"
    (tmp_path / "nova-api.log.1.gz").write_bytes(gzip.compress(rotated.read_bytes()))
    os.unlink(rotated)
    append(path, range(4, 5))
    fol.poll(now=10**9)
    assert messages(fol.files) == expected(5)


def test_new_file_in_a_watched_folder(tmp_path: Path) -> None:
    path, _ = start(tmp_path)
    lf = LogFile(path, "node", "nova", path.name)
    open_files([lf])

    def classify(p: Path) -> LogFile | None:
        return LogFile(p, "node", "nova", p.name) if p.suffix == ".log" else None

    (tmp_path / "old.log").write_bytes(line(99))  # there before: not new
    fol = Follower([lf], folders=[tmp_path], new_file=classify, rescan_every=0)
    (tmp_path / "junk.txt").write_text("not a log\n")
    new = tmp_path / "nova-compute.log"
    new.write_bytes(line(3))
    changes = fol.poll()
    assert [(c.kind, c.file.path.name) for c in changes] == [("new", "nova-compute.log")]
    assert fol.poll() == []
    assert messages(fol.files) == expected(4)


def test_truncated_and_rewritten_to_the_same_size_between_polls(tmp_path: Path) -> None:
    path, fol = start(tmp_path, 2)
    append(path, range(2, 4))
    shutil.copyfile(path, tmp_path / "nova-api.log.1")
    with path.open("r+b") as f:
        f.truncate(0)
    append(path, range(4, 8))  # as long as before: only the head shows the truncation
    assert "truncated" in [c.kind for c in fol.poll()]
    assert messages(fol.files) == expected(8)


def test_a_file_of_old_mac_line_ends_is_followed_as_it_was_read(tmp_path: Path) -> None:
    """Lines ended by CR alone are read as LF lines; following reads the file through a
    descriptor of its own, which must read them so too (it read them raw: the records
    held a CR each, and the lines written since made one record)."""
    path = tmp_path / "nova-api.log"
    path.write_bytes(b"".join(line(i) for i in range(3)).replace(b"\n", b"\r"))
    lf = LogFile(path, "node", "nova", path.name)
    open_files([lf])
    fol = Follower([lf])
    with path.open("ab") as f:
        f.write(b"".join(line(i) for i in range(3, 6)).replace(b"\n", b"\r"))
    fol.poll()
    assert messages(fol.files) == expected(6)
    assert lf.index is not None and b"\r" not in lf.index.raw(2)
    fol.close()
