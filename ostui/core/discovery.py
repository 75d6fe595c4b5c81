"""Find OpenStack logs on disk: which node, which component, which rotated group.

Three shapes of input are understood (see `discover`): a collection of node folders
(`<node>/var/log/...`, sosreports), one node's root (`<root>/var/log/...`), or a plain folder of
logs (devstack gate output). Under a log root the RDO/Ubuntu, Kolla (`kolla/<svc>`), TripleO
(`containers/<svc>`, `containers/httpd/<svc>`) and devstack file layouts are mapped to components.

Nothing here raises on unreadable files, permission errors or symlink loops: they are reported
in `LogTree.skipped` so the UI can say why a log is missing, as are log-named FIFOs, sockets,
devices and dangling links (never opened) and symlinks that leave the log folder (not followed).
"""

from __future__ import annotations

import errno
import os
import re
import socket
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .rotation import base_name, group_rotated
from .source import file_kind

# The seed table's order (the order an operator walks a request), then the rest alphabetically.
COMPONENT_ORDER: tuple[str, ...] = (
    "keystone",
    "nova",
    "qemu",
    "libvirt",
    "glance",
    "cinder",
    "neutron",
    "openvswitch",
    "ovn",
    "swift",
    "horizon",
    "mariadb",
    "rabbitmq",
)

SERVICES: frozenset[str] = frozenset(
    {
        "nova",
        "neutron",
        "glance",
        "cinder",
        "keystone",
        "swift",
        "heat",
        "horizon",
        "placement",
        "octavia",
        "ironic",
        "manila",
        "designate",
        "barbican",
        "aodh",
        "ceilometer",
        "gnocchi",
        "masakari",
    }
)

# Folder name (under var/log, kolla/ or containers/) -> component.
_DIR_COMPONENTS: dict[str, str] = {
    **{name: name for name in SERVICES},
    "openvswitch": "openvswitch",
    "ovn": "ovn",
    "rabbitmq": "rabbitmq",
    "mariadb": "mariadb",
    "mysql": "mariadb",
    "libvirt": "libvirt",
    "qemu": "qemu",
    "haproxy": "haproxy",
}
_APACHE_DIRS = frozenset({"httpd", "apache2"})
# Folders that only hold per-service folders (Kolla, TripleO).
_WRAPPER_DIRS = frozenset({"kolla", "containers"})

# First word of a file name -> component, for files outside a service folder.
_NAME_COMPONENTS: dict[str, str] = {
    **{name: name for name in SERVICES},
    "ovs": "openvswitch",
    "ovsdb": "openvswitch",
    "openvswitch": "openvswitch",
    "ovn": "ovn",
    "libvirtd": "libvirt",
    "libvirt": "libvirt",
    "qemu": "qemu",
    "instance": "qemu",  # libvirt's instance-0000000a.log
    "rabbit": "rabbitmq",
    "rabbitmq": "rabbitmq",
    "mysqld": "mariadb",
    "mysql": "mariadb",
    "mariadb": "mariadb",
    "haproxy": "haproxy",
    "syslog": "syslog",
    "messages": "syslog",
}
_WORD_SPLIT = re.compile(r"[-_.@]")

# devstack: screen-n-api.txt(.gz), screen-n-api.log, devstack@n-api.service.log.txt (a journal
# export), and bare n-api.log; the short names' first letters name the project.
_DEVSTACK_FILE = re.compile(
    r"^(?:screen-(?P<screen>.+?)\.(?:txt|log)|devstack@(?P<unit>.+?)\.service(?:\..*)?)$"
)
_DEVSTACK_SHORT_FILE = re.compile(r"^(?P<short>[a-z]{1,2}-[a-z0-9_-]+)\.(?:log|txt)$")
_DEVSTACK_PREFIXES: dict[str, str] = {
    "n": "nova",
    "q": "neutron",
    "c": "cinder",
    "g": "glance",
    "s": "swift",
    "h": "heat",
    "o": "octavia",
    "m": "manila",
    "ir": "ironic",
}
_DEVSTACK_STARTS: tuple[tuple[str, str], ...] = (
    ("key", "keystone"),
    ("placement", "placement"),
    ("rabbit", "rabbitmq"),
    ("mysql", "mariadb"),
)
_DEVSTACK_OWN_LOGS = frozenset({"stack.sh.log", "devstacklog.txt", "devstack.log"})

