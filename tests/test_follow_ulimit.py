"""Following more live files than descriptors allow (`ulimit -n 256`): the follower holds
what it can and follows the rest through the shared descriptor pool; none stops updating."""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap
from pathlib import Path

FILES = 400

SCRIPT = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from ostui.core.live.follow import Follower
    from ostui.core.indexing.logset import LogFile, open_files

    root = Path(sys.argv[1])
    line = b"2016-06-10 21:49:00.000 7533 INFO nova.x [-] message %d\\n"
    files = [LogFile(p, "node", "nova", p.name) for p in sorted(root.glob("*.log"))]
    open_files(files)
    fol = Follower(list(files))  # it appends the generations it meets
    for lf in files:
        with lf.path.open("ab") as f:
            f.write(line % 1)
    grew = {c.file.path.name for c in fol.poll() if c.kind == "grew"}
    for lf in files[:50]:  # rotated: renamed, then written again under the name
        os.rename(lf.path, lf.path.with_name(lf.path.name + ".1"))
        with lf.path.open("ab") as f:
            f.write(line % 2)
    changes = fol.poll()
    recreated = {c.file.path.name for c in changes if c.kind == "new"}
    import time
    for lf in files[50:]:  # and again, long after: still followed, not drained and dropped
        with lf.path.open("ab") as f:
            f.write(line % 3)
    later = {c.file.path.name for c in fol.poll(now=time.monotonic() + 60) if c.kind == "grew"}
    for lf in files[50:]:
        with lf.path.open("ab") as f:
            f.write(line % 4)
    later &= {c.file.path.name for c in fol.poll(now=time.monotonic() + 120) if c.kind == "grew"}
    total = sum(len(f.index) for f in fol.files if f.index is not None)
    print(len(grew), len(recreated), len(later), total)
    """
)


def test_many_followed_files_under_a_low_descriptor_limit(tmp_path: Path) -> None:
    first = b"2016-06-10 21:48:00.000 7533 INFO nova.x [-] message 0\n"
    for n in range(FILES):
        (tmp_path / f"svc-{n:03d}.log").write_bytes(first)

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        preexec_fn=low_limit,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    grew, recreated, later, records = map(int, run.stdout.split())
    assert grew == FILES  # every file's new line read, held or pooled
    assert recreated == 50  # every rotated file's successor followed
    assert later == FILES - 50
    assert records == 4 * FILES - 50
