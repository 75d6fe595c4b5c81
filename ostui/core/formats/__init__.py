"""The registry of log formats and the sniffer that picks one from a file's content."""
from __future__ import annotations

import re

from .base import ANSI_RE_B, LogFormat
from .oslo import OSLO
from .text import TEXT

_FORMATS: dict[str, LogFormat] = {}


def register(fmt: LogFormat) -> LogFormat:
    _FORMATS[fmt.name] = fmt
    return fmt


for _fmt in (OSLO, TEXT):
    register(_fmt)


def all_formats() -> list[LogFormat]:
    _load_plugins()
    return list(_FORMATS.values())


def get_format(name: str) -> LogFormat:
    """The format called `name`; KeyError lists the known names."""
    _load_plugins()
    try:
        return _FORMATS[name]
    except KeyError:
        raise KeyError(f"unknown format {name!r}; known: {', '.join(sorted(_FORMATS))}") from None


_loaded = False


def _load_plugins() -> None:
    """Import the other format modules once; each registers itself."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from . import others  # noqa: F401


_compiled: dict[str, re.Pattern[bytes]] = {}


def _scanner(fmt: LogFormat) -> re.Pattern[bytes]:
    pat = _compiled.get(fmt.name)
    if pat is None:
        pat = _compiled[fmt.name] = re.compile(b"\n" + fmt.header)
    return pat


def sniff_format(sample: bytes) -> LogFormat:
    """The format whose record headers cover most lines of `sample`; TEXT if none fits."""
    _load_plugins()
    if b"\x1b" in sample:
        sample = ANSI_RE_B.sub(b"", sample)
    lines = sample.count(b"\n") + 1
    buf = b"\n" + sample
    best, best_score = TEXT, 0.0
    for fmt in _FORMATS.values():
        if fmt.sniff_weight <= 0:
            continue
        hits = sum(1 for _ in _scanner(fmt).finditer(buf))
        score = hits / lines * fmt.sniff_weight
        if score > best_score:
            best, best_score = fmt, score
    return best if best_score >= 0.02 else TEXT
