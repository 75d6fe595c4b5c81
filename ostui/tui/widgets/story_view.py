"""A request's story: every record of one request id across files and nodes, in time order.

`CursorRows` is the Line API list both this view and the traceback view are drawn with:
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
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from ...core.levels import Level
from ...core.logset import LogFile
from ...core.model import Record
from ...core.requests import RequestStory, StoryEntry
from ...core.textsafe import visible
from ..level_styles import level_class, level_classes, level_rules


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
        for i, row in enumerate(self._rows):
            self._row_start.append(len(self._line_row))
            height = max(1, row.content.get_height(self.styles, width))  # type: ignore[arg-type]
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
        # Rows may be fitted to the width (see `content_width`): build them again.
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


# -- the story ---------------------------------------------------------------------------
MAX_STORY_ROWS = 2000  # entries listed; a storm of retries would make layout slow


def short_request_id(rid: str | None) -> str:
    """`req-e359221b-...` -> `e359221b`; other ids (swift tx...) cut to 8 characters."""
    if not rid:
        return "-"
    return rid[4:12] if rid.startswith("req-") else rid[:8]


def status_component(status: int, prefix: str) -> str:
    if status >= 500:
        return f"{prefix}--status-error"
    if status >= 400:
        return f"{prefix}--status-warning"
    return f"{prefix}--status-ok"


def fit_middle(text: str, width: int) -> str:
    """`text` cut in the middle to `width` characters (a URL keeps its host and its end)."""
    if width <= 0 or len(text) <= width:
        return text
    if width < 5:
        return text[:width]
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def http_line(rec: Record, width: int = 0) -> str | None:
    """`GET url → 500` (the parts the record has), None without an HTTP status or URL.

    With `width`, the URL is shortened in the middle so the status stays in view.
    """
    http = rec.http
    if http is None or (http.status is None and not http.url):
        return None
    url = http.url or ""
    if width > 0 and url:
        fixed = len(http.method or "") + 1 + (len(f" → {http.status}") if http.status is not None else 0)
        url = fit_middle(url, max(12, width - fixed))
    parts = [p for p in (http.method, url) if p]
    line = " ".join(parts)
    if http.status is not None:
        line = f"{line} → {http.status}" if line else f"→ {http.status}"
    return line


class RequestStoryView(CursorRows):
    """The records of one request (and the ids linked to it), one row each, in time order."""

    CURSOR_COMPONENT: ClassVar[str] = "story-view--cursor"
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "story-view--cursor",
        "story-view--heading",
        "story-view--muted",
        "story-view--source",
        "story-view--id",
        "story-view--status-error",
        "story-view--status-warning",
        "story-view--status-ok",
    } | level_classes("story-view")

    DEFAULT_CSS = """
    RequestStoryView {
        /* One line per record: long messages end in an ellipsis, the Record tab has them whole. */
        text-wrap: nowrap;
        text-overflow: ellipsis;
        & > .story-view--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .story-view--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .story-view--heading { text-style: bold; }
        & > .story-view--muted { color: $foreground-muted; }
        & > .story-view--source { color: $text-primary; }
        & > .story-view--id { color: $text-accent; }
        & > .story-view--status-error { color: $text-error; text-style: bold; }
        & > .story-view--status-warning { color: $text-warning; text-style: bold; }
        & > .story-view--status-ok { color: $text-success; }
    }
    """ + level_rules("RequestStoryView", "story-view")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="story.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="story.cursor_down"),
        Binding("home", "cursor_first", "First", show=False, id="story.first"),
        Binding("end", "cursor_last", "Last", show=False, id="story.last"),
        Binding("pageup", "page_up", "Page up", show=False, id="story.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="story.page_down"),
        Binding("enter", "select", "Go to record", show=True, id="story.select"),
    ]

    story: reactive[RequestStory | None] = reactive(None, init=False, always_update=True)
    """The story to show; None shows `empty_text`."""

    empty_text: reactive[str] = reactive("No request selected.", init=False)

    class EntryHighlighted(Message):
        """The cursor moved onto an entry."""

        def __init__(self, view: RequestStoryView, entry: StoryEntry) -> None:
            super().__init__()
            self.view = view
            self.entry = entry

        @property
        def control(self) -> RequestStoryView:
            return self.view

    class EntrySelected(Message):
        """Enter on an entry: the app may jump to that record in the stream."""

        def __init__(self, view: RequestStoryView, entry: StoryEntry) -> None:
            super().__init__()
            self.view = view
            self.entry = entry

        @property
        def control(self) -> RequestStoryView:
            return self.view

    def on_mount(self) -> None:
        self.rebuild()

    def watch_story(self) -> None:
        self.rebuild()

    def watch_empty_text(self) -> None:
        if self.story is None:
            self.rebuild()

    def move_to_record(self, file: LogFile, offset: int) -> bool:
        """Put the cursor on the entry of `file` at byte `offset`; False when it is not there."""
        for i, row in enumerate(self.rows):
            entry = row.data
            if isinstance(entry, StoryEntry) and entry.file is file and entry.record.offset == offset:
                self.move_cursor(i)
                return True
        return False

    def default_cursor(self, rows: Sequence[Row], old_key: Hashable | None) -> int:
        # A new story opens on its worst record: the first ERROR, else the first row.
        worst = -1
        best_level = Level.UNKNOWN
        for i, row in enumerate(rows):
            if isinstance(row.data, StoryEntry) and (worst < 0 or row.data.record.level > best_level):
                worst, best_level = i, row.data.record.level
        return worst

    def cursor_moved(self, row: Row) -> None:
        if isinstance(row.data, StoryEntry):
            self.post_message(self.EntryHighlighted(self, row.data))

    def row_selected(self, row: Row) -> None:
        if isinstance(row.data, StoryEntry):
            self.post_message(self.EntrySelected(self, row.data))

    def build_rows(self) -> list[Row]:
        story = self.story
        style = self.component_style
        if story is None:
            return [Row(Content.styled(self.empty_text, style("story-view--muted")))]
        count = len(story.entries)
        heading = Content.assemble(
            ("Request ", style("story-view--heading")),
            Content.styled(story.request_id, style("story-view--id")).stylize(style("story-view--heading")),
            (f"  {count} record{'s' if count != 1 else ''}", style("story-view--muted")),
        )
        if story.status is not None:
            heading = heading.append(
                Content.assemble(
                    ("  HTTP ", style("story-view--muted")),
                    (str(story.status), style(status_component(story.status, "story-view"))),
                )
            )
        rows = [Row(heading)]
        seen: set[str] = set()
        for link in story.links:
            if link.target in seen or link.target == story.request_id:
                continue
            seen.add(link.target)
            rows.append(
                Row(
                    Content.assemble(
                        ("  linked ", style("story-view--muted")),
                        (link.target, style("story-view--id")),
                        (f" ({link.relation})", style("story-view--muted")),
                    )
                )
            )
        if not story.entries:
            rows.append(
                Row(
                    Content.styled(
                        f"No record in the loaded files mentions {story.request_id}.",
                        style("story-view--muted"),
                    )
                )
            )
            return rows
        shown = story.entries[:MAX_STORY_ROWS]
        width = min(28, max(len(visible(f"{e.file.node}/{e.file.component}")) for e in shown))
        for n, entry in enumerate(shown):
            rows.append(Row(self._entry_content(entry, width), key=n, data=entry))
        if len(story.entries) > len(shown):
            more = len(story.entries) - len(shown)
            note = f"… {more} more records not listed (the report has them all)"
            rows.append(Row(Content.styled(note, style("story-view--muted"))))
        return rows

    def _entry_content(self, entry: StoryEntry, source_width: int) -> Content:
        style = self.component_style
        rec = entry.record
        since = f"+{entry.since_first:.3f}s" if entry.since_first is not None else "-"
        source = visible(f"{entry.file.node}/{entry.file.component}")
        if len(source) > source_width:
            source = "…" + source[-(source_width - 1) :]
        message = rec.message.split("\n", 1)[0] or (rec.body[0] if rec.body else "")
        line = Content.assemble(
            (f"{since:>9} ", style("story-view--muted")),
            (f"{source:<{source_width}} ", style("story-view--source")),
            (f"{rec.level.name:<8} ", style(level_class(rec.level, "story-view"))),
            (f"{short_request_id(rec.request_id):<8} ", style("story-view--id")),
            message,
        )
        http = http_line(rec, self.content_width - 15)
        if http is not None:
            status = rec.http.status if rec.http is not None else None
            http_content = Content.styled(f"\n{'':>10}HTTP {http}", style("story-view--muted"))
            if status is not None:
                # The status at the end of the line gets the status colour.
                http_content = http_content.stylize(
                    style(status_component(status, "story-view")), len(http_content) - len(str(status))
                )
            line = line + http_content
        return line
