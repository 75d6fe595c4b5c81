"""Sizes as operators type them (`2M`, `512K`, `1G`, `100000`): one reading for every
option and settings entry that takes one."""

from __future__ import annotations

import math


def parse_size(text: str | int) -> int:
    """Bytes, in powers of 1024; ValueError when `text` is no positive size."""
    if isinstance(text, int) and not isinstance(text, bool):
        number, scale = float(text), 1
    else:
        text = str(text).strip().upper().removesuffix("B").removesuffix("I")
        scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(text[-1:], 1)
        number = float(text[:-1] if scale > 1 else text)
    if not (number > 0 and math.isfinite(number)):  # "1e999G" is no size either
        raise ValueError(f"not a size: {text!r}")
    return int(number * scale)
