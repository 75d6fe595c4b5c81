"""`ostui faults --json` over every tree of tests/data, held against the documents it gave
before faults were made fast (tests/data/faults/golden/). Speed work must not change a byte.

Each tree is copied under a temporary folder whose path is then written `<root>`, and every
copy gets one fixed modification time: a stamp without a year takes the file's year.

    python -m tests.test_faults_golden --write   # rewrite the documents (only when fault
                                                 # content or the JSON shape changes on purpose)
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "faults" / "golden"
TREES = (
    "real/devstack-ci",
    "real/osp6-live-migration",
    "real/ubuntu-ussuri",
    "real/ubuntu-ussuri-rabbitmq",
    "seed",
    "faults",
    "hostile/controller",
)
FIXED_MTIME = 1780000000  # 2026-05-28: the year given to stamps that carry none


def golden_path(tree: str) -> Path:
    return GOLDEN / (tree.replace("/", "__") + ".json")


def faults_document(tree: str, workdir: Path) -> str:
    """The JSON `ostui faults --json --root` prints for a copy of `tree`, its root written `<root>`."""
    from ostui.cli import main

    root = workdir / "root"
    shutil.copytree(DATA / tree, root, ignore=shutil.ignore_patterns("*.py", "__pycache__", "golden"))
    for folder, _dirs, names in os.walk(root):
        for name in names:
            os.utime(Path(folder) / name, (FIXED_MTIME, FIXED_MTIME))
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["faults", "--json", "--root", str(root)]) == 0
    return out.getvalue().replace(str(root), "<root>")


@pytest.mark.parametrize("tree", TREES)
def test_faults_json_is_unchanged(tree: str, tmp_path: Path) -> None:
    got = faults_document(tree, tmp_path)
    want = golden_path(tree).read_text(encoding="utf-8")
    assert got == want, f"ostui faults --json over tests/data/{tree} differs from {golden_path(tree).name}"


def _write_all() -> None:
    # The same isolation as the tests' (tests/conftest.py): no user packs, one locale.
    home = Path(tempfile.mkdtemp(prefix="ostui-golden-home-"))
    os.environ.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), LANG="C.UTF-8", LC_ALL="C.UTF-8")
    for name in ("LANGUAGE", "LC_MESSAGES"):
        os.environ.pop(name, None)
    GOLDEN.mkdir(exist_ok=True)
    for tree in TREES:
        with tempfile.TemporaryDirectory() as work:
            golden_path(tree).write_text(faults_document(tree, Path(work)), encoding="utf-8")
        print(f"wrote {golden_path(tree)}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    _write_all()
