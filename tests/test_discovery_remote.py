"""A Kubernetes worker reached over ssh (a real sshd on 127.0.0.1) is browsed like any node:
its /var/log/pods files are mirrored and found by the same rules as locally."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostui.core.live.remote import RemoteNode, start_mirrors
from ostui.core.reading.discovery import discover

from .sshd import Sshd, sshd_binary
from .waiting import eventually

REAL = Path(__file__).parent / "data" / "real"
needs_sshd = pytest.mark.skipif(sshd_binary() is None or shutil.which("ssh") is None, reason="no sshd/ssh")
UID = "0b6d2f7e-1a2b-4c3d-8e9f-001122334455"


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    server = Sshd(tmp_path / "sshd")
    server.start()
    yield server
    server.stop()


def kubernetes_worker(root: Path) -> Path:
    """A worker's /var/log: two containers' CRI files of real neutron lines, their links."""
    lines = (REAL / "ubuntu-ussuri/var/log/neutron/neutron-l3-agent.log").read_text().splitlines()[:4]
    pod = root / f"var/log/pods/openstack_neutron-0_{UID}"
    for number, container in enumerate(("neutron-server", "neutron-rpc-server")):
        (pod / container).mkdir(parents=True)
        cri = "".join(f"2022-02-10T16:09:1{number}.414000000Z stdout F {line}\n" for line in lines[number:])
        (pod / container / "0.log").write_text(cri)
        link = root / f"var/log/containers/neutron-0_openstack_{container}-{str(number) * 64}.log"
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(f"../pods/{pod.name}/{container}/0.log")
    return root


@needs_sshd
def test_a_kubernetes_workers_pod_logs_are_mirrored_and_found(tmp_path: Path, sshd: Sshd) -> None:
    root = kubernetes_worker(tmp_path / "nodes" / "worker-2")
    node = RemoteNode("worker-2", "root@127.0.0.1", str(root), sshd.client_options)
    mirrors = start_mirrors([node], tmp_path / "cache", backlog=4096)
    try:
        eventually(lambda: node.state == "live", 15, f"worker-2 never went live: {node.state} {node.reason}")
        tree = discover(tmp_path / "cache")
        found = [(s.node, s.component, s.producer, s.name) for s in tree.sources()]
        assert found == [
            ("worker-2", "neutron", "neutron-rpc-server", "0.log"),
            ("worker-2", "neutron", "neutron-server", "0.log"),
        ]
        for source in tree.sources():
            remote = root / "var/log" / source.newest.relative_to(tmp_path / "cache/worker-2/var/log")
            assert source.newest.read_bytes() == remote.read_bytes()
        # The containers/ links lead to the files read through pods/: nothing to complain of.
        assert list(node.problems) == []
    finally:
        for mirror in mirrors:
            mirror.stop()
