#!/usr/bin/env python3
"""What `ostui faults` costs beside `ostui scan` of the same files, and beside lnav.

    python benchmarks/bench_faults.py [--sizes 200M,1G] [--copies 20] [--runs 3] [--no-lnav]

Inputs, each measured in one run, commands alternating, best and median of --runs:
  * the 200 MB and 1 GB oslo logs of make_big_log.py (benchmarks/out/, reused);
  * a tree of many small real files: every folder of ../shared/data/real (else
    tests/data/real) copied --copies times under node folders in /tmp. Discovery folds
    byte-identical files into one, so copy k differs from the original in bytes only:
    k newlines appended to a plain file, k written as a gzip member's MTIME field.
Commands:
  ostui scan --json INPUT        the engine's index alone
  ostui faults --json INPUT      the same index, then every ERROR/CRITICAL record grouped
  lnav -n -c ';SELECT log_level, count(*) ...' INPUT   (lnav's headless index, same run)
`faults` must give the same record counts as `scan` (its error_records equal scan's ERROR
and CRITICAL), or the script stops with status 1.

Target (issue #11): faults wall time <= 1.5x scan's on the 1 GB file and on the tree.

    python benchmarks/bench_faults.py --flagging [--sizes 200M,1G] [--runs 3]

measures instead what the browser's flags cost: each big log indexed in one thread (as the
browser indexes), then `faultscan.flag_faults` over it, in this process; target <= 10 %.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import best_median, big_log, code_state, find_ostui, fmt_mb, load_note, run_child, warm

REPO = Path(__file__).resolve().parent.parent
LNAV_SCAN = ";SELECT log_level, count(*) FROM all_logs GROUP BY log_level"
TREE = Path(tempfile.gettempdir()) / "ostui-bench-faults-tree"
HOME = tempfile.mkdtemp(prefix="ostui-bench-home-")
ENV = {**os.environ, "HOME": HOME, "XDG_CONFIG_HOME": f"{HOME}/.config"}


def real_data() -> Path:
    for base in (REPO.parent / "shared" / "data" / "real", REPO / "tests" / "data" / "real"):
        if base.is_dir():
            return base
    sys.exit("no real data: neither ../shared/data/real nor tests/data/real")


def _distinct(path: Path, k: int) -> None:
    """Make copy k of a file differ from every other copy in bytes, not in what it holds."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b" and len(data) >= 8:
        path.write_bytes(data[:4] + k.to_bytes(4, "little") + data[8:])  # the member's MTIME
    elif data:
        path.write_bytes(data + b"\n" * k)


def build_tree(copies: int) -> Path:
    """TREE/<folder>-<k>/...: node folders (those holding var/log) as they are, flat folders of
    logs put under var/log; rebuilt when the number of copies changed."""
    stamp = TREE / ".copies"
    if stamp.exists() and stamp.read_text() == str(copies):
        return TREE
    shutil.rmtree(TREE, ignore_errors=True)
    source = real_data()
    nodes = [p.parent.parent for p in sorted(source.glob("**/var/log"))]
    flat = [
        p for p in sorted(source.iterdir()) if p.is_dir() and not any(p in n.parents or p == n for n in nodes)
    ]
    for k in range(1, copies + 1):
        for node in nodes:
            shutil.copytree(node, TREE / f"{node.name}-{k:02d}")
        for folder in flat:
            shutil.copytree(folder, TREE / f"{folder.name}-{k:02d}" / "var" / "log")
        for path in sorted(TREE.glob(f"*-{k:02d}/**/*")):
            if path.is_file() and not path.is_symlink():
                _distinct(path, k)
    stamp.write_text(str(copies))
    return TREE


