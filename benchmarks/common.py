"""Shared by the benchmark scripts: the big test logs, child timing, and summaries."""

from __future__ import annotations

import functools
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


@functools.cache
def find_ostui() -> str:
    """The `ostui` next to this Python first (the venv it runs in), then PATH; its code
    byte-compiled before anything is timed."""
    found = os.environ.get("OSTUI") or ""
    beside = Path(sys.executable).parent / "ostui"
    if not found and beside.exists():
        found = str(beside)
    found = found or shutil.which("ostui") or ""
    if not found:
        sys.exit("ostui not found: run with the venv's python, or set OSTUI=/path/to/ostui")
    compile_ostui(found)
    return found


def compile_ostui(ostui: str) -> None:
    """Byte-compile the code that `ostui` imports, as `pip install` does.

    An editable install leaves ostui's own modules uncompiled, and with
    PYTHONDONTWRITEBYTECODE set (as in some shells) they are compiled again at every
    start: that added 0.15-0.2 s to each first screen measured here.
    """
    shebang = Path(ostui).read_text(errors="replace").splitlines()[0]
    python = shebang[2:].strip() if shebang.startswith("#!") else sys.executable
    if "python" not in Path(python.split()[0]).name:
        print(f"# {ostui} is not a Python script: its code is timed as it is compiled", file=sys.stderr)
        return
    code = (
        "import compileall, os, sysconfig, ostui; "
        "compileall.compile_dir(os.path.dirname(ostui.__file__), quiet=1); "
        "compileall.compile_dir(sysconfig.get_paths()['purelib'], quiet=1)"
    )
    subprocess.run([python, "-c", code], check=True, stdout=subprocess.DEVNULL)


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
        check=True,
        capture_output=True,
        text=True,
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
    rss_kb: int  # ru_maxrss: the peak of the largest single process of the command
    rc: int
    stdout: bytes
    stderr: bytes
    tree_kb: int = 0  # peak of the summed PSS of the command and all its descendants (sampled)
    anon_kb: int = 0  # Pss_Anon (heap) part of that sum at its peak
    file_kb: int = 0  # Pss_File (mapped file pages, libraries) part of that sum at its peak
    procs: int = 0  # most processes seen at once
    cpu: float = 0.0  # user + system seconds of the command and every process it waited for


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_child(cmd: list[str], env: dict[str, str] | None = None, sample_tree: bool = True) -> Run:
    """Run one command; wall time and peak memory of that command alone.

    Peak RSS comes from the kernel's ru_maxrss of the process that runs `cmd`. That
    process must not be forked from this Python: Linux carries the pre-exec image's
    high-water mark over exec (vfork/posix_spawn share our whole memory), which put
    tens of MiB of *this* script into every child's figure (grep showed 35 MiB).
    GNU time is a 1 MiB launcher that forks the command and reports its %M, so it is
    used when present; without it os.wait4's figure is used and the launcher's own
    size (reported by `launcher_kb()`) is a floor under every number.

    ru_maxrss is a max over processes, not a sum: a command that indexes with worker
    processes (ostui scan does) holds more than that at once. So /proc is also sampled
    every 5 ms and the PSS of the whole process tree summed: PSS splits a page shared
    by n processes (copy-on-write after a fork, libraries) n ways, so the sum counts
    each page once. `sample_tree=False` leaves that out (tree_kb and the rest stay 0):
    on two cores the 5 ms looks took CPU from the command timed (`ostui scan` of 1 GiB
    0.2 s slower), where only its wall time and ru_maxrss are wanted.
    Output goes to temp files, not pipes, so nothing has to read while we wait.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as rss,
    ):
        full = [GNU_TIME, "-f", "%M", "-o", rss.name, *cmd] if GNU_TIME else cmd
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        peak = {"tree": 0, "anon": 0, "file": 0, "procs": 0}
        done = threading.Event()
        sampler = threading.Thread(target=_sample, args=(proc.pid, bool(GNU_TIME), peak, done), daemon=True)
        if sample_tree:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        if sample_tree:
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        rss_kb = usage.ru_maxrss
        if GNU_TIME:
            text = rss.read().split()
            rss_kb = int(text[-1]) if text and text[-1].isdigit() else 0
        out.seek(0)
        err.seek(0)
        return Run(
            wall,
            rss_kb,
            proc.returncode,
            out.read(),
            err.read(),
            peak["tree"],
            peak["anon"],
            peak["file"],
            peak["procs"],
            # Under GNU time, wait4 reports time plus the children it reaped: the command's
            # whole tree, worker processes included.
            usage.ru_utime + usage.ru_stime,
        )


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except (OSError, ValueError):
        pass
    return out


def _status(pid: int) -> tuple[int, int, int]:
    vals = {"Pss:": 0, "Pss_Anon:": 0, "Pss_File:": 0}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                parts = line.split()
                if parts and parts[0] in vals:
                    vals[parts[0]] = int(parts[1])
    except (OSError, ValueError, IndexError):
        pass
    return vals["Pss:"], vals["Pss_Anon:"], vals["Pss_File:"]


def _sample(pid: int, via_time: bool, peak: dict[str, int], done: threading.Event) -> None:
    """Sum PSS over the command's process tree every 5 ms; keep the peak sum."""
    root = pid
    while not done.is_set():
        # Under GNU time the command is time's child: leave time's own 1 MiB out.
        tops = _children(root) if via_time else [root]
        todo, tree = list(tops), (0, 0, 0)
        seen = 0
        while todo:
            p = todo.pop()
            todo += _children(p)
            rss, anon, file_ = _status(p)
            tree = (tree[0] + rss, tree[1] + anon, tree[2] + file_)
            seen += 1
        if tree[0] > peak["tree"]:
            peak["tree"], peak["anon"], peak["file"] = tree
        peak["procs"] = max(peak["procs"], seen)
        done.wait(0.005)


