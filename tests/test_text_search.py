"""The text and request filters' search (`mark_matches`): plain words are found with
`bytes.find` (on the lowered block when case does not count) and a search goes on from
the next record after a hit; the records marked are exactly those whose own text
matches, as a search of each record alone would say."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ostui.core.indexing.logset import LogFile, open_files
from ostui.core.stream.view import compile_text, mark_matches, plain_text

from .conftest import REAL, SEED

FILES = open_files(
    [
        LogFile(path, "node", "nova", path.name)
        for path in (
            REAL / "osp6-live-migration" / "hp-ms-01-c29" / "var" / "log" / "nova" / "nova-api.log",
            SEED / "nova-api.log",
        )
    ]
)


def one_by_one(pattern: re.Pattern[bytes]) -> list[bytearray]:
    masks = []
    for lf in FILES:
        assert lf.index is not None
        masks.append(bytearray(1 if pattern.search(lf.index.raw(i)) else 0 for i in range(len(lf.index))))
    return masks


def test_plain_text_is_told_from_a_regex() -> None:
    assert plain_text(b"AttributeError") == b"AttributeError"
    assert plain_text(re.escape(b"req-e359221b (HTTP 500)")) == b"req-e359221b (HTTP 500)"
    assert plain_text(b"nova.compute") is None  # the dot is any character
    assert plain_text(rb"\bid\b") is None and plain_text(rb"\d+") is None
    assert plain_text(b"") is None and plain_text(b"trailing\\") is None


def test_words_regexes_and_a_letter_in_every_record() -> None:
    words = ["AttributeError", "attributeerror", "ERROR", "e", "req-e359221b"]
    texts = [*words, r"HTTP 50\d", r"\bid\b", "x{2,}"]
    for text in texts:
        pattern = compile_text(text)
        assert mark_matches(FILES, pattern) == one_by_one(pattern), text
    exact = re.compile(re.escape(b"req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"))
    found = mark_matches(FILES, exact)
    assert found == one_by_one(exact) and sum(map(sum, found)) == 3  # the seed's three records


def test_from_a_record_on() -> None:
    pattern = compile_text("info")
    first = [100, 1]
    found = mark_matches(FILES, pattern, first)
    whole = one_by_one(pattern)
    for mask, expected, n in zip(found, whole, first, strict=True):
        assert mask == bytearray(n) + expected[n:]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_piece_of_a_line_in_any_case(data: st.DataObject) -> None:
    lf = data.draw(st.sampled_from(FILES))
    assert lf.index is not None
    line = data.draw(st.integers(0, len(lf.index) - 1))
    text = lf.index.raw(line).decode("utf-8", "replace").split("\n")[0]
    lo = data.draw(st.integers(0, max(0, len(text) - 1)))
    piece = text[lo : lo + data.draw(st.integers(1, 24))]
    piece = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in piece)
    pattern = compile_text(re.escape(piece))
    assert mark_matches(FILES, pattern) == one_by_one(pattern)
