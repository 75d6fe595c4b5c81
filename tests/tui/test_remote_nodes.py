"""A remote node in the browser (real sshd on 127.0.0.1): scrolling back past the backlog
fetches the older bytes from the node, first the file's head, then its rotated .gz."""

from __future__ import annotations

import gzip
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from ostui.core.indexing.logset import LogFile
from ostui.core.reading import discovery
from ostui.tui.app import OstuiApp

from ..sshd import Sshd, sshd_binary
from .helpers import DATA, app_for, stream_of

pytestmark = pytest.mark.skipif(sshd_binary() is None or shutil.which("ssh") is None, reason="no sshd/ssh")

ROTATED = b"2015-05-29 23:59:59.000 1 ERROR nova.compute.manager [-] only in the rotated file\n"


async def wait_for(pilot: Pilot[Any], cond: Callable[[], object], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.1)
        if cond():
            return True
    return False


def messages(app: OstuiApp) -> list[str]:
    view = stream_of(app).view
    return [view.record(i)[1].message for i in range(len(view))] if view is not None else []


async def test_scrolling_back_fetches_older_logs_from_the_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discovery, "HOST_LOG_ROOTS", ())
    monkeypatch.setattr(discovery, "HOST_DEVSTACK_DIRS", ())
    monkeypatch.setattr(discovery, "HOST_STORES", ())
    server = Sshd(tmp_path / "sshd")
    server.start()
    root = tmp_path / "node"
    nova = root / "var/log/nova"
    nova.mkdir(parents=True)
    real = DATA / "real/osp6-live-migration/hp-ms-01-c30/var/log/nova/nova-compute.log"
    shutil.copy(real, nova / "nova-compute.log")
    (nova / "nova-compute.log.1.gz").write_bytes(gzip.compress(ROTATED))
    inventory = tmp_path / "nodes.toml"
    options = json.dumps(list(server.client_options))
    inventory.write_text(f'[nodes.c30]\nssh = "root@127.0.0.1"\nroot = "{root}"\noptions = {options}\n')
    app = app_for(inventory=inventory, nodes=None, backlog="8K")
    try:
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            assert await wait_for(pilot, lambda: app.indexed and stream_of(app).view is not None)
            before = len(messages(app))
            assert before > 0
            await pilot.press("g")  # to the top: past the backlog
            assert await wait_for(pilot, lambda: len(messages(app)) > before)
            head = nova / "nova-compute.log"
            assert len(messages(app)) == len(stream_of(app).view or ())
            names = sorted(f.path.name for f in app.files)
            assert names == ["nova-compute.log", "nova-compute.log.0"]
            total = len(messages(app))
            # Every record of the real file is there once: head + backlog == the whole file
            # (plus one when the cut fell inside a record: its rest opens the backlog).
            whole = LogFile(head, "c30", "nova", head.name)
            whole.open()
            whole.build()
            assert whole.index is not None
            assert len(whole.index) <= total <= len(whole.index) + 1
            await pilot.press("g", "k")  # up again at the top: the rotated file
            assert await wait_for(pilot, lambda: "only in the rotated file" in messages(app))
            assert messages(app)[0] == "only in the rotated file"
            await pilot.press("O")
            assert await wait_for(
                pilot, lambda: any("no older logs left" in n.message for n in app._notifications)
            )
    finally:
        app.session.close()
        server.stop()
