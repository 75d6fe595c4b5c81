"""The systemd journal as a log source, locally, over ssh, or from a journal-remote store.

The engine indexes text files, so the journal is converted rather than read in place:
`journalctl -o json` entries become lines of journalctl's own short-iso text,

    2016-06-10T21:49:30.191000+0800 controller nova-api[7533]: ERROR nova.api.openstack [req-X ...] msg
     Traceback (most recent call last):

appended to one mirror file per unit under `<root>/var/log/<component>/...` (one folder
per host with `split_hosts`), where discovery, indexing, merging, request search and
following work unchanged once the files are read as format `journald`
(`use_journal_format`). Continuation lines are indented, so a multi-line message never
looks like a record start.

The same code reads a node over ssh: every command goes through `argv_for(script)`,
`["sh", "-c", script]` here or `remote.Ssh(...).argv` for a node. Nothing is written on
the node. Following resumes after the last `__CURSOR` written, so a reconnect neither
loses nor repeats entries.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, Any

from ..indexing.logset import LogFile
from ..parsing.formats.base import strip_ansi
from ..parsing.formats.oslo import NOT_A_CONTEXT
from ..reading.discovery import SERVICES, classify
from .backoff import RECONNECT_WAITS, Backoff
from .remote import classify_failure

ArgvFor = Callable[[str], list[str]]

# Where an entry names its unit: its own, or the unit systemd (PID 1) or a coredump speaks of.
_UNIT_FIELDS = ("_SYSTEMD_UNIT", "UNIT", "OBJECT_SYSTEMD_UNIT", "COREDUMP_UNIT")
DEFAULT_BACKLOG_ENTRIES = 10_000  # per selection: the last minutes of a busy controller
MAX_OPEN_FILES = 64  # mirror files kept open at once (hosts x units can be hundreds)


# The engine's format for the mirror files. Its sniffer alone reads them as `syslog`
# (same stamps, higher weight), which makes every indented line a record of its own;
# `use_journal_format` sets it on the files of a mirror.
MIRROR_FORMAT = "journald"


def use_journal_format(files: Iterable[LogFile], roots: Iterable[Path]) -> None:
    """Read the files found under mirror `roots` as `journald` (before they are opened)."""
    bases = [Path(root).absolute() for root in roots]
    for lf in files:
        path = Path(lf.path).absolute()
        if any(path.is_relative_to(base) for base in bases):
            lf.format_name = MIRROR_FORMAT


def local_argv(script: str) -> list[str]:
    """`argv_for` for this host."""
    return ["sh", "-c", script]


# -- one entry -> one record -------------------------------------------------------------

_OSLO_LEVELS = frozenset({"TRACE", "DEBUG", "INFO", "AUDIT", "WARNING", "ERROR", "CRITICAL"})
_LEVEL_ALIASES = {"WARN": "WARNING", "FATAL": "CRITICAL", "EXCEPTION": "ERROR"}
# syslog PRIORITY 0-7 (emerg..debug) as oslo levels, the inverse of oslo's handler's map
# (CRITICAL 2, ERROR 3, WARNING 4, INFO 6, DEBUG 7).
_PRIORITY_LEVELS = ("CRITICAL", "CRITICAL", "CRITICAL", "ERROR", "WARNING", "INFO", "INFO", "DEBUG")
_OSLO_STAMP_S = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)?"
# A message oslo already formatted: its own stamp and pid (default format strings) or not
# (devstack), then `LEVEL logger [` and a context (NOT_A_CONTEXT: what the exception prefix puts there).
_OSLO_MESSAGE = re.compile(
    r"(?:" + _OSLO_STAMP_S + r" (?:\d+ )?)?(?P<level>" + "|".join(sorted(_OSLO_LEVELS)) + r") "
    r"(?P<logger>\S+) \[" + NOT_A_CONTEXT
)
# oslo's logging_exception_prefix on each traceback line (`TRACE` before Liberty).
_EXC_PREFIX = re.compile(
    r"(?:" + _OSLO_STAMP_S + r" (?:\d+ )?)?(?:ERROR|TRACE) (?P<logger>\S+) (?:\[instance: [^\]]*\] ?)?"
)
# What may not appear in the prefix's host and identifier: the journald header splits there.
_HOST_BAD = re.compile(r"[\s\x00-\x1f\x7f]")
_TAG_BAD = re.compile(r"[\s\x00-\x1f\x7f\[\]:]")
_ID_BAD = re.compile(r"[\s\x00-\x1f\x7f\]]")
_INDENT = " "  # the least that makes a line a continuation


def _text(value: Any) -> str | None:
    """A journal JSON value as text: strings as they are, byte arrays decoded, null None.

    A field given several times in one entry is a list of values: the first is used.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if not value:
            return ""
        if all(isinstance(b, int) and not isinstance(b, bool) for b in value):
            return bytes(b & 0xFF for b in value).decode("utf-8", "replace")
        return _text(value[0])
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return None


