"""Find OpenStack logs on disk: which node, which component, which rotated group.

Three shapes of input are understood (see `discover`): a collection holding node roots at any
depth (`<node>/var/log/...`, sosreports, with or without var/log), one node's root, or a plain
folder of logs (devstack gate output). Under a log root the RDO/Ubuntu, Kolla (`kolla/<svc>`),
TripleO/EDPM (`containers/<svc>`, `containers/httpd/<svc>`, `containers/stdouts/`), Kubernetes
node (`pods/`, `containers/`, see `layouts`) and devstack file layouts are mapped to components.

Then a sweep takes what the layouts of archives put elsewhere (sosreport `kubectl logs` captures
and journalctl outputs, must-gather container logs) and every other regular file under the root
is either kept (a log by its head: time stamps, e.g. a merged file; below a var/log only one that
OpenStack wrote) or listed in `LogTree.skipped` with why (not a log, binary, empty, not
OpenStack's, unreadable). Byte-identical
files are read once (`duplicates`); a node made only of copies is an alias of the node it copies.

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

from ..paths.layouts import container_run, kubectl_capture, must_gather_current, must_gather_log
from ..paths.naming import (
    COMPONENT_ORDER,
    GENERIC_DIRS,
    SERVICES,
    SKIPPED_DIRS,
    classify,
    classify_log,
    component_from_dirname,
    component_from_filename,
    component_sort_key,
    folder_wanted,
    named_like_no_log,
    pod_component,
    why_named_no_log,
)
from ..paths.rotation import group_rotated
from .census import is_log, look_at
from .duplicates import find_duplicates
from .source import file_kind

# The naming rules live in `naming`; these are read from here by older callers.
__all__ = [
    "COMPONENT_ORDER",
    "SERVICES",
    "LogSource",
    "LogTree",
    "Node",
    "classify",
    "classify_log",
    "component_from_dirname",
    "component_from_filename",
    "component_sort_key",
    "discover",
    "discover_store",
    "left_out_by_choice",
    "merge_trees",
    "node_name",
    "pod_component",
    "sources_from_paths",
]

# Where `discover()` looks on this host (module attributes so tests can point them elsewhere).
HOST_LOG_ROOTS: tuple[Path, ...] = (Path("/var/log"),)
HOST_DEVSTACK_DIRS: tuple[Path, ...] = (Path("/opt/stack/logs"),)
# Central rsyslog trees on this host (`/var/log/remote/<host>/...`): one node per host.
HOST_STORES: tuple[str, ...] = ("/var/log/remote/{host}",)


@dataclass(slots=True)
class LogSource:
    """One log of one component on one node, with its rotated files (oldest first)."""

    node: str
    component: str
    name: str  # the live file's name, e.g. "nova-api.log", even when only rotations exist
    members: list[Path]
    producer: str = ""  # the container a pod log's path names; "" when the path names none

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
    """What was found, where it was looked for, and every file not read (path, reason).

    `aliases` maps a node whose every file is a copy of another node's files to that node:
    its files are skipped as duplicates, and it is not a node of its own."""

    nodes: list[Node] = field(default_factory=list)
    looked_in: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)

    def sources(self) -> Iterator[LogSource]:
        for node in self.nodes:
            yield from node.sources()

    def node(self, name: str) -> Node | None:
        return next((node for node in self.nodes if node.name == name), None)


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
    producer: str = ""


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
        # Depth first in name order, on a stack of listings: no depth of folders overflows.
        stack: list[tuple[Iterator[os.DirEntry[str]], tuple[str, ...], str | None]] = []
        self._enter(stack, directory, chain, fallback)
        while stack:
            entries, chain, fallback = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
            elif (below := self._visit(entry, chain, fallback)) is not None:
                self._enter(stack, Path(entry.path), below, None)

    def _enter(
        self,
        stack: list[tuple[Iterator[os.DirEntry[str]], tuple[str, ...], str | None]],
        directory: Path,
        chain: tuple[str, ...],
        fallback: str | None,
    ) -> None:
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
        stack.append((iter(self._list(directory)), chain, fallback))

    def _list(self, directory: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(directory) as entries:
                return sorted(entries, key=lambda entry: entry.name)
        except OSError as exc:
            self.skipped.append((str(directory), _reason(exc)))
            return []

    def _visit(
        self, entry: os.DirEntry[str], chain: tuple[str, ...], fallback: str | None
    ) -> tuple[str, ...] | None:
        """Take one entry; for a folder to walk into now, its chain."""
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
        except OSError as exc:  # ELOOP from a link pointing at itself
            self.skipped.append((entry.path, _reason(exc)))
            return None
        if is_dir:
            sub = (*chain, entry.name)
            if entry.name.lower() in SKIPPED_DIRS or not folder_wanted(sub):
                return None
            if not entry.is_symlink():
                return sub
            if self._stays_inside(entry):
                self._deferred.append((path, sub))
            return None
        if named_like_no_log(entry.name):
            return None
        mapped = classify_log(chain, entry.name) or (None if fallback is None else (fallback, ""))
        if mapped is None:
            return None
        if entry.is_symlink() and not self._stays_inside(entry):
            return None
        if not is_file:  # never opened: a FIFO would block, a device never ends
            self.skipped.append((entry.path, _not_regular(entry.path)))
            return None
        self.add(path, *mapped, entry=entry)
        return None

    def _stays_inside(self, entry: os.DirEntry[str]) -> bool:
        """Whether a symlink points inside the folder being walked; if not, it is skipped."""
        target = os.path.realpath(entry.path)
        if target == self._root or target.startswith(self._root.rstrip(os.sep) + os.sep):
            return True
        self.skipped.append((entry.path, f"symlink to {target}, outside {self._root}: not followed"))
        return False

    def add(self, path: Path, component: str, producer: str, entry: os.DirEntry[str]) -> None:
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
            self.found[key] = _Found(path, component, is_link, producer)

    def by_component(self) -> dict[tuple[str, str], list[Path]]:
        """(component, producer) -> paths."""
        buckets: dict[tuple[str, str], list[Path]] = {}
        for found in self.found.values():
            buckets.setdefault((found.component, found.producer), []).append(found.path)
        return buckets


class _TreeBuilder:
    """Accumulates sources per node and component, then sorts them into a LogTree, each
    byte-identical file read once (see `duplicates`)."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, list[LogSource]]] = {}
        self.looked_in: list[str] = []
        self.skipped: list[tuple[str, str]] = []
        self.claimed: set[tuple[int, int]] = set()  # (device, inode) of the files walkers took
        self.aliases: dict[str, str] = {}

    def add_files(self, node: str, component: str, paths: list[Path], producer: str = "") -> None:
        sources = self.nodes.setdefault(node, {}).setdefault(component, [])
        groups = [(group.name, group.members) for group in group_rotated(paths)]
        runs = {name: run for name, _ in groups if (run := container_run(name)) is not None}
        one_folder = len({members[0].parent for _, members in groups}) == 1
        if producer and len(groups) > 1 and len(runs) == len(groups) and one_folder:
            # One container's runs (0.log, then 1.log after a restart): one log, oldest run first.
            ordered = sorted(groups, key=lambda group: runs[group[0]])
            groups = [(ordered[-1][0], [member for _, members in ordered for member in members])]
        for name, members in groups:
            sources.append(LogSource(node, component, name, members, producer))

    def add_walker(self, node: str, walker: _Walker) -> None:
        self.claimed.update(walker.found)
        for (component, producer), paths in walker.by_component().items():
            self.add_files(node, component, paths, producer)

    def add_tree(self, tree: LogTree) -> None:
        self.looked_in.extend(tree.looked_in)
        self.skipped.extend(tree.skipped)
        self.aliases.update(tree.aliases)
        for source in tree.sources():
            for member in source.members:
                try:
                    info = os.stat(member)
                except OSError:
                    continue
                self.claimed.add((info.st_dev, info.st_ino))
        for node in tree.nodes:
            for component, sources in node.components.items():
                self.nodes.setdefault(node.name, {}).setdefault(component, []).extend(sources)

    def _drop_duplicates(self) -> None:
        """Keep the first of byte-identical files (nodes by name); a node whose every file
        copies files of one other node becomes its alias."""
        order = [
            (name, source)
            for name in sorted(self.nodes)
            for component in sorted(self.nodes[name], key=component_sort_key)
            for source in sorted(self.nodes[name][component], key=lambda s: (s.name, str(s.newest)))
        ]
        node_of = {path: name for name, source in order for path in source.members}
        copies = find_duplicates(list(node_of))
        if not copies:
            return
        for name, files in self._node_files(node_of).items():
            originals = {node_of[copies[path]] for path in files if path in copies}
            if len(originals) == 1 and all(path in copies for path in files):
                self.aliases[name] = originals.pop()
        for copy, original in copies.items():
            alias = self.aliases.get(node_of[copy])
            note = f" (node {node_of[copy]} is a copy of node {alias})" if alias else ""
            self.skipped.append((str(copy), f"duplicate of {original}{note}"))
        for components in self.nodes.values():
            for sources in components.values():
                for source in sources:
                    source.members = [path for path in source.members if path not in copies]
                sources[:] = [source for source in sources if source.members]

    @staticmethod
    def _node_files(node_of: dict[Path, str]) -> dict[str, list[Path]]:
        files: dict[str, list[Path]] = {}
        for path, name in node_of.items():
            files.setdefault(name, []).append(path)
        return files

    def build(self) -> LogTree:
        self._drop_duplicates()
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
        return LogTree(nodes, self.looked_in, self.skipped, self.aliases)