# Files next to logs that are not logs; skipped without a word.
_NOT_LOG_SUFFIXES: tuple[str, ...] = (
    ".pid",
    ".sock",
    ".socket",
    ".lock",
    ".db",
    ".sqlite",
    ".sqlite3",
    ".swp",
    ".pos",
    ".ctl",
    ".journal",
    ".journal~",
    ".pyc",
)
_NOT_LOG_NAMES = frozenset({"lastlog", "wtmp", "btmp", "faillog", "tallylog"})
_SKIPPED_DIRS = frozenset({"journal"})

# Parent folder names that say nothing about the component of a file given by hand.
_GENERIC_DIRS = frozenset({"", ".", "..", "log", "logs", "var", "tmp"})

# Where `discover()` looks on this host (module attributes so tests can point them elsewhere).
HOST_LOG_ROOTS: tuple[Path, ...] = (Path("/var/log"),)
HOST_DEVSTACK_DIRS: tuple[Path, ...] = (Path("/opt/stack/logs"),)
# Central rsyslog trees on this host (`/var/log/remote/<host>/...`): one node per host.
HOST_STORES: tuple[str, ...] = ("/var/log/remote/{host}",)


def component_sort_key(component: str) -> tuple[int, str]:
    """Seed-table components first in table order, then the others alphabetically."""
    try:
        return COMPONENT_ORDER.index(component), ""
    except ValueError:
        return len(COMPONENT_ORDER), component


@dataclass(slots=True)
class LogSource:
    """One log of one component on one node, with its rotated files (oldest first)."""

    node: str
    component: str
    name: str  # the live file's name, e.g. "nova-api.log", even when only rotations exist
    members: list[Path]

    @property
    def newest(self) -> Path:
        return self.members[-1]

    @property
    def live(self) -> Path | None:
        """The file still being written to, None when only rotated files were found."""
        last = self.members[-1]
        return last if last.name == self.name else None


@dataclass(slots=True)
class Node:
    name: str
    components: dict[str, list[LogSource]] = field(default_factory=dict)

    def sources(self) -> Iterator[LogSource]:
        for sources in self.components.values():
            yield from sources


@dataclass(slots=True)
class LogTree:
    """What was found, where it was looked for, and what could not be read (path, reason)."""

    nodes: list[Node] = field(default_factory=list)
    looked_in: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def sources(self) -> Iterator[LogSource]:
        for node in self.nodes:
            yield from node.sources()

    def node(self, name: str) -> Node | None:
        return next((node for node in self.nodes if node.name == name), None)


# --- naming -------------------------------------------------------------------------------


def _devstack_component(short: str) -> str:
    head, dash, _rest = short.partition("-")
    if dash and head in _DEVSTACK_PREFIXES:
        return _DEVSTACK_PREFIXES[head]
    for start, component in _DEVSTACK_STARTS:
        if short.startswith(start):
            return component
    # neutron-l3, horizon...; an unknown unit (dstat, etcd, tls-proxy) keeps its own name.
    return _NAME_COMPONENTS.get(_WORD_SPLIT.split(short, maxsplit=1)[0], short)


def _is_ovn_name(lowered: str) -> bool:
    # OVN's databases run as ovsdb-server-nb/-sb and often share Open vSwitch's folder.
    return lowered.startswith(("ovn", "ovsdb-server-nb", "ovsdb-server-sb"))


def component_from_filename(name: str) -> str | None:
    """Component told by a file name alone (rotation suffixes ignored), None when it says nothing."""
    return _component_from_base(base_name(name).lower())


def _component_from_base(lowered: str) -> str | None:
    match = _DEVSTACK_FILE.match(lowered)
    if match:
        return _devstack_component(match["screen"] or match["unit"])
    if lowered in _DEVSTACK_OWN_LOGS:
        return "devstack"
    if _is_ovn_name(lowered):
        return "ovn"
    component = _NAME_COMPONENTS.get(_WORD_SPLIT.split(lowered, maxsplit=1)[0])
    if component is not None:
        return component
    match = _DEVSTACK_SHORT_FILE.match(lowered)
    if match and match["short"].partition("-")[0] in _DEVSTACK_PREFIXES:
        return _devstack_component(match["short"])
    return None


