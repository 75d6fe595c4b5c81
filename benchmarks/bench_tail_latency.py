#!/usr/bin/env python3
"""Live tail latency: one line appended to a followed file, until it is on the screen.

    /tmp/venv/bin/python benchmarks/bench_tail_latency.py [--probes 60] [--runs 3]
        [--tools ostui toolong lnav] [--capture control|exec] [--json FILE]

For each tool (ostui, toolong `tl FILE`, lnav `lnav FILE`) and each run: a temp
oslo-format nova-api.log of 300 real lines (tests/data/real/..., restamped to the
last few seconds) and one `ready-<token>` line; the tool is started on it in a
fresh 160x48 pane of a private tmux server (TERM=xterm-256color, a throwaway HOME),
and once the ready line is on the screen, `--probes` times:

    append `<now> 4470 INFO nova.api [-] probe-<n>-<token>` with one write() + flush,
    read the pane every 5 ms until the marker is on it; latency = append -> seen.

Appends are 175-225 ms apart (random, so that they do not lock in phase with a
tool's own poll timer). The pane is read through one tmux control-mode client
(`tmux -C`, `capture-pane -p` per read, without forking a tmux per read); each
read's cost, measured on the static screen before the probes, is the floor under
every figure and is printed beside it (`--capture exec` forks `tmux capture-pane`
per read, as most scripts do, for comparison). A latency is the time at which the
read that first shows the marker returned: never early, at most one poll interval
plus one read late.

Runs alternate the tools (the order rotates) so that the machine's noise spreads
over all of them; medians, p90, p99 (nearest rank) and max are over every probe
of every run, and the per-run medians show how noisy it was.

bench_tail_load.py imports the pane driver and the oslo line helpers from here.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import TmuxControl, code_state, find_ostui, load_note

HERE = Path(__file__).resolve().parent
REAL_LOGS = HERE.parent / "tests/data/real/osp6-live-migration/hp-ms-01-c29/var/log"
NOVA_API = REAL_LOGS / "nova/nova-api.log"
COLS, ROWS = 160, 48
POLL = 0.005  # seconds between two reads of the pane
# An oslo record head: time, pid, level, then logger, context and message. TRACE lines
# are left out: oslo parsers (ostui's too) fold them into the ERROR record above them.
OSLO_HEAD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (\d+) (DEBUG|INFO|AUDIT|WARNING|ERROR|CRITICAL) (.+)$"
)
TMUX_CONF = "set -g status off\nset -g default-terminal xterm-256color\n"


# -- real-looking oslo lines -----------------------------------------------------------
def real_lines(path: Path, max_len: int = 500) -> list[tuple[str, str, str]]:
    """(pid, level, rest) of every one-line record of a real oslo log, rest being
    logger, context and message; very long ones (dumped HTTP bodies) left out."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            m = OSLO_HEAD.match(line.rstrip("\n"))
            if m and len(line) <= max_len:
                pid, level, rest = m.groups()
                out.append((pid, level, rest))
    if not out:
        sys.exit(f"no oslo lines in {path}")
    return out


def oslo_stamp(t: float) -> str:
    """An oslo time stamp, local time with milliseconds, for the epoch time t."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) + f".{int(t * 1000) % 1000:03d}"


def token(n: int = 8) -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=n))


def seed_lines(templates: list[tuple[str, str, str]], count: int, end: float) -> list[str]:
    """`count` real lines restamped 5 ms apart, the last at `end`: a log being written now."""
    picked = [templates[i % len(templates)] for i in range(count)]
    return [
        f"{oslo_stamp(end - 0.005 * (count - 1 - i))} {pid} {level} {rest}\n"
        for i, (pid, level, rest) in enumerate(picked)
    ]


# -- statistics ------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile: a value that was measured, never an interpolation."""
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(len(s) * p / 100) - 1))] if s else float("nan")


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "median": statistics.median(values) if values else float("nan"),
        "p90": pct(values, 90),
        "p99": pct(values, 99),
        "max": max(values) if values else float("nan"),
    }


