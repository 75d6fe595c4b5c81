"""A hostile node, through a real sshd on 127.0.0.1: logs swapped for symlinks, FIFOs and
devices, names built to escape the mirror folder, and older files too big to hold."""

from __future__ import annotations

import os
import shutil
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ostui.core.live.remote import (
    PROBLEM_LIMIT,
    STDERR_LINES,
    InventoryError,
    Mirror,
    RemoteNode,
    load_inventory,
    parse_node,
    start_mirrors,
)

from .sshd import Sshd, sshd_binary
from .waiting import eventually

needs_sshd = pytest.mark.skipif(sshd_binary() is None or shutil.which("ssh") is None, reason="no sshd/ssh")

SECRET = b"root:$6$NOT-A-LOG-SECRET$:19000:0:99999:7:::\n"


def line(n: int, text: str = "remote message") -> bytes:
    return b"2016-06-10 21:49:%02d.%03d 7533 INFO nova.compute [-] %s %d\n" % (
        n // 1000 % 60,
        n % 1000,
        text.encode(),
        n,
    )


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[Sshd]:
    server = Sshd(tmp_path / "sshd")
    server.start()
    yield server
    server.stop()


def nova_logs(tmp_path: Path, names: list[str]) -> tuple[Path, list[Path]]:
    root = tmp_path / "node"
    nova = root / "var/log/nova"
    nova.mkdir(parents=True)
    logs = []
    for n, name in enumerate(names):
        (nova / name).write_bytes(line(n, name.encode("unicode_escape").decode()))
        logs.append(nova / name)
    return root, logs


def mirrored(tmp_path: Path, sshd: Sshd, root: Path, older_cap: int = 256 << 20) -> Mirror:
    node = RemoteNode("c1", "root@127.0.0.1", str(root), sshd.client_options, older_cap=older_cap)
    (mirror,) = start_mirrors([node], tmp_path / "cache", backlog=1 << 20)
    assert mirror.synced.is_set(), f"{node.state}: {node.reason}"
    return mirror


def refused_said(node: RemoteNode, name: str) -> Callable[[], bool]:
    return lambda: any(name in p and "not read" in p for p in node.problems)


def same_bytes(local: Path, remote: Path) -> Callable[[], bool]:
    return lambda: local.read_bytes() == remote.read_bytes()


def ends_with(local: Path, data: bytes) -> Callable[[], bool]:
    return lambda: local.read_bytes().endswith(data)


def everything_mirrored(mirror: Mirror) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(mirror.cache.rglob("*")) if p.is_file())


@needs_sshd
def test_logs_swapped_for_symlinks_fifos_and_devices_are_refused_and_said(tmp_path: Path, sshd: Sshd) -> None:
    secret = tmp_path / "shadow"
    secret.write_bytes(SECRET * 50)
    names = ["nova-api.log", "nova-compute.log", "nova-conductor.log", "nova-scheduler.log"]
    root, (api, compute, conductor, scheduler) = nova_logs(tmp_path, names)
    mirror = mirrored(tmp_path, sshd, root)
    node = mirror.node
    try:
        api.unlink()
        api.symlink_to(secret)  # after the first listing, as an attacker would
        compute.unlink()
        compute.symlink_to("/dev/zero")
        conductor.unlink()
        os.mkfifo(conductor)
        with scheduler.open("ab") as f:
            f.write(line(10))
        local = mirror.root / "var/log/nova"
        eventually(
            lambda: (local / "nova-scheduler.log").read_bytes().endswith(line(10)),
            15,
            "a plain log still follows",
        )
        for name in names[:3]:
            eventually(refused_said(node, name), 10, f"{name} said")
        with scheduler.open("ab") as f:  # several polls later the loop still answers
            f.write(line(11))
        eventually(
            lambda: (local / "nova-scheduler.log").read_bytes().endswith(line(11)), 15, "still following"
        )
        assert node.state == "live", node.reason
        copied = everything_mirrored(mirror)
        assert b"NOT-A-LOG-SECRET" not in copied
        assert b"\0" * 64 not in copied
        assert (local / "nova-api.log").read_bytes() == line(0, "nova-api.log")
        problems = "\n".join(node.problems)
        assert "a symlink" in problems and "a FIFO" in problems
    finally:
        mirror.stop()


