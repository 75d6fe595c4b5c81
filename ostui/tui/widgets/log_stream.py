"""The stream pane: the merged, filtered records, drawn with the Line API.

Only the rows on screen are parsed and rendered; the widget holds a `StreamView`
(compact arrays) and maps screen rows to records. A record is one row; expanding it
(its traceback or continued text) inserts its body rows below it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import datetime, timedelta
from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.i18n import _
from ...core.indexing.logset import LogFile
from ...core.levels import LEVEL_SHORT, Level
from ...core.model import Record
from ...core.stream.view import StreamView
from ...core.textsafe import visible
from ..level_styles import level_classes, level_rules
from .names import middle_cut

MAX_RENDER = 4000  # characters of one row drawn; the rest is reachable in the detail pane


def clean(text: str) -> str:
    """Text safe to draw: tabs expanded, then the sanitising gate."""
    if "\t" in text:
        text = text.expandtabs(4)
    return visible(text)


def short_id(rid: str | None) -> str:
    if not rid:
        return ""
    if rid.startswith("req-"):
        return rid[4:12]
    return rid[:10]


class RowMap:
    """Screen rows <-> (view row, line inside the record) with some records expanded."""

    def __init__(self) -> None:
        self.expanded: dict[int, int] = {}  # view row -> extra rows
        self._rows: list[int] = []
        self._cum: list[int] = []

    def set(self, row: int, extra: int) -> None:
        if extra > 0:
            self.expanded[row] = extra
        else:
            self.expanded.pop(row, None)
        self._rows = sorted(self.expanded)
        total = 0
        self._cum = []
        for r in self._rows:
            total += self.expanded[r]
            self._cum.append(total)

    def clear(self) -> None:
        self.expanded.clear()
        self._rows, self._cum = [], []

    def extra_before(self, row: int) -> int:
        """Extra rows of expanded records above view row `row`."""
        i = bisect_right(self._rows, row - 1)
        return self._cum[i - 1] if i else 0

    def screen_row(self, row: int) -> int:
        return row + self.extra_before(row)

    def locate(self, y: int) -> tuple[int, int]:
        """(view row, sub line) of screen row y."""
        if not self._rows:
            return y, 0  # nothing expanded (most of the time): no search, for every line drawn
        lo, hi = 0, y
        while lo < hi:  # the largest view row whose screen row <= y
            mid = (lo + hi + 1) // 2
            if self.screen_row(mid) <= y:
                lo = mid
            else:
                hi = mid - 1
        return lo, y - self.screen_row(lo)

    def total(self, rows: int) -> int:
        return rows + (self._cum[-1] if self._cum else 0)


class _LineFrame(NamedTuple):
    """What every line of one redraw shares."""

    base: Style  # the widget's own style
    width: int  # of the region the lines fill
    scroll_x: int
    top: int  # the screen row drawn first


class LogStream(ScrollView, can_focus=True):
    """Merged records, one per row, newest at the bottom."""

    ALLOW_MAXIMIZE = True
    _drawing: _LineFrame | None = None  # set while `render_lines` draws

    COMPONENT_CLASSES = {
        "log-stream--cursor",
        "log-stream--time",
        "log-stream--source",
        "log-stream--id",
        "log-stream--match",
        "log-stream--fold",
        "log-stream--fault",
        "log-stream--body",
    } | level_classes("log-stream")
    DEFAULT_CSS = """
    LogStream { background: $surface; scrollbar-size-horizontal: 0; }
    LogStream > .log-stream--cursor { background: $accent 35%; }
    LogStream:focus > .log-stream--cursor { background: $accent 60%; }
    LogStream > .log-stream--time { color: $foreground-muted; }
    LogStream > .log-stream--source { color: $primary; }
    LogStream > .log-stream--id { color: $secondary; }
    LogStream > .log-stream--match { background: $warning 50%; text-style: bold; }
    LogStream > .log-stream--fold { color: $error; text-style: italic; }
    LogStream > .log-stream--fault { color: $accent; text-style: bold; }
    LogStream > .log-stream--body { color: $foreground-muted; }
    """ + level_rules("LogStream", "log-stream")

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, id="stream.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="stream.down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="stream.page_up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="stream.page_down"),
        Binding("home,g", "first", "First", show=False, id="stream.first"),
        Binding("end,G", "last", "Last", show=False, id="stream.last"),
        Binding("left,h", "scroll_left", "Left", show=False, id="stream.left"),
        Binding("right,l", "scroll_right", "Right", show=False, id="stream.right"),
        Binding("enter", "open", "Open", id="stream.open"),
        Binding("space", "toggle_fold", "Fold", id="stream.fold"),
        Binding("w", "toggle_wrap", "Wrap", show=False, id="stream.wrap"),
    ]  # ] [ n N work from every pane: they are the app's (keys.py)

    # No repaint of the whole pane when the cursor moves: watch_cursor redraws its two rows.
    cursor: reactive[int] = reactive(0, init=False, repaint=False)
    wrap: reactive[bool] = reactive(False, init=False)
    follow: reactive[bool] = reactive(True, init=False)

    class RecordHighlighted(Message):
        def __init__(
            self, file: LogFile, record: Record, followed: bool = False, placed: bool = False
        ) -> None:
            super().__init__()
            self.file = file
            self.record = record
            self.followed = followed  # the cursor went with the live tail, not by a key
            self.placed = placed  # the cursor was put there by a new view, not by a key

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LogStream.RecordHighlighted)

    class RecordOpened(Message):
        def __init__(self, file: LogFile, record: Record) -> None:
            super().__init__()
            self.file = file
            self.record = record

    class ReachedTop(Message):
        """The cursor is on the first record: older logs (a remote node's) may be wanted."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LogStream.ReachedTop)

    class FollowChanged(Message):
        def __init__(self, follow: bool) -> None:
            super().__init__()
            self.follow = follow

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.view: StreamView | None = None
        self.search: re.Pattern[str] | None = None
        self.rowmap = RowMap()
        self.source_width = 18
        self._show_date = False

    # -- data in ----------------------------------------------------------------------
    def set_view(
        self, view: StreamView, keep: tuple[LogFile, int] | None = None, hold_line: bool = False
    ) -> None:
        """Show a new view; keep the cursor on the same record when it is still there, and
        with `hold_line` on the same line of the screen (rows came in above it)."""
        line: int | None = None
        if hold_line and self.view is not None and not self.follow:
            line = self.rowmap.screen_row(self.cursor) - self.scroll_offset.y
            if not 0 <= line < (self.scrollable_content_region.height or 1):
                line = None
        self.view = view
        self.rowmap.clear()
        labels = {f"{f.node}/{f.component}" for f in view.files}
        self.source_width = max(8, min(26, max((cell_len(clean(s)) for s in labels), default=8)))
        days = {f.index.keys[0] // 10**12 for f in view.files if f.index is not None and len(f.index.keys)}
        self._show_date = len(days) != 1
        self._update_size()
        target: int | None = None
        if keep is not None:
            target = view.row_of(*keep)
            if target is None:
                line = None  # the record is not there: the nearest one, centred
                if len(view):
                    target = self._nearest_row(keep)
        if target is None or self.follow:
            target = max(0, len(view) - 1)
        self.set_reactive(LogStream.cursor, min(target, max(0, len(view) - 1)))
        # The new virtual size takes effect on the next layout; scroll after it.
        if line is not None and keep is not None and not self.follow:
            # At once: a frame drawn before the scroll would show the cursor elsewhere.
            self._scroll_cursor_to_line(line)
        else:
            self.call_after_refresh(self._scroll_to_cursor, True)
        self.refresh()
        self._announce(placed=True)

    def grow(self) -> None:
        """Rows were appended to the view (live tail): follow them or keep the place."""
        # Paused with the new rows under the screen: only the scrollbar changes.
        below = not self.follow and (
            self.virtual_size.height >= self.scroll_offset.y + self.scrollable_content_region.height
        )
        self._update_size(repaint=not below)
        if self.follow and self.view is not None:
            self.set_reactive(LogStream.cursor, max(0, len(self.view) - 1))
            self.call_after_refresh(self._scroll_to_cursor)
            self._announce(followed=True)
        if not below:
            self.refresh()

    def drop_rows(self, count: int) -> None:
        """The view's first `count` rows left (the memory window): the cursor, the open
        records and the scroll stay on the records they were on."""
        if not count or self.view is None:
            return
        expanded = {row - count: extra for row, extra in self.rowmap.expanded.items() if row >= count}
        lost = self.rowmap.screen_row(count)  # screen rows of the rows that left
        self.rowmap.clear()
        for row, extra in expanded.items():
            self.rowmap.set(row, extra)
        self._update_size()
        self.set_reactive(LogStream.cursor, max(0, min(self.cursor - count, len(self.view) - 1)))
        if self.follow:
            self.call_after_refresh(self._scroll_to_cursor)
        else:
            self.scroll_to(y=max(0, self.scroll_offset.y - lost), animate=False)
        self.refresh()

    def _nearest_row(self, keep: tuple[LogFile, int]) -> int | None:
        assert self.view is not None
        lf, rec = keep
        if lf.index is None or not lf.index.times or rec >= len(lf.index.keys):
            return None
        return self.view.row_at_time(lf.index.keys[rec])

    def _update_size(self, repaint: bool = True) -> None:
        rows = len(self.view) if self.view is not None else 0
        size = Size(MAX_RENDER, self.rowmap.total(rows))
        if size != self.virtual_size:
            # Only the scrollbar follows the size (Textual's `_scroll_update`; it lays the
            # screen out if the scrollbar shows or hides): a layout of the whole screen for
            # each new size cost 20-30 ms, one of them in the frame that says N of N.
            self.set_reactive(LogStream.virtual_size, size)
            self._scroll_update(size)
        if repaint:
            self.refresh()

    # -- drawing ------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # What every line drawn shares, looked up once for them all: the widget's style
        # walks its ancestors for their backgrounds, and with the region's geometry it was
        # a quarter of a scroll's redraw (46 lines at 160x48).
        self._drawing = self._line_frame()
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = None

    def _line_frame(self) -> _LineFrame:
        return _LineFrame(
            self.rich_style, self.scrollable_content_region.width, self.scroll_offset.x, self._top()
        )

    def render_line(self, y: int) -> Strip:
        base, width, scroll_x, top = self._drawing or self._line_frame()
        view = self.view
        if view is None or not len(view):
            return Strip.blank(width, base)
        row, sub = self.rowmap.locate(top + y)
        if row >= len(view):
            return Strip.blank(width, base)
        segments = self._row_segments(row, sub)
        strip = Strip(segments).crop(scroll_x, scroll_x + width)
        if row == self.cursor:
            base = base + self.get_component_rich_style("log-stream--cursor")
        return strip.extend_cell_length(width).apply_style(base)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"log-stream--{name}", partial=True)

    def _row_segments(self, row: int, sub: int) -> list[Segment]:
        assert self.view is not None
        lf, rec = self.view.record(row)
        if sub > 0:
            lines = self._body_lines(rec)
            text = clean(lines[sub - 1]) if sub - 1 < len(lines) else ""
            return [Segment("  " + " " * self._gutter_width() + text[:MAX_RENDER], self._style("body"))]
        level = rec.level
        out = [
            Segment(self._stamp(self._shown_time(lf, rec.timestamp)) + " ", self._style("time")),
            Segment(self._source(lf), self._style("source")),
            Segment(f"{LEVEL_SHORT[level]:<5} ", self._style(f"level-{level.name.lower()}")),
            Segment(f"{short_id(rec.request_id or rec.global_request_id):<8} ", self._style("id")),
        ]
        fault = lf.faults.get(self.view.locate(row)[1]) if lf.faults else None
        if fault is not None:
            out.append(Segment(f"⚑ {fault} ", self._style("fault")))
        headline, rest = _head_and_rest(rec)
        message = clean(headline)[:MAX_RENDER]
        out.extend(
            self._highlight(
                message, self._style(f"level-{level.name.lower()}") if level >= Level.WARNING else Style()
            )
        )
        if rec.traceback is not None:
            marker = "▾" if row in self.rowmap.expanded else "▸"
            frames = sum(len(s.frames) for s in rec.traceback.sections)
            out.append(
                Segment(
                    f"  {marker} {clean(rec.traceback.exc_type)}: {clean(rec.traceback.exc_message)[:200]} "
                    f"({frames} frames)",
                    self._style("fold"),
                )
            )
        elif rest:
            marker = "▾" if row in self.rowmap.expanded else "▸"
            out.append(Segment(f"  {marker} +{len(rest)} lines", self._style("body")))
        return out

    def _source(self, lf: LogFile) -> str:
        """node/component in the source column, cut in the middle (both ends tell apart
        `osp7_ne…0074/neutron` from its neighbours), padded in cells (CJK names count two)."""
        name = middle_cut(clean(f"{lf.node}/{lf.component}"), self.source_width)
        return name + " " * (self.source_width - cell_len(name) + 1)

    def _shown_time(self, lf: LogFile, ts: datetime | None) -> datetime | None:
        """The stamp on the corrected clock when the view corrects this node's skew."""
        shift = self.view.clock.get(lf.node) if self.view is not None and ts is not None else None
        return ts + timedelta(microseconds=shift) if shift and ts is not None else ts

    def _gutter_width(self) -> int:
        return len(self._stamp(None)) + 1

    def _stamp(self, ts: datetime | None) -> str:
        if ts is None:
            return " " * (18 if self._show_date else 12)
        if self._show_date:
            return ts.strftime("%m-%d %H:%M:%S.") + f"{ts.microsecond // 1000:03d}"
        return ts.strftime("%H:%M:%S.") + f"{ts.microsecond // 1000:03d}"

    def _highlight(self, text: str, style: Style) -> list[Segment]:
        if self.search is None:
            return [Segment(text, style)]
        out: list[Segment] = []
        pos = 0
        hl = style + self._style("match")
        for m in self.search.finditer(text):
            if m.end() == m.start():
                continue
            out.append(Segment(text[pos : m.start()], style))
            out.append(Segment(m.group(), hl))
            pos = m.end()
        out.append(Segment(text[pos:], style))
        return out

    def _body_lines(self, rec: Record) -> list[str]:
        headline, lines = _head_and_rest(rec)
        if not self.wrap:
            return lines
        width = max(20, self.scrollable_content_region.width - self._gutter_width() - 3)
        wrapped: list[str] = []
        for line in [headline, *lines] if headline and len(headline) > width else lines:
            while len(line) > width:
                wrapped.append(line[:width])
                line = line[width:]
            wrapped.append(line)
        return wrapped

    # -- cursor and scrolling ------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self._scroll_to_cursor()
        self._announce()
        if new == 0 and old != 0:
            self.post_message(self.ReachedTop())

    def _refresh_row(self, row: int) -> None:
        y = self.rowmap.screen_row(row) - self.scroll_offset.y
        self.refresh_lines(self.scroll_offset.y + y, 1 + self.rowmap.expanded.get(row, 0))

    def _announce(self, followed: bool = False, placed: bool = False) -> None:
        if self.view is not None and len(self.view):
            lf, rec = self.view.record(self.cursor)
            self.post_message(self.RecordHighlighted(lf, rec, followed, placed))

    def _scroll_cursor_to_line(self, line: int) -> None:
        self.scroll_to(y=max(0, self.rowmap.screen_row(self.cursor) - line), animate=False)

    def _scroll_to_cursor(self, center: bool = False) -> None:
        y = self.rowmap.screen_row(self.cursor)
        height = self.scrollable_content_region.height or 1
        top = self.scroll_offset.y
        if center and not (top <= y < top + height):
            self.scroll_to(y=max(0, y - height // 2), animate=False)
        elif y < top:
            self.scroll_to(y=y, animate=False)
        elif y + self.rowmap.expanded.get(self.cursor, 0) >= top + height:
            self.scroll_to(y=y + self.rowmap.expanded.get(self.cursor, 0) - height + 1, animate=False)

    def move_to(self, row: int | None) -> None:
        if row is None or self.view is None or not len(self.view):
            return
        self.cursor = max(0, min(row, len(self.view) - 1))
        self._scroll_to_cursor(center=True)

    def _set_follow(self, value: bool) -> None:
        if self.follow != value:
            self.follow = value
            self.post_message(self.FollowChanged(value))

    def action_cursor_up(self) -> None:
        self._set_follow(False)
        if self.cursor == 0 and self.view is not None and len(self.view):
            self.post_message(self.ReachedTop())  # up again at the top: go further back
        self.move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_page_up(self) -> None:
        self._set_follow(False)
        self.move_to(self.cursor - max(1, self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self._set_follow(False)
        self.move_to(0)

    def action_last(self) -> None:
        if self.view is not None:
            self.move_to(len(self.view) - 1)
        self._set_follow(True)

    def action_scroll_left(self) -> None:
        self.scroll_to(x=max(0, self.scroll_offset.x - 8), animate=False)

    def action_scroll_right(self) -> None:
        self.scroll_to(x=self.scroll_offset.x + 8, animate=False)

    def action_open(self) -> None:
        if self.view is not None and len(self.view):
            lf, rec = self.view.record(self.cursor)
            self.post_message(self.RecordOpened(lf, rec))

    def action_toggle_fold(self) -> None:
        if self.view is None or not len(self.view):
            return
        rec = self.view.record(self.cursor)[1]
        if self.cursor in self.rowmap.expanded:
            self.rowmap.set(self.cursor, 0)
        else:
            self.rowmap.set(self.cursor, len(self._body_lines(rec)))
        self._update_size()
        self._scroll_to_cursor()
        self.refresh()

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        for row in list(self.rowmap.expanded):
            assert self.view is not None
            self.rowmap.set(row, len(self._body_lines(self.view.record(row)[1])))
        self._update_size()
        self.refresh()
        self.notify(
            _("wrap on: expanded records wrap at the pane width") if self.wrap else _("wrap off"), timeout=2
        )

    def action_next_error(self) -> None:
        self._jump_level(+1)

    def action_prev_error(self) -> None:
        self._set_follow(False)
        self._jump_level(-1)

    def _jump_level(self, step: int) -> None:
        if self.view is None:
            return
        row = self.view.find_level(self.cursor, step, Level.ERROR)
        if row is None:
            self.notify(_("no more ERROR records in that direction"), timeout=2)
        else:
            self.move_to(row)

    def action_next_match(self) -> None:
        self._jump_match(+1)

    def action_prev_match(self) -> None:
        self._set_follow(False)
        self._jump_match(-1)

    def _jump_match(self, step: int, limit: int = 200_000) -> None:
        """Next record whose message matches the search (parses rows one by one)."""
        if self.view is None or self.search is None:
            self.notify(_("no search: press / to search"), timeout=2)
            return
        i = self.cursor + step
        checked = 0
        while 0 <= i < len(self.view) and checked < limit:
            rec = self.view.record(i)[1]
            if self.search.search(rec.text):
                self.move_to(i)
                return
            i += step
            checked += 1
        self.notify(_("no more matches in that direction"), timeout=2)

    def _top(self) -> int:
        """First screen row drawn. Following, the end of the stream, from the first frame,
        without waiting for the scroll offset to catch up with a view that just grew."""
        if self.follow and self.view is not None:
            return max(0, self.rowmap.total(len(self.view)) - self.scrollable_content_region.height)
        return self.scroll_offset.y

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._set_follow(False)

    def on_click(self, event: events.Click) -> None:
        if self.view is None:
            return
        row = self.rowmap.locate(self._top() + event.y)[0]
        if row < len(self.view):
            self.cursor = row


def _head_and_rest(rec: Record) -> tuple[str, list[str]]:
    """A row's text and the lines it unfolds to. An empty head (neutron's failed commands)
    reads as its first body line; a traceback's record keeps its head (the fold names the
    exception)."""
    return (rec.message, rec.body) if rec.traceback is not None else rec.headline()
