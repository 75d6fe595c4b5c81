"""Installed package versions from a collected archive, and whether a fault's fix is in.

A sosreport or collected tree may hold the node's package list: `installed-rpms`,
`sos_commands/dpkg/dpkg_-l` or a `pip freeze` output. They are read only from inside
the tree given to ostui, never from the host ostui runs on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .packs import FixedVersion

# File names that hold a package list, and how deep below a tree's root they may sit.
PACKAGE_LISTS = ("installed-rpms", "dpkg_-l", "pip_freeze", "pip3_freeze", "pip-freeze.txt")
_MAX_DEPTH = 4
_MAX_BYTES = 8 << 20

_RPM_RE = re.compile(r"^(\S+)-([^-\s]+)-([^-\s]+)\.(?:noarch|x86_64|aarch64|ppc64le|s390x|i686)\b")
_DPKG_RE = re.compile(r"^[a-z][a-z]\s+(\S+?)(?::\w+)?\s+(\S+)\s")
_PIP_RE = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)\s*$")


def parse_package_list(text: str) -> dict[str, str]:
    """package -> version from an installed-rpms, dpkg -l or pip freeze text."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if m := _DPKG_RE.match(line):
            out[m.group(1)] = m.group(2)
        elif m := _RPM_RE.match(line):
            out[m.group(1)] = f"{m.group(2)}-{m.group(3)}"
        elif m := _PIP_RE.match(line):
            out[m.group(1).lower()] = m.group(2)
    return out


def _order(ch: str) -> int:
    if ch == "~":
        return -1
    if ch.isalpha():
        return ord(ch)
    return ord(ch) + 256


def _compare_part(a: str, b: str) -> int:
    """dpkg's comparison of an upstream version or a revision."""
    i = j = 0
    while i < len(a) or j < len(b):
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ca = _order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            cb = _order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if ca != cb:
                return -1 if ca < cb else 1
            i += i < len(a) and not a[i].isdigit()
            j += j < len(b) and not b[j].isdigit()
        si = i
        while i < len(a) and a[i].isdigit():
            i += 1
        sj = j
        while j < len(b) and b[j].isdigit():
            j += 1
        na, nb = int(a[si:i] or 0), int(b[sj:j] or 0)
        if na != nb:
            return -1 if na < nb else 1
    return 0


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as Debian version `a` sorts before, with or after `b` (fine for RPM too)."""

    def split(v: str) -> tuple[int, str, str]:
        epoch, _, rest = v.rpartition(":") if ":" in v else ("0", "", v)
        upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
        return int(epoch) if epoch.isdigit() else 0, upstream, revision

    ea, ua, ra = split(a)
    eb, ub, rb = split(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return _compare_part(ua, ub) or _compare_part(ra, rb)


@dataclass(slots=True)
class Installed:
    """The packages an archive says are installed, and the files that said so."""

    packages: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def check(self, fixed_in: Iterable[FixedVersion]) -> list[dict[str, Any]]:
        """For each fixed version whose package is installed: the version and whether it is affected."""
        out = []
        for fix in fixed_in:
            version = self.packages.get(fix.package)
            if version is None:
                continue
            out.append(
                {
                    "package": fix.package,
                    "installed": version,
                    "fixed_in": fix.version,
                    "affected": compare_versions(version, fix.version) < 0,
                }
            )
        return out


def find_installed(roots: Iterable[Path]) -> Installed:
    """The package lists found under `roots` (a few levels deep), merged."""
    found = Installed()
    for root in roots:
        if not root.is_dir():
            continue
        for path in _lists_under(root, 0):
            try:
                with path.open("rb") as fh:
                    text = fh.read(_MAX_BYTES).decode("utf-8", "replace")
            except OSError:
                continue
            found.packages.update(parse_package_list(text))
            found.sources.append(str(path))
    return found


def _lists_under(folder: Path, depth: int) -> list[Path]:
    if depth > _MAX_DEPTH:
        return []
    out: list[Path] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        if entry.is_symlink():
            continue  # an archive's links point at the collecting host, not into the archive
        if entry.is_dir():
            out += _lists_under(entry, depth + 1)
        elif entry.name in PACKAGE_LISTS and entry.is_file():
            out.append(entry)
    return out