@needs_sshd
def test_the_node_reads_only_the_inode_it_listed_and_never_opens_a_fifo(tmp_path: Path, sshd: Sshd) -> None:
    """The race a listing cannot close: the path changes between the listing and the read.
    The node loop itself is asked, as the mirror would ask it."""
    secret = tmp_path / "shadow"
    secret.write_bytes(SECRET)
    root, (log,) = nova_logs(tmp_path, ["nova-api.log"])
    node = RemoteNode("c1", "root@127.0.0.1", str(root), sshd.client_options)
    mirror = Mirror(node, tmp_path / "cache")
    assert mirror.sync()
    proc, _ = mirror.ssh.popen(mirror.follow_script(), stdin=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(mirror.follow_header())

    def ask(request: bytes) -> bytes:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(request)
        proc.stdin.flush()
        return proc.stdout.readline()

    try:
        listed = str(log.stat().st_ino).encode()
        answer = ask(b"r 0 0 20 %s\n" % listed)
        assert answer == b"D\t0\t0\t20\n"
        assert proc.stdout.read(20) == line(0, "nova-api.log")[:20]
        assert proc.stdout.readline().startswith(b"E\t0\t")
        other = log.with_name("other")
        other.write_bytes(SECRET)
        os.replace(other, log)  # a regular file, but not the one listed
        assert ask(b"r 0 0 20 %s\n" % listed) == b"X\t0\tchanged\n"
        log.unlink()
        log.symlink_to(secret)  # even asked for the target's own inode: a symlink is not read
        assert ask(b"r 0 0 20 %d\n" % secret.stat().st_ino) == b"X\t0\tnotfile\n"
        log.unlink()
        os.mkfifo(log)  # opening a FIFO would block the loop for good
        assert ask(b"r 0 0 20 %s\n" % listed) == b"X\t0\tnotfile\n"
        log.unlink()
        log.symlink_to("/dev/zero")
        assert ask(b"r 0 0 20 %d\n" % os.stat("/dev/zero").st_ino) == b"X\t0\tnotfile\n"
    finally:
        proc.kill()
        proc.wait()
        mirror.stop()


@needs_sshd
def test_names_with_newlines_trailing_spaces_and_utf8_are_mirrored_exactly(
    tmp_path: Path, sshd: Sshd
) -> None:
    names = ["nova-api.log ", "nova\nx.log", "nova-é.log", "nova-api.log"]
    twins = ["a\x01b.log", "a\x02b.log"]  # `ls -q` prints both as a?b.log: not told apart
    root, logs = nova_logs(tmp_path, names + twins)
    mirror = mirrored(tmp_path, sshd, root)
    try:
        local = mirror.root / "var/log/nova"
        for log in logs[: len(names)]:
            with log.open("ab") as f:
                f.write(line(100, "appended to " + log.name.encode("unicode_escape").decode()))
        for log in logs[: len(names)]:
            eventually(same_bytes(local / log.name, log), 15, f"{log.name!r} exact")
        listed = sorted(p.name for p in local.iterdir())
        assert listed == sorted(names + twins)
        problems = "\n".join(mirror.node.problems)
        assert "a\\x01b.log" in problems and "reads the same" in problems
        assert (local / twins[0]).read_bytes() == b""  # refused, not guessed
    finally:
        mirror.stop()


def test_node_names_and_remote_paths_cannot_leave_the_mirror_folder(tmp_path: Path) -> None:
    for spec in (
        "../../../tmp/x=root@h",
        "..=root@h",
        "a/b=root@h",
        "x\n=root@h",
        "n=-oProxyCommand=touch_x",
        "-oProxyCommand",
    ):
        with pytest.raises(ValueError):
            parse_node(spec)
    inventory = tmp_path / "nodes.toml"
    inventory.write_text('[nodes."../../../tmp/x"]\nssh = "root@h"\n')
    with pytest.raises(InventoryError, match=r"nodes\.toml:1: .*one folder name"):
        load_inventory(inventory)
    cache = tmp_path / "a" / "cache"
    escaping = RemoteNode("../../escaped", "root@127.0.0.1")  # as a hint from hostile logs could make it
    (mirror,) = start_mirrors([escaping], cache, wait=5)
    try:
        assert escaping.state == "refused" and "one folder name" in escaping.reason
        assert not (tmp_path / "escaped").exists() and not any(cache.rglob("*"))
    finally:
        mirror.stop()
    node = RemoteNode("c1", "root@127.0.0.1", "/srv/c1")
    mirror = Mirror(node, cache)
    try:
        assert mirror._local("/srv/c1/var/log/nova/../../../../../tmp/x") is None
        assert mirror._local("/etc/shadow") is None
        assert mirror._local("/srv/c1/var/log/nova/nova-api.log") == cache / "c1/var/log/nova/nova-api.log"
        assert sum("not mirrored" in p for p in node.problems) == 2
    finally:
        mirror.stop()


@needs_sshd
def test_older_files_are_capped_and_refused_when_swapped(tmp_path: Path, sshd: Sshd) -> None:
    root, (live, _api) = nova_logs(tmp_path, ["nova-compute.log", "nova-api.log"])
    nova = live.parent
    rotated = b"".join(line(n, "rotated") for n in range(40_000))  # ~2.6 MB of whole lines
    (nova / "nova-compute.log.1").write_bytes(rotated)
    (nova / "nova-api.log.1").write_bytes(line(1, "rotated api"))
    (nova / "nova-conductor.log.1").symlink_to("/dev/zero")  # a symlink already when listed
    (nova / "nova-conductor.log").write_bytes(line(2))
    mirror = mirrored(tmp_path, sshd, root, older_cap=1 << 20)
    node = mirror.node
    try:
        assert any("nova-conductor.log.1" in p and "symlink" in p for p in node.problems)
        (nova / "nova-api.log.1").unlink()
        (nova / "nova-api.log.1").symlink_to("/dev/zero")  # swapped after the listing
        written = mirror.fetch_older()
        local = mirror.root / "var/log/nova"
        assert written == [local / "nova-compute.log.1"]
        fetched = (local / "nova-compute.log.1").read_bytes()
        assert 0 < len(fetched) <= 1 << 20
        assert rotated.endswith(fetched) and fetched.startswith(b"2016-")  # the newest whole lines
        assert any("nova-compute.log.1" in p and "cap" in p for p in node.problems)
        assert any("nova-api.log.1" in p and "not a regular file" in p for p in node.problems)
        assert not (local / "nova-api.log.1").exists() and not (local / "nova-conductor.log.1").exists()
    finally:
        mirror.stop()


@needs_sshd
def test_an_older_file_streams_to_disk_in_bounded_memory(tmp_path: Path, sshd: Sshd) -> None:
    root, _ = nova_logs(tmp_path, ["nova-compute.log"])
    rotated = os.urandom(24 << 20)  # a gzip member as far as the mirror knows: fetched from its start
    (root / "var/log/nova/nova-compute.log.1.gz").write_bytes(rotated)
    mirror = mirrored(tmp_path, sshd, root, older_cap=16 << 20)
    try:
        tracemalloc.start()
        written = mirror.fetch_older()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert written and written[0].read_bytes() == rotated[: 16 << 20]  # a gzip decodes from its start
        assert peak < 6 << 20, f"held {peak >> 20} MiB to fetch 16 MiB"
        assert any("over the cap" in p for p in mirror.node.problems)
    finally:
        mirror.stop()


@needs_sshd
def test_a_loop_that_spams_stderr_keeps_following_and_reconnects(tmp_path: Path, sshd: Sshd) -> None:
    """300 followed folders vanish (each poll, `ls` complains about every one: more than
    a pipe and ssh's channel window hold within seconds) and 100 logs become /dev/null
    symlinks."""
    root, (live,) = nova_logs(tmp_path, ["nova-api.log"])
    nova = live.parent
    long = "x" * 200  # long names: more bytes of complaint per poll
    for n in range(300):
        (nova / f"s{n:03d}{long}").mkdir()
        (nova / f"s{n:03d}{long}" / "nova-api.log").write_bytes(line(n))
    for n in range(100):
        (nova / f"nova-worker-{n:03d}.log").write_bytes(line(n))
    mirror = mirrored(tmp_path, sshd, root)
    node = mirror.node
    gone = tmp_path / "gone"
    gone.mkdir()
    try:
        for n in range(300):
            (nova / f"s{n:03d}{long}").rename(gone / f"s{n:03d}")
        for n in range(100):
            (nova / f"nova-worker-{n:03d}.log").unlink()
            (nova / f"nova-worker-{n:03d}.log").symlink_to("/dev/null")
        local = mirror.root / "var/log/nova/nova-api.log"
        for n in range(12):  # about 6 s: a few MB of complaints
            with live.open("ab") as f:
                f.write(line(1000 + n))
            eventually(ends_with(local, line(1000 + n)), 10, f"line {n} followed")
            time.sleep(0.5)
        assert node.state == "live", node.reason
        assert any("cannot access" in p for p in node.problems)
        assert any("nova-worker-" in p and "symlink" in p for p in node.problems)
        assert len(node.problems) <= PROBLEM_LIMIT + STDERR_LINES
        sshd.stop()
        eventually(lambda: node.state == "unreachable", 20, "the node goes unreachable")
        with live.open("ab") as f:
            f.write(line(2000))
        sshd.start()
        eventually(lambda: local.read_bytes().endswith(line(2000)), 40, "followed again after reconnecting")
        text = local.read_bytes()
        assert all(text.count(line(k)) == 1 for k in [*range(1000, 1012), 2000])
    finally:
        mirror.stop()


@needs_sshd
def test_a_log_that_appears_in_a_followed_folder_is_followed_from_its_start(
    tmp_path: Path, sshd: Sshd
) -> None:
    root, (api,) = nova_logs(tmp_path, ["nova-api.log"])
    mirror = mirrored(tmp_path, sshd, root)
    try:
        new = api.with_name("nova-conductor.log")
        new.write_bytes(line(1, "first line of a new log"))
        local = mirror.root / "var/log/nova/nova-conductor.log"
        eventually(
            lambda: local.exists() and local.read_bytes() == new.read_bytes(), 15, "the new log mirrored"
        )
        with new.open("ab") as f:
            f.write(line(2))
        eventually(lambda: local.read_bytes().endswith(line(2)), 15, "and followed")
        assert local.read_bytes() == new.read_bytes()
    finally:
        mirror.stop()
