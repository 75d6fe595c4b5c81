"""The browser's options for apps built in code (tests, scenes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..session import Options


def make_args(*paths: Path, root: Path | None = None, demo: bool = False, **options: Any) -> Options:
    """The browser's options as the command line would give them."""
    return Options(paths=list(paths), root=root, demo=demo, browser=True, **options)