def _field(entry: dict[str, Any], *names: str) -> str | None:
    """The first of `names` present with a non-empty value."""
    for name in names:
        value = _text(entry.get(name))
        if value:
            return value
    return None


def _stamp(entry: dict[str, Any]) -> str:
    """`YYYY-MM-DDTHH:MM:SS.ffffff+HHMM` in this host's zone, from the entry's µs stamp."""
    for name in ("__REALTIME_TIMESTAMP", "_SOURCE_REALTIME_TIMESTAMP"):
        raw = _text(entry.get(name))
        if raw and raw.isascii() and raw.isdigit() and len(raw) <= 18:
            stamp = _format_stamp(int(raw))
            if stamp is not None:
                return stamp
    # Never met in journalctl's output; epoch 0 keeps the line a record.
    return _format_stamp(0) or "1970-01-01T00:00:00.000000+0000"


def _format_stamp(micros: int) -> str | None:
    seconds, micro = divmod(micros, 1_000_000)
    parts = _local_second(seconds, time.tzname)
    return None if parts is None else f"{parts[0]}.{micro:06d}{parts[1]}"


@lru_cache(maxsize=1024)
def _local_second(seconds: int, zone: tuple[str, str]) -> tuple[str, str] | None:
    """(`YYYY-MM-DDTHH:MM:SS`, `+HHMM`) of one second here; entries come many a second,
    and the zone is in the key so that a changed TZ is not answered from the cache."""
    try:
        t = time.localtime(seconds)
    except (OverflowError, OSError, ValueError):
        return None
    if not 1000 <= t.tm_year <= 9999:  # the header wants four digits
        return None
    offset = t.tm_gmtoff or 0
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}",
        f"{sign}{hours:02d}{minutes:02d}",
    )


def _oslo_stamp(entry: dict[str, Any]) -> str:
    """oslo's own `%(asctime)s.%(msecs)03d`, for a line made from the journal's fields."""
    iso = _stamp(entry)
    return f"{iso[:10]} {iso[11:23]}"


def _level(entry: dict[str, Any]) -> str:
    name = (_text(entry.get("LOGGER_LEVEL")) or "").strip().upper()
    name = _LEVEL_ALIASES.get(name, name)
    if name in _OSLO_LEVELS:
        return name
    priority = (_text(entry.get("PRIORITY")) or "").strip()
    if priority.isascii() and priority.isdigit() and int(priority) < len(_PRIORITY_LEVELS):
        return _PRIORITY_LEVELS[int(priority)]
    return "INFO"


def _token(value: str | None) -> str:
    """One word of an oslo context bracket; `-` for nothing, as oslo writes it."""
    if not value:
        return "-"
    return _ID_BAD.sub("_", value)


