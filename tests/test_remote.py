"""Remote nodes through a real sshd on 127.0.0.1: browse, tail, lose the node and get it back."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from ostui.core.remote import Mirror, RemoteNode, load_inventory, parse_node, start_mirrors

from .conftest import REAL
from .sshd import Sshd, sshd_binary

needs_sshd = pytest.mark.skipif(sshd_binary() is None or shutil.which("ssh") is None, reason="no sshd/ssh")


def line(n: int) -> bytes:
    return b"2016-06-10 21:49:%02d.%03d 7533 INFO nova.compute [-] remote message %d\n" % (
        n // 1000 % 60,
        n % 1000,
        n,
    )


def test_parse_node_and_inventory(tmp_path: Path) -> None:
    assert parse_node("net1=admin@10.0.0.12") == RemoteNode("net1", "admin@10.0.0.12")
    assert parse_node("compute-node-01") == RemoteNode("compute-node-01", "compute-node-01")
    inv = tmp_path / "nodes.toml"
    inv.write_text('[nodes.compute1]\nssh = "root@c1"\nroot = "/srv/c1"\n[nodes.net1]\nssh = "net1"\n')
    nodes = load_inventory(inv)
    assert [(n.name, n.target, n.root) for n in nodes] == [
        ("compute1", "root@c1", "/srv/c1"),
        ("net1", "net1", "/"),
    ]
    inv.write_text("[nodes.bad]\nroot = '/x'\n")
    with pytest.raises(ValueError, match=r"nodes\.bad"):
        load_inventory(inv)


@pytest.fixture
def sshd(tmp_path: Path):
    server = Sshd(tmp_path / "sshd")
    server.start()
    yield server
    server.stop()


def fake_node(tmp_path: Path, name: str) -> Path:
    """A node's log root: a copy of real logs under <root>/var/log."""
    root = tmp_path / "nodes" / name
    shutil.copytree(
        REAL / "osp6-live-migration" / "hp-ms-01-c30" / "var" / "log" / "nova", root / "var/log/nova"
    )
    return root


def wait(cond, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


@needs_sshd
def test_backlog_follow_and_reconnect_without_loss(tmp_path: Path, sshd: Sshd) -> None:
    root = fake_node(tmp_path, "compute1")
    remote_log = root / "var/log/nova/nova-compute.log"
    node = RemoteNode("compute1", "root@127.0.0.1", str(root), sshd.client_options)
    states: list[str] = []
    mirrors = start_mirrors(
        [node], tmp_path / "cache", backlog=4096, on_change=lambda n: states.append(n.state)
    )
    try:
        mirror = mirrors[0]
        assert node.state == "live", node.reason
        local = mirror.root / "var/log/nova/nova-compute.log"
        assert local.exists() and 0 < local.stat().st_size <= 4096
        assert remote_log.read_bytes().endswith(local.read_bytes())  # the newest bytes, from a line start
        assert local.read_bytes().startswith(b"2015-")
        with remote_log.open("ab") as f:
            f.write(line(0) + line(1))
        assert wait(lambda: local.read_bytes().endswith(line(1)))
        sshd.stop()  # the node goes away mid-tail
        assert wait(lambda: node.state == "unreachable")
        with remote_log.open("ab") as f:
            f.write(line(2) + line(3))  # written while we cannot see it
        sshd.start()
        assert wait(lambda: local.read_bytes().endswith(line(3)), timeout=30)
        with remote_log.open("ab") as f:
            f.write(line(4))
        assert wait(lambda: local.read_bytes().endswith(line(4)))
        text = local.read_bytes()
        for n in range(5):
            assert text.count(line(n)) == 1  # no loss, no duplicate
        assert node.state == "live"
        assert "unreachable" in states and states[-1] == "live"
    finally:
        for m in mirrors:
            m.stop()


@needs_sshd
def test_refused_authentication_is_a_state_with_the_reason(tmp_path: Path, sshd: Sshd) -> None:
    other_key = tmp_path / "otherkey"
    import subprocess

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other_key)], check=True)
    options = tuple(o if o != str(sshd.dir / "userkey") else str(other_key) for o in sshd.client_options)
    node = RemoteNode("c2", "root@127.0.0.1", str(tmp_path), (*options, "-o", "IdentitiesOnly=yes"))
    mirror = Mirror(node, tmp_path / "cache")
    assert mirror.sync() is False
    assert node.state == "auth-refused" and "Permission denied" in node.reason
    mirror.stop()


def test_unreachable_node_does_not_block(tmp_path: Path) -> None:
    port_nobody_listens = ("-p", "1", "-o", "ConnectTimeout=2")
    node = RemoteNode("gone", "root@127.0.0.1", "/", port_nobody_listens)
    started = time.monotonic()
    mirrors = start_mirrors([node], tmp_path / "cache", wait=5)
    assert time.monotonic() - started < 6
    assert node.state == "unreachable" and node.reason
    for m in mirrors:
        m.stop()
