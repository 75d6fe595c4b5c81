"""Index big files on every core: each file is cut at line starts into parts that
worker processes index at once; the parts' arrays are joined in order.

Used by the headless commands (a fresh process, safe to fork). The browser keeps to
threads: forking a process that runs Textual's threads is not safe.
"""

from __future__ import annotations

import multiprocessing
import os
from array import array
from concurrent.futures import ProcessPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..parsing.formats import get_format
from ..reading.source import FileSource, SliceSource
from .index import FileIndex
from .logset import LogFile

MIN_PART = 32 << 20  # smaller files are not worth a process


def _part(
    path: str, inode: int, cr_lines: bool, fmt: str, start: int, end: int, times: bool, year: int
) -> dict[str, Any]:
    inner = FileSource(Path(path))
    inner.cr_lines = cr_lines
    try:
        if inner.inode() != inode:
            raise OSError(f"{path} was replaced while being indexed")
        idx = FileIndex(
            SliceSource(inner, start, end), get_format(fmt), times=times, year=year, continued=start > 0
        )
        idx.update(final=True)
    finally:
        inner.close()
    from itertools import repeat
    from operator import add

    return {
        "starts": array("Q", map(add, idx.starts, repeat(start))).tobytes(),
        "levels": bytes(idx.levels),
        "keys": idx.keys.tobytes(),
        "lines": idx.lines,
        "tracebacks": idx.tracebacks,
        "unparsed": idx.unparsed,
        "request_ids": idx.request_ids,
        "long_lines": idx.long_lines,
        "split_lines": idx.split_lines,
        "crlf": idx.crlf,
        "nul": idx.nul,
        "bad_utf8": idx.bad_utf8,
        "scanned": start + idx.scanned,
    }


def _cuts(source: FileSource, parts: int) -> list[int]:
    """Part boundaries at line starts."""
    size = source.size()
    cuts = [0]
    for k in range(1, parts):
        pos = size * k // parts
        nl = source.read(pos, 1 << 20).find(b"\n")
        if nl < 0:
            continue
        cut = pos + nl + 1
        if cut > cuts[-1] and cut < size:
            cuts.append(cut)
    cuts.append(size)
    return cuts


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
            cuts = _cuts(idx.source, workers)
            futures = [
                pool.submit(
                    _part,
                    str(f.path),
                    idx.source.inode(),
                    idx.source.cr_lines,
                    idx.format.name,
                    a,
                    b,
                    idx.times,
                    idx.year,
                )
                for a, b in pairwise(cuts)
            ]
            jobs.append((f, futures))
        for f in files:  # small files meanwhile, in this process
            if all(f is not g for g, _ in jobs):
                f.build()
        for f, futures in jobs:
            idx = f.index
            assert idx is not None
            try:
                results = [fut.result() for fut in futures]
            except (OSError, RuntimeError) as exc:
                f.error = f"indexing failed: {exc}"
                continue
            for r in results:
                idx.starts.frombytes(r["starts"])
                idx.levels += r["levels"]
                idx.keys.frombytes(r["keys"])
                idx.lines += r["lines"]
                idx.tracebacks += r["tracebacks"]
                idx.unparsed += r["unparsed"]
                idx.request_ids |= r["request_ids"]
                idx.long_lines += r["long_lines"]
                idx.split_lines += r["split_lines"]
                idx.crlf += r["crlf"]
                idx.nul += r["nul"]
                idx.bad_utf8 += r["bad_utf8"]
                idx.scanned = r["scanned"]
            f.problems.extend(quirks(idx))
