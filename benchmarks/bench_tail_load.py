#!/usr/bin/env python3
"""ostui following 5 busy files: key-to-screen latency, memory, and no record lost.

    /tmp/venv/bin/python benchmarks/bench_tail_load.py [--seconds 60] [--rate 10000]
        [--files 5] [--keys kG|L] [--runs 1] [--json FILE] [--max-records N]

Five oslo logs (nova-api, nova-compute, nova-conductor, neutron server and
openvswitch agent) start with 200 real lines each and are then written by a writer
process at `--rate` lines/s in total for `--seconds`: every 10 ms it writes what the
schedule owes, one write() per file of whole lines. The lines are real lines of
those services (tests/data/real/osp6-live-migration, one-line records only), each
stamped with the time it was written (ms) and ending in a unique `(seq N)`: every
line is one record. Meanwhile `ostui FILE1..FILE5` runs in a 160x48 tmux pane.

Every second a key is sent (tmux send-keys) and the pane is read every 5 ms until
the status bar shows the key's effect:
  --keys kG (default)  `k` (cursor up: the status bar says `paused`), then `G`
                       (back to the end: `follow`), alternately;
  --keys L             cycle the level filter: the first sign (ack) is the status
                       bar's `filtering · INFO+` (said once a view takes over 50 ms)
                       or the view itself, `N of M records · INFO+` (done).
Target: key -> screen <= 100 ms. Between keys the status bar is read every 100 ms,
its `M records` compared with the lines written by then: how far the index lags.
ostui's RSS (/proc/PID/status VmRSS) and CPU time are sampled every second.

After the writer stops the script waits (up to --catchup s) for the status bar to
count every line written, and reports the index's count M (and the view's N) against
the number written: nothing may be dropped. It stops by itself; everything is local,
in a temp folder removed at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_tail_latency import (
    REAL_LOGS,
    Pane,
    app_pid,
    cpu_seconds,
    ms,
    oslo_stamp,
    real_lines,
    seed_lines,
    summary,
)
from common import code_state, find_ostui, load_note

# One real log per written file: the file names ostui shows, and where their lines come from.
SOURCES = [
    ("nova-api.log", "nova/nova-api.log"),
    ("nova-compute.log", "nova/nova-compute.log"),
    ("nova-conductor.log", "nova/nova-conductor.log"),
    ("neutron-server.log", "neutron/server.log"),
    ("neutron-openvswitch-agent.log", "neutron/openvswitch-agent.log"),
]
COUNT = re.compile(r"([\d,]+) of ([\d,]+) records")
WINDOWED = re.compile(r"windowed: ([\d,]+) older on disk")
TICK = 0.01  # the writer's period
SAMPLE = 0.1  # status bar reads between keys


# -- the writer (a process of its own: it must not share a GIL or a CPU slice with us) ---
def writer(
    paths: list[str],
    templates: list[list[tuple[str, str, str]]],
    rate: float,
    seconds: float,
    first_seq: int,
    written: Any,  # a multiprocessing.Value: lines written so far, read by the parent
    result: Any,  # the sending end of a multiprocessing.Pipe
) -> None:
    fds = [os.open(p, os.O_WRONLY | os.O_APPEND) for p in paths]
    total = int(rate * seconds)
    nfiles = len(paths)
    seq = 0
    worst_behind = 0
    t0 = time.monotonic()
    while seq < total:
        due = min(total, int(rate * (time.monotonic() - t0)))
        worst_behind = max(worst_behind, due - seq)
        if due > seq:
            chunks: list[list[int]] = [[] for _ in range(nfiles)]
            for s in range(first_seq + seq, first_seq + due):
                chunks[s % nfiles].append(s)
            for f, seqs in enumerate(chunks):
                if not seqs:
                    continue
                # Stamped when written, per file, as each service's logger would.
                stamp = oslo_stamp(time.time())
                tpl = templates[f]
                data = "".join(
                    f"{stamp} {pid} {level} {rest} (seq {s})\n"
                    for s in seqs
                    for pid, level, rest in (tpl[(s // nfiles) % len(tpl)],)
                )
                os.write(fds[f], data.encode())
            seq = due
            written.value = seq
        time.sleep(TICK)
    elapsed = time.monotonic() - t0
    for fd in fds:
        os.close(fd)
    result.send({"lines": seq, "seconds": elapsed, "rate": seq / elapsed, "worst_behind": worst_behind})


# -- reading ostui's screen --------------------------------------------------------------
def status_line(screen: str) -> str:
    """The status bar: the last line that says records, filtering or indexing (a toast
    may cover the bottom right, never the bar's start)."""
    for line in reversed(screen.splitlines()):
        if " records" in line or "filtering ·" in line or "indexing" in line:
            return line
    return ""


def counts(screen: str) -> tuple[int, int] | None:
    m = COUNT.search(status_line(screen))
    return (int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))) if m else None


