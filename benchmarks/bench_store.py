#!/usr/bin/env python3
"""First screen of a central store of 20 hosts against one big file, in one run.

    /tmp/venv/bin/python benchmarks/bench_store.py [--runs 3] [--hosts 20] [--files 3] [--mib 50]

The store is an rsyslog-style tree, `store/<host>/<program>.log`: `--hosts` hosts with
`--files` logs each (nova-compute, neutron-openvswitch-agent, nova-api...), every log a
`--mib` MiB slice of benchmarks/out/big-1G.log cut at line starts, the slices spread over
the whole file so that only the last host's last log ends where big-1G ends. So the
store's newest record is big-1G's last line, and the first screen of either shows it.
Timed, as in bench_tui.py (a fresh 160x48 tmux pane, the pane read every 10 ms): launch
until that line's `HH:MM:SS.mmm` is on screen, for `ostui --store STORE`, `ostui big-1G.log`
and lnav on both (`lnav -r STORE`). Target: the store's first screen costs about what
one big file's does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_tui import Tmux, last_needle, wait_for
from common import OUT, big_log, code_state, find_ostui, load_note, warm

NAMES = ("nova-compute.log", "neutron-openvswitch-agent.log", "nova-api.log", "cinder-volume.log")


def build_store(big: Path, hosts: int, files: int, mib: int) -> tuple[Path, int]:
    store = OUT / f"store-{hosts}x{files}x{mib}M"
    size = big.stat().st_size
    part = mib << 20
    count = hosts * files
    stamp = store / ".built"
    if stamp.exists() and stamp.read_text() == f"{size}":
        return store, sum(p.stat().st_size for p in store.rglob("*.log"))
    total = 0
    with big.open("rb") as src:
        for k in range(count):
            end = size if k == count - 1 else (size - part) * k // (count - 1) + part
            start = max(0, end - part)
            src.seek(start)
            data = src.read(end - start)
            if start:
                data = data[data.find(b"\n") + 1 :]
            out = store / f"host-{k // files:02d}" / NAMES[k % files % len(NAMES)]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            total += len(data)
    stamp.write_text(f"{size}")
    return store, total


def timed(tmux: Tmux, argv: list[str], needle: str, runs: int, timeout: float) -> list[float | None]:
    times: list[float | None] = []
    for _ in range(runs):
        pane, t0 = tmux.launch(argv)
        got, _screen = wait_for(tmux, pane, t0, lambda s: needle in s, timeout)
        tmux.kill(pane)
        times.append(got)
        time.sleep(0.5)
    return times


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--hosts", type=int, default=20)
    p.add_argument("--files", type=int, default=3)
    p.add_argument("--mib", type=int, default=50)
    p.add_argument("--timeout", type=float, default=60.0)
    args = p.parse_args()
    big, _ = big_log("1G")
    store, total = build_store(big, args.hosts, args.files, args.mib)
    needle = last_needle(big)
    ostui = find_ostui()
    print(f"# bench_store {time.strftime('%Y-%m-%d %H:%M')}, {load_note()}, ostui {code_state()}")
    print(f"# store: {args.hosts} hosts x {args.files} logs = {total / 2**30:.2f} GiB; needle {needle}")
    for path in [*store.rglob("*.log"), big]:
        warm(path)
    cases = {
        "ostui one 1 GiB file": [ostui, "--no-journal", str(big)],
        f"ostui store ({total / 2**30:.1f} GiB)": [
            ostui,
            "--no-journal",
            "--store",
            str(store),
            str(store / "none"),
        ],
        "lnav one 1 GiB file": ["lnav", str(big)],
        "lnav store (-r)": ["lnav", "-r", str(store)],
    }
    results = {}
    with tempfile.TemporaryDirectory(prefix="ostui-bench-home-") as home:
        tmux = Tmux(home)
        try:
            timed(tmux, cases["ostui one 1 GiB file"], needle, 1, args.timeout)  # warm bytecode
            for name, argv in cases.items():
                if argv[0] == "lnav" and not os.access("/usr/bin/lnav", os.X_OK):
                    continue
                runs = timed(tmux, argv, needle, args.runs, args.timeout)
                results[name] = runs
                done = [t for t in runs if t is not None]
                med = f"{statistics.median(done):.3f} s" if len(done) == len(runs) else "timeout"
                shown = ", ".join("timeout" if t is None else f"{t:.3f}" for t in runs)
                print(f"| {name} | {med} | {shown} |", flush=True)
        finally:
            tmux.close()
    print(f"# {load_note()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