def _synthesize(entry: dict[str, Any], message: str, identifier: str, pid: str | None) -> tuple[str, str]:
    """An oslo line from the handler's fields: `<stamp> <pid> LEVEL logger [ctx] message`.

    oslo's own stamp and pid are written because the journald format reads a bracket
    without them in devstack's `[global request project user]` order; with them, in
    oslo's `[request user project ...]` order, which is the one written here.
    """
    level = _level(entry)
    logger = _TAG_BAD.sub("_", _field(entry, "LOGGER_NAME") or identifier)
    request = _field(entry, "REQUEST_ID")
    if request:
        ids = [_token(_field(entry, "GLOBAL_REQUEST_ID"))] if _field(entry, "GLOBAL_REQUEST_ID") else []
        ids += [
            _token(request),
            _token(_field(entry, "USER_ID", "USER_NAME")),
            _token(_field(entry, "PROJECT_ID", "PROJECT_NAME")),
            "-",
            "-",
            "-",
        ]
        context = " ".join(ids)
    else:
        context = "-"
    head = _oslo_stamp(entry) + (f" {pid}" if pid else "")
    line = f"{head} {level} {logger} [{context}] {message}"
    if level == "DEBUG":
        # oslo's logging_debug_format_suffix, so the code location is a field as in its files.
        func, path, lineno = (_field(entry, n) for n in ("CODE_FUNC", "CODE_FILE", "CODE_LINE"))
        if func and path and lineno and lineno.isdigit():
            line += f" {_TAG_BAD.sub('_', func)} {_HOST_BAD.sub('_', path)}:{lineno}"
    return line, logger


def _exception_text(entry: dict[str, Any], message: str) -> str | None:
    """The handler's traceback text when the message does not already carry it."""
    text = _field(entry, "EXCEPTION_INFO", "EXCEPTION_TEXT")
    if not text or not text.strip():
        return None
    text = text.replace("\x00", "").replace("\r", "")
    if text.strip() in message:
        return None
    last = text.strip().rsplit("\n", 1)[-1].strip()
    if "Traceback (most recent call last)" in message and last and last in message:
        return None
    return text


def _strip_exc_prefix(line: str, logger: str) -> str:
    plain = strip_ansi(line)
    m = _EXC_PREFIX.match(plain)
    return plain[m.end() :] if m is not None and m.group("logger") == logger else line


def entry_to_text(entry: dict[str, Any]) -> bytes:
    """One `journalctl -o json` entry as one record of journalctl's short-iso text.

    `<local ISO stamp> <host> <identifier>[<pid>]: <message>`, the message's further
    lines indented by one space. Never raises: whatever the entry holds, the result is
    UTF-8 ending in a newline, and only its first line can start a record.
    """
    host = _HOST_BAD.sub("_", _field(entry, "_HOSTNAME") or "") or "-"
    unit = _field(entry, "_SYSTEMD_UNIT", "UNIT")
    identifier = _field(entry, "SYSLOG_IDENTIFIER", "_COMM") or (unit or "").removesuffix(".service")
    identifier = _TAG_BAD.sub("_", identifier) or "-"
    pid = (_field(entry, "_PID", "SYSLOG_PID") or "").strip()
    pid_ok = pid.isascii() and pid.isdigit()

    message = _text(entry.get("MESSAGE"))
    if message is None:
        # journalctl writes null for a field it would not print (too large without --all).
        message = "[message not shown by journalctl]" if "MESSAGE" in entry else ""
    message = message.replace("\x00", "").replace("\r", "")
    lines = message.split("\n")
    # Blank lines around a message carry nothing, and a blank first line would make
    # the whole entry a continuation of the record before it.
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    first = lines[0] if lines else ""

    logger: str | None = None
    oslo = _OSLO_MESSAGE.match(strip_ansi(first))
    if oslo is not None:
        logger = oslo.group("logger")
    elif "LOGGER_NAME" in entry or "REQUEST_ID" in entry:
        first, logger = _synthesize(entry, first, identifier, pid if pid_ok else None)
    body = lines[1:]
    exc = _exception_text(entry, message)
    if exc is not None:
        body += exc.strip("\n").split("\n")

    if logger is not None:
        # Traceback lines repeat oslo's exception prefix; the engine strips it from
        # unindented lines only, so it goes here.
        body = [_strip_exc_prefix(line, logger) for line in body]
    while body and not body[-1].strip():
        body.pop()
    out = [f"{_stamp(entry)} {host} {identifier}{f'[{pid}]' if pid_ok else ''}: {first}"]
    out += [_INDENT + line for line in body]
    return ("\n".join(out) + "\n").encode("utf-8", "replace")


