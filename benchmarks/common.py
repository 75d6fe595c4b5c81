"""Shared by the benchmark scripts: the big test logs, child timing, and summaries."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
GENERATOR = HERE / "make_big_log.py"
SIZES = ("200M", "1G")


def find_ostui() -> str:
    """The `ostui` next to this Python first (the venv it runs in), then PATH."""
    env = os.environ.get("OSTUI")
    if env:
        return env
    beside = Path(sys.executable).parent / "ostui"
    if beside.exists():
        return str(beside)
    found = shutil.which("ostui")
    if not found:
        sys.exit("ostui not found: run with the venv's python, or set OSTUI=/path/to/ostui")
    return found


def generator_digest() -> str:
    return hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:16]


def big_log(label: str) -> tuple[Path, dict]:
    """benchmarks/out/big-<label>.log and its reference counts, built when missing or
    when make_big_log.py changed since it was built."""
    path = OUT / f"big-{label}.log"
    meta_path = OUT / f"big-{label}.log.json"
    digest = generator_digest()
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("generator") == digest and meta.get("bytes") == path.stat().st_size:
            return path, meta
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"# building {path.name} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, str(GENERATOR), "--size", label, "--out", str(path)],
        check=True, capture_output=True, text=True,
    )
    meta = json.loads(res.stdout.strip().splitlines()[-1])
    meta["generator"] = digest
    meta_path.write_text(json.dumps(meta) + "\n")
    print(f"# built {path.name} in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return path, meta


def warm(path: Path) -> None:
    """Read the file once so every timed run starts from the page cache, not the disk."""
    with open(path, "rb", buffering=0) as fh:
        while fh.read(16 << 20):
            pass


@dataclass
class Run:
    wall: float  # seconds, launch to exit
    rss_kb: int  # the child's own peak RSS (ru_maxrss of wait4, KiB on Linux)
    rc: int
    stdout: bytes
    stderr: bytes
    anon_kb: int = 0  # peak RssAnon seen by sampling /proc every 5 ms (heap, not mapped file pages)
    file_kb: int = 0  # peak RssFile seen the same way (mapped file / page cache pages)


def run_child(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Run one command; wall time and peak RSS of that child alone.

    os.wait4 gives the rusage of exactly this child (RUSAGE_CHILDREN would be a max
    over every child ever reaped, so its deltas are wrong for peak memory). Output
    goes to temp files, not pipes, so nothing has to read while we wait.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        peak = {"RssAnon:": 0, "RssFile:": 0}
        done = threading.Event()
        sampler = threading.Thread(target=_sample, args=(proc.pid, peak, done), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_maxrss, proc.returncode, out.read(), err.read(),
                   peak["RssAnon:"], peak["RssFile:"])


def _sample(pid: int, peak: dict[str, int], done: threading.Event) -> None:
    """ru_maxrss counts mapped file pages too (ostui's request search mmaps the file),
    so split the peak into heap and file pages by reading /proc while the child runs."""
    path = f"/proc/{pid}/status"
    while not done.is_set():
        try:
            with open(path) as fh:
                for line in fh:
                    key = line[:8]
                    if key in peak:
                        peak[key] = max(peak[key], int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            pass
        done.wait(0.005)


def best_median(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def load_note() -> str:
    """The 1-minute load average and core count, printed beside every result."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load n/a"
    return f"load {one:.2f}/{five:.2f} (1/5 min) on {os.cpu_count()} cores"


def fmt_mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MiB"