# --- the rest of a tree: archives' pod logs, logs no layout names, and why the others are not read


_NODE_NAME_IN_POD = re.compile(rb"^\s*nodeName:\s*[\"']?([A-Za-z0-9][\w.-]*)", re.MULTILINE)


_NODE_IN_DESCRIBE = re.compile(rb"^Node:\s+([A-Za-z0-9][\w.-]*)", re.MULTILINE)


def _must_gather_node(pod_dir: Path) -> str | None:
    """The node a must-gather pod ran on: `nodeName` in the pod's `<pod>.yaml`, or `Node:` in
    the `<pod>-describe` openstack-must-gather writes."""
    for name, pattern in (
        (f"{pod_dir.name}.yaml", _NODE_NAME_IN_POD),
        (f"{pod_dir.name}-describe", _NODE_IN_DESCRIBE),
    ):
        try:
            with open(pod_dir / name, "rb") as handle:
                match = pattern.search(handle.read(64 << 10))
        except OSError:
            continue
        if match:
            return match[1].decode()
    return None


@dataclass(slots=True)
class _Place:
    """The node a folder belongs to, and whether it lies inside one of its log folders.
    `like_var_log`: the folders below `node_dir` name components as those below a var/log do
    (a node's folder of logs in a collection, with no var/log of its own)."""

    node: str
    node_dir: Path | None
    in_logs: bool
    like_var_log: bool = False


