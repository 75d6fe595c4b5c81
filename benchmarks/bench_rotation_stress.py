#!/usr/bin/env python3
"""The browser following one log through rotations faster than it looks: nothing lost
or doubled without a word.

    python benchmarks/bench_rotation_stress.py [--lines 200000] [--rate 100000]
        [--every 0.1] [--runs 3] [--rotate 5] [--json FILE]

A writer process writes `--lines` oslo lines (`... message N`, one record each) to
`nova-api.log` at `--rate` lines/s, one write() of whole lines every millisecond or so,
and every `--every` seconds runs the real logrotate over it, cycling through three
configurations: rename (`create`), `copytruncate`, and `compress` + `delaycompress`
(`create`), all with `rotate --rotate`, so a generation is deleted after that many
rotations. The writer waits for logrotate to finish before writing again: lines a
copytruncate would lose between its copy and its truncation (logrotate's own race,
invisible to any reader) are not part of this test.

Meanwhile the ostui browser follows the file: the real app (`OstuiApp`), run headless
under Textual's Pilot in this process, with its own follow worker and handlers, so
that the stream's files can be read back exactly. When the writer is done, and the
follower has drained (up to --catchup s), every record in the stream is matched to
the line numbers written. Reported per run:
  shown    distinct lines in the stream (records, gap markers excluded)
  doubled  lines in the stream more than once (must be 0)
  missing  lines written and not in the stream
  gaps     gap markers, with the generations (or bytes) each says were missed
  missed   the writer's generations wholly missing from the stream
and whether the account closes: nothing doubled, as many generations missed whole as
gaps say (a gap of unknown size stands for one, a gap naming bytes for the one whose
text it lost), and lines missing outside whole generations within the bytes named.
Machine load (loadavg, CPUs) is recorded before and after each run.

--reader core runs the follower alone in this process, polled every --poll s (the
app's interval, 0.05 s); --reader core-no-catch also leaves out its inotify catcher
(as on a host without inotify), and with a slow --poll and --rotate 1 shows what is
missed and said when generations are deleted before the follower looks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODES = {
    "rename": ("create",),
    "copytruncate": ("copytruncate",),
    "delaycompress": ("create", "compress", "delaycompress"),
}
NUMBER = re.compile(rb"message (\d+)\s*$")
GENERATIONS = re.compile(r"(\d+) generation\(s\)")
BYTES = re.compile(r"\(([\d,]+) bytes\)")


def line(n: int) -> bytes:
    """Line n: a one-record oslo line whose stamp grows with n (1 ms apart)."""
    seconds, ms = divmod(n, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return b"2026-12-05 %02d:%02d:%02d.%03d 7533 INFO nova.api [-] message %d\n" % (
        hours % 24,
        minutes,
        seconds,
        ms,
        n,
    )


# -- the writer (a process of its own) ------------------------------------------------------------
def write_and_rotate(log: Path, lines: int, rate: int, every: float, rotate: int, start: int) -> None:
    """Write lines `start`..`lines`-1 at `rate`, rotating every `every` s; print one JSON
    line per rotation (the first line of the next generation) and a last one when done."""
    confs = []
    for name, options in MODES.items():
        conf = log.parent.parent / f"{name}.conf"
        body = "\n".join(("missingok", f"rotate {rotate}", *options))
        conf.write_text(f"{log} {{\n{body}\n}}\n")
        confs.append((name, conf))
    state = log.parent.parent / "logrotate.state"
    t0 = time.monotonic()
    n = start
    rotations = 0
    next_rotation = t0 + every
    while n < lines:
        now = time.monotonic()
        if now >= next_rotation:
            name, conf = confs[rotations % len(confs)]
            subprocess.run(["logrotate", "-f", "-s", str(state), str(conf)], check=True, capture_output=True)
            rotations += 1
            next_rotation += every
            print(json.dumps({"rotation": rotations, "mode": name, "next_line": n}), flush=True)
            continue
        due = min(lines, start + int((now - t0) * rate))
        if due <= n:
            time.sleep(0.0005)
            continue
        with log.open("ab") as f:  # reopened every write: the writer follows create and truncate
            f.write(b"".join(line(i) for i in range(n, due)))
        n = due
    print(json.dumps({"done": n, "rotations": rotations, "seconds": time.monotonic() - t0}), flush=True)


# -- the reader: the browser under Pilot --------------------------------------------------------------
def stream_numbers(files: list[Any]) -> tuple[list[int], list[str]]:
    """Line numbers of every record in these files, and the gap markers' text."""
    numbers: list[int] = []
    gaps: list[str] = []
    for lf in files:
        idx = lf.index
        if idx is None:
            continue
        for i in range(len(idx)):
            raw = idx.raw(i)
            if b"[ostui] gap in" in raw:
                gaps.append(raw.decode("utf-8", "replace").strip())
                continue
            m = NUMBER.search(raw)
            if m:
                numbers.append(int(m.group(1)))
    return numbers, gaps


