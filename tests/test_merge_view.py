"""Merging files by time and filtering the merged stream."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.indexing.records import parse_record
from ostui.core.levels import Level
from ostui.core.stream.merge import SHIFT, count_by_file, monotone_keys
from ostui.core.stream.view import Filters, StreamView
from ostui.core.timekeys import NO_KEY, iso_key

from .conftest import REAL, SEED_REQUEST


def _line(ts: str, level: str, msg: str, rid: str = "-") -> str:
    return f"2016-06-10 {ts} 1 {level} nova.x [{rid}] {msg}\n"


def _files(tmp_path: Path, contents: dict[str, str]) -> list[LogFile]:
    out = []
    for name, text in contents.items():
        p = tmp_path / name
        p.write_text(text)
        out.append(LogFile(p, "node", "nova", name))
    return open_files(out)


def test_monotone_keys_backfills_and_never_goes_back() -> None:
    keys = [NO_KEY, 5, 3, NO_KEY, 7]
    assert list(monotone_keys(keys)) == [5, 5, 5, 5, 7]


_KEY = st.one_of(st.integers(-3, 40), st.just(NO_KEY))


@given(
    keys=st.one_of(
        st.lists(_KEY, max_size=200),  # dips everywhere: the accumulate path
        st.lists(_KEY, max_size=400).map(sorted),  # no dip
        # a clock that seldom goes back: the bisection path
        st.lists(st.tuples(st.integers(0, 500), _KEY), max_size=6).map(
            lambda cuts: [k for at, key in cuts for k in (*range(at, at + 80), key)]
        ),
    ),
    floor=st.one_of(st.just(NO_KEY), st.integers(-5, 600)),
)
@settings(max_examples=300, deadline=None)
def test_running_max_is_the_max_so_far(keys: list[int], floor: int) -> None:
    from ostui.core.timekeys import running_max

    expected, peak = [], floor
    for key in keys:
        peak = max(peak, key)
        expected.append(peak)
    assert list(running_max(keys, floor)) == expected
    assert list(running_max(array("q", keys), floor)) == expected


def test_merge_is_stable_and_keeps_file_order(tmp_path: Path) -> None:
    a = (
        _line("10:00:01.000", "INFO", "a1")
        + "  continued a1\n"
        + _line("10:00:03.000", "INFO", "a2")
        + _line("10:00:02.500", "INFO", "a3 (clock went back)")
    )
    b = _line("10:00:01.000", "INFO", "b1") + _line("10:00:02.000", "ERROR", "b2") + "b2 tail without stamp\n"
    files = _files(tmp_path, {"a.log": a, "b.log": b})
    view = StreamView(files)
    messages = [view.record(i)[1].message for i in range(len(view))]
    # equal stamps: file a first; a3 stays after a2 in its file's order
    assert messages == ["a1", "b1", "b2", "a2", "a3 (clock went back)"]


def test_level_text_request_and_time_filters(tmp_path: Path) -> None:
    rid = "req-11111111-2222-3333-4444-555555555555"
    a = (
        _line("10:00:01.000", "INFO", "hello")
        + _line("10:00:02.000", "ERROR", "boom", rid)
        + _line("10:00:03.000", "WARNING", "careful")
    )
    b = _line("10:00:02.500", "DEBUG", f"calling with {rid}") + _line("10:00:04.000", "CRITICAL", "dead")
    files = _files(tmp_path, {"a.log": a, "b.log": b})

    def msgs(f: Filters) -> list[str]:
        v = StreamView(files, f)
        return [v.record(i)[1].message for i in range(len(v))]

    assert msgs(Filters(levels=frozenset({Level.ERROR, Level.CRITICAL}))) == ["boom", "dead"]
    assert msgs(Filters(text="BOOM|dead")) == ["boom", "dead"]
    assert msgs(Filters(text="(unclosed")) == []  # a broken regex is searched literally
    assert msgs(Filters(request_id=rid)) == ["boom", f"calling with {rid}"]
    assert msgs(
        Filters(since=iso_key(b"2016-06-10 10:00:02.200"), until=iso_key(b"2016-06-10 10:00:03.500"))
    ) == [f"calling with {rid}", "careful"]
    view = StreamView(files)
    assert view.find_level(0, +1) == 1
    assert view.find_level(1, +1) == 4
    assert view.row_at_time(iso_key(b"2016-06-10 10:00:02.700")) == 3


def test_real_two_node_merge_is_time_ordered() -> None:
    root = REAL / "osp6-live-migration"
    paths = [
        root / "hp-ms-01-c29/var/log/nova/nova-compute.log",
        root / "hp-ms-01-c30/var/log/nova/nova-compute.log",
    ]
    files = open_files([LogFile(p, p.parts[-5], "nova", p.name) for p in paths])
    view = StreamView(files)
    assert len(view) == 1435 + 1485
    keys = view.sorted_keys()
    assert list(keys) == sorted(keys)
    nodes = {view.locate(i)[0].node for i in range(0, len(view), 50)}
    assert nodes == {"hp-ms-01-c29", "hp-ms-01-c30"}


def test_seed_request_filter(data_dir: Path) -> None:
    lf = LogFile(data_dir / "seed/nova-api.log", "controller", "nova", "nova-api.log")
    view = StreamView(open_files([lf]), Filters(request_id=SEED_REQUEST[4:]))
    assert len(view) == 3


def test_view_extends_in_place_with_filters(tmp_path: Path) -> None:
    a = _line("10:00:01.000", "INFO", "a1")
    b = _line("10:00:02.000", "ERROR", "b1 boom")
    files = _files(tmp_path, {"a.log": a, "b.log": b})
    view = StreamView(files, Filters(levels=frozenset({Level.ERROR, Level.INFO}), text="boom|a2|b2"))
    assert [view.record(i)[1].message for i in range(len(view))] == ["b1 boom"]
    with (tmp_path / "a.log").open("a") as f:
        f.write(_line("10:00:03.000", "INFO", "a2") + _line("10:00:03.500", "DEBUG", "a3 boom"))
    with (tmp_path / "b.log").open("a") as f:
        f.write(_line("10:00:04.000", "ERROR", "b2"))
    for lf in files:
        assert lf.index is not None
        lf.index.update(final=False)
    assert view.extend() == 2  # a2 and b2; a3 is DEBUG
    assert [view.record(i)[1].message for i in range(len(view))] == ["b1 boom", "a2", "b2"]
    assert view.extend() == 0
    with (tmp_path / "a.log").open("a") as f:
        f.write(_line("10:00:00.500", "INFO", "late boom"))  # older than the stream's end
    assert files[0].index is not None
    files[0].index.update(final=False)
    # Merged into the tail where its file's time puts it (a file's times never go back:
    # it takes a3's), before b2, and it matches.
    assert view.extend() == 1
    assert [view.record(i)[1].message for i in range(len(view))] == ["b1 boom", "a2", "late boom", "b2"]


def test_a_late_record_goes_where_it_belongs_and_is_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polled one after the other, file b's newer line can be seen before file a's older
    one: it is merged into the stream's tail (the whole stream merged anew only when the
    tail would be long), never left out."""
    from ostui.core.stream import merge

    files = _files(
        tmp_path, {"a.log": _line("10:00:01.000", "INFO", "a1"), "b.log": _line("10:00:02.000", "INFO", "b1")}
    )
    view = StreamView(files)
    with (tmp_path / "b.log").open("a") as f:
        f.write(_line("10:00:04.000", "INFO", "b2"))
    assert files[1].index is not None
    files[1].index.update(final=False)
    assert view.extend() == 1
    with (tmp_path / "a.log").open("a") as f:
        f.write(_line("10:00:03.000", "INFO", "a2"))  # older than b2, arrives later
    assert files[0].index is not None
    files[0].index.update(final=False)
    assert view.extend() == 1 and view.remerged == 1
    assert [view.record(i)[1].message for i in range(len(view))] == ["a1", "b1", "a2", "b2"]
    monkeypatch.setattr(merge, "MAX_TAIL", 0)  # a tail too long to merge into: a new merge
    with (tmp_path / "a.log").open("a") as f:
        f.write(_line("10:00:03.500", "INFO", "a3"))
    files[0].index.update(final=False)
    assert view.extend() is None
    assert not view.merged.current()
    rebuilt = StreamView(files, merged=view.merged)
    assert [rebuilt.record(i)[1].message for i in range(len(rebuilt))] == ["a1", "b1", "a2", "a3", "b2"]