class _Sweep:
    """Every regular file under a root that the walkers did not take ends up read or in
    `skipped` with its reason: pod logs of sosreports and must-gathers are taken here, a log
    no layout names is kept when OpenStack wrote it (a merged file at the top of a collection),
    and anything else says why not (not a log, binary, empty, unreadable)."""

    def __init__(
        self,
        builder: _TreeBuilder,
        nodes: dict[Path, str],
        log_roots: set[Path],
        collection: Path | None = None,
    ) -> None:
        self.builder = builder
        self.nodes = nodes  # node folder -> node name
        self.log_roots = log_roots
        self.collection = collection  # a folder of per-node folders: each sub-folder names a node
        self.reported = {path for path, _ in builder.skipped}
        self.used = set(nodes.values())
        self.found: dict[tuple[str, str, str], list[Path]] = {}  # (node, component, producer)

    def run(self, root: Path, place: _Place) -> None:
        self._sweep(root, place)
        for (node, component, producer), paths in self.found.items():
            # A must-gather container's previous run is the older part of its current log.
            earlier = {
                path.parent / current: path
                for path in paths
                if (current := must_gather_current(path.name))
                and path.parent / current in paths
                and must_gather_log(path.parts)
            }
            self.builder.add_files(node, component, [p for p in paths if p not in earlier.values()], producer)
            for source in self.builder.nodes[node][component]:
                if source.newest in earlier:
                    source.members.insert(0, earlier[source.newest])

    def _place_of(self, directory: Path, parent: _Place) -> _Place:
        absolute = _abspath(directory)  # the given spelling is kept for the paths shown
        if absolute in self.nodes:
            return _Place(self.nodes[absolute], directory, absolute in self.log_roots)
        if absolute in self.log_roots:
            return _Place(parent.node, parent.node_dir, True)
        if absolute.parent == self.collection:  # a node's folder of logs, without var/log
            return _Place(_unique(directory.name, self.used), directory, True, like_var_log=True)
        return parent

    def _sweep(self, root: Path, place: _Place) -> None:
        # Depth first in name order, on a stack of listings: no depth of folders overflows.
        stack: list[tuple[Path, Iterator[os.DirEntry[str]], _Place]] = []
        self._enter(stack, root, place)
        while stack:
            directory, entries, place = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                continue
            path = directory / entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    self._enter(stack, path, self._place_of(path, place))
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue  # links and special files: the walkers said what they had to
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                self._skip(path, _reason(exc))
                continue
            if (info.st_dev, info.st_ino) in self.builder.claimed or str(path) in self.reported:
                continue
            self._file(path, place)

    def _enter(
        self, stack: list[tuple[Path, Iterator[os.DirEntry[str]], _Place]], directory: Path, place: _Place
    ) -> None:
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            if str(directory) not in self.reported:
                self.builder.skipped.append((str(directory), _reason(exc)))
            return
        stack.append((directory, iter(entries), place))

    def _skip(self, path: Path, reason: str) -> None:
        self.builder.skipped.append((str(path), reason))
        self.reported.add(str(path))

    def _keep(self, path: Path, node: str, component: str, producer: str = "") -> None:
        self.found.setdefault((node, component, producer), []).append(path)

    def _file(self, path: Path, place: _Place) -> None:
        mg = must_gather_log(path.parts)
        pod = mg.pod if mg else kubectl_capture(path.name)
        if pod is not None:
            look = look_at(path, SERVICES)
            if (
                look.kind in ("unreadable", "not-log")
                and look.reason != "not a log (no time stamps in its first lines)"
            ):
                self._skip(path, look.reason)  # empty, binary or unreadable; plain output is a log
                return
            node = (_must_gather_node(Path(*path.parts[: mg.pod_folder])) if mg else None) or place.node
            self._keep(path, node, pod_component(pod), pod.producer)
            return
        relative = path.relative_to(place.node_dir).parts if place.node_dir else ()
        if relative[:2] == ("sos_commands", "logs") and path.name.startswith("journalctl"):
            look = look_at(path, SERVICES)
            if is_log(look):
                self._keep(path, place.node, "syslog")
            else:
                self._skip(path, look.reason)
            return
        if place.node_dir is not None and not place.in_logs:
            folder = "/".join(relative[:-1][:2])
            where = f"{folder}/ of node {place.node}" if folder else f"the top folder of node {place.node}"
            self._skip(path, f"not a log ({where} holds no logs)")
            return
        if named_like_no_log(path.name):
            self._skip(path, why_named_no_log(path.name))
            return
        look = look_at(path, SERVICES)
        mapped = classify(relative[:-1], path.name) if place.like_var_log and is_log(look) else None
        if mapped is not None:  # a log named as a var/log would name it
            self._keep(path, place.node, mapped)
        elif look.kind == "openstack" or (is_log(look) and (place.like_var_log or not place.in_logs)):
            # Only below a var/log, among the system's own logs, is a log not OpenStack's left out.
            self._keep(path, place.node, component_from_filename(path.name) or "other")
        else:
            self._skip(path, look.reason)


