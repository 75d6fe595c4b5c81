"""Other nodes of the deployment, read over the system `ssh` client.

Nothing is installed or written on a node: ostui runs `find`, `ls`, `tail`, `head`, `cat`
and `date` there under `sh`, in BatchMode, over one shared connection per node
(ControlMaster). Each node's logs are mirrored into a local cache folder,
`<cache>/<node>/var/log/...`: the last `backlog` bytes of every live file, then what it
grows by. The mirror is an ordinary folder of growing files, so discovery, indexing,
merging and following work on it unchanged; the node column is the node. Older bytes
(the head of a file, rotated `.gz` files) are fetched only when asked for (`fetch_older`).

A node is hostile ground: anyone who can write into a log folder there can swap a log
for a symlink to `/etc/shadow`, a FIFO or `/dev/zero`. So every read on the node is
checked at the moment it is made: the path must be a regular file, not a symlink
(`ls -lni`, which does not follow links), and the descriptor actually opened must be
that same inode (`ls -lniL /dev/fd/3`). What is refused becomes one of the node's
`problems`, never a silent gap. File names are framed by length, so a newline or a
trailing space in a name is mirrored as it is, and no name can place a file outside
the node's mirror folder.

Following is driven from here: one `sh` loop per node answers requests on its stdin,
`l` (list every followed folder at once: one `ls` and one `date` per poll) and
`r n offset count inode` (read that much of file n). An idle node is polled once a
second at most; the loop ends when our end of the connection closes. If the
connection drops, the node is marked unreachable and reconnects with backoff;
following resumes at the byte each mirror file has reached, so nothing is lost and
nothing is shown twice. Late answers mark it slow; a loop that stops answering for
`STALL_LIMIT` seconds is replaced.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
import tomllib
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..paths.layouts import is_container_link
from ..paths.rotation import RANK_LIVE, base_name, rotation_key, split_compression
from ..reading.discovery import classify
from ..sizes import parse_size
from .backoff import RECONNECT_WAITS, Backoff

DEFAULT_BACKLOG = 2 << 20  # bytes per file fetched at first: enough context on a slow link
DEFAULT_OLDER_CAP = 256 << 20  # bytes at most per older file fetched on demand
STATES = ("new", "connecting", "live", "slow", "unreachable", "auth-refused", "refused")
READ_CHUNK = 1 << 20  # bytes per read request: a busy file cannot starve the others
ROUND_BYTES = 8 << 20  # bytes requested per round: requests never outrun the answers
ROUND_REQUESTS = 64
POLL_FAST = 0.25  # seconds between polls while files change
POLL_IDLE = 1.0  # at most this between polls of an idle node
RELIST_INTERVAL = 30.0  # seconds between listings of a node with no log file yet
SLOW_LAG = 3.0  # seconds an answer may be late before the node counts as slow
STALL_LIMIT = 30.0  # seconds without any answer before the loop is replaced
STDERR_LINES = 20  # ssh's last lines kept to say why a connection failed
PROBLEM_LIMIT = 100  # distinct problems kept per node (the newest)
PROBLEMS_SHOWN = 20  # a node's problems printed by a headless command, at most


def shown(text: str | bytes) -> str:
    """A name or message on one line: control characters as escapes."""
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


class Problems:
    """What could not be read on a node, and why: the newest `limit` distinct messages
    about its files, then the newest `STDERR_LINES` distinct lines its commands wrote to
    stderr, each with how often it happened (a loop repeating one error does not grow
    it, and stderr noise cannot push out what was refused)."""

    def __init__(self, limit: int = PROBLEM_LIMIT) -> None:
        self.limit = limit
        self._files: OrderedDict[str, int] = OrderedDict()
        self._stderr: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, message: str) -> None:
        self._add(self._files, self.limit, message)

    def add_stderr(self, line: str) -> None:
        self._add(self._stderr, STDERR_LINES, line)

    def _add(self, kept: OrderedDict[str, int], limit: int, message: str) -> None:
        message = shown(message.strip())
        if not message:
            return
        with self._lock:
            kept[message] = kept.pop(message, 0) + 1
            while len(kept) > limit:
                kept.popitem(last=False)

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            items = [*self._files.items(), *self._stderr.items()]
        return iter(m if n == 1 else f"{m} (x{n})" for m, n in items)

    def __len__(self) -> int:
        return len(self._files) + len(self._stderr)

    def __contains__(self, text: object) -> bool:
        return any(isinstance(text, str) and text in m for m in self)


@dataclass
class RemoteNode:
    name: str
    target: str  # as `ssh` takes it: a host, user@host, or a Host of ~/.ssh/config
    root: str = "/"  # the folder under which the node's var/log lives
    options: tuple[str, ...] = ()  # extra ssh options (a port, an identity, -F config)
    older_cap: int = DEFAULT_OLDER_CAP  # bytes at most per older file fetched
    state: str = "new"
    reason: str = ""  # ssh's own words when the node is not live
    problems: Problems = field(default_factory=Problems, compare=False, repr=False)

    @property
    def log_root(self) -> str:
        return self.root.rstrip("/") + "/var/log"


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a node's name (it names the node's mirror folder), or None."""
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        return "a node name must be one folder name (no '/', not '.' or '..')"
    if any(not c.isprintable() for c in name) or name != name.strip():
        return "a node name cannot hold control characters or leading/trailing spaces"
    if len(name.encode()) > 200:
        return "a node name is at most 200 bytes"
    return None


