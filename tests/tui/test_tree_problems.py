"""Nothing vanishes from the tree: files found but not read are listed with why, files read
only in part are marked, and the status bar's counts name the marks the tree uses."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .helpers import DATA, app_for, settle, tree_labels


async def test_tree_lists_what_was_not_read_and_marks_partial_files(tmp_path: Path) -> None:
    nova = tmp_path / "n1" / "var" / "log" / "nova"
    nova.mkdir(parents=True)
    shutil.copy(DATA / "seed" / "nova-api.log", nova / "nova-api.log")
    os.mkfifo(nova / "nova-conductor.log")  # never opened: it would block
    (nova / "nova-crlf.log").write_bytes(b"2016-06-10 21:49:31.191 7533 INFO nova.x [-] b\r\n")
    app = app_for(root=tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        labels = tree_labels(app)
        assert any(label.startswith("not read (") for label in labels), labels
        assert any("nova-conductor.log" in label for label in labels), labels
        assert any("nova-crlf.log" in label and "⚠" in label for label in labels), labels
        assert "partly read: tree ⚠" in app.status_text and "not read" in app.status_text
