"""Faults over time: each group's occurrences on one strip across the whole window, so a
fault that began at 04:28 on one host stands out beside the others."""

from __future__ import annotations

from ostui.core.diagnosis.knowledge import FaultGroup, FaultSummary, summarize_faults
from ostui.core.indexing.logset import files_from_tree, open_files
from ostui.core.reading.discovery import discover
from ostui.core.strip import STRIP_CELLS, strip_shapes
from ostui.core.timekeys import NO_KEY, key_from_parts

from .conftest import REAL


def group_at(name: str, *minutes: int) -> FaultGroup:
    group = FaultGroup(name, name)
    for m in minutes:
        group.keys.append(key_from_parts(2015, 10, 20, m // 60, m % 60, 0, 0))
    return group


def test_each_group_is_counted_on_the_summarys_window() -> None:
    # 15 hours in 16 cells: an hour a cell
    early, late = group_at("early", 0, 0, 30), group_at("late", 14 * 60 + 10, 15 * 60)
    summary = FaultSummary(known=[early], unknown=[late])
    window = summary.window()
    assert window == (key_from_parts(2015, 10, 20, 0, 0, 0, 0), key_from_parts(2015, 10, 20, 15, 0, 0, 0))
    assert early.strip(window) == [3] + [0] * (STRIP_CELLS - 1)
    assert late.strip(window) == [0] * (STRIP_CELLS - 2) + [1, 1]
    assert FaultGroup("none", "none").strip(window) == [0] * STRIP_CELLS
    doc = summary.to_dict()
    assert doc["window"] == ["2015-10-20T00:00:00", "2015-10-20T15:00:00"]
    assert doc["unknown"][0]["occurrences"] == late.strip(window)


def test_undated_occurrences_are_counted_but_not_placed() -> None:
    summary = FaultSummary(unknown=[FaultGroup("x", "x", count=2)])
    assert summary.window() is None and summary.to_dict()["window"] is None
    assert NO_KEY not in group_at("y", 1).keys


def test_the_strip_keeps_a_single_occurrence_visible() -> None:
    assert strip_shapes([100, 1, 0, 50]) == "█▁ ▇"  # log heights: 1 is the lowest, never blank
    assert strip_shapes([0, 0]) == "  "


def test_osp6_faults_carry_their_occurrences() -> None:
    files = open_files(files_from_tree(discover(REAL / "osp6-live-migration")))
    doc = summarize_faults(files).to_dict()
    assert doc["window"] == ["2015-10-20T09:10:57.150000", "2015-10-29T10:51:49.064000"]
    for group in [*doc["known"], *doc["watching"], *doc["unknown"]]:
        assert len(group["occurrences"]) == STRIP_CELLS
        assert sum(group["occurrences"]) <= group["count"]  # records without a time are not placed
    rabbit = next(g for g in doc["known"] if g["id"] == "amqp-unreachable")
    assert rabbit["occurrences"][0] == rabbit["count"] == 96  # all on the first day of nine
