"""A request drawn as spans: one bar per service that logged it, under its caller.

Each row is a span of `core.spans`: indented under its parent, a bar from its first to
its last record on a time axis shared by the whole request, the gap from its caller's
start drawn as a dotted lead-in, its ERROR records marked on the bar, and its HTTP
status, duration and error count at the end. Keys move between spans; `enter` asks
the story to show the span's first record.

Shapes as well as colours tell levels apart: a bar is █ when the span logged an error,
▓ for a warning, ━ otherwise; ✖ marks an error record; ┄ is the wait on the caller.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive

from ...core.i18n import _, n_
from ...core.levels import Level
from ...core.stream.requests import RequestStory
from ...core.stream.spans import Span, Waterfall, build_waterfall, nested_order, window_around
from ...core.textsafe import visible
from ...core.timekeys import NO_KEY, key_to_us
from ..level_styles import level_class, level_classes, level_rules
from ..selection import Selection
from .cursor_rows import CursorRows, Row

MAX_ROWS = 12  # lines the waterfall takes above the story at most; it scrolls past that
# A long-lived context's story covers this many seconds each side of the selected record;
# `w` widens it step by step, None being the whole context.
WINDOWS: tuple[int | None, ...] = (300, 1800, None)
LABEL_WIDTH = 30
FACTS_WIDTH = 20


def bar_shape(level: Level) -> str:
    return "█" if level >= Level.ERROR else "▓" if level == Level.WARNING else "━"


def span_columns(span: Span, start_us: int, total_us: int, width: int) -> tuple[int, int] | None:
    """First and last column of a span's bar on an axis of `width` columns; None without time."""
    if span.first == NO_KEY or width <= 0:
        return None
    scale = (width - 1) / max(1, total_us)
    lo = int((key_to_us(span.first) - start_us) * scale)
    hi = int((key_to_us(span.last) - start_us) * scale)
    return max(0, min(lo, width - 1)), max(0, min(hi, width - 1))


