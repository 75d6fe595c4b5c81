"""nodes.toml mistakes read like `path:line: what is wrong` and end the CLI with exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ostui.core.live.remote import InventoryError, load_inventory


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ('[nodes.c1]\nssh = "root@c1"\nroot = \n', 3, "Invalid value"),
        ('[nodes.c1]\nssh = "root@c1"\noptions = "-F x"\n', 3, "options must be a list of strings"),
        ('[nodes.c1]\nssh = "root@c1"\n\nroot = 7\n', 4, "root must be an absolute path"),
        ('[nodes.c1]\nssh = "root@c1"\n[nodes.c2]\nssh = "c2"\nsshh = "c3"\n', 5, "unknown key 'sshh'"),
        ('[nodes.c1]\nroot = "/"\n', 1, "needs ssh"),
        ('[nodes.c1]\nssh = "-oProxyCommand=x"\n', 2, "start with '-'"),
        ('[nodes.c1]\nssh = "c1"\nolder_cap = "lots"\n', 3, "older_cap must be a size"),
        ('[nodez.c1]\nssh = "c1"\n', 1, "unknown table or key 'nodez'"),
    ],
)
def test_inventory_errors_name_the_line_and_what_is_wrong(
    tmp_path: Path, text: str, line: int, what: str
) -> None:
    inventory = tmp_path / "nodes.toml"
    inventory.write_text(text)
    with pytest.raises(InventoryError) as caught:
        load_inventory(inventory)
    message = str(caught.value)
    assert message.startswith(f"{inventory}:{line}: "), message
    assert what in message


def test_options_and_caps_keep_their_types(tmp_path: Path) -> None:
    inventory = tmp_path / "nodes.toml"
    inventory.write_text('[nodes.c1]\nssh = "c1"\noptions = ["-F", "x y"]\nolder_cap = "64M"\n')
    (node,) = load_inventory(inventory)
    assert node.options == ("-F", "x y") and node.older_cap == 64 << 20


def test_the_cli_says_where_and_exits_2_without_a_traceback(tmp_path: Path) -> None:
    inventory = tmp_path / "nodes.toml"
    inventory.write_text('[nodes.c1]\nssh = "root@c1"\noptions = "-F x"\n')
    logs = tmp_path / "logs"
    logs.mkdir()
    for command in (["scan"], ["request", "req-1"], ["faults"], ["nodes"]):
        done = subprocess.run(
            [sys.executable, "-m", "ostui", *command, str(logs), "--inventory", str(inventory)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, (command, done.stderr)
        assert "Traceback" not in done.stderr
        assert f"ostui: {inventory}:3: [nodes.c1] options must be a list of strings" in done.stderr
