"""Reproduction marks: only what came after the mark, errors and failing requests in order."""

from __future__ import annotations

from pathlib import Path

from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.stream.marks import drop_mark, summarize_since

from .conftest import SEED


def test_summary_after_a_mark(tmp_path: Path) -> None:
    path = tmp_path / "nova-api.log"
    seed = (SEED / "nova-api.log").read_bytes()
    path.write_bytes(seed)  # an old failure, before the mark
    lf = LogFile(path, "controller", "nova", path.name)
    open_files([lf])
    mark = drop_mark("try 1", [lf])
    assert summarize_since(mark, [lf]).errors == []
    with path.open("ab") as f:
        f.write(seed.replace(b"req-e359221b", b"req-aaaaaaaa"))
    assert lf.index is not None
    lf.index.update(final=False)
    summary = summarize_since(mark, [lf])
    assert [e.record.message for e in summary.errors] == ["Caught error: id"]
    assert [(f.request_id, f.status) for f in summary.failing] == [
        ("req-aaaaaaaa-6be3-4ac2-bb55-5310f5bb0bb2", 500)
    ]
    first = summary.first_alert
    assert first is not None and first.record.message == "Caught error: id"


def test_files_that_appear_after_the_mark_count_entirely(tmp_path: Path) -> None:
    mark = drop_mark("try 2", [])
    path = tmp_path / "nova-api.log"
    path.write_bytes((SEED / "nova-api.log").read_bytes())
    lf = LogFile(path, "controller", "nova", path.name)
    open_files([lf])
    assert len(summarize_since(mark, [lf]).errors) == 1
