"""Faults over time: each group's occurrences on one strip across the whole window, so a
fault that began at 04:28 on one host stands out beside the others."""

from __future__ import annotations

from datetime import datetime

from ostui.core.discovery import discover
from ostui.core.knowledge import STRIP_CELLS, FaultGroup, FaultSummary, strip_text, summarize_faults
from ostui.core.logset import files_from_tree, open_files

from .conftest import REAL


def group_at(key: str, *hours: float) -> FaultGroup:
    group = FaultGroup(key, key)
    for h in hours:
        group.times.append(datetime(2015, 10, 20, int(h), int(h % 1 * 60)).timestamp())
    return group


def test_each_group_is_counted_on_the_summarys_window() -> None:
    early, late = group_at("early", 0, 0, 0.5), group_at("late", 15.5, 16)
    summary = FaultSummary(known=[early], unknown=[late])
    window = summary.window()
    assert window == (datetime(2015, 10, 20, 0).timestamp(), datetime(2015, 10, 20, 16).timestamp())
    # an hour a cell: 0:00 and 0:30 share the first
    assert early.strip(window) == [3] + [0] * (STRIP_CELLS - 1)
    assert late.strip(window) == [0] * (STRIP_CELLS - 1) + [2]
    assert FaultGroup("none", "none").strip(window) == [0] * STRIP_CELLS
    assert summary.to_dict()["unknown"][0]["occurrences"] == late.strip(window)


def test_the_strip_keeps_a_single_occurrence_visible() -> None:
    assert strip_text([100, 1, 0, 50]) == "█▁ ▄"
    assert strip_text([0, 0]) == "  "


def test_osp6_faults_carry_their_occurrences() -> None:
    files = open_files(files_from_tree(discover(REAL / "osp6-live-migration")))
    summary = summarize_faults(files)
    doc = summary.to_dict()
    assert doc["window"] == ["2015-10-20T09:10:57.150000", "2015-10-29T10:51:49.064000"]
    for group in [*doc["known"], *doc["watching"], *doc["unknown"]]:
        assert len(group["occurrences"]) == STRIP_CELLS
        assert sum(group["occurrences"]) <= group["count"]  # records without a time are not placed
    rabbit = next(g for g in doc["known"] if g["id"] == "amqp-unreachable")
    assert rabbit["occurrences"][0] == rabbit["count"] == 96  # all on the first day of nine
