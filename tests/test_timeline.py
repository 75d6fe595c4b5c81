"""The timeline's counts: per level and bucket, equal to `scan`'s, live, per row."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from ostui.cli import main
from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.levels import Level
from ostui.core.stream.timeline import (
    ZOOMS,
    Timeline,
    column_starts,
    columns_between,
    parse_zoom,
    producer_of,
    step_key,
)
from ostui.core.timekeys import key_from_parts

from .conftest import REAL, SEED

OSP6 = REAL / "osp6-live-migration"


@pytest.mark.parametrize("where", [["--root", str(OSP6)], [str(SEED / "nova-api.log")]])
def test_timeline_counts_equal_scan_per_level(capsys: pytest.CaptureFixture[str], where: list[str]) -> None:
    assert main(["scan", "--json", *where]) == 0
    scan = json.loads(capsys.readouterr().out)["totals"]["levels"]
    assert main(["timeline", "--json", "--bucket", "1m", "--by", "node", *where]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["totals"] == scan
    summed: dict[str, int] = {}
    for bucket in doc["buckets"]:
        for name, n in bucket["levels"].items():
            summed[name] = summed.get(name, 0) + n
    for name, n in doc["undated"].items():
        summed[name] = summed.get(name, 0) + n
    assert summed == scan  # every record in exactly one bucket (or said to be undated)
    per_node = {name: sum(b["total"] for b in rows) for name, rows in doc["groups"].items()}
    assert sum(per_node.values()) + sum(doc["undated"].values()) == sum(scan.values())


def test_seed_buckets_hold_the_error_in_its_minute(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timeline", "--json", "--bucket", "1s", str(SEED / "nova-api.log")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["buckets"] == [{"start": "2016-06-10 21:49:30", "levels": {"INFO": 2, "ERROR": 1}, "total": 3}]


def test_bad_bucket_is_refused_with_the_widths(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timeline", "--bucket", "7m", str(SEED / "nova-api.log")]) == 2
    assert "1m" in capsys.readouterr().err


def _write(path: Path, lines: list[str]) -> None:
    with path.open("a") as out:
        out.write("".join(f"{line}\n" for line in lines))


def _oslo(stamp: str, level: str, message: str) -> str:
    return f"{stamp} 1234 {level} nova.api [req-11111111-2222-3333-4444-555555555555 - - - - -] {message}"


def test_columns_count_ranges_and_the_calendar(tmp_path: Path) -> None:
    log = tmp_path / "nova-api.log"
    _write(
        log,
        [
            _oslo("2016-06-10 23:59:58.100", "INFO", "a"),
            _oslo("2016-06-10 23:59:59.900", "ERROR", "b"),
            _oslo("2016-06-11 00:00:01.000", "WARNING", "c"),
            _oslo("2016-06-11 00:01:00.000", "ERROR", "d"),
        ],
    )
    files = open_files([LogFile(log, "n1", "nova", "nova-api.log")])
    timeline = Timeline.of_files(files)
    first = key_from_parts(2016, 6, 10, 23, 59, 58, 100000)
    cols = timeline.columns(first, parse_zoom("1s"), 4)
    assert [c.bands() for c in cols] == [(1, 0, 0), (0, 0, 1), (0, 0, 0), (0, 1, 0)]
    # Midnight crossed by the column steps: the fourth second is the next day's 00:00:01.
    assert cols[3].start == key_from_parts(2016, 6, 11, 0, 0, 1, 0)
    minute = timeline.columns(first, parse_zoom("1m"), 3)
    assert [c.total for c in minute] == [2, 1, 1]
    assert columns_between(first, key_from_parts(2016, 6, 11, 0, 1, 0, 0), parse_zoom("1m")) == 3
    assert step_key(first, parse_zoom("1h"), 1) == key_from_parts(2016, 6, 11, 0, 0, 0, 0)


def test_every_zoom_steps_on_the_calendar() -> None:
    start = key_from_parts(2016, 12, 31, 22, 0, 0, 0)
    for zoom in ZOOMS:
        keys = column_starts(start, zoom, 200)
        assert all(b > a for a, b in itertools.pairwise(keys)), zoom.label
        assert all(k % zoom.divisor == 0 for k in keys), zoom.label  # each a bucket's own start


def test_live_records_grow_the_newest_column(tmp_path: Path) -> None:
    log = tmp_path / "nova-compute.log"
    _write(log, [_oslo("2016-06-10 21:49:30.000", "INFO", "first")])
    lf = LogFile(log, "n1", "nova", "nova-compute.log")
    files = open_files([lf])
    timeline = Timeline.of_files(files, by="producer")
    assert timeline.totals() == {"INFO": 1}
    _write(
        log,
        [_oslo("2016-06-10 21:49:31.000", "ERROR", "second"), _oslo("2016-06-10 21:49:31.5", "ERROR", "x")],
    )
    assert lf.index is not None
    lf.index.update()
    assert timeline.update(files) == 2
    assert timeline.totals() == {"INFO": 1, "ERROR": 2}
    cols = timeline.columns(
        key_from_parts(2016, 6, 10, 21, 49, 30, 0), parse_zoom("1s"), 2, "n1/nova-compute"
    )
    assert [c.counts[Level.ERROR] for c in cols] == [0, 2]
    assert producer_of(lf) == "nova-compute"


def test_clock_shift_moves_a_nodes_records(tmp_path: Path) -> None:
    log = tmp_path / "nova-compute.log"
    _write(log, [_oslo("2016-06-10 21:49:59.500", "ERROR", "late clock")])
    files = open_files([LogFile(log, "c30", "nova", "nova-compute.log")])
    shifted = Timeline.of_files(files, shifts={"c30": 1_000_000})
    span = shifted.span()
    assert span is not None and span[0] == key_from_parts(2016, 6, 10, 21, 50, 0, 0)


def test_records_without_time_are_counted_and_said(capsys: pytest.CaptureFixture[str]) -> None:
    transcript = str(SEED / "nova-client-debug.txt")
    assert main(["timeline", "--json", "--client-debug", transcript]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["buckets"] == [] and doc["undated"] == doc["totals"] and sum(doc["totals"].values()) == 16
    assert main(["timeline", "--client-debug", transcript]) == 0
    out = capsys.readouterr().out
    assert "no record carries a time" in out and "without a time: 16" in out


def test_occurrence_strip_shows_when_and_how_often() -> None:
    from ostui.core.strip import occurrence_strip
    from ostui.core.timekeys import NO_KEY

    first = key_from_parts(2016, 6, 10, 4, 0, 0, 0)
    last = key_from_parts(2016, 6, 10, 5, 0, 0, 0)  # one hour in 7 cells of 10 minutes
    at_0428 = key_from_parts(2016, 6, 10, 4, 28, 0, 0)
    keys = [at_0428] * 20 + [last, NO_KEY]
    strip = occurrence_strip(keys, first, last, 7)
    assert strip == "  █   ▁"  # a burst at 04:28 (cell 2), one more at the end; the undated left out
    assert occurrence_strip([], first, last, 5) == "     "
