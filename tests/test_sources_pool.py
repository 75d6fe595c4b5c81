"""The descriptor pool: thousands of files read within a small descriptor limit.

The headless commands run in child processes limited to 256 descriptors
(`ulimit -n 256`) over a tree of 1,500 files made here; the pool itself is checked
in-process: its capacity, reopening a file renamed meanwhile, and refusing to read
another file that took a deleted one's name.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.reading.source import POOL, DescriptorPool, FileSource

REQUEST = "req-0b2c7a55-5c1f-4bb7-9d53-4d1f07f0a111"
BASES = 500  # each with a live file, a .1 and a .2.gz: 1,500 files


def line(n: int, level: str = "INFO", request: str = "-") -> bytes:
    stamp = f"2026-12-05 09:00:{n % 60:02d}.000"
    return f"{stamp} 1234 {level} nova.api.openstack [{request}] line {n}\n".encode()


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("many") / "nova"
    root.mkdir()
    for i in range(BASES):
        name = f"nova-worker{i:03d}.log"
        (root / name).write_bytes(line(i) + line(i, "ERROR", REQUEST))
        (root / f"{name}.1").write_bytes(line(i) * 3)
        (root / f"{name}.2.gz").write_bytes(gzip.compress(line(i) * 4))
    return root


def run_limited(*args: str) -> subprocess.CompletedProcess[str]:
    """`ostui ARGS` with at most 256 descriptors, as under `ulimit -n 256`."""
    return subprocess.run(
        [sys.executable, "-m", "ostui", *args],
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256)),
    )


def test_scan_counts_every_file_at_ulimit_256(big_tree: Path) -> None:
    done = run_limited("scan", "--json", str(big_tree))
    assert done.returncode == 0, done.stderr
    assert "Too many open files" not in done.stdout + done.stderr
    summary = json.loads(done.stdout)
    totals = summary["totals"]
    assert totals["files"] == 3 * BASES and totals["unreadable"] == 0, totals
    assert totals["lines"] == BASES * (2 + 3 + 4)
    assert summary["skipped"] == []
    assert all(not f["problems"] for f in summary["files"])


def test_request_and_faults_read_every_file_at_ulimit_256(big_tree: Path) -> None:
    request = run_limited("request", "--json", REQUEST, str(big_tree))
    assert request.returncode == 0, request.stderr
    assert "Too many open files" not in request.stdout + request.stderr
    story = json.loads(request.stdout)
    assert story["count"] == BASES and len({r["file"] for r in story["records"]}) == BASES
    faults = run_limited("faults", "--json", str(big_tree))
    assert faults.returncode == 0, faults.stderr
    assert "Too many open files" not in faults.stdout + faults.stderr
    report = json.loads(faults.stdout)
    assert (report["files"], report["error_records"]) == (3 * BASES, BASES)


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_open_files_within_a_low_descriptor_limit(big_tree: Path) -> None:
    """In this process, with the soft limit just above what is open now: the pool
    meets EMFILE, keeps fewer descriptors from then on, and every file is read."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    files = [LogFile(p, "n", "nova", p.name) for p in sorted(big_tree.iterdir())]
    capacity = POOL.capacity
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_descriptors() + 40, hard))
    try:
        open_files(files)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        POOL.capacity = capacity
    assert [f.error for f in files if f.error] == []
    assert sum(f.index.lines for f in files if f.index is not None) == BASES * (2 + 3 + 4)


def test_pool_keeps_its_capacity_and_reopens_on_demand(tmp_path: Path) -> None:
    pool = DescriptorPool(capacity=8)
    paths = []
    for i in range(40):
        paths.append(tmp_path / f"f{i}.log")
        paths[-1].write_bytes(line(i))
    before = open_descriptors()
    sources = [FileSource(p, pool) for p in paths]
    assert len(pool) == 8 and open_descriptors() - before <= 8
    assert [s.read(0, 100) for s in sources] == [line(i) for i in range(40)]
    assert len(pool) == 8 and open_descriptors() - before <= 8
    assert pool.opened == 80  # each opened once to check it, once more to read it
    for s in sources:
        s.close()
    assert len(pool) == 0 and open_descriptors() == before


def test_reopen_finds_a_renamed_file_and_refuses_a_different_one(tmp_path: Path) -> None:
    pool = DescriptorPool(capacity=2)
    live = tmp_path / "nova-api.log"
    live.write_bytes(line(1))
    gone = tmp_path / "gone.log"
    gone.write_bytes(line(2))
    renamed = FileSource(live, pool)
    replaced = FileSource(gone, pool)
    others = [tmp_path / f"o{i}.log" for i in range(2)]
    for p in others:
        p.write_bytes(b"x\n")
        FileSource(p, pool).read(0, 1)  # pushes the first two out of the pool
    live.rename(tmp_path / "nova-api.log.1")  # rotated while its descriptor was closed
    live.write_bytes(b"a new live file\n")
    assert renamed.read(0, 200) == line(1)
    gone.unlink()
    gone.write_bytes(b"another file with that name\n")
    assert replaced.read(0, 200) == b"" and replaced.size() == 0  # not the other file's text
    assert replaced.lost and "deleted or replaced" in replaced.lost and replaced.lost in replaced.problems


def test_threads_reading_through_a_small_pool_never_get_another_files_bytes(tmp_path: Path) -> None:
    """Eviction never closes a descriptor under a read in another thread (a closed number
    is reused at once by the next open: the read would get another file's bytes)."""
    import threading

    pool = DescriptorPool(capacity=3)
    paths = []
    for i in range(60):
        paths.append(tmp_path / f"f{i}.log")
        paths[-1].write_bytes(line(i) * 2000)  # ~150 KB each
    sources = [FileSource(p, pool) for p in paths]
    wrong: list[str] = []

    def reader(start: int) -> None:
        for k in range(300):
            i = (start + k * 7) % len(sources)
            data = sources[i].read(0, len(line(i)) * 2000)
            if data != line(i) * 2000:
                wrong.append(f"file {i}: {data[:60]!r}")
                return

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "readers did not finish in 60 s"
    assert wrong == []


def test_close_during_a_read_in_another_thread_waits_for_that_read(tmp_path: Path) -> None:
    """The follower swaps a file's source and closes the old one while other threads may
    read it: the descriptor stays valid for the read in flight, and closes after it."""
    pool = DescriptorPool(capacity=4)
    path = tmp_path / "nova-api.log"
    path.write_bytes(line(1))
    source = FileSource(path, pool)
    fd = pool.acquire(source)  # a read in flight in another thread
    source.close()
    assert os.pread(fd, 100, 0) == line(1)  # still this file's descriptor
    assert source.read(0, 100) == b"" and source.size() == 0  # reads after close get nothing
    pool.release(source)  # the read is done: now the descriptor goes
    with pytest.raises(OSError):
        os.fstat(fd)
