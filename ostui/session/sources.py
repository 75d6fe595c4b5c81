"""Which logs a run reads: local folders and files, central stores, remote nodes over ssh,
journals and client transcripts, as the options name them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.indexing.logset import LogFile, files_from_tree
from ..core.reading.discovery import LogTree, discover, discover_store, merge_trees, sources_from_paths
from ..core.textsafe import visible

if TYPE_CHECKING:
    from ..core.live.remote import RemoteNode
    from .options import Options
    from .session import Session

NODES_WAIT = 20.0  # seconds the browser waits for the nodes' backlogs; slower nodes join later


class NodesError(ValueError):
    """A --node or an inventory that cannot be used, as `path:line: what is wrong`."""


class NodesIncomplete(Exception):
    """Named nodes whose backlog did not arrive: a command that answers once stops."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(", ".join(names))
        self.names = list(names)


def demo_root() -> Path:
    return Path(__file__).resolve().parent.parent / "demo"


def select_files(session: Session) -> tuple[list[LogFile], LogTree]:
    """LogFiles for the sources the options name (not yet opened), and the tree they came from."""
    options = session.options
    if options.demo:
        tree = discover(demo_root())
    elif options.root is not None:
        tree = discover(options.root)
    elif options.paths:
        tree = sources_from_paths(options.paths)
    elif options.client_debug and not options.nodes:
        tree = LogTree()
    else:
        tree = discover(None)
    if options.stores:
        tree = merge_trees(tree, *(discover_store(pattern) for pattern in options.stores))
    files = files_from_tree(tree)
    files += remote_files(session, files)
    if options.journal:
        from .journals import journal_files

        files += journal_files(session, files)
    for path in options.client_debug:
        files.append(LogFile(path, "client", "client", path.name, format_name="client-debug"))
    return files, tree


def remote_nodes(options: Options) -> list[RemoteNode]:
    """The nodes named by --node and the inventory file; NodesError for a bad one."""
    from ..core.live.remote import default_inventory, load_inventory, parse_node

    try:
        nodes = [parse_node(spec) for spec in options.nodes or []]
        inventory = options.inventory
        if inventory is None and options.nodes is None and default_inventory().exists():
            inventory = default_inventory()
        if inventory is not None:
            known = {n.name for n in nodes}
            nodes += [n for n in load_inventory(inventory) if n.name not in known]
    except ValueError as exc:
        raise NodesError(str(exc)) from None
    return nodes


def remote_files(session: Session, local: Sequence[LogFile] = ()) -> list[LogFile]:
    """Files of the remote nodes, mirrored into a temporary folder; the mirrors keep
    following until the session closes. The browser waits a while and shows each node's
    state; a command that answers once waits for every backlog (a progress line), and a
    named node left incomplete raises NodesIncomplete rather than give a partial answer."""
    options = session.options
    try:
        nodes = remote_nodes(options)
    except NodesError as exc:
        if not options.browser:
            raise
        session.problems.append(str(exc))
        session.say(f"{exc} (no remote node is followed)")
        nodes = []
    named = {n.name for n in nodes}
    if options.discover_nodes:
        nodes += hinted_nodes(session, local, named)
    if not nodes:
        return []
    from ..core.live.remote import failed, settle, start_mirrors
    from ..core.sizes import parse_size

    cache = session.temporary_folder("ostui-nodes-")
    mirrors = start_mirrors(nodes, cache, parse_size(options.backlog), wait=0.0)
    session.own_mirrors(mirrors)
    if options.browser:  # it shows each node's state and follows on
        session.wait_until(lambda: all(m.synced.is_set() or failed(m) for m in mirrors), NODES_WAIT)
        for m in mirrors:
            if m.node.state != "live":
                session.say(f"node {m.node.name} is {m.node.state}: {m.node.reason}")
    else:
        lines, unsynced = settle(mirrors, named, session.say)
        for text in lines:
            session.say(text)
        if unsynced:
            raise NodesIncomplete(unsynced)
    return files_from_tree(discover(cache)) if any(cache.iterdir()) else []


def hinted_nodes(session: Session, local: Sequence[LogFile], known: set[str]) -> list[RemoteNode]:
    """The nodes the local logs name (nova-compute and agent hosts), reached by name over ssh."""
    from ..core.live.node_hints import find_node_hints, hints_to_nodes

    for lf in local:
        lf.open()
    # The newest 64 MiB of each log is plenty to name the nodes, and keeps start-up quick;
    # bare addresses (RabbitMQ peers) may be nodes already named: only names are followed.
    found = find_node_hints([lf for lf in local if lf.index is not None], exclude=known, limit_bytes=64 << 20)
    hints = [hint for hint in found if not hint.is_address]
    for hint in hints:
        session.say(f"node {hint.name} ({', '.join(sorted(hint.roles))}) named in {hint.source}")
    return hints_to_nodes(hints)


def nothing_found(tree: LogTree) -> str:
    looked = visible(", ".join(str(p) for p in tree.looked_in)) or "nowhere"
    lines = [f"ostui: no OpenStack logs found (looked in {looked})."]
    for path, reason in tree.skipped[:10]:
        lines.append(visible(f"  could not read {path}: {reason}"))
    lines.append(
        "Point ostui at them: ostui FILE..., ostui --root DIR (one folder per node), or try ostui --demo."
    )
    return "\n".join(lines)
