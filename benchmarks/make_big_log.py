#!/usr/bin/env python3
"""Grow real oslo logs into one big log of a requested size, with the counts a
correct parser must reproduce.

    python benchmarks/make_big_log.py --size 200M --out benchmarks/out/big-200M.log

The four real logs of tests/data/real/osp6-live-migration/hp-ms-01-c29 (nova-api,
nova-conductor, nova-compute, neutron server) are merged record by record in time
order into one block. The block is then written again and again: each repetition
shifts every line's leading stamp forward by the block's span and gives every
`req-<uuid>` a fresh uuid5 of its own, so the file keeps the real shape (same line
lengths, tracebacks, cross-service request ids) but never repeats an id or goes
back in time. Output is written one block at a time, never the whole file in memory.

Prints one JSON line: bytes, lines, repetitions, records per level, traceback
headers, distinct request ids, and `middle_request_id`, an id that sits in the
middle of the file.

Only the standard library and the repo's own test data are used, so CI and users
can run it from a plain checkout.
"""

from __future__ import annotations

import argparse
import heapq
import json
import re
import sys
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REAL = REPO / "tests/data/real/osp6-live-migration/hp-ms-01-c29/var/log"
INPUTS = ("nova/nova-api.log", "nova/nova-conductor.log", "nova/nova-compute.log", "neutron/server.log")

STAMP = rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
# The brief's definition of a record's first line: `<stamp> <pid> <LEVEL> <logger> [`,
# where the bracket is a context and not `[instance: ...` (oslo's traceback lines carry
# that). LEVEL is one of oslo.log's level names.
LEVELS = ("TRACE", "DEBUG", "INFO", "AUDIT", "WARNING", "ERROR", "CRITICAL")
RECORD_START = re.compile(
    rb"("
    + STAMP
    + rb")(?:[.,]\d+)? \d+ ("
    + b"|".join(lv.encode() for lv in LEVELS)
    + rb") \S+ \[(?!instance: )"
)
REQ_ID = rb"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
REQ_ID_RE = re.compile(REQ_ID)
TRACEBACK = b"Traceback (most recent call last)"
# What a repetition rewrites: the leading stamp's whole seconds of any line (record
# heads and TRACE lines alike; milliseconds stay) and every request id.
REWRITE = re.compile(rb"(?m)^" + STAMP + rb"|" + REQ_ID)
STAMP_FMT = "%Y-%m-%d %H:%M:%S"
# Fixed namespace so the same size always gives byte-identical files.
NAMESPACE = uuid.UUID("5b0f3c2e-8d7a-4c1b-9e64-0f6a2d1c7b93")


