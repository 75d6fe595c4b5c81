"""The browser's index processes (`IndexPool`): a file indexed in parts by other processes
and joined in order is the same index, to the byte, as one thread's; it goes on growing as
a followed file; and when the processes cannot run, the file is still indexed whole."""

from __future__ import annotations

from concurrent.futures import Future
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from ostui.core.indexing import parallel
from ostui.core.indexing.index import FileIndex
from ostui.core.indexing.logset import LogFile
from ostui.core.indexing.parallel import BACKGROUND_NICENESS, IndexPool, merge_part, release_part
from ostui.core.reading.source import FileSource

from .waiting import eventually

DATA = Path(__file__).resolve().parent / "data"
C29 = DATA / "real" / "osp6-live-migration" / "hp-ms-01-c29" / "var" / "log"
FILES = [
    C29 / "nova" / "nova-api.log",
    C29 / "neutron" / "server.log",
    DATA / "real" / "ubuntu-ussuri-rabbitmq" / "var" / "log" / "rabbitmq" / "rabbit@juju-04f1e3-1-lxd-5.log",
    DATA / "seed" / "nova-api.log",
]


@pytest.fixture(scope="module")
def pool() -> object:
    p = IndexPool(workers=2, part_size=16 << 10, min_size=0)  # many parts on small real files
    yield p
    p.close()


def serial(path: Path) -> FileIndex:
    idx = FileIndex(FileSource(path))
    idx.update(final=True)
    return idx


def in_parts(pool: IndexPool, path: Path) -> tuple[LogFile, list[int]]:
    lf = LogFile(path, "node", "component", path.name)
    lf.open()
    assert pool.wants(lf)
    seen: list[int] = []
    pool.build(lf, lambda done, size: seen.append(done))
    return lf, seen


def same_index(a: FileIndex, b: FileIndex) -> None:
    assert a.starts == b.starts
    assert a.levels == b.levels
    assert a.keys == b.keys
    for name in ("lines", "tracebacks", "unparsed", "request_ids", "scanned", "crlf", "nul", "bad_utf8"):
        assert getattr(a, name) == getattr(b, name), name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_parts_joined_in_order_are_one_threads_index(pool: IndexPool, path: Path) -> None:
    lf, seen = in_parts(pool, path)
    assert lf.error is None
    assert lf.index is not None
    same_index(lf.index, serial(path))
    size = path.stat().st_size
    assert len(seen) >= (2 if size < (32 << 10) else 3)  # the index grew part by part
    assert seen == sorted(seen) and seen[-1] == size


def test_odd_line_ends_and_a_last_line_without_newline(pool: IndexPool, tmp_path: Path) -> None:
    body = (C29 / "nova" / "nova-api.log").read_bytes()[: 200 << 10]
    text = body.replace(b"\n", b"\r\n", 300).rstrip(b"\n") + b"\nno newline at the end"
    path = tmp_path / "odd.log"
    path.write_bytes(b"a line before any record\n" + text)
    lf, _ = in_parts(pool, path)
    assert lf.index is not None
    same_index(lf.index, serial(path))
    assert lf.problems == ["300 line(s) end in CRLF"]


