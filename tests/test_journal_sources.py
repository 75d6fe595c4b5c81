"""Journals as sources of the `ostui` command: a journal-remote store given to --store
(one node per sending host), and a remote node's journal read over a real sshd."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ostui.cli import main

from .conftest import SEED_REQUEST
from .sshd import Sshd, sshd_binary
from .test_journal import EXPORTS, make_journal, needs_journal

pytestmark = needs_journal


def journal_store(directory: Path) -> Path:
    """A systemd-journal-remote folder: one `remote-<host>.journal` per sending host."""
    make_journal(directory / "remote-controller.journal", EXPORTS / "controller.export")
    make_journal(directory / "remote-compute1.journal", EXPORTS / "compute.export")
    return directory


def test_journal_remote_store_is_one_node_per_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = journal_store(tmp_path / "journal-remote")
    code = main(
        ["scan", str(tmp_path / "no-files"), "--store", str(store), "--json", "--inventory", "/dev/null"]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    by_node: dict[str, set[str]] = {}
    for f in doc["files"]:
        by_node.setdefault(f["node"], set()).add(f["component"])
    assert set(by_node) == {"controller", "compute1"}
    assert "nova" in by_node["controller"] and "nova" in by_node["compute1"]
    assert all(f["format"] == "journald" for f in doc["files"])


def test_the_seed_request_is_found_in_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = journal_store(tmp_path / "journal-remote")
    args = ["request", SEED_REQUEST, str(tmp_path / "no-files"), "--store", str(store), "--json"]
    assert main([*args, "--inventory", "/dev/null"]) == 0
    story = json.loads(capsys.readouterr().out)
    assert story["status"] == 500
    assert {r["node"] for r in story["records"]} >= {"controller"}


@pytest.mark.skipif(sshd_binary() is None or shutil.which("ssh") is None, reason="no sshd/ssh")
def test_a_nodes_journal_is_read_over_ssh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = Sshd(tmp_path / "sshd")
    server.start()
    try:
        root = tmp_path / "compute1"
        # No log files on the node: its services log to the journal only.
        make_journal(root / "var/log/journal/0123456789abcdef/system.journal", EXPORTS / "compute.export")
        inventory = tmp_path / "nodes.toml"
        options = json.dumps(list(server.client_options))
        inventory.write_text(
            f'[nodes.compute1]\nssh = "root@127.0.0.1"\nroot = "{root}"\noptions = {options}\n'
        )
        assert main(["scan", "--json", "--inventory", str(inventory), "--no-journal"]) in (0, 2)
        capsys.readouterr()
        assert main(["scan", "--json", "--inventory", str(inventory)]) == 0
        doc = json.loads(capsys.readouterr().out)
        compute = [f for f in doc["files"] if f["node"] == "compute1"]
        assert {f["component"] for f in compute} >= {"nova"}
        assert sum(f["records"] for f in compute) >= 3
    finally:
        server.stop()
