"""Request postings found by two literal-start searches equal those of the one alternation."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ostui.core.ids import ANY_ID_RE_B
from ostui.core.indexing.index import FileIndex
from ostui.core.indexing.logset import LogFile, files_from_tree
from ostui.core.reading.discovery import discover
from ostui.core.reading.source import FileSource
from ostui.core.stream.requests import RequestIndex
from ostui.session import Options, Session

DATA = Path(__file__).parent / "data"


def reference_postings(file_no: int, idx: FileIndex) -> dict[str, list[int]]:
    """Every id of the whole file by the alternation, in the order it meets them."""
    data = idx.source.read(0, idx.scanned)
    out: dict[str, list[int]] = {}
    for m in ANY_ID_RE_B.finditer(data):
        ref = (file_no << 40) | max(bisect_right(idx.starts, m.start()) - 1, 0)
        refs = out.setdefault(m.group().decode(), [])
        if not refs or refs[-1] != ref:
            refs.append(ref)
    return out


def indexed(path: Path) -> FileIndex:
    lf = LogFile(path, "node", "swift", path.name)
    lf.open()
    lf.build()
    assert lf.index is not None
    return lf.index


@contextmanager
def indexed_session(path: Path) -> Iterator[tuple[Session, list[LogFile]]]:
    """A browser session over `path`, its files opened and indexed; closed after."""
    session = Session(Options(paths=[path]))
    try:
        files = session.select()
        for f in files:
            f.open()
            f.build()
        yield session, files
    finally:
        session.close()


def swift_and_oslo_ids(tmp_path: Path) -> Path:
    """Swift proxy lines (tx ids) between oslo lines (req ids), ids split over small blocks."""
    lines = []
    for n in range(300):
        tx = f"tx{n:021x}-{n * 7919:010x}"
        req = f"req-{n:08x}-0000-4000-8000-{n * 31:012x}"
        lines.append(f"2024-05-14 10:00:{n % 60:02d}.000 77 INFO nova.api [{req} - - - - -] GET /v2.1 {tx}")
        lines.append(f"May 14 10:00:{n % 60:02d} proxy-server: 10.0.0.1 GET /v1/AUTH_x 200 - {tx} {req}")
    path = tmp_path / "proxy-server.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_swift_and_oslo_ids_give_the_alternations_postings(tmp_path: Path) -> None:
    idx = indexed(swift_and_oslo_ids(tmp_path))
    found = RequestIndex()
    found.add_file(3, idx, block_size=4096)  # ids cut by a block's end are found whole
    want = reference_postings(3, idx)
    assert list(found.postings) == list(want), "ids met in another order"
    assert {k: list(v) for k, v in found.postings.items()} == want
    assert any(k.startswith("tx") for k in want) and any(k.startswith("req-") for k in want)


@pytest.mark.parametrize(
    "tree", ["real/devstack-ci", "real/osp6-live-migration", "real/ubuntu-ussuri", "seed"]
)
def test_real_files_give_the_alternations_postings(tree: str) -> None:
    for n, lf in enumerate(files_from_tree(discover(DATA / tree))):
        lf.open()
        lf.build()
        if lf.index is None:
            continue
        found = RequestIndex()
        found.add_file(n, lf.index)
        want = reference_postings(n, lf.index)
        assert {k: list(v) for k, v in found.postings.items()} == want, lf.path
        assert list(found.postings) == list(want), lf.path


def test_postings_are_compact_arrays(tmp_path: Path) -> None:
    found = RequestIndex()
    found.add_file(0, indexed(swift_and_oslo_ids(tmp_path)))
    assert all(isinstance(refs, array) and refs.typecode == "Q" for refs in found.postings.values())


def test_a_cancelled_build_stops_between_blocks_and_keeps_nothing(tmp_path: Path) -> None:
    """Quitting while the request index is built: the scan stops at the next block, and the
    session is left without a request index rather than with part of one."""
    from ostui.session import loops

    path = tmp_path / "nova-api.log"
    path.write_bytes((DATA / "seed" / "nova-api.log").read_bytes() * 40)
    idx = indexed(path)
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2

    part = RequestIndex()
    part.add_file(0, idx, block_size=4096, cancelled=cancelled)
    whole = RequestIndex()
    whole.add_file(0, idx, block_size=4096)
    assert len(asked) == 3  # asked before each block, stopped at the third
    assert 0 < sum(map(len, part.postings.values())) < sum(map(len, whole.postings.values()))

    with indexed_session(path) as (session, _):
        loops.index_requests(session, lambda: True)
        assert session.request_index is None
        loops.index_requests(session)
        assert session.request_index is not None


def test_the_request_index_reads_in_small_blocks(tmp_path: Path) -> None:
    """Each block read is copied once (joined to the tail of the one before): 8 MiB blocks
    added 16 MiB to the browser's peak memory at the end of indexing (bench_browser_index,
    200 MiB: 103 -> 81 MiB with 1 MiB blocks)."""
    import tracemalloc

    path = tmp_path / "nova-api.log"
    path.write_bytes((DATA / "seed" / "nova-api.log").read_bytes() * 3000)  # ~19 MiB
    idx = indexed(path)
    assert idx.scanned > 16 << 20
    tracemalloc.start()
    try:
        RequestIndex().add_file(0, idx)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"{peak >> 20} MiB at the peak"


def test_the_request_index_takes_no_copy_of_the_record_starts(tmp_path: Path) -> None:
    """The browser's request index looks records up in the live index, block by block under
    the session's lock: a copy of the starts (8 bytes a record) was 30 MB at the end of
    indexing a 1 GiB log, on top of the peak."""
    import tracemalloc

    from ostui.session import loops

    path = tmp_path / "nova-api.log"
    line = "2024-05-14 10:00:00.000 7 INFO n [req-{:08x}-0000-4000-8000-000000000000 - -] x\n"
    path.write_text("".join(map(line.format, range(400_000))))  # 400k records: 3.2 MB of starts
    with indexed_session(path) as (session, files):
        assert files[0].index is not None and len(files[0].index) == 400_000
        tracemalloc.start()
        try:
            loops.index_requests(session)
            kept, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert session.request_index is not None and len(session.request_index) == 400_000
        # What is kept (400k ids and their postings) plus a block or two, no more.
        assert peak - kept < 3 << 20, f"{(peak - kept) >> 20} MiB above what is kept"


class _CutOnThirdHold:
    """A lock that, the third time it is taken, lets go of the index's first records first:
    the memory window cutting the head between two blocks of the request scan."""

    def __init__(self, idx: FileIndex, count: int) -> None:
        self.idx, self.count, self.held = idx, count, 0

    def __enter__(self) -> None:
        self.held += 1
        if self.held == 3:
            self.idx.drop_head(self.count)

    def __exit__(self, *exc: object) -> None:
        return None


def test_records_let_go_of_during_the_request_scan_are_numbered_as_held(tmp_path: Path) -> None:
    idx = indexed(swift_and_oslo_ids(tmp_path))
    want = reference_postings(0, idx)  # numbered as before the cut
    found = RequestIndex()
    lock = _CutOnThirdHold(idx, 150)
    dropped = found.add_file(0, idx, block_size=4096, lock=lock)
    assert lock.held > 4 and dropped == 0 and idx.dropped == 150
    found.after_cut(0, idx.dropped - dropped)
    assert {k: list(v) for k, v in found.postings.items() if k not in want} == {}
    for key, refs in want.items():
        held = [(0, (r & ((1 << 40) - 1)) - 150) for r in refs]
        assert found.records_of(key) == [h for h in held if h[1] >= 0], key
        for _, rec in found.records_of(key):
            assert key.encode() in idx.raw(rec), (key, rec)


class _SwapOnThirdHold:
    """A lock that, the third time it is taken, gives the index another source of the same
    file and closes the one it had, as following does when it starts."""

    def __init__(self, idx: FileIndex) -> None:
        self.idx, self.held = idx, 0

    def __enter__(self) -> None:
        self.held += 1
        if self.held == 3:
            old = self.idx.source
            self.idx.source = FileSource(old.path)
            old.close()

    def __exit__(self, *exc: object) -> None:
        return None


def test_a_source_swapped_during_the_request_scan_is_read_to_the_end(tmp_path: Path) -> None:
    idx = indexed(swift_and_oslo_ids(tmp_path))
    want = reference_postings(0, idx)
    found = RequestIndex()
    lock = _SwapOnThirdHold(idx)
    found.add_file(0, idx, block_size=4096, lock=lock)
    assert lock.held > 4
    assert {k: list(v) for k, v in found.postings.items()} == want
