"""What the stream shows while the logs are indexed: the files' tails from the first screen
and, as the index grows from each file's start, the part indexed so far; never a record
twice."""

from __future__ import annotations

from pathlib import Path

from ostui.core.indexing.logset import LogFile
from ostui.session.startup import shown_while_indexing


def _lines(first: int, count: int) -> bytes:
    return b"".join(
        b"2016-06-10 10:%02d:%02d.000 1 INFO nova.x [-] record %d\n" % (n // 60 % 60, n % 60, n)
        for n in range(first, first + count)
    )


def _log(path: Path, data: bytes) -> LogFile:
    path.write_bytes(data)
    lf = LogFile(path, "node", "nova", path.name)
    lf.open()
    return lf


def _big(tmp_path: Path, indexed: int, more: int) -> tuple[LogFile, LogFile]:
    """A log of `indexed` + `more` records, its index holding the first `indexed`, and the
    first screen's tail of the whole."""
    lf = _log(tmp_path / "nova-api.log", _lines(0, indexed))
    if indexed:
        assert lf.index is not None
        lf.index.update(final=False)
    with lf.path.open("ab") as out:
        out.write(_lines(indexed, more))
    tail = lf.preview(64 << 10)
    assert tail is not None
    return lf, tail


def test_before_any_growth_the_first_screen_is_shown(tmp_path: Path) -> None:
    big, tail = _big(tmp_path, 0, 60_000)
    small = _log(tmp_path / "small.log", _lines(0, 10))
    small.build()
    assert shown_while_indexing([tail, small], [], [big, small]) == [tail, small]


def test_a_files_start_comes_before_its_tail_until_it_reaches_it(tmp_path: Path) -> None:
    big, tail = _big(tmp_path, 30_000, 30_000)
    assert big.index is not None and tail.index is not None
    assert big.index.scanned <= getattr(tail.index.source, "start", 0)
    assert shown_while_indexing([tail], [big], [big]) == [big, tail]


def test_a_file_indexed_past_its_tail_is_shown_without_it(tmp_path: Path) -> None:
    big, tail = _big(tmp_path, 0, 60_000)
    big.build()
    assert shown_while_indexing([tail], [big], [big]) == [big]


def test_an_index_reaching_into_its_tail_waits(tmp_path: Path) -> None:
    big, tail = _big(tmp_path, 59_500, 500)  # the tail (64 KiB) holds more than the last 500
    assert shown_while_indexing([tail], [big], [big]) is None


def test_a_small_file_is_shown_once_and_only_files_selected(tmp_path: Path) -> None:
    big, tail = _big(tmp_path, 0, 60_000)
    small = _log(tmp_path / "small.log", _lines(0, 10))
    small.build()  # indexed whole for the first screen, then told grown by the indexer
    other = _log(tmp_path / "other.log", _lines(0, 10))
    other.build()  # no tail: too big for the first screen's budget, shown once indexed
    assert shown_while_indexing([tail, small], [small, other], [big, small, other]) == [tail, small, other]
    assert shown_while_indexing([tail, small], [small, other], [other]) == [other]