def target_problem(target: str) -> str | None:
    """Why `target` cannot be given to ssh as the host, or None."""
    if not target or target.startswith("-"):
        return "an ssh target cannot be empty or start with '-' (ssh would take it for an option)"
    if any(not c.isprintable() or c.isspace() for c in target):
        return "an ssh target cannot hold spaces or control characters"
    return None


def parse_node(spec: str) -> RemoteNode:
    """`--node compute-node-01` or `--node net1=admin@10.0.0.12`."""
    name, sep, target = spec.partition("=")
    if not sep:
        target = name
        name = target.rpartition("@")[2]
    if not name or not target:
        raise ValueError(f"bad --node {spec!r}: use NAME=TARGET or TARGET")
    problem = name_problem(name) or target_problem(target)
    if problem:
        raise ValueError(f"bad --node {shown(spec)!r}: {problem}")
    return RemoteNode(name, target)


# -- the inventory: nodes.toml -------------------------------------------------------------------


class InventoryError(ValueError):
    """A nodes.toml that cannot be used, as `path:line: what is wrong`."""


NODE_KEYS = {"ssh", "root", "options", "older_cap"}
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _line_of(lines: Sequence[str], name: str, key: str | None = None) -> int:
    """The line of `[nodes.<name>]` (or of `key` inside it): where to point the reader."""
    header = re.compile(rf"^\s*\[\s*nodes\s*\.\s*[\"']?{re.escape(name)}[\"']?\s*\]")
    start = next((n for n, text in enumerate(lines) if header.match(text)), None)
    if start is None:
        return 1
    if key is None:
        return start + 1
    for n in range(start + 1, len(lines)):
        if lines[n].lstrip().startswith("["):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", lines[n]):
            return n + 1
    return start + 1