def launcher_kb() -> int:
    """Peak RSS reported for `true`: what the measuring itself adds to every figure."""
    return run_child(["true"]).rss_kb


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


def code_state() -> str:
    """Which ostui was measured: the commit, and whether the work tree differed from it
    (with a digest of the package's sources, since the tree may move between runs)."""
    repo = HERE.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "ostui"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        head, dirty = "?", ""
    digest = hashlib.sha256()
    for path in sorted((repo / "ostui").rglob("*.py")):
        digest.update(path.read_bytes())
    state = f"commit {head or '?'}" + (" + local changes" if dirty else "")
    return f"{state}, ostui/*.py sha256 {digest.hexdigest()[:12]}"


class TmuxControl:
    """One control-mode client (`tmux -C`) attached to `session` of the private server
    `socket`: a command written to it is answered without a tmux process of its own (a
    `capture-pane` 0.03 ms, against 1.8 ms of CPU forked, taken from the program timed).
    `no-output`: tmux would otherwise stream every byte drawn to this client;
    `ignore-size`: the client never sizes the panes."""

    def __init__(self, socket: str, session: str) -> None:
        self.client = subprocess.Popen(
            ["tmux", "-L", socket, "-C", "attach-session", "-t", session, "-f", "no-output,ignore-size"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        try:
            self._sync()
        except BaseException:
            self.client.kill()
            raise

    def _sync(self) -> None:
        """Skip what the attach itself printed: afterwards one reply per command, in order."""
        # The attach's own (empty) reply first, before anything is sent: written at
        # once, a command could be answered before it and its reply be taken for the attach's.
        self._reply()
        mark = f"sync-{os.getpid()}-{time.monotonic_ns()}"
        assert self.client.stdin is not None
        self.client.stdin.write(f"display-message -p {mark}\n".encode())
        self.client.stdin.flush()
        while mark not in self._reply():
            pass

    def _reply(self) -> str:
        """The next %begin ... %end block; notifications between blocks are skipped."""
        assert self.client.stdout is not None
        out: list[bytes] = []
        guard = None
        while True:
            line = self.client.stdout.readline()
            if not line:
                raise RuntimeError("tmux control client ended (did the tool exit?)")
            if guard is None:
                if line.startswith(b"%begin "):
                    guard = line.split()[1:3]
                continue
            # A screen line could start with "%end": only the guard's time and number close.
            if line.startswith((b"%end ", b"%error ")) and line.split()[1:3] == guard:
                if line.startswith(b"%error "):
                    raise RuntimeError(b"".join(out).decode(errors="replace"))
                return b"".join(out).decode("utf-8", "replace")
            out.append(line)

    def command(self, cmd: str) -> str:
        assert self.client.stdin is not None
        try:
            self.client.stdin.write(cmd.encode() + b"\n")
            self.client.stdin.flush()
        except BrokenPipeError:
            raise RuntimeError("tmux control client ended (did the tool exit?)") from None
        return self._reply()

    def wait(self) -> None:
        """Once the server is gone: the client ends with it."""
        try:
            self.client.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.client.kill()
