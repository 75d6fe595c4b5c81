"""Remote nodes end to end: the headless scan and the browser in tmux, over a real sshd."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostui.cli import main

from .conftest import REAL, SEED, SEED_REQUEST
from .sshd import Sshd, sshd_binary
from .tmux_driver import TmuxPane, ostui_command

pytestmark = pytest.mark.skipif(sshd_binary() is None or shutil.which("ssh") is None, reason="no sshd/ssh")

# A synthetic compute-node line carrying the seed's request id (written for this test).
COMPUTE_LINE = (
    "2016-06-10 21:49:30.250 2931 INFO nova.compute.manager "
    f"[{SEED_REQUEST} 03384abb3c864c6bb55b09d33371beb4 276eb659fd4b44859849c773dcfdf138 - - -] "
    "seen on the compute node\n"
)

# The ssh server, the inventory naming both nodes, and the controller's and the compute node's roots.
TwoNodes = tuple[Sshd, Path, Path, Path]


@pytest.fixture
def two_nodes(tmp_path: Path) -> Iterator[TwoNodes]:
    server = Sshd(tmp_path / "sshd")
    server.start()
    controller = tmp_path / "nodes" / "controller"
    (controller / "var/log/nova").mkdir(parents=True)
    shutil.copy(SEED / "nova-api.log", controller / "var/log/nova/nova-api.log")
    compute = tmp_path / "nodes" / "compute1"
    shutil.copytree(REAL / "osp6-live-migration/hp-ms-01-c30/var/log/nova", compute / "var/log/nova")
    with (compute / "var/log/nova/nova-compute.log").open("a") as f:
        f.write(COMPUTE_LINE)
    inventory = tmp_path / "nodes.toml"
    options = json.dumps(list(server.client_options))
    inventory.write_text(
        f'[nodes.controller]\nssh = "root@127.0.0.1"\nroot = "{controller}"\noptions = {options}\n'
        f'[nodes.compute1]\nssh = "root@127.0.0.1"\nroot = "{compute}"\noptions = {options}\n'
    )
    yield server, inventory, controller, compute
    server.stop()


def test_headless_scan_and_request_over_ssh(two_nodes: TwoNodes, capsys: pytest.CaptureFixture[str]) -> None:
    _server, inventory, _controller, _compute = two_nodes
    assert main(["scan", "--json", "--inventory", str(inventory), "--backlog", "1M"]) == 0
    doc = json.loads(capsys.readouterr().out)
    nodes = {f["node"] for f in doc["files"]}
    assert nodes == {"controller", "compute1"}
    assert doc["totals"]["tracebacks"] == 1
    assert main(["request", SEED_REQUEST, "--json", "--inventory", str(inventory)]) == 0
    story = json.loads(capsys.readouterr().out)
    assert {r["node"] for r in story["records"]} == {"controller", "compute1"}
    assert story["status"] == 500


def test_browser_merges_both_nodes_and_survives_one_going_down(two_nodes: TwoNodes, tmp_path: Path) -> None:
    server, inventory, controller, _compute = two_nodes
    pane = TmuxPane([*ostui_command(), "--inventory", str(inventory)], env={"HOME": str(tmp_path)})
    try:
        screen = pane.wait_for(r"controller \[live\]")
        assert "compute1 [live]" in screen
        pane.keys("L", "L", "L")
        pane.wait_for(r"Caught error: id")
        pane.keys("R")  # the request, across both nodes
        screen = pane.wait_for(r"seen on the compute node")
        assert "controller/nova" in screen and "compute1/nova" in screen
        server.stop()
        pane.wait_for(r"unreachable")
        with (controller / "var/log/nova/nova-api.log").open("a") as f:
            stamp = "2016-06-10 21:49:31.000 7533 INFO nova.api.openstack"
            f.write(f"{stamp} [{SEED_REQUEST} - - - - -] after the outage\n")
        server.start()
        pane.wait_for(r"after the outage", timeout=40)
        pane.wait_for(r"controller \[live\]")
    finally:
        pane.close()


def test_discover_nodes_follows_the_hosts_the_controllers_logs_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The OSP6 controller's logs name its compute node; with --discover-nodes ostui tries
    it over ssh (here the name does not resolve: the node is reported, not fatal)."""
    controller = tmp_path / "c29"
    shutil.copytree(REAL / "osp6-live-migration/hp-ms-01-c29", controller)
    code = main(["scan", "--json", "--root", str(controller), "--discover-nodes", "--inventory", "/dev/null"])
    assert code == 0
    captured = capsys.readouterr()
    assert "node hp-ms-01-c30.moonshot1" in captured.err and "nova-compute" in captured.err
    assert "is unreachable" in captured.err
    doc = json.loads(captured.out)
    assert {f["node"] for f in doc["files"]} == {"c29"}


def test_nodes_command_prints_an_inventory_that_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ostui.core.live.remote import load_inventory

    controller = tmp_path / "c29"
    shutil.copytree(REAL / "osp6-live-migration/hp-ms-01-c29", controller)
    assert main(["nodes", "--root", str(controller), "--inventory", "/dev/null"]) == 0
    text = capsys.readouterr().out
    saved = tmp_path / "nodes.toml"
    saved.write_text(text)
    nodes = load_inventory(saved)
    assert [n.name for n in nodes] == [n.target for n in nodes]
    assert any(n.name.startswith("hp-ms-01-c30") for n in nodes)
