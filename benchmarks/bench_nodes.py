#!/usr/bin/env python3
"""10 nodes x 5 files tailed over ssh at 1,000 lines/s: keys, line latency, ssh per node, nothing lost.

    /tmp/venv/bin/python benchmarks/bench_nodes.py [--seconds 60] [--rate 1000]
        [--nodes 10] [--files 5] [--tools ostui ostui-local lnav] [--json FILE]

The nodes. One real sshd on 127.0.0.1 (tests/sshd.py: throwaway host and user keys,
MaxStartups raised so that ten nodes may connect at once, as ten real hosts would)
serves `--nodes` fake nodes. Node N is the folder `<tmp>/nodes/nodeN`, whose
`var/log` holds five oslo logs: nova/nova-api.log, nova/nova-compute.log,
nova/nova-conductor.log, neutron/server.log and neutron/openvswitch-agent.log (the
RDO layout; an oslo log has no business in var/log/openvswitch). Each starts with
`--seed-lines` 200 real lines (tests/data/real/osp6-live-migration, one-line records,
each tagged with its node so that no two nodes' files are alike), and each node's last
file ends in one `ready-<node>-<token>` line, newer than every seed line.
An ssh client config names the nodes `node0..node9`, all 127.0.0.1 on the sshd's port;
both tools use it (`-F`), so they reach the nodes with the same ssh settings.

The tool. ostui runs as `ostui --inventory nodes.toml` (one `[nodes.nodeN]` table per
node: `ssh = "nodeN"`, `root` = the node's folder, `options = ["-F", config]`) in a
200x50 pane of a private tmux server, with a throwaway HOME and its TMPDIR in the
temp folder (its mirror cache and ssh control sockets go there).

The control, `ostui-local`: `ostui --root <tmp>/nodes --follow`, the same 50 files
read where they are, without ssh, under the same load and keys: what ssh costs.

The load. Once the tool shows every seed line, a writer process of its own appends real
lines at `--rate` lines/s in total, spread over the 50 files (line s goes to file
s mod 50), for `--seconds`: every 10 ms what the schedule owes, one write() of whole
lines per file. Each line is stamped with the time it is written and ends in a unique
`(seq N)`: every line is one record.

What is measured:
- Keys. Every second `k` (the status bar must say `paused`) or `G` (`follow`),
  alternately, as in bench_tail_load.py; the pane is read every 5 ms. Key -> screen:
  median, p95, p99, max. Target: p99 <= 100 ms.
- Lines, end to end. In the second half of the run the script types `&` `mark-`
  Enter (show only records matching /mark-/); from then on the writer makes one line
  in every `--mark-every` s a marker `... ostui.bench [-] mark-<token> (seq N)`, and
  the time from its write() to the first read of the pane that shows the token is its
  latency: the node's polling loop, sshd and ssh, the mirror, the index, the merge,
  the filter, one frame. For ostui the script also watches ostui's mirror of the
  marker's file, which splits the latency in two: write -> in the mirror (the node's
  loop and ssh) and mirror -> on screen (ostui itself). In the first half the screen
  scrolls ~1,000 rows a second: a line is on it for a few ms at most, so lines cannot
  be timed there; the filter makes them stay. The markers are among the lines
  counted; the key presses go on all the while.
- ssh processes. Every ssh client that descends from ostui, and every ssh
  ControlMaster of ostui's (ControlPersist detaches the master: it is found by its
  control socket under ostui's TMPDIR), with their command lines; a sample before the
  writer starts and one after it stops. Per node, not per file, means one follow
  client per node plus one master per node: 2 x nodes. Also the processes on the
  node side (children of the sshd) and the CPU each side spends.
- ostui's RSS and CPU (sampled every second), and the index lag (status bar's M
  against lines written, every 100 ms).
- Nothing lost, nothing doubled. After the writer stops the filter is cleared and the
  script waits for the status bar to say `N of M records` with N = M = seed lines +
  ready lines + lines written. Then ostui's mirror of every file (in its TMPDIR) is
  compared byte for byte with the node's file, and every `(seq N)` in the mirrors is
  counted: missing and duplicated seqs are listed.
- At the end `q` quits the tool; how long it took to exit, any of its ssh processes
  still alive 5 s after `q`, and what it left in its TMPDIR are reported.

The reference: lnav in the same run. lnav 0.11 follows remote files natively: `lnav
node0:/path/file ...` copies its small `tailer` program to the host over ssh, runs
it there, and streams the 50 files over one ssh per host. That is the fair
same-run reference: the same nodes, files, rate and ssh settings (lnav's ssh command
is set to a wrapper, `ssh -F config`, in its throwaway HOME; the wrapper also gives
each node a login folder of its own, `<node>/root`, see `Run.argv`). lnav gets the
same marker filter in the second half (`:filter-in mark-`) and the same line latency,
its ssh processes, its CPU and RSS and the node-side CPU; at the end the filter is
deleted and `;SELECT count(*) FROM all_logs` must reach every line. Not measured for
lnav: the k/G key latency (its screen has no paused/follow indicator to wait for).
lnav opens at the top when remote files arrive after it starts, so the script sends
`G` until every node's ready line is on screen (it then follows the end).

Everything lives in one temp folder, removed at the end, with the sshd, tmux server,
writer and tools; the script stops by itself. It exits 1 when ostui lost or doubled a
record or did not keep one ssh connection per node.
"""

from __future__ import annotations

import argparse
import getpass
import json
import multiprocessing as mp
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_tail_latency as btl
from bench_tail_latency import REAL_LOGS, Pane, app_pid, cpu_seconds, ms, oslo_stamp, pct, real_lines, token
from bench_tail_load import SOURCES, counts, rss_kb, status_line
from common import code_state, find_ostui, load_note

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.sshd import Sshd, sshd_binary  # noqa: E402

