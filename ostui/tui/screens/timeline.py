"""The timeline: stacked bars of errors, warnings and the rest over time, and one strip
per node (or component, or producer) below, so the host that started failing first shows.

It counts what the stream shows (its files, filters and clock correction) with
`core.timeline`; a zoom or a cursor move only redraws (two bisections per column and
level). `enter` jumps the stream to the cursor's time; a range marked with `space`
becomes the stream's time filter, as `--since/--until` would.

Levels are told apart by shape as well as colour (█ errors, ▓ warnings, ░ the rest),
so the chart reads the same with NO_COLOR and on a 256-colour terminal.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from ...core.levels import Level
from ...core.stream.timeline import (
    BAND_OF_LEVEL,
    GROUPINGS,
    ZOOMS,
    Column,
    Timeline,
    Zoom,
    bucket_start,
    columns_between,
    step_key,
)
from ...core.textsafe import visible
from ...core.timekeys import NO_KEY, key_from_datetime, key_to_datetime, key_to_us, us_to_key
from ..level_styles import level_style

if TYPE_CHECKING:
    from ...core.stream.marks import Mark
    from ...core.stream.view import StreamView

# band -> (shape, style): one definition for the bars, the strips and the legend
BAND_LOOK: tuple[tuple[str, str], ...] = (
    ("░", level_style(Level.INFO)),
    ("▓", level_style(Level.WARNING)),
    ("█", level_style(Level.ERROR)),
)
BAND_LABELS = ("other", "warning", "error")
MUTED = "$foreground-muted"
LABEL_WIDTH = 14
GROW_INTERVAL = 1.0  # seconds between looks for records the live tail added

# A choice handed back to the app: ("jump", key, key) or ("range", since, until).
Choice = tuple[str, int, int]


def _when(key: int, zoom: Zoom) -> str:
    when = key_to_datetime(key)
    if when is None:
        return "?"
    if zoom.seconds >= 86400:
        return f"{when:%Y-%m-%d}"
    if zoom.seconds >= 60:
        return f"{when:%m-%d %H:%M}"
    return f"{when:%H:%M:%S}"


def bar_cells(column: Column, height: int, biggest: int) -> list[int]:
    """The band of each cell of a column's bar, bottom up: errors, then warnings, then the
    rest. The bar's height grows with the logarithm of its count (one busy minute must not
    flatten the rest), and a band with any record gets at least one cell, so one error
    never vanishes beside thousands of debug lines."""
    other, warning, error = column.bands()
    total = other + warning + error
    if not total or biggest <= 0 or height <= 0:
        return []
    cells = max(1, math.ceil(height * math.log1p(total) / math.log1p(biggest)))
    out: list[int] = []
    for band, n in ((2, error), (1, warning), (0, other)):
        if n:
            out.extend([band] * max(1, round(cells * n / total)))
    return out if len(out) <= height else [*out[: height - 1], out[-1]]


class TimelineChart(Widget):
    """Draws the screen's state: the bars, the time axis, the marks and the per-row strips."""

    DEFAULT_CSS = """
    TimelineChart { height: 1fr; }
    """

    def __init__(self, screen: TimelineScreen, id: str | None = None) -> None:
        super().__init__(id=id)
        self.owner = screen

    def render(self) -> RenderResult:
        return self.owner.draw(self.size.width, self.size.height)

    def on_click(self, event: events.Click) -> None:
        column = event.x - LABEL_WIDTH - 1
        if 0 <= column < self.owner.column_count:
            self.owner.move_cursor(column)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.owner.action_zoom(-1)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.owner.action_zoom(+1)