# How the reasons of files left out by choice (what they hold, or being a copy) begin, as
# opposed to files that could not be read: `ostui scan` counts only those as unreadable.
_CHOSEN_REASONS = (
    "duplicate of ",
    "same folder as ",
    "not a log",
    "binary",
    "empty",
    "a log, but not OpenStack's",
    "a systemd journal file",
)


def left_out_by_choice(reason: str) -> bool:
    """Whether a `LogTree.skipped` reason says the file was left out for what it is rather
    than because it could not be read (permissions, a vanished file, a broken archive)."""
    return reason.startswith(_CHOSEN_REASONS)


# --- entry points -------------------------------------------------------------------------


def _is_node_dir(directory: Path) -> bool:
    return _is_dir(directory / "var" / "log") or _is_sosreport(directory)


def _node_dirs(root: Path) -> list[Path]:
    """Folders below `root`, at any depth, that are node roots (`<node>/var/log`, sosreports);
    nothing below a node root is looked at. Unreadable folders are left to the sweep to report."""
    found: list[Path] = []
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as entries:
                folders = sorted(
                    (Path(entry.path) for entry in entries if entry.is_dir(follow_symlinks=False)),
                    reverse=True,
                )
        except OSError:
            continue
        for folder in folders:
            if _is_node_dir(folder):
                found.append(folder)
            else:
                pending.append(folder)
    return sorted(found)


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    while candidate in used:
        candidate, number = f"{name}-{number}", number + 1
    used.add(candidate)
    return candidate