def component_from_dirname(name: str) -> str | None:
    """Component of a service folder: `nova`, `mysql`, TripleO's `nova-api` or `heat_api_cfn`."""
    lowered = name.lower()
    if lowered in _DIR_COMPONENTS:
        return _DIR_COMPONENTS[lowered]
    first = _WORD_SPLIT.split(lowered, maxsplit=1)[0]
    return first if first in SERVICES else None


def _strip_wrappers(chain: Sequence[str]) -> list[str]:
    dirs = [part.lower() for part in chain]
    while dirs and dirs[0] in _WRAPPER_DIRS:
        dirs.pop(0)
    return dirs


def classify(chain: Sequence[str], name: str) -> str | None:
    """Component of file `name` found in folders `chain` (relative to var/log), or None.

    The folder decides when it is known; otherwise the file name does.
    """
    dirs = _strip_wrappers(chain)
    base = base_name(name).lower()
    if dirs:
        head = dirs[0]
        if head in _APACHE_DIRS:
            if len(dirs) > 1:  # TripleO containers/httpd/<svc>/
                return component_from_dirname(dirs[1]) or "apache"
            if base.startswith("keystone"):
                return "keystone"
            if base.startswith("horizon"):
                return "horizon"
            return "apache"
        if head == "libvirt":
            return "qemu" if len(dirs) > 1 and dirs[1] == "qemu" else "libvirt"
        component = component_from_dirname(head)
        if component == "openvswitch" and _is_ovn_name(base):
            return "ovn"
        if component is not None:
            return component
    return _component_from_base(base)


def _dir_wanted(chain: Sequence[str]) -> bool:
    """Whether a folder under a log root can hold logs we map (unknown folders are ignored)."""
    dirs = _strip_wrappers(chain)
    if not dirs:
        return True
    head = dirs[0]
    return head in _APACHE_DIRS or component_from_dirname(head) is not None


def _not_a_log(name: str) -> bool:
    lowered = name.lower()
    return lowered in _NOT_LOG_NAMES or lowered.endswith(_NOT_LOG_SUFFIXES)


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "not found"
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    return exc.strerror or type(exc).__name__