# -- units -> files the discovery maps ---------------------------------------------------

# Infrastructure the seed table covers, by the component discovery gives its files.
_INFRA = frozenset({"openvswitch", "ovn", "libvirt", "rabbitmq", "mariadb", "apache"})
_APACHE_UNITS = frozenset({"httpd", "apache2"})
_UNIT_SUFFIX = ".service"


def _unit_component(unit: str) -> tuple[str | None, str]:
    """(component, file stem) of a unit: the stem is the unit's name without
    `.service`, `openstack-` (RDO) or `devstack@` (devstack)."""
    name = unit.removesuffix(_UNIT_SUFFIX)
    stem = re.sub(r"[/\x00]", "_", name)
    if stem.startswith("."):
        stem = "_" + stem[1:]
    stem = stem or "_"
    if name.startswith("devstack@"):
        short = stem[len("devstack@") :] or "_"
        return classify((), f"devstack@{short}.service.log"), short
    if name.startswith("openstack-"):
        stem = stem[len("openstack-") :] or "_"
    first = re.split(r"[-_.@]", stem, maxsplit=1)[0].lower()
    if first in _APACHE_UNITS:
        return "apache", stem
    if re.fullmatch(r"virt[a-z]*d", first):  # modular libvirt: virtqemud, virtlogd...
        return "libvirt", stem
    return classify((), f"{stem}.log"), stem


def is_openstack_unit(unit: str) -> bool:
    """An OpenStack service or the infrastructure under it (libvirt, Open vSwitch, OVN,
    RabbitMQ, MariaDB, the Apache that runs keystone and horizon)."""
    component, _ = _unit_component(unit)
    return component is not None and (component in SERVICES or component in _INFRA)


def unit_log_path(unit: str) -> PurePosixPath:
    """Where a unit's mirror goes below var/log, so that `discovery.classify` maps it to
    the unit's component: `nova-api.service` -> `nova/nova-api.log`,
    `openstack-nova-compute.service` -> `nova/nova-compute.log`,
    `devstack@n-cpu.service` -> `nova/n-cpu.log`, `httpd.service` -> `httpd/httpd.log`."""
    component, stem = _unit_component(unit)
    if component == "apache":
        first = re.split(r"[-_.@]", stem, maxsplit=1)[0].lower()
        folder = first if first in _APACHE_UNITS else "httpd"
        return PurePosixPath(folder, f"{stem}.log")
    if component is not None and (component in SERVICES or component in _INFRA):
        return PurePosixPath(component, f"{stem}.log")
    if unit.startswith("devstack@"):
        # Outside a service folder the devstack name is what discovery reads.
        return PurePosixPath(f"devstack@{stem}.service.log")
    return PurePosixPath(f"{stem}.log")


# -- which journal -----------------------------------------------------------------------


@dataclass(frozen=True)
class JournalSelector:
    """Which journal journalctl reads: the system's (default), a folder of journal files
    (`--directory`, e.g. a journal-remote store), or given files (`--file`, globs allowed:
    journalctl expands them)."""

    directory: str | None = None
    files: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.directory is not None and self.files:
            raise ValueError("a journal selection is a directory or files, not both")

    @property
    def is_system(self) -> bool:
        return self.directory is None and not self.files

    def options(self) -> str:
        """journalctl's options for this selection, quoted for a POSIX shell."""
        if self.directory is not None:
            return f"--directory={shlex.quote(self.directory)}"
        return " ".join(f"--file={shlex.quote(f)}" for f in self.files)


