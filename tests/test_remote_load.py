"""A node with 500 logs through a real sshd on 127.0.0.1: one listing per poll for all of
them, an idle loop that costs the node little, and headless commands that answer only
once every named node is synced."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostui.cli import main
from ostui.core.live.remote import RemoteNode, start_mirrors

from .sshd import Sshd, sshd_binary
from .waiting import eventually

pytestmark = pytest.mark.skipif(sshd_binary() is None or shutil.which("ssh") is None, reason="no sshd/ssh")

LOGS = 500
FOLDERS = ("nova", "neutron", "cinder", "glance", "keystone")


def line(n: int, text: str = "message") -> bytes:
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


def busy_node(tmp_path: Path, logs: int = LOGS) -> tuple[Path, list[Path]]:
    root = tmp_path / "node"
    paths = []
    for n in range(logs):
        folder = root / "var/log" / FOLDERS[n % len(FOLDERS)]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"service-{n:03d}.log"
        path.write_bytes(b"".join(line(k, f"file {n}") for k in range(20)))
        paths.append(path)
    return root, paths


def inventory_for(tmp_path: Path, sshd: Sshd, nodes: dict[str, tuple[Path, tuple[str, ...]]]) -> Path:
    inventory = tmp_path / "nodes.toml"
    inventory.write_text(
        "".join(
            f'[nodes.{name}]\nssh = "root@127.0.0.1"\nroot = "{root}"\n'
            f"options = {json.dumps(list(options))}\n"
            for name, (root, options) in nodes.items()
        )
    )
    return inventory


def cpu_seconds(pid: int) -> float:
    """The process's CPU time and that of the children it waited for (ls, date, tail)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def test_a_headless_scan_waits_for_all_500_logs_of_a_node(
    tmp_path: Path, sshd: Sshd, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _paths = busy_node(tmp_path)
    inventory = inventory_for(tmp_path, sshd, {"c1": (root, sshd.client_options)})
    assert main(["scan", "--json", "--inventory", str(inventory), "--backlog", "64K", "--no-journal"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    files = [f for f in doc["files"] if f["node"] == "c1"]
    assert len(files) == LOGS, captured.err
    assert "syncing nodes: c1" in captured.err


def test_an_idle_node_with_500_logs_costs_it_little(tmp_path: Path, sshd: Sshd) -> None:
    root, paths = busy_node(tmp_path)
    node = RemoteNode("c1", "root@127.0.0.1", str(root), sshd.client_options)
    (mirror,) = start_mirrors([node], tmp_path / "cache", backlog=64 << 10, wait=60)
    try:
        assert mirror.synced.is_set(), node.reason
        (loop,) = eventually(sshd.follow_loops, 10, "the node's follow loop runs")
        time.sleep(2)  # the poll slows down once nothing changes
        before, started = cpu_seconds(loop), time.monotonic()
        time.sleep(4)
        share = (cpu_seconds(loop) - before) / (time.monotonic() - started)
        print(f"idle follow loop, {LOGS} files: {share:.1%} of a core")
        assert share < 0.05, f"an idle node's loop used {share:.0%} of a core"
        with paths[-1].open("ab") as f:  # and it still follows
            f.write(line(999, "after the idle time"))
        local = mirror.root / "var/log" / paths[-1].relative_to(root / "var/log")
        eventually(lambda: local.read_bytes().endswith(line(999, "after the idle time")), 10, "followed")
    finally:
        mirror.stop()


def test_a_named_node_that_cannot_sync_fails_the_command_naming_it(
    tmp_path: Path, sshd: Sshd, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = busy_node(tmp_path, logs=3)
    nobody = ("-p", "1", "-o", "ConnectTimeout=2")
    inventory = inventory_for(tmp_path, sshd, {"c1": (root, sshd.client_options), "gone": (root, nobody)})
    with pytest.raises(SystemExit) as stopped:
        main(["scan", "--json", "--inventory", str(inventory), "--no-journal"])
    assert stopped.value.code == 3
    captured = capsys.readouterr()
    assert captured.out == ""  # no partial answer
    assert "nodes not synced: gone" in captured.err and "node gone is unreachable" in captured.err
