"""Log levels as small integers, so an index can hold one byte per record."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """Severity, ordered so that `level >= Level.WARNING` means "warning and above"."""

    UNKNOWN = 0
    TRACE = 1
    DEBUG = 2
    INFO = 3
    AUDIT = 4
    NOTICE = 5
    WARNING = 6
    ERROR = 7
    CRITICAL = 8


LEVEL_NAMES: tuple[str, ...] = tuple(level.name for level in Level)

# Each level in a column of five cells (the stream's): names an operator reads at a glance,
# never a cut word ("WARNI").
LEVEL_SHORT: dict[Level, str] = {
    Level.UNKNOWN: "?",
    Level.TRACE: "TRACE",
    Level.DEBUG: "DEBUG",
    Level.INFO: "INFO",
    Level.AUDIT: "AUDIT",
    Level.NOTICE: "NOTE",
    Level.WARNING: "WARN",
    Level.ERROR: "ERROR",
    Level.CRITICAL: "CRIT",
}

# Every spelling the supported formats use, upper-cased, mapped to one Level.
ALIASES: dict[str, Level] = {
    "TRACE": Level.TRACE,
    "DEBUG": Level.DEBUG,
    "DBG": Level.DEBUG,
    "INFO": Level.INFO,
    "INFORMATION": Level.INFO,
    "NOTE": Level.INFO,
    "AUDIT": Level.AUDIT,
    "NOTICE": Level.NOTICE,
    "WARNING": Level.WARNING,
    "WARN": Level.WARNING,
    "ERROR": Level.ERROR,
    "ERR": Level.ERROR,
    "CRITICAL": Level.CRITICAL,
    "CRIT": Level.CRITICAL,
    "FATAL": Level.CRITICAL,
    "EMER": Level.CRITICAL,
    "EMERG": Level.CRITICAL,
    "EMERGENCY": Level.CRITICAL,
    "ALERT": Level.CRITICAL,
    "SYSTEM": Level.INFO,
}


def parse_level(name: str | bytes | None) -> Level:
    """The Level for a level token in any supported spelling; UNKNOWN when unrecognized."""
    if name is None:
        return Level.UNKNOWN
    if isinstance(name, bytes):
        name = name.decode("ascii", "replace")
    return ALIASES.get(name.strip().upper(), Level.UNKNOWN)


# How each level looks, as a colour role and an emphasis: the one definition the stream,
# the story, the detail pane and the CLI all draw levels from (each maps a role to its
# own colours: theme variables in the browser, terminal colours in the CLI).
LEVEL_LOOK: dict[Level, tuple[str, str]] = {
    Level.CRITICAL: ("error", "bold reverse"),
    Level.ERROR: ("error", "bold"),
    Level.WARNING: ("warning", "bold"),
    Level.NOTICE: ("primary", ""),
    Level.AUDIT: ("primary", ""),
    Level.INFO: ("success", ""),
    Level.DEBUG: ("muted", ""),
    Level.TRACE: ("muted", ""),
    Level.UNKNOWN: ("muted", "italic"),
}