def test_one_unfiltered_files_positions_cost_no_memory_and_grow(tmp_path: Path) -> None:
    """One file, no filter: its stream's references and the view's rows are ranges (8 bytes
    a record saved twice over, 60 MB on a 1 GiB log), still ranges as the file grows, and
    the same records in the same places as the arrays a filter makes."""
    (lf,) = _files(tmp_path, {"a.log": "".join(_line(f"10:00:0{i}", "INFO", f"m{i}") for i in range(5))})
    view = StreamView([lf], Filters())
    assert isinstance(view.rows, range) and isinstance(view.merged.refs, range)
    with lf.path.open("a") as out:
        out.write(_line("10:00:06", "ERROR", "late") + _line("10:00:07", "INFO", "later"))
    assert lf.index is not None
    lf.index.update(final=False)
    assert view.extend() == 2
    assert view.rows == range(7) and view.merged.refs == range(7)
    assert [view.record(i)[1].message for i in (0, 5, 6)] == ["m0", "late", "later"]
    assert view.merged.position_of(0, 6) == 6 and view.locate(5) == (lf, 5)
    errors = StreamView([lf], Filters(levels=frozenset({Level.ERROR})), merged=view.merged)
    assert list(errors.rows) == [5] and not isinstance(errors.rows, range)
    with lf.path.open("a") as out:
        out.write(_line("10:00:08", "ERROR", "again"))
    lf.index.update(final=False)
    assert errors.extend() == 1 and list(errors.rows) == [5, 7]


