"""Other nodes of the deployment, read over the system `ssh` client.

Nothing is installed or written on a node: ostui runs `find`, `wc`, `tail` and `awk`
there in BatchMode, over one shared connection per node (ControlMaster). Each node's
logs are mirrored into a local cache folder, `<cache>/<node>/var/log/...`: first the
last `backlog` bytes of every live file, then, from exactly where that stopped, what
`tail -F` sends. The mirror is an ordinary folder of growing files, so discovery,
indexing, merging and following work on it unchanged; the node column is the node.

If the connection drops, the node is marked unreachable and reconnects with backoff;
following resumes at the byte each mirror file has reached, so nothing is lost and
nothing is shown twice.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .discovery import classify

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


@dataclass
class Mirror:
    """One node's logs, mirrored under `cache/<node>/var/log/...` and followed."""

    node: RemoteNode
    cache: Path
    backlog: int = DEFAULT_BACKLOG
    on_change: Callable[[RemoteNode], None] | None = None
    files: list[MirrorFile] = field(default_factory=list)
    _proc: subprocess.Popen[bytes] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.control = Path(tempfile.mkdtemp(prefix="ostui-ssh-"))
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

    def sync(self) -> bool:
        """List the node's logs and fetch each one's backlog; False when unreachable."""
        self._set("connecting")
        root = shlex.quote(self.node.log_root)
        listing = self.ssh.run(
            f"find {root} -type f ! -name '*.gz' ! -name '*.pid' -size +0 -exec wc -c {{}} + 2>/dev/null"
        )
        if listing.returncode == 255:
            self._set(*classify_failure(255, listing.stderr.decode(errors="replace")))
            return False
        known = {f.remote for f in self.files}
        for line in listing.stdout.decode(errors="replace").splitlines():
            size_text, _, path = line.strip().partition(" ")
            if not size_text.isdigit() or not path.startswith(self.node.log_root) or path in known:
                continue
            size = int(size_text)
            relative = Path(path).relative_to(self.node.log_root)
            if classify(relative.parts[:-1], relative.name) is None:
                continue  # not an OpenStack log by the same layouts as locally: not fetched
            start = max(0, size - self.backlog)
            local = self.root / "var" / "log" / relative
            local.parent.mkdir(parents=True, exist_ok=True)
            got = self.ssh.run(f"tail -c +{start + 1} {shlex.quote(path)} | head -c {size - start}")
            data = got.stdout
            if start > 0:  # begin on a line start
                cut = data.find(b"\n") + 1
                data, start = data[cut:], start + cut
            local.write_bytes(data)
            self.files.append(MirrorFile(path, local, start + len(data)))
        self._set("live")
        return True

    def _follow_script(self) -> str:
        parts = []
        for n, f in enumerate(self.files):
            # The shell tags every line with its file's number; `read` takes one line at a
            # time, where awk or sed would wait to fill a buffer.
            parts.append(
                f"tail -c +{f.offset + 1} -F {shlex.quote(f.remote)} 2>/dev/null"
                f" | while IFS= read -r l; do printf '{n}\\t%s\\n' \"$l\"; done &"
            )
        return " ".join(parts) + " wait"

    def follow_once(self) -> None:
        """Stream appended lines into the mirror until the connection ends."""
        if not self.files:
            return
        self._proc = proc = self.ssh.popen(self._follow_script())
        assert proc.stdout is not None

        # Live once the connection has held for a moment (a refused one ends at once).
        def held() -> None:
            if proc.poll() is None:
                self._set("live")

        timer = threading.Timer(0.5, held)
        timer.start()
        handles = {n: f.local.open("ab") for n, f in enumerate(self.files)}
        try:
            for line in proc.stdout:
                if self.node.state != "live":
                    self._set("live")  # data flows: whatever the timer thinks
                tag, _, rest = line.partition(b"\t")
                if not tag.isdigit() or int(tag) not in handles:
                    continue
                n = int(tag)
                handles[n].write(rest)
                handles[n].flush()
                self.files[n].offset += len(rest)
                if self._stop.is_set():
                    break
        finally:
            timer.cancel()
            for h in handles.values():
                h.close()
            proc.kill()
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            code = proc.wait()
            if not self._stop.is_set():
                self._set(*classify_failure(code, err))

    def run(self, backoff: Sequence[float] = (0.5, 1, 2, 4, 8, 15)) -> None:
        """Sync, follow, and reconnect with backoff until `stop()`."""
        attempt = 0
        while not self._stop.is_set():
            if (self.files or self.sync()) and not self._stop.is_set():
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
        subprocess.run(
            ["ssh", "-o", f"ControlPath={self.control}/%C", "-O", "exit", self.node.target],
            capture_output=True,
            timeout=5,
            check=False,
        )


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
