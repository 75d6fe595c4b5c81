"""Gzip sources: decompressed streaming into a spill file, each member capped.

The archives are made here, in tmp_path: a 3.6 MB bomb that expands to 1 GiB, truncated
and damaged archives, a `.gz` that holds plain text.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
import sys
import tempfile
import threading
import zlib
from pathlib import Path

import pytest

from ostui.core.indexing.index import FileIndex
from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.reading import source as source_module
from ostui.core.reading.source import GzipLimits, SpillSource, estimated_size, gunzip, open_gzip, open_source

LINE = b"2026-12-05 09:00:00.000 1234 INFO nova.api.openstack [-] the same line again and again\n"
GIB = 1 << 30


def make_bomb(path: Path, expands_to: int) -> None:
    """A gzip of one member that expands to `expands_to` bytes of one repeated log line."""
    block = LINE * ((1 << 20) // len(LINE))
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    with path.open("wb") as out:
        written = 0
        while written < expands_to:
            out.write(packer.compress(block))
            written += len(block)
        out.write(packer.flush())


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "nova-api.log.1.gz"
    make_bomb(path, GIB)
    return path


def peak_rss_kib(target: Path) -> tuple[dict, int]:
    """`ostui scan --json target` in a child process: its summary and its own peak RSS
    in KiB (wait4 reports the rusage of that one child)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "ostui", "scan", "--json", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    out = child.stdout.read()
    err = child.stderr.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, err.decode()
    return json.loads(out), usage.ru_maxrss


def test_bomb_is_refused_with_numbers_and_memory_stays_flat(bomb: Path, tmp_path: Path) -> None:
    assert bomb.stat().st_size < 4 << 20  # 3.6 MB that expand to 1 GiB
    small = tmp_path / "nova-api.log"
    small.write_bytes(LINE * 100)
    _, rss_small = peak_rss_kib(small)
    summary, rss_bomb = peak_rss_kib(bomb)
    (entry,) = summary["files"]
    bomb_notes = [p for p in entry["problems"] if "decompression bomb" in p]
    assert bomb_notes, entry["problems"]
    assert "200:1" in bomb_notes[0] and "member 1" in bomb_notes[0]
    assert entry["records"] == 0  # the member is not loaded, not even in part
    # Decompression streams in 1 MiB pieces: the bomb costs no more than a small file.
    assert rss_bomb - rss_small < 48 << 10, (
        f"peak RSS {rss_bomb} KiB against {rss_small} KiB for a small file"
    )


def test_member_over_the_size_cap_is_reported_and_earlier_members_kept(tmp_path: Path) -> None:
    first = b"".join(b"%d first member line\n" % i for i in range(1000))
    second = b"".join(b"%d second member line, longer than the cap\n" % i for i in range(100_000))
    path = tmp_path / "nova-api.log.2.gz"
    path.write_bytes(gzip.compress(first) + gzip.compress(second))
    source = open_gzip(path, GzipLimits(max_member=1 << 20))
    assert source.read(0, source.size()) == first
    (problem,) = source.problems
    assert (
        "member 2" in problem
        and f"past {1 << 20} bytes" in problem
        and f"{len(first)} bytes before" in problem
    )


def test_cap_is_set_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nova-api.log.1.gz"
    path.write_bytes(gzip.compress(LINE * 20_000))  # ~1.7 MB of text
    monkeypatch.setenv("OSTUI_GZIP_MAX", "1M")
    refused = open_source(path)
    assert refused.size() == 0 and "past 1048576 bytes" in refused.problems[0]
    monkeypatch.setenv("OSTUI_GZIP_MAX", "lots")
    kept = open_source(path)
    assert kept.size() == len(LINE) * 20_000
    assert kept.problems == ["OSTUI_GZIP_MAX='lots' is not a size; using 4294967296 bytes"]


def test_truncated_archive_keeps_what_was_readable(tmp_path: Path) -> None:
    whole = gzip.compress(LINE * 5000) + gzip.compress(b"second\n" * 50_000)
    path = tmp_path / "nova-api.log.3.gz"
    path.write_bytes(whole[: len(whole) - 200])
    lf = LogFile(path, "n", "nova", "nova-api.log")
    open_files([lf])
    assert lf.index is not None and lf.error is None
    data = lf.index.source.read(0, lf.index.source.size())
    assert data.startswith(LINE * 5000 + b"second\n") and len(data) < len(LINE) * 5000 + 7 * 50_000
    assert any(p.startswith("truncated gzip") and str(len(data)) in p for p in lf.problems)
    assert len(lf.index) == 5000


