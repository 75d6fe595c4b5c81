"""One source of truth per format: the indexer's header decides where a record starts and
its level, and the parser agrees on every format's own sample lines and on every line of
tests/data."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from ostui.core.levels import Level
from ostui.core.parsing.formats import PAYLOAD_ONLY, all_formats, sniff_format
from ostui.core.parsing.formats.base import LogFormat

from .conftest import DATA

FORMATS = {fmt.name: fmt for fmt in all_formats()}


def _lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.split(b"\n")


def _data_files() -> list[Path]:
    return [
        p
        for p in sorted(DATA.rglob("*"))
        if p.is_file() and p.suffix not in (".py", ".md", ".export") and not p.name.endswith(".pyc")
    ]


def _agrees(fmt: LogFormat, line: str) -> str | None:
    """Why the parser disagrees with the header on `line`, or None."""
    m, level = fmt.header_level(line)
    own = fmt.parse_head(line).level
    if m is not None and own not in (level, Level.UNKNOWN):
        return f"header says {level.name}, parse_head says {own.name}"
    parsed = fmt.parse(line)
    if m is not None and parsed.level != level:
        return f"parse() gives {parsed.level.name}, the header {level.name}"
    if m is None and fmt.continuation and parsed.level != Level.UNKNOWN:
        return "not a record start for the indexer, but parsed with a level"
    return None


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_carries_samples_that_both_sides_read_alike(name: str) -> None:
    fmt = FORMATS[name]
    assert fmt.samples, f"{name} has no sample lines"
    for sample in fmt.samples:
        m, _ = fmt.header_level(sample)
        assert m is not None, f"{name}: its own sample is not a record start: {sample!r}"
        assert _agrees(fmt, sample) is None, (sample, _agrees(fmt, sample))
        # A format read only behind an envelope is sniffed only there.
        payload = name in PAYLOAD_ONLY
        assert sniff_format(sample.encode() + b"\n", payload=payload).name == name or name in (
            "text",
            "pylog",
        ), sample


@pytest.mark.parametrize("path", _data_files(), ids=lambda p: str(p.relative_to(DATA)))
def test_indexer_and_parser_agree_on_every_line_of_the_test_data(path: Path) -> None:
    lines = _lines(path)
    fmt = sniff_format(b"\n".join(lines[:2000]))
    for raw in lines[:20000]:
        why = _agrees(fmt, raw.decode("utf-8", "replace"))
        assert why is None, f"{fmt.name}: {why}: {raw[:200]!r}"


def test_a_capitalised_first_word_stays_in_the_message() -> None:
    # Python logging's parser once took `GET` for the level and dropped it.
    head = FORMATS["pylog"].parse("2015-10-29 10:52:20.953 myapp INFO GET /v2/servers 200")
    assert (head.level, head.message, head.fields["logger"]) == (Level.INFO, "GET /v2/servers 200", "myapp")
