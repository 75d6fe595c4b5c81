"""The browser's start-up work, which needs no Textual: select, open and preview the logs.

It runs in a thread started before Textual is imported, so the first screen of a big
log is ready about when the app is.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ..core.indexing.logset import LogFile
from ..core.levels import Level, parse_level
from ..core.memory import keep_big_blocks_mapped
from ..core.paths.rotation import split_compression
from ..core.reading.discovery import LogTree
from ..core.reading.source import estimated_size
from ..core.stream.view import ALL_LEVELS, Filters, StreamView
from ..core.timekeys import parse_user_time
from .options import Options
from .session import Session

Sources = tuple[LogTree, list[LogFile], StreamView | None]


def at_least(level: Level | None) -> frozenset[Level]:
    return ALL_LEVELS if level is None else frozenset(lv for lv in Level if lv >= level)


def initial_filters(options: Options) -> Filters:
    """The filters the command line asks for (--level, --grep, --request, --since, --until)."""
    levels = ALL_LEVELS
    if options.level:
        lv = parse_level(options.level)
        levels = at_least(lv if lv != Level.UNKNOWN else None)
    return Filters(
        levels=levels,
        text=options.grep or None,
        request_id=options.request or None,
        since=parse_user_time(options.since) if options.since else None,
        until=parse_user_time(options.until) if options.until else None,
    )


SMALL_TOTAL = 8 << 20  # small files are indexed whole at once; bigger ones show their tails first
TAIL_TOTAL = 4 << 20  # the big files' tails on the first screen, shared among them
TAIL_RANGE = (16 << 10, 512 << 10)  # each big file's tail: enough rows for a screen, at most this


def preview_view(files: Sequence[LogFile], filters: Filters) -> StreamView | None:
    """The first screen: big files by their last part, small ones indexed whole now.

    None when there is nothing to show yet. When every file was small, the view is the
    real one (the files are indexed) and the indexer has nothing left to do. Many big
    files (a central store of 20 hosts) share one budget, so the first screen costs
    about what one big file's does.
    """
    shown: list[LogFile] = []
    budget = SMALL_TOTAL
    big = sum(1 for f in files if f.index is not None and f.index.source.size() > 4 * TAIL_RANGE[1])
    low, high = TAIL_RANGE
    tail = max(low, min(high, TAIL_TOTAL // max(1, big)))
    for f in files:
        part = f.preview(tail)
        if part is not None:
            shown.append(part)
            continue
        size = f.index.source.size() if f.index is not None else 0
        if size > budget:
            continue  # neither big enough for a tail preview nor in the budget: wait for the indexer
        budget -= size
        f.build()
        shown.append(f)
    return StreamView(shown, filters) if shown else None


def shown_while_indexing(
    previews: Sequence[LogFile], grown: Sequence[LogFile], selected: Sequence[LogFile]
) -> list[LogFile] | None:
    """The files a view shows while the logs are indexed, of those `selected`: each file in
    `grown` (indexed whole, or in parts from its start: the part so far), and each first
    screen's file (`previews`: a big file's tail, or a small file indexed whole) whose
    records its whole file's indexed part has not reached yet. A file's part comes before
    its tail, as its records do.

    None while a file's indexed part reaches into its tail and not past it: a view then
    would show some records twice or not at all. That lasts a moment at most: parts are
    joined whole, and the part that reaches the tail ends the file.
    """
    chosen = {id(f) for f in selected}
    has_grown = {id(f) for f in grown}
    tails: dict[int, LogFile] = {}
    for p in previews:
        whole = p.whole or p
        if id(whole) not in chosen:
            continue
        if p.whole is None or id(whole) not in has_grown:
            tails[id(whole)] = p
            continue
        assert whole.index is not None and p.index is not None
        start = getattr(p.index.source, "start", 0)
        reached = whole.index.scanned
        if reached <= start:
            tails[id(whole)] = p
        elif reached < start + p.index.scanned:
            return None
    shown: list[LogFile] = []
    for f in selected:
        if id(f) in has_grown:
            shown.append(f)
        tail = tails.get(id(f))
        if tail is not None and not (tail is f and id(f) in has_grown):
            shown.append(tail)  # (a small file indexed whole for the first screen is shown once)
    return shown


def is_compressed(path: Path) -> bool:
    return split_compression(path.name)[1] != ""


def find_sources(session: Session, given: Sequence[LogFile] | None = None) -> Future[Sources]:
    """Select, open (sniff) and preview the logs in a thread."""

    def job() -> Sources:
        keep_big_blocks_mapped()  # a long follow grows and cuts the indexes again and again
        if given is not None:
            session.use_files(given)
            files = list(given)
        else:
            files = session.select()
        # Big plain files are indexed in parts by processes: their fork server boots meanwhile.
        session.index_pool().warm(estimated_size(f.path) for f in files if not is_compressed(f.path))
        fmt = session.options.forced_format()
        for f in files:
            if not is_compressed(f.path):
                # Compressed (rotated) files are opened by the indexer: gunzip is slow. Request
                # ids are found by the browser's own index of them, once the files are indexed.
                f.open(fmt, tallies=False)
        readable = [f for f in files if f.index is not None]
        pool = session.index_pool()
        for f in readable:
            pool.start(f)  # big files are indexed in parts while the first screen is made
        return session.tree, files, preview_view(readable, initial_filters(session.options))

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ostui-start")
    future = pool.submit(job)
    pool.shutdown(wait=False)
    return future