def _not_regular(path: str) -> str:
    """Why a log-named entry that is not a regular file is skipped."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return f"dangling symlink (to {os.readlink(path)})" if os.path.islink(path) else "not found"
    except OSError as exc:
        return _reason(exc)
    return f"not a regular file ({file_kind(mode)}): not opened"


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def _read_first_line(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return None
    for line in head.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()
    return None


def _is_sosreport(directory: Path) -> bool:
    return directory.name.startswith("sosreport-") or _is_dir(directory / "sos_commands")


def _abspath(path: Path) -> Path:
    # Normalised but not resolved: keep the names the user sees, symlinks included.
    return Path(os.path.abspath(path))


def node_name(directory: Path, use_etc_hostname: bool = True) -> str:
    """A node's name: a sosreport's `hostname`, else `etc/hostname` (if asked), else the folder."""
    candidates: list[Path] = []
    if _is_sosreport(directory):
        candidates = [directory / "hostname", directory / "etc" / "hostname"]
    elif use_etc_hostname:
        candidates = [directory / "etc" / "hostname"]
    for candidate in candidates:
        name = _read_first_line(candidate)
        if name:
            return name
    return _abspath(directory).name or socket.gethostname()


def _split_var_log(path: Path) -> tuple[Path, tuple[str, ...]] | None:
    """(the folder holding `var/log`, folders below `var/log`) for a path inside a var/log."""
    parts = _abspath(path).parts
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "var" and parts[index + 1] == "log":
            return Path(*parts[:index]), tuple(parts[index + 2 :])
    return None


# --- walking ------------------------------------------------------------------------------


def _is_ancestor(key: tuple[int, int], directory: Path) -> bool:
    """Whether the folder `key` is one of the folders `directory` is reached through."""
    for parent in directory.parents:
        try:
            info = os.stat(parent)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) == key:
            return True
    return False


@dataclass(slots=True)
class _Found:
    path: Path
    component: str
    is_link: bool


class _Walker:
    """Collects one node's log files; loops, duplicates and unreadable entries go to skipped."""

    def __init__(self, skipped: list[tuple[str, str]]) -> None:
        self.skipped = skipped
        self.found: dict[tuple[int, int], _Found] = {}
        self._seen_dirs: dict[tuple[int, int], str] = {}
        self._root = ""  # real path of the folder being walked
        # Linked folders wait until the real ones are read, so files keep their real paths.
        self._deferred: list[tuple[Path, tuple[str, ...]]] = []

    def walk(self, directory: Path, chain: tuple[str, ...], fallback: str | None) -> None:
        """Walk `directory`, known as `chain` below var/log; `fallback` names its unmapped files.

        Symlinks are followed only while they stay inside `directory`."""
        self._root = os.path.realpath(directory)
        self._walk(directory, chain, fallback)
        while self._deferred:
            linked, linked_chain = self._deferred.pop(0)
            self._walk(linked, linked_chain, None)

    def _walk(self, directory: Path, chain: tuple[str, ...], fallback: str | None) -> None:
        try:
            info = os.stat(directory)
        except OSError as exc:
            self.skipped.append((str(directory), _reason(exc)))
            return
        key = (info.st_dev, info.st_ino)
        if key in self._seen_dirs:
            if _is_ancestor(key, directory):
                self.skipped.append((str(directory), "symlink loop"))
            else:
                self.skipped.append((str(directory), f"same folder as {self._seen_dirs[key]}"))
            return
        self._seen_dirs[key] = str(directory)
        for entry in self._list(directory):
            self._visit(entry, chain, fallback)

    def _list(self, directory: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(directory) as entries:
                return sorted(entries, key=lambda entry: entry.name)
        except OSError as exc:
            self.skipped.append((str(directory), _reason(exc)))
            return []

    def _visit(self, entry: os.DirEntry[str], chain: tuple[str, ...], fallback: str | None) -> None:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
        except OSError as exc:  # ELOOP from a link pointing at itself
            self.skipped.append((entry.path, _reason(exc)))
            return
        if is_dir:
            sub = (*chain, entry.name)
            if entry.name.lower() in _SKIPPED_DIRS or not _dir_wanted(sub):
                return
            if entry.is_symlink():
                if not self._stays_inside(entry):
                    return
                self._deferred.append((path, sub))
            else:
                self._walk(path, sub, None)
            return
        if _not_a_log(entry.name):
            return
        component = classify(chain, entry.name) or fallback
        if component is None:
            return
        if entry.is_symlink() and not self._stays_inside(entry):
            return
        if not is_file:  # never opened: a FIFO would block, a device never ends
            self.skipped.append((entry.path, _not_regular(entry.path)))
            return
        self.add(path, component, entry)

    def _stays_inside(self, entry: os.DirEntry[str]) -> bool:
        """Whether a symlink points inside the folder being walked; if not, it is skipped."""
        target = os.path.realpath(entry.path)
        if target == self._root or target.startswith(self._root.rstrip(os.sep) + os.sep):
            return True
        self.skipped.append((entry.path, f"symlink to {target}, outside {self._root}: not followed"))
        return False

    def add(self, path: Path, component: str, entry: os.DirEntry[str]) -> None:
        try:
            info = entry.stat()
            is_link = entry.is_symlink()
        except OSError as exc:
            self.skipped.append((str(path), _reason(exc)))
            return
        if not os.access(path, os.R_OK):
            self.skipped.append((str(path), "permission denied"))
            return
        # Some filesystems report inode 0; never merge those.
        key = (info.st_dev, info.st_ino) if info.st_ino else (-1, len(self.found))
        previous = self.found.get(key)
        # devstack's screen-n-api.log links to screen-n-api.<date>.log: keep the real file once.
        if previous is None or (previous.is_link and not is_link):
            self.found[key] = _Found(path, component, is_link)

    def by_component(self) -> dict[str, list[Path]]:
        buckets: dict[str, list[Path]] = {}
        for found in self.found.values():
            buckets.setdefault(found.component, []).append(found.path)
        return buckets


class _TreeBuilder:
    """Accumulates sources per node and component, then sorts them into a LogTree."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, list[LogSource]]] = {}
        self.looked_in: list[str] = []
        self.skipped: list[tuple[str, str]] = []

    def add_files(self, node: str, component: str, paths: list[Path]) -> None:
        sources = self.nodes.setdefault(node, {}).setdefault(component, [])
        for group in group_rotated(paths):
            sources.append(LogSource(node, component, group.name, group.members))

    def add_walker(self, node: str, walker: _Walker) -> None:
        for component, paths in walker.by_component().items():
            self.add_files(node, component, paths)

    def add_tree(self, tree: LogTree) -> None:
        self.looked_in.extend(tree.looked_in)
        self.skipped.extend(tree.skipped)
        for node in tree.nodes:
            for component, sources in node.components.items():
                self.nodes.setdefault(node.name, {}).setdefault(component, []).extend(sources)

    def build(self) -> LogTree:
        nodes = []
        for name in sorted(self.nodes):
            components = {
                component: sorted(sources, key=lambda source: (source.name, str(source.newest)))
                for component, sources in sorted(
                    self.nodes[name].items(), key=lambda item: component_sort_key(item[0])
                )
                if sources
            }
            if components:  # a node folder with no logs we know is not worth a row
                nodes.append(Node(name, components))
        return LogTree(nodes, self.looked_in, self.skipped)


# --- entry points -------------------------------------------------------------------------


def _node_dirs(root: Path, skipped: list[tuple[str, str]]) -> list[Path]:
    """Sub-folders of `root` that are node roots (`<node>/var/log`, sosreports with var/log)."""
    try:
        with os.scandir(root) as entries:
            names = sorted(entry.name for entry in entries)
    except OSError as exc:
        skipped.append((str(root), _reason(exc)))
        return []
    return [root / name for name in names if _is_dir(root / name / "var" / "log")]


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    while candidate in used:
        candidate, number = f"{name}-{number}", number + 1
    used.add(candidate)
    return candidate


def _discover_host() -> LogTree:
    builder = _TreeBuilder()
    walker = _Walker(builder.skipped)
    for directory in HOST_LOG_ROOTS:
        builder.looked_in.append(str(directory))
        if _is_dir(directory):
            walker.walk(directory, (), None)
    for directory in HOST_DEVSTACK_DIRS:
        builder.looked_in.append(str(directory))
        if _is_dir(directory):
            walker.walk(directory, (), "devstack")
    builder.add_walker(socket.gethostname(), walker)
    for pattern in HOST_STORES:
        if _is_dir(Path(pattern.partition("{host}")[0])):
            builder.add_tree(discover_store(pattern))
    return builder.build()


def merge_trees(*trees: LogTree) -> LogTree:
    """One tree of several (a node found in two is one node)."""
    builder = _TreeBuilder()
    for tree in trees:
        builder.add_tree(tree)
    return builder.build()


def discover_store(pattern: str) -> LogTree:
    """A central store, one node per host: `pattern` is a folder path with `{host}` standing
    for one folder per host (`/var/log/remote/{host}`, `/srv/logs/{host}/openstack`; a
    path without it means `<path>/{host}`). A host folder holding `var/log` is read as a
    node root; otherwise its files are mapped by name (rsyslog names them by program)."""
    if "{host}" not in pattern:
        pattern = pattern.rstrip("/") + "/{host}"
    parent_text, _, below = pattern.partition("{host}")
    parent = Path(parent_text or ".")
    builder = _TreeBuilder()
    builder.looked_in.append(pattern)
    try:
        with os.scandir(parent) as entries:
            hosts = sorted(entry.name for entry in entries if entry.is_dir())
    except OSError as exc:
        builder.skipped.append((str(parent), _reason(exc)))
        return builder.build()
    for host in hosts:
        folder = Path(str(parent / host) + below)
        if not _is_dir(folder):
            continue
        walker = _Walker(builder.skipped)
        if _is_dir(folder / "var" / "log"):
            walker.walk(folder / "var" / "log", (), None)
        else:
            walker.walk(folder, (), None)
        builder.add_walker(host, walker)
    return builder.build()


def discover(root: Path | None = None) -> LogTree:
    """Find the logs under `root`, or on this host when `root` is None.

    - `root/<node>/var/log` for some sub-folders (or sosreports): one node per sub-folder;
    - `root/var/log`: one node, named by `root/etc/hostname` or the folder;
    - `root` inside or equal to some `.../var/log`: that node, that part of the tree;
    - otherwise `root` is a plain folder of logs (devstack gate output): one node named after it.
    A file given as `root` is handled like `sources_from_paths([root])`.
    """
    if root is None:
        return _discover_host()
    builder = _TreeBuilder()
    try:
        mode = os.stat(root).st_mode
    except OSError as exc:
        builder.looked_in.append(str(root))
        builder.skipped.append((str(root), _reason(exc)))
        return builder.build()
    if not stat.S_ISDIR(mode):
        return sources_from_paths([root])

    node_dirs = _node_dirs(root, builder.skipped)
    if node_dirs:
        used: set[str] = set()
        for node_dir in node_dirs:
            log_root = node_dir / "var" / "log"
            name = _unique(node_name(node_dir, use_etc_hostname=False), used)
            builder.looked_in.append(str(log_root))
            walker = _Walker(builder.skipped)
            walker.walk(log_root, (), None)
            builder.add_walker(name, walker)
        return builder.build()

    walker = _Walker(builder.skipped)
    chain: tuple[str, ...]
    if _is_dir(root / "var" / "log"):
        name = node_name(root)
        log_root, chain, fallback = root / "var" / "log", (), None
    elif (split := _split_var_log(root)) is not None:
        # A var/log itself, or a folder inside one: keep the node and the folder meaning.
        node_dir, chain = split
        name = node_name(node_dir) if node_dir.parts[1:] else socket.gethostname()
        log_root, fallback = root, (None if not chain else "other")
    else:
        name = node_name(root, use_etc_hostname=False)
        # A folder named like a service (a copied /var/log/neutron) maps all its files.
        folder = _abspath(root).name
        chain = (folder,) if _dir_wanted((folder,)) else ()
        log_root, fallback = root, "other"
    builder.looked_in.append(str(log_root))
    walker.walk(log_root, chain, fallback)
    builder.add_walker(name, walker)
    return builder.build()


def _locate(path: Path) -> tuple[str, tuple[str, ...]]:
    """(node, folders below var/log) for a file given by hand; node `local` unless the path says."""
    split = _split_var_log(path)
    if split is not None:
        node_dir, below = split
        chain = below[:-1]
        # /var/log/... of this very host has no node folder in front of it.
        return (node_name(node_dir, use_etc_hostname=False) if node_dir.parts[1:] else "local"), chain
    parent = _abspath(path).parent.name
    return "local", ((parent,) if parent else ())


def sources_from_paths(paths: Sequence[Path]) -> LogTree:
    """LogSources for files named on the command line; every readable file is kept.

    Rotated siblings are grouped only among the given paths. A folder in `paths` is discovered
    as by `discover(folder)` and merged in.
    """
    builder = _TreeBuilder()
    files: dict[tuple[str, str], list[Path]] = {}
    for path in paths:
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            builder.skipped.append((str(path), _reason(exc)))
            continue
        if stat.S_ISDIR(mode):
            builder.add_tree(discover(path))
            continue
        if not stat.S_ISREG(mode):
            builder.skipped.append((str(path), f"not a regular file ({file_kind(mode)}): not opened"))
            continue
        if not os.access(path, os.R_OK):
            builder.skipped.append((str(path), "permission denied"))
            continue
        node, chain = _locate(path)
        parent = _abspath(path).parent.name
        component = classify(chain, path.name) or (parent if parent.lower() not in _GENERIC_DIRS else "other")
        files.setdefault((node, component), []).append(path)
    for (node, component), members in files.items():
        builder.add_files(node, component, members)
    return builder.build()
