"""The seed case: the failing request, its 500 and its 23-frame traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ostui.cli import main
from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.stream.requests import search_request

from .conftest import SEED, SEED_REQUEST


def _seed_files(indexed: bool) -> list[LogFile]:
    lf = LogFile(SEED / "nova-api.log", "controller", "nova", "nova-api.log")
    return open_files([lf], build=indexed)


def test_seed_story_unindexed_and_indexed_agree() -> None:
    for indexed in (False, True):
        story = search_request(_seed_files(indexed), SEED_REQUEST)
        assert len(story.entries) == 3
        assert story.status == 500
        first = story.entries[0].record
        assert first.level.name == "ERROR"
        assert first.message == "Caught error: id"
        tb = first.traceback
        assert tb is not None
        assert len(tb.frames) == 23
        assert (tb.exc_type, tb.exc_message) == ("AttributeError", "id")
        assert tb.frames[-1].path.endswith("glanceclient/openstack/common/apiclient/base.py")
        access = story.entries[2].record.http
        assert access is not None
        assert (access.method, access.status, access.length, access.duration) == ("GET", 500, 359, 0.043644)
        assert [round(e.since_first or 0, 3) for e in story.entries] == [0.0, 0.001, 0.002]


def test_request_json_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["request", SEED_REQUEST, str(SEED / "nova-api.log"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == 500
    assert doc["count"] == 3
    tb = doc["records"][0]["traceback"]
    assert tb["exc_type"] == "AttributeError" and len(tb["frames"]) == 23


def test_request_accepts_bare_uuid_and_reports_absence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["request", SEED_REQUEST[4:], str(SEED / "nova-api.log"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == 3
    assert main(["request", "req-00000000-0000-0000-0000-000000000000", str(SEED / "nova-api.log")]) == 1


def test_request_plain_output_shows_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    main(["request", SEED_REQUEST, str(SEED / "nova-api.log")])
    out = capsys.readouterr().out
    assert "AttributeError: id" in out and "HTTP status: 500" in out


def test_request_index_postings_agree_with_the_search() -> None:
    from ostui.core.indexing.logset import files_from_tree
    from ostui.core.reading.discovery import discover
    from ostui.core.stream.requests import RequestIndex

    from .conftest import REAL

    files = open_files(files_from_tree(discover(REAL / "osp6-live-migration")))
    index = RequestIndex()
    for n, lf in enumerate(files):
        assert lf.index is not None
        index.add_file(n, lf.index)
    assert len(index) == 210  # distinct req- ids, as counted with grep
    for rid in list(index.postings)[:25]:
        by_postings = {(str(files[f].path), files[f].index.starts[r]) for f, r in index.records_of(rid)}  # type: ignore[union-attr]
        found = {(str(e.file.path), e.record.offset) for e in search_request(files, rid, hops=0).entries}
        assert by_postings == found, rid
    some = next(iter(index.postings))
    assert index.ids_with_prefix(some[4:12]) and index.ids_with_prefix(some[:12])[0].startswith(some[:12])


def test_request_index_finds_ids_cut_by_block_ends(tmp_path: Path) -> None:
    from ostui.core.stream.requests import RequestIndex

    path = tmp_path / "nova-api.log"
    path.write_bytes((SEED / "nova-api.log").read_bytes() * 50)
    lf = _seed_files(True)[0]
    lf.path = path
    lf.index = None
    lf.error = None
    open_files([lf])
    assert lf.index is not None
    index = RequestIndex()
    index.add_file(0, lf.index, block_size=997)  # blocks end inside ids
    assert len(index.records_of(SEED_REQUEST)) == 150


def test_a_search_stops_soon_after_it_is_cancelled(tmp_path: Path) -> None:
    """The detail pane's search of a request over a big file that is not indexed yet stops
    when the cursor moves on (searches left running piled up, each reading the whole file)."""
    from ostui.core.reading.source import FileSource

    seed = (SEED / "nova-api.log").read_bytes()
    big = tmp_path / "nova-api.log"
    big.write_bytes(b"".join([b"x" * 1000 + b"\n"] * 20_000) + seed)  # the request at the end
    looks: list[int] = []

    def cancelled_after(n: int) -> bool:
        looks.append(1)
        return len(looks) > n

    source = FileSource(big)
    try:
        needle = SEED_REQUEST.encode()
        assert len(source.find_all(needle, block_size=1 << 16)) == 3
        looks.clear()
        assert source.find_all(needle, block_size=1 << 16, cancelled=lambda: cancelled_after(2)) == []
        assert len(looks) == 3  # a look per block: it stopped at the third
    finally:
        source.close()
    files = open_files([LogFile(big, "controller", "nova", big.name)], build=False)
    assert len(search_request(files, SEED_REQUEST).entries) == 3
    assert search_request(files, SEED_REQUEST, cancelled=lambda: True).entries == []