def ms(x: float) -> str:
    return f"{x * 1000:.1f}"


# -- a tool in a tmux pane -------------------------------------------------------------
class Pane:
    """One command in a 160x48 pane of a private tmux server, read and driven through
    one control-mode client (or, with capture="exec", a forked tmux per read)."""

    def __init__(self, label: str, argv: list[str], env: dict[str, str], workdir: Path, capture: str) -> None:
        self.sock = f"ostui-tail-{os.getpid()}-{label}-{token(4)}"
        self.capture_mode = capture
        conf = workdir / "tmux.conf"
        conf.write_text(TMUX_CONF)
        # `exec env ...`: the pane's process becomes the tool itself, so pane_pid is its pid.
        cmd = "exec env " + " ".join(f"{k}={_sh(v)}" for k, v in env.items()) + " " + " ".join(map(_sh, argv))
        # window-size manual only once the session exists: set in the config it makes
        # tmux 3.3a exit at start; it keeps the pane 160x48 whatever clients attach.
        subprocess.run(
            ["tmux", "-L", self.sock, "-f", str(conf), "new-session", "-d", "-s", "bench",
             "-x", str(COLS), "-y", str(ROWS), cmd, ";", "set", "-g", "window-size", "manual"],
            check=True,
        )  # fmt: skip
        self.ctl: TmuxControl | None = None
        self.pid = 0
        self.socket_path = ""
        try:
            self.ctl = TmuxControl(self.sock, "bench")
            self.socket_path = self.command("display-message -p '#{socket_path}'").strip()
            pid, size = self.command(
                "display-message -p -t bench '#{pane_pid} #{pane_width}x#{pane_height}'"
            ).split()
            self.pid = int(pid)
            if size != f"{COLS}x{ROWS}":
                raise RuntimeError(f"pane is {size}, not {COLS}x{ROWS}")
        except BaseException:
            self.close()  # no tool left running when the pane could not be set up
            raise

    def command(self, cmd: str) -> str:
        assert self.ctl is not None
        return self.ctl.command(cmd)

    def screen(self) -> str:
        if self.capture_mode == "exec":
            return subprocess.run(
                ["tmux", "-L", self.sock, "capture-pane", "-p", "-t", "bench"], capture_output=True, text=True
            ).stdout
        return self.command("capture-pane -p -t bench")

    def send(self, key: str) -> None:
        self.command(f"send-keys -t bench {key}")

    def wait_for(self, test: Callable[[str], bool], timeout: float) -> tuple[float | None, str]:
        """Read the pane every POLL s until test(screen) holds: the time the read that
        first passed returned (perf_counter), or None at the timeout; and that screen."""
        deadline = time.perf_counter() + timeout
        slot = time.perf_counter()
        text = ""
        while True:
            text = self.screen()
            now = time.perf_counter()
            if test(text):
                return now, text
            if now > deadline:
                return None, text
            # Fixed 5 ms slots, not sleep(5 ms) after each read: a slow read does not stretch them.
            slot += POLL
            if slot > now:
                time.sleep(slot - now)
            else:
                slot = now

    def read_floor(self, count: int = 100) -> list[float]:
        """Cost of one read of the (static) screen: the resolution of every measurement."""
        out = []
        for _ in range(count):
            t0 = time.perf_counter()
            self.screen()
            out.append(time.perf_counter() - t0)
            time.sleep(POLL)
        return out

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)
        if self.ctl is not None:
            self.ctl.wait()
        # tmux 3.3 leaves its socket file behind after kill-server.
        if self.socket_path:
            Path(self.socket_path).unlink(missing_ok=True)
        # kill-server hangs up the pane; a tool that ignores SIGHUP is ended by its pid.
        if not self.pid:
            return
        for _ in range(50):
            if not _alive(self.pid):
                return
            time.sleep(0.1)
        os.kill(self.pid, signal.SIGKILL)


