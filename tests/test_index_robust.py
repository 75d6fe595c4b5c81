"""The indexer on bad input: never a crash, never a lost byte, problems reported."""

from __future__ import annotations

import gzip
import os
from array import array
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ostui.core.indexing.index import FileIndex, join_starts, quirks
from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.indexing.records import parse_record
from ostui.core.levels import Level
from ostui.core.parsing.formats import get_format, sniff_format
from ostui.core.reading.source import MemorySource, gunzip, open_source
from ostui.core.timekeys import NO_KEY

OSLO_LINE = (
    b"2016-06-10 21:49:30.191 7533 ERROR nova.api.openstack "
    b"[req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2 - - - - -] boom\n"
)
TRACE_LINE = b"2016-06-10 21:49:30.191 7533 TRACE nova.api.openstack Traceback (most recent call last):\n"

line_parts = st.sampled_from(
    [
        OSLO_LINE,
        TRACE_LINE,
        b"\r\n",
        b"\n",
        b"\x00\x00",
        b"\xff\xfe\xc3(",
        b"\x1b[01;31m",
        b"[-] ",
        b"2016-06-10 21:49:30.191 ",
        b"\n9000-01-01 00:00:00.000 7533 ERROR x [-] a year no key holds\n",
        b"INFO ",
        b'  File "x.py", line 1, in f\n',
        b"req-",
        b"Traceback",
    ]
)
garbage = st.lists(st.one_of(line_parts, st.binary(max_size=40)), max_size=60).map(b"".join)


def _check_lossless(idx: FileIndex, data: bytes) -> None:
    assert idx.scanned == len(data)
    if not data:
        assert len(idx) == 0
        return
    assert idx.starts[0] == 0
    assert list(idx.starts) == sorted(set(idx.starts))
    assert b"".join(idx.raw(i) for i in range(len(idx))) == data
    assert len(idx.levels) == len(idx.keys) == len(idx.starts)
    for i in range(len(idx)):
        rec = parse_record(idx, i)
        assert isinstance(rec.text, str)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=garbage, fmt=st.sampled_from(["oslo", "text", "pylog"]), block=st.sampled_from([7, 64, 1 << 20]))
def test_garbage_never_crashes_nor_loses_bytes(data: bytes, fmt: str, block: int) -> None:
    idx = FileIndex(MemorySource(Path("g.log"), data), get_format(fmt))
    idx.update(block_size=block)
    _check_lossless(idx, data)


@settings(max_examples=60, deadline=None)
@given(data=garbage)
def test_sniffing_garbage_picks_some_format(data: bytes) -> None:
    idx = FileIndex(MemorySource(Path("g.log"), data))
    idx.update()
    _check_lossless(idx, data)


def test_crlf_nul_and_invalid_utf8_are_kept_as_text() -> None:
    data = OSLO_LINE.replace(b"\n", b"\r\n") + b"\x00\xff junk line\r\n" + OSLO_LINE
    idx = FileIndex(MemorySource(Path("x"), data), get_format("oslo"))
    idx.update()
    assert len(idx) == 2 and idx.lines == 3
    rec = parse_record(idx, 0)
    assert rec.message == "boom" and "\r" not in rec.text
    assert "\ufffd junk line" in rec.text  # the bad line stays, as text of the record before it


def test_stamps_of_years_no_key_holds_give_none_and_no_crash() -> None:
    # A 64-bit key holds years 1100 to 2899; a log (or someone writing to it) may say 9000.
    years = [b"9000", b"0001", b"2016", b"1099", b"2899"]
    data = b"".join(OSLO_LINE.replace(b"2016", year, 1) for year in years)
    idx = FileIndex(MemorySource(Path("x"), data), get_format("oslo"))
    idx.update()
    assert len(idx) == 5
    assert [k == NO_KEY for k in idx.keys] == [True, True, False, True, False]


def test_leading_lines_are_unknown_records_not_dropped() -> None:
    data = b"+ bash noise\n+ more\n" + OSLO_LINE
    idx = FileIndex(MemorySource(Path("x"), data), get_format("oslo"))
    idx.update()
    assert [Level(v) for v in idx.levels] == [Level.UNKNOWN, Level.UNKNOWN, Level.ERROR]
    assert idx.unparsed == 2


