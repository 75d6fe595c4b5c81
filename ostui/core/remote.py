"""Other nodes of the deployment, read over the system `ssh` client.

Nothing is installed or written on a node: ostui runs `find`, `wc`, `ls`, `tail`, `head`,
`cat` and `date` there under `sh`, in BatchMode, over one shared connection per node
(ControlMaster). Each node's logs are mirrored into a local cache folder,
`<cache>/<node>/var/log/...`: first the last `backlog` bytes of every live file, then,
from exactly where that stopped, what a polling loop on the node sends (a quarter
second apart, framed, with a heartbeat). The mirror is an ordinary folder of growing
files, so discovery, indexing, merging and following work on it unchanged; the node
column is the node. Older bytes (the head of a file, rotated `.gz` files) are fetched
only when asked for (`fetch_older`).

If the connection drops, the node is marked unreachable and reconnects with backoff;
following resumes at the byte each mirror file has reached, so nothing is lost and
nothing is shown twice. Late heartbeats mark it slow.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from io import BufferedWriter
from pathlib import Path
from typing import IO

from .discovery import classify
from .rotation import RANK_LIVE, base_name, rotation_key

DEFAULT_BACKLOG = 2 << 20  # bytes per file fetched at first: enough context on a slow link
STATES = ("new", "connecting", "live", "slow", "unreachable", "auth-refused")


@dataclass
class RemoteNode:
    name: str
    target: str  # as `ssh` takes it: a host, user@host, or a Host of ~/.ssh/config
    root: str = "/"  # the folder under which the node's var/log lives
    options: tuple[str, ...] = ()  # extra ssh options (a port, an identity, -F config)
    state: str = "new"
    reason: str = ""  # ssh's own words when the node is not live

    @property
    def log_root(self) -> str:
        return self.root.rstrip("/") + "/var/log"


def parse_node(spec: str) -> RemoteNode:
    """`--node compute-node-01` or `--node net1=admin@10.0.0.12`."""
    name, sep, target = spec.partition("=")
    if not sep:
        target = name
        name = target.rpartition("@")[2]
    if not name or not target:
        raise ValueError(f"bad --node {spec!r}: use NAME=TARGET or TARGET")
    return RemoteNode(name, target)


def load_inventory(path: Path) -> list[RemoteNode]:
    """`~/.config/ostui/nodes.toml`: one `[nodes.<name>]` table each, with `ssh`, and
    optionally `root` and `options` (a list of extra ssh arguments)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    nodes = []
    for name, table in (data.get("nodes") or {}).items():
        if not isinstance(table, dict) or not isinstance(table.get("ssh"), str):
            raise ValueError(f'{path}: [nodes.{name}] needs ssh = "user@host"')
        nodes.append(
            RemoteNode(
                name,
                table["ssh"],
                str(table.get("root", "/")),
                tuple(str(o) for o in table.get("options", ())),
            )
        )
    return nodes


def default_inventory() -> Path:
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "ostui" / "nodes.toml"


class Ssh:
    """Runs POSIX shell snippets on one node through the system ssh client."""

    def __init__(self, node: RemoteNode, control_dir: Path) -> None:
        self.node = node
        self.control = control_dir

    def argv(self, script: str) -> list[str]:
        return [
            "ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            "-o",
            "ServerAliveInterval=5",
            "-o",
            "ServerAliveCountMax=2",
            "-o",
            "ControlMaster=auto",
            "-o",
            f"ControlPath={self.control}/%C",
            "-o",
            "ControlPersist=60",
            *self.node.options,
            self.node.target,
            "--",
            script,
        ]

    def run(self, script: str, timeout: float = 30.0) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            self.argv(script), capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL
        )

    def popen(self, script: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            self.argv(script), stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
        )


def control_dir() -> Path:
    """A private folder for the ControlMaster sockets, with a short path: a socket path
    over ~104 bytes is refused, and a TMPDIR (macOS's, a CI's) can be long already."""
    short = Path("/tmp")
    base = short if short.is_dir() and os.access(short, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="ostui-ssh-", dir=base))


