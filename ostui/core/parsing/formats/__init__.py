"""The registry of log formats and the sniffer that picks one from a file's content."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from .base import ANSI_RE_B, LogFormat
from .oslo import OSLO
from .text import TEXT

_FORMATS: dict[str, LogFormat] = {}
# Collector-wrapped variants (`loghub+oslo`), made on demand and kept out of all_formats().
_WRAPPED: dict[str, LogFormat] = {}


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
    fmt = _FORMATS.get(name) or _WRAPPED.get(name)
    if fmt is not None:
        return fmt
    behind = _behind_envelope(name)
    if behind is not None:
        return behind
    # `kubectl+oslo`: a collector prefix before a known format, made on first use.
    prefix, plus, inner = name.partition("+")
    if plus and inner in _FORMATS:
        from .collector import COLLECTOR_PREFIXES

        if prefix in COLLECTOR_PREFIXES:
            return _wrapped(_FORMATS[inner], prefix)
    raise KeyError(f"unknown format {name!r}; known: {', '.join(sorted(_FORMATS))}")


# Resolvers of made-up format names (`pebble[nova-scheduler]+oslo`, producers.py): the
# modules that make such formats add one, so this registry needs to know none of them.
_RESOLVERS: list[Callable[[str], LogFormat | None]] = []


def add_resolver(resolver: Callable[[str], LogFormat | None]) -> None:
    _RESOLVERS.append(resolver)


def _behind_envelope(name: str) -> LogFormat | None:
    for resolve in _RESOLVERS:
        fmt = resolve(name)
        if fmt is not None:
            return fmt
    return None


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


def _wrapped(fmt: LogFormat, prefix_name: str) -> LogFormat:
    name = f"{prefix_name}+{fmt.name}"
    found = _WRAPPED.get(name)
    if found is None:
        from .collector import wrap

        found = _WRAPPED[name] = wrap(fmt, prefix_name)
    return found


_prefix_scanners: dict[str, re.Pattern[bytes]] = {}


def _collector_prefixes(buf: bytes, lines: int) -> list[str]:
    """Collector prefixes that start at least half the lines of `buf` (one cheap scan each)."""
    from .collector import COLLECTOR_PREFIXES

    found = []
    for name, prefix in COLLECTOR_PREFIXES.items():
        pat = _prefix_scanners.get(name)
        if pat is None:
            pat = _prefix_scanners[name] = re.compile(b"\n" + prefix)
        if 2 * sum(1 for _ in pat.finditer(buf)) >= lines:
            found.append(name)
    return found


def _hits(fmt: LogFormat, buf: bytes) -> int:
    """Lines of `buf` that are real record headers of `fmt`.

    A format without continuation ends its header in a catch-all alternative so that
    every line is a record; those matches (group 1 None, last group matched) say
    nothing about the format and are not counted.
    """
    scanner = _scanner(fmt)
    if fmt.continuation:
        return sum(1 for _ in scanner.finditer(buf))
    last = scanner.groups
    return sum(1 for m in scanner.finditer(buf) if m.lastindex != last or m.group(1) is not None)


# A wrapped format explains each line's prefix as well as the rest: a small edge over
# a bare format whose header happens to match the prefix itself.
WRAPPED_BONUS = 1.05


# Formats only ever read behind an envelope (oslo without its stamp), and their weight there.
PAYLOAD_ONLY = {"oslo-bare": 1.2}


def sniff_format(sample: bytes, payload: bool = False) -> LogFormat:
    """The format whose record headers cover most lines of `sample`; TEXT if none fits.

    When most lines start with a log collector's prefix (collector.COLLECTOR_PREFIXES),
    every format is also tried behind that prefix (`kubectl+oslo`). `payload`: the sample
    is what an envelope carried, so formats that only occur there are tried too.
    """
    _load_plugins()
    if b"\x1b" in sample:
        sample = ANSI_RE_B.sub(b"", sample)
    lines = sample.count(b"\n") + 1
    buf = b"\n" + sample
    base = [fmt for fmt in _FORMATS.values() if fmt.sniff_weight > 0]
    if payload:
        base += [replace(_FORMATS[name], sniff_weight=weight) for name, weight in PAYLOAD_ONLY.items()]
    candidates = [(fmt, 1.0) for fmt in base]
    for prefix_name in _collector_prefixes(buf, lines):
        # No edge without continuation: there the prefix is optional (see collector.wrap),
        # so the wrapped header also matches whatever the bare one does.
        candidates += [
            (_wrapped(fmt, prefix_name), WRAPPED_BONUS if fmt.continuation else 1.0) for fmt in base
        ]
    best, best_score = TEXT, 0.0
    for fmt, bonus in candidates:
        score = _hits(fmt, buf) / lines * fmt.sniff_weight * bonus
        if score > best_score:
            best, best_score = fmt, score
    return best if best_score >= 0.02 else TEXT