def test_a_first_screens_record_is_found_in_the_whole_files_view() -> None:
    """The cursor on the first screen (a big file's tail, indexed on its own) stays on its
    record when the whole file's view replaces it: the same bytes, not the nearest time."""
    path = REAL / "osp6-live-migration" / "hp-ms-01-c29" / "var" / "log" / "nova" / "nova-api.log"
    (lf,) = open_files([LogFile(path, "node", "nova", path.name)])
    tail = lf.preview(64 << 10)
    assert tail is not None and tail.index is not None and len(tail.index) > 5
    view = StreamView([lf], Filters())
    for rec in (0, 1, len(tail.index) // 2, len(tail.index) - 1):
        row = view.row_of(tail, rec)
        assert row is not None
        shown_file, shown = view.record(row)
        assert shown_file is lf and shown.text == parse_record(tail.index, rec).text


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 59), st.sampled_from(["INFO", "ERROR", "DEBUG"])),
        min_size=1,
        max_size=60,
    ),
    st.integers(1, 6),
)
def test_late_records_merge_into_the_tail_as_a_new_merge_would(
    tmp_path_factory: pytest.TempPathFactory, writes: list[tuple[int, int, str]], batch: int
) -> None:
    """Three files written at once, each line stamped when it was made, read in batches:
    a file's batch may hold records older than another's newest. Each extend leaves the
    stream and the views (unfiltered, ERROR only, a text) in time order with every record
    a new merge would show, and says how many rows it added."""
    tmp = tmp_path_factory.mktemp("late")
    files = _files(tmp, {f"f{n}.log": _line("10:00:00.000", "INFO", f"start {n}") for n in range(3)})
    filters = [Filters(), Filters(levels=frozenset({Level.ERROR})), Filters(text="m1")]
    views = [StreamView(files, f) for f in filters]
    for at in range(0, len(writes), batch):
        for fno, second, level in writes[at : at + batch]:
            with files[fno].path.open("a") as out:
                out.write(_line(f"10:01:{second:02d}.000", level, f"m{second}"))
        for lf in files:
            assert lf.index is not None
            lf.index.update(final=False)
        for n, f in enumerate(filters):
            before = len(views[n])
            added = views[n].extend()
            if added is None:
                views[n] = StreamView(files, f)
            else:
                assert added == len(views[n]) - before
            # Records of one time keep the order they were read in (a new merge orders them
            # by file): the same records, at the same times, shown.
            fresh = StreamView(files, f)
            got, want = views[n].merged, fresh.merged
            assert list(got.keys) == list(want.keys)
            mine = zip(got.keys, got.refs, got.levels, strict=True)
            assert sorted(mine) == sorted(zip(want.keys, want.refs, want.levels, strict=True))
            assert sorted((got.keys[p], got.refs[p]) for p in views[n].rows) == sorted(
                (want.keys[p], want.refs[p]) for p in fresh.rows
            )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.sampled_from([0, 20, 40]), st.sampled_from(["INFO", "ERROR"])), max_size=12),
        min_size=2,
        max_size=4,
    ),
    st.booleans(),
)
def test_files_whose_times_do_not_overlap_merge_as_the_sort_would(
    tmp_path_factory: pytest.TempPathFactory, lines: list[list[tuple[int, str]]], apart: bool
) -> None:
    """A log and its rotations do not overlap in time: their merge is one file after
    another (no sort), and it must equal the stable sort of every record's key that any
    other merge is, ties between files included. `apart` shifts each file past the one
    before, so most cases take that way; the rest overlap and take the sort."""
    tmp = tmp_path_factory.mktemp("apart")
    contents = {}
    for n, records in enumerate(lines):
        shift = 40 * (len(lines) - n) if apart else 0  # later names hold older records, as rotations do
        contents[f"f{n}.log"] = "".join(
            _line(f"10:{(second + shift) // 60:02d}:{(second + shift) % 60:02d}.000", level, f"f{n}r{i}")
            for i, (second, level) in enumerate(sorted(records))
        )
    files = _files(tmp, contents)
    merged = StreamView(files).merged
    everything = []
    for fno, lf in enumerate(files):
        assert lf.index is not None
        everything += [(key, fno, rec) for rec, key in enumerate(monotone_keys(lf.index.keys))]
    by_key = sorted(everything, key=lambda item: item[0])  # stable: file order on equal keys
    assert [(fno, rec) for _, fno, rec in by_key] == [merged.locate(p) for p in range(len(merged))]
    assert list(merged.keys) == [key for key, _, _ in by_key]
    assert bytes(merged.levels) == bytes(files[fno].index.levels[rec] for _, fno, rec in by_key)  # type: ignore[union-attr]


