#!/usr/bin/env python3
"""How much of a tree's errors the fault knowledge explains, per tree of logs.

    python benchmarks/bench_coverage.py [TREE ...] [--json] [--compare BEFORE.json]

For each tree (default: every folder of ../shared/data/real, else tests/data/real),
every ERROR/CRITICAL record is grouped as `ostui faults` groups it, and reported:
* records: ERROR/CRITICAL records; known: the share that carries a known fault
* unknown groups: how many distinct unknown signatures are left
* top-10 share: the share of unknown records that fall in the ten largest unknown groups
* the known fault ids and their counts (to see that no known fault is lost)

`--json` prints the figures as JSON (keep it as the "before" of a change);
`--compare FILE` prints them beside a saved JSON and exits 1 when a known fault of
the saved run is missing now.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ostui.core.diagnosis.knowledge import FaultMatcher, load_faults, summarize_faults  # noqa: E402
from ostui.core.indexing.logset import files_from_tree, open_files  # noqa: E402
from ostui.core.reading.discovery import discover  # noqa: E402


def default_trees() -> list[Path]:
    for base in (REPO.parent / "shared" / "data" / "real", REPO / "tests" / "data" / "real"):
        if base.is_dir():
            return sorted(p for p in base.iterdir() if p.is_dir())
    return []


def measure(tree: Path, matcher: FaultMatcher) -> dict[str, Any]:
    files = files_from_tree(discover(tree))
    t0 = time.perf_counter()
    open_files(files, times=True)
    summary = summarize_faults(files, matcher)
    seconds = time.perf_counter() - t0
    # ERROR/CRITICAL records only: lower ones a fault counts are extra knowledge, not coverage.
    severe = getattr(summary, "severe", summary.records)
    known_records = sum(getattr(g, "severe", g.count) for g in summary.known)
    unknown_records = sum(g.count for g in summary.unknown)
    top = sum(g.count for g in summary.unknown[:10])
    return {
        "tree": tree.name,
        "files": summary.files,
        "records": severe,
        "known_share": known_records / severe if severe else 0.0,
        "unknown_groups": len(summary.unknown),
        "unknown_records": unknown_records,
        "top10_share": top / unknown_records if unknown_records else 0.0,
        "known": {g.key: g.count for g in summary.known},
        "watching": {g.key: g.count for g in getattr(summary, "watching", [])},
        "largest_unknown": [[g.count, g.key] for g in summary.unknown[:10]],
        "seconds": round(seconds, 3),
    }


def print_rows(rows: list[dict[str, Any]], before: dict[str, dict[str, Any]]) -> None:
    print(f"{'tree':<24} {'records':>7} {'known':>7} {'unknown groups':>15} {'top-10':>7} {'s':>6}")
    for row in rows:
        old = before.get(row["tree"])
        groups = f"{row['unknown_groups']}"
        if old is not None:
            groups = f"{old['unknown_groups']} -> {groups}"
        print(
            f"{row['tree']:<24} {row['records']:>7} {100 * row['known_share']:6.1f}% "
            f"{groups:>15} {100 * row['top10_share']:6.1f}% {row['seconds']:6.2f}"
        )
        for count, key in row["largest_unknown"][:5]:
            print(f"    {count:>5}  {key[:110]}")


def lost_faults(rows: list[dict[str, Any]], before: dict[str, dict[str, Any]]) -> list[str]:
    lost = []
    for row in rows:
        old = before.get(row["tree"])
        if old is None:
            continue
        for fault_id, count in old["known"].items():
            if row["known"].get(fault_id, 0) < count:
                lost.append(f"{row['tree']}: {fault_id} {count} -> {row['known'].get(fault_id, 0)}")
    return lost


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trees", nargs="*", type=Path)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--compare", type=Path, help="a JSON output of an earlier run")
    args = ap.parse_args()
    trees = args.trees or default_trees()
    if not trees:
        sys.exit("no trees given and none found in ../shared/data/real or tests/data/real")
    pack = load_faults(user_dir=None)  # the shipped knowledge only: user packs would skew it
    matcher = FaultMatcher(pack)
    rows = [measure(tree, matcher) for tree in trees]
    if args.json:
        json.dump({"faults": len(pack), "trees": rows}, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    before: dict[str, dict[str, Any]] = {}
    if args.compare:
        saved = json.loads(args.compare.read_text())
        before = {row["tree"]: row for row in saved["trees"]}
        print(f"faults shipped: {saved['faults']} -> {len(pack)}")
    print_rows(rows, before)
    lost = lost_faults(rows, before)
    if before:
        old_total = sum(r["unknown_groups"] for r in before.values())
        new_total = sum(r["unknown_groups"] for r in rows if r["tree"] in before)
        print(f"unknown groups, all trees: {old_total} -> {new_total}")
        print("known faults lost: " + ("; ".join(lost) if lost else "none"))
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
