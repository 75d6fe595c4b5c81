"""Central rsyslog trees: one node per host, found by discovery and by `--store`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ostui.cli import main
from ostui.core.reading import discovery
from ostui.core.reading.discovery import discover_store, merge_trees

from .conftest import REAL

OSP6 = REAL / "osp6-live-migration"


def copy_for(host: str, source: Path, target: Path) -> None:
    """A copy of a real log ending with a line of `host`'s own: byte-identical files are read once."""
    target.write_bytes(
        source.read_bytes() + f"2015-10-29 12:00:00.000 1 INFO nova.service [-] on {host}\n".encode()
    )


def rsyslog_tree(base: Path, hosts: int = 3) -> Path:
    """`base/<host>/<program>.log`, as rsyslog's per-host template writes them."""
    nova = OSP6 / "hp-ms-01-c30" / "var" / "log" / "nova"
    for n in range(hosts):
        host = base / f"compute-{n:02d}"
        host.mkdir(parents=True)
        copy_for(f"{base.name}/{host.name}", nova / "nova-compute.log", host / "nova-compute.log")
        (host / "sshd.log").write_text("Nov 24 10:00:00 compute sshd[1]: Accepted publickey\n")
    return base


def test_each_host_folder_is_a_node(tmp_path: Path) -> None:
    tree = discover_store(str(rsyslog_tree(tmp_path / "remote")))
    assert [n.name for n in tree.nodes] == ["compute-00", "compute-01", "compute-02"]
    for node in tree.nodes:
        assert list(node.components) == ["nova"]  # programs ostui does not know stay out
        assert [s.name for s in node.components["nova"]] == ["nova-compute.log"]


def test_a_pattern_names_where_the_host_folder_is(tmp_path: Path) -> None:
    for host in ("ctl-1", "cmp-1"):
        logs = tmp_path / "central" / host / "openstack"
        logs.mkdir(parents=True)
        copy_for(
            host,
            OSP6 / "hp-ms-01-c30" / "var" / "log" / "nova" / "nova-compute.log",
            logs / "nova-compute.log",
        )
    (tmp_path / "central" / "empty-host").mkdir()
    tree = discover_store(str(tmp_path / "central") + "/{host}/openstack")
    assert [n.name for n in tree.nodes] == ["cmp-1", "ctl-1"]


def test_host_folders_with_var_log_are_node_roots(tmp_path: Path) -> None:
    shutil.copytree(OSP6 / "hp-ms-01-c30", tmp_path / "store" / "c30")
    tree = discover_store(str(tmp_path / "store"))
    assert [n.name for n in tree.nodes] == ["c30"]
    assert "nova" in tree.nodes[0].components


def test_unreadable_store_is_reported_not_raised(tmp_path: Path) -> None:
    tree = discover_store(str(tmp_path / "missing"))
    assert tree.nodes == [] and tree.skipped and "missing" in tree.skipped[0][0]


def test_this_hosts_var_log_remote_becomes_nodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "var" / "log"
    (own / "nova").mkdir(parents=True)
    copy_for(
        "controller",
        OSP6 / "hp-ms-01-c30" / "var" / "log" / "nova" / "nova-compute.log",
        own / "nova" / "nova-compute.log",
    )
    rsyslog_tree(own / "remote", hosts=2)
    monkeypatch.setattr(discovery, "HOST_LOG_ROOTS", (own,))
    monkeypatch.setattr(discovery, "HOST_DEVSTACK_DIRS", ())
    monkeypatch.setattr(discovery, "HOST_STORES", (str(own / "remote") + "/{host}",))
    monkeypatch.setattr(discovery.socket, "gethostname", lambda: "controller")
    tree = discovery.discover(None)
    names = [n.name for n in tree.nodes]
    assert names == ["compute-00", "compute-01", "controller"]
    # The store is not also read as the controller's own files.
    controller = tree.node("controller")
    assert controller is not None
    assert all("remote" not in p.relative_to(own).parts for s in controller.sources() for p in s.members)


def test_merge_trees_joins_a_node_found_twice(tmp_path: Path) -> None:
    a = discover_store(str(rsyslog_tree(tmp_path / "a", hosts=1)))
    b = discover_store(str(rsyslog_tree(tmp_path / "b", hosts=2)))
    merged = merge_trees(a, b)
    assert [n.name for n in merged.nodes] == ["compute-00", "compute-01"]
    assert len(merged.nodes[0].components["nova"]) == 2


def test_scan_takes_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    store = rsyslog_tree(tmp_path / "remote", hosts=2)
    assert main(["scan", str(tmp_path / "nothing-here"), "--store", str(store), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    nodes = {f["node"] for f in report["files"]}
    assert nodes == {"compute-00", "compute-01"}