def _sh(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def app_pid(pane_pid: int, name: str) -> int:
    """The tool's process: the pane's own process, or the first descendant whose
    command line names the tool (should a shell or launcher sit in between)."""
    todo = [pane_pid]
    while todo:
        pid = todo.pop(0)
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if name in cmdline:
            return pid
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return pane_pid


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the benchmark ---------------------------------------------------------------------
def tool_argv(tool: str, log: Path) -> list[str]:
    if tool == "ostui":
        return [find_ostui(), str(log)]
    if tool == "toolong":
        return [os.environ.get("TOOLONG", "/tmp/tlvenv/bin/tl"), str(log)]
    if tool == "lnav":
        return [shutil.which("lnav") or "lnav", str(log)]
    raise ValueError(tool)


def available(tool: str) -> bool:
    argv0 = tool_argv(tool, Path("x"))[0]
    return os.access(argv0, os.X_OK) or shutil.which(argv0) is not None


def marker_in(marker: str) -> Callable[[str], bool]:
    return lambda screen: marker in screen


def run_once(tool: str, args: argparse.Namespace, templates: list[tuple[str, str, str]]) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"ostui-tail-{tool}-"))
    log = work / "nova-api.log"
    ready = f"ready-{token()}"
    now = time.time()
    lines = seed_lines(templates, args.seed_lines, now - 0.01)
    lines.append(f"{oslo_stamp(now)} 4470 INFO nova.api [-] {ready}\n")
    log.write_text("".join(lines))
    home = work / "home"
    home.mkdir()
    env = {"TERM": "xterm-256color", "HOME": str(home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    argv = tool_argv(tool, log)
    t_start = time.perf_counter()
    result: dict = {"tool": tool}
    pane = None
    try:
        pane = Pane(tool, argv, env, work, args.capture)
        seen, text = pane.wait_for(lambda s: ready in s, args.start_timeout)
        if seen is None:
            raise RuntimeError(f"{tool} never showed its last line; screen:\n{text}")
        result["startup_s"] = seen - t_start
        time.sleep(args.settle)  # let start-up work (detail pane, indexing threads) finish
        result["floor"] = pane.read_floor()
        pid = app_pid(pane.pid, Path(argv[0]).name)
        cpu0, wall0 = cpu_seconds(pid), time.perf_counter()
        latencies: list[float] = []
        missed = 0
        # Buffered, flushed after each line: one write() of one whole line, as a logger does.
        with open(log, "a", encoding="utf-8") as fh:
            for n in range(args.probes):
                marker = f"probe-{n}-{token()}"
                line = f"{oslo_stamp(time.time())} 4470 INFO nova.api [-] {marker}\n"
                t0 = time.perf_counter()
                fh.write(line)
                fh.flush()
                seen, _ = pane.wait_for(marker_in(marker), args.probe_timeout)
                if seen is None:
                    missed += 1
                else:
                    latencies.append(seen - t0)
                gap = random.uniform(args.gap - 0.025, args.gap + 0.025)
                rest = t0 + gap - time.perf_counter()
                if rest > 0:
                    time.sleep(rest)
        wall = time.perf_counter() - wall0
        result["cpu_pct"] = 100 * (cpu_seconds(pid) - cpu0) / wall
        result["latencies"] = latencies
        result["missed"] = missed
    finally:
        if pane is not None:
            pane.close()
        shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--probes", type=int, default=60, help="appended lines per run (default 60)")
    ap.add_argument("--runs", type=int, default=3, help="runs per tool, each a fresh start (default 3)")
    ap.add_argument("--tools", nargs="+", default=["ostui", "toolong", "lnav"])
    ap.add_argument("--gap", type=float, default=0.2, help="seconds between appends, +-25 ms (default 0.2)")
    ap.add_argument("--seed-lines", type=int, default=300, help="real lines in the file at start")
    ap.add_argument("--capture", choices=("control", "exec"), default="control")
    ap.add_argument("--settle", type=float, default=2.0, help="seconds to wait after the first screen")
    ap.add_argument("--start-timeout", type=float, default=60.0)
    ap.add_argument("--probe-timeout", type=float, default=10.0)
    ap.add_argument("--json", type=Path, help="also write every measurement here")
    args = ap.parse_args()

    tools = [t for t in args.tools if available(t)]
    for t in set(args.tools) - set(tools):
        print(f"# {t}: not found, skipped", file=sys.stderr)
    templates = real_lines(NOVA_API)
    load_before = load_note()
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} · {load_before} · {code_state()}")
    print(f"# {args.runs} run(s) x {args.probes} probes per tool, {args.capture} capture, ", end="")
    print(f"poll {POLL * 1000:.0f} ms")
    runs: list[dict] = []
    for r in range(args.runs):
        order = tools[r % len(tools) :] + tools[: r % len(tools)]
        for tool in order:
            res = run_once(tool, args, templates)
            res["run"] = r
            runs.append(res)
            s = summary(res["latencies"])
            print(
                f"# run {r + 1} {tool:8} median {ms(s['median'])} ms  p99 {ms(s['p99'])} ms  "
                f"max {ms(s['max'])} ms  missed {res['missed']}  cpu {res['cpu_pct']:.0f}%  "
                f"startup {res['startup_s']:.2f} s  read {ms(statistics.median(res['floor']))} ms",
                flush=True,
            )

    print(f"# after: {load_note()}")
    print()
    print(f"{'tool':8} {'n':>4} {'median':>8} {'p90':>8} {'p99':>8} {'max':>8} {'missed':>6}"
          f"  {'run medians':>22}  {'cpu':>5}  {'read floor med/p99':>18}")  # fmt: skip
    table: dict[str, dict] = {}
    for tool in tools:
        mine = [r for r in runs if r["tool"] == tool]
        lat = [x for r in mine for x in r["latencies"]]
        floor = [x for r in mine for x in r["floor"]]
        s = summary(lat)
        s["missed"] = sum(r["missed"] for r in mine)
        s["run_medians"] = [statistics.median(r["latencies"]) for r in mine if r["latencies"]]
        s["cpu_pct"] = statistics.median(r["cpu_pct"] for r in mine)
        s["floor_median"], s["floor_p99"] = statistics.median(floor), pct(floor, 99)
        table[tool] = s
        print(
            f"{tool:8} {s['n']:>4} {ms(s['median']):>8} {ms(s['p90']):>8} {ms(s['p99']):>8} {ms(s['max']):>8}"
            f" {s['missed']:>6}  {' '.join(ms(x) for x in s['run_medians']):>22}  {s['cpu_pct']:>4.0f}%"
            f"  {ms(s['floor_median']):>8} / {ms(s['floor_p99'])}"
        )
    print("(milliseconds, append -> on screen; cpu = the tool's CPU while tailing, % of one core)")
    if "ostui" in table:
        o = table["ostui"]
        for other in ("toolong", "lnav"):
            if other in table:
                t = table[other]
                print(
                    f"ostui/{other}: median {o['median'] / t['median']:.2f}x, p99 {o['p99'] / t['p99']:.2f}x"
                )
        ok_med, ok_p99 = o["median"] <= 0.100, o["p99"] <= 0.250
        print(
            f"target ostui median <= 100 ms: {'met' if ok_med else 'MISSED'} ({ms(o['median'])} ms); "
            f"p99 <= 250 ms: {'met' if ok_p99 else 'MISSED'} ({ms(o['p99'])} ms)"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"load_before": load_before, "load_after": load_note(), "summary": table, "runs": runs}
            )
        )


if __name__ == "__main__":
    main()
