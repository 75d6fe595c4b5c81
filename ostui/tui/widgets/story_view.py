"""A request's story: every record of one request id across files and nodes, in time order,
drawn as `CursorRows`."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive

from ...core.i18n import _, n_
from ...core.indexing.logset import LogFile
from ...core.levels import Level
from ...core.model import Record
from ...core.stream.requests import RequestStory, StoryEntry
from ...core.textsafe import visible
from ..level_styles import level_class, level_classes, level_rules
from .cursor_rows import CursorRows, Row

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


class _EntryMessage(Message):
    """A story's entry, told by the view it is in."""

    def __init__(self, view: RequestStoryView, entry: StoryEntry) -> None:
        super().__init__()
        self.view = view
        self.entry = entry

    @property
    def control(self) -> RequestStoryView:
        return self.view


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

    empty_text: reactive[str] = reactive("", init=False)

    class EntryHighlighted(_EntryMessage):
        """The cursor moved onto an entry."""

    class EntrySelected(_EntryMessage):
        """Enter on an entry: the app may jump to that record in the stream."""

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
            return [
                Row(Content.styled(self.empty_text or _("No request selected."), style("story-view--muted")))
            ]
        count = len(story.entries)
        heading = Content.assemble(
            (_("Request") + " ", style("story-view--heading")),
            Content.styled(story.request_id, style("story-view--id")).stylize(style("story-view--heading")),
            ("  " + n_(count, "{count} record", "{count} records"), style("story-view--muted")),
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
                        ("  " + _("linked") + " ", style("story-view--muted")),
                        (link.target, style("story-view--id")),
                        (f" ({link.relation})", style("story-view--muted")),
                    )
                )
            )
        if not story.entries:
            rows.append(
                Row(
                    Content.styled(
                        _("No record in the loaded files mentions {request}.", request=story.request_id),
                        style("story-view--muted"),
                    )
                )
            )
            return rows
        shown = story.entries[:MAX_STORY_ROWS]
        width = min(28, max(len(visible(f"{e.file.node}/{e.file.component}")) for e in shown))
        http_width = self.content_width - 15  # (looked up once: 1,500 entries took 15 ms)
        for n, entry in enumerate(shown):
            rows.append(Row(self._entry_content(entry, width, http_width), key=n, data=entry))
        if len(story.entries) > len(shown):
            more = len(story.entries) - len(shown)
            note = "… " + _("{count} more records not listed (the report has them all)", count=more)
            rows.append(Row(Content.styled(note, style("story-view--muted"))))
        return rows

    def _entry_content(self, entry: StoryEntry, source_width: int, http_width: int) -> Content:
        style = self.component_style
        rec = entry.record
        since = f"+{entry.since_first:.3f}s" if entry.since_first is not None else "-"
        source = visible(f"{entry.file.node}/{entry.file.component}")
        if len(source) > source_width:
            source = "…" + source[-(source_width - 1) :]
        message = rec.headline()[0].split("\n", 1)[0]
        line = Content.assemble(
            (f"{since:>9} ", style("story-view--muted")),
            (f"{source:<{source_width}} ", style("story-view--source")),
            (f"{rec.level.name:<8} ", style(level_class(rec.level, "story-view"))),
            (f"{short_request_id(rec.request_id):<8} ", style("story-view--id")),
            message,
        )
        http = http_line(rec, http_width)
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