def _journalctl(selector: JournalSelector, *args: str) -> str:
    return " ".join(part for part in ("journalctl", selector.options(), *args) if part)


def list_units(argv_for: ArgvFor, selector: JournalSelector, timeout: float = 30.0) -> list[str]:
    """The OpenStack units that have entries in the selected journal.

    Raises OSError with journalctl's (or ssh's) words when the journal cannot be read.
    """
    done = subprocess.run(
        argv_for(_journalctl(selector, "--field=_SYSTEMD_UNIT")),
        capture_output=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip()
        raise OSError(err.splitlines()[-1] if err else f"journalctl exited with {done.returncode}")
    units = {line.strip() for line in done.stdout.decode(errors="replace").splitlines()}
    found = sorted(u for u in units if u and is_openstack_unit(u))
    err = done.stderr.decode(errors="replace")
    if not found and "not seeing messages from other users" in err:
        # A user outside the journal's groups sees only their own entries: say so.
        raise PermissionError(" ".join(err.split()))
    return found


# -- a journal-remote store --------------------------------------------------------------

_STORE_FILE = re.compile(r"remote-(?P<host>[^@]+?)(?:@.*)?\.journal~?")


def journal_store_hosts(directory: Path) -> dict[str, list[Path]]:
    """The hosts of a systemd-journal-remote folder (`--split-mode=host`) and their files,
    live `remote-<host>.journal` and archived `remote-<host>@<...>.journal`, by name.

    Files not named so (`remote.journal` of `--split-mode=none`) belong to no one host.
    """
    hosts: dict[str, list[Path]] = {}
    try:
        paths = sorted(directory.iterdir())
    except OSError:
        return hosts
    for path in paths:
        m = _STORE_FILE.fullmatch(path.name)
        if m is not None and path.is_file():
            hosts.setdefault(m.group("host"), []).append(path)
    return dict(sorted(hosts.items()))


# -- the mirror --------------------------------------------------------------------------


def _safe_dir(name: str) -> str:
    """A host name as one folder name."""
    name = re.sub(r"[/\x00-\x1f\x7f]", "_", name).strip()
    return "unknown-host" if name in ("", ".", "..") else name


def _end(proc: subprocess.Popen[bytes]) -> None:
    """Kill a process started by `_spawn` and whatever it started, if still running."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()


class _Stderr:
    """Drains a process's stderr in a thread (a full pipe would stall journalctl),
    keeping only its last lines."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self.lines: deque[str] = deque(maxlen=20)
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        for raw in stream:
            text = raw.decode(errors="replace").strip()
            if text:
                self.lines.append(text)

    def text(self, wait: float = 2.0) -> str:
        self._thread.join(wait)
        return "\n".join(self.lines)


@dataclass(eq=False)
class JournalMirror:
    """One journal selection mirrored as text files under `root` and followed.

    Files: `<root>/var/log/<unit_log_path(unit)>`, or `<root>/<_HOSTNAME>/var/log/...`
    with `split_hosts` (a journal-remote store: one node folder per sending host).
    `units` None: the selection's OpenStack units, listed at sync. `cursor`: the last
    entry written; a mirror made with the cursor of an earlier one appends after it.
    """

    selector: JournalSelector
    root: Path
    argv_for: ArgvFor = local_argv
    units: tuple[str, ...] | None = None
    split_hosts: bool = False
    on_change: Callable[[JournalMirror], None] | None = None
    cursor: str | None = None
    state: str = "new"  # as remote.STATES: connecting, live, unreachable, auth-refused
    reason: str = ""
    written: int = 0  # entries written
    skipped: int = 0  # output lines that were no JSON object
    unrouted: int = 0  # entries naming none of the units
    _proc: subprocess.Popen[bytes] | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _handles: OrderedDict[Path, IO[bytes]] = field(default_factory=OrderedDict)
    _paths: dict[tuple[str, str | None], Path] = field(default_factory=dict)
    _truncate: set[Path] | None = None  # during sync: files not yet started afresh
    _caught_up: bool = False  # the cursor is where sync left it: no catch-up needed

    # -- state ---------------------------------------------------------------------------
    def _set(self, state: str, reason: str = "") -> None:
        if (self.state, self.reason) != (state, reason):
            self.state, self.reason = state, reason
            if self.on_change is not None:
                self.on_change(self)

    def _fail(self, code: int, stderr: str) -> None:
        if code == 255:  # ssh's own failure: refused or unreachable, in its words
            self._set(*classify_failure(code, stderr))
        else:
            lines = stderr.strip().splitlines()
            self._set("unreachable", lines[-1] if lines else f"journalctl exited with {code}")

    # -- files ---------------------------------------------------------------------------
    def path_for(self, unit: str, host: str | None = None) -> Path:
        key = (unit, host if self.split_hosts else None)
        path = self._paths.get(key)
        if path is None:
            base = self.root / _safe_dir(host or "") if self.split_hosts else self.root
            path = self._paths[key] = base / "var" / "log" / unit_log_path(unit)
        return path

    def _handle(self, path: Path) -> IO[bytes]:
        handle = self._handles.get(path)
        if handle is not None:
            self._handles.move_to_end(path)
            return handle
        mode = "ab"
        if self._truncate is not None and path not in self._truncate:
            self._truncate.add(path)
            mode = "wb"  # a new backlog replaces what an earlier run left
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._handles[path] = open(path, mode)  # noqa: SIM115 - kept open across entries
        if len(self._handles) > MAX_OPEN_FILES:
            _, oldest = self._handles.popitem(last=False)
            oldest.close()
        return handle

    def _close_files(self) -> None:
        while self._handles:
            _, handle = self._handles.popitem()
            handle.close()

    def _route(self, entry: dict[str, Any]) -> str | None:
        """The unit an entry belongs to: its own, or the one systemd's message is about."""
        wanted = self.units or ()
        for key in _UNIT_FIELDS:
            name = _text(entry.get(key))
            if name and name in wanted:
                return name
        return None

    def _write_entry(self, entry: dict[str, Any], flush: bool) -> bool:
        unit = self._route(entry)
        if unit is None:
            self.unrouted += 1
            return False
        host = _text(entry.get("_HOSTNAME")) if self.split_hosts else None
        handle = self._handle(self.path_for(unit, host))
        handle.write(entry_to_text(entry))
        if flush:
            handle.flush()
        self.written += 1
        cursor = _text(entry.get("__CURSOR"))
        if cursor:
            self.cursor = cursor
        return True

    def _consume(self, lines: Iterable[bytes], flush: bool) -> Iterator[None]:
        """Write each JSON line of journalctl's output; yields after each line."""
        for line in lines:
            if line.strip():
                try:
                    entry = json.loads(line)
                except ValueError:
                    entry = None
                if isinstance(entry, dict):
                    self._write_entry(entry, flush)
                else:
                    self.skipped += 1
            yield None

    def _script(self, *args: str) -> str:
        assert self.units is not None
        units = " ".join(f"--unit={shlex.quote(u)}" for u in self.units)
        # --all: fields over 4 KiB (a traceback) would be null; --merge: with files or a
        # folder, `-f` would otherwise keep only the newest boot of one host (systemd 250+).
        merge = "" if self.selector.is_system else "--merge"
        return _journalctl(self.selector, merge, "--output=json", "--all", "--no-pager", *args, units)

    def _spawn(self, script: str) -> subprocess.Popen[bytes]:
        # exec: the shell becomes journalctl, so ending the process ends journalctl (the
        # node's too: its ssh channel closes); a session of its own, so nothing outlives it here.
        proc = self._proc = subprocess.Popen(
            self.argv_for("exec " + script),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        if self._stop.is_set():
            # stop() came while this one was starting and ended the one before it: a
            # `journalctl -f` left running would keep `run` from ever returning.
            _end(proc)
        return proc

    def _run(self, script: str, flush: bool) -> tuple[int, str]:
        """Run one journalctl that ends by itself, writing its entries."""
        proc = self._spawn(script)
        err = _Stderr(proc.stderr)
        assert proc.stdout is not None
        try:
            for _ in self._consume(proc.stdout, flush):
                if self._stop.is_set():
                    break
        finally:
            for handle in self._handles.values():
                handle.flush()
            if self._stop.is_set():
                _end(proc)
            code = proc.wait()
        return code, err.text()

    # -- the three steps -----------------------------------------------------------------
    def _list_units(self) -> bool:
        try:
            self.units = tuple(list_units(self.argv_for, self.selector))
        except (OSError, subprocess.TimeoutExpired) as exc:
            self._set("unreachable", str(exc))
            return False
        return True

    def sync(self, backlog_entries: int = DEFAULT_BACKLOG_ENTRIES) -> bool:
        """Write the selection's last `backlog_entries` (at least 1: following starts after
        it) entries afresh; False when the journal could not be read."""
        self._set("connecting")
        if self.units is None and not self._list_units():
            return False
        if not self.units:
            self._set("live", "no OpenStack unit in this journal yet")
            return True
        self._truncate = set()
        try:
            code, err = self._run(self._script(f"--lines={max(1, int(backlog_entries))}"), flush=False)
        finally:
            self._truncate = None
            self._close_files()
        if self._stop.is_set():
            return False
        if code != 0:
            self._fail(code, err)
            return False
        self._caught_up = True
        self._set("live")
        return True

    def follow_once(self) -> None:
        """Append entries as they arrive until journalctl or the connection ends."""
        if not self.units:
            return
        after = f"--after-cursor={shlex.quote(self.cursor)}" if self.cursor else ""
        if self.cursor and not self._caught_up:
            # The system journal's `-f` keeps to the current boot: what a node wrote
            # before it rebooted is read first, without -f.
            code, err = self._run(self._script("--no-tail", after), flush=True)
            self._close_files()
            if code != 0:
                if not self._stop.is_set():
                    self._fail(code, err)
                return
            self._set("live")
            after = f"--after-cursor={shlex.quote(self.cursor)}" if self.cursor else ""
        self._caught_up = False
        # --no-tail: with -f journalctl would show only 10 of the entries after the cursor.
        proc = self._spawn(self._script("--follow", "--no-tail", after))
        err_reader = _Stderr(proc.stderr)
        assert proc.stdout is not None

        def held() -> None:  # live once the command has held a moment (a failing one ends at once)
            if proc.poll() is None:
                self._set("live")

        timer = threading.Timer(0.5, held)
        timer.start()
        try:
            for _ in self._consume(proc.stdout, flush=True):
                if self.state != "live":
                    self._set("live")
                if self._stop.is_set():
                    break
        finally:
            timer.cancel()
            self._close_files()
            _end(proc)
            code = proc.wait()
            if not self._stop.is_set():
                self._fail(code, err_reader.text())

    def run(
        self, backlog_entries: int = DEFAULT_BACKLOG_ENTRIES, backoff: Sequence[float] = RECONNECT_WAITS
    ) -> None:
        """Sync (unless resuming from a cursor), follow, reconnect with backoff until `stop()`."""
        waits = Backoff(self._stop, backoff)
        synced = self.cursor is not None
        while not self._stop.is_set():
            if not synced:
                synced = self.sync(backlog_entries)
            elif not self.units:
                self._list_units()
            if synced and self.units and not self._stop.is_set():
                started = time.monotonic()
                self.follow_once()
                waits.held_since(started)
            elif synced and self.units is not None and not self.units:
                self.units = None  # none yet: list them again after the wait
            if self._stop.is_set():
                break
            waits.wait()

    def stop(self) -> None:
        self._stop.set()
        proc = self._proc
        if proc is not None:
            _end(proc)
