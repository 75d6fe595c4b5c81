"""When something happened, in one line: occurrences of time keys drawn as block heights
(a fault's row on the faults screen, `ostui faults`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .timekeys import NO_KEY, key_to_us

STRIP_SHAPES = " ▁▂▃▄▅▆▇█"  # none, then eight heights


def occurrence_strip(keys: Sequence[int], first: int, last: int, width: int) -> str:
    """A one-line picture of when something happened: `width` cells from time key `first`
    to `last`, each as high as the logarithm of its occurrences (for a fault's row: when it
    started, on which days it came back). Keys without a time are left out."""
    if width <= 0:
        return ""
    start, end = key_to_us(first), key_to_us(last)
    span = max(1, end - start)
    cells = [0] * width
    for key in keys:
        if key == NO_KEY:
            continue
        at = (key_to_us(key) - start) * (width - 1) // span
        if 0 <= at < width:
            cells[at] += 1
    top = max(cells)
    if not top:
        return " " * width
    highest = len(STRIP_SHAPES) - 1
    if top == 1:
        return "".join(STRIP_SHAPES[highest] if n else " " for n in cells)
    scale = (highest - 1) / math.log(top)  # one occurrence: the lowest shape; the most: the highest
    return "".join(STRIP_SHAPES[1 + round(math.log(n) * scale)] if n else " " for n in cells)