def classify_failure(code: int, stderr: str) -> tuple[str, str]:
    """(state, reason) from ssh's exit code and message."""
    reason = stderr.strip().splitlines()[-1] if stderr.strip() else f"ssh exited with {code}"
    if "Permission denied" in stderr or "Host key verification failed" in stderr:
        return "auth-refused", reason
    return "unreachable", reason


@dataclass
class MirrorFile:
    remote: str
    local: Path
    offset: int  # the remote byte the mirror has reached
    inode: str = ""  # the remote file's inode when last seen: another one means rotated


@dataclass
class OlderPart:
    """Bytes of a node's log not mirrored at first: the head of a live file before its
    backlog, or a rotated file. Fetched only when the user scrolls back that far."""

    remote: str
    local: Path
    end: int | None  # bytes [0, end) of a live file; None: the whole rotated file


# The follow loop runs on the node. It is the only writer of the stream, so one file's
# bytes never interleave with another's, whatever the line lengths, and every byte
# (NUL included) arrives as it is. Frames:
#   d\t<n>\t<offset>\t<count>\n<count raw bytes>e\t<n>\n   file n's bytes from offset
#   r\t<n>\t<inode>\n                                       file n was rotated or truncated
#   h\t<epoch seconds>\n                                    heartbeat, once a second
_FOLLOW_LOOP = r"""
hb=0
while :; do
  n=0
  while [ $n -lt $N ]; do
    eval "f=\$f$n o=\$o$n i=\$i$n"
    set -- $(ls -Lni "$f" 2>/dev/null)
    if [ $# -ge 6 ]; then
      if [ "$6" -lt "$o" ] || { [ -n "$i" ] && [ "$1" != "$i" ]; }; then
        printf 'r\t%s\t%s\n' $n "$1"; o=0
      fi
      i=$1
      if [ "$6" -gt "$o" ]; then
        c=$(($6 - o)); [ $c -gt 1048576 ] && c=1048576
        printf 'd\t%s\t%s\t%s\n' $n $o $c
        tail -c +$((o + 1)) "$f" | head -c $c
        printf 'e\t%s\n' $n
        o=$((o + c))
      fi
      eval "o$n=\$o i$n=\$i"
    fi
    n=$((n + 1))
  done
  now=$(date +%s)
  if [ "$now" != "$hb" ]; then printf 'h\t%s\n' "$now"; hb=$now; fi
  sleep 0.25 2>/dev/null || sleep 1
done
"""

RELIST_INTERVAL = 30.0  # seconds between listings of a node with no log file yet
SLOW_LAG = 3.0  # seconds a heartbeat may arrive late before the node counts as slow


class FrameError(Exception):
    """The follow stream lost its framing (a file shrank while it was being read)."""


