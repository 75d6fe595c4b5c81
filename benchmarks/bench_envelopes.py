#!/usr/bin/env python3
"""Producers inside envelopes: the big oslo log bare, and wrapped as a Sunbeam pod log
(kubectl --timestamps with a pebble tag) and as a CRI container file, scanned by ostui,
beside lnav's headless index of the bare file in the same run.

    .venv/bin/python benchmarks/bench_envelopes.py [--runs 3] [--sizes 200M 1G]

The wrapped files (benchmarks/out/big-<size>-pebble.log, -cri.log) are made from the bare
one block by block. Each ostui run must reproduce the generator's counts exactly (records
per level, tracebacks, request ids, lines) or the script stops with status 1.
Targets (issue #10): bare within 1.0-1.2x lnav; a wrapped file within 1.5x the bare one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from bench_scan import LNAV_SCAN, check_scan
from common import OUT, SIZES, best_median, big_log, code_state, find_ostui, load_note, run_child, warm

HOME = tempfile.mkdtemp(prefix="ostui-bench-home-")
ENV = {**os.environ, "HOME": HOME}
ENVELOPES = {
    "pebble": b"2025-05-14T04:23:56.905Z [nova-api] ",
    "cri": b"2025-05-14T04:23:56.905123456Z stdout F ",
}


def wrapped(bare: Path, name: str) -> Path:
    out = bare.with_name(f"{bare.stem}-{name}.log")
    if out.exists() and out.stat().st_mtime >= bare.stat().st_mtime:
        return out
    print(f"# wrapping {bare.name} as {out.name} ...", file=sys.stderr, flush=True)
    line_start = re.compile(rb"(?m)^(?=.)")
    prefix = ENVELOPES[name]
    with open(bare, "rb") as src, open(out, "wb") as dst:
        rest = b""
        while block := src.read(8 << 20):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            dst.write(line_start.sub(prefix, block))
        if rest:
            dst.write(prefix + rest)
    return out


def timed(cmd: list[str], check=None) -> float:
    r = run_child(cmd, ENV)
    if r.rc != 0:
        raise SystemExit(f"FAIL: {' '.join(cmd)} exited {r.rc}: {r.stderr.decode(errors='replace')[-1500:]}")
    if check is not None:
        check(r)
    return r.wall


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--sizes", nargs="+", default=list(SIZES))
    args = p.parse_args()
    ostui = find_ostui()
    stamp = time.strftime("%Y-%m-%d %H:%M")
    print(f"# bench_envelopes {stamp}, {args.runs} runs, {load_note()}, {code_state()}")
    results: dict = {}
    for label in args.sizes:
        bare, ref = big_log(label)
        files = {"bare": bare, **{name: wrapped(bare, name) for name in ENVELOPES}}
        walls: dict[str, list[float]] = {name: [] for name in ["lnav", *files]}
        for path in files.values():
            warm(path)

        def check(r, ref=ref):
            check_scan(json.loads(r.stdout), ref)

        for _ in range(args.runs):
            walls["lnav"].append(timed(["lnav", "-n", "-c", LNAV_SCAN, str(bare)]))
            for name, path in files.items():
                walls[name].append(timed([ostui, "scan", "--json", str(path)], check))
        best = {name: best_median(w)[0] for name, w in walls.items()}
        results[label] = {"best_s": best, "walls": walls}
        print(f"\n## {label} ({ref['records']:,} records; counts exact in every ostui run)")
        print("| | best s | median s | vs lnav | vs bare |")
        print("|---|---|---|---|---|")
        for name, w in walls.items():
            b, m = best_median(w)
            print(f"| {name} | {b:.2f} | {m:.2f} | {b / best['lnav']:.2f}x | {b / best['bare']:.2f}x |")
    (OUT / "bench_envelopes.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
