"""Index big files on every core: each file is cut at line starts into parts that
worker processes index at once; the parts' arrays are joined in order.

The headless commands fork (`build_files`: a fresh process, safe to fork). The browser
runs threads, which make fork unsafe: its `IndexPool` starts its processes from a fork
server, a new interpreter that forks them, and joins the parts in order as they come.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from itertools import pairwise
from multiprocessing import forkserver, resource_tracker, shared_memory
from pathlib import Path
from typing import Any, TypeVar

from ..memory import give_back_freed_memory
from ..parsing.formats import get_format
from ..reading.source import FileSource, SliceSource
from ..timekeys import backfill_leading, join_running_max, running_max
from .index import FileIndex, join_starts
from .logset import LogFile

MIN_PART = 32 << 20  # smaller files are not worth a process
# The browser's parts: small enough that the index grows steadily and a quit never waits
# long for a part under way, big enough that a part's start-up cost is lost in its work.
BROWSER_PART = 48 << 20
AHEAD = 2  # parts per process handed out and not yet joined, at most
# The index processes' niceness: they take the cores the screen leaves (see _in_the_background).
BACKGROUND_NICENESS = 10
# What starting the processes raises where they cannot run (a broken or closed pool, no
# fork server, no working semaphores): the files are then indexed in the caller's thread.
POOL_WONT_START = (BrokenProcessPool, RuntimeError, OSError, ValueError, ImportError)
_T = TypeVar("_T")


def _part(
    path: str,
    inode: int,
    cr_lines: bool,
    fmt: str,
    start: int,
    end: int,
    times: bool,
    year: int,
    mono: bool = False,
    tallies: bool = True,
    work: Callable[[FileIndex], object] | None = None,
    shared: bool = False,
) -> dict[str, Any]:
    """Index the part `start`-`end` of the file at `path`. Its arrays come back as bytes, or
    `shared`: in a block of shared memory (see `_share`) that `merge_part` frees."""
    inner = FileSource(Path(path))
    inner.cr_lines = cr_lines
    try:
        if inner.inode() != inode:
            raise OSError(f"{path} was replaced while being indexed")
        # The file cut at `end`, indexed from `start`: its offsets are the file's own.
        idx = FileIndex(
            SliceSource(inner, 0, end),
            get_format(fmt),
            times=times,
            tallies=tallies,
            year=year,
            continued=start > 0,
        )
        idx.scanned = start
        with _without_collector():
            idx.update(final=True)
        done = None if work is None else work(idx)
    finally:
        inner.close()
    # The stream's running max of the keys, made here on every core (see `join_running_max`).
    arrays = {
        "starts": idx.starts,
        "levels": idx.levels,
        "keys": idx.keys,
        "mono": running_max(idx.keys) if mono and times else None,
    }
    block = None
    if shared:
        try:
            block = _share(arrays)
        except OSError:
            pass  # no shared memory here (no /dev/shm): through the pipe
    return {
        **{k: None if v is None or block else bytes(v) for k, v in arrays.items()},
        "shared": block,
        "starts_type": idx.starts.typecode,
        "lines": idx.lines,
        "tracebacks": idx.tracebacks,
        "unparsed": idx.unparsed,
        "request_ids": idx.request_ids,
        "long_lines": idx.long_lines,
        "split_lines": idx.split_lines,
        "crlf": idx.crlf,
        "nul": idx.nul,
        "bad_utf8": idx.bad_utf8,
        "scanned": idx.scanned,
        "mid_line": idx._mid_line,
        "work": done,
    }


def _share(arrays: dict[str, Any]) -> tuple[str, dict[str, tuple[int, int]]]:
    """`arrays` (name -> a buffer, or None) copied into one new block of shared memory: its
    name, and where each array is in it. A part's arrays (4 MiB for 48 MiB of log) sent
    through the pool's pipe cost the browser's process 0.1 s of CPU on 1 GiB, in the kernel
    (copied in and out of the pipe, then out of the pickle); read from here, 0.01 s.
    The block is registered with multiprocessing's resource tracker, which removes it at
    the end if no one did (the part dropped, ostui gone)."""
    views = {k: memoryview(v).cast("B") for k, v in arrays.items() if v is not None}
    block = shared_memory.SharedMemory(create=True, size=max(1, sum(v.nbytes for v in views.values())))
    buf = block.buf
    assert buf is not None  # (None once closed)
    where, at = {}, 0
    for k, v in views.items():
        buf[at : at + v.nbytes] = v
        where[k] = (at, at + v.nbytes)
        at += v.nbytes
    block.close()
    return block.name, where


def merge_part(idx: FileIndex, r: dict[str, Any]) -> None:
    """Append one part's result (the parts in file order) to `idx`; its shared memory freed."""
    if r["shared"] is None:
        _join_part(idx, r, r)
        return
    name, where = r["shared"]
    block = shared_memory.SharedMemory(name)
    buf = block.buf
    assert buf is not None  # (None once closed)
    try:
        arrays = {k: buf[a:b] for k, (a, b) in where.items()}
        try:
            _join_part(idx, r, arrays)
        finally:
            for view in arrays.values():
                view.release()
    finally:
        block.close()
        block.unlink()