def test_a_file_indexed_in_parts_goes_on_growing_as_one_threads(pool: IndexPool, tmp_path: Path) -> None:
    source = (C29 / "nova" / "nova-api.log").read_bytes()
    path = tmp_path / "nova-api.log"
    half = source.index(b"\n", len(source) // 2) + 1
    path.write_bytes(source[: half - 10])  # a writer in the middle of a line
    lf, _ = in_parts(pool, path)
    assert lf.index is not None
    with path.open("ab") as out:
        out.write(source[half - 10 :])
    lf.index.update(final=False)
    whole = serial(path)
    same_index(lf.index, whole)


@pytest.mark.parametrize("between", ["nothing", "grew mid-line", "truncated"])
def test_parts_started_before_the_build_are_joined_by_it(
    pool: IndexPool, tmp_path: Path, between: str
) -> None:
    """Start-up hands a big file's parts out before the browser's indexer joins them; what
    happened to the file meanwhile ends in the index of what it is when built."""
    source = (C29 / "nova" / "nova-api.log").read_bytes()
    path = tmp_path / "nova-api.log"
    half = source.index(b"\n", len(source) // 2) + 1
    path.write_bytes(source[:half])
    lf = LogFile(path, "node", "component", path.name)
    lf.open()
    pool.start(lf)
    if between == "grew mid-line":
        with path.open("ab") as out:
            out.write(source[half : half + 5000])
    elif between == "truncated":
        path.write_bytes(source[:5000])
    seen: list[int] = []
    pool.build(lf, lambda done, size: seen.append(done))
    assert lf.index is not None
    lf.index.update(final=True)
    same_index(lf.index, serial(path))
    assert seen[-1] == path.stat().st_size
    if between != "truncated":
        assert len(seen) >= 2  # joined part by part


def test_parts_are_handed_out_as_others_are_joined(pool: IndexPool) -> None:
    """Parts indexed but not joined are held in memory: never more than `ahead` at once."""
    lf = LogFile(C29 / "nova" / "nova-api.log", "node", "component", "nova-api.log")
    lf.open()
    assert lf.index is not None
    parts = pool._parts(lf.index, lf.path.stat().st_size, str(lf.path))
    assert len(parts.cuts) - 1 > 2 * parts.ahead  # many parts
    assert len(parts.pending) == parts.ahead
    joined = 0
    while parts.pending:
        release_part(parts.pending.popleft().result())
        joined += 1
        parts.top_up()
        assert len(parts.pending) <= parts.ahead
    assert joined == parts.handed == len(parts.cuts) - 1


def test_a_closed_pool_leaves_the_file_to_this_thread(tmp_path: Path) -> None:
    closed = IndexPool(workers=2, part_size=16 << 10, min_size=0)
    path = FILES[0]
    lf = LogFile(path, "node", "component", path.name)
    lf.open()
    closed.close()
    assert not closed.wants(lf)
    closed.build(lf)  # asked anyway: indexed here, whole
    assert lf.index is not None and lf.error is None
    same_index(lf.index, serial(path))


def test_a_file_started_as_the_pool_closes_makes_no_processes(tmp_path: Path) -> None:
    """A quit while start-up hands a file's parts out: the file was wanted, then the pool
    closed before its processes were made. None are made after; the file is left."""
    pool = IndexPool(workers=2, part_size=16 << 10, min_size=0)
    path = FILES[0]
    lf = LogFile(path, "node", "component", path.name)
    lf.open()
    assert pool.wants(lf)
    pool.wants = lambda f: True  # type: ignore[method-assign]  # as asked before the close
    pool.close()
    pool.start(lf)
    assert pool._pool is None
    assert lf.index is not None and len(lf.index) == 0


def test_a_killed_worker_leaves_the_rest_to_this_thread() -> None:
    """The processes killed (the OOM killer) after the first part was joined: the parts
    still due never come; the rest of the file is indexed here, from where they stopped.
    A pool broken before a file's parts are handed out indexes it here too."""
    import os
    import signal

    broken = IndexPool(workers=2, part_size=16 << 10, min_size=0)
    try:
        joins: list[int] = []

        def kill_after_the_first(lf: LogFile, first: int, work: object) -> None:
            joins.append(len(lf.index or ()))
            pool = broken._pool
            if len(joins) == 1 and pool is not None:
                for pid in list(pool._processes):
                    os.kill(pid, signal.SIGKILL)

        lf = LogFile(FILES[0], "node", "component", FILES[0].name)
        lf.open()
        broken.build(lf, joined=kill_after_the_first)
        assert lf.index is not None and lf.error is None
        same_index(lf.index, serial(FILES[0]))
        assert 0 < joins[0] < len(lf.index)  # the rest was not the parts' doing
        again = LogFile(FILES[1], "node", "component", FILES[1].name)
        again.open()
        broken.build(again)
        assert again.index is not None and again.error is None
        same_index(again.index, serial(FILES[1]))
    finally:
        broken.close()


def test_the_streams_time_order_comes_made_from_the_parts(pool: IndexPool, tmp_path: Path) -> None:
    """The parts' running max of the keys, joined, is the merge's own (backfilled head, a
    stamp going back); the merge takes it over, and records added later extend it."""
    from ostui.core.stream.merge import MergedStream, monotone_keys

    body = (C29 / "nova" / "nova-compute.log").read_bytes()
    cut = body.index(b"\n", len(body) // 3) + 1
    back = b"2015-01-01 00:00:00.000 1 ERROR nova.x [-] a clock that went back\n"
    path = tmp_path / "nova-compute.log"
    # Longer than a part: some part starts in it, below the running max of those before.
    path.write_bytes(b"no stamp here\nnor here\n" + body[:cut] + back * 400 + body[cut:])
    lf, _ = in_parts(pool, path)
    idx = lf.index
    assert idx is not None and idx.mono is not None
    expected = monotone_keys(idx.keys)
    assert idx.mono == expected
    assert expected[0] == expected[1] == expected[2] == idx.keys[2]  # the head backfilled
    went_back = idx.record_at(2 * len(b"no stamp here\n") + cut)
    assert idx.keys[went_back] < idx.keys[went_back - 1] and expected[went_back] == expected[went_back - 1]
    assert MergedStream([idx]).keys == expected and idx.mono is None  # taken over, held once

    lf, _ = in_parts(pool, path)
    idx = lf.index
    assert idx is not None
    with path.open("ab") as out:
        out.write(body[:5000].rpartition(b"\n")[0] + b"\n")
    idx.update(final=False)
    assert MergedStream([idx]).keys == monotone_keys(idx.keys)


def _ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):  # ESRCH: it ended while being read
        return True
    return state == "Z"


def test_a_cancelled_build_returns_at_once_and_close_ends_the_processes(tmp_path: Path) -> None:
    """The browser quitting: the build gives up within a tenth of a second, the file left
    part-indexed, and close() ends the processes still working on parts."""
    import time

    quick = IndexPool(workers=2, part_size=16 << 10, min_size=0)
    try:
        path = tmp_path / "big.log"
        path.write_bytes((C29 / "nova" / "nova-api.log").read_bytes() * 8)
        lf = LogFile(path, "node", "component", path.name)
        lf.open()
        asked = time.monotonic()
        quick.build(lf, cancelled=lambda: time.monotonic() - asked > 0.05)
        assert time.monotonic() - asked < 1.0
        assert lf.index is not None and len(lf.index) < len(serial(path))  # left part-indexed
        assert quick._pool is not None
        pids = list(quick._pool._processes)
        assert pids
    finally:
        quick.close()
    eventually(lambda: all(_ended(pid) for pid in pids), 2.0, "index processes outlived close()")


def _opened_then_rotated_away(tmp_path: Path) -> LogFile:
    """A real log opened, then moved aside to `.1` with a new file taking its path."""
    path = tmp_path / "nova-api.log"
    path.write_bytes((C29 / "nova" / "nova-api.log").read_bytes())
    lf = LogFile(path, "node", "component", path.name)
    lf.open()
    path.rename(tmp_path / "nova-api.log.1")
    path.write_bytes(b"2015-10-29 11:00:00.000 1 INFO nova.x [-] the new file\n")
    return lf


def test_a_log_rotated_away_before_its_parts_are_read_is_indexed_whole(
    pool: IndexPool, tmp_path: Path
) -> None:
    """logrotate moves the log aside and a new one takes its path between opening and the
    parts: the parts cannot read it there; this process's descriptor still can, and does."""
    lf = _opened_then_rotated_away(tmp_path)
    pool.build(lf)
    assert lf.error is None and lf.index is not None
    same_index(lf.index, serial(tmp_path / "nova-api.log.1"))


def test_scan_indexes_a_log_rotated_away_before_its_parts_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ostui.core.indexing import parallel

    monkeypatch.setattr(parallel, "MIN_PART", 0)
    lf = _opened_then_rotated_away(tmp_path)
    parallel.build_files([lf], workers=2)
    assert lf.error is None and lf.index is not None
    same_index(lf.index, serial(tmp_path / "nova-api.log.1"))


def test_the_index_processes_yield_the_cores_and_this_thread_does_not(pool: IndexPool) -> None:
    """Parts are indexed at a lower priority (they are handed out while the first screen is
    made, and on a controller beside its services); the browser's own threads keep theirs."""
    import os

    here = os.nice(0)
    lf = LogFile(FILES[0], "node", "component", FILES[0].name)
    lf.open()
    pool.start(lf)
    assert pool._pool is not None
    pids = list(pool._pool._processes)
    assert pids
    for pid in pids:
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(here + BACKGROUND_NICENESS, 19), pid
    assert os.nice(0) == here
    pool.build(lf)


def test_parts_of_a_file_opened_as_the_browser_opens_it_count_no_tallies(pool: IndexPool) -> None:
    """The browser opens its files without scan's tallies (lines, tracebacks, request ids:
    it shows none of them, and finds requests with its own index): the parts count none
    either, all else is the same index, and it cannot be summarized as if it had none."""
    from ostui.core.indexing.scan import file_summary

    path = FILES[0]
    lf = LogFile(path, "node", "component", path.name)
    lf.open(tallies=False)
    assert lf.index is not None
    from ostui.core.indexing.parallel import _submit

    (part,) = _submit(pool._executor(), lf.index, [0, path.stat().st_size])
    result = part.result()
    assert (result["request_ids"], result["lines"], result["tracebacks"]) == (None, 0, 0)  # not counted
    pool.build(lf)
    want = serial(path)
    assert lf.index is not None and lf.index.request_ids is None and not lf.index.tallied
    assert want.request_ids and want.lines and want.tracebacks
    assert (lf.index.starts, lf.index.levels, lf.index.keys) == (want.starts, want.levels, want.keys)
    with pytest.raises(ValueError, match="not counted"):
        file_summary(lf)


def test_a_part_is_indexed_without_the_garbage_collector(tmp_path: Path) -> None:
    """Each block's regex matches are GC-tracked objects: the collector ran 1,500 times over
    300 MiB of parts, a fifteenth of their work, for cycles a part never makes. Its state
    is restored after."""
    import gc

    from ostui.core.indexing.parallel import _part

    path = tmp_path / "big.log"
    path.write_bytes(FILES[0].read_bytes() * 20)  # ~46,000 records: dozens of collections
    runs: list[int] = []

    def counted(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            runs.append(info["generation"])

    gc.callbacks.append(counted)
    try:
        size = path.stat().st_size
        result = _part(str(path), path.stat().st_ino, False, "oslo", 0, size, True, 2015)
        assert gc.isenabled()
    finally:
        gc.callbacks.remove(counted)
    assert len(result["levels"]) == len(serial(path))
    assert runs == []


HALF_SENT_THEN_CLOSED = """
import os, struct
from ostui.core.indexing.parallel import IndexPool

pool = IndexPool(workers=2)
executor = pool._executor()
assert executor.submit(int).result() == 0  # the processes and the pool's reading thread run
# What a process killed in the middle of sending a part's result leaves in the pipe: a
# length, and less than that many bytes. The pool's reading thread waits for the rest.
os.write(executor._result_queue._writer.fileno(), struct.pack("!i", 1 << 20) + b"half")
pool.close()
print("closed", flush=True)
"""


def test_a_result_half_sent_when_the_pool_closes_does_not_hold_the_exit(tmp_path: Path) -> None:
    """close() ends the processes whatever they are doing, also sending a part's result
    (megabytes of arrays, written a pipe's buffer at a time). The pool's reading thread
    then waited for the rest of it, and Python's exit waited for that thread: forever (q
    while a 512 MiB log was indexed, on a loaded machine). The process ends at once."""
    import os
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", HALF_SENT_THEN_CLOSED],
        capture_output=True,
        text=True,
        timeout=10,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert run.stdout == "closed\n", run.stderr
    assert run.returncode == 0 and not run.stderr, run.stderr


def test_the_last_round_is_cut_in_quarters_at_line_starts() -> None:
    # Processes a part apart (one started late, or slowed by the screen) end a quarter part
    # apart, not a whole one.
    path = FILES[0]
    size = path.stat().st_size
    p = IndexPool(workers=2, part_size=size // 8 + 1, min_size=0)  # four rounds
    source = FileSource(path)
    try:
        cuts = p._part_cuts(source, size)
    finally:
        source.close()
    text = path.read_bytes()
    assert cuts[0] == 0 and cuts[-1] == size and cuts == sorted(set(cuts))
    assert all(text[c - 1 : c] == b"\n" for c in cuts[1:-1])
    lengths = [b - a for a, b in pairwise(cuts)]
    assert len(lengths) == 2 * 3 + 8  # three rounds of two parts, then the last round in eight quarters
    whole, quarters = lengths[:-8], lengths[-8:]
    mean = sum(whole) / len(whole)
    assert all(q < mean / 2 for q in quarters)  # (cut at line starts: not all alike)
    assert abs(sum(quarters) - 2 * mean) < mean / 4


def test_the_fork_server_boots_early_only_for_a_file_it_will_cut() -> None:
    p = IndexPool(workers=2, min_size=1 << 20)
    try:
        p.warm([1000, 200_000])
        assert p._pool is None  # no file big enough: no processes at all
        p.warm([1000, 2 << 20])
        assert p._pool is not None
    finally:
        p.close()


def _blocks(names: list[str]) -> list[str]:
    """Those of the shared memory blocks named that still exist."""
    return [n for n in names if Path("/dev/shm", n).exists()]


def test_parts_come_in_shared_memory_freed_as_they_are_joined(pool: IndexPool) -> None:
    """A part's arrays come back in a block of shared memory, not through the pool's pipe;
    joined, the index is one thread's, and no block is left."""
    lf = LogFile(C29 / "nova" / "nova-api.log", "node", "component", "nova-api.log")
    lf.open()
    assert lf.index is not None
    parts = pool._parts(lf.index, lf.path.stat().st_size, str(lf.path))
    names = []
    while parts.pending:
        result = parts.pending.popleft().result()
        assert result["shared"] is not None and result["keys"] is None  # not in the pipe
        names.append(result["shared"][0])
        assert _blocks(names[-1:]), "the block is there until it is joined"
        merge_part(lf.index, result)
        parts.top_up()
    same_index(lf.index, serial(lf.path))
    assert len(names) > 2 and _blocks(names) == []


def test_parts_dropped_free_their_shared_memory(tmp_path: Path) -> None:
    """Parts no longer wanted (a build cancelled, the pool closed with parts started): the
    blocks of those that were done, or that finish later, are freed."""
    path = tmp_path / "big.log"
    path.write_bytes((C29 / "nova" / "nova-api.log").read_bytes() * 8)
    names: list[str] = []

    def note(future: Future[dict[str, Any]]) -> None:
        if not future.cancelled() and future.exception() is None:
            names.append(future.result()["shared"][0])

    quick = IndexPool(workers=2, part_size=16 << 10, min_size=0)
    try:
        lf = LogFile(path, "node", "component", path.name)
        lf.open()
        assert lf.index is not None
        dropped = quick._parts(lf.index, path.stat().st_size, str(path))
        futures = list(dropped.pending)
        futures[0].result()  # one done, the others maybe under way
        for future in futures:
            future.add_done_callback(note)
        dropped.cancel()
        eventually(lambda: all(f.done() for f in futures), 10.0, "the parts under way finish")
        quick.start(lf)  # handed out, never built: close() drops them
        futures = list(quick._started[id(lf)][2].pending)
        for future in futures:
            future.add_done_callback(note)
        futures[0].result()
    finally:
        quick.close()
    assert names
    eventually(lambda: _blocks(names) == [], 5.0, "blocks of dropped parts left in /dev/shm")


def test_a_part_comes_through_the_pipe_where_there_is_no_shared_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without shared memory (a container without /dev/shm), a part's arrays come as bytes."""

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError("no /dev/shm")

    monkeypatch.setattr(parallel.shared_memory, "SharedMemory", refused)
    path = C29 / "nova" / "nova-api.log"
    size = path.stat().st_size
    args = (str(path), FileSource(path).inode(), False, "oslo", 0, size, True, 2015, True, False)
    result = parallel._part(*args, None, True)
    assert result["shared"] is None and result["keys"]
    idx = FileIndex(FileSource(path))
    merge_part(idx, result)
    whole = serial(path)
    assert (idx.starts, idx.levels, idx.keys) == (whole.starts, whole.levels, whole.keys)
