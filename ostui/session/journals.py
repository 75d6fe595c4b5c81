"""Services that log to the journal, as log files: this host's, each remote node's (over
its ssh connection) and systemd-journal-remote stores, mirrored by `core.journal`."""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from ..core.discovery import discover, merge_trees
from ..core.journal import (
    JournalMirror,
    JournalSelector,
    journal_store_hosts,
    list_units,
    local_argv,
    unit_log_path,
    use_journal_format,
)
from ..core.logset import LogFile, files_from_tree

HOST_JOURNAL_STORES: tuple[Path, ...] = (Path("/var/log/journal/remote"),)
SYNC_WAIT = 20.0  # seconds start-up waits for the backlogs; slower journals join later


def _journal_only(units: Sequence[str], node: str, files: Sequence[LogFile]) -> tuple[str, ...]:
    """The units whose service has no log file on that node (else it would show twice)."""
    have = {f.path.name for f in files if f.node == node}
    return tuple(u for u in units if unit_log_path(u).name not in have)


def _is_store(directory: Path) -> bool:
    return bool(journal_store_hosts(directory))


def plan_journals(args: argparse.Namespace, files: Sequence[LogFile], cache: Path) -> list[JournalMirror]:
    """The journal mirrors the arguments ask for (not started)."""
    plans: list[JournalMirror] = []
    on_this_host = not (args.paths or args.root or args.demo or getattr(args, "client_debug", None))
    if on_this_host and shutil.which("journalctl"):
        host = socket.gethostname()
        try:
            units = _journal_only(list_units(local_argv, JournalSelector()), host, files)
        except OSError:
            units = ()  # no journal here, or not ours to read: the files are what there is
        if units:
            plans.append(JournalMirror(JournalSelector(), cache / "host" / host, units=units))
    stores = [Path(p) for p in getattr(args, "stores", None) or [] if "{host}" not in p]
    if on_this_host:
        stores += [d for d in HOST_JOURNAL_STORES if d.is_dir()]
    for n, directory in enumerate(d for d in stores if _is_store(d)):
        selector = JournalSelector(directory=str(directory))
        plans.append(JournalMirror(selector, cache / f"store-{n}", split_hosts=True))
    for mirror in getattr(args, "mirrors", None) or []:
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


def journal_files(args: argparse.Namespace, files: Sequence[LogFile], backlog: int) -> list[LogFile]:
    """Mirror the journals, fetch each one's last `backlog` entries, follow them in
    threads (left on `args.journals` for whoever stops them); their files."""
    args.journals = []
    if not shutil.which("journalctl") and not getattr(args, "mirrors", None):
        return []
    cache = args.journal_cache = Path(tempfile.mkdtemp(prefix="ostui-journal-"))
    plans = plan_journals(args, files, cache)
    if not plans:
        shutil.rmtree(cache, ignore_errors=True)
        return []
    synced = [threading.Event() for _ in plans]

    def run(mirror: JournalMirror, done: threading.Event) -> None:
        mirror.sync(backlog)
        done.set()
        mirror.run(backlog)

    for mirror, done in zip(plans, synced, strict=True):
        threading.Thread(target=run, args=(mirror, done), name="ostui-journal", daemon=True).start()
    for done in synced:
        done.wait(SYNC_WAIT)
    args.journals = plans
    roots = [m.root for m in plans]
    # A mirror root holds var/log (one node, named by the folder) or, for a store, one
    # such folder per sending host.
    found = files_from_tree(merge_trees(*(discover(root) for root in roots if root.exists())))
    use_journal_format(found, roots)
    return found


def stop_journals(args: argparse.Namespace) -> None:
    for mirror in getattr(args, "journals", None) or []:
        mirror.stop()
    cache = getattr(args, "journal_cache", None)
    if cache is not None:
        shutil.rmtree(cache, ignore_errors=True)
