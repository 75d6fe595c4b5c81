"""What "safe for a terminal" means in tests: the only escape sequences in an output
are the ones the program itself uses to draw (colours, cursor moves, modes), and no
C1 control, bidi control or invisible character is left raw."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ostui.core.textsafe import is_visible

from .data.hostile.make_corpus import ATTACKS, hostile_names, write

# What Rich and Textual write themselves: SGR colours, cursor positioning and moves,
# and private modes (cursor shown/hidden, synchronized output).
_DRAWING = re.compile(r"\x1b\[[0-9;:]*m|\x1b\[\d*(?:;\d*)?[HABCDGf]|\x1b\[\?\d+[hl]|\x1b\[[0-2]?K")


def assert_terminal_safe(output: str, where: str = "output") -> None:
    rest = _DRAWING.sub("", output)
    bad = sorted({c for c in rest if c == "\x1b" or "\x80" <= c <= "\x9f"})
    assert not bad, f"{where}: raw control characters {bad!r} reach the terminal: {_around(rest, bad[0])!r}"
    left = is_visible(rest.replace("\r", ""), keep_newlines=True)
    assert left, f"{where}: invisible or bidi characters left raw"


def _around(text: str, char: str) -> str:
    i = text.index(char)
    return text[max(0, i - 60) : i + 60]


def hostile_tree(dest: Path) -> Path:
    """The hostile corpus, plus files and folders whose names carry the attacks, under `dest`."""
    write(dest)
    nova = dest / "controller" / "var" / "log" / "nova"
    for name in hostile_names():
        (nova / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(nova / "nova-api.log", nova / name)
    evil = dest / "controller" / "var" / "log" / "neutron[bold]\x1b]2;T\x07"
    evil.mkdir(parents=True)
    shutil.copy(nova / "nova-api.log", evil / "server.log")
    return dest


__all__ = ["ATTACKS", "assert_terminal_safe", "hostile_tree"]
