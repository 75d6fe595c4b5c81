"""`CursorRows`: the Line API list the story and the traceback views are drawn with:
rows of styled `Content` (one or several lines each), a cursor that skips rows that are
only headings, the cursor row styled by a component class.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a CursorRows: its content and, when the cursor may stop on it, a key."""

    content: Content
    key: Hashable | None = None  # None: a heading or marker the cursor skips
    data: object = None

    @property
    def selectable(self) -> bool:
        return self.key is not None


class CursorRows(ScrollView, can_focus=True):
    """Rows of styled content with a cursor, drawn with the Line API.

    Subclasses implement `build_rows` (called again by `rebuild` when their data or the
    width changes; spans name component classes, so colours follow the theme without a
    rebuild) and the `cursor_moved` / `row_selected` hooks, which post their own messages.
    """

    CURSOR_COMPONENT: ClassVar[str] = "cursor-rows--cursor"
    CURSOR_LINES: ClassVar[int | None] = None  # lines of a row the cursor paints; None: all
    COMPONENT_CLASSES: ClassVar[set[str]] = {"cursor-rows--cursor"}

    DEFAULT_CSS = """
    CursorRows {
        height: 1fr;
        overflow-x: hidden;
        /* A scrollbar appearing would change the wrap width and the height with it. */
        scrollbar-gutter: stable;
        & > .cursor-rows--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .cursor-rows--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    # Subclasses list the same keys with their own ids; these keep ScrollableContainer's
    # scrolling keys from taking over when a subclass forgets one.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("home", "cursor_first", "First", show=False),
        Binding("end", "cursor_last", "Last", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: list[Row] = []
        self._cursor = -1  # index into _rows, -1 for none
        self._width = -1  # width the layout below was made for; -1: stale
        self._built_width = -1  # content width the rows were built at
        self._row_start: list[int] = []  # first virtual line of each row
        self._line_row: list[int] = []  # virtual line -> row
        self._strips: dict[tuple[int, bool, bool], list[Strip]] = {}

    # -- for subclasses ---------------------------------------------------------------
    def build_rows(self) -> list[Row]:
        return []

    def default_cursor(self, rows: Sequence[Row], old_key: Hashable | None) -> int:
        """Where the cursor goes when its row is gone: the first row it may stop on."""
        return next((i for i, row in enumerate(rows) if row.selectable), -1)

    def cursor_moved(self, row: Row) -> None:
        """The cursor landed on `row` (moved by the user or new data)."""

    def row_selected(self, row: Row) -> None:
        """Enter (or a click on the cursor row) on `row`."""

    def component_style(self, name: str) -> str:
        """A span style naming a component class: Textual resolves `.name` when drawing,
        so rows follow theme and CSS changes without being built again."""
        return f".{name}"

    # -- state ------------------------------------------------------------------------
    @property
    def rows(self) -> Sequence[Row]:
        return self._rows

    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def cursor_row(self) -> Row | None:
        return self._rows[self._cursor] if 0 <= self._cursor < len(self._rows) else None

    def rebuild(self, scroll: bool = True) -> None:
        """Build the rows again, keeping the cursor on the same key when it is still there."""
        old = self.cursor_row
        old_key = old.key if old is not None else None
        rows = self.build_rows() if self.is_mounted else []
        self._built_width = self.content_width if self.is_mounted else -1
        keys = {row.key: i for i, row in enumerate(rows) if row.selectable}
        self._rows = rows
        self._invalidate()
        if old_key is not None and old_key in keys:
            self._cursor = keys[old_key]
        else:
            self._cursor = self.default_cursor(rows, old_key)
            row = self.cursor_row
            if row is not None:
                self.cursor_moved(row)
            scroll = True
        if scroll:
            self.scroll_to_cursor()

    def move_cursor(self, index: int) -> None:
        if not (0 <= index < len(self._rows)) or not self._rows[index].selectable:
            return
        if index != self._cursor:
            self._cursor = index
            self._strips.clear()
            self.refresh()
            self.cursor_moved(self._rows[index])
        self.scroll_to_cursor()

    def _invalidate(self) -> None:
        self._width = -1
        self._strips.clear()
        self.refresh()

    # -- layout and drawing -----------------------------------------------------------
    def _layout(self) -> bool:
        """Lay the rows out at the current width; False while the widget has no size."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return False
        if width == self._width:
            return True
        self._width = width
        self._strips.clear()
        self._row_start = []
        self._line_row = []
        rules = self.styles
        # Not wrapped and not folded, a row has a line per line of its text: counted, not
        # measured (a story of 1,500 records was laid out in 40 ms).
        counted = rules.get("text_wrap", "wrap") == "nowrap" and rules.get("text_overflow", "fold") != "fold"
        for i, row in enumerate(self._rows):
            self._row_start.append(len(self._line_row))
            if counted:
                height = row.content.plain.count("\n") + 1
            else:
                height = max(1, row.content.get_height(rules, width))  # type: ignore[arg-type]
            self._line_row.extend([i] * height)
        self.virtual_size = Size(width, len(self._line_row))
        return True

    def _row_strips(self, index: int) -> list[Strip]:
        on_cursor = index == self._cursor
        key = (index, on_cursor, self.has_focus)  # focus changes the cursor's colours
        strips = self._strips.get(key)
        if strips is None:
            base = self.get_visual_style()
            content = self._rows[index].content
            if on_cursor:
                # The cursor lines drop their own colours: syntax or level colours on the
                # cursor background can be unreadable in some themes, plain text never is.
                plain = content.plain
                cut = len(plain)
                if self.CURSOR_LINES is not None:
                    cut = -1
                    for _ in range(self.CURSOR_LINES):
                        cut = plain.find("\n", cut + 1)
                        if cut < 0:
                            cut = len(plain)
                            break
                painted = Content(plain[:cut])
                cursor_style = self.get_visual_style(self.CURSOR_COMPONENT)
                strips = Visual.to_strips(self, painted, self._width, None, cursor_style, pad=True)
                if cut < len(plain):
                    rest = content[cut + 1 :]
                    strips += Visual.to_strips(self, rest, self._width, None, base, pad=True)
            else:
                strips = Visual.to_strips(self, content, self._width, None, base, pad=True)
            strips = [strip.apply_meta({"row": index}) for strip in strips]
            self._strips[key] = strips
        return strips

    def render_lines(self, crop: Region) -> list[Strip]:
        self._layout()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        line = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if not self._layout() or not (0 <= line < len(self._line_row)):
            return Strip.blank(width, self.get_visual_style().rich_style)
        index = self._line_row[line]
        strips = self._row_strips(index)
        offset = line - self._row_start[index]
        if offset >= len(strips):  # the measured height and the render disagree
            return Strip.blank(width, self.get_visual_style().rich_style)
        return strips[offset]

    def scroll_to_cursor(self) -> None:
        if self._cursor < 0 or not self.is_mounted or not self._layout():
            return
        start = self._row_start[self._cursor]
        end = self._row_start[self._cursor + 1] if self._cursor + 1 < len(self._rows) else len(self._line_row)
        self.scroll_to_region(
            Region(0, start, self._width, end - start), animate=False, force=True, immediate=True
        )

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Drawn rows hold resolved colours: a theme or CSS change draws them again.
        self._strips.clear()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        # Rows may be fitted to the width (see `content_width`): built again when it changed
        # (the detail pane changes the story's height with each record it shows).
        if self.content_width != self._built_width:
            self.rebuild(scroll=False)
        self.call_after_refresh(self.scroll_to_cursor)

    @property
    def content_width(self) -> int:
        """Cells a row line has, for rows that shorten text to fit (0 before layout)."""
        return max(0, self.scrollable_content_region.width)

    def on_click(self, event: events.Click) -> None:
        index = event.style.meta.get("row")
        if not isinstance(index, int) or not (0 <= index < len(self._rows)):
            return
        if index == self._cursor:
            self.action_select()
        else:
            self.move_cursor(index)

    # -- actions ----------------------------------------------------------------------
    def _step(self, start: int, direction: int) -> int | None:
        i = start + direction
        while 0 <= i < len(self._rows):
            if self._rows[i].selectable:
                return i
            i += direction
        return None

    def action_cursor_up(self) -> None:
        target = self._step(self._cursor, -1)
        if target is not None:
            self.move_cursor(target)
        else:
            self.scroll_home(animate=False)  # show the headings above the first row

    def action_cursor_down(self) -> None:
        target = self._step(self._cursor, 1)
        if target is not None:
            self.move_cursor(target)
        else:
            self.scroll_end(animate=False)

    def action_cursor_first(self) -> None:
        target = self._step(-1, 1)
        if target is not None:
            self.move_cursor(target)
        self.scroll_home(animate=False)

    def action_cursor_last(self) -> None:
        target = self._step(len(self._rows), -1)
        if target is not None:
            self.move_cursor(target)
        self.scroll_end(animate=False)

    def _page(self, direction: int) -> None:
        if self._cursor < 0 or not self._layout():
            return
        line = self._row_start[self._cursor] + direction * max(1, self.scrollable_content_region.height - 1)
        line = max(0, min(line, len(self._line_row) - 1))
        target = self._line_row[line]
        if not self._rows[target].selectable:
            ahead = self._step(target, direction)
            behind = self._step(target, -direction)
            target = ahead if ahead is not None else behind if behind is not None else self._cursor
        self.move_cursor(target)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_page_down(self) -> None:
        self._page(1)

    def action_select(self) -> None:
        row = self.cursor_row
        if row is not None:
            self.row_selected(row)