def windowed(screen: str) -> int:
    """Records the memory window let go of, as the status bar says (0 when it says nothing)."""
    m = WINDOWED.search(status_line(screen))
    return int(m.group(1).replace(",", "")) if m else 0


def status_has(text: str) -> Callable[[str], bool]:
    return lambda screen: text in status_line(screen)


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


LEVEL_CYCLE = ["INFO+", "WARNING+", "ERROR+", "no filter"]


def key_plan(keys: str, n: int) -> tuple[str, str, str]:
    """The n-th key to send, the status text that acknowledges it, and the one that
    shows it done (the same for k/G)."""
    if keys == "kG":
        return ("k", "· paused", "· paused") if n % 2 == 0 else ("G", "· follow", "· follow")
    desc = LEVEL_CYCLE[n % len(LEVEL_CYCLE)]
    return "L", f"· {desc}", f"records · {desc}"


# -- one run -------------------------------------------------------------------------------
def run_once(args: argparse.Namespace, templates: list[list[tuple[str, str, str]]]) -> dict:
    work = Path(tempfile.mkdtemp(prefix="ostui-tail-load-"))
    paths = [work / name for name, _ in SOURCES[: args.files]]
    now = time.time()
    for i, p in enumerate(paths):
        p.write_text("".join(seed_lines(templates[i], args.seed_lines, now - 1.0)))
    seeded = args.seed_lines * len(paths)
    home = work / "home"
    home.mkdir()
    env = {"TERM": "xterm-256color", "HOME": str(home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    ostui = find_ostui()
    res: dict = {"seeded": seeded}
    pane = proc = None
    try:
        window = [] if args.max_records is None else ["--max-records", str(args.max_records)]
        pane = Pane("load", [ostui, *window, *map(str, paths)], env, work, "control")
        seen, screen = pane.wait_for(
            lambda s: counts(s) == (seeded, seeded) and "· follow" in status_line(s), args.start_timeout
        )
        if seen is None:
            raise RuntimeError(f"ostui did not show {seeded} records; screen:\n{screen}")
        time.sleep(1.0)
        pid = app_pid(pane.pid, Path(ostui).name)
        rss = [(0.0, rss_kb(pid))]
        cpu0 = cpu_seconds(pid)

        written = mp.Value("q", 0, lock=False)
        recv, send = mp.Pipe(duplex=False)
        proc = mp.Process(
            target=writer,
            args=(list(map(str, paths)), templates, args.rate, args.seconds, seeded, written, send),
            daemon=True,
        )
        t0 = time.perf_counter()
        proc.start()
        keys: list[dict] = []
        lag: list[int] = []  # records written but not yet counted on the status bar
        filtering = 0  # status reads that showed a view being rebuilt
        reads = 0
        n = 0
        next_key = t0 + 1.0
        while proc.is_alive():
            # Between keys: read the status bar every 100 ms; sample memory once a second.
            while time.perf_counter() < next_key and proc.is_alive():
                w = written.value
                screen = pane.screen()
                reads += 1
                c = counts(screen)
                if c is not None:
                    lag.append(max(0, seeded + w - c[1]))
                if "filtering ·" in status_line(screen):
                    filtering += 1
                time.sleep(SAMPLE)
            if not proc.is_alive():
                break
            rss.append((time.perf_counter() - t0, rss_kb(pid)))
            key, ack, done = key_plan(args.keys, n)
            n += 1
            k0 = time.perf_counter()
            pane.send(key)
            t_ack: float | None = None

            def reflected(s: str, ack: str = ack, done: str = done) -> bool:
                nonlocal t_ack
                line = status_line(s)
                if t_ack is None and ack in line:
                    t_ack = time.perf_counter()
                return done in line

            t_done, screen = pane.wait_for(reflected, args.key_timeout)
            keys.append(
                {
                    "at": k0 - t0,
                    "key": key,
                    "ack": None if t_ack is None else t_ack - k0,
                    "done": None if t_done is None else t_done - k0,
                    "status": status_line(screen).strip(),
                }
            )
            next_key = max(next_key + 1.0, time.perf_counter())
        proc.join()
        wres = recv.recv()
        t_stop = time.perf_counter()
        res["cpu_pct"] = 100 * (cpu_seconds(pid) - cpu0) / (t_stop - t0)  # while the writer wrote
        res["writer"] = wres
        expected = seeded + wres["lines"]
        # Back to no filter after L presses, so that the view's N can be checked too.
        while args.keys == "L" and n % len(LEVEL_CYCLE):
            key, _, done = key_plan(args.keys, n)
            n += 1
            pane.send(key)
            pane.wait_for(status_has(done), args.key_timeout)
        # Catch-up: until the index count M on the status bar reaches every line written;
        # then a little longer for the view's N, which may trail M by one rebuild.
        last = None
        caught = None
        deadline = t_stop + args.catchup
        while time.perf_counter() < deadline:
            screen = pane.screen()
            c = counts(screen)
            if c is not None:
                # Records the window let go of are on disk: the view's N plus them is the whole.
                c = (c[0] + windowed(screen), c[1])
                last = c
                if caught is None and c[1] >= expected:
                    caught = time.perf_counter() - t_stop
                    deadline = min(deadline, time.perf_counter() + 3.0)
                if c[1] >= expected and c[0] >= expected:
                    break
            if time.perf_counter() - t0 - rss[-1][0] >= 1.0:
                rss.append((time.perf_counter() - t0, rss_kb(pid)))
            time.sleep(0.05)
        time.sleep(0.5)
        rss.append((time.perf_counter() - t0, rss_kb(pid)))
        screen = pane.screen()
        final = counts(screen)
        if final is not None:
            res["held"] = final[0]
            final = (final[0] + windowed(screen), final[1])
        final = final or last
        res.update(
            expected=expected,
            shown=final,
            catchup_s=caught,
            keys=keys,
            lag=lag,
            filtering_reads=filtering,
            status_reads=reads,
            rss=rss,
        )
    finally:
        if proc is not None and proc.is_alive():
            proc.terminate()
        if pane is not None:
            pane.close()
        shutil.rmtree(work, ignore_errors=True)
    return res


def report(res: dict, args: argparse.Namespace) -> None:
    w = res["writer"]
    print(
        f"writer: {w['lines']:,} lines in {w['seconds']:.1f} s = {w['rate']:,.0f} lines/s "
        f"(at worst {w['worst_behind']:,} lines behind schedule)"
    )
    done = [k["done"] for k in res["keys"] if k["done"] is not None]
    ack = [k["ack"] for k in res["keys"] if k["ack"] is not None]
    missed = sum(1 for k in res["keys"] if k["done"] is None)
    s = summary(done)
    over = sum(1 for x in done if x > 0.100)
    print(f"{'':28} {'n':>4} {'median':>8} {'p99':>8} {'max':>8}   (ms)")
    print(
        f"{'key -> screen (' + args.keys + ')':28} {s['n']:>4} {ms(s['median']):>8} {ms(s['p99']):>8} "
        f"{ms(s['max']):>8}   {over} over 100 ms, {missed} never shown within {args.key_timeout:.0f} s"
    )
    if args.keys == "L":
        a = summary(ack)
        print(
            f"{'  first sign (· INFO+ etc.)':28} {a['n']:>4} {ms(a['median']):>8} {ms(a['p99']):>8} "
            f"{ms(a['max']):>8}"
        )
    rss = [kb for _, kb in res["rss"]]
    print(
        f"RSS MiB: start {rss[0] / 1024:.0f}, max {max(rss) / 1024:.0f}, end {rss[-1] / 1024:.0f}"
        f"   ostui CPU {res['cpu_pct']:.0f}% of one core"
    )
    if args.max_records:
        # Once the window is full (the writer has written max-records and its slack), and a
        # minute on for the first cuts to settle: how far RSS strays from its median.
        full = (args.max_records * 1.1 - res["seeded"]) / max(1.0, w["rate"]) + 60
        after = [kb for t, kb in res["rss"] if t >= full]
        if after:
            mid = statistics.median(after)
            print(
                f"RSS after the window filled (+60 s, {len(after)} samples from {full:.0f} s): "
                f"median {mid / 1024:.0f} MiB, "
                f"min {min(after) / 1024:.0f} ({100 * (min(after) / mid - 1):+.1f} %), "
                f"max {max(after) / 1024:.0f} ({100 * (max(after) / mid - 1):+.1f} %); "
                f"records held at the end {res.get('held', 0):,}"
            )
    lag = res["lag"]
    if lag:
        print(
            f"index lag (written - counted, read every {SAMPLE * 1000:.0f} ms): "
            f"median {statistics.median(lag):,.0f}, "
            f"max {max(lag):,} records (= {max(lag) / max(1.0, w['rate']):.2f} s of writing); "
            f"status bar said 'filtering' in {res['filtering_reads']} of {res['status_reads']} reads"
        )
    shown = res["shown"]
    if not shown:
        print(f"records written {res['expected']:,}: no count on the status bar at the end")
    else:
        n_view, m_index = shown
        exp = res["expected"]

        def verdict(x: int) -> str:
            return "all there" if x == exp else f"{exp - x:,} MISSING" if x < exp else f"{x - exp:,} EXTRA"

        when = (
            f"M reached it {res['catchup_s']:.2f} s after the writer stopped"
            if res["catchup_s"] is not None
            else f"M did not reach it within {args.catchup:.0f} s"
        )
        print(
            f"records written {exp:,} (seed {res['seeded']:,}); status bar 'N of M records': "
            f"index M={m_index:,} ({verdict(m_index)}), view N={n_view:,} ({verdict(n_view)}); {when}"
        )
    slow = sorted((k for k in res["keys"] if k["done"] is None or k["done"] > 0.100), key=lambda k: k["at"])
    for k in slow[:8]:
        took = "never" if k["done"] is None else f"{ms(k['done'])} ms"
        print(f"  slow: {k['key']} at {k['at']:.1f} s took {took}; status: {k['status'][:110]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="how long the writer writes (default 60)")
    ap.add_argument("--rate", type=float, default=10000.0, help="lines per second, all files (default 10000)")
    ap.add_argument("--files", type=int, default=5, choices=range(1, len(SOURCES) + 1))
    ap.add_argument("--seed-lines", type=int, default=200, help="real lines per file before ostui starts")
    ap.add_argument("--keys", choices=("kG", "L"), default="kG")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--key-timeout", type=float, default=10.0)
    ap.add_argument("--start-timeout", type=float, default=60.0)
    ap.add_argument("--catchup", type=float, default=120.0, help="seconds to wait for the count at the end")
    ap.add_argument("--json", type=Path, help="also write every measurement here")
    ap.add_argument("--max-records", type=int, help="ostui's memory window (default: ostui's own)")
    args = ap.parse_args()

    templates = [real_lines(REAL_LOGS / src) for _, src in SOURCES[: args.files]]
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} · {load_note()} · {code_state()}")
    print(
        f"# {args.files} files, {args.rate:,.0f} lines/s for {args.seconds:.0f} s, "
        f"keys {args.keys}, {args.runs} run(s), --max-records {args.max_records or 'default'}"
    )
    results = []
    for r in range(args.runs):
        print(f"\n## run {r + 1}", flush=True)
        res = run_once(args, templates)
        results.append(res)
        report(res, args)
        print(f"# after: {load_note()}", flush=True)
    if args.runs > 1:
        done = [k["done"] for res in results for k in res["keys"] if k["done"] is not None]
        s = summary(done)
        meds = " ".join(
            ms(statistics.median([k["done"] for k in r["keys"] if k["done"] is not None])) for r in results
        )
        print(
            f"\nall runs: key -> screen median {ms(s['median'])} ms, p99 {ms(s['p99'])} ms, "
            f"max {ms(s['max'])} ms; run medians {meds} ms"
        )
    if args.json:
        args.json.write_text(
            json.dumps({"args": {k: v for k, v in vars(args).items() if k != "json"}, "runs": results})
        )
    if not all(r["shown"] and r["shown"] == (r["expected"], r["expected"]) for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
