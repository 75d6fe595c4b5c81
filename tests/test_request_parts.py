"""A big file's request ids posted by the index processes, part by part, are the postings
one thread makes (`RequestIndex.add_file`): the same ids, records and order, with CRLF
lines, swift transaction ids beside request ids, records let go of by the memory window,
and a file replaced at its path meanwhile (then one thread does it)."""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ostui.core.indexing.index import FileIndex
from ostui.core.indexing.parallel import IndexPool
from ostui.core.live.follow import HeldSource
from ostui.core.reading.source import FileSource, MemorySource
from ostui.core.stream import request_parts
from ostui.core.stream.request_parts import add_file_in_parts, wants_parts
from ostui.core.stream.requests import RequestIndex

DATA = Path(__file__).resolve().parent / "data"
C29 = DATA / "real" / "osp6-live-migration" / "hp-ms-01-c29" / "var" / "log"
FILES = [C29 / "nova" / "nova-api.log", C29 / "neutron" / "server.log", DATA / "seed" / "nova-api.log"]


@pytest.fixture(scope="module")
def pool() -> Iterator[IndexPool]:
    p = IndexPool(workers=2)
    yield p
    p.close()


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(request_parts, "REQUEST_PART", 4 << 10)  # many parts on small real files


def indexed(path: Path) -> FileIndex:
    idx = FileIndex(FileSource(path))
    idx.update(final=True)
    return idx


def one_thread(*indexes: FileIndex) -> RequestIndex:
    index = RequestIndex()
    for n, idx in enumerate(indexes):
        index.add_file(n, idx)
    return index


def in_parts(pool: IndexPool, *indexes: FileIndex) -> RequestIndex:
    index = RequestIndex()
    for n, idx in enumerate(indexes):
        assert add_file_in_parts(index, n, idx, pool) == idx.dropped
    return index


def same_postings(a: RequestIndex, b: RequestIndex) -> None:
    assert list(a.postings) == list(b.postings)  # the order ids were first met
    assert a.postings == b.postings


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name + "/" + p.name)
def test_postings_made_in_parts_are_one_threads(pool: IndexPool, path: Path) -> None:
    idx = indexed(path)
    got = in_parts(pool, idx)
    assert got.postings
    same_postings(got, one_thread(idx))


