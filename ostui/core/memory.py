"""How this process's heap gives memory back to the system (glibc; elsewhere nothing is asked)."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any


def _glibc(name: str) -> Callable[..., Any] | None:
    """One of glibc's malloc functions in this process's own libc; None elsewhere (musl,
    macOS), where nothing is asked."""
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


def give_back_freed_memory() -> None:
    """The parts' results, unpickled and joined, leave freed holes in the heap that glibc
    keeps (70 MB of 190 after a 1 GiB log); `malloc_trim` returns them to the system."""
    if (trim := _glibc("malloc_trim")) is not None:
        trim(0)


_M_MMAP_THRESHOLD = -3  # mallopt's parameters (malloc.h)
_M_ARENA_MAX = -8
BIG_BLOCK = 1 << 20


def keep_big_blocks_mapped(threshold: int = BIG_BLOCK) -> None:
    """Blocks of `threshold` bytes and more (an index's arrays) get pages of their own from
    the system, given back when the block is freed or shrunk. Left alone, glibc raises this
    threshold each time such a block is freed, so the arrays of a long follow, grown and cut
    again and again, end up in the heap, whose freed holes it keeps: memory creeps up."""
    if (mallopt := _glibc("mallopt")) is not None:
        mallopt(_M_MMAP_THRESHOLD, threshold)


def share_one_heap() -> None:
    """Every thread allocates from one heap. glibc gives threads heaps of their own as they
    contend (each of ostui's workers may get one), each keeping its freed holes: 1 MiB more
    resident after a 200 MiB log. The interpreter's lock already serialises most of what
    they allocate, so one heap costs no waiting. Before any thread starts."""
    if (mallopt := _glibc("mallopt")) is not None:
        mallopt(_M_ARENA_MAX, 1)