def test_damaged_archive_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "nova-api.log.4.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(2000))
    source = open_source(path)
    assert source.size() == 0 and "damaged gzip data in member 1" in source.problems[0]
    data, problems = gunzip(gzip.compress(LINE) + b"\0" * 64)
    assert data == LINE and problems == []  # zero padding after the last member is no damage


def test_plain_text_named_gz_is_read_as_text_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "nova-api.log.1.gz"
    path.write_bytes(LINE * 3)
    lf = LogFile(path, "n", "nova", "nova-api.log")
    open_files([lf])
    assert lf.index is not None and len(lf.index) == 3 and lf.index.format.name == "oslo"
    assert lf.problems == ["named .gz but not compressed: read as plain text"]
    assert not any("damaged" in p for p in lf.problems)


def test_spill_is_private_random_access_and_deleted_on_close(tmp_path: Path) -> None:
    text = b"".join(b"%06d " % i + LINE for i in range(50_000))
    path = tmp_path / "nova-api.log.1.gz"
    path.write_bytes(gzip.compress(text))
    source = open_source(path)
    assert isinstance(source, SpillSource) and source.problems == []
    spill = Path(source._spill)
    assert stat.S_IMODE(spill.parent.stat().st_mode) == 0o700
    idx = FileIndex(source)
    idx.update()
    assert len(idx) == 50_000 and idx.raw(31_337) == b"%06d " % 31_337 + LINE
    source.close()
    assert not spill.exists()


def test_estimated_size_reads_the_trailer_of_real_gzip_only(tmp_path: Path) -> None:
    packed = tmp_path / "nova-api.log.1.gz"
    packed.write_bytes(gzip.compress(LINE * 1000))
    text = tmp_path / "nova-api.log.2.gz"
    text.write_bytes(LINE * 10)  # its last 4 bytes read as a size would be ~170 MB
    fifo = tmp_path / "nova-api.log.3.gz"
    os.mkfifo(fifo)
    assert estimated_size(packed) == len(LINE) * 1000
    assert estimated_size(text) == len(LINE) * 10
    sizes: list[int] = []
    asker = threading.Thread(target=lambda: sizes.append(estimated_size(fifo)), daemon=True)
    asker.start()
    asker.join(5)
    if asker.is_alive():
        pytest.fail("estimated_size blocked on a FIFO named .gz")
    assert sizes == [0]


def test_spill_folders_of_dead_processes_are_removed_others_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(ended.stdout)  # it has exited: nothing runs under that number now
    stale = tmp_path / f"ostui-spill-{dead_pid}-abc"
    stale.mkdir(mode=0o700)
    (stale / "left.log").write_bytes(LINE)
    alive = tmp_path / f"ostui-spill-{os.getppid()}-def"  # pytest's parent runs
    alive.mkdir(mode=0o700)
    unrelated = tmp_path / "ostui-spill-notapid"
    unrelated.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(source_module, "SPILL", source_module._SpillFolder())
    path = tmp_path / "nova-api.log.1.gz"
    path.write_bytes(gzip.compress(LINE))
    spilled = open_source(path)
    assert isinstance(spilled, SpillSource)
    assert Path(spilled._spill).parent.name.startswith(f"ostui-spill-{os.getpid()}-")
    assert not stale.exists() and alive.exists() and unrelated.exists()
    spilled.close()


def test_spill_stops_before_filling_its_filesystem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = b"".join(b"%08d " % i + LINE for i in range(700_000))  # ~64 MB of log
    path = tmp_path / "nova-api.log.1.gz"
    path.write_bytes(gzip.compress(text, 1))
    spill_fs = os.statvfs(tempfile.gettempdir())
    free = spill_fs.f_bavail * spill_fs.f_frsize
    room = 16 << 20  # leave the spill 16 MiB to write
    if free - room < spill_fs.f_blocks * spill_fs.f_frsize // 20:
        pytest.skip("the temporary filesystem is already nearly full: the spill keeps 5 % free")
    monkeypatch.setattr(source_module, "SPILL_KEEP_FREE", free - room)
    source = open_source(path)
    kept = source.size()
    assert 0 < kept < len(text)
    assert source.read(0, kept) == text[:kept]  # what was kept is the archive's start
    (problem,) = source.problems
    assert problem.startswith(f"decompression stopped after {kept} bytes") and "TMPDIR" in problem
