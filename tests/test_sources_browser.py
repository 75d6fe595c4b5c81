"""The browser indexes a folder of more files than `ulimit -n 256` allows descriptors.

Runs the app headless (Textual's test driver) in a child process limited to 256
descriptors, over 300 plain files made here: before the descriptor pool, one descriptor
per file ended it with "Too many open files".
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

BASES = 100  # a live file, a .1 and a .2 each: 300 plain files
CHILD = """
import asyncio, json, sys
from pathlib import Path
from ostui.tui.app import OstuiApp
from ostui.tui.scenes import settle
from ostui.tui.startup import make_args
from ostui.tui.widgets.log_stream import LogStream

async def main() -> None:
    app = OstuiApp(make_args(Path(sys.argv[1])))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, timeout=90)
        view = app.query_one(LogStream).view
        print(json.dumps({
            "files": len(app.files),
            "records": len(view) if view is not None else -1,
            "errors": [f.error for f in app.files if f.error],
            "problems": [p for f in app.files for p in f.problems],
        }))

asyncio.run(main())
"""


def line(n: int) -> bytes:
    return f"2026-12-05 09:00:{n % 60:02d}.000 1234 INFO nova.api.openstack [-] line {n}\n".encode()


def test_browser_indexes_300_files_at_ulimit_256(tmp_path: Path) -> None:
    nova = tmp_path / "nova"
    nova.mkdir()
    for i in range(BASES):
        name = f"nova-worker{i:03d}.log"
        (nova / name).write_bytes(line(i) * 2)
        (nova / f"{name}.1").write_bytes(line(i) * 3)
        (nova / f"{name}.2").write_bytes(line(i) * 4)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(nova)],
        capture_output=True,
        text=True,
        timeout=150,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256)),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Too many open files" not in done.stdout + done.stderr
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown == {"files": 3 * BASES, "records": BASES * 9, "errors": [], "problems": []}
