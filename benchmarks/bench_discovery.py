#!/usr/bin/env python3
"""How long `discover()` takes over a collection made of many copies of the real trees.

    python benchmarks/bench_discovery.py [--copies 20] [--runs 5] [--source tests/data/real]

Two layouts are timed, both built once in a temporary folder: `copies/` holds `--copies`
copies of the source tree side by side (node roots one or two folders down), `nodes/` the
source's node roots themselves, `--copies` times each, as one folder per node. Every copy is
byte-identical to the first, so the time includes finding every duplicate (sizes, then both
ends, then whole files compared) and the sweep that says why each other file is not read.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ostui.core.reading.discovery import discover  # noqa: E402 (the checkout's ostui, not an installed one)


def node_roots(source: Path) -> list[Path]:
    return sorted(path.parent.parent for path in source.rglob("var/log") if path.is_dir())


def build(source: Path, copies: int, scratch: Path) -> dict[str, Path]:
    side_by_side = scratch / "copies"
    per_node = scratch / "nodes"
    for number in range(copies):
        shutil.copytree(source, side_by_side / f"copy{number:02d}")
        for root in node_roots(source):
            shutil.copytree(root, per_node / f"{root.name}-{number:02d}")
    return {"copies": side_by_side, "nodes": per_node}


def timed(root: Path, runs: int) -> tuple[list[float], str]:
    times = []
    summary = ""
    for _ in range(runs):
        start = time.perf_counter()
        tree = discover(root)
        times.append(time.perf_counter() - start)
        files = sum(len(source.members) for source in tree.sources())
        summary = f"{len(tree.nodes)} nodes, {files} files read, {len(tree.skipped)} skipped, "
        summary += f"{len(getattr(tree, 'aliases', {}))} nodes aliases of others"
    return times, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--source", type=Path, default=HERE.parent / "tests" / "data" / "real")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-discovery-") as scratch:
        for name, root in build(args.source, args.copies, Path(scratch)).items():
            size = sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
            times, summary = timed(root, args.runs)
            print(
                f"{name}: {size / 2**20:.0f} MiB, best {min(times):.3f} s, "
                f"median {statistics.median(times):.3f} s over {args.runs} runs; {summary}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
