"""Byte-identical files, found without reading more than needed.

Collected trees often hold a node twice (a second copy under another folder name); every
count would then be doubled. Files are compared only within one size; among those, a hash
of the first and last blocks separates almost all, and only files that still agree are
hashed whole. Empty files are never duplicates of each other (there is nothing to double).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

BLOCK = 64 << 10
_READ = 1 << 20


def _ends_hash(path: Path, size: int) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            digest = hashlib.blake2b(handle.read(BLOCK), digest_size=16)
            if size > BLOCK:
                handle.seek(max(BLOCK, size - BLOCK))
                digest.update(handle.read(BLOCK))
    except OSError:
        return None
    return digest.digest()


def _whole_hash(path: Path) -> bytes | None:
    digest = hashlib.blake2b(digest_size=32)
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_READ):
                digest.update(chunk)
    except OSError:
        return None
    return digest.digest()


def _split(paths: Sequence[Path], key: Callable[[Path], bytes | None]) -> list[list[Path]]:
    """Groups of 2 or more paths that agree on `key(path)` (None never agrees)."""
    groups: dict[bytes, list[Path]] = {}
    for path in paths:
        value = key(path)
        if value is not None:
            groups.setdefault(value, []).append(path)
    return [group for group in groups.values() if len(group) > 1]


def find_duplicates(paths: Sequence[Path]) -> dict[Path, Path]:
    """copy -> original for every file of `paths` whose bytes equal an earlier one's (the
    first in `paths` order is the original). Unreadable files are nobody's copy."""
    by_size: dict[int, list[Path]] = {}
    for path in paths:
        try:
            size = os.stat(path).st_size
        except OSError:
            continue
        if size:
            by_size.setdefault(size, []).append(path)
    copies: dict[Path, Path] = {}
    for size, same_size in by_size.items():
        if len(same_size) < 2:
            continue
        for same_ends in _split(same_size, partial(_ends_hash, size=size)):
            # Small files were read whole by the ends hash already.
            groups = [same_ends] if size <= 2 * BLOCK else _split(same_ends, _whole_hash)
            for group in groups:
                for copy in group[1:]:
                    copies[copy] = group[0]
    return copies