class TimelineScreen(Screen[Choice | None]):
    """Records over time for what the stream shows."""

    DEFAULT_CSS = """
    TimelineScreen { background: $surface; }
    TimelineScreen #timeline-info { height: 2; padding: 0 1; }
    TimelineScreen #timeline-keys { height: 1; color: $foreground-muted; padding: 0 1; }
    TimelineScreen TimelineChart { padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="timeline.close"),
        Binding("left,h", "move(-1)", "Earlier", show=False, id="timeline.left"),
        Binding("right,l", "move(1)", "Later", show=False, id="timeline.right"),
        Binding("pageup,shift+left", "page(-1)", "Page earlier", show=False, id="timeline.page_left"),
        Binding("pagedown,shift+right", "page(1)", "Page later", show=False, id="timeline.page_right"),
        Binding("home", "edge(0)", "First", show=False, id="timeline.first"),
        Binding("end", "edge(1)", "Last", show=False, id="timeline.last"),
        Binding("plus,equals_sign", "zoom(-1)", "Zoom in", id="timeline.zoom_in"),
        Binding("minus", "zoom(1)", "Zoom out", id="timeline.zoom_out"),
        Binding("right_square_bracket", "next_error(1)", "Next error", id="timeline.next_error"),
        Binding("left_square_bracket", "next_error(-1)", "Prev error", show=False, id="timeline.prev_error"),
        Binding("space", "mark_range", "Range", id="timeline.range"),
        Binding("g", "cycle_rows", "Rows by", id="timeline.rows"),
        Binding("enter", "choose", "Go / filter", id="timeline.choose"),
    ]

    def __init__(
        self,
        view: StreamView,
        marks: list[Mark] | None = None,
        clock: dict[str, int] | None = None,
        live_view: Callable[[], StreamView | None] | None = None,
    ) -> None:
        super().__init__()
        self.view = view
        self.marks = list(marks or [])
        self.clock = dict(clock or {})
        self.live_view = live_view  # a callable giving the stream's current view, when following
        self.by = "node"
        self.timeline: Timeline | None = None
        self.counted = 0  # view rows counted
        self.remerged = 0  # the view's `remerged` when it was counted
        self.zoom_index = 5  # 1m until the data says otherwise
        self.left = NO_KEY  # key of the first column's bucket
        self.cursor = 0
        self.range_start: int | None = None  # a range's first bucket key, while one is being marked
        self.range: tuple[int, int] | None = None  # (first, last) bucket keys
        self.column_count = 0
        self.ready = False

    @property
    def zoom(self) -> Zoom:
        return ZOOMS[self.zoom_index]

    def compose(self) -> ComposeResult:
        yield Static("counting…", id="timeline-info")
        yield TimelineChart(self, id="timeline-chart")
        yield Static(
            Content(
                "←/→ move · +/- zoom (or wheel) · [/] errors · space: range · enter: go / filter · "
                "g: rows by · esc: close"
            ),
            id="timeline-keys",
        )

    def on_mount(self) -> None:
        self.count(self.view, self.by)
        if self.live_view is not None:
            self.set_interval(GROW_INTERVAL, self.grow)

    # -- counting ----------------------------------------------------------------------
    @work(
        thread=True, exclusive=True, group="timeline", exit_on_error=False, description="count the timeline"
    )
    def count(self, view: StreamView, by: str) -> None:
        timeline = Timeline.of_view(view, by)
        self.app.call_from_thread(self._counted, view, timeline, len(view.rows))

    def _counted(self, view: StreamView, timeline: Timeline, rows: int) -> None:
        first = self.timeline is None
        self.view, self.timeline, self.counted = view, timeline, rows
        if first:
            self._fit()
        self.ready = True
        self.redraw()

    def grow(self) -> None:
        """Take in the rows the live tail added: the newest column grows."""
        if self.timeline is None or self.live_view is None:
            return
        view = self.live_view()
        if view is None:
            return
        if view is not self.view or view.remerged != self.remerged:
            # A new view, or late records merged into rows already counted: count anew.
            self.view, self.remerged = view, view.remerged
            self.count(view, self.by)
            return
        if len(view.rows) > self.counted:
            self.counted += self.timeline.count_view(view, self.counted)
            self.redraw()

    def _fit(self) -> None:
        """The finest zoom that shows every record at this width; the cursor on the first error."""
        assert self.timeline is not None
        span = self.timeline.span()
        width = max(10, self.size.width - LABEL_WIDTH - 3)
        if span is None:
            return
        for n, zoom in enumerate(ZOOMS):
            if columns_between(span[0], span[1], zoom) <= width or n == len(ZOOMS) - 1:
                self.zoom_index = n
                break
        self.left = bucket_start(span[0], self.zoom)
        self.cursor = 0
        firsts = self.timeline.first_change(self.zoom)
        if firsts:
            self.cursor = max(0, columns_between(self.left, min(firsts.values()), self.zoom) - 1)

    # -- state -------------------------------------------------------------------------
    def cursor_key(self) -> int:
        return step_key(self.left, self.zoom, self.cursor)

    def move_cursor(self, column: int) -> None:
        self.cursor = column
        self.redraw()

    def action_move(self, step: int) -> None:
        if self.left == NO_KEY:
            return
        target = self.cursor + step
        if target < 0:
            self.left = step_key(self.left, self.zoom, target)
            target = 0
        elif self.column_count and target >= self.column_count:
            self.left = step_key(self.left, self.zoom, target - self.column_count + 1)
            target = self.column_count - 1
        self.cursor = target
        self.redraw()

    def action_page(self, step: int) -> None:
        self.action_move(step * max(1, self.column_count - 1))

    def action_edge(self, last: int) -> None:
        span = self.timeline.span() if self.timeline is not None else None
        if span is None:
            return
        key = span[1] if last else span[0]
        self.left = step_key(key, self.zoom, -(self.column_count - 1) if last else 0)
        self.cursor = self.column_count - 1 if last else 0
        self.redraw()

    def action_zoom(self, step: int) -> None:
        if self.left == NO_KEY:
            return
        at = self.cursor_key()
        n = min(len(ZOOMS) - 1, max(0, self.zoom_index + step))
        if n == self.zoom_index:
            return
        self.zoom_index = n
        self.left = step_key(at, self.zoom, -self.cursor)  # the cursor's time stays under it
        self.redraw()

    def action_next_error(self, step: int) -> None:
        """Move the cursor to the next (or previous) column holding an ERROR or worse."""
        if self.timeline is None or self.left == NO_KEY:
            return
        key = self.cursor_key()
        for _ in range(64):  # a page of columns at a time, 64 pages at most
            cols = self.timeline.columns(step_key(key, self.zoom, step), self.zoom, self.column_count or 80)
            order = cols if step > 0 else cols[::-1]
            hit = next((c for c in order if c.bands()[2]), None)
            if hit is not None:
                self._show(hit.start)
                return
            key = cols[-1].start if step > 0 else step_key(cols[0].start, self.zoom, -(len(cols) - 1))
            span = self.timeline.span()
            if span is None or (step > 0 and key > span[1]) or (step < 0 and key < span[0]):
                break
        self.notify("no more errors that way", timeout=2)

    def _show(self, key: int) -> None:
        """Put the cursor on the bucket holding `key`, scrolling when it is off screen."""
        column = columns_between(self.left, key, self.zoom) - 1 if key >= self.left else -1
        if 0 <= column < self.column_count:
            self.cursor = column
        else:
            self.cursor = self.column_count // 2
            self.left = step_key(key, self.zoom, -self.cursor)
        self.redraw()

    def action_mark_range(self) -> None:
        key = self.cursor_key()
        if self.range_start is None:
            self.range_start, self.range = key, None
        else:
            first, last = sorted((self.range_start, key))
            self.range, self.range_start = (first, last), None
        self.redraw()

    def action_cycle_rows(self) -> None:
        self.by = GROUPINGS[(GROUPINGS.index(self.by) + 1) % len(GROUPINGS)]
        self.count(self.view, self.by)

    def action_choose(self) -> None:
        if self.left == NO_KEY:
            self.dismiss(None)
            return
        if self.range is not None:
            first, last = self.range
            end = us_to_key(key_to_us(step_key(last, self.zoom, 1)) - 1)  # the last bucket's last µs
            self.dismiss(("range", first, end))
            return
        key = self.cursor_key()
        self.dismiss(("jump", key, key))

    def action_close(self) -> None:
        self.dismiss(None)

    # -- drawing -----------------------------------------------------------------------
    def redraw(self) -> None:
        self.query_one(TimelineChart).refresh()
        self.query_one("#timeline-info", Static).update(self.info())

    def info(self) -> Content:
        if self.timeline is None:
            return Content.styled("counting…", MUTED)
        if self.left == NO_KEY:
            return Content.styled("No record with a time in the stream.", MUTED)
        zoom = self.zoom
        key = self.cursor_key()
        column = self.timeline.columns(key, zoom, 1)[0]
        other, warning, error = column.bands()
        when = key_to_datetime(key)
        stamp = f"{when:%Y-%m-%d %H:%M:%S}" if when else "?"
        parts = [
            Content.styled(f"{stamp} ", "bold"),
            Content.styled(f"({zoom.label} per column)  ", MUTED),
        ]
        for band, n in ((2, error), (1, warning), (0, other)):
            shape, style = BAND_LOOK[band]
            parts.append(Content.styled(f"{shape} {BAND_LABELS[band]} {n}  ", style))
        first = Content.assemble(*parts)
        second: list[Content] = [Content.styled(f"rows by {self.by}", MUTED)]
        if self.clock:
            second.append(Content.styled(" · clock-corrected", MUTED))
        if self.range_start is not None:
            started = _when(self.range_start, zoom)
            second.append(Content.styled(f" · range from {started}: space ends it", "bold"))
        elif self.range is not None:
            lo, hi = self.range
            second.append(
                Content.styled(f" · range {_when(lo, zoom)} → {_when(hi, zoom)}: enter filters", "bold")
            )
        return first + Content("\n") + Content.assemble(*second)

    def draw(self, width: int, height: int) -> Content:
        timeline = self.timeline
        if timeline is None or self.left == NO_KEY:
            return Content("")
        zoom = self.zoom
        count = max(1, width - LABEL_WIDTH - 1)
        self.column_count = count
        if self.cursor >= count:
            self.cursor = count - 1
        columns = timeline.columns(self.left, zoom, count)
        groups = sorted(timeline.groups)
        strips = min(len(groups), max(0, height - 6))
        bar_height = max(2, height - 3 - strips)
        biggest = max((c.total for c in columns), default=0)
        lines: list[Content] = []
        lines.append(self._marks_line(columns))
        cells = [bar_cells(c, bar_height, biggest) for c in columns]
        chosen = self._chosen(columns)
        for level in range(bar_height - 1, -1, -1):
            label = " " * LABEL_WIDTH
            if level == bar_height - 1:
                label = f"{biggest:>{LABEL_WIDTH - 7}} (log) "
            elif level == 0:
                label = f"{'1':>{LABEL_WIDTH - 1}} "
            row = [Content.styled(label, MUTED)]
            for n, stack in enumerate(cells):
                shape, style = BAND_LOOK[stack[level]] if level < len(stack) else (" ", "")
                row.append(self._cell(shape, style, n, chosen))
            lines.append(Content.assemble(*row))
        lines.append(self._axis(columns, chosen))
        for name in groups[:strips]:
            lines.append(self._strip(name, chosen))
        if strips < len(groups):
            more = len(groups) - strips
            lines.append(Content.styled(f"… {more} more rows (a taller terminal shows them)", MUTED))
        return Content("\n").join(lines)

    def _chosen(self, columns: list[Column]) -> set[int]:
        """Columns inside the range (or from the anchor to the cursor while marking)."""
        if self.range is not None:
            lo, hi = self.range
        elif self.range_start is not None:
            lo, hi = sorted((self.range_start, self.cursor_key()))
        else:
            return set()
        return {n for n, c in enumerate(columns) if lo <= c.start <= hi}

    def _cell(self, shape: str, style: str, column: int, chosen: set[int]) -> Content:
        if column == self.cursor:
            style = f"{style} reverse".strip()
            shape = shape if shape != " " else "│"
        elif column in chosen and shape == " ":
            shape, style = "·", MUTED
        return Content.styled(shape, style)

    def _marks_line(self, columns: list[Column]) -> Content:
        line = [" "] * len(columns)
        names = []
        for mark in self.marks:
            key = key_from_datetime(mark.when)
            for n, c in enumerate(columns):
                nxt = columns[n + 1].start if n + 1 < len(columns) else step_key(c.start, self.zoom, 1)
                if c.start <= key < nxt:
                    line[n] = "▼"
                    names.append(visible(mark.name))
        label = "marks".rjust(LABEL_WIDTH - 1) + " " if names else " " * LABEL_WIDTH
        return Content.styled(label, MUTED) + Content.styled("".join(line), "$text-accent bold")

    def _axis(self, columns: list[Column], chosen: set[int]) -> Content:
        """Time labels every dozen columns or so, range columns underlined with ═."""
        chars = ["═" if n in chosen else "─" for n in range(len(columns))]
        n = 0
        while n < len(columns):
            text = _when(columns[n].start, self.zoom)
            if n + len(text) + 1 > len(columns):
                break
            chars[n] = "┬"
            for i, ch in enumerate(text):
                chars[n + 1 + i] = ch
            n += max(len(text) + 3, 12)
        return Content.styled(" " * LABEL_WIDTH, MUTED) + Content.styled("".join(chars), MUTED)

    def _strip(self, name: str, chosen: set[int]) -> Content:
        assert self.timeline is not None
        columns = self.timeline.columns(self.left, self.zoom, self.column_count, name)
        label = visible(name)
        label = label if len(label) < LABEL_WIDTH else "…" + label[-(LABEL_WIDTH - 2) :]
        row = [Content.styled(f"{label:>{LABEL_WIDTH - 1}} ", "$text-primary")]
        for n, column in enumerate(columns):
            other, warning, error = column.bands()
            band = 2 if error else 1 if warning else 0 if other else -1
            shape, style = BAND_LOOK[band] if band >= 0 else (" ", "")
            row.append(self._cell(shape, style, n, chosen))
        return Content.assemble(*row)


__all__ = ["BAND_LOOK", "BAND_OF_LEVEL", "Choice", "TimelineChart", "TimelineScreen", "bar_cells"]