def _discover_host() -> LogTree:
    builder = _TreeBuilder()
    walker = _Walker(builder.skipped)
    host = socket.gethostname()
    for directory in HOST_LOG_ROOTS:
        builder.looked_in.append(str(directory))
        if _is_dir(directory):
            walker.walk(directory, (), None)
    for directory in HOST_DEVSTACK_DIRS:
        builder.looked_in.append(str(directory))
        if _is_dir(directory):
            walker.walk(directory, (), "devstack")
    builder.add_walker(host, walker)
    for pattern in HOST_STORES:
        if _is_dir(Path(pattern.partition("{host}")[0])):
            builder.add_tree(discover_store(pattern))
    for directory in HOST_LOG_ROOTS:  # last: what the store took is no file of this host's
        if _is_dir(directory):
            sweep = _Sweep(builder, {}, {_abspath(directory)})
            sweep.run(directory, _Place(host, None, True))
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

    node_dirs = [] if _is_node_dir(root) else _node_dirs(root)
    nodes: dict[Path, str] = {}
    log_roots: set[Path] = set()
    collection = None
    if node_dirs:
        collection = _abspath(root)
        used: set[str] = set()
        for node_dir in node_dirs:
            name = _unique(node_name(node_dir, use_etc_hostname=False), used)
            nodes[_abspath(node_dir)] = name
            _walk_node(builder, node_dir, name, log_roots)
        place = _Place(node_name(root, use_etc_hostname=False), None, False)
    elif _is_node_dir(root):
        name = node_name(root)
        nodes[_abspath(root)] = name
        _walk_node(builder, root, name, log_roots)
        place = _Place(name, root, False)
    else:
        walker = _Walker(builder.skipped)
        chain: tuple[str, ...]
        if (split := _split_var_log(root)) is not None:
            # A var/log itself, or a folder inside one: keep the node and the folder meaning.
            node_dir, chain = split
            name = node_name(node_dir) if node_dir.parts[1:] else socket.gethostname()
            fallback = None if not chain else "other"
            log_roots.add(_abspath(root))
        else:
            # A folder inside a sosreport (its podlogs/) belongs to the sosreport's node.
            sosreport = next((up for up in _abspath(root).parents if _is_sosreport(up)), None)
            name = node_name(sosreport) if sosreport else node_name(root, use_etc_hostname=False)
            # A folder named like a service (a copied /var/log/neutron) maps all its files.
            folder = _abspath(root).name
            chain = (folder,) if folder_wanted((folder,)) else ()
            fallback = "other"
        builder.looked_in.append(str(root))
        walker.walk(root, chain, fallback)
        builder.add_walker(name, walker)
        place = _Place(name, None, split is not None)
    _Sweep(builder, nodes, log_roots, collection).run(root, place)
    return builder.build()


def _walk_node(builder: _TreeBuilder, node_dir: Path, name: str, log_roots: set[Path]) -> None:
    """Walk a node root's var/log (a sosreport may have none: its pod logs are swept)."""
    log_root = node_dir / "var" / "log"
    builder.looked_in.append(str(log_root if _is_dir(log_root) else node_dir))
    if _is_dir(log_root):
        log_roots.add(_abspath(log_root))
        walker = _Walker(builder.skipped)
        walker.walk(log_root, (), None)
        builder.add_walker(name, walker)


def _locate(path: Path) -> tuple[str, tuple[str, ...]]:
    """(node, folders below var/log) for a file given by hand; node `local` unless the path says."""
    split = _split_var_log(path)
    if split is not None:
        node_dir, below = split
        chain = below[:-1]
        # /var/log/... of this very host has no node folder in front of it.
        return (node_name(node_dir, use_etc_hostname=False) if node_dir.parts[1:] else "local"), chain
    absolute = _abspath(path)
    parent = absolute.parent.name
    mg = must_gather_log(absolute.parts)
    sosreport = next((up for up in absolute.parents if _is_sosreport(up)), None)
    node = (_must_gather_node(Path(*absolute.parts[: mg.pod_folder])) if mg else None) or (
        node_name(sosreport) if sosreport else "local"
    )
    return node, ((parent,) if parent else ())


def sources_from_paths(paths: Sequence[Path]) -> LogTree:
    """LogSources for files named on the command line; every readable file is kept.

    Rotated siblings are grouped only among the given paths. A folder in `paths` is discovered
    as by `discover(folder)` and merged in.
    """
    builder = _TreeBuilder()
    files: dict[tuple[str, str, str], list[Path]] = {}
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
        mg = must_gather_log(_abspath(path).parts)
        mapped = (pod_component(mg.pod), mg.pod.producer) if mg else classify_log(chain, path.name)
        component, producer = mapped or (parent if parent.lower() not in GENERIC_DIRS else "other", "")
        files.setdefault((node, component, producer), []).append(path)
    for (node, component, producer), members in files.items():
        builder.add_files(node, component, members, producer)
    return builder.build()