def test_a_big_file_goes_in_many_parts(pool: IndexPool, monkeypatch: pytest.MonkeyPatch) -> None:
    parts: list[int] = []
    submit = pool.submit

    def counted(fn: Callable[..., object], *args: bytes) -> object:
        parts.append(len(args[3]) // array(str(args[4])).itemsize)
        return submit(fn, *args)

    monkeypatch.setattr(pool, "submit", counted)
    idx = indexed(FILES[0])
    same_postings(in_parts(pool, idx), one_thread(idx))
    assert len(parts) > 10 and sum(parts) == len(idx)  # every record's start, once


def test_several_files_keep_their_numbers_and_order(pool: IndexPool) -> None:
    indexes = [indexed(p) for p in FILES]
    same_postings(in_parts(pool, *indexes), one_thread(*indexes))


def test_crlf_lines_and_transaction_ids(pool: IndexPool, tmp_path: Path) -> None:
    lines = []
    for n in range(400):
        req = f"req-{n:08x}-1111-2222-3333-{n * 7:012x}"
        txn = f"tx{n % 37:021x}-{n:010x}"
        stamp = f"2016-06-10 21:49:{n % 60:02d}.{n % 1000:03d} 7533"
        lines.append(f"{stamp} INFO proxy [{req} - - -] GET {txn} {req}")
        if n % 5 == 0:
            lines.append(f"{stamp} ERROR proxy [-] {txn} ended")
    path = tmp_path / "proxy.log"
    path.write_bytes("\r\n".join(lines).encode() + b"\r\n")
    idx = indexed(path)
    got = in_parts(pool, idx)
    assert any(key.startswith("tx") for key in got.postings)
    same_postings(got, one_thread(idx))


def test_records_let_go_of_are_left_out_alike(pool: IndexPool) -> None:
    a, b = indexed(FILES[0]), indexed(FILES[0])
    a.drop_head(300)
    b.drop_head(300)
    got, want = in_parts(pool, a), one_thread(b)
    same_postings(got, want)
    assert got.records_of(next(iter(got.postings)))  # numbered from the first record held


def test_a_file_replaced_meanwhile_is_read_by_this_thread(pool: IndexPool, tmp_path: Path) -> None:
    path = tmp_path / "nova-api.log"
    path.write_bytes(FILES[0].read_bytes())
    idx = indexed(path)
    assert idx.source.read(0, 1)  # its descriptor is open: it keeps the file it opened
    other = tmp_path / "new.log"
    other.write_bytes(b"2016-06-10 21:49:30.000 1 INFO x [req-00000000-0000-0000-0000-000000000000] y\n")
    os.replace(other, path)
    same_postings(in_parts(pool, idx), one_thread(indexed(FILES[0])))


class CuttingLock:
    """A lock that lets go of the index's first records on its `at`th taking, as the memory
    window does while the ids are read."""

    def __init__(self, idx: FileIndex, at: int, count: int) -> None:
        self.idx, self.at, self.count, self.taken = idx, at, count, 0

    def __enter__(self) -> None:
        self.taken += 1
        if self.taken == self.at:
            self.idx.drop_head(self.count)

    def __exit__(self, *exc: object) -> None:
        return None


def test_records_let_go_of_meanwhile_are_found_nowhere(pool: IndexPool) -> None:
    idx, want_idx = indexed(FILES[0]), indexed(FILES[0])
    got = RequestIndex()
    assert add_file_in_parts(got, 0, idx, pool, lock=CuttingLock(idx, 4, 500)) == 0
    got.after_cut(0, idx.dropped)
    want_idx.drop_head(500)
    want = one_thread(want_idx)
    assert idx.dropped == 500
    for name in got.postings:
        assert got.records_of(name) == want.records_of(name), name
    assert {n for n in got.postings if got.records_of(n)} == {n for n in want.postings if want.records_of(n)}


class SwappingLock:
    """A lock that, taken first, gives the index another kind of source of the same bytes,
    as following may before the ids are read."""

    def __init__(self, idx: FileIndex) -> None:
        self.idx, self.taken = idx, 0

    def __enter__(self) -> None:
        self.taken += 1
        if self.taken == 1:
            old = self.idx.source
            self.idx.source = MemorySource(old.path, old.read(0, self.idx.scanned))
            old.close()

    def __exit__(self, *exc: object) -> None:
        return None


def test_a_source_of_another_kind_is_read_by_this_thread(pool: IndexPool) -> None:
    idx = indexed(FILES[0])
    got = RequestIndex()
    add_file_in_parts(got, 0, idx, pool, lock=SwappingLock(idx))
    same_postings(got, one_thread(indexed(FILES[0])))


def test_a_followed_file_goes_in_parts_too(
    pool: IndexPool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Following gives the index a source holding the file open; the processes still read
    the file, by the name it has now (rotated meanwhile), and give the same postings."""
    path = tmp_path / "nova-api.log"
    path.write_bytes(FILES[0].read_bytes())
    idx = indexed(path)
    expected = one_thread(idx)
    idx.source = HeldSource.open(path)
    path.rename(tmp_path / "nova-api.log.1")
    monkeypatch.setattr(request_parts, "MIN_PART", 0)
    assert wants_parts(pool, idx)
    parts = 0
    submit = pool.submit

    def counted(fn: Callable[..., object], *args: object) -> object:
        nonlocal parts
        parts += 1
        return submit(fn, *args)

    monkeypatch.setattr(pool, "submit", counted)
    same_postings(in_parts(pool, idx), expected)
    assert parts > 1
    idx.source.close()
