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