def release_part(r: dict[str, Any]) -> None:
    """Free a result's shared memory without joining it (a part no longer wanted)."""
    if r["shared"] is not None:
        try:
            block = shared_memory.SharedMemory(r["shared"][0])
        except OSError:
            return  # freed already
        block.close()
        block.unlink()


def _join_part(idx: FileIndex, r: dict[str, Any], arrays: dict[str, Any]) -> None:
    idx.starts = join_starts(idx.starts, arrays["starts"], r["starts_type"])
    idx.levels += arrays["levels"]
    idx.keys.frombytes(arrays["keys"])
    idx.lines += r["lines"]
    idx.tracebacks += r["tracebacks"]
    idx.unparsed += r["unparsed"]
    if idx.request_ids is not None and r["request_ids"] is not None:
        idx.request_ids |= r["request_ids"]
    idx.long_lines += r["long_lines"]
    idx.split_lines += r["split_lines"]
    idx.crlf += r["crlf"]
    idx.nul += r["nul"]
    idx.bad_utf8 += r["bad_utf8"]
    idx.scanned = r["scanned"]
    idx._mid_line = r["mid_line"]  # a follower's next update goes on from the same state
    if arrays.get("mono") is not None:
        if idx.mono is None:
            idx.mono = array("q")
        part = array("q")
        part.frombytes(arrays["mono"])
        join_running_max(idx.mono, part)


def _submit(
    pool: ProcessPoolExecutor,
    idx: FileIndex,
    cuts: list[int],
    mono: bool = False,
    work: Callable[[FileIndex], object] | None = None,
    shared: bool = False,
) -> list[Future[dict[str, Any]]]:
    assert isinstance(idx.source, FileSource)
    args = (str(idx.source.path), idx.source.inode(), idx.source.cr_lines, idx.format.name)
    tallies = idx.tallied
    return [
        pool.submit(_part, *args, a, b, idx.times, idx.year, mono, tallies, work, shared)
        for a, b in pairwise(cuts)
    ]


def splittable(f: LogFile, min_size: int = MIN_PART) -> bool:
    """A plain file, not indexed yet, big enough to be indexed in parts."""
    idx = f.index
    return (
        idx is not None
        and isinstance(idx.source, FileSource)
        and not len(idx)
        and idx.scanned == 0
        and idx.source.size() >= min_size
    )


def _cuts(source: FileSource, parts: int, size: int | None = None, tail: int = 0) -> list[int]:
    """Boundaries of `parts` parts of the first `size` bytes, at line starts; with `tail`,
    the last `tail` parts are a quarter of the others' size (see `IndexPool._part_cuts`)."""
    size = source.size() if size is None else size
    whole = parts - tail + tail / 4  # in parts of the full size
    cuts = [0]
    for k in range(1, parts):
        pos = int(size * min(k, parts - tail + (k - parts + tail) / 4) / whole)
        cut = _line_start(source, pos, size)
        if cut is not None and cut > cuts[-1] and cut < size:
            cuts.append(cut)
    cuts.append(size)
    return cuts


def _line_start(source: FileSource, pos: int, size: int) -> int | None:
    """The first line start after `pos`, looked for 64 KiB at a time up to 1 MiB."""
    for at in range(pos, min(size, pos + (1 << 20)), 1 << 16):
        nl = source.read(at, min(1 << 16, size - at)).find(b"\n")
        if nl >= 0:
            return at + nl + 1
    return None