def test_a_merge_of_files_being_indexed_takes_the_records_counted_and_borrows_their_keys(
    tmp_path: Path,
) -> None:
    """While the indexer joins parts, a view merges as many records of each file as were
    counted under the lock (more may be added meanwhile) and copies the indexer's keys,
    which the index keeps growing."""
    from array import array

    from ostui.core.stream.merge import MergedStream

    a = "".join(_line(f"10:00:0{n}.000", "INFO", f"a{n}") for n in range(0, 8, 2))
    b = "".join(_line(f"10:00:0{n}.000", "ERROR", f"b{n}") for n in range(1, 8, 2))
    files = _files(tmp_path, {"a.log": a, "b.log": b})
    indexes = [lf.index for lf in files]
    assert indexes[0] is not None and indexes[1] is not None
    indexes[0].mono = monotone_keys(indexes[0].keys)  # as the parallel indexer leaves them
    lent = array("q", indexes[0].mono)
    merged = MergedStream(indexes, borrow=True, counts=[2, 3])  # type: ignore[arg-type]
    assert [merged.locate(p) for p in range(len(merged))] == [(0, 0), (1, 0), (0, 1), (1, 1), (1, 2)]
    assert indexes[0].mono == lent  # still the index's, whole
    taken = MergedStream(indexes)  # type: ignore[arg-type]
    assert len(taken) == 8 and indexes[0].mono is None


def test_a_tail_read_first_goes_on_from_the_part_indexed_even_when_its_clock_went_back(
    tmp_path: Path,
) -> None:
    """While indexing, a file's tail is shown beside the part of it indexed so far. When
    the file's stamps go back somewhere after that part, the tail still follows the part,
    as in the whole file's order (and without a sort of every record: one after the other)."""
    path = tmp_path / "nova-api.log"
    path.write_text("".join(_line(f"10:01:{n % 60:02d}.000", "INFO", f"early {n}") for n in range(60)))
    (lf,) = open_files([LogFile(path, "node", "nova", path.name)])
    assert lf.index is not None
    lf.index.update(final=False)  # the part indexed so far
    with path.open("a") as out:  # then the clock went back a minute
        out.write("".join(_line(f"10:00:{n % 60:02d}.000", "INFO", f"late {n}") for n in range(200)))
    tail = lf.preview(2048)
    assert tail is not None and tail.index is not None and tail.whole is lf
    view = StreamView([lf, tail], borrow=True)
    messages = [view.record(i)[1].message for i in range(len(view))]
    assert messages[:60] == [f"early {n}" for n in range(60)]
    assert len(messages) == 60 + len(tail.index) and all(m.startswith("late") for m in messages[60:])
    assert isinstance(view.merged.refs, array) and list(view.merged.keys) == sorted(view.merged.keys)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 3), max_size=300).map(bytes) | st.binary(max_size=300),
    st.integers(0, 1 << 40),
)
def test_chosen_positions_are_those_compress_gives(mask: bytes, start: int) -> None:
    """Sparse masks are searched, dense ones compressed: the same positions either way."""
    from itertools import compress

    from ostui.core.stream.merge import _chosen

    sparse = bytes(len(mask) * 20) + mask  # mostly zeros: searched
    for m in (mask, sparse):
        assert list(_chosen(m, start)) == list(compress(range(start, start + len(m)), m))