def tree_bytes(root: Path) -> tuple[int, int]:
    """(files, bytes read: gzip members counted decompressed)."""
    files = total = 0
    for path in root.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            files += 1
            if path.suffix == ".gz":
                with gzip.open(path, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        total += len(chunk)
            else:
                total += path.stat().st_size
    return files, total


class Mismatch(SystemExit):
    """faults and scan disagree on the records: stops the run with status 1."""


def check(scan: bytes, faults: bytes) -> int:
    levels = json.loads(scan)["totals"]["levels"]
    severe = levels.get("ERROR", 0) + levels.get("CRITICAL", 0)
    doc = json.loads(faults)
    if doc["error_records"] != severe:
        raise Mismatch(f"faults grouped {doc['error_records']} ERROR/CRITICAL records, scan counts {severe}")
    return severe


def measure(label: str, target: list[str], runs: int, lnav: bool) -> dict:
    ostui = find_ostui()
    commands = {"scan": [ostui, "scan", "--json", *target], "faults": [ostui, "faults", "--json", *target]}
    if lnav:
        commands["lnav"] = [
            "lnav",
            "-n",
            "-c",
            LNAV_SCAN,
            *(["-r"] if target[0] == "--root" else []),
            target[-1],
        ]
    for cmd in commands.values():
        run_child(cmd, ENV)  # untimed: bytecode and lnav's config out of the way
    results: dict[str, list] = {name: [] for name in commands}
    severe = 0
    for _ in range(runs):
        got = {}
        for name, cmd in commands.items():
            got[name] = run_child(cmd, ENV)
            if got[name].rc != 0:
                raise Mismatch(f"{label}: {name} exited {got[name].rc}: {got[name].stderr[-400:]!r}")
            results[name].append(got[name])
        severe = check(got["scan"].stdout, got["faults"].stdout)
    out: dict[str, Any] = {"input": label, "error_records": severe}
    for name, rs in results.items():
        best, median = best_median([r.wall for r in rs])
        out[name] = {
            "best_s": round(best, 2),
            "median_s": round(median, 2),
            "tree_kb": max(r.tree_kb for r in rs),
        }
    out["ratio"] = round(out["faults"]["best_s"] / out["scan"]["best_s"], 2)
    return out


def show(res: dict) -> None:
    line = f"{res['input']:>28}  scan {res['scan']['best_s']:6.2f} s  faults {res['faults']['best_s']:6.2f} s"
    line += f"  faults/scan {res['ratio']:.2f}x (target <= 1.5x)"
    if "lnav" in res:
        line += f"  lnav {res['lnav']['best_s']:6.2f} s"
    line += (
        f"  ({res['error_records']:,} ERROR/CRITICAL records; faults peak {fmt_mb(res['faults']['tree_kb'])})"
    )
    print(line, flush=True)


def flagging(sizes: list[str], runs: int) -> None:
    """Index time against flag_faults time, in this process, best of `runs`."""
    import time

    from ostui.core.diagnosis.faultscan import flag_faults
    from ostui.core.diagnosis.knowledge import FaultMatcher, load_faults
    from ostui.core.indexing.logset import LogFile

    matcher = FaultMatcher(load_faults())
    print(f"{'size':>6} {'index s':>8} {'faults s':>9} {'added':>7} {'flagged':>8}")
    for label in sizes:
        path, _meta = big_log(label)
        warm(path)
        timed = []
        for _ in range(runs):
            lf = LogFile(path, "bench", "nova", path.name)
            t0 = time.perf_counter()
            lf.open()
            lf.build()
            t1 = time.perf_counter()
            flagged = flag_faults(lf, matcher)
            timed.append((t1 - t0, time.perf_counter() - t1, flagged))
        index, faults = min(t[0] for t in timed), min(t[1] for t in timed)
        print(f"{label:>6} {index:8.2f} {faults:9.3f} {100 * faults / index:6.1f}% {timed[0][2]:8d}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="200M,1G", help="big files to use ('' for none)")
    ap.add_argument("--copies", type=int, default=20, help="copies of the real data in the tree (0: no tree)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-lnav", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--flagging", action="store_true", help="the browser's flags beside indexing instead")
    args = ap.parse_args()
    if args.flagging:
        flagging(list(filter(None, args.sizes.split(","))), args.runs)
        return 0
    lnav = not args.no_lnav and shutil.which("lnav") is not None
    print(f"# {code_state()}; {load_note()}; best of {args.runs}", flush=True)
    results = []
    for label in filter(None, args.sizes.split(",")):
        path, _meta = big_log(label)
        warm(path)
        results.append(measure(f"{label} oslo log", [str(path)], args.runs, lnav))
        show(results[-1])
    if args.copies:
        root = build_tree(args.copies)
        files, size = tree_bytes(root)
        for path in root.rglob("*"):
            if path.is_file():
                warm(path)
        label = f"tree: {files} files, {size / 1e6:.0f} MB"
        results.append(measure(label, ["--root", str(root)], args.runs, lnav))
        show(results[-1])
    print(f"# {load_note()} at the end", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"results": results, "code": code_state()}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
