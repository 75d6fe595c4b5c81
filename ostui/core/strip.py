"""When something happened, in one line: occurrences of time keys drawn as block heights
(a fault's row on the faults screen, `ostui faults`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .timekeys import NO_KEY, key_to_us

STRIP_SHAPES = " ▁▂▃▄▅▆▇█"  # none, then eight heights


STRIP_CELLS = 16  # a fault's strip in the faults views


def occurrence_counts(keys: Sequence[int], first: int, last: int, width: int) -> list[int]:
    """Occurrences per cell: `width` cells from time key `first` to `last`; keys without a
    time are left out."""
    if width <= 0:
        return []
    start, end = key_to_us(first), key_to_us(last)
    span = max(1, end - start)
    cells = [0] * width
    for key in keys:
        if key == NO_KEY:
            continue
        at = (key_to_us(key) - start) * (width - 1) // span
        if 0 <= at < width:
            cells[at] += 1
    return cells


def strip_shapes(cells: Sequence[int]) -> str:
    """Each cell as high as the logarithm of its count: one occurrence is the lowest shape,
    the most the highest (a lone one in a row is drawn full)."""
    top = max(cells, default=0)
    if not top:
        return " " * len(cells)
    highest = len(STRIP_SHAPES) - 1
    if top == 1:
        return "".join(STRIP_SHAPES[highest] if n else " " for n in cells)
    scale = (highest - 1) / math.log(top)
    return "".join(STRIP_SHAPES[1 + round(math.log(n) * scale)] if n else " " for n in cells)


def occurrence_strip(keys: Sequence[int], first: int, last: int, width: int) -> str:
    """A one-line picture of when something happened (for a fault's row: when it started,
    on which days it came back)."""
    return strip_shapes(occurrence_counts(keys, first, last, width))
