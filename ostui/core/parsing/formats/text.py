"""Plain text: the format of last resort. Every line is a record of level UNKNOWN."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ...levels import Level
from ...timekeys import NO_KEY
from .base import LogFormat, ParsedHead, strip_ansi


def _keys(stamps: Sequence[bytes], year: int) -> Iterable[int]:
    return (NO_KEY for _ in stamps)


def _head(line: str) -> ParsedHead:
    return ParsedHead(level=Level.UNKNOWN, message=strip_ansi(line).rstrip("\r"))


TEXT = LogFormat(
    name="text",
    samples=("any line at all",),
    description="plain text: one record per line, nothing parsed",
    header=rb"()()",
    levels=(Level.UNKNOWN,),
    continuation=False,
    time_keys=_keys,
    parse_head=_head,
    sniff_weight=0.0,
)
