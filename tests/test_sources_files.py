"""What a source will and will not read: old Mac line ends, FIFOs, devices, and what
discovery could not read counted in scan's totals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ostui.core.indexing import parallel
from ostui.core.indexing.logset import LogFile, files_from_tree, open_files
from ostui.core.indexing.scan import scan_summary
from ostui.core.reading.discovery import discover
from ostui.core.reading.source import FileSource

LINE = b"2026-12-05 09:00:00.000 1234 INFO nova.api.openstack [-] record %d"


def cr_file(path: Path, records: int) -> bytes:
    data = b"".join((LINE % i) + b"\r" for i in range(records))
    path.write_bytes(data)
    return data


def test_cr_only_line_ends_are_split_counted_and_noted(tmp_path: Path) -> None:
    path = tmp_path / "nova-api.log"
    cr_file(path, 500)
    lf = LogFile(path, "n", "nova", path.name)
    open_files([lf])
    assert lf.index is not None
    assert (len(lf.index), lf.index.lines, lf.index.unparsed) == (500, 500, 0)
    assert lf.index.raw(7).rstrip(b"\n") == LINE % 7
    assert any("CR alone" in p for p in lf.problems)


def test_crlf_and_lone_crs_inside_lines_are_not_taken_for_cr_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "nova-api.log"
    path.write_bytes(b"".join((LINE % i) + b" 10%\r 100%\r\n" for i in range(50)))
    lf = LogFile(path, "n", "nova", path.name)
    open_files([lf])
    assert lf.index is not None and (len(lf.index), lf.index.lines) == (50, 50)
    assert not any("CR alone" in p for p in lf.problems)


def test_cr_only_file_split_across_worker_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nova-api.log"
    cr_file(path, 20_000)
    lf = LogFile(path, "n", "nova", path.name)
    open_files([lf], build=False)
    monkeypatch.setattr(parallel, "MIN_PART", 64 << 10)
    parallel.build_files([lf], workers=3)
    assert lf.index is not None and (len(lf.index), lf.index.lines) == (20_000, 20_000)


def test_fifo_and_device_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "nova-api.log"
    os.mkfifo(fifo)  # no writer: a blocking open would wait forever
    errors: dict[str, str] = {}

    def try_open(name: str, path: Path) -> None:
        try:
            FileSource(path)
        except OSError as exc:
            errors[name] = str(exc)

    for name, path in (("fifo", fifo), ("device", Path("/dev/zero"))):
        opener = threading.Thread(target=try_open, args=(name, path), daemon=True)
        opener.start()
        opener.join(5)
        if opener.is_alive():
            pytest.fail(f"opening the {name} blocked")
    assert "not a regular file (a FIFO)" in errors["fifo"]
    assert "not a regular file (a character device)" in errors["device"]


def test_scan_counts_what_discovery_skipped_as_unreadable(tmp_path: Path) -> None:
    nova = tmp_path / "n/var/log/nova"
    nova.mkdir(parents=True)
    (nova / "nova-api.log").write_bytes((LINE % 1) + b"\n")
    os.mkfifo(nova / "nova-compute.log")
    os.symlink("/etc/hostname", nova / "nova-conductor.log")
    tree = discover(tmp_path / "n")
    files = open_files(files_from_tree(tree))
    summary = scan_summary(files, tree.skipped)
    assert summary["totals"]["files"] == 1 and summary["totals"]["unreadable"] == 2
    assert {s["path"] for s in summary["skipped"]} == {
        str(nova / "nova-compute.log"),
        str(nova / "nova-conductor.log"),
    }


def test_scan_command_totals_agree_with_its_skipped_list(tmp_path: Path) -> None:
    nova = tmp_path / "n/var/log/nova"
    nova.mkdir(parents=True)
    (nova / "nova-api.log").write_bytes((LINE % 1) + b"\n")
    os.mkfifo(nova / "nova-compute.log")
    os.symlink("gone.log", nova / "nova-scheduler.log")
    done = subprocess.run(
        [sys.executable, "-m", "ostui", "scan", "--json", str(tmp_path / "n")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    reasons = {Path(s["path"]).name: s["reason"] for s in summary["skipped"]}
    assert reasons == {
        "nova-compute.log": "not a regular file (a FIFO): not opened",
        "nova-scheduler.log": "dangling symlink (to gone.log)",
    }
    assert summary["totals"]["unreadable"] == len(summary["skipped"]) == 2


def test_a_slice_reads_its_bytes_and_asks_no_size() -> None:
    """A part of a file (a worker's) or its tail: reads are cut at the slice's end and stop
    at the inner source's; no read asks the inner source its size (an fstat each: reading
    a part's error records paid one per record)."""
    from ostui.core.reading.source import MemorySource, SliceSource

    class Counted(MemorySource):
        sizes = 0

        def size(self) -> int:
            Counted.sizes += 1
            return super().size()

    data = bytes(range(100))
    part = SliceSource(Counted(Path("x.log"), data), 10, 40)
    assert part.read(0, 5) == data[10:15]
    assert part.read(25, 20) == data[35:40]  # cut at the slice's end
    assert part.read(30, 5) == b"" and part.read(-5, 10) == b""
    tail = SliceSource(Counted(Path("x.log"), data), 90)
    assert tail.read(5, 20) == data[95:]  # stops where the inner source does
    assert Counted.sizes == 0
    assert part.size() == 30 and tail.size() == 10
