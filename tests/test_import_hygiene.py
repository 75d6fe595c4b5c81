"""The engine stays headless: importing it never loads textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def printed(code: str) -> list[str]:
    """The words a fresh interpreter running `code` prints (it must succeed)."""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return run.stdout.split()


def test_core_never_imports_textual() -> None:
    code = (
        "import sys, ostui.core, ostui.core.indexing.index, ostui.core.indexing.records, "
        "ostui.core.stream.requests, ostui.core.stream.merge, ostui.core.stream.view, "
        "ostui.core.reading.discovery, ostui.core.indexing.scan, ostui.core.parsing.formats; "
        "ostui.core.parsing.formats.all_formats(); "
        "print('textual' in sys.modules, 'rich' in sys.modules)"
    )
    assert printed(code) == ["False", "False"]


def test_headless_commands_never_import_textual(tmp_path: Path) -> None:
    code = (
        "import sys; from ostui.cli import main; "
        f"main(['scan', '--json', {str(tmp_path)!r}]); "
        "print('textual' in sys.modules, file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stderr.strip().splitlines()[-1] == "False"


def test_the_browser_imports_pygments_only_to_highlight_a_traceback() -> None:
    """pygments (0.4 MiB resident) comes with the first traceback highlighted, not at start."""
    code = (
        "import sys, ostui.tui.app, ostui.tui.widgets.detail, ostui.tui.widgets.traceback_view; "
        "print('pygments' in sys.modules); "
        "ostui.tui.widgets.traceback_view.highlight_lines(['x = 1']); "
        "print('pygments' in sys.modules)"
    )
    assert printed(code) == ["False", "True"]