def load_inventory(path: Path) -> list[RemoteNode]:
    """`~/.config/ostui/nodes.toml`: one `[nodes.<name>]` table each, with `ssh`, and
    optionally `root`, `options` (a list of extra ssh arguments) and `older_cap` (the
    most bytes fetched of one older file, `256M`). Errors are `InventoryError`s."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line = found.group(1) if found else "1"
        what = _TOML_POSITION.sub("", message).strip()
        raise InventoryError(f"{path}:{line}: {what}") from None
    lines = text.splitlines()
    unknown = sorted(set(data) - {"nodes"})
    if unknown:
        raise InventoryError(f"{path}:1: unknown table or key {unknown[0]!r} (only [nodes.<name>] tables)")
    tables = data.get("nodes", {})
    if not isinstance(tables, dict):
        raise InventoryError(f"{path}:1: 'nodes' must be tables: [nodes.<name>]")
    nodes = []
    for name, table in tables.items():
        where = f"{path}:{_line_of(lines, name)}"
        if not isinstance(table, dict):
            raise InventoryError(f"{where}: nodes.{name} must be a table: [nodes.{name}]")
        problem = name_problem(name)
        if problem:
            raise InventoryError(f"{where}: [nodes.{shown(name)}]: {problem}")
        nodes.append(_node_from_table(name, table, path, lines))
    return nodes


def _node_from_table(name: str, table: dict[str, Any], path: Path, lines: Sequence[str]) -> RemoteNode:
    def fail(key: str | None, what: str) -> InventoryError:
        return InventoryError(f"{path}:{_line_of(lines, name, key)}: [nodes.{name}] {what}")

    for key in sorted(set(table) - NODE_KEYS):
        raise fail(key, f"unknown key {key!r} (known: {', '.join(sorted(NODE_KEYS))})")
    target = table.get("ssh")
    if not isinstance(target, str):
        raise fail("ssh" if "ssh" in table else None, 'needs ssh = "user@host" (a string)')
    problem = target_problem(target)
    if problem:
        raise fail("ssh", problem)
    root = table.get("root", "/")
    if not isinstance(root, str) or not root.startswith("/"):
        raise fail("root", 'root must be an absolute path, a string: root = "/"')
    options = table.get("options", [])
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise fail("options", 'options must be a list of strings: options = ["-F", "x"]')
    cap = table.get("older_cap", DEFAULT_OLDER_CAP)
    try:
        if isinstance(cap, bool) or not isinstance(cap, (int, str)):
            raise ValueError
        older_cap = parse_size(cap)
        if older_cap <= 0:
            raise ValueError
    except (ValueError, KeyError, IndexError):
        raise fail("older_cap", 'older_cap must be a size: older_cap = "256M"') from None
    return RemoteNode(name, target, root, tuple(options), older_cap)


def default_inventory() -> Path:
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "ostui" / "nodes.toml"


# -- ssh ------------------------------------------------------------------------------------------


class StderrDrain:
    """Reads a process's stderr in a thread as it comes (a full pipe would stall the
    process), keeping the last lines and passing each one on."""

    def __init__(self, stream: IO[bytes] | None, on_line: Callable[[str], None] | None = None) -> None:
        self.lines: deque[str] = deque(maxlen=STDERR_LINES)
        self._on_line = on_line
        self._thread = threading.Thread(
            target=self._drain, args=(stream,), name="ostui-ssh-stderr", daemon=True
        )
        self._thread.start()

    def _drain(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        with stream:
            while line := stream.readline(4096):
                text = line.decode(errors="replace").rstrip()
                if text:
                    self.lines.append(text)
                    if self._on_line is not None:
                        self._on_line(text)

    def text(self, wait: float = 2.0) -> str:
        self._thread.join(wait)
        return "\n".join(self.lines)


# The environment of our scripts on a node: bytes-exact lengths and `ls` output in the
# one layout we parse, whatever the login shell exported.
_SCRIPT_ENV = (
    "LC_ALL=C; export LC_ALL; unset QUOTING_STYLE TIME_STYLE BLOCK_SIZE LS_BLOCK_SIZE LS_COLORS; set -f\n"
)


class Ssh:
    """Runs POSIX shell snippets on one node through the system ssh client."""

    def __init__(self, node: RemoteNode, control_dir: Path) -> None:
        self.node = node
        self.control = control_dir
        # Every ssh started and not yet ended: `end_all` ends them, the one a listing waits
        # on included (a slow node would otherwise outlive the quit).
        self._running: set[subprocess.Popen[bytes]] = set()
        self._ending = threading.Lock()
        self._ended = False

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

    def popen(self, script: str, stdin: bool = False) -> tuple[subprocess.Popen[bytes], StderrDrain]:
        """The script running under `sh` (whatever the login shell is), with its stderr
        drained into the node's problems."""
        proc = subprocess.Popen(
            self.argv("exec sh -c " + shlex.quote(_SCRIPT_ENV + script)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        )
        with self._ending:
            self._running = {p for p in self._running if p.poll() is None}
            self._running.add(proc)
            if self._ended:
                proc.kill()
        return proc, StderrDrain(proc.stderr, self.node.problems.add_stderr)

    def end_all(self) -> None:
        """Kill every ssh this node runs, and any started from now on."""
        with self._ending:
            self._ended = True
            for proc in self._running:
                if proc.poll() is None:
                    proc.kill()

    def run(self, script: str, timeout: float = 60.0) -> tuple[int, bytes, str]:
        """(exit code, stdout, stderr's last lines); 255 when ssh itself failed."""
        proc, err = self.popen(script)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            out = proc.stdout.read() if proc.stdout else b""
            code = proc.wait()
        finally:
            timer.cancel()
        return code, out, err.text()


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


# -- what is on the node ---------------------------------------------------------------------------

# One listing of the log root: the physical root first, then every entry framed by its
# length (`<type>\t<bytes>\n<path>`, type d, f, l for a symlink, o for anything else),
# so no byte of a name can break the frame. `find -H` follows only the root itself.
_SYNC_SCRIPT = r"""
root=$(cd -P -- "$ROOT" 2>/dev/null && pwd -P) || { printf 'no log folder %s\n' "$ROOT" >&2; exit 3; }
printf 'R\t%s\n%s' "${#root}" "$root"
find -H "$root" -exec sh -c '
for p do
  if [ -L "$p" ]; then t=l; elif [ -d "$p" ]; then t=d; elif [ -f "$p" ]; then t=f; else t=o; fi
  printf "%s\t%s\n%s" "$t" "${#p}" "$p"
done' sh {} +
"""

# The follow loop, driven by requests on stdin (it ends when they end). First come the
# paths it may read, `d n <name>` (folders) and `f n <name>` (files), each name in
# printf %b escapes (any byte, newlines included, on one line; on stdin because an
# argument over 128 KiB is refused), ended by `go`. Then:
#   l                  ->  L\n <ls -lniq of every followed folder> T\t<epoch seconds>\n
#   r n offset count inode [name]
#                      ->  D\tn\toffset\tcount\n <count bytes> E\tn\t<size after>\n
#                      or  X\tn\t<why not>\n
# With a name (printf %b escaped), the read is of that file in file n's folder: the
# rest of file n after it was rotated to that name. A read opens the path only when it
# is a regular file and no symlink, then checks the descriptor it got is that inode (a
# swap in between is refused, never read); a file that shrank while read is padded to
# the promised count and the size after says so.
_FOLLOW_LOOP = r"""
DIRS=
while read -r t n v; do
  case $t in
  d|f) v=$(printf '%bx' "$v"); eval "$t$n=\${v%x}"
       [ "$t" = d ] && DIRS="$DIRS \"\$d$n\"" ;;
  *) break ;;
  esac
done
while read -r c n o k i v; do
  case $c in
  l) printf 'L\n'; eval "ls -lniq -- $DIRS" </dev/null; date '+T%t%s' ;;
  r) eval "f=\$f$n"
     if [ -n "$v" ]; then v=$(printf '%bx' "$v"); f=${f%/*}/${v%x}; fi
     if [ -f "$f" ] && [ ! -L "$f" ]; then
       { set -- $(ls -lniL /dev/fd/3 </dev/null 2>/dev/null)
         case "$1 $2" in
         "$i -"*)
           [ "$6" -lt $((o + k)) ] && k=$(($6 - o))
           if [ "$k" -le 0 ]; then printf 'X\t%s\tshrank\n' "$n"; else
             printf 'D\t%s\t%s\t%s\n' "$n" "$o" "$k"
             { tail -c +$((o + 1)) <&3; cat /dev/zero 2>/dev/null; } | head -c "$k"
             set -- $(ls -lniL /dev/fd/3 </dev/null 2>/dev/null)
             printf 'E\t%s\t%s\n' "$n" "${6:-0}"
           fi ;;
         *) printf 'X\t%s\tchanged\n' "$n" ;;
         esac
         :
       } 3<"$f" || printf 'X\t%s\topen\n' "$n"
     else
       printf 'X\t%s\tnotfile\n' "$n"
     fi ;;
  esac
done
"""

# One older file, streamed: `D\t<start>\t<count>\t<size>\n` then count bytes, or
# `X\t<why not>\n`. Plain text gives its newest `CAP` bytes before END, compressed
# files their first `CAP` bytes (a gzip decodes from its start).
_FETCH_SCRIPT = r"""
set -- $(ls -lni -- "$F" </dev/null 2>/dev/null)
case $2 in -*) ;; *) printf 'X\tnot a regular file (a symlink, FIFO, device or gone)\n'; exit 0 ;; esac
[ -f "$F" ] && [ ! -L "$F" ] || { printf 'X\tnot a regular file\n'; exit 0; }
i=$1
{ set -- $(ls -lniL /dev/fd/3 </dev/null 2>/dev/null)
  case "$1 $2" in
  "$i -"*)
    s=$6; e=${END:-$s}; [ "$e" -gt "$s" ] && e=$s
    if [ "$HEAD" = 1 ]; then st=0; k=$(( e > CAP ? CAP : e ))
    else st=$(( e > CAP ? e - CAP : 0 )); k=$((e - st)); fi
    printf 'D\t%s\t%s\t%s\n' "$st" "$k" "$s"
    tail -c +$((st + 1)) <&3 | head -c "$k" ;;
  *) printf 'X\tswapped while opened: not read\n' ;;
  esac
  :
} 3<"$F" || printf 'X\tcannot open\n'
"""

_LS_ENTRY = re.compile(rb"^\s*(\d+)\s+(\S)\S*\s+\d+\s+\S+\s+\S+\s+(\d+|\d+,\s*\d+)\s+\S+\s+\S+\s+\S+ (.*)$")
_KIND = {
    b"l": "a symlink",
    b"p": "a FIFO",
    b"c": "a device",
    b"b": "a device",
    b"s": "a socket",
    b"d": "a folder",
}


_PLAIN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@=")


def printf_escaped(raw: bytes) -> bytes:
    """`raw` as an argument of `printf %b`: every other byte as an octal escape."""
    return b"".join(bytes((c,)) if c in _PLAIN else b"\\0%03o" % c for c in raw)


def ls_quoted(name: bytes) -> bytes:
    """A name as `ls -q` prints it in the C locale: every non-printable byte as `?`."""
    return bytes(b if 0x20 <= b < 0x7F else 0x3F for b in name)


@dataclass
class Entry:
    """One line of `ls -lni`: a folder entry as the node saw it, links not followed."""

    inode: str
    kind: bytes  # the mode's first letter: `-` a regular file
    size: int  # 0 for anything but a regular file
    text: bytes  # the rest of the line: the name (`ls -q`), `-> target` for a symlink


def parse_listing(lines: Sequence[bytes], dirs: Sequence[bytes]) -> dict[bytes, list[Entry]]:
    """`ls -lniq DIR...` output as the entries of each folder (by its exact path); a
    folder operand that is no folder (a symlink now) is listed under the key b''."""
    by_quoted = {ls_quoted(d): d for d in dirs}
    found: dict[bytes, list[Entry]] = {}
    current = dirs[0] if len(dirs) == 1 else b""
    for line in lines:
        if not line or line.startswith(b"total "):
            continue
        if line.endswith(b":") and line[:-1] in by_quoted:
            current = by_quoted[line[:-1]]
            continue
        match = _LS_ENTRY.match(line)
        if match is None:
            continue
        inode, kind, size, text = match.groups()
        found.setdefault(current, []).append(
            Entry(inode.decode(), kind, int(size) if kind == b"-" else 0, text)
        )
    return found


@dataclass
class MirrorFile:
    remote: str
    local: Path
    offset: int | None = None  # the remote byte the mirror has reached; None: not listed yet
    inode: str = ""  # the remote file's inode when last seen: another one means rotated
    target: int | None = None  # its size at the first listing: synced when offset reaches it
    skip_to_line: bool = False  # the first bytes are mid-line: drop them up to a newline
    refused: str = ""  # why the listing says it cannot be read now (a symlink, a FIFO...)
    listed: tuple[str, int] = ("", 0)  # (inode, size) at the last listing
    refused_at: tuple[str, int] | None = None  # the listing at which the node refused a read

    @property
    def folder(self) -> bytes:
        return os.fsencode(self.remote).rpartition(b"/")[0]

    @property
    def name(self) -> bytes:
        return os.fsencode(self.remote).rpartition(b"/")[2]

    @property
    def synced(self) -> bool:
        return self.offset is not None and (
            self.target is None
            or self.offset >= self.target
            or bool(self.refused)
            or self.refused_at == self.listed
        )


@dataclass
class OlderPart:
    """Bytes of a node's log not mirrored at first: the head of a live file before its
    backlog, or a rotated file. Fetched only when the user scrolls back that far."""

    remote: str
    local: Path
    end: int | None  # bytes [0, end) of a live file; None: the whole rotated file


Request = tuple[int, int, int, str, bytes]  # file n, offset, count, inode, rotated name or b""


class FrameError(Exception):
    """The follow stream lost its framing: the connection is replaced."""


class Stalled(Exception):
    """The follow loop stopped answering."""


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
    synced: threading.Event = field(default_factory=threading.Event)  # every backlog is here
    thread: threading.Thread | None = None  # the one running `run`, once started
    _proc: subprocess.Popen[bytes] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _beat: float = 0.0  # monotonic time of the last answer
    _waiting: bool = False  # a request is out and not answered yet
    _physical_root: str = ""
    _folders: list[str] = field(default_factory=list)
    _best_delay: float | None = None
    _relist: bool = False  # a new log appeared in a followed folder
    _noticed: set[tuple[bytes, bytes]] = field(default_factory=set)  # new names listed for, once each

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

    def _problem(self, message: str) -> None:
        self.node.problems.add(message)
        if self.on_change is not None:
            self.on_change(self.node)

    def _local(self, remote: str) -> Path | None:
        """Where a remote path is mirrored; None (and a problem) for a path that would
        land outside the node's mirror folder."""
        root = self._physical_root or self.node.log_root
        relative = remote[len(root) + 1 :] if remote.startswith(root + "/") else ""
        parts = relative.split("/")
        if not relative or any(p in ("", ".", "..") for p in parts) or "\0" in relative:
            self._problem(f"{remote}: not under {root}: not mirrored")
            return None
        base = self.root / "var" / "log"
        local = base.joinpath(*parts)
        if os.path.commonpath([base, os.path.normpath(local)]) != str(base):
            self._problem(f"{remote}: outside the mirror folder: not mirrored")
            return None
        return local

    # -- listing ---------------------------------------------------------------------------

    def sync(self) -> bool:
        """List the node's logs: live ones are followed (from `backlog` bytes before
        their end), rotated ones only noted, for `fetch_older`. False when the node
        cannot be reached or its name cannot name a folder."""
        refused = name_problem(self.node.name) or target_problem(self.node.target)
        if refused:
            self._set("refused", refused)
            return False
        if self.node.state not in ("live", "slow"):
            self._set("connecting")
        script = f"ROOT={shlex.quote(self.node.log_root)}\n{_SYNC_SCRIPT}"
        code, out, err = self.ssh.run(script, timeout=120)
        if code == 255 or (code < 0 and not out):
            self._set(*classify_failure(code, err or "the listing timed out"))
            return False
        entries = list(_framed_entries(out))
        if entries and entries[0][0] == "R":
            self._physical_root = os.fsdecode(entries.pop(0)[1])
        known = {f.remote for f in self.files}
        folders = set(self._folders)
        rotated: list[str] = []
        for kind, raw in entries:
            path = os.fsdecode(raw)
            if kind == "d" or path in known or path == self._physical_root:
                continue
            local = self._local(path)
            if local is None:
                continue
            relative = local.relative_to(self.root / "var" / "log")
            if classify(relative.parts[:-1], relative.name) is None or relative.name.endswith(".pid"):
                continue  # not an OpenStack log by the same layouts as locally: not fetched
            if kind == "l" and is_container_link(relative.parts[:-1], relative.name):
                continue  # kubelet's link to a pods/ file, which is read there
            if kind != "f":
                what = "a symlink" if kind == "l" else "a FIFO or device"
                self._problem(f"{path}: not a regular file ({what}): not read")
                continue
            if rotation_key(relative.name) is not None:
                rotated.append(path)
                continue
            local.parent.mkdir(parents=True, exist_ok=True)
            local.touch()
            self.files.append(MirrorFile(path, local))
            folders.add(path.rpartition("/")[0])
        self._folders = sorted(folders)
        self._note_rotated(rotated)
        self._set("live")
        return True

    def _note_rotated(self, paths: list[str]) -> None:
        by_live: dict[str, list[str]] = {}
        known = {p.remote for parts in self.older.values() for p in parts}
        for path in paths:
            if path in known:
                continue
            folder, _, name = path.rpartition("/")
            by_live.setdefault(f"{folder}/{base_name(name)}", []).append(path)
        for live, members in by_live.items():
            # Newest first: the reverse of rotation's oldest-first order.
            members.sort(key=lambda p: _member_order(p.rpartition("/")[2]), reverse=True)
            parts = self.older.setdefault(live, [])
            for p in members:
                local = self._local(p)
                if local is not None:
                    parts.append(OlderPart(p, local, None))

    # -- older bytes on demand -------------------------------------------------------------

    @property
    def has_older(self) -> bool:
        return any(self.older.values())

    def fetch_older(self) -> list[Path]:
        """Fetch one step further back for every log (the head before its backlog, else its
        newest rotated file not fetched yet); the local paths written, oldest bytes last.
        Each file is streamed to its mirror, at most the node's `older_cap` bytes of it."""
        written = []
        for parts in self.older.values():
            if not parts:
                continue
            part = parts[0]
            result = self._fetch_part(part)
            if result == "unreachable":
                break
            parts.pop(0)
            if result == "written":
                written.append(part.local)
        return written

    def _fetch_part(self, part: OlderPart) -> str:
        """Stream one older part into its mirror file: 'written', 'refused' or 'unreachable'."""
        compressed = split_compression(part.remote.rpartition("/")[2])[1] != ""
        cap = self.node.older_cap
        script = (
            f"F={shlex.quote(part.remote)} END={'' if part.end is None else part.end} "
            f"CAP={cap} HEAD={int(compressed)}\n{_FETCH_SCRIPT}"
        )
        proc, err = self.ssh.popen(script)
        assert proc.stdout is not None
        try:
            header = proc.stdout.readline(4096)
            if not header.startswith(b"D\t"):
                code = proc.wait()
                if code == 255:
                    self._set(*classify_failure(code, err.text()))
                    return "unreachable"
                why = (
                    header[2:].decode(errors="replace").strip() if header.startswith(b"X\t") else "no answer"
                )
                self._problem(f"{part.remote}: {why}")
                return "refused"
            start, count, size = (int(x) for x in header.split(b"\t")[1:4])
            got = self._stream_to(proc.stdout, part.local, count, cut_to_line=start > 0 and not compressed)
        finally:
            proc.kill()
            proc.wait()
        if got < count:
            self._problem(f"{part.remote}: ended after {got} of {count} bytes (changed while read)")
        if count < (size if part.end is None else part.end):
            kept = "first" if compressed else "newest"
            self._problem(
                f"{part.remote}: {size} bytes, over the cap of {cap} per older file: "
                f"only its {kept} {count} bytes fetched"
            )
        return "written"

    @staticmethod
    def _stream_to(stream: IO[bytes], local: Path, count: int, cut_to_line: bool) -> int:
        """Copy `count` bytes to `local` in bounded chunks; bytes read."""
        local.parent.mkdir(parents=True, exist_ok=True)
        got = 0
        with local.open("wb") as out:
            while got < count:
                chunk = stream.read(min(READ_CHUNK, count - got))
                if not chunk:
                    break
                got += len(chunk)
                if cut_to_line:  # the cap fell mid-line: begin on a line start
                    cut = chunk.find(b"\n")
                    chunk = b"" if cut < 0 else chunk[cut + 1 :]
                    cut_to_line = cut < 0
                out.write(chunk)
        return got

    # -- following -------------------------------------------------------------------------

    def follow_script(self) -> str:
        return _FOLLOW_LOOP

    def follow_header(self) -> bytes:
        """The paths the loop may read, sent on its stdin before the first request."""
        lines = [b"d %d %s\n" % (n, printf_escaped(os.fsencode(d))) for n, d in enumerate(self._folders)]
        lines += [b"f %d %s\n" % (n, printf_escaped(os.fsencode(f.remote))) for n, f in enumerate(self.files)]
        return b"".join(lines) + b"go\n"

    def follow_once(self) -> None:
        """Poll the node and stream appended bytes into the mirror until the connection
        ends (or a new log appears: then the caller lists the node again)."""
        if not self.files:
            return
        proc, err = self.ssh.popen(self.follow_script(), stdin=True)
        self._proc = proc
        assert proc.stdout is not None and proc.stdin is not None
        self._beat = time.monotonic()
        self._relist = False
        watchdog = threading.Thread(target=self._watch, args=(proc,), daemon=True)
        watchdog.start()
        failed = ""
        try:
            self._ask(proc.stdin, [self.follow_header()])
            self._poll_loop(proc.stdout, proc.stdin)
        except (FrameError, OSError, ValueError) as exc:
            failed = str(exc)  # reconnect: offsets only move after a frame is whole
        finally:
            proc.kill()
            code = proc.wait()
            if not self._stop.is_set() and not self._relist:
                state, reason = classify_failure(code, err.text())
                if state == "unreachable" and failed and code != 255:
                    reason = f"follow loop: {failed}"
                self._set(state, reason)

    def _ask(self, stdin: IO[bytes], lines: Sequence[bytes]) -> None:
        stdin.write(b"".join(lines))
        stdin.flush()
        self._waiting = True

    def _poll_loop(self, stream: IO[bytes], stdin: IO[bytes]) -> None:
        interval = POLL_FAST
        while not self._stop.is_set():
            self._ask(stdin, [b"l\n"])
            listing = self._read_listing(stream)
            requests = self._plan_reads(listing)
            if self._relist:
                return
            before = [f.offset for f in self.files]
            while requests and not self._stop.is_set():
                batch, requests = requests[:ROUND_REQUESTS], requests[ROUND_REQUESTS:]
                self._ask(
                    stdin, [b"r %d %d %d %s %s\n" % (n, o, k, i.encode(), name) for n, o, k, i, name in batch]
                )
                for n, o, k, _, _ in batch:
                    self._read_answer(stream, n, o, k)
            self._waiting = False
            if all(f.synced for f in self.files):
                self.synced.set()
            moved = before != [f.offset for f in self.files]
            if moved and not self.synced.is_set():
                continue  # backlogs still coming: the next round at once
            interval = POLL_FAST if moved else min(POLL_IDLE, interval * 1.5)
            self._stop.wait(interval)

    def _read_listing(self, stream: IO[bytes]) -> dict[bytes, list[Entry]]:
        if stream.readline() != b"L\n":
            raise FrameError("no listing")
        lines: list[bytes] = []
        while True:
            line = stream.readline()
            if not line:
                raise FrameError("the listing ended early")
            if line.startswith(b"T\t"):
                self._heartbeat(line[2:].strip())
                return parse_listing(lines, [os.fsencode(d) for d in self._folders])
            lines.append(line.rstrip(b"\n"))

    def _heartbeat(self, stamp: bytes) -> None:
        self._beat = time.monotonic()
        if not stamp.isdigit():
            return
        now = time.time()
        delay = now - int(stamp)
        self._best_delay = delay if self._best_delay is None else min(self._best_delay, delay)
        self.clock_offset = -self._best_delay
        late = delay - self._best_delay
        if late > SLOW_LAG + 1:
            self._set("slow", f"heartbeat {late:.0f} s late")
        else:
            self._set("live")

    def _plan_reads(self, listing: dict[bytes, list[Entry]]) -> list[Request]:
        """Compare the listing with the mirror: the reads to ask for, oldest files first."""
        for entry in listing.get(b"", []):
            self._problem(
                f"{shown(entry.text)}: a followed folder is now {_KIND.get(entry.kind, 'gone')}: not read"
            )
        requests: list[Request] = []
        by_folder: dict[bytes, dict[bytes, list[Entry]]] = {}
        for folder, entries in listing.items():
            names = by_folder.setdefault(folder, {})
            for entry in entries:
                key = entry.text if entry.kind != b"l" else entry.text.split(b" -> ")[0]
                names.setdefault(key, []).append(entry)
        for n, f in enumerate(self.files):
            matches = by_folder.get(f.folder, {}).get(ls_quoted(f.name), [])
            seen = self._entry_of(f, matches)
            if seen is None:
                if f.offset is None:
                    f.offset, f.target = 0, 0  # gone before it was read: nothing to wait for
                continue
            f.listed = (seen.inode, seen.size)
            if f.refused_at == f.listed:
                continue  # refused at this very state: asked again once it changes
            if f.offset is None:
                start = max(0, seen.size - self.backlog)
                f.offset, f.target, f.inode, f.skip_to_line = start, seen.size, seen.inode, start > 0
            elif seen.inode != f.inode or seen.size < f.offset:
                rest = self._rest_of_rotated(f, by_folder.get(f.folder, {}), seen)
                if rest is not None:
                    requests.append((n, *rest))
                    continue  # the new file waits until the old one's last bytes are here
                f.offset, f.inode, f.skip_to_line = 0, seen.inode, False  # rotated or truncated
            if seen.size > f.offset:
                requests.append((n, f.offset, min(seen.size - f.offset, READ_CHUNK), f.inode, b""))
        self._notice_new_logs(by_folder)
        total = 0
        kept: list[Request] = []
        for request in requests:
            if kept and (total + request[2] > ROUND_BYTES):
                break
            kept.append(request)
            total += request[2]
        return kept

    def _rest_of_rotated(
        self, f: MirrorFile, names: dict[bytes, list[Entry]], seen: Entry
    ) -> tuple[int, int, str, bytes] | None:
        """The read of what a rotated file got after our last read (found under its new
        name by its inode), or None when there is none to read; a rotation whose old file
        is gone from the folder is said, since its last lines may be missing."""
        assert f.offset is not None
        if seen.inode == f.inode or not f.inode:
            return None  # truncated in place (copytruncate): the bytes past the cut are gone
        for name, entries in names.items():
            old = entries[0]
            if len(entries) == 1 and old.kind == b"-" and old.inode == f.inode and b"?" not in name:
                if old.size <= f.offset:
                    return None
                return f.offset, min(old.size - f.offset, READ_CHUNK), f.inode, printf_escaped(name)
        self._problem(
            f"{f.remote}: rotated and the previous file is not in the folder any more "
            f"(compressed or removed): lines written after byte {f.offset} of it may be missing"
        )
        return None

    def _entry_of(self, f: MirrorFile, matches: list[Entry]) -> Entry | None:
        """The listing's entry for a followed file, when it may be read; why not, once."""
        why = ""
        if len(matches) > 1:
            why = "another file's name reads the same in a listing (control characters): not read"
        elif matches and matches[0].kind != b"-":
            why = f"now {_KIND.get(matches[0].kind, 'not a regular file')}: not read"
        if why != f.refused:
            f.refused = why
            if why:
                self._problem(f"{f.remote}: {why}")
        return matches[0] if matches and not why else None

    def _notice_new_logs(self, by_folder: dict[bytes, dict[bytes, list[Entry]]]) -> None:
        """A live log that appeared in a followed folder: list the node again to follow it."""
        known = {(f.folder, ls_quoted(f.name)) for f in self.files}
        for folder, names in by_folder.items():
            if not folder:
                continue
            for name, entries in names.items():
                if (folder, name) in known or (folder, name) in self._noticed:
                    continue
                if entries[0].kind != b"-" or b"?" in name:
                    continue
                text = os.fsdecode(name)
                relative = Path(os.fsdecode(folder)).relative_to(self._physical_root or self.node.log_root)
                if (
                    rotation_key(text) is None
                    and not text.endswith(".pid")
                    and classify(relative.parts, text)
                ):
                    self._noticed.add((folder, name))  # a name the listing then refuses is not chased
                    self._relist = True

    def _read_answer(self, stream: IO[bytes], n: int, offset: int, count: int) -> None:
        header = stream.readline()
        self._beat = time.monotonic()
        kind, *fields = header.rstrip(b"\n").split(b"\t")
        f = self.files[n]
        if kind == b"X" and fields and fields[0] == b"%d" % n:
            why = {
                b"notfile": "not a regular file when read",
                b"changed": "another file when opened (swapped after the listing)",
                b"open": "cannot be opened",
            }
            reason = why.get(fields[-1], "")
            if reason and f.refused_at != f.listed:  # "shrank": a rotation the next listing shows
                f.refused_at = f.listed
                self._problem(f"{f.remote}: {reason}: not read")
            return
        if (
            kind != b"D"
            or len(fields) != 3
            or fields[:2] != [b"%d" % n, b"%d" % offset]
            or not fields[2].isdigit()
        ):
            raise FrameError(f"unexpected answer {header[:80]!r}")
        promised = int(fields[2])
        data = stream.read(promised)
        trailer = stream.readline()
        if len(data) != promised or not trailer.startswith(b"E\t%d\t" % n):
            raise FrameError("a read ended early")
        size_after = trailer.rstrip(b"\n").split(b"\t")[2]
        if not size_after.isdigit() or int(size_after) < offset + promised:
            return  # truncated while read: padded bytes; the next listing starts it again
        self._write(f, data)

    def _write(self, f: MirrorFile, data: bytes) -> None:
        assert f.offset is not None
        f.offset += len(data)
        if f.skip_to_line:
            cut = data.find(b"\n")
            data = b"" if cut < 0 else data[cut + 1 :]
            if cut >= 0:
                f.skip_to_line = False
                # The head lands beside the live file as member `.0` of its rotation
                # group: newer than `.1`, older than the live file.
                self.older.setdefault(f.remote, []).insert(
                    0, OlderPart(f.remote, f.local.with_name(f.local.name + ".0"), f.offset - len(data))
                )
        if data:
            with f.local.open("ab") as out:  # opened per write: 500 files hold no descriptors
                out.write(data)

    def _watch(self, proc: subprocess.Popen[bytes]) -> None:
        """Slow when answers stop while the connection holds; a loop silent for
        STALL_LIMIT is ended (ssh's keepalive ends a dead link after ~10 s)."""
        while proc.poll() is None and not self._stop.is_set():
            silent = time.monotonic() - self._beat
            if self._waiting and silent > SLOW_LAG + 1 and self.node.state == "live":
                self._set("slow", f"no answer for {silent:.0f} s")
            if self._waiting and silent > STALL_LIMIT:
                self._problem(f"the follow loop did not answer for {silent:.0f} s: reconnecting")
                proc.kill()
            self._stop.wait(0.5)

    def progress(self) -> tuple[int, int]:
        """(files whose backlog is here, files)."""
        return sum(f.synced for f in self.files), len(self.files)

    def run(self, backoff: Sequence[float] = RECONNECT_WAITS) -> None:
        """Sync, follow, and reconnect with backoff until `stop()`."""
        waits = Backoff(self._stop, backoff)
        while not self._stop.is_set():
            if (not self.files or self._relist) and self.sync() and not self.files:
                self.synced.set()
                # Nothing to follow yet (a node whose services log to the journal): look again later.
                self._stop.wait(RELIST_INTERVAL)
                continue
            if self.node.state == "refused":
                return
            if self.files and not self._stop.is_set():
                started = time.monotonic()
                self.follow_once()
                if self._relist:
                    continue
                waits.held_since(started)
            if self._stop.is_set():
                break
            waits.wait()

    def stop(self) -> None:
        self._stop.set()
        self.ssh.end_all()
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


def _framed_entries(data: bytes) -> Iterator[tuple[str, bytes]]:
    """The sync listing's `<type>\\t<length>\\n<path>` frames."""
    at = 0
    while at < len(data):
        newline = data.find(b"\n", at)
        if newline < 0:
            return
        kind, _, length = data[at:newline].partition(b"\t")
        if not length.isdigit():
            return
        end = newline + 1 + int(length)
        yield kind.decode(errors="replace"), data[newline + 1 : end]
        at = end


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
    each in a thread. Returns when every node's backlog is here or it failed, or after
    `wait` seconds."""
    mirrors = [Mirror(node, cache, backlog, on_change) for node in nodes]
    for m in mirrors:
        m.thread = threading.Thread(target=m.run, name=f"ostui-node-{m.node.name}", daemon=True)
        m.thread.start()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not all(m.synced.is_set() or failed(m) for m in mirrors):
        time.sleep(0.05)
    return mirrors


def failed(mirror: Mirror) -> bool:
    """A node that cannot be read now (it may come back: the mirror keeps trying)."""
    return mirror.node.state in ("unreachable", "auth-refused", "refused")


def wait_synced(
    mirrors: Sequence[Mirror], stall: float = 30.0, progress: Callable[[str], None] | None = None
) -> list[Mirror]:
    """Wait until every node's backlog is here, as long as some node makes progress
    (`stall` seconds without a byte gives up); the nodes left incomplete."""

    def position() -> tuple[int, ...]:
        return tuple(sum(f.offset or 0 for f in m.files) for m in mirrors)

    last, moved, said = position(), time.monotonic(), 0.0
    while True:
        waiting = [m for m in mirrors if not m.synced.is_set() and not failed(m)]
        if not waiting:
            break
        now = time.monotonic()
        if position() != last:
            last, moved = position(), now
        if now - moved > stall:
            break
        if progress is not None and now - said >= 1.0:
            said = now
            progress(
                "syncing nodes: "
                + ", ".join(f"{m.node.name} {m.progress()[0]}/{m.progress()[1]} files" for m in waiting)
            )
        time.sleep(0.1)
    return [m for m in mirrors if not m.synced.is_set()]


def settle(
    mirrors: Sequence[Mirror], named: set[str], progress: Callable[[str], None] | None = None
) -> tuple[list[str], list[str]]:
    """For a command that answers once: wait for every node's backlog (`wait_synced`),
    then (what to tell the user about the nodes, the `named` nodes left incomplete).
    Nodes only hinted by the logs may be missing; named ones may not."""
    incomplete = wait_synced(mirrors, progress=progress)
    lines = []
    for m in mirrors:
        problems = list(m.node.problems)
        lines += [f"node {m.node.name}: {p}" for p in problems[:PROBLEMS_SHOWN]]
        if len(problems) > PROBLEMS_SHOWN:
            lines.append(f"node {m.node.name}: {len(problems) - PROBLEMS_SHOWN} more problems")
    for m in incomplete:
        done, total = m.progress()
        if failed(m):
            lines.append(f"node {m.node.name} is {m.node.state}: {m.node.reason}")
        else:
            lines.append(f"node {m.node.name} is incomplete: {done} of {total} files synced")
    unsynced = sorted(m.node.name for m in incomplete if m.node.name in named)
    if unsynced:
        lines.append(f"stopping: nodes not synced: {', '.join(unsynced)}")
    return lines, unsynced
