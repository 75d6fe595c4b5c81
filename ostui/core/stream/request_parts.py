"""A big file's request ids looked for by the index processes, part by part.

On one thread of the browser, the ids of a 1 GiB log took 3.4 s of the interpreter's
lock after the index was complete, while the operator's keys waited on it. The index
processes look instead: each is given a part's record starts (4 or 8 bytes a record),
reads the part and posts each id to its records; what comes back is compact (each
distinct id once, with its records' numbers), and joining it costs a dictionary look-up
per id and part. The postings are the ones `RequestIndex.add_file` makes, in the same
order.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, nullcontext
from itertools import repeat
from operator import add
from pathlib import Path

from ..indexing.index import FileIndex
from ..indexing.parallel import MIN_PART, POOL_WONT_START, IndexPool
from ..memory import give_back_freed_memory
from ..reading.source import FileSource
from .requests import RequestIndex, id_matches

REQUEST_PART = 8 << 20  # bytes of a file one process reads and looks through at a time
AHEAD = 4  # parts handed to the processes and not yet joined, at most

Postings = tuple[bytes, bytes, bytes]  # (ids joined by newlines, counts, record numbers)


def part_postings(path: str, inode: int, cr_lines: bool, starts: bytes, typecode: str, end: int) -> Postings:
    """In an index process: the ids of the records whose starts are `starts` (offsets, the
    last record ending at byte `end`): each distinct id once, in the order first met, how
    many records name it, and those records' numbers (from the part's first), id by id."""
    source = FileSource(Path(path))
    source.cr_lines = cr_lines
    try:
        if source.inode() != inode:
            raise OSError(f"{path} was replaced while its request ids were read")
        held = array(typecode)
        held.frombytes(starts)
        base = held[0]
        data = source.read(base, end - base)
    finally:
        source.close()
    offsets = held.tolist()  # bisected as a list: its ints exist already (a third faster)
    found: dict[bytes, array[int]] = {}
    for m in id_matches(data):
        rec = bisect_right(offsets, base + m.start()) - 1
        refs = found.get(m.group())
        if refs is None:
            refs = found[m.group()] = array("I")
        if not refs or refs[-1] != rec:
            refs.append(rec)
    counts = array("I", map(len, found.values()))
    return b"\n".join(found), counts.tobytes(), b"".join(refs.tobytes() for refs in found.values())


def join_postings(postings: dict[str, array[int]], got: Postings, first_ref: int) -> None:
    """Add one part's postings (`part_postings`) whose first record's reference is `first_ref`."""
    ids, counts_bytes, numbers_bytes = got
    if not ids:
        return
    counts = array("I")
    counts.frombytes(counts_bytes)
    numbers = array("I")
    numbers.frombytes(numbers_bytes)
    at = 0
    for key, n in zip(ids.split(b"\n"), counts, strict=True):
        # (Made from a list, the array holds no room to grow: most ids have a few records.)
        refs = array("Q", list(map(add, numbers[at : at + n], repeat(first_ref))))
        at += n
        name = key.decode()
        held = postings.get(name)
        if held is None:
            postings[name] = refs
        else:
            held.extend(refs)  # a record is in one part only: no repeat across parts


def wants_parts(pool: IndexPool, idx: FileIndex) -> bool:
    """A plain file big enough that the processes pay."""
    return pool.workers > 1 and idx.scanned >= MIN_PART and idx.source.on_disk() is not None


def _part_bounds(starts: array[int], first: int, scanned: int) -> list[int]:
    """Record numbers cutting starts[first:] into parts of about REQUEST_PART bytes."""
    bounds = [first]
    target = starts[first] + REQUEST_PART
    while target < scanned:
        cut = bisect_left(starts, target, bounds[-1] + 1)
        if cut >= len(starts):
            break
        bounds.append(cut)
        target = starts[cut] + REQUEST_PART
    bounds.append(len(starts))
    return bounds


def add_file_in_parts(
    index: RequestIndex,
    file_no: int,
    idx: FileIndex,
    pool: IndexPool,
    lock: AbstractContextManager[object] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> int:
    """`index.add_file(file_no, idx, ...)` done by the index processes; the same postings
    and the same return. Where the processes cannot run, or the file was replaced at its
    path meanwhile, this thread does it (`add_file`)."""
    lock = lock or nullcontext()
    with lock:
        source = idx.source
        dropped, scanned, held = idx.dropped, idx.scanned, len(idx.starts)
        bounds = _part_bounds(idx.starts, 0, scanned) if held else [0]
        # (Following gives the index a source of its own meanwhile, reading the same file.)
        where = source.on_disk()
    if where is None:
        return index.add_file(file_no, idx, lock=lock, cancelled=cancelled)
    path, inode, cr_lines = where
    args = (str(path), inode, cr_lines)
    found: dict[str, array[int]] = {}
    pending: list[tuple[int, Future[Postings]]] = []
    handed = 0
    try:
        while handed < len(bounds) - 1 or pending:
            if cancelled():
                for _, future in pending:
                    future.cancel()
                return dropped
            while handed < len(bounds) - 1 and len(pending) < AHEAD:
                a, b = bounds[handed], bounds[handed + 1]
                with lock:
                    # Records the memory window let go of since are not looked for.
                    gone = idx.dropped - dropped
                    lo, hi = max(a - gone, 0), b - gone
                    if hi > lo:
                        offsets = idx.starts
                        starts, typecode = offsets[lo:hi].tobytes(), offsets.typecode
                        end = offsets[hi] if hi < len(offsets) else scanned
                        pending.append((lo + gone, pool.submit(part_postings, *args, starts, typecode, end)))
                handed += 1
            if not pending:
                continue
            first, future = pending.pop(0)
            got = _result(future, cancelled)
            if got is None:
                continue  # cancelled: said at the top of the loop
            join_postings(found, got, (file_no << 40) | first)
            del got
            give_back_freed_memory()
    except (*POOL_WONT_START, BrokenProcessPool, CancelledError):
        for _, future in pending:
            future.cancel()
        return index.add_file(file_no, idx, lock=lock, cancelled=cancelled)
    if not index.postings:
        index.postings = found
    else:
        for name, refs in found.items():
            held_refs = index.postings.get(name)
            if held_refs is None:
                index.postings[name] = refs
            else:
                held_refs.extend(refs)
    return dropped


def _result(future: Future[Postings], cancelled: Callable[[], bool]) -> Postings | None:
    while not cancelled():
        try:
            return future.result(timeout=0.1)
        except TimeoutError:
            continue
    return None
