"""The source lines around a traceback frame, read from this host's copy of the code.

A frame's path comes from a log, and anyone can write a log line that looks like a
frame (`File "/etc/shadow", line 1`). ostui runs as root, so it reads a frame's source
only where Python code lives: a `.py` file whose real path (links resolved) is inside
a Python library folder (`site-packages`, `dist-packages`, `/usr/lib*/python3.*`) or a
devstack checkout (`/opt/stack/<project>/`), a regular file, opened without blocking.
Anything else is refused with a note that says why.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass

from ..textsafe import visible

CONTEXT_RADIUS = 5  # lines of source shown above and below a frame's line
MAX_SOURCE_LINE = 400  # characters of one source line kept; minified code is not worth more
MAX_READ = 4 << 20  # bytes of a source file read at most to reach the frame's line

_CODE_FOLDER = re.compile(
    r"/(?:site-packages|dist-packages)/"
    r"|^/usr/(?:local/)?lib(?:64)?/python[23](?:\.\d+)?/"
    r"|^/opt/stack/[^/]+/"
)


@dataclass(frozen=True, slots=True)
class SourceContext:
    """The lines around a frame's line in the file on this host, or why there are none."""

    path: str
    lineno: int
    lines: tuple[tuple[int, str], ...] = ()
    note: str | None = None


def is_code_path(real_path: str) -> bool:
    """True when `real_path` (already resolved) is Python code ostui may read."""
    return real_path.endswith(".py") and bool(_CODE_FOLDER.search(real_path))


def shown_source(text: str) -> str:
    """A source line as drawn: tabs expanded, through the gate, cut to a sane width."""
    return visible(text.expandtabs(8))[:MAX_SOURCE_LINE]


def read_context(path: str, lineno: int, radius: int = CONTEXT_RADIUS) -> SourceContext:
    """Lines `lineno ± radius` of `path` on this host (blocking: call it from a worker)."""
    shown = visible(path)
    if not os.path.isabs(path):
        return SourceContext(path, lineno, note=f"source not on this host (relative path {shown})")
    if lineno <= 0:
        return SourceContext(path, lineno, note="the traceback gives no line number")
    real = os.path.realpath(path)
    if not os.path.exists(real):
        return SourceContext(path, lineno, note=f"source not on this host: {shown}")
    if not is_code_path(real):
        return SourceContext(
            path, lineno, note=f"not read: {visible(real)} is not Python code in a library folder"
        )
    first, last = max(1, lineno - radius), lineno + radius
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        return SourceContext(path, lineno, note=f"cannot read {shown}: {exc.strerror or exc}")
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return SourceContext(path, lineno, note=f"not read: {shown} is not a regular file")
        data = fh.read(MAX_READ)
    lines: list[tuple[int, str]] = []
    for n, raw in enumerate(data.splitlines(), 1):
        if n > last:
            break
        if n >= first:
            lines.append((n, shown_source(raw.decode("utf-8", "replace").rstrip("\r"))))
    if not any(n == lineno for n, _ in lines):
        name = visible(os.path.basename(path))
        note = f"this host's copy of {name} has fewer than {lineno} lines (another version?)"
        return SourceContext(path, lineno, tuple(lines), note)
    return SourceContext(path, lineno, tuple(lines))
