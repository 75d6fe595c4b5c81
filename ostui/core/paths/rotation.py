"""Rotated log files: tell `nova-api.log.2.gz` belongs to `nova-api.log`, and order a group.

Schemes recognized (each optionally compressed with .gz/.bz2/.xz):

- numbered, logrotate default and Python's RotatingFileHandler: `X.1`, `X.2.gz`, `X.10.gz`
  (a higher number is older);
- dated, logrotate `dateext` and TimedRotatingFileHandler: `X-20151124`, `X.20151124.gz`,
  `X-2015112412`, `X.2015-11-24_12-00-00`, and with logrotate's `extension` option or devstack's
  screen logs the date before the extension: `X-20151124.log`, `screen-n-api.2013-09-27-181531.log`
  (an earlier date is older);
- `X.old`, and a lone `X.gz` (a compressed copy of X): both sort just before the live file.

A group is keyed by folder and base name, so `nova-api.log` and `nova-api-metadata.log` never mix,
and neither do two `nova-api.log` from different folders.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

COMPRESSED_SUFFIXES: tuple[str, ...] = (".gz", ".bz2", ".xz")

# Sort ranks inside a group, oldest first. Dated and numbered members cannot be compared with
# each other (a host may have switched schemes); dated ones go first so the order is stable.
RANK_DATED = 0
RANK_NUMBERED = 1
RANK_SET_ASIDE = 2  # X.old, lone X.gz
RANK_LIVE = 3

_NUMBERED = re.compile(r"^(?P<base>.+)\.(?P<n>\d{1,4})$")
_DATE = (
    r"(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)"
    r"(?:[-_]?(?P<H>[0-2]\d)(?:-?(?P<M>[0-5]\d)(?:-?(?P<S>[0-5]\d))?)?)?"
    r"(?:-(?P<epoch>\d{9,10}))?"  # logrotate `dateformat -%Y%m%d-%s`
)
_DATED = re.compile(rf"^(?P<base>.+)[-._]{_DATE}$")
# Only .log/.txt: a date in the middle of any other name is too likely to be part of the name.
_DATED_BEFORE_EXT = re.compile(rf"^(?P<base>.+)[-._]{_DATE}(?P<ext>\.(?:log|txt))$")


@dataclass(slots=True)
class LogGroup:
    """One log and its rotated predecessors.

    `name` is the live file's name even when the live file is absent (only `X.1`, `X.2.gz`
    left); `members` are ordered oldest first, the live file (when present) last.
    """

    name: str
    members: list[Path]

    @property
    def live(self) -> Path | None:
        """The file still being written to, if it is part of the group."""
        last = self.members[-1] if self.members else None
        return last if last is not None and last.name == self.name else None

    @property
    def newest(self) -> Path:
        return self.members[-1]


def split_compression(name: str) -> tuple[str, str]:
    """`("x.log.2", ".gz")` for `x.log.2.gz`; the suffix is "" when the name is not compressed."""
    lowered = name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], name[-len(suffix) :]
    return name, ""


def _date_order(match: re.Match[str]) -> int | None:
    """YYYYMMDDHHMMSS as an int, or None when the digits are not a real date."""
    month, day = int(match["m"]), int(match["d"])
    hour, minute, second = (int(match[key] or 0) for key in ("H", "M", "S"))
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23):
        return None
    value = int(f"{match['y']}{month:02d}{day:02d}{hour:02d}{minute:02d}{second:02d}")
    return value


def _plausible_base(base: str) -> bool:
    # "10.0.0.1" is a file named after an address, not member 1 of "10.0.0".
    return any(ch not in "0123456789." for ch in base)


def rotation_key(name: str) -> tuple[str, int, int] | None:
    """`(base name, rank, order)` for a rotated file name, None for a live (unrotated) name.

    Members of one base sort oldest first by `(rank, order)`; the live file has rank
    RANK_LIVE. `rotation_key("nova-api.log.2.gz") == ("nova-api.log", RANK_NUMBERED, -2)`.
    """
    stem, compression = split_compression(name)
    if stem.endswith(".old") and len(stem) > 4:
        return stem[:-4], RANK_SET_ASIDE, 0
    match = _DATED_BEFORE_EXT.match(stem)
    if match and _plausible_base(match["base"]):
        order = _date_order(match)
        if order is not None:
            return match["base"] + match["ext"], RANK_DATED, order
    match = _DATED.match(stem)
    if match and _plausible_base(match["base"]):
        order = _date_order(match)
        if order is not None:
            return match["base"], RANK_DATED, order
    match = _NUMBERED.match(stem)
    if match and _plausible_base(match["base"]):
        return match["base"], RANK_NUMBERED, -int(match["n"])
    if compression:
        return stem, RANK_SET_ASIDE, 1
    return None


def base_name(name: str) -> str:
    """The live file's name for any member: `base_name("syslog.2.gz") == "syslog"`."""
    key = rotation_key(name)
    return name if key is None else key[0]


def _member_sort_key(path: Path) -> tuple[int, int, str]:
    key = rotation_key(path.name)
    if key is None:
        return RANK_LIVE, 0, path.name
    return key[1], key[2], path.name


def group_rotated(paths: Iterable[Path]) -> list[LogGroup]:
    """Group files with their rotated siblings, groups sorted by folder then name.

    Only files in the same folder with the same base name are joined; duplicates are dropped.
    """
    buckets: dict[tuple[Path, str], list[Path]] = {}
    seen: set[Path] = set()
    for path in paths:
        if path in seen:
            continue
        seen.add(path)
        buckets.setdefault((path.parent, base_name(path.name)), []).append(path)
    groups = []
    for (_parent, base), members in sorted(buckets.items(), key=lambda item: (str(item[0][0]), item[0][1])):
        members.sort(key=_member_sort_key)
        groups.append(LogGroup(name=base, members=members))
    return groups


# -- where a followed file's generations go ---------------------------------------------------
# logrotate's `olddir` is relative to the log's folder or absolute; in practice a folder in the
# log's folder (`old/`) or an archive folder beside it (`../nova-old/`, `../archive/`). Looking
# further would walk the disk on every rotation and meet other logs with the same name, so a
# generation elsewhere is found only when a descriptor on it tells where it went (a rename).
MAX_GENERATION_FOLDERS = 64
_ARCHIVE_WORDS = ("old", "archive", "rotated")


def generation_folders(live: Path, known: Iterable[Path] = ()) -> list[Path]:
    """Folders that may hold rotated generations of `live`: its own folder, folders already
    seen holding one (`known`), the folders in it, and the folders beside it named like an
    archive (`old`, `archive`, `rotated` in the name); at most MAX_GENERATION_FOLDERS. Never
    raises: an unreadable folder is left out."""
    out: list[Path] = [live.parent]
    out.extend(folder for folder in known if folder not in out)
    for parent, archives_only in ((live.parent, False), (live.parent.parent, True)):
        try:
            children = sorted(Path(e.path) for e in _scandir(parent) if e.is_dir(follow_symlinks=False))
        except OSError:
            continue
        for child in children:
            lowered = child.name.lower()
            if child not in out and (not archives_only or any(w in lowered for w in _ARCHIVE_WORDS)):
                out.append(child)
    return out[:MAX_GENERATION_FOLDERS]


def is_generation_of(path: Path, live: Path) -> bool:
    """True when `path` is named as a rotated generation of `live` (`X.1`, `X-20261205`,
    `X-20261205.log.gz`, or `X` itself in another folder, as an `olddir` copy may be)."""
    return path != live and base_name(path.name) == live.name


def _scandir(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as entries:
        return list(entries)
