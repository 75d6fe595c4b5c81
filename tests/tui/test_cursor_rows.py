"""CursorRows lays its rows out as tall as Textual draws them, wrapped or not (a row is
counted, not measured, when it is neither wrapped nor folded)."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.content import Content

from ostui.tui.widgets.cursor_rows import CursorRows, Row

TEXTS = [
    "",
    "one line",
    "a line much longer than the pane is wide, which wraps or is cut " * 2,
    "two\nlines",
    "ends in a newline\n",
    "\n\nblank lines first",
    "中文的日志行，比窗格宽得多，会被折行或截断" * 2,
    "x" * 28 + "\n" + "y" * 29 + "\n" + "z" * 30,
]


class Rows(CursorRows):
    texts: ClassVar[list[str]] = TEXTS

    def build_rows(self) -> list[Row]:
        return [Row(Content(text), key=n) for n, text in enumerate(self.texts)]


class NotWrapped(Rows):
    DEFAULT_CSS = "NotWrapped { text-wrap: nowrap; text-overflow: ellipsis; }"


class Clipped(Rows):
    DEFAULT_CSS = "Clipped { text-wrap: nowrap; text-overflow: clip; }"


class Wrapped(Rows):
    DEFAULT_CSS = "Wrapped { text-wrap: wrap; }"


class Folded(Rows):
    DEFAULT_CSS = "Folded { text-wrap: nowrap; text-overflow: fold; }"


@pytest.mark.parametrize("kind", [NotWrapped, Clipped, Wrapped, Folded])
async def test_each_row_is_as_tall_as_drawn(kind: type[Rows]) -> None:
    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield kind()

    app = Host()
    async with app.run_test(size=(32, 12)) as pilot:
        rows = app.query_one(kind)
        rows.rebuild()
        await pilot.pause()
        assert rows._layout()
        width = rows.scrollable_content_region.width
        heights = [rows._line_row.count(i) for i in range(len(TEXTS))]
        measured = [max(1, Content(text).get_height(rows.styles, width)) for text in TEXTS]  # type: ignore[arg-type]
        assert heights == measured
        if kind is Wrapped:
            assert max(heights) > 2  # (the wrapped case does wrap)


async def test_rows_are_built_again_when_the_width_changes_not_the_height() -> None:
    """The detail pane changes the story's height with each record shown: its rows (1,500
    for a busy request) were built again each time, though only a new width needs them."""
    built: list[int] = []

    class Counted(NotWrapped):
        def build_rows(self) -> list[Row]:
            built.append(self.content_width)
            return super().build_rows()

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield Counted()

    app = Host()
    async with app.run_test(size=(32, 12)) as pilot:
        rows = app.query_one(Counted)
        await pilot.pause()
        before = len(built)
        rows.styles.height = 6
        await pilot.pause()
        assert rows.size.height == 6 and len(built) == before
        rows.styles.width = 20
        await pilot.pause()
        assert len(built) == before + 1 and built[-1] < 30
