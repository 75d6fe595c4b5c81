"""Remote nodes through a real sshd on 127.0.0.1: browse, tail, lose the node and get it back."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ostui.core.live.remote import Mirror, RemoteNode, load_inventory, parse_node, start_mirrors

from .conftest import REAL
from .sshd import Sshd, sshd_binary
from .waiting import eventually

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
def sshd(tmp_path: Path) -> Iterator[Sshd]:
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


def wait(cond: Callable[[], object], timeout: float = 15.0) -> bool:
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


@needs_sshd
def test_nul_bytes_and_long_lines_of_busy_files_arrive_byte_for_byte(tmp_path: Path, sshd: Sshd) -> None:
    root = tmp_path / "nodes" / "c1"
    logs = [root / "var/log/nova/nova-compute.log", root / "var/log/nova/nova-api.log"]
    for log in logs:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_bytes(line(0))
    node = RemoteNode("c1", "root@127.0.0.1", str(root), sshd.client_options)
    mirrors = start_mirrors([node], tmp_path / "cache")
    try:
        mirror = mirrors[0]
        assert node.state == "live", node.reason
        # Lines far longer than a pipe's atomic write, NULs and CRs, both files at once.
        for n in range(1, 6):
            for k, log in enumerate(logs):
                with log.open("ab") as f:
                    f.write(line(n)[:-1] + b" x\x00y\r" + bytes([65 + k]) * (200_000 * n) + b"\n")
        locals_ = [mirror.root / "var/log/nova" / log.name for log in logs]
        assert wait(
            lambda: all(lo.read_bytes() == log.read_bytes() for lo, log in zip(locals_, logs, strict=True))
        )
    finally:
        for m in mirrors:
            m.stop()


@needs_sshd
def test_a_node_that_stops_answering_is_slow_then_live_again(tmp_path: Path, sshd: Sshd) -> None:
    import os
    import signal

    root = fake_node(tmp_path, "c1")
    node = RemoteNode("c1", "root@127.0.0.1", str(root), sshd.client_options)
    states: list[str] = []
    mirrors = start_mirrors([node], tmp_path / "cache", on_change=lambda n: states.append(n.state))
    try:
        assert wait(lambda: sshd.follow_loops() != [])
        assert wait(lambda: mirrors[0].clock_offset is not None)
        assert abs(mirrors[0].clock_offset or 0) <= 2  # same host, same clock (1 s resolution)
        loops = sshd.follow_loops()
        for pid in loops:
            os.kill(pid, signal.SIGSTOP)  # the node hangs, the connection holds
        try:
            assert wait(lambda: node.state == "slow", timeout=10), node.state
            assert "no answer" in node.reason
        finally:
            for pid in loops:
                os.kill(pid, signal.SIGCONT)
        assert wait(lambda: node.state == "live", timeout=10)
        assert states[-2:] == ["slow", "live"]
    finally:
        for m in mirrors:
            m.stop()


@needs_sshd
def test_rotation_on_the_node_is_followed_into_the_new_file(tmp_path: Path, sshd: Sshd) -> None:
    root = tmp_path / "nodes" / "c1"
    log = root / "var/log/nova/nova-compute.log"
    log.parent.mkdir(parents=True)
    log.write_bytes(line(0) + line(1))
    node = RemoteNode("c1", "root@127.0.0.1", str(root), sshd.client_options)
    mirrors = start_mirrors([node], tmp_path / "cache")
    try:
        local = mirrors[0].root / "var/log/nova/nova-compute.log"
        with log.open("ab") as f:
            f.write(line(2))
        assert wait(lambda: local.read_bytes().endswith(line(2)))
        log.rename(log.with_name("nova-compute.log.1"))
        # The new file grows past the old one's size before the loop looks: only the inode tells.
        log.write_bytes(b"".join(line(n) for n in range(3, 9)))
        assert wait(lambda: local.read_bytes().endswith(line(8)))
        text = local.read_bytes()
        assert all(text.count(line(n)) == 1 for n in range(9))
    finally:
        for m in mirrors:
            m.stop()


@needs_sshd
def test_older_bytes_are_fetched_on_demand_head_then_rotated_gz(tmp_path: Path, sshd: Sshd) -> None:
    import gzip

    from ostui.core.reading.discovery import discover

    root = fake_node(tmp_path, "c1")
    live = root / "var/log/nova/nova-compute.log"
    rotated = b"2015-05-30 10:00:00.000 1 INFO nova.compute.manager [-] from the rotated file\n"
    (root / "var/log/nova/nova-compute.log.1.gz").write_bytes(gzip.compress(rotated))
    node = RemoteNode("c1", "root@127.0.0.1", str(root), sshd.client_options)
    (mirror,) = start_mirrors([node], tmp_path / "cache", backlog=4096)
    try:
        assert mirror.synced.is_set(), node.reason
        nova = mirror.root / "var/log/nova"
        assert not (nova / "nova-compute.log.1.gz").exists()  # not fetched before it is asked for
        assert mirror.has_older
        first = mirror.fetch_older()
        head = nova / "nova-compute.log.0"
        assert head in first
        assert head.read_bytes() + (nova / "nova-compute.log").read_bytes() == live.read_bytes()
        second = mirror.fetch_older()
        assert nova / "nova-compute.log.1.gz" in second
        assert gzip.decompress((nova / "nova-compute.log.1.gz").read_bytes()) == rotated
        tree = discover(mirror.root)
        members = [[p.name for p in s.members] for s in tree.sources() if s.name == "nova-compute.log"]
        assert members == [["nova-compute.log.1.gz", "nova-compute.log.0", "nova-compute.log"]]
        while mirror.has_older:
            mirror.fetch_older()
        assert mirror.fetch_older() == []
    finally:
        mirror.stop()


@needs_sshd
def test_stop_ends_the_shared_connection_and_leaves_nothing_behind(tmp_path: Path, sshd: Sshd) -> None:
    import subprocess

    from ostui.session import Options, Session

    root = fake_node(tmp_path, "c1")
    inventory = tmp_path / "nodes.toml"
    options = ", ".join(f'"{o}"' for o in sshd.client_options)
    inventory.write_text(f'[nodes.c1]\nssh = "root@127.0.0.1"\nroot = "{root}"\noptions = [{options}]\n')
    session = Session(Options(inventory=inventory, backlog="4K", journal=False))
    assert session.select()
    (mirror,) = session.mirrors
    assert len(str(mirror.control)) < 40  # socket paths stay short whatever TMPDIR is
    check = [
        "ssh",
        *sshd.client_options,
        "-o",
        f"ControlPath={mirror.control}/%C",
        "-O",
        "check",
        "root@127.0.0.1",
    ]
    assert subprocess.run(check, capture_output=True).returncode == 0  # the master runs
    session.close()
    assert subprocess.run(check, capture_output=True).returncode != 0
    assert not mirror.control.exists() and session.folders and not any(f.exists() for f in session.folders)


@needs_sshd
def test_lines_written_just_before_a_rotation_are_read_from_the_rotated_file(
    tmp_path: Path, sshd: Sshd
) -> None:
    root = tmp_path / "nodes" / "c1"
    log = root / "var/log/nova/nova-compute.log"
    log.parent.mkdir(parents=True)
    log.write_bytes(line(0))
    node = RemoteNode("c1", "root@127.0.0.1", str(root), sshd.client_options)
    mirrors = start_mirrors([node], tmp_path / "cache")
    try:
        local = mirrors[0].root / "var/log/nova/nova-compute.log"
        for n in range(1, 6):  # each time: a line, then at once (between two polls) a rotation
            with log.open("ab") as f:
                f.write(line(n * 10))
            log.rename(log.with_name("nova-compute.log.1"))
            log.write_bytes(line(n * 10 + 1))

            def followed(k: int = n) -> bool:
                return local.read_bytes().endswith(line(k * 10 + 1))

            eventually(followed, 15, f"rotation {n} followed")
        text = local.read_bytes()
        expected = [line(0)] + [line(k) for n in range(1, 6) for k in (n * 10, n * 10 + 1)]
        assert text == b"".join(expected)  # every line once, in order
    finally:
        for m in mirrors:
            m.stop()


@needs_sshd
def test_a_rotation_whose_old_file_is_gone_is_said(tmp_path: Path, sshd: Sshd) -> None:
    root = tmp_path / "nodes" / "c1"
    log = root / "var/log/nova/nova-compute.log"
    log.parent.mkdir(parents=True)
    log.write_bytes(line(0))
    node = RemoteNode("c1", "root@127.0.0.1", str(root), sshd.client_options)
    mirrors = start_mirrors([node], tmp_path / "cache")
    try:
        local = mirrors[0].root / "var/log/nova/nova-compute.log"
        with log.open("ab") as f:
            f.write(line(1))
        fresh = log.with_name("fresh")
        fresh.write_bytes(line(2))  # made first: a new inode, not the old one reused
        log.unlink()  # rotated and compressed away before the next poll
        fresh.rename(log)
        eventually(lambda: local.read_bytes().endswith(line(2)), 15, "the new file followed")
        assert any("nova-compute.log: rotated" in p and "may be missing" in p for p in node.problems)
    finally:
        for m in mirrors:
            m.stop()