@dataclass
class Mirror:
    """One node's logs, mirrored under `cache/<node>/var/log/...` and followed."""

    node: RemoteNode
    cache: Path
    backlog: int = DEFAULT_BACKLOG
    on_change: Callable[[RemoteNode], None] | None = None
    files: list[MirrorFile] = field(default_factory=list)
    older: dict[str, list[OlderPart]] = field(default_factory=dict)  # live remote path -> newest first
    clock_offset: float | None = None  # node clock minus ours, seconds, from heartbeats (±1 s)
    _proc: subprocess.Popen[bytes] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _beat: float = 0.0  # monotonic time of the last heartbeat

    def __post_init__(self) -> None:
        self.control = control_dir()
        self.ssh = Ssh(self.node, self.control)

    @property
    def root(self) -> Path:
        """The local folder that stands for the node: `<cache>/<node>`."""
        return self.cache / self.node.name

    def _set(self, state: str, reason: str = "") -> None:
        if (self.node.state, self.node.reason) != (state, reason):
            self.node.state, self.node.reason = state, reason
            if self.on_change is not None:
                self.on_change(self.node)

    def _local(self, remote: str) -> Path:
        return self.root / "var" / "log" / Path(remote).relative_to(self.node.log_root)

    def sync(self) -> bool:
        """List the node's logs and fetch each live one's backlog; rotated ones are only
        noted, for `fetch_older`. False when the node cannot be reached."""
        if self.node.state not in ("live", "slow"):
            self._set("connecting")
        root = shlex.quote(self.node.log_root)
        listing = self.ssh.run(f"find {root} -type f ! -name '*.pid' -size +0 -exec wc -c {{}} + 2>/dev/null")
        if listing.returncode == 255:
            self._set(*classify_failure(255, listing.stderr.decode(errors="replace")))
            return False
        known = {f.remote for f in self.files}
        rotated: list[str] = []
        for line in listing.stdout.decode(errors="replace").splitlines():
            size_text, _, path = line.strip().partition(" ")
            if not size_text.isdigit() or not path.startswith(self.node.log_root + "/") or path in known:
                continue
            relative = Path(path).relative_to(self.node.log_root)
            if classify(relative.parts[:-1], relative.name) is None:
                continue  # not an OpenStack log by the same layouts as locally: not fetched
            if rotation_key(relative.name) is not None:
                rotated.append(path)
                continue
            self._fetch_backlog(path, int(size_text))
        self._note_rotated(rotated)
        self._set("live")
        return True

    def _fetch_backlog(self, path: str, size: int) -> None:
        start = max(0, size - self.backlog)
        local = self._local(path)
        local.parent.mkdir(parents=True, exist_ok=True)
        got = self.ssh.run(f"tail -c +{start + 1} {shlex.quote(path)} | head -c {size - start}")
        data = got.stdout
        if start > 0:  # begin on a line start
            cut = data.find(b"\n") + 1
            data, start = data[cut:], start + cut
        local.write_bytes(data)
        self.files.append(MirrorFile(path, local, start + len(data)))
        if start > 0:
            # The head lands beside the live file as member `.0` of its rotation group:
            # newer than `.1`, older than the live file.
            self.older.setdefault(path, []).append(OlderPart(path, local.with_name(local.name + ".0"), start))

    def _note_rotated(self, paths: list[str]) -> None:
        by_live: dict[str, list[str]] = {}
        for path in paths:
            folder, _, name = path.rpartition("/")
            by_live.setdefault(f"{folder}/{base_name(name)}", []).append(path)
        for live, members in by_live.items():
            # Newest first: the reverse of rotation's oldest-first order.
            members.sort(key=lambda p: _member_order(p.rpartition("/")[2]), reverse=True)
            self.older.setdefault(live, []).extend(OlderPart(p, self._local(p), None) for p in members)

    @property
    def has_older(self) -> bool:
        return any(self.older.values())

    def fetch_older(self) -> list[Path]:
        """Fetch one step further back for every log (the head before its backlog, else its
        newest rotated file not fetched yet); the local paths written, oldest bytes last."""
        written = []
        for parts in self.older.values():
            if not parts:
                continue
            part = parts[0]
            quoted = shlex.quote(part.remote)
            script = f"cat {quoted}" if part.end is None else f"head -c {part.end} {quoted}"
            got = self.ssh.run(script, timeout=300)
            if got.returncode != 0 and not got.stdout:
                if got.returncode == 255:
                    self._set(*classify_failure(255, got.stderr.decode(errors="replace")))
                    break
                parts.pop(0)  # gone on the node (rotated away): nothing to fetch
                continue
            part.local.parent.mkdir(parents=True, exist_ok=True)
            part.local.write_bytes(got.stdout)
            parts.pop(0)
            written.append(part.local)
        return written

    def follow_script(self) -> str:
        head = [f"N={len(self.files)}"]
        for n, f in enumerate(self.files):
            head.append(f"f{n}={shlex.quote(f.remote)} o{n}={f.offset} i{n}={shlex.quote(f.inode)}")
        # Run by sh whatever the login shell is.
        return "exec sh -c " + shlex.quote("\n".join(head) + _FOLLOW_LOOP)

    def follow_once(self) -> None:
        """Stream appended bytes into the mirror until the connection ends."""
        if not self.files:
            return
        self._proc = proc = self.ssh.popen(self.follow_script())
        assert proc.stdout is not None
        self._beat = time.monotonic()
        watchdog = threading.Thread(target=self._watch, args=(proc,), daemon=True)
        watchdog.start()
        handles = {n: f.local.open("ab") for n, f in enumerate(self.files)}
        try:
            self._read_frames(proc.stdout, handles)
        except FrameError:
            pass  # reconnect: offsets only move after a frame is whole
        finally:
            for h in handles.values():
                h.close()
            proc.kill()
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            code = proc.wait()
            if not self._stop.is_set():
                self._set(*classify_failure(code, err))

    def _read_frames(self, stream: IO[bytes], handles: Mapping[int, BufferedWriter]) -> None:
        best = None  # the smallest arrival-minus-sent seen: our clock offset plus the least delay
        while not self._stop.is_set():
            header = stream.readline()
            if not header:
                return
            kind, *fields = header.rstrip(b"\n").split(b"\t")
            if kind == b"h" and fields and fields[0].isdigit():
                sent = int(fields[0])
                now = time.time()
                best = now - sent if best is None else min(best, now - sent)
                self.clock_offset = -best
                self._beat = time.monotonic()
                late = (now - sent) - best
                self._set("slow", f"heartbeat {late:.0f} s late") if late > SLOW_LAG else self._set("live")
            elif kind == b"d" and len(fields) == 3 and all(x.isdigit() for x in fields):
                n, offset, count = (int(x) for x in fields)
                data = stream.read(count)
                if len(data) != count or stream.readline() != b"e\t%d\n" % n or n not in handles:
                    raise FrameError(header)
                if offset != self.files[n].offset:
                    raise FrameError(header)
                handles[n].write(data)
                handles[n].flush()
                self.files[n].offset += count
            elif kind == b"r" and len(fields) == 2 and fields[0].isdigit() and int(fields[0]) in handles:
                f = self.files[int(fields[0])]
                f.offset, f.inode = 0, fields[1].decode(errors="replace")
            elif kind not in (b"h", b"d", b"r"):
                raise FrameError(header)
            if self.node.state not in ("live", "slow"):
                self._set("live")

    def _watch(self, proc: subprocess.Popen[bytes]) -> None:
        """Slow when heartbeats stop while the connection holds (ssh's keepalive ends it
        after ~10 s of silence: then it is unreachable)."""
        while proc.poll() is None and not self._stop.is_set():
            silent = time.monotonic() - self._beat
            if silent > SLOW_LAG + 1 and self.node.state == "live":
                self._set("slow", f"no heartbeat for {silent:.0f} s")
            self._stop.wait(0.5)

    def run(self, backoff: Sequence[float] = (0.5, 1, 2, 4, 8, 15)) -> None:
        """Sync, follow, and reconnect with backoff until `stop()`."""
        attempt = 0
        while not self._stop.is_set():
            if not self.files and self.sync() and not self.files:
                # Nothing to follow yet (a node whose services log to the journal): look again later.
                self._stop.wait(RELIST_INTERVAL)
                continue
            if self.files and not self._stop.is_set():
                started = time.monotonic()
                self.follow_once()
                if time.monotonic() - started > 5:
                    attempt = 0  # it held: the next drop starts the backoff again
            if self._stop.is_set():
                break
            self._stop.wait(backoff[min(attempt, len(backoff) - 1)])
            attempt += 1

    def stop(self) -> None:
        self._stop.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        # The node's own options take part in %C (a port, an -F config): without them the
        # exit would address another socket and leave the master running.
        subprocess.run(
            [
                "ssh",
                *self.node.options,
                "-o",
                f"ControlPath={self.control}/%C",
                "-O",
                "exit",
                self.node.target,
            ],
            capture_output=True,
            timeout=5,
            check=False,
        )
        shutil.rmtree(self.control, ignore_errors=True)


def _member_order(name: str) -> tuple[int, int]:
    key = rotation_key(name)
    return (RANK_LIVE, 0) if key is None else (key[1], key[2])


def start_mirrors(
    nodes: Sequence[RemoteNode],
    cache: Path,
    backlog: int = DEFAULT_BACKLOG,
    on_change: Callable[[RemoteNode], None] | None = None,
    wait: float = 20.0,
) -> list[Mirror]:
    """Sync every node at once (a slow node does not hold up the others), then follow
    each in a thread. Returns when every node is synced or has failed, or after `wait`."""
    mirrors = [Mirror(node, cache, backlog, on_change) for node in nodes]
    threads = [threading.Thread(target=m.run, name=f"ostui-node-{m.node.name}", daemon=True) for m in mirrors]
    for t in threads:
        t.start()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and any(m.node.state in ("new", "connecting") for m in mirrors):
        time.sleep(0.05)
    return mirrors