def build_files(files: list[LogFile], workers: int | None = None) -> None:
    """Index `files` (already opened), splitting big plain files across processes."""
    workers = workers or os.cpu_count() or 1
    big = [
        f
        for f in files
        if f.index is not None
        and isinstance(f.index.source, FileSource)
        and f.index.source.size() >= MIN_PART
        and not len(f.index)
    ]
    if workers < 2 or not big:
        for f in files:
            f.build()
        return
    from .index import quirks

    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        jobs = []
        for f in big:
            idx = f.index
            assert idx is not None and isinstance(idx.source, FileSource)
            jobs.append((f, _submit(pool, idx, _cuts(idx.source, workers))))
        for f in files:  # small files meanwhile, in this process
            if all(f is not g for g, _ in jobs):
                f.build()
        for f, futures in jobs:
            idx = f.index
            assert idx is not None
            try:
                results = [fut.result() for fut in futures]
            except (OSError, RuntimeError):
                # Replaced at its path since it was opened (rotated): this process's
                # descriptor still holds it; indexed here instead.
                f.build()
                continue
            for r in results:
                merge_part(idx, r)
            f.problems.extend(quirks(idx))


def _result(future: Future[dict[str, Any]], cancelled: Callable[[], bool]) -> dict[str, Any] | None:
    """The part's result, or None as soon as `cancelled()` (looked at every 0.1 s)."""
    while not cancelled():
        try:
            return future.result(timeout=0.1)
        except TimeoutError:
            continue
    return None


