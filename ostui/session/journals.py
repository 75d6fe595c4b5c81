"""Services that log to the journal, as log files: this host's, each remote node's (over
its ssh connection) and systemd-journal-remote stores, mirrored by `core.journal`."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.indexing.logset import LogFile, files_from_tree
from ..core.live.journal import (
    JournalMirror,
    JournalSelector,
    journal_store_hosts,
    list_units,
    local_argv,
    unit_log_path,
    use_journal_format,
)
from ..core.reading.discovery import discover, merge_trees

if TYPE_CHECKING:
    from ..core.live.remote import Mirror
    from .options import Options
    from .session import Session

HOST_JOURNAL_STORES: tuple[Path, ...] = (Path("/var/log/journal/remote"),)
SYNC_WAIT = 20.0  # seconds start-up waits for the backlogs; slower journals join later


def _journal_only(units: Sequence[str], node: str, files: Sequence[LogFile]) -> tuple[str, ...]:
    """The units whose service has no log file on that node (else it would show twice)."""
    have = {f.path.name for f in files if f.node == node}
    return tuple(u for u in units if unit_log_path(u).name not in have)


def _is_store(directory: Path) -> bool:
    return bool(journal_store_hosts(directory))


def plan_journals(
    options: Options, mirrors: Sequence[Mirror], files: Sequence[LogFile], cache: Path
) -> list[JournalMirror]:
    """The journal mirrors the options ask for (not started)."""
    plans: list[JournalMirror] = []
    on_this_host = not (options.paths or options.root or options.demo or options.client_debug)
    if on_this_host and shutil.which("journalctl"):
        host = socket.gethostname()
        try:
            units = _journal_only(list_units(local_argv, JournalSelector()), host, files)
        except OSError:
            units = ()  # no journal here, or not ours to read: the files are what there is
        if units:
            plans.append(JournalMirror(JournalSelector(), cache / "host" / host, units=units))
    stores = [Path(p) for p in options.stores if "{host}" not in p]
    if on_this_host:
        stores += [d for d in HOST_JOURNAL_STORES if d.is_dir()]
    for n, directory in enumerate(d for d in stores if _is_store(d)):
        selector = JournalSelector(directory=str(directory))
        plans.append(JournalMirror(selector, cache / f"store-{n}", split_hosts=True))
    for mirror in mirrors:
        if mirror.node.state not in ("live", "slow"):
            continue
        # A node root elsewhere than / keeps its journal under it, in
        # var/log/journal/<machine-id>/ (journalctl expands the glob itself).
        pattern = mirror.node.root.rstrip("/") + "/var/log/journal/*/*.journal"
        selector = JournalSelector() if mirror.node.root == "/" else JournalSelector(files=(pattern,))
        try:
            units = _journal_only(list_units(mirror.ssh.argv, selector), mirror.node.name, files)
        except OSError:
            continue
        if units:
            root = cache / "nodes" / mirror.node.name
            plans.append(JournalMirror(selector, root, argv_for=mirror.ssh.argv, units=units))
    return plans


def journal_files(session: Session, files: Sequence[LogFile]) -> list[LogFile]:
    """Mirror the journals into a temporary folder, fetch each one's last entries (the
    backlog), and follow them until the session closes; their files."""
    if not shutil.which("journalctl") and not session.mirrors:
        return []
    cache = session.temporary_folder("ostui-journal-")
    plans = plan_journals(session.options, session.mirrors, files, cache)
    if not plans:
        return []
    synced = session.start_journals(plans, session.options.journal_backlog)
    session.wait_until(lambda: all(done.is_set() for done in synced), SYNC_WAIT)
    roots = [m.root for m in plans]
    # A mirror root holds var/log (one node, named by the folder) or, for a store, one
    # such folder per sending host.
    found = files_from_tree(merge_trees(*(discover(root) for root in roots if root.exists())))
    use_journal_format(found, roots)
    return found
