"""The stream's map of screen rows to (view row, line of the record), some records expanded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ostui.tui.widgets.log_stream import RowMap


def walked(expanded: dict[int, int], y: int) -> tuple[int, int]:
    """Screen row y found by walking the rows one by one."""
    row = 0
    while True:
        height = 1 + expanded.get(row, 0)
        if y < height:
            return row, y
        y -= height
        row += 1


@given(st.dictionaries(st.integers(0, 40), st.integers(0, 5), max_size=8), st.integers(0, 200))
def test_locate_finds_the_row_and_line_a_walk_finds(expanded: dict[int, int], y: int) -> None:
    rows = RowMap()
    for row, extra in expanded.items():
        rows.set(row, extra)
    kept = {row: extra for row, extra in expanded.items() if extra > 0}
    assert rows.locate(y) == walked(kept, y)
    assert rows.total(41) == 41 + sum(kept.values())