def seeded_log(work: Path, seed: int) -> Path:
    folder = work / "nova"
    folder.mkdir(parents=True)
    log = folder / "nova-api.log"
    log.write_bytes(b"".join(line(i) for i in range(seed)))
    return log


def start_writer(args: argparse.Namespace, log: Path, seed: int) -> subprocess.Popen[str]:
    cmd = [sys.executable, __file__, "--writer", str(log), "--lines", str(args.lines)]
    cmd += ["--rate", str(args.rate), "--every", str(args.every), "--rotate", str(args.rotate)]
    cmd += ["--start", str(seed)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def core_run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The follower alone, polled every --poll s in this process (no app, no UI)."""
    from ostui.core.indexing.logset import LogFile, open_files
    from ostui.core.live.follow import Follower

    seed = 100
    log = seeded_log(work, seed)
    lf = LogFile(log, "node", "nova", log.name)
    open_files([lf])
    fol = Follower([lf], catch=args.reader == "core")
    markers = []
    load_before = os.getloadavg()
    writer = start_writer(args, log, seed)
    t0 = time.monotonic()
    while writer.poll() is None:
        markers += [c.file for c in fol.poll() if c.kind == "gap"]
        time.sleep(args.poll)
    written = time.monotonic() - t0
    out = [json.loads(row) for row in writer.stdout or [] if row.strip()]
    for later in (0.0, 100.0, 200.0):  # now, then long after (drained, copies given up)
        markers += [c.file for c in fol.poll(now=time.monotonic() + later) if c.kind == "gap"]
    fol.close()
    numbers, gaps = stream_numbers(fol.files + markers)
    problems = [p for f in fol.files for p in f.problems]
    return account(args, out, numbers, gaps, problems, written, load_before, os.getloadavg())


async def app_run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The browser, headless under Pilot: its follow worker, its handlers, its stream."""
    from ostui.tui.app import OstuiApp
    from ostui.tui.scenes import settle
    from ostui.tui.startup import make_args

    seed = 100
    log = seeded_log(work, seed)
    app = OstuiApp(make_args(log))

    def shown() -> tuple[list[int], list[str]]:
        with app.data_lock:
            return stream_numbers(list(app.stream_files))

    load_before = os.getloadavg()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        while not app.indexed:
            await pilot.pause(0.05)
        await pilot.pause(0.5)  # the follow worker starts once indexing is done
        writer = start_writer(args, log, seed)
        t0 = time.monotonic()
        while writer.poll() is None:
            await pilot.pause(0.05)
        out = [json.loads(row) for row in writer.stdout or [] if row.strip()]
        written = time.monotonic() - t0
        # Catch up: until every line is shown, or nothing changed for a while, or --catchup.
        deadline = time.monotonic() + args.catchup
        last: tuple[int, int] = (-1, -1)
        while time.monotonic() < deadline:
            await pilot.pause(1.0)
            numbers, gaps = shown()
            now = (len(numbers), len(gaps))
            if len(set(numbers)) >= args.lines or now == last:
                break
            last = now
        await pilot.pause(2.5)  # renamed generations drain for 2 s
        numbers, gaps = shown()
        problems = [p for f in app.files for p in f.problems]
    load_after = os.getloadavg()
    return account(args, out, numbers, gaps, problems, written, load_before, load_after)


def account(
    args: argparse.Namespace,
    writer_log: list[dict[str, Any]],
    numbers: list[int],
    gaps: list[str],
    problems: list[str],
    seconds: float,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> dict[str, Any]:
    """Match what the stream holds to what was written, generation by generation."""
    rotations = [row for row in writer_log if "rotation" in row]
    starts = [0] + [row["next_line"] for row in rotations]
    ends = [*starts[1:], args.lines]
    ended_by = [*(row["mode"] for row in rotations), "end"]  # how each generation was rotated away
    lost: list[str] = []
    whole_ranges: list[tuple[int, int]] = []
    shown = set(numbers)
    doubled = len(numbers) - len(shown)
    missing = [n for n in range(args.lines) if n not in shown]
    whole = 0  # generations wholly missing
    partial = 0  # generations missing only some lines
    for first, end, mode in zip(starts, ends, ended_by, strict=True):
        if end <= first:
            continue
        absent = sum(1 for n in range(first, end) if n not in shown)
        if absent == end - first:
            whole += 1
            whole_ranges.append((first, end))
        elif absent:
            partial += 1
        if absent:
            lost.append(f"lines {first}-{end - 1} ({absent} missing), then {mode}")
    said = sum(int(m.group(1)) for g in gaps if (m := GENERATIONS.search(g)))
    said_bytes = sum(int(m.group(1).replace(",", "")) for g in gaps if (m := BYTES.search(g)))
    # Lines missing outside whole generations must be covered by the bytes a gap names.
    loose = [n for n in missing if not any(first <= n < end for first, end in whole_ranges)]
    loose_bytes = sum(len(line(n)) for n in loose)
    byte_gaps = sum(1 for g in gaps if BYTES.search(g))
    # A gap of unknown size stands for one generation each; a gap naming bytes, for at
    # least the generation whose text it lost. Lines missing outside whole generations
    # must be covered by the bytes named.
    closes = doubled == 0 and whole <= said + byte_gaps and loose_bytes <= said_bytes
    return {
        "reader": args.reader,
        "lines": args.lines,
        "rate": args.rate,
        "every": args.every,
        "rotations": len(starts) - 1,
        "write_seconds": round(seconds, 2),
        "shown": len(shown),
        "doubled": doubled,
        "missing": len(missing),
        "generations_missed_whole": whole,
        "generations_missed_partly": partial,
        "gaps": len(gaps),
        "generations_said_missed": said,
        "bytes_missing_outside_whole_generations": loose_bytes,
        "bytes_said_missed": said_bytes,
        "overstated": said + byte_gaps > whole + partial,  # more said missed than was
        "generations_missing": lost[:10],
        "gap_notes": gaps[:5],
        "problems": problems[:5],
        "account_closes": closes,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
    }


def summary(r: dict[str, Any]) -> str:
    closes = f"{r['account_closes']}{' (overstated)' if r['overstated'] else ''}"
    return (
        f"{r['lines']:,} lines at {r['rate']:,}/s, {r['rotations']} rotations in {r['write_seconds']} s: "
        f"shown {r['shown']:,}, doubled {r['doubled']}, missing {r['missing']:,} "
        f"({r['generations_missed_whole']} generation(s) whole, {r['generations_missed_partly']} partly); "
        f"gaps said {r['generations_said_missed']} generation(s) and {r['bytes_said_missed']:,} bytes "
        f"in {r['gaps']} marker(s); account closes: {closes}; "
        f"load {r['load_before']} -> {r['load_after']} on {r['cpus']} CPUs"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--rate", type=int, default=100_000, help="lines per second")
    ap.add_argument("--every", type=float, default=0.1, help="seconds between rotations")
    ap.add_argument("--rotate", type=int, default=5, help="logrotate's `rotate`: generations kept")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--reader",
        choices=("app", "core", "core-no-catch"),
        default="app",
        help="the browser (default); the follower alone; the follower without its inotify catcher",
    )
    ap.add_argument("--poll", type=float, default=0.05, help="seconds between polls of a core reader")
    ap.add_argument("--catchup", type=float, default=30.0, help="seconds to wait for the stream afterwards")
    ap.add_argument("--json", type=Path, help="write every run's figures here")
    ap.add_argument("--writer", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.writer is not None:
        write_and_rotate(args.writer, args.lines, args.rate, args.every, args.rotate, args.start)
        return
    results = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="ostui-rotation-") as tmp:
            if args.reader == "app":
                result = asyncio.run(app_run(args, Path(tmp)))
            else:
                result = core_run(args, Path(tmp))
        results.append(result)
        print(f"run {run} ({args.reader}): {summary(result)}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if not all(r["account_closes"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