@contextmanager
def _without_collector() -> Iterator[None]:
    """The garbage collector off meanwhile: each block's regex matches (GC-tracked objects,
    30,000 a block) made it run 1,500 times over 300 MiB of parts, a fifteenth of the work,
    for cycles indexing never makes."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextmanager
def _stderr_to_null() -> Iterator[None]:
    """`sys.stderr` is /dev/null meanwhile. multiprocessing's resource tracker writes to the
    descriptor of the `sys.stderr` it was started under: its warnings (the shared memory of
    parts dropped as ostui quit, which it removes) must never land on the terminal, nor
    need it one (Textual's stand-in for stderr has no descriptor)."""
    saved = sys.stderr
    with open(os.devnull, "w") as null:
        sys.stderr = null
        try:
            yield
        finally:
            sys.stderr = saved


@contextmanager
def _no_hangup() -> Iterator[None]:
    """SIGHUP blocked in this thread meanwhile: a process started now keeps it blocked.
    A closed terminal hangs up the whole process group, and the browser then ends without
    Python's exit handlers (os._exit); multiprocessing's resource tracker must outlive it
    to remove the semaphores the pool made: killed by the hangup too, it left five files
    in /dev/shm at each dropped ssh session."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


class _Parts:
    """A file's parts, handed to the processes `ahead` at a time: a part is handed out as
    one is joined, so that parts indexed but not yet joined (their arrays held twice, as
    bytes and in the index) never pile up while the joining thread is held up."""

    def __init__(
        self,
        pool: ProcessPoolExecutor,
        idx: FileIndex,
        cuts: list[int],
        ahead: int,
        work: Callable[[FileIndex], object] | None = None,
    ) -> None:
        self.pool, self.idx, self.cuts, self.ahead, self.work = pool, idx, cuts, ahead, work
        self.handed = 0
        self.pending: deque[Future[dict[str, Any]]] = deque()  # each result let go of once joined
        self.top_up()

    def top_up(self) -> None:
        upto = min(len(self.cuts) - 1, self.handed + self.ahead - len(self.pending))
        if upto > self.handed:
            cuts = self.cuts[self.handed : upto + 1]
            # In shared memory: the pool's processes are forked by the fork server, which
            # hands them the browser's resource tracker (see `_share`).
            self.pending.extend(_submit(self.pool, self.idx, cuts, mono=True, work=self.work, shared=True))
            self.handed = upto

    def cancel(self) -> None:
        """Drop the parts not joined: those not started, and the shared memory of the others'
        results, now or when they come."""
        for future in self.pending:
            if not future.cancel():
                future.add_done_callback(_release_unjoined)
        self.pending.clear()


def _release_unjoined(future: Future[dict[str, Any]]) -> None:
    if not future.cancelled() and future.exception() is None:
        release_part(future.result())


def _in_the_background(start: Callable[[], object]) -> None:
    """Call `start` from a thread of its own at a lower priority (Linux sets it per thread),
    so that a process it starts, and every process that one forks, yields the cores to the
    screen and to the services of the host it runs on. Raises what `start` raised."""
    failed: list[BaseException] = []

    def lowered() -> None:
        try:
            os.nice(BACKGROUND_NICENESS)
            with _no_hangup():
                start()
        except BaseException as e:  # raised again in the caller's thread
            failed.append(e)

    thread = threading.Thread(target=lowered, name="ostui-forkserver")
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


class IndexPool:
    """The browser's index processes: big files are cut at line starts into parts of about
    `part_size` bytes, indexed by `workers` processes at once, and joined in file order as
    they come, so the index grows from the file's start while keys are served.

    The processes are forked by a fork server (a fresh interpreter), never by the browser,
    whose threads make fork unsafe. Created on first use; `close()` drops the parts not
    started and ends the processes.

    `part_work(name, index)`, a module's function (it goes to the processes by name), runs
    in the process on each part's index, `name` the file's; `build` hands what it returns
    to `joined`."""

    def __init__(
        self,
        workers: int | None = None,
        part_size: int | None = None,
        min_size: int | None = None,
        part_work: Callable[[str, FileIndex], object] | None = None,
    ):
        self.workers = workers or os.cpu_count() or 1
        self.part_work = part_work
        self.part_size = part_size or BROWSER_PART
        self.min_size = MIN_PART if min_size is None else min_size
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._lock = threading.Lock()
        # Parts handed out by `start` before `build` asked for them: file -> (size, parts).
        self._started: dict[int, tuple[LogFile, int, _Parts]] = {}

    def wants(self, f: LogFile) -> bool:
        return self.workers > 1 and not self._closed and splittable(f, self.min_size)

    def _executor(self) -> ProcessPoolExecutor:
        # Under the lock `close` takes: a start-up still handing parts out when ostui quits
        # must not make processes after they were ended.
        with self._lock:
            if self._closed:
                raise RuntimeError("the index pool is closed")
            if self._pool is None:
                ctx = multiprocessing.get_context("forkserver")
                # Only the indexer's modules, never `__main__` (the console script, or pytest).
                ctx.set_forkserver_preload([__name__])
                with _stderr_to_null(), _no_hangup():
                    resource_tracker.ensure_running()
                _in_the_background(forkserver.ensure_running)
                self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
            return self._pool

    def submit(self, fn: Callable[..., _T], *args: object) -> Future[_T]:
        """`fn(*args)` in one of the processes (`fn` a module's function: it goes by name).
        Raises POOL_WONT_START's errors where the processes cannot run."""
        return self._executor().submit(fn, *args)

    def start(self, f: LogFile) -> None:
        """Hand `f`'s parts to the processes now (see `wants`), before `build(f)` joins
        them: at start-up they are indexed while Python and the first screen are made."""
        if not self.wants(f) or id(f) in self._started:
            return
        idx = f.index
        assert idx is not None and isinstance(idx.source, FileSource)
        size = idx.source.size()
        try:
            parts = self._parts(idx, size, str(f.path))
        except POOL_WONT_START:
            return  # said when the file is built: it is then indexed in that thread
        self._started[id(f)] = (f, size, parts)

    def _parts(self, idx: FileIndex, size: int, name: str) -> _Parts:
        assert isinstance(idx.source, FileSource)
        work = None if self.part_work is None else partial(self.part_work, name)
        return _Parts(self._executor(), idx, self._part_cuts(idx.source, size), AHEAD * self.workers, work)

    def _part_cuts(self, source: FileSource, size: int) -> list[int]:
        # Rounds of one part per process; the last round's parts cut in quarters, so that
        # the processes end together (one a part behind, from a late start or the screen's
        # work, finishes a quarter part after the other, not a whole one: a fifth of a second).
        rounds = max(1, -(-size // (self.part_size * self.workers)))
        if rounds == 1:
            return _cuts(source, self.workers, size)
        quarters = 4 * self.workers
        return _cuts(source, self.workers * (rounds - 1) + quarters, size, quarters)

    def warm(self, sizes: Iterable[int]) -> None:
        """Start the fork server now when a file of one of `sizes` will be indexed in parts:
        a new interpreter imports the indexer (a tenth of a second) while the files are
        opened and the first screen is made, not when the parts are handed out."""
        if self.workers > 1 and not self._closed and any(size >= self.min_size for size in sizes):
            try:
                self._executor()
            except POOL_WONT_START:
                pass  # said when a file is built: it is then indexed in that thread

    def build(
        self,
        f: LogFile,
        progress: Callable[[int, int], None] | None = None,
        joined: Callable[[LogFile, int, object], object] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        lock: AbstractContextManager[object] | None = None,
    ) -> None:
        """Index `f` (see `wants`) in parts; `progress(bytes indexed, size)` and `joined(f,
        first, work)` after each part (the work for the part just joined, while the next are
        indexed): `first` its first record in `f`'s index, `work` what `part_work` made of it.
        The index changes only under `lock`, so that others may read it between parts.
        When the processes cannot run (the pool broke: a worker killed), the rest of the
        file is indexed here, in this thread, from where the parts stopped. Returns within
        a tenth of a second of `cancelled()` turning true, the file left part-indexed."""
        idx = f.index
        assert idx is not None and isinstance(idx.source, FileSource)
        lock = lock or nullcontext()
        size = idx.source.size()
        _, started_size, parts = self._started.pop(id(f), (f, -1, None))
        if parts is not None and not 0 <= started_size <= size:
            parts.cancel()  # it shrank since (truncated): parts of what it is now instead
            parts = None
        if parts is None:
            try:
                parts = self._parts(idx, size, str(f.path))
            except POOL_WONT_START:
                pass  # the pool cannot start (closed, no fork server): all in this thread
        # (Parts handed out by `start`: what was written since is indexed below.)
        try:
            while parts is not None and parts.pending:
                result = _result(parts.pending[0], cancelled)
                if result is None:
                    parts.cancel()
                    return  # the caller is going away: the parts under way are let be
                parts.pending.popleft()
                first, work = len(idx), result["work"]
                with lock:
                    merge_part(idx, result)
                del result
                parts.top_up()
                if joined is not None:
                    joined(f, first, work)
                if progress is not None:
                    progress(idx.scanned, size)
        except (BrokenProcessPool, CancelledError):
            if self._closed:
                return  # closed (its processes ended): ostui is quitting, nothing more is wanted
            # A process was killed (the OOM killer): the rest below, in this thread.
        except (OSError, RuntimeError):
            if self._closed:
                return  # no new part is taken once closed: ostui is quitting
            # A part could not read the file: it was replaced at its path (rotated) since it
            # was opened. This process's descriptor still holds it: the rest here.
            if parts is not None:
                parts.cancel()
        with lock:
            if idx.mono is not None:
                backfill_leading(idx.mono)  # records indexed below, if any, are the merge's to add
            f.build(progress)  # what the parts did not cover: nothing, unless the pool broke
        give_back_freed_memory()

    def close(self) -> None:
        """Drop the parts not started and end the processes at once: a quit must not wait
        for the parts already handed to them (a second or more of a big file's)."""
        with self._lock:
            self._closed = True
            pool = self._pool
        for _, _, parts in self._started.values():
            parts.cancel()
        self._started.clear()
        if pool is None:
            return
        # No public way to end a pool's processes before Python 3.14 (terminate_workers);
        # taken before the shutdown, which forgets them and the results' pipe.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        results = getattr(pool, "_result_queue", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            try:
                process.terminate()
            except (OSError, ValueError, AttributeError):
                pass  # already gone
        # A process ended while sending a result (megabytes, a pipe's buffer at a time)
        # leaves the pool's reading thread waiting for the rest, and Python's exit waits for
        # that thread: forever. With this end of the pipe closed too, and the processes
        # gone, no writer is left, and the reading thread gets the end of the pipe instead.
        writer = getattr(results, "_writer", None)
        if writer is not None:
            writer.close()
