#!/usr/bin/env python3
"""What flagging known faults adds to indexing: the same log indexed without and with
`faultscan.flag_faults`, in one process, best of N.

    python benchmarks/bench_faults.py [--sizes 200M,1G] [--runs 3]

Target (issue: diagnosis knowledge): a 1 GB log adds at most 10% to indexing time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import big_log, warm

from ostui.core.faultscan import flag_faults
from ostui.core.knowledge import FaultMatcher, load_faults
from ostui.core.logset import LogFile, open_files


def one_run(path: Path, matcher: FaultMatcher) -> tuple[float, float, int]:
    lf = LogFile(path, "bench", "nova", path.name)
    t0 = time.perf_counter()
    open_files([lf])  # one thread, as the browser indexes
    t1 = time.perf_counter()
    flagged = flag_faults(lf, matcher)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, flagged


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="200M,1G")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    matcher = FaultMatcher(load_faults())
    print(f"{'size':>6} {'index s':>8} {'faults s':>9} {'added':>7} {'flagged':>8}")
    for label in args.sizes.split(","):
        path, _meta = big_log(label)
        warm(path)
        runs = [one_run(path, matcher) for _ in range(args.runs)]
        index = min(r[0] for r in runs)
        faults = min(r[1] for r in runs)
        print(f"{label:>6} {index:8.2f} {faults:9.3f} {100 * faults / index:6.1f}% {runs[0][2]:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