class WaterfallView(CursorRows):
    """The spans of the selected record's request, one row each, nested by caller."""

    CURSOR_COMPONENT: ClassVar[str] = "waterfall--cursor"
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "waterfall--cursor",
        "waterfall--heading",
        "waterfall--muted",
        "waterfall--label",
        "waterfall--status-error",
        "waterfall--status-warning",
        "waterfall--status-ok",
    } | level_classes("waterfall")

    DEFAULT_CSS = """
    WaterfallView {
        max-height: 45%;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        border-bottom: solid $primary-muted;
        & > .waterfall--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .waterfall--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .waterfall--heading { text-style: bold; }
        & > .waterfall--muted { color: $foreground-muted; }
        & > .waterfall--label { color: $text-primary; }
        & > .waterfall--status-error { color: $text-error; text-style: bold; }
        & > .waterfall--status-warning { color: $text-warning; text-style: bold; }
        & > .waterfall--status-ok { color: $text-success; }
    }
    """ + level_rules("WaterfallView", "waterfall")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="waterfall.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="waterfall.down"),
        Binding("home", "cursor_first", "First", show=False, id="waterfall.first"),
        Binding("end", "cursor_last", "Last", show=False, id="waterfall.last"),
        Binding("enter", "select", "Span's records", show=True, id="waterfall.select"),
        Binding("w", "widen", "Widen window", show=False, id="waterfall.widen"),
    ]

    story: reactive[RequestStory | None] = reactive(None, init=False, always_update=True)
    waterfall: Waterfall | None = None
    window_step = 0  # index into WINDOWS
    window_note = ""  # what the window left out, said in the heading
    window_of = ""  # the request id the window step belongs to

    class Widened(Message):
        """`w`: the long-lived context's window was widened; the story is to be cut again."""

    class SpanSelected(Message):
        """Enter on a span: show its first record in the story."""

        def __init__(self, view: WaterfallView, span: Span) -> None:
            super().__init__()
            self.view = view
            self.span = span

        @property
        def control(self) -> WaterfallView:
            return self.view

    def narrowed(self, story: RequestStory | None, selection: Selection | None) -> RequestStory | None:
        """`story` as the story tab and the report show it: a long-lived context (a request id
        reused for hours by a periodic task) cut to the window around the selected record."""
        self.window_note = ""
        if story is not None and story.request_id != self.window_of:
            self.window_of, self.window_step = story.request_id, 0  # a new request: the narrow window
        seconds = WINDOWS[self.window_step]
        if story is None or selection is None or seconds is None:
            return story
        if not build_waterfall(story).long_lived:
            return story
        entry = next(
            (
                e
                for e in story.entries
                if e.file is selection.file and e.record.offset == selection.record.offset
            ),
            None,
        )
        if entry is None:
            return story
        cut = window_around(story, entry, seconds)
        left_out = len(story.entries) - len(cut.entries)
        if left_out:
            self.window_note = _(
                "±{minutes} min around the selected record, {count} records left out: w widens",
                minutes=seconds // 60,
                count=left_out,
            )
        return cut

    def action_widen(self) -> None:
        if self.window_note:
            self.window_step = min(self.window_step + 1, len(WINDOWS) - 1)
            self.post_message(self.Widened())

    def watch_story(self, story: RequestStory | None) -> None:
        self.waterfall = build_waterfall(story) if story is not None and story.entries else None
        self.display = self.waterfall is not None
        self.rebuild()
        # One line per row (they never wrap) and the bottom border; scrolls past MAX_ROWS.
        self.styles.height = min(len(self.rows), MAX_ROWS) + 1

    def default_cursor(self, rows: Sequence[Row], old_key: Hashable | None) -> int:
        # Opens on the first span that logged an error, else the first span.
        spans = [(i, r.data) for i, r in enumerate(rows) if isinstance(r.data, Span)]
        failing = next((i for i, s in spans if isinstance(s, Span) and s.errors), None)
        return failing if failing is not None else (spans[0][0] if spans else -1)

    def row_selected(self, row: Row) -> None:
        if isinstance(row.data, Span):
            self.post_message(self.SpanSelected(self, row.data))

    def build_rows(self) -> list[Row]:
        waterfall = self.waterfall
        style = self.component_style
        if waterfall is None:
            return []
        start, end = waterfall.first, waterfall.last
        start_us = key_to_us(start) if start != NO_KEY else 0
        total_us = key_to_us(end) - start_us if end != NO_KEY else 0
        heading = Content.assemble(
            (
                n_(len(waterfall.spans), "{count} span", "{count} spans"),
                style("waterfall--heading"),
            ),
            (" " + _("over {seconds}s", seconds=f"{total_us / 1e6:.3f}"), style("waterfall--muted")),
        )
        if waterfall.long_lived or self.window_note:
            what = self.window_note or _("its whole life")
            heading += Content.styled(
                "  " + _("long-lived context (a reused request id): {what}", what=what),
                style("waterfall--muted"),
            )
        rows = [Row(heading)]
        width = max(10, self.content_width - LABEL_WIDTH - FACTS_WIDTH - 2)
        for n in nested_order(waterfall):
            span = waterfall.spans[n]
            parent = waterfall.spans[span.parent] if span.parent is not None else None
            rows.append(Row(self._span_line(span, parent, start_us, total_us, width), key=n, data=span))
        return rows

    def _span_line(
        self, span: Span, parent: Span | None, start_us: int, total_us: int, width: int
    ) -> Content:
        style = self.component_style
        label = visible(f"{'  ' * min(span.depth, 4)}{span.producer}@{span.node}")
        label = label if len(label) <= LABEL_WIDTH else label[: LABEL_WIDTH - 1] + "…"
        bar = [Content.styled(" " * width, "")]
        cols = span_columns(span, start_us, total_us, width)
        level_style = style(level_class(span.worst, "waterfall"))
        if cols is None:
            note = _("(no time: a transcript without stamps)").ljust(width)[:width]
            bar = [Content.styled(note, style("waterfall--muted"))]
        else:
            lo, hi = cols
            chars = [" "] * width
            styles = [""] * width
            lead = span_columns(parent, start_us, total_us, width) if parent is not None else None
            if lead is not None:
                for c in range(min(lead[0], lo), lo):
                    chars[c], styles[c] = "┄", style("waterfall--muted")
            for c in range(lo, hi + 1):
                chars[c], styles[c] = bar_shape(span.worst), level_style
            for key in span.error_offsets():
                c = int((key_to_us(key) - start_us) * (width - 1) / max(1, total_us))
                c = max(0, min(c, width - 1))
                chars[c], styles[c] = "✖", style(level_class(Level.ERROR, "waterfall"))
            bar = [Content.styled(ch, st) for ch, st in zip(chars, styles, strict=True)]
        facts: list[Content] = []
        if span.http is not None and span.http.status is not None:
            status = span.http.status
            component = "error" if status >= 500 else "warning" if status >= 400 else "ok"
            facts.append(Content.styled(f" {status}", style(f"waterfall--status-{component}")))
        http_took = span.http.duration if span.http is not None else None
        took = http_took if http_took is not None else span.duration
        if took is not None:
            facts.append(Content.styled(f" {took:.3f}s", style("waterfall--muted")))
        if span.errors:
            facts.append(Content.styled(f" ✖{span.errors}", style(level_class(Level.ERROR, "waterfall"))))
        if span.tracebacks:
            facts.append(Content.styled(f" tb {span.frames}f", style(level_class(Level.ERROR, "waterfall"))))
        return Content.assemble(
            Content.styled(f"{label:<{LABEL_WIDTH}} ", style("waterfall--label")), *bar, *facts
        )


__all__ = ["WaterfallView", "bar_shape", "span_columns"]
