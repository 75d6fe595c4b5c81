"""Byte-identical files, found without reading more than needed.

Collected trees often hold a node twice (a second copy under another folder name); every
count would then be doubled. Files are compared only within one size; among those, a hash
of the first and last blocks separates almost all, and only files that still agree are
compared whole, byte for byte with the first of their kind (a C `memcmp` per chunk, several
times faster than hashing what is, in a copied tree, hundreds of megabytes). Empty files are
never duplicates of each other (there is nothing to double).
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


def _same_bytes(one: Path, other: Path) -> bool:
    """Whether two files of one size hold the same bytes (False when either cannot be read)."""
    try:
        with open(one, "rb") as first, open(other, "rb") as second:
            while chunk := first.read(_READ):
                if chunk != second.read(_READ):
                    return False
    except OSError:
        return False
    return True


def _kinds(paths: Sequence[Path]) -> list[list[Path]]:
    """`paths` split into files of equal bytes, each list in `paths` order."""
    kinds: list[list[Path]] = []
    for path in paths:
        same = next((kind for kind in kinds if _same_bytes(kind[0], path)), None)
        if same is None:
            kinds.append([path])
        else:
            same.append(path)
    return kinds


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
            groups = [same_ends] if size <= 2 * BLOCK else _kinds(same_ends)
            for group in groups:
                for copy in group[1:]:
                    copies[copy] = group[0]
    return copies