# Where each of the five sources goes under a node's var/log (the RDO layout).
NODE_FILES = [
    "nova/nova-api.log",
    "nova/nova-compute.log",
    "nova/nova-conductor.log",
    "neutron/server.log",
    "neutron/openvswitch-agent.log",
]
COLS, ROWS = 200, 50
TICK = 0.01  # the writer's period
POLL = btl.POLL  # 5 ms between reads of the pane
SEQ = re.compile(rb"\(seq (\d+)\)$", re.M)


# -- the writer (a process of its own) ---------------------------------------------------
def writer(
    paths: list[str],
    templates: list[list[tuple[str, str, str]]],
    rate: float,
    seconds: float,
    mark_from: float,
    mark_every: float,
    written: Any,  # multiprocessing.Value: lines written so far
    marks: Any,  # multiprocessing.Queue: (token, seq, file number, monotonic time after its write)
    result: Any,  # sending end of a multiprocessing.Pipe
) -> None:
    fds = [os.open(p, os.O_WRONLY | os.O_APPEND) for p in paths]
    total = int(rate * seconds)
    nfiles = len(paths)
    seq = 0
    worst_behind = 0
    next_mark = mark_from
    t0 = time.monotonic()
    while seq < total:
        elapsed = time.monotonic() - t0
        due = min(total, int(rate * elapsed))
        worst_behind = max(worst_behind, due - seq)
        if due > seq:
            mark: tuple[str, int] | None = None
            if mark_every > 0 and elapsed >= next_mark:
                mark = (f"mark-{token(10)}", seq)  # the first line of this batch
                next_mark += mark_every
            chunks: list[list[int]] = [[] for _ in range(nfiles)]
            for s in range(seq, due):
                chunks[s % nfiles].append(s)
            for f, seqs in enumerate(chunks):
                if not seqs:
                    continue
                stamp = oslo_stamp(time.time())  # stamped when written, per file
                tpl = templates[f]
                lines = []
                for s in seqs:
                    if mark is not None and s == mark[1]:
                        lines.append(f"{stamp} 4470 INFO ostui.bench [-] {mark[0]} (seq {s})\n")
                    else:
                        pid, level, rest = tpl[(s // nfiles) % len(tpl)]
                        lines.append(f"{stamp} {pid} {level} {rest} (seq {s})\n")
                os.write(fds[f], "".join(lines).encode())
                if mark is not None and mark[1] in seqs:
                    marks.put((mark[0], mark[1], f, time.monotonic()))
            seq = due
            written.value = seq
        time.sleep(TICK)
    elapsed = time.monotonic() - t0
    for fd in fds:
        os.close(fd)
    result.send(
        {
            "lines": seq,
            "seconds": elapsed,
            "rate": seq / elapsed,
            "worst_behind": worst_behind,
            "cpu_pct": 100 * time.process_time() / elapsed,
        }
    )


# -- processes -------------------------------------------------------------------------
def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out  # gone meanwhile
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            pass
    return out


def descendants(pid: int) -> list[int]:
    out, todo = [], children(pid)
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def cpu_of(pids: list[int], reaped: bool = False) -> dict[int, float]:
    """CPU seconds (user + system, all threads) of each process; with `reaped`, plus
    those of the children it has waited for: a shell loop's short-lived ls, tail, head,
    date and sleep count for it once they exit."""
    out = {}
    for p in pids:
        if not reaped:
            try:
                out[p] = cpu_seconds(p)
            except (OSError, ValueError, IndexError):
                pass
            continue
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            out[p] = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            pass
    return out


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each thread of a process, by thread id."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            out[int(tid)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            pass
    return out


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two samples by the processes alive at the second
    (a process born in between counts from zero; one that died in between is lost)."""
    return sum(t - before.get(p, 0.0) for p, t in after.items())


def ssh_processes(tool_pid: int, marker: str) -> dict[str, list[dict]]:
    """The tool's ssh clients (its descendants named ssh) and the ssh processes that are
    not its descendants but carry `marker` (its temp folder) in their command line:
    ControlPersist masters, which detach from the process that started them."""
    mine = {p for p in descendants(tool_pid) if comm(p) == "ssh"}
    detached = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            p = int(entry.name)
            if p not in mine and comm(p) == "ssh" and marker in cmdline(p):
                detached.add(p)

    def row(p: int) -> dict:
        return {"pid": p, "ppid": ppid(p), "cmd": cmdline(p)}

    return {"children": [row(p) for p in sorted(mine)], "detached": [row(p) for p in sorted(detached)]}


def node_side(sshd_pid: int) -> dict[str, int]:
    """Processes under the sshd (the nodes' side), counted by name."""
    names: dict[str, int] = {}
    for p in descendants(sshd_pid):
        n = comm(p) or "?"
        names[n] = names.get(n, 0) + 1
    return names


def short_cmd(cmd: str) -> str:
    """A command line with the temp folder's path shortened to <tmp>."""
    return re.sub(r"/tmp/onb-[^/ ]+", "<tmp>", cmd)


# -- the nodes -----------------------------------------------------------------------------
class Nodes:
    """Fresh node folders, seeded; the ssh client config; the inventory."""

    def __init__(self, work: Path, server: Sshd, args: argparse.Namespace, templates: list) -> None:
        self.work = work
        self.names = [f"node{n}" for n in range(args.nodes)]
        self.roots = [work / "nodes" / name for name in self.names]
        self.paths: list[Path] = []
        self.file_templates: list[list[tuple[str, str, str]]] = []
        now = time.time()
        self.ready: list[str] = []
        for k, root in enumerate(self.roots):
            for i, rel in enumerate(NODE_FILES[: args.files]):
                p = root / "var/log" / rel
                p.parent.mkdir(parents=True, exist_ok=True)
                # Each node's lines its own (lnav hides a file whose content duplicates another's).
                lines = btl.seed_lines(templates[i], args.seed_lines, now - 1.0)
                p.write_text("".join(f"{line[:-1]} (seed {k}.{n})\n" for n, line in enumerate(lines)))
                self.paths.append(p)
                self.file_templates.append(templates[i])
            # One line per node newer than every seed line, in its last file: the tools show
            # the end of the merged stream, so these lines on screen say the nodes have arrived.
            self.ready.append(f"ready-{k}-{token()}")
            with self.paths[-1].open("a") as fh:
                fh.write(f"{oslo_stamp(now - 0.5 + 0.001 * k)} 4470 INFO ostui.bench [-] {self.ready[-1]}\n")
        self.seeded = args.seed_lines * len(self.paths) + len(self.roots)
        self.ssh_config = work / "ssh_config"
        self.ssh_config.write_text(
            "Host node*\n"
            f"  HostName 127.0.0.1\n  Port {server.port}\n  User {getpass.getuser()}\n"
            f"  IdentityFile {server.dir / 'userkey'}\n  IdentitiesOnly yes\n"
            "  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  GlobalKnownHostsFile /dev/null\n"
            "  LogLevel ERROR\n"
        )
        self.inventory = work / "nodes.toml"
        self.inventory.write_text(
            "".join(
                f'[nodes.{name}]\nssh = "{name}"\nroot = "{root}"\noptions = ["-F", "{self.ssh_config}"]\n'
                for name, root in zip(self.names, self.roots, strict=True)
            )
        )

    def mirror_of(self, f: int, tmp: Path) -> Path | None:
        """ostui's local copy of file number f (in its mirror cache, under its TMPDIR)."""
        per_node = len(self.paths) // len(self.roots)
        name, root = self.names[f // per_node], self.roots[f // per_node]
        rel = self.paths[f].relative_to(root)
        return next((c / name / rel for c in tmp.glob("ostui-nodes-*") if (c / name / rel).exists()), None)


def _tmux_quote(text: str) -> str:
    """One argument of a tmux command line, in double quotes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def in_tail(path: Path | None, needle: str, size: int = 1 << 16) -> bool:
    """Whether the last `size` bytes of a file hold `needle`."""
    if path is None:
        return False
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - size))
            return needle.encode() in fh.read()
    except OSError:
        return False


def start_sshd(work: Path) -> Sshd:
    server = Sshd(work / "sshd")
    # One sshd stands for ten hosts: let ten connect at once (the default, 10:30:100,
    # starts refusing at 10 unauthenticated connections, which ten real hosts never see).
    with server.config.open("a") as fh:
        fh.write("MaxStartups 200\nMaxSessions 100\n")
    server.start()
    return server


# -- one tool's run --------------------------------------------------------------------------
class Run:
    def __init__(self, tool: str, args: argparse.Namespace, templates: list) -> None:
        self.tool = tool
        self.args = args
        self.templates = templates
        self.res: dict[str, Any] = {"tool": tool}
        self.ostui = tool.startswith("ostui")

    def env(self, work: Path) -> dict[str, str]:
        home = work / "home"
        home.mkdir(exist_ok=True)
        tmp = work / "t"
        tmp.mkdir(exist_ok=True)
        return {
            "TERM": "xterm-256color",
            "HOME": str(home),
            "TMPDIR": str(tmp),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }

    def argv(self, nodes: Nodes, env: dict[str, str]) -> list[str]:
        if self.tool == "ostui":
            return [find_ostui(), "--inventory", str(nodes.inventory)]
        if self.tool == "ostui-local":
            # The control: the same 50 files read where they are, no ssh (--follow: a
            # --root tree is an archive otherwise).
            return [find_ostui(), "--root", str(nodes.work / "nodes"), "--follow"]
        # lnav: its ssh is `ssh -F config`, through a wrapper (its config takes one command).
        # lnav copies its tailer into the login folder on each host, named after its own pid,
        # and deletes it once started: ten "hosts" sharing this machine's home raced on one
        # file ("./tailer.bin.N: No such file or directory"). So the wrapper gives each node
        # a home of its own, `<node root>/root`, as ten real hosts would have:
        # `ssh ... nodeN COMMAND` becomes `ssh ... nodeN cd <home> && COMMAND`.
        for root in nodes.roots:
            (root / "root").mkdir(exist_ok=True)
        homes = {name: root / "root" for name, root in zip(nodes.names, nodes.roots, strict=True)}
        cases = "".join(
            f'      {name}) set -- "$@" "$a" \'cd {home} &&\'; found=1 ;;\n' for name, home in homes.items()
        )
        wrapper = nodes.work / "ssh-wrapper"
        wrapper.write_text(
            "#!/bin/sh\nfound=\n"
            'for a; do\n  shift\n  if [ -z "$found" ]; then\n    case $a in\n'
            f'{cases}      *) set -- "$@" "$a" ;;\n    esac\n  else\n    set -- "$@" "$a"\n  fi\ndone\n'
            f'exec ssh -F "{nodes.ssh_config}" "$@"\n'
        )
        wrapper.chmod(0o755)
        lnav = shutil.which("lnav") or "lnav"
        subprocess.run(
            [lnav, "-n", "-c", f":config /tuning/remote/ssh/command {wrapper}"],
            env={**os.environ, **env},
            capture_output=True,
            check=True,
        )
        return [lnav, *(f"{name}:{p}" for name, root in zip(nodes.names, nodes.roots, strict=True)
                        for p in sorted(str(x) for x in nodes.paths if x.is_relative_to(root)))]  # fmt: skip

    def started(self, screen: str, nodes: Nodes) -> bool:
        if self.ostui:
            return counts(screen) == (nodes.seeded, nodes.seeded) and "· follow" in status_line(screen)
        return all(r in screen for r in nodes.ready)

    def execute(self) -> dict:
        args = self.args
        # A short path, under /tmp whatever TMPDIR says: ostui's ssh control sockets live
        # in the TMPDIR it is given, and a Unix socket path has 108 bytes at most.
        work = Path(tempfile.mkdtemp(prefix="onb-", dir="/tmp"))
        res = self.res
        server = pane = proc = None
        try:
            server = start_sshd(work)
            nodes = Nodes(work, server, args, self.templates)
            res["seeded"] = nodes.seeded
            env = self.env(work)
            argv = self.argv(nodes, env)
            btl.COLS, btl.ROWS = COLS, ROWS  # Pane reads its size from there
            t_launch = time.perf_counter()
            pane = Pane(f"nodes-{self.tool}", argv, env, work, "control")
            if self.ostui:
                seen, screen = pane.wait_for(lambda s: self.started(s, nodes), args.start_timeout)
            else:
                # lnav stays at the top when remote files arrive after it starts: `G` (the
                # end, where it then follows) once a second until every node's line shows.
                seen, screen = None, ""
                deadline = time.perf_counter() + args.start_timeout
                while seen is None and time.perf_counter() < deadline:
                    pane.send("G")
                    seen, screen = pane.wait_for(lambda s: self.started(s, nodes), 1.0)
            if seen is None:
                raise RuntimeError(f"{self.tool} did not show the seed lines; screen:\n{screen}")
            res["startup_s"] = seen - t_launch
            time.sleep(args.settle if self.ostui else max(args.settle, 3.0))
            pid = app_pid(pane.pid, Path(argv[0]).name)
            marker = str(work)
            res["ssh_before"] = ssh_processes(pid, marker)
            res["node_procs_before"] = node_side(server.proc.pid if server.proc else 0)
            rss = [(0.0, rss_kb(pid))]

            written = mp.Value("q", 0, lock=False)
            marks: Any = mp.Queue()
            recv, send = mp.Pipe(duplex=False)
            mark_from = args.seconds / 2 + 1.0
            proc = mp.Process(
                target=writer,
                args=(
                    list(map(str, nodes.paths)),
                    nodes.file_templates,
                    args.rate,
                    args.seconds,
                    mark_from,
                    args.mark_every,
                    written,
                    marks,
                    send,
                ),
                daemon=True,
            )

            def all_ssh() -> list[int]:
                s = ssh_processes(pid, marker)
                return [r["pid"] for r in s["children"] + s["detached"]]

            sshd_pid = server.proc.pid if server.proc else 0

            def own() -> list[int]:  # the tool and its helpers (lnav forks some), not its ssh
                return [pid, *(d for d in descendants(pid) if comm(d) != "ssh")]

            tmux_pid = int(pane.command("display-message -p '#{pid}'").strip())
            harness0 = cpu_of([tmux_pid]).get(tmux_pid, 0.0), time.process_time()
            cpu0 = cpu_of(own())
            threads0 = thread_cpu(pid)
            ssh_cpu0 = cpu_of(all_ssh())
            node_cpu0 = cpu_of(descendants(sshd_pid), reaped=True)
            t0 = time.perf_counter()
            proc.start()

            keys: list[dict] = []
            lag: list[int] = []
            pending_marks: dict[str, tuple[int, int, float]] = {}
            mark_lat: list[dict] = []
            in_mirror: dict[str, float] = {}  # marker -> when it was first seen in ostui's mirror file
            early_marks = 0
            filter_on: float | None = None  # monotonic time the marker filter showed as applied
            filter_res: dict[str, Any] = {}
            key: dict | None = None  # the key waiting for its effect
            n_key = 0
            next_key = t0 + 1.0
            next_lag = t0
            next_rss = t0 + 1.0
            writing = True
            t_stop = t0
            mark_phase_at = t0 + args.seconds / 2
            while True:
                now = time.perf_counter()
                if writing and not proc.is_alive():
                    writing = False
                    t_stop = now
                if not writing and key is None and not pending_marks:
                    break
                if not writing and now - t_stop > args.mark_timeout:
                    break
                screen = pane.screen()
                t_read = time.perf_counter()
                mono = time.monotonic()
                # markers
                while True:
                    try:
                        tok, s, f, tw = marks.get_nowait()
                    except queue.Empty:
                        break
                    if filter_on is None or tw < filter_on:
                        early_marks += 1  # written before the filter was on screen: not timed
                    else:
                        pending_marks[tok] = (s, f, tw)
                if self.tool == "ostui":
                    for tok, (_s, f, _tw) in pending_marks.items():
                        if tok not in in_mirror and in_tail(nodes.mirror_of(f, work / "t"), tok):
                            in_mirror[tok] = time.monotonic()
                for tok in [t for t in pending_marks if t in screen]:
                    s, f, tw = pending_marks.pop(tok)
                    mirror_at = in_mirror.get(tok)
                    mark_lat.append(
                        {
                            "token": tok,
                            "seq": s,
                            "file": f,
                            "latency": mono - tw,
                            "to_mirror": None if mirror_at is None else min(mirror_at, mono) - tw,
                        }
                    )
                for tok in [t for t, v in pending_marks.items() if mono - v[2] > args.mark_timeout]:
                    s, f, tw = pending_marks.pop(tok)
                    mark_lat.append({"token": tok, "seq": s, "file": f, "latency": None, "to_mirror": None})
                # the key in flight
                if key is not None:
                    line = status_line(screen)
                    if key["want"] in line:
                        key["done"] = t_read - key["sent"]
                        key["status"] = line.strip()
                        keys.append(key)
                        key = None
                    elif t_read - key["sent"] > args.key_timeout:
                        key["done"] = None
                        key["status"] = line.strip()
                        keys.append(key)
                        key = None
                # index lag and memory
                if now >= next_lag:
                    c = counts(screen)
                    if c is not None and writing:
                        lag.append(max(0, nodes.seeded + written.value - c[1]))
                    next_lag = now + 0.1
                if now >= next_rss:
                    rss.append((now - t0, rss_kb(pid)))
                    next_rss = now + 1.0
                # the marker filter, once, in the second half
                if writing and filter_res == {} and now >= mark_phase_at and key is None:
                    filter_res = self.apply_filter(pane)
                    filter_on = time.monotonic() if filter_res.get("applied") is not None else None
                    if filter_on is None:
                        filter_res["failed"] = True
                    next_key = time.perf_counter() + 0.5
                    continue
                # the next key
                if self.ostui and writing and key is None and now >= next_key:
                    k, want = ("k", "· paused") if n_key % 2 == 0 else ("G", "· follow")
                    n_key += 1
                    sent = time.perf_counter()
                    pane.send(k)
                    key = {"at": sent - t0, "key": k, "want": want, "sent": sent}
                    next_key = max(next_key + 1.0, sent)
                # Every 5 ms while something is being timed (a key, or any line once the
                # marker filter is on); otherwise every 100 ms, for the index lag, or until
                # the next key: the reads cost tmux and this script CPU that ostui needs.
                step = (
                    POLL if key is not None or filter_on is not None else min(0.1, max(POLL, next_key - now))
                )
                rest = t_read + step - time.perf_counter()
                if rest > 0:
                    time.sleep(rest)
            proc.join()
            wres = recv.recv()
            t_end = time.perf_counter()
            res["cpu_pct"] = 100 * cpu_delta(cpu0, cpu_of(own())) / (t_end - t0)
            res["tmux_cpu_pct"] = 100 * (cpu_of([tmux_pid]).get(tmux_pid, 0.0) - harness0[0]) / (t_end - t0)
            res["script_cpu_pct"] = 100 * (time.process_time() - harness0[1]) / (t_end - t0)
            per_thread = thread_cpu(pid)
            res["threads_pct"] = sorted(
                ((100 * (c - threads0.get(t, 0.0)) / (t_end - t0), t == pid) for t, c in per_thread.items()),
                reverse=True,
            )
            res["ssh_cpu_pct"] = 100 * cpu_delta(ssh_cpu0, cpu_of(all_ssh())) / (t_end - t0)
            res["node_cpu_pct"] = (
                100 * cpu_delta(node_cpu0, cpu_of(descendants(sshd_pid), reaped=True)) / (t_end - t0)
            )
            res["writer"] = wres
            res["ssh_after"] = ssh_processes(pid, marker)
            res["node_procs_after"] = node_side(sshd_pid)
            expected = nodes.seeded + wres["lines"]
            res.update(expected=expected, keys=keys, lag=lag, marks=mark_lat, early_marks=early_marks,
                       filter=filter_res)  # fmt: skip
            if self.ostui:
                self.catch_up(pane, expected, rss, t0)
            if self.tool == "ostui":
                res["mirror"] = check_mirrors(nodes, work / "t", wres["lines"])
            if not self.ostui:
                self.lnav_count(pane, expected)
            rss.append((time.perf_counter() - t0, rss_kb(pid)))
            res["rss"] = rss
            res["screen_end"] = pane.screen()
            res["quit"] = self.quit(pane, pid, marker, work / "t")
        finally:
            if proc is not None and proc.is_alive():
                proc.terminate()
            if pane is not None:
                pane.close()
            if server is not None:
                # What runs on the nodes, ended by pid: Sshd.stop ends only the sshd's own
                # children, and a remote program whose connection died may live on (lnav's
                # tailer was seen spinning at 70 % CPU, orphaned, after a run was killed).
                node_pids = descendants(server.proc.pid) if server.proc else []
                server.stop()
                for p in node_pids:
                    if btl._alive(p):
                        try:
                            os.kill(p, 9)
                        except OSError:
                            pass
            shutil.rmtree(work, ignore_errors=True)
        return res

    def apply_filter(self, pane: Pane) -> dict[str, Any]:
        """Show only the marker lines: ostui `&` mark- Enter, lnav `:filter-in mark-`."""
        t = time.perf_counter()
        if self.ostui:
            pane.send("'&'")
            seen, screen = pane.wait_for(lambda s: "Show only records matching" in s, self.args.key_timeout)
            if seen is None:
                return {"applied": None, "screen": screen}
            pane.command("send-keys -t bench -l mark-")
            t = time.perf_counter()
            pane.send("Enter")
            said: dict[str, Any] = {}

            def rebuilt(s: str) -> bool:
                # The status bar may name the filter before the view is rebuilt ("N of N
                # records · grep /mark-/" with N the unfiltered count): applied once N < M
                # (the writer has been writing ordinary lines all along).
                line = status_line(s)
                if "grep /mark-/" in line and "said" not in said:
                    said["said"], said["status"] = time.perf_counter() - t, line.strip()
                c = counts(s)
                return "records · grep /mark-/" in line and c is not None and c[0] < c[1]

            seen, screen = pane.wait_for(rebuilt, 30)
            return {
                "applied": None if seen is None else seen - t,
                "status": status_line(screen).strip(),
                "named": said.get("said"),
                "named_status": said.get("status", ""),
            }
        else:
            pane.command("send-keys -t bench -l ':filter-in mark-'")
            t = time.perf_counter()
            pane.send("Enter")
            # Applied once no line of the writer's but a marker is left on screen.
            seen, screen = pane.wait_for(
                lambda s: not any("(seq " in ln and "mark-" not in ln for ln in s.splitlines()), 30
            )
        return {"applied": None if seen is None else seen - t, "status": status_line(screen).strip()}

    def catch_up(self, pane: Pane, expected: int, rss: list, t0: float) -> None:
        """Clear the filter, then wait for N = M = every line written."""
        res, args = self.res, self.args
        pane.send("'&'")
        pane.wait_for(lambda s: "Show only records matching" in s, args.key_timeout)
        pane.send("C-u")  # the prompt holds the current pattern
        for _ in range(8):
            pane.send("BSpace")
        pane.send("Enter")
        pane.wait_for(lambda s: "no filter" in status_line(s), 30)
        t = time.perf_counter()
        last = None
        caught = None
        deadline = t + args.catchup
        while time.perf_counter() < deadline:
            c = counts(pane.screen())
            if c is not None:
                last = c
                if caught is None and c[1] >= expected:
                    caught = time.perf_counter() - t
                    deadline = min(deadline, time.perf_counter() + 3.0)
                if c[0] >= expected and c[1] >= expected:
                    break
            if time.perf_counter() - t0 - rss[-1][0] >= 1.0:
                rss.append((time.perf_counter() - t0, rss_kb(self.pid_for_rss(pane))))
            time.sleep(0.05)
        time.sleep(0.5)
        res["shown"] = counts(pane.screen()) or last
        res["catchup_s"] = caught

    def lnav_count(self, pane: Pane, expected: int) -> None:
        """lnav's own count: drop the filter, then `;SELECT count(*) FROM all_logs` once a
        second until it reaches every line written (or --catchup runs out)."""
        res = self.res
        pane.send("Escape")
        pane.command("send-keys -t bench -l ':delete-filter mark-'")
        pane.send("Enter")
        time.sleep(0.5)
        t = time.perf_counter()
        last = None
        caught = None
        while time.perf_counter() - t < self.args.catchup:
            pane.command("send-keys -t bench -l ';SELECT count(*) AS n FROM all_logs'")
            pane.send("Enter")
            _, screen = pane.wait_for(lambda s: "SQL Result:" in s, 5.0)
            m = re.search(r"SQL Result: ([\d,]+)", screen)
            if m:
                last = int(m.group(1).replace(",", ""))
                if last >= expected:
                    caught = time.perf_counter() - t
                    break
            time.sleep(1.0)
        res["shown"] = None if last is None else (last, last)
        res["catchup_s"] = caught
        if caught is None:
            # Which files fall short: every file's count, in the order of their paths.
            q = (
                ";SELECT group_concat(n, ' ') FROM "
                "(SELECT count(*) AS n FROM all_logs GROUP BY log_path ORDER BY log_path)"
            )
            pane.command(f"send-keys -t bench -l {_tmux_quote(q)}")
            pane.send("Enter")
            time.sleep(2.0)
            res["lnav_per_file"] = pane.screen()

    @staticmethod
    def pid_for_rss(pane: Pane) -> int:
        return app_pid(pane.pid, "ostui")

    def quit(self, pane: Pane, pid: int, marker: str, tmp: Path) -> dict[str, Any]:
        """`q`; how long the tool took to exit; its ssh processes still alive 5 s after
        `q`, and what it left in its TMPDIR."""
        t = time.monotonic()
        pane.send("q")
        deadline = t + 5.0
        again = t + 1.0
        while time.monotonic() < deadline and btl._alive(pid):
            if time.monotonic() > again:  # lnav's first `q` may only close its Files panel
                pane.send("q")
                again += 1.0
            time.sleep(0.01)
        exit_s = None if btl._alive(pid) else time.monotonic() - t
        time.sleep(max(0.0, deadline - time.monotonic()))
        rows = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                p = int(entry.name)
                if comm(p) == "ssh" and marker in cmdline(p):
                    rows.append({"pid": p, "ppid": ppid(p), "cmd": cmdline(p)})
        left = sorted(x.name for x in tmp.iterdir()) if tmp.exists() else []
        return {"exit_s": exit_s, "ssh": rows, "tmp_left": left}


def check_mirrors(nodes: Nodes, tmp: Path, lines: int) -> dict[str, Any]:
    """ostui's mirror of each node file against the file itself, and every seq counted."""
    caches = sorted(tmp.glob("ostui-nodes-*"))
    out: dict[str, Any] = {"cache": [str(c) for c in caches], "identical": 0, "different": [], "absent": []}
    seen: dict[int, int] = {}
    for name, root in zip(nodes.names, nodes.roots, strict=True):
        for p in (x for x in nodes.paths if x.is_relative_to(root)):
            rel = p.relative_to(root)
            mirror = next((c / name / rel for c in caches if (c / name / rel).exists()), None)
            if mirror is None:
                out["absent"].append(f"{name}/{rel}")
                continue
            data = mirror.read_bytes()
            if data == p.read_bytes():
                out["identical"] += 1
            else:
                out["different"].append(f"{name}/{rel}: {len(data)} bytes, node has {p.stat().st_size}")
            for m in SEQ.finditer(data):
                s = int(m.group(1))
                seen[s] = seen.get(s, 0) + 1
    out["missing_seqs"] = sum(1 for s in range(lines) if s not in seen)
    out["doubled_seqs"] = sum(1 for c in seen.values() if c > 1)
    out["first_missing"] = [s for s in range(lines) if s not in seen][:10]
    return out


# -- the report ----------------------------------------------------------------------------
def stats(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "median": statistics.median(values) if values else float("nan"),
        "p95": pct(values, 95),
        "p99": pct(values, 99),
        "max": max(values) if values else float("nan"),
    }


def row(label: str, values: list[float], extra: str = "") -> str:
    s = stats(values)
    return (
        f"  {label:30} {s['n']:>4} {ms(s['median']):>8} {ms(s['p95']):>8} {ms(s['p99']):>8} {ms(s['max']):>8}"
        f"   {extra}"
    )


def report(res: dict, args: argparse.Namespace) -> dict[str, Any]:
    tool = res["tool"]
    w = res["writer"]
    print(
        f"writer: {w['lines']:,} lines in {w['seconds']:.1f} s = {w['rate']:,.0f} lines/s "
        f"(at worst {w['worst_behind']:,} lines behind schedule); {tool} started in {res['startup_s']:.2f} s"
    )
    print(f"  {'':30} {'n':>4} {'median':>8} {'p95':>8} {'p99':>8} {'max':>8}   (ms)")
    out: dict[str, Any] = {"tool": tool}
    if tool.startswith("ostui"):
        done = [k["done"] for k in res["keys"] if k["done"] is not None]
        never = sum(1 for k in res["keys"] if k["done"] is None)
        half = args.seconds / 2
        first = [k["done"] for k in res["keys"] if k["done"] is not None and k["at"] < half]
        second = [k["done"] for k in res["keys"] if k["done"] is not None and k["at"] >= half]
        over = sum(1 for x in done if x > 0.100)
        print(row("key -> screen (k/G)", done, f"{over} over 100 ms, {never} never shown"))
        print(row("  first half (every line drawn)", first))
        print(row("  second half (marker filter)", second))
        out["keys"] = stats(done)
        out["keys_over_100ms"] = over
        out["keys_never"] = never
    lat = [m["latency"] for m in res["marks"] if m["latency"] is not None]
    missed = sum(1 for m in res["marks"] if m["latency"] is None)
    print(row("line: write -> on screen", lat, f"{missed} never shown within {args.mark_timeout:.0f} s"))
    hops = [(m["to_mirror"], m["latency"]) for m in res["marks"] if m.get("to_mirror") is not None]
    if hops:
        print(row("  write -> in ostui's mirror", [a for a, _ in hops], "(the node's loop, sshd, ssh)"))
        print(row("  mirror -> on screen", [b - a for a, b in hops], "(ostui: follow, index, filter, draw)"))
        out["to_mirror"] = stats([a for a, _ in hops])
        out["mirror_to_screen"] = stats([b - a for a, b in hops])
    out["lines"] = stats(lat)
    out["lines_missed"] = missed
    f = res.get("filter") or {}
    if f.get("named") is not None and f.get("applied") is not None and f["applied"] - f["named"] > 0.05:
        print(
            f"  the status bar named the filter {ms(f['named'])} ms after Enter, before the view was rebuilt:"
            f" {f['named_status'][:90]}"
        )
    if f.get("applied") is not None:
        print(
            f"  marker filter applied {ms(f['applied'])} ms after Enter; status: {f.get('status', '')[:100]}"
        )
    else:
        print(f"  marker filter: NOT seen applied; status: {f.get('status', '')[:100]}")
    rss = [kb for _, kb in res["rss"]]
    print(
        f"RSS MiB: start {rss[0] / 1024:.0f}, max {max(rss) / 1024:.0f}, end {rss[-1] / 1024:.0f}; "
        f"CPU (% of one core, while writing): {tool} {res['cpu_pct']:.0f}%, its ssh processes "
        f"{res['ssh_cpu_pct']:.0f}%, node side (sshd + what runs there) {res['node_cpu_pct']:.0f}%"
    )
    out.update(
        rss_start=rss[0], rss_max=max(rss), rss_end=rss[-1], cpu_pct=res["cpu_pct"],
        ssh_cpu_pct=res["ssh_cpu_pct"], node_cpu_pct=res["node_cpu_pct"],
    )  # fmt: skip
    print(
        f"  the harness on the same cores: writer {w.get('cpu_pct', 0):.0f}%, tmux server "
        f"{res.get('tmux_cpu_pct', 0):.0f}%, this script {res.get('script_cpu_pct', 0):.0f}%"
    )
    th = res.get("threads_pct") or []
    if th:
        busy = ", ".join(f"{x:.0f}%" + (" (main)" if main else "") for x, main in th[:6] if x >= 0.5)
        print(f"  {tool}'s {len(th)} threads, the busiest: {busy}")
    for when in ("before", "after"):
        s = res[f"ssh_{when}"]
        print(
            f"ssh processes {when} writing: {len(s['children'])} under {tool}, "
            f"{len(s['detached'])} detached (ControlPersist masters); node side: "
            + ", ".join(f"{v} {k}" for k, v in sorted(res[f"node_procs_{when}"].items()))
        )
    out["ssh_children"] = len(res["ssh_after"]["children"])
    out["ssh_detached"] = len(res["ssh_after"]["detached"])
    out["ssh_total"] = out["ssh_children"] + out["ssh_detached"]
    shown = [*res["ssh_after"]["children"][:2], *res["ssh_after"]["detached"][:1]]
    for r in shown:
        print(f"    pid {r['pid']} (parent {r['ppid']}): {short_cmd(r['cmd'])[:190]}")
    if len(res["ssh_after"]["children"]) + len(res["ssh_after"]["detached"]) > len(shown):
        print("    ... (every one in --json)")
    q = res["quit"]
    gone = (
        f"exited {q['exit_s']:.2f} s after `q`" if q["exit_s"] is not None else "still running 5 s after `q`"
    )
    print(f"{tool} {gone}; ssh processes of its still alive 5 s after `q`: {len(q['ssh']) or 'none'}")
    for r in q["ssh"][:3]:
        print(f"    pid {r['pid']} (parent {r['ppid']}): {short_cmd(r['cmd'])[:190]}")
    if q["tmp_left"]:
        shown_left = ", ".join(q["tmp_left"][:4]) + (" ..." if len(q["tmp_left"]) > 4 else "")
        print(f"    left in its TMPDIR: {len(q['tmp_left'])} entries ({shown_left})")
    out["left_behind"] = len(q["ssh"])
    out["tmp_left"] = len(q["tmp_left"])
    lag = res["lag"]
    if lag:
        print(
            f"index lag (written - counted, every 100 ms): median {statistics.median(lag):,.0f}, "
            f"max {max(lag):,} records (= {max(lag) / max(1.0, w['rate']):.2f} s of writing)"
        )
    exp = res["expected"]

    def verdict(x: int) -> str:
        return "all there" if x == exp else f"{exp - x:,} MISSING" if x < exp else f"{x - exp:,} EXTRA"

    shown_c = res.get("shown")
    out.update(expected=exp, index=None, view=None)
    if not shown_c:
        print(f"records expected {exp:,}: no count read at the end")
    elif tool.startswith("ostui"):
        n_view, m_index = shown_c
        when = (
            f"M reached it {res['catchup_s']:.2f} s after the filter was cleared"
            if res.get("catchup_s") is not None
            else "M never reached it"
        )
        print(
            f"records expected {exp:,} (seed {res['seeded']:,} + written {w['lines']:,}); status bar: "
            f"index M={m_index:,} ({verdict(m_index)}), view N={n_view:,} ({verdict(n_view)}); {when}"
        )
        out.update(index=m_index, view=n_view)
    else:
        n = shown_c[0]
        when = (
            f"reached {res['catchup_s']:.2f} s after the filter was deleted"
            if res.get("catchup_s") is not None
            else "never reached it"
        )
        print(
            f"records expected {exp:,} (seed {res['seeded']:,} + written {w['lines']:,}); lnav "
            f"`SELECT count(*) FROM all_logs` = {n:,} ({verdict(n)}); {when}"
        )
        out.update(index=n, view=n)
    m = res.get("mirror")
    if m:
        print(
            f"mirrors identical to the node's file: {m['identical']} of "
            f"{m['identical'] + len(m['different']) + len(m['absent'])}; seqs missing {m['missing_seqs']:,}, "
            f"doubled {m['doubled_seqs']:,}"
            + (f"; first missing {m['first_missing']}" if m["first_missing"] else "")
        )
        for d in (m["different"] + m["absent"])[:5]:
            print(f"    differs: {d}")
        out.update(
            mirror_identical=m["identical"], seqs_missing=m["missing_seqs"], seqs_doubled=m["doubled_seqs"]
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="how long the writer writes (default 60)")
    ap.add_argument("--rate", type=float, default=1000.0, help="lines per second, all files (default 1000)")
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--files", type=int, default=5, choices=range(1, len(NODE_FILES) + 1), help="per node")
    ap.add_argument("--seed-lines", type=int, default=200, help="real lines per file before the tool starts")
    ap.add_argument(
        "--tools",
        nargs="+",
        default=["ostui", "ostui-local", "lnav"],
        choices=["ostui", "ostui-local", "lnav"],
        help="ostui over ssh; ostui-local: the same files read locally (--root, no ssh); lnav over ssh",
    )
    ap.add_argument("--mark-every", type=float, default=1.5, help="seconds between marker lines (2nd half)")
    ap.add_argument("--settle", type=float, default=1.0, help="seconds after the first screen")
    ap.add_argument("--key-timeout", type=float, default=10.0)
    ap.add_argument("--mark-timeout", type=float, default=15.0)
    ap.add_argument("--start-timeout", type=float, default=90.0)
    ap.add_argument("--catchup", type=float, default=60.0, help="seconds to wait for the count at the end")
    ap.add_argument("--json", type=Path, help="also write every measurement here")
    args = ap.parse_args()

    if sshd_binary() is None or shutil.which("ssh") is None or shutil.which("tmux") is None:
        sys.exit("needs sshd, ssh and tmux")
    tools = [t for t in args.tools if t != "lnav" or shutil.which("lnav")]
    for t in set(args.tools) - set(tools):
        print(f"# {t}: not found, skipped", file=sys.stderr)
    templates = [real_lines(REAL_LOGS / src) for _, src in SOURCES[: args.files]]
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} · {load_note()} · {code_state()}")
    print(
        f"# {args.nodes} nodes x {args.files} files over ssh (one sshd on 127.0.0.1), "
        f"{args.rate:,.0f} lines/s in total for {args.seconds:.0f} s, pane {COLS}x{ROWS}, "
        f"marker every {args.mark_every} s in the second half"
    )
    results, table = [], []
    for tool in tools:
        print(f"\n## {tool}", flush=True)
        res = Run(tool, args, templates).execute()
        results.append(res)
        table.append(report(res, args))
        print(f"# after: {load_note()}", flush=True)

    print("\n## summary (ms; CPU in % of one core while writing)")
    print(
        f"{'tool':11} {'key p50':>8} {'p95':>7} {'p99':>7} {'max':>7} {'line p50':>9} {'p95':>7} {'p99':>7} "
        f"{'max':>7} {'CPU':>5} {'ssh CPU':>7} {'node CPU':>8} {'RSS max':>8} {'ssh procs':>9} "
        f"{'lost/doubled':>12}"
    )
    for t in table:
        k = t.get("keys")
        key_cols = (
            f"{ms(k['median']):>8} {ms(k['p95']):>7} {ms(k['p99']):>7} {ms(k['max']):>7}"
            if k else f"{'-':>8} {'-':>7} {'-':>7} {'-':>7}"
        )  # fmt: skip
        ln = t["lines"]
        lost = "?" if t["index"] is None else f"{t['expected'] - t['index']:,}"
        lost += f"/{t['seqs_doubled']:,}" if "seqs_doubled" in t else "/-"
        print(
            f"{t['tool']:11} {key_cols} {ms(ln['median']):>9} {ms(ln['p95']):>7} {ms(ln['p99']):>7} "
            f"{ms(ln['max']):>7} {t['cpu_pct']:>4.0f}% {t['ssh_cpu_pct']:>6.0f}% {t['node_cpu_pct']:>7.0f}% "
            f"{t['rss_max'] / 1024:>5.0f} MiB {t['ssh_children']:>3}+{t['ssh_detached']:<5} {lost:>12}"
        )
    by = {t["tool"]: t for t in table}
    for other in ("lnav", "ostui-local"):
        if "ostui" in by and other in by:
            o, r = by["ostui"], by[other]
            keys = (
                f"key p99 {o['keys']['p99'] / r['keys']['p99']:.2f}x; " if "keys" in o and "keys" in r else ""
            )
            print(
                f"ostui/{other}: {keys}"
                f"line latency median {o['lines']['median'] / r['lines']['median']:.2f}x, "
                f"p99 {o['lines']['p99'] / r['lines']['p99']:.2f}x; "
                f"CPU {o['cpu_pct'] / max(0.1, r['cpu_pct']):.2f}x; "
                f"RSS max {o['rss_max'] / r['rss_max']:.2f}x"
            )
    ok = True
    if "ostui" in by:
        o = by["ostui"]
        p99 = o["keys"]["p99"]
        print(f"target key -> screen p99 <= 100 ms: {'met' if p99 <= 0.100 else 'MISSED'} ({ms(p99)} ms)")
        per_node = o["ssh_children"] == args.nodes and o["ssh_detached"] <= args.nodes
        print(
            f"ssh per node, not per file: {'yes' if per_node else 'NO'} "
            f"({o['ssh_children']} clients under ostui "
            f"+ {o['ssh_detached']} ControlMaster(s) for {args.nodes} nodes, {args.nodes * args.files} files)"
        )
        complete = (
            o["index"] == o["expected"] == o["view"] and o["seqs_missing"] == 0 and o["seqs_doubled"] == 0
        )
        print(f"nothing lost or doubled: {'yes' if complete else 'NO'}")
        ok = per_node and complete
    print(f"# end: {load_note()}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "args": {k: v for k, v in vars(args).items() if k != "json"},
                    "runs": results,
                    "table": table,
                },
                default=str,
            )
        )
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
