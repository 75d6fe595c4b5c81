"""End to end: a range chosen on the timeline filters the stream, in a real tmux pane."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from ostui.cli import main

from .conftest import REAL
from .tmux_driver import TmuxPane, ostui_command

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")
OSP6 = REAL / "osp6-live-migration"


def _records_in_first_buckets(capsys: pytest.CaptureFixture[str], bucket: str, count: int) -> tuple[str, int]:
    assert main(["timeline", "--json", "--bucket", bucket, "--root", str(OSP6)]) == 0
    buckets = json.loads(capsys.readouterr().out)["buckets"]
    return buckets[0]["start"], sum(b["total"] for b in buckets[:count])


def test_range_marked_on_the_timeline_filters_the_stream(capsys: pytest.CaptureFixture[str]) -> None:
    pane = TmuxPane([*ostui_command(), "--root", str(OSP6)])
    try:
        pane.wait_for(r"of 14,746 records")
        pane.keys("i")
        screen = pane.wait_for(r"\((\d+[smhd]) per column\)(?s:.*)hp-ms-01-c30 ")
        width = re.search(r"\((\d+[smhd]) per column\)", screen)
        assert width is not None and "hp-ms-01-c30" in screen  # one strip per node
        assert width.group(1) == "2h"  # ten days of logs fit 146 columns at 2 h each
        # The cursor opens on the first column; mark it and the next one, then filter.
        pane.keys("Space", "Right")
        pane.wait_for(r"range from .*: space ends it")
        pane.keys("Space")
        pane.wait_for(r"enter filters")
        pane.keys("Enter")
        start, expected = _records_in_first_buckets(capsys, width.group(1), 2)
        screen = pane.wait_for(rf"{expected:,} of 14,746 records · time window")
        # Every record on screen is inside the two buckets of the range.
        stamps = re.findall(r"│(\d\d-\d\d \d\d):\d\d:\d\d", screen)
        assert stamps and all(s[:5] == start[5:10] and 8 <= int(s[6:8]) < 12 for s in stamps), stamps
    finally:
        pane.close()
