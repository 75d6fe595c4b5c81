"""The memory window: the oldest records are let go of, every line stays once, on disk or
held, and what is read back is the same bytes."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ostui.core.indexing.index import FileIndex
from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.levels import Level
from ostui.core.stream.marks import drop_mark
from ostui.core.stream.merge import MergedStream
from ostui.core.stream.requests import RequestIndex
from ostui.core.stream.view import Filters, StreamView
from ostui.core.stream.window import MAX_CUTS, Cut, choose_cut, cut_files, excess, join_cuts, read_back
from ostui.session import Options, Session

LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]


def _line(second: int, level: str, text: str) -> str:
    return f"2016-06-10 10:{second // 60:02d}:{second % 60:02d}.000 1 {level} nova.x [-] {text}\n"


def _file(tmp_path: Path, name: str, text: str = "") -> LogFile:
    path = tmp_path / name
    path.write_text(text)
    return open_files([LogFile(path, "node", "nova", name)])[0]


def _append(lf: LogFile, text: str) -> None:
    with open(lf.path, "a") as fh:
        fh.write(text)
    assert lf.index is not None
    lf.index.update(final=False)


def _raw_records(lf: LogFile) -> list[bytes]:
    idx = lf.index
    assert idx is not None
    return [idx.raw(i) for i in range(len(idx))]


def _rows(view: StreamView) -> list[tuple[str, bytes]]:
    out = []
    for row in range(len(view)):
        lf, rec = view.locate(row)
        assert lf.index is not None
        out.append((lf.path.name, lf.index.raw(rec)))
    return out


def test_drop_head_keeps_counts_bytes_and_goes_on_indexing(tmp_path: Path) -> None:
    text = "".join(
        _line(s, LEVELS[s % 4], f"m{s}") + ("  Traceback line\n" if s % 3 == 0 else "") for s in range(20)
    )
    lf = _file(tmp_path, "a.log", text)
    idx = lf.index
    assert idx is not None
    before = idx.level_counts()
    records = _raw_records(lf)
    start, end = idx.drop_head(7)
    assert (start, end) == (0, len(b"".join(records[:7])))
    assert idx.dropped == 7 and len(idx) == 13
    assert _raw_records(lf) == records[7:]
    assert idx.level_counts() == before  # the tree's counts keep the records let go of
    assert idx.record_at(end) == 0
    _append(lf, _line(30, "ERROR", "late") + "  its traceback\n")
    idx.update(final=True)
    assert _raw_records(lf)[-1] == (_line(30, "ERROR", "late") + "  its traceback\n").encode()
    assert idx.level_counts()["ERROR"] == before["ERROR"] + 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(steps=[("grow", 6, True), ("drop", 4, False), ("grow", 6, True)])  # dropped and grown between looks
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["grow", "drop"]), st.integers(0, 6), st.booleans()), max_size=12
    )
)
def test_severe_counts_go_on_from_the_last_call_and_start_over_at_a_drop(
    tmp_path: Path, steps: list[tuple[str, int, bool]]
) -> None:
    path = tmp_path / "severe.log"
    path.write_text(_line(0, "DEBUG", "the first line, for the format to be known"))
    lf = open_files([LogFile(path, "node", "nova", "severe.log")])[0]
    idx = lf.index
    assert idx is not None
    second = 1
    for kind, n, look in steps:
        if kind == "grow":
            lines = (_line(second + k, LEVELS[(second + k) % 4], "m") for k in range(n))
            _append(lf, "".join(lines))
            second += n
        else:
            idx.drop_head(n)
        if look:  # the tree looks now and then: records dropped and added between two looks
            every = idx.level_counts()
            assert idx.severe_counts() == (every.get("ERROR", 0), every.get("WARNING", 0))
    every = idx.level_counts()
    assert "UNKNOWN" not in every
    assert idx.severe_counts() == (every.get("ERROR", 0), every.get("WARNING", 0))


def test_a_file_let_go_of_whole_still_shows_lines_that_come_after(tmp_path: Path) -> None:
    lf = _file(tmp_path, "a.log", _line(1, "INFO", "one") + _line(2, "INFO", "two"))
    assert lf.index is not None
    lf.index.drop_head(2)
    _append(lf, "  a line with no header of its own\n" + _line(3, "INFO", "three"))
    # The first line belongs to a record let go of: it is shown on its own, never dropped.
    assert _raw_records(lf) == [b"  a line with no header of its own\n", _line(3, "INFO", "three").encode()]


def test_read_back_gives_the_same_bytes(tmp_path: Path) -> None:
    text = "".join(_line(s, "INFO", f"m{s}") for s in range(10))
    lf = _file(tmp_path, "a.log", text)
    records = _raw_records(lf)
    cut = cut_files([lf], {id(lf): 4})
    (older,) = read_back(cut)
    older.build()
    assert older.read_back is lf and older.path == lf.path
    assert _raw_records(older) == records[:4]
    assert _raw_records(lf) == records[4:]
    whole = FileIndex(older.index.source.inner, older.index.format)  # type: ignore[union-attr]
    whole.update()
    assert older.index is not None and list(older.index.keys) == list(whole.keys)[:4]


def test_choose_cut_by_time_and_from_the_merge_agree(tmp_path: Path) -> None:
    a = _file(tmp_path, "a.log", "".join(_line(s, "INFO", "a") for s in range(0, 40, 2)))
    b = _file(tmp_path, "b.log", "".join(_line(s, "INFO", "b") for s in range(1, 40, 4)))
    merged = MergedStream([f.index for f in (a, b) if f.index is not None])
    for count in (1, 5, 13, 29, 30):
        by_merge = choose_cut([a, b], count, merged)
        by_time = choose_cut([a, b], count)
        assert sum(by_merge.values()) == count
        assert by_time == by_merge, count


def test_faults_marks_and_request_postings_move_with_the_cut(tmp_path: Path) -> None:
    rid = "req-11111111-2222-3333-4444-555555555555"
    text = "".join(
        _line(s, "ERROR" if s in (2, 8) else "INFO", f"m{s} {rid if s in (1, 9) else ''}") for s in range(10)
    )
    lf = _file(tmp_path, "a.log", text)
    lf.faults = {2: "x", 8: "y"}
    lf.faults_checked = 10
    session = Session(Options(max_records=4))
    session.use_files([lf])
    mark = drop_mark("try", [lf])
    mark.first[id(lf)] = 6
    session.marks.append(mark)
    index = RequestIndex()
    assert lf.index is not None
    index.add_file(0, lf.index)
    session.request_index, session.request_files = index, [lf]
    assert index.records_of(rid) == [(0, 1), (0, 9)]
    with session.lock:
        cut = session.window()
    assert cut is not None and cut.records == {id(lf): 6}
    assert lf.faults == {2: "y"} and lf.faults_checked == 4
    assert mark.start_of(lf) == 0
    assert index.records_of(rid) == [(0, 3)]
    assert session.windowed_out == 6
    assert session.window() is None  # 4 held: within the window


def test_no_cut_within_the_slack_or_without_a_bound(tmp_path: Path) -> None:
    lf = _file(tmp_path, "a.log", "".join(_line(s, "INFO", "m") for s in range(11)))
    assert excess([lf], 10) == 0  # 10 % slack: 11 is not past it
    assert excess([lf], 0) == 0
    assert excess([lf], 9) == 2


def test_cuts_join_up_to_a_window_each(tmp_path: Path) -> None:
    lf = _file(tmp_path, "a.log", "".join(_line(s % 3600, "INFO", "m") for s in range(MAX_CUTS + 10)))
    cuts = [cut_files([lf], {id(lf): 1}) for _ in range(MAX_CUTS + 5)]
    whole = [(c.spans[0][1], c.spans[0][2]) for c in cuts]
    join_cuts(cuts, limit=2)
    assert len(cuts) == MAX_CUTS
    assert sum(c.count for c in cuts) == MAX_CUTS + 5
    spans = [(s, e) for c in cuts for _, s, e in c.spans]
    assert spans[0] == (whole[0][0], whole[1][1]) and spans[-1] == whole[-1]
    assert all(c.count <= 2 for c in cuts)
    assert isinstance(cuts[0], Cut)


FILTERS = [Filters(), Filters(levels=frozenset({Level.ERROR, Level.WARNING})), Filters(text="m1")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 2), st.integers(1, 6), st.integers(0, 3), st.booleans()),
        min_size=1,
        max_size=25,
    ),
    limit=st.integers(3, 25),
    which=st.integers(0, len(FILTERS) - 1),
)
def test_following_with_a_window_keeps_every_line_once(
    tmp_path_factory: object, steps: list[tuple[int, int, int, bool]], limit: int, which: int
) -> None:
    """Files grow in steps while the window cuts: the view always equals a new merge of
    what is held, and what is held plus every cut read back is each file, byte for byte."""
    tmp = tmp_path_factory.mktemp("w")  # type: ignore[attr-defined]
    # Each file starts with a line (its format is sniffed from it); every line after has a
    # time of its own: records of equal time in two files keep the order they came in while
    # followed, and the file order in a new merge.
    files = [_file(tmp, f"{n}.log", _line(0, "INFO", f"first of {n}")) for n in range(3)]
    filters = FILTERS[which]
    session = Session(Options(max_records=limit))
    session.use_files(files)
    view = StreamView(files, filters)
    clock = 0
    for n, (fno, lines, level, traceback) in enumerate(steps):
        text = ""
        for i in range(lines):
            clock += 1
            text += _line(clock, LEVELS[(level + i) % 4], f"m{n}.{i}")
            if traceback and i == lines - 1:
                text += "Traceback (most recent call last):\n  File x\n"
        _append(files[fno], text)
        with session.lock:
            if view.extend() is None:
                view = StreamView(files, filters)
            cut = session.window(view.merged)
            if cut is not None and view.drop_head(cut.records) is None:
                view = StreamView(files, filters)
        assert _rows(view) == _rows(StreamView(files, filters))
        held = sum(len(f.index) for f in files if f.index is not None)
        assert held <= limit + limit // 10 or cut is None
    for lf in files:
        assert lf.index is not None
        older = [f for c in session.cuts for f in read_back(c) if f.read_back is lf]
        for f in older:
            f.build()
        data = b"".join(r for f in older for r in _raw_records(f)) + b"".join(_raw_records(lf))
        assert data == lf.path.read_bytes()
        assert sum(len(f.index or ()) for f in older) == lf.index.dropped


def test_request_postings_of_a_file_already_cut_count_from_its_window(tmp_path: Path) -> None:
    rid = "req-11111111-2222-3333-4444-555555555555"
    text = "".join(_line(s, "INFO", f"m{s} {rid if s in (1, 7) else ''}") for s in range(10))
    lf = _file(tmp_path, "a.log", text)
    assert lf.index is not None
    lf.index.drop_head(5)
    index = RequestIndex()
    index.add_file(0, lf.index)
    assert index.records_of(rid) == [(0, 2)]


def test_the_tree_counts_what_the_window_let_go_of(tmp_path: Path) -> None:
    from ostui.tui.widgets.source_tree import counts

    text = "".join(_line(s, ["ERROR", "WARNING", "INFO"][s % 3], "m") for s in range(9))
    lf = _file(tmp_path, "a.log", text)
    assert counts([lf]) == (3, 3)
    cut_files([lf], {id(lf): 5})
    assert counts([lf]) == (3, 3)
    mark = drop_mark("try", [lf])
    assert counts([lf], since=mark) == (0, 0)


def test_a_request_story_reads_only_the_records_held(tmp_path: Path) -> None:
    from ostui.core.stream.requests import search_request

    rid = "req-11111111-2222-3333-4444-555555555555"
    text = "".join(_line(s, "INFO", f"m{s} {rid if s in (1, 7) else ''}") for s in range(10))
    lf = _file(tmp_path, "a.log", text)
    assert [e.record.message for e in search_request([lf], rid).entries] == [f"m1 {rid}", f"m7 {rid}"]
    cut_files([lf], {id(lf): 5})
    assert [e.record.message for e in search_request([lf], rid).entries] == [f"m7 {rid}"]


def test_a_producer_read_out_of_a_shared_file_reads_back_the_same_records() -> None:
    from ostui.core.indexing.logset import expand_producers

    path = Path(__file__).parent / "data" / "mixed-producers" / "sunbeam-pebble.excerpt.log"
    producers = open_files(expand_producers([LogFile(path, "node", "comp", path.name)]))
    assert len(producers) > 1
    for lf in producers:
        records = _raw_records(lf)
        if len(records) < 4:
            continue
        half = len(records) // 2
        (older,) = read_back(cut_files([lf], {id(lf): half}))
        older.build()
        assert _raw_records(older) == records[:half]
        assert _raw_records(lf) == records[half:]