def test_dense_positions_are_taken_a_chunk_at_a_time_and_stop_when_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chunk by chunk (the GIL let go between them, for the keys): the same positions as
    one `compress`; once cancelled (a newer filter, L L L), no chunk more is taken."""
    import random
    from itertools import compress

    from ostui.core.stream import merge

    monkeypatch.setattr(merge, "CHUNK", 7)
    rng = random.Random(11)
    for size in (0, 1, 6, 7, 8, 50, 301):
        mask = bytes(rng.choice((0, 1, 1, 2)) for _ in range(size))
        assert list(merge._chosen(mask, 40)) == list(compress(range(40, 40 + size), mask))
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2  # two chunks taken, then cancelled

    mask = bytes([1]) * 50
    assert list(merge._chosen(mask, 0, cancelled)) == list(range(14))


def test_a_merge_behind_by_a_long_tail_is_caught_up_in_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tail of late records too long for the screen's thread is merged by the new view
    (in its worker) into a copy of the shown merge: the same stream a whole new merge makes,
    the shown one untouched. A merge a cut was not told of is never reused."""
    from ostui.core.stream import merge

    monkeypatch.setattr(merge, "MAX_TAIL", 0)
    lines = {
        "a.log": _line("10:00:01.000", "INFO", "a1") + _line("10:00:05.000", "INFO", "a5"),
        "b.log": _line("10:00:02.000", "INFO", "b2"),
    }
    files = _files(tmp_path, lines)
    view = StreamView(files)
    with (tmp_path / "a.log").open("a") as f:
        f.write(_line("10:00:07.000", "INFO", "a7"))
    with (tmp_path / "b.log").open("a") as f:
        f.write(_line("10:00:03.000", "INFO", "b3") + _line("10:00:08.000", "INFO", "b8"))
    for lf in files:
        assert lf.index is not None
        lf.index.update(final=False)
    shown = (list(view.merged.refs), list(view.merged.keys))
    assert view.extend() is None  # b3 lands behind a5
    caught = view.merged.caught_up()
    assert caught is not None and caught is not view.merged and caught.current()
    fresh = merge.MergedStream([lf.index for lf in files if lf.index is not None])
    assert (list(caught.refs), list(caught.keys), caught.levels) == (
        list(fresh.refs),
        list(fresh.keys),
        fresh.levels,
    )
    assert (list(view.merged.refs), list(view.merged.keys)) == shown and not view.merged.current()
    rebuilt = StreamView(files, merged=view.merged)
    assert [rebuilt.record(i)[1].message for i in range(len(rebuilt))] == [
        "a1",
        "b2",
        "b3",
        "a5",
        "a7",
        "b8",
    ]
    # Two records of a let go of behind this merge's back, and as many written since: it
    # cannot be caught up (it would take a's numbers for the old ones).
    assert files[0].index is not None
    files[0].index.drop_head(2)
    with (tmp_path / "a.log").open("a") as f:
        f.write(_line("10:00:09.000", "INFO", "a9") + _line("10:00:10.000", "INFO", "a10"))
    files[0].index.update(final=False)
    assert len(files[0].index) >= view.merged.counts[0]
    assert view.merged.caught_up() is None


@settings(max_examples=200, deadline=None)
@given(
    files=st.integers(1, 300),
    picks=st.lists(st.tuples(st.integers(0, 299), st.integers(0, (1 << 40) - 1)), max_size=300),
    count=st.integers(0, 320),
)
def test_references_counted_by_file(files: int, picks: list[tuple[int, int]], count: int) -> None:
    refs = array("Q", [(fno % files) << SHIFT | rec for fno, rec in picks])
    expected = [0] * files
    for ref in refs[:count]:
        expected[ref >> SHIFT] += 1
    assert count_by_file(refs, count, files) == expected


def test_one_files_references_are_a_range() -> None:
    assert count_by_file(range(10), 4, 1) == [4]
    assert count_by_file(range(3), 4, 2) == [3, 0]