def parse_size(text: str) -> int:
    """`200M`, `1G`, `512K` or plain bytes; suffixes are powers of 1024."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGkmg]?)i?[Bb]?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 200M or 1G)")
    scale = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2).upper()]
    return int(float(m.group(1)) * scale)


def read_records(path: Path) -> list[tuple[bytes, bytes]]:
    """(stamp of the first line, text) per record: a record-start line plus every line
    after it that does not start a record (unstamped lines, TRACE lines)."""
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    out: list[tuple[bytes, bytes]] = []
    cur: list[bytes] = []
    stamp = b""
    for line in data.splitlines(keepends=True):
        m = RECORD_START.match(line)
        if m and cur:
            out.append((stamp, b"".join(cur)))
            cur = []
        if m:
            stamp = line[: m.end(1) + 4]  # with milliseconds, so the merge keeps sub-second order
        cur.append(line)
    if cur:
        out.append((stamp, b"".join(cur)))
    return out


class Block:
    """The merged real logs, and what one repetition of them holds."""

    def __init__(self, inputs: list[Path]) -> None:
        # A k-way merge, not a sort: each file keeps its own order (real files are
        # slightly out of order where worker processes interleave), ties go to the
        # earlier input.
        merged = list(heapq.merge(*(read_records(p) for p in inputs), key=lambda r: r[0]))
        self.records = [text for _, text in merged]
        self.data = b"".join(self.records)
        first = datetime.strptime(min(s for s, _ in merged)[:19].decode(), STAMP_FMT)
        last = datetime.strptime(max(s for s, _ in merged)[:19].decode(), STAMP_FMT)
        # One second more than first-to-last, so a repetition starts after the last one ends.
        self.span = last - first + timedelta(seconds=1)
        self.stamps = sorted({m.group() for m in re.finditer(rb"(?m)^" + STAMP, self.data)})
        self.ids = sorted(set(REQ_ID_RE.findall(self.data)))
        # Per record: byte length, level of its first line, traceback headers, lines.
        self.sizes = [len(r) for r in self.records]
        self.levels = [RECORD_START.match(r).group(2).decode() for r in self.records]  # type: ignore[union-attr]
        self.tracebacks = [r.count(TRACEBACK) for r in self.records]
        self.lines = [r.count(b"\n") for r in self.records]

    def table(self, rep: int) -> dict[bytes, bytes]:
        """Old stamp seconds / request id -> its value in repetition `rep`."""
        shift = self.span * rep
        out = {
            s: (datetime.strptime(s.decode(), STAMP_FMT) + shift).strftime(STAMP_FMT).encode()
            for s in self.stamps
        }
        for rid in self.ids:
            out[rid] = b"req-" + str(uuid.uuid5(NAMESPACE, f"{rep}/{rid.decode()}")).encode()
        return out

    def render(self, rep: int, end: int | None = None) -> bytes:
        table = self.table(rep)
        return REWRITE.sub(lambda m: table[m.group()], self.data[:end])


def generate(size: int, out: Path, inputs: list[Path]) -> dict[str, object]:
    block = Block(inputs)
    full, rest = divmod(size, len(block.data))
    # The last, partial repetition ends on a record boundary at or below `size`.
    tail_records = 0
    used = 0
    for n in block.sizes:
        if used + n > rest:
            break
        used += n
        tail_records += 1
    reps = full + (1 if tail_records else 0)
    if reps == 0:
        raise SystemExit(f"size {size} is smaller than the first record")

    counts: Counter[str] = Counter()
    for lv in block.levels:
        counts[lv] += full
    for lv in block.levels[:tail_records]:
        counts[lv] += 1
    tracebacks = sum(block.tracebacks) * full + sum(block.tracebacks[:tail_records])
    lines = sum(block.lines) * full + sum(block.lines[:tail_records])

    # The middle request id: the first id at or after the file's middle byte.
    total = len(block.data) * full + used
    mid_rep, mid_off = divmod(total // 2, len(block.data))
    middle_id = None

    ids: set[bytes] = set()  # every id written, to count distinct ones exactly
    written = 0
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "wb") as fh:
        for rep in range(reps):
            data = block.render(rep, None if rep < full else used)
            fh.write(data)
            written += len(data)
            found = REQ_ID_RE.findall(data)
            ids.update(found)
            if rep == mid_rep and middle_id is None:
                m = REQ_ID_RE.search(data, mid_off)
                middle_id = m.group().decode() if m else None  # else: the next repetition's first
            elif rep > mid_rep and middle_id is None and found:
                middle_id = found[0].decode()
    tmp.replace(out)
    assert written == total, (written, total)

    # Records carrying the middle id all sit in one repetition: count them there.
    mid_records = 0
    if middle_id:
        mid_needle = middle_id.encode()
        rep = next(
            r for r in range(mid_rep, reps) if mid_needle in block.render(r, None if r < full else used)
        )
        data = block.render(rep, None if rep < full else used)
        pos = 0
        for n in block.sizes[: len(block.sizes) if rep < full else tail_records]:
            if data.find(mid_needle, pos, pos + n) >= 0:
                mid_records += 1
            pos += n
    return {
        "out": str(out),
        "bytes": written,
        "lines": lines,
        "repetitions": round(full + used / len(block.data), 3),
        "full_repetitions": full,
        "block_bytes": len(block.data),
        "block_span_seconds": int(block.span.total_seconds()),
        "records": sum(counts.values()),
        "levels": {lv: counts[lv] for lv in LEVELS if counts[lv]},
        "tracebacks": tracebacks,
        "request_ids": len(ids),
        "middle_request_id": middle_id,
        "middle_request_id_records": mid_records,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=parse_size, required=True, help="target size: 200M, 1G (powers of 1024)")
    p.add_argument("--out", type=Path, required=True, help="file to write")
    args = p.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = generate(args.size, args.out, [REAL / name for name in INPUTS])
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
