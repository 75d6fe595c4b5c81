"""The heap gives back what the memory window frees (glibc)."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

try:
    ctypes.CDLL(None).mallopt  # noqa: B018 - glibc's, or the test has nothing to check
    GLIBC = True
except (OSError, AttributeError):
    GLIBC = False

FREED = """
import sys
from ostui.core.memory import keep_big_blocks_mapped

def rss():
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS"))

if sys.argv[1] == "mapped":
    keep_big_blocks_mapped()
big = bytearray(16 << 20)
del big  # left alone, glibc now keeps blocks below 16 MiB in its heap
base = rss()
blocks = []
pins = []
for _ in range(50):
    blocks.append(bytearray(2 << 20))  # an index's array, 2 MiB
    pins.append(bytearray(4096))  # a small block after it: the heap cannot shrink past it
del blocks
print(rss() - base)
"""


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_big_blocks_freed_go_back_to_the_system() -> None:
    kept = int(
        subprocess.run([sys.executable, "-c", FREED, "mapped"], capture_output=True, check=True).stdout
    )
    assert kept < 20 << 10, f"{kept} KiB of 100 MiB freed still held"


ARENAS = """
import ctypes, sys, threading
from ostui.core.memory import share_one_heap

if sys.argv[1] == "one":
    share_one_heap()

def allocate():
    held = [bytearray(100 << 10) for _ in range(20)]  # below the mmap threshold: from a heap
    del held

threads = [threading.Thread(target=allocate) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
ctypes.CDLL(None).malloc_stats()  # one "Arena N:" paragraph per heap, on stderr
"""


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_threads_share_one_heap() -> None:
    def heaps(mode: str) -> int:
        run = subprocess.run([sys.executable, "-c", ARENAS, mode], capture_output=True, check=True, text=True)
        return run.stderr.count("Arena ")

    assert heaps("one") == 1
    assert heaps("default") > 1  # (else this machine's glibc shows nothing to compare)
