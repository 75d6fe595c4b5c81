"""The browser's start-up over a session: a bad nodes.toml is said, not a crash, and
quitting while a node still connects leaves nothing running or on disk."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostui.cli import main
from ostui.core.live.remote import default_inventory
from ostui.core.reading import discovery
from ostui.session import Options, Session
from ostui.tui.app import OstuiApp

from ..conftest import SEED
from ..sshd import Sshd, sshd_binary
from ..waiting import eventually, eventually_async
from .helpers import stream_of

BAD_INVENTORY = '[nodes.c1]\nssh = "root@127.0.0.1"\nsh = "typo"\n'


def notices(app: OstuiApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_bad_default_inventory_is_said_and_the_local_logs_still_show() -> None:
    inventory = default_inventory()  # under the test's own XDG_CONFIG_HOME
    inventory.parent.mkdir(parents=True)
    inventory.write_text(BAD_INVENTORY)
    app = OstuiApp(Options(paths=[SEED / "nova-api.log"], browser=True, journal=False))
    async with app.run_test(size=(140, 30), notifications=True) as pilot:
        await eventually_async(lambda: stream_of(app).view is not None, message="the local log is shown")
        await pilot.pause()
        said = [n for n in notices(app) if "nodes.toml:3" in n and "'sh'" in n]
        assert said, notices(app)
        assert "✗" in app.status_text and "nodes.toml:3" in app.status_text, app.status_text
        assert [f.path.name for f in app.files] == ["nova-api.log"]


def test_a_bad_inventory_still_ends_a_headless_command_with_2(capsys: pytest.CaptureFixture[str]) -> None:
    inventory = default_inventory()
    inventory.parent.mkdir(parents=True)
    inventory.write_text(BAD_INVENTORY)
    with pytest.raises(SystemExit) as stopped:
        main(["scan", "--json", str(SEED / "nova-api.log")])
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "nodes.toml:3" in captured.err


class SlowLink:
    """A TCP relay to the real sshd that holds each connection `delay` seconds before
    passing bytes on: a node slow to answer."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.target_port, self.delay = target_port, delay
        self.accepted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.set()
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        time.sleep(self.delay)
        try:
            server = socket.create_connection(("127.0.0.1", self.target_port))
        except OSError:
            client.close()
            return
        for a, b in ((client, server), (server, client)):
            threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


def ssh_clients_to(port: int) -> list[list[str]]:
    """The ssh client processes aimed at `port` (ours: the port is fresh), from /proc."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue  # ended meanwhile
        if argv[0] == "ssh" and any(a == "-p" and b == str(port) for a, b in itertools.pairwise(argv)):
            found.append(argv)
    return found


needs_ssh = pytest.mark.skipif(sshd_binary() is None or shutil.which("ssh") is None, reason="no sshd/ssh")


@pytest.fixture
def slow_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, SlowLink]]:
    """An inventory naming one node, reached through a relay that holds each connection 3 s."""
    monkeypatch.setattr(discovery, "HOST_LOG_ROOTS", ())
    monkeypatch.setattr(discovery, "HOST_DEVSTACK_DIRS", ())
    monkeypatch.setattr(discovery, "HOST_STORES", ())
    server = Sshd(tmp_path / "sshd")
    server.start()
    link = SlowLink(server.port, delay=3.0)
    root = tmp_path / "node"
    (root / "var/log/nova").mkdir(parents=True)
    shutil.copy(SEED / "nova-api.log", root / "var/log/nova/nova-api.log")
    options = list(server.client_options)
    options[options.index("-p") + 1] = str(link.port)
    quoted = ", ".join(f'"{o}"' for o in options)
    inventory = tmp_path / "nodes.toml"
    inventory.write_text(f'[nodes.c1]\nssh = "root@127.0.0.1"\nroot = "{root}"\noptions = [{quoted}]\n')
    try:
        yield inventory, link
    finally:
        link.close()
        server.stop()


@needs_ssh
async def test_quitting_while_a_node_connects_leaves_no_ssh_mirror_or_folder(
    slow_node: tuple[Path, SlowLink],
) -> None:
    inventory, link = slow_node
    with Session.open(Options(inventory=inventory, browser=True, journal=False)) as session:
        app = OstuiApp(session)
        async with app.run_test(size=(120, 30)) as pilot:
            await eventually_async(lambda: session.mirrors, message="the node's mirror starts")
            await eventually_async(lambda: ssh_clients_to(link.port), message="ssh connects")
            assert session.mirrors[0].node.state == "connecting"
            await pilot.press("q")
    (mirror,) = session.mirrors
    eventually(lambda: not ssh_clients_to(link.port), 3.0, "every ssh to the node ends at once")
    assert not mirror.control.exists(), "the ControlMaster folder is removed"
    assert session.folders and not any(f.exists() for f in session.folders), "mirror folder removed"
    time.sleep(link.delay + 1)  # the relay now lets the held connection through
    assert not ssh_clients_to(link.port), "no ssh started after the quit"
    assert not any(f.exists() for f in session.folders) and not mirror.control.exists()


@needs_ssh
@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["hangup", "terminate"])
def test_a_closed_terminal_or_a_kill_while_a_node_connects_leaves_nothing(
    slow_node: tuple[Path, SlowLink], tmp_path: Path, sig: signal.Signals
) -> None:
    inventory, link = slow_node
    temporary = tmp_path / "tmp"  # where the run's mirror folder goes (the ssh one is in /tmp)
    temporary.mkdir()
    command = [sys.executable, "-m", "ostui", "scan", "--json", "--no-journal", "--inventory", str(inventory)]
    run = subprocess.Popen(
        [*command, str(SEED / "nova-api.log")],
        cwd=Path(__file__).resolve().parents[2],  # the ostui under test
        env={**os.environ, "TMPDIR": str(temporary)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        (client,) = eventually(lambda: ssh_clients_to(link.port), 15.0, "ssh connects")
        control = Path(next(a for a in client if a.startswith("ControlPath=")).split("=", 1)[1]).parent
        assert control.is_dir() and list(temporary.iterdir())
        run.send_signal(sig)
        assert run.wait(timeout=10) == 128 + sig
    finally:
        run.kill()
        run.wait()
    eventually(lambda: not ssh_clients_to(link.port), 3.0, "every ssh to the node ends")
    assert not control.exists(), "the ControlMaster folder is removed"
    assert list(temporary.iterdir()) == [], "the mirror folder is removed"