def test_ten_megabyte_line(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    path.write_bytes(OSLO_LINE + OSLO_LINE[:-1] + b"x" * (10 << 20) + b"\n" + OSLO_LINE)
    idx = FileIndex(open_source(path), get_format("oslo"))
    idx.update(block_size=1 << 20)
    assert len(idx) == 3 and idx.lines == 3
    assert idx.long_lines > 0
    rec = parse_record(idx, 1, limit=1 << 20)
    assert rec.truncated > 0 and len(rec.text) <= 1 << 20


def test_truncated_gzip_keeps_what_it_can(tmp_path: Path) -> None:
    whole = gzip.compress(OSLO_LINE * 2000)
    path = tmp_path / "nova-api.log.2.gz"
    path.write_bytes(whole[: len(whole) // 2])
    src = open_source(path)
    assert src.problems and "truncated" in src.problems[0]
    assert 0 < src.size() < len(OSLO_LINE) * 2000
    data, problems = gunzip(whole + b"\0\0")
    assert data == OSLO_LINE * 2000 and not problems


def test_unreadable_and_missing_files_are_reported(tmp_path: Path) -> None:
    missing = LogFile(tmp_path / "gone.log", "n", "nova", "gone.log")
    open_files([missing])
    assert missing.index is None and missing.error


def test_file_deleted_while_open_stays_readable(tmp_path: Path) -> None:
    path = tmp_path / "nova-api.log"
    path.write_bytes(OSLO_LINE * 3)
    lf = LogFile(path, "n", "nova", path.name)
    lf.open()
    os.unlink(path)
    lf.build()
    assert lf.index is not None and len(lf.index) == 3


def test_index_follows_appends_and_holds_partial_lines(tmp_path: Path) -> None:
    path = tmp_path / "live.log"
    path.write_bytes(OSLO_LINE + OSLO_LINE[:30])
    idx = FileIndex(open_source(path), get_format("oslo"))
    assert idx.update(final=False) == 1
    with path.open("ab") as f:
        f.write(OSLO_LINE[30:] + TRACE_LINE)
    assert idx.update(final=False) == 1
    assert len(idx) == 2 and idx.raw(1).endswith(TRACE_LINE)


def test_sniff_prefers_oslo_on_oslo() -> None:
    assert sniff_format(OSLO_LINE * 10 + TRACE_LINE * 30).name == "oslo"
    assert sniff_format(b"just words\nand more\n").name == "text"


def test_parallel_build_matches_single_process(tmp_path: Path) -> None:
    from ostui.core.indexing import parallel

    body = (OSLO_LINE + TRACE_LINE * 3 + b"  continued text\n") * 4000
    path = tmp_path / "nova-api.log"
    path.write_bytes(b"+ leading noise\n" + body)
    one = LogFile(path, "n", "nova", path.name)
    two = LogFile(path, "n", "nova", path.name)
    open_files([one], times=True)
    open_files([two], times=True, build=False)
    old = parallel.MIN_PART
    parallel.MIN_PART = 1024
    try:
        parallel.build_files([two], workers=3)
    finally:
        parallel.MIN_PART = old
    a, b = one.index, two.index
    assert a is not None and b is not None
    assert list(a.starts) == list(b.starts) and a.levels == b.levels and list(a.keys) == list(b.keys)
    assert (a.lines, a.tracebacks, a.unparsed, a.request_ids) == (
        b.lines,
        b.tracebacks,
        b.unparsed,
        b.request_ids,
    )
    assert b.scanned == path.stat().st_size


def test_quirks_are_counted_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "odd.log"
    path.write_bytes(OSLO_LINE.replace(b"\n", b"\r\n") + b"bad \xff\xfe bytes \x00\x00\n" + OSLO_LINE)
    lf = LogFile(path, "n", "nova", path.name)
    open_files([lf])
    idx = lf.index
    assert idx is not None
    assert (idx.crlf, idx.nul, idx.bad_utf8) == (1, 2, 2)
    assert any("CRLF" in p for p in lf.problems) and any("NUL" in p for p in lf.problems)
    assert any("UTF-8" in p for p in lf.problems)


def _update_within(idx: FileIndex, seconds: float, **kwargs: object) -> None:
    """Run idx.update in a thread; a loop that never ends fails the test instead of hanging it."""
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            idx.update(**kwargs)  # type: ignore[arg-type]
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"index.update still running after {seconds} s: it spins on a file that shrank")
    if errors:
        raise errors[0]


@pytest.mark.parametrize("final", [True, False])
def test_file_truncated_mid_line_during_first_index(tmp_path: Path, final: bool) -> None:
    path = tmp_path / "nova-api.log"
    path.write_bytes(OSLO_LINE * 400)
    keep = len(OSLO_LINE) * 100 + 20  # 100 whole lines and the head of the next
    idx = FileIndex(open_source(path), get_format("oslo"))

    def truncate_once(scanned: int, size: int) -> None:
        if path.stat().st_size > keep:
            os.truncate(path, keep)

    _update_within(idx, 5.0, final=final, progress=truncate_once, block_size=len(OSLO_LINE) * 10)
    assert idx.scanned == (keep if final else keep - 20)
    assert len(idx) == 100 and idx.lines == (101 if final else 100)  # the head is no record
    assert idx.shrank == (len(OSLO_LINE) * 400, keep)
    assert any("shrank" in quirk and str(keep) in quirk for quirk in quirks(idx))


class _ReadSizes(MemorySource):
    """Bytes in memory that remember the longest read asked of them."""

    longest = 0

    def read(self, offset: int, length: int) -> bytes:
        self.longest = max(self.longest, length)
        return super().read(offset, length)


def test_line_longer_than_the_cap_is_indexed_in_bounded_pieces() -> None:
    blob = b"\0" * (10 << 20)  # a sparse file's zeros: no newline for 10 MiB
    data = blob + b"\n" + OSLO_LINE
    source = _ReadSizes(Path("nova-api.log"), data)
    idx = FileIndex(source, get_format("oslo"))
    idx.max_line = 1 << 20
    idx.update(block_size=256 << 10)
    assert source.longest <= (1 << 20) + 1  # never the whole line at once
    assert idx.scanned == len(data) and (len(idx), idx.lines) == (2, 2)
    assert b"".join(idx.raw(i) for i in range(len(idx))) == data
    assert idx.split_lines == 10 and any("in pieces" in q for q in quirks(idx))


def test_partial_last_line_completed_later_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "nova-api.log"
    path.write_bytes(OSLO_LINE + OSLO_LINE[:80])  # a whole header, not yet its message
    idx = FileIndex(open_source(path), get_format("oslo"))
    idx.update(final=True)
    with path.open("ab") as f:
        f.write(OSLO_LINE[80:])
    idx.update(final=True)
    assert (len(idx), idx.lines) == (2, 2)


@settings(max_examples=200, deadline=None)
@given(
    data=st.binary(max_size=300).map(lambda b: b.replace(b"x", b""))
    | st.sampled_from([b"", b"abab", b"aaaa"]),
    spots=st.lists(st.integers(0, 300), max_size=6),
    start=st.integers(0, 80),
    block=st.integers(2, 40),
)
def test_find_all_finds_each_occurrence_once_across_block_edges(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, spots: list[int], start: int, block: int
) -> None:
    """Occurrences straddling a block's edge are found, none twice, from `start` on."""
    needle = b"xyx"
    for at in sorted(spots, reverse=True):
        data = data[:at] + needle + data[at:]
    path = tmp_path_factory.mktemp("find") / "f.log"
    path.write_bytes(data)
    source = open_source(path)
    expected = [i for i in range(start, len(data)) if data.startswith(needle, i)]
    assert source.find_all(needle, start, block_size=block) == expected
    assert source.find_all(needle, start, limit=2, block_size=block) == expected[:2]


def test_offsets_past_4_gib_widen_the_record_starts(tmp_path: Path) -> None:
    """Starts are 4 bytes a record while they fit: records on both sides of 4 GiB (a
    sparse file, so nothing big is written) are each found, at their own offsets."""
    lines = [f"2016-06-10 21:49:{s:02d}.000 7533 INFO nova.api [-] line {s}\n".encode() for s in range(6)]
    at = (1 << 32) - 3 * len(lines[0])
    path = tmp_path / "sparse.log"
    with path.open("wb") as out:
        out.seek(at - 1)
        out.write(b"\n" + b"".join(lines))
    idx = FileIndex(open_source(path), get_format("oslo"))
    idx.scanned = at  # (the zeros before are not what this is about)
    idx.update()
    assert idx.starts.typecode == "Q"
    assert idx.starts[2] < idx.starts[3] == 1 << 32  # the first offset 4 bytes cannot hold
    assert [idx.raw(i) for i in range(len(idx))] == lines
    small = FileIndex(MemorySource(Path("small.log"), b"".join(lines)))
    small.update()
    assert small.starts.itemsize == 4 and len(small) == 6


def test_a_part_with_wider_starts_widens_the_joined_ones() -> None:
    narrow = array("I", [0, 10])
    wide = array("Q", [1 << 32, 1 << 33])
    joined = join_starts(narrow, wide.tobytes(), wide.typecode)
    assert joined.itemsize == 8 and joined.tolist() == [0, 10, 1 << 32, 1 << 33]
    assert join_starts(joined, array("I", [7]).tobytes(), "I").tolist()[-1] == 7
