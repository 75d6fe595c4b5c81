"""A Python traceback frame by frame: cursor, source context from this host, library folding.

The final exception is shown twice on purpose: in the title line, and pinned at the bottom
so it stays in view however far the frames are scrolled.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from typing import ClassVar, Self, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from ...core.i18n import _, n_
from ...core.live.frame_source import SourceContext, read_context, shown_source
from ...core.model import Traceback, TracebackFrame
from ...core.parsing.tracebacks import innermost_openstack_frame, is_openstack_frame
from ..failures import ForwardsWorkerFailures
from .cursor_rows import CursorRows, Row

_CONTEXT_CACHE = 256  # source contexts kept; each is a dozen short lines
PACKAGE_DIR = re.compile(r"^(.*[\\/](?:site|dist)-packages[\\/])")

FrameKey = tuple[int, int]  # (section index, frame index)


def exception_line(exc_type: str, message: str) -> str:
    """`Type: message` as Python prints it (either part may be missing)."""
    return f"{exc_type}: {message}" if message and exc_type else (exc_type or message)


def highlight_lines(lines: Sequence[str]) -> list[Content]:
    """Python-highlighted lines, highlighted together so multi-line tokens stay right."""
    from textual.highlight import highlight  # (pygments: imported with the first traceback shown)

    code = "\n".join(lines)
    content = highlight(code, language="python")
    out: list[Content] = []
    start = 0
    for line in lines:
        out.append(content[start : start + len(line)])
        start += len(line) + 1
    return out


class TracebackFrames(ForwardsWorkerFailures, CursorRows):
    """The frames of a traceback, one row each (two with the source line); the cursor row
    is styled by `traceback-view--cursor`. Lives inside `TracebackView`."""

    CURSOR_COMPONENT: ClassVar[str] = "traceback-view--cursor"
    CURSOR_LINES: ClassVar[int | None] = 1  # the `path:line in function` line; source stays highlighted
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "traceback-view--cursor",
        "traceback-view--path-prefix",
        "traceback-view--path",
        "traceback-view--lineno",
        "traceback-view--function",
        "traceback-view--library",
        "traceback-view--marker",
        "traceback-view--chain",
        "traceback-view--exception",
        "traceback-view--gutter",
        "traceback-view--current-line",
        "traceback-view--note",
    }

    DEFAULT_CSS = """
    TracebackFrames {
        & > .traceback-view--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .traceback-view--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .traceback-view--path-prefix { color: $foreground-muted; }
        & > .traceback-view--path { color: $text-primary; }
        & > .traceback-view--lineno { color: $text-warning; }
        & > .traceback-view--function { color: $text-accent; text-style: bold; }
        & > .traceback-view--library { color: $foreground-muted; }
        & > .traceback-view--marker { color: $foreground-muted; text-style: italic; }
        & > .traceback-view--chain { color: $text-warning; text-style: italic; }
        & > .traceback-view--exception { color: $text-error; text-style: bold; }
        & > .traceback-view--gutter { color: $foreground-muted; }
        & > .traceback-view--current-line { background: $warning 20%; text-style: bold; }
        & > .traceback-view--note { color: $foreground-muted; text-style: italic; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Previous frame", show=False, id="traceback.cursor_up"),
        Binding("down,j", "cursor_down", "Next frame", show=False, id="traceback.cursor_down"),
        Binding("home", "cursor_first", "First frame", show=False, id="traceback.first"),
        Binding("end", "cursor_last", "Last frame", show=False, id="traceback.last"),
        Binding("pageup", "page_up", "Page up", show=False, id="traceback.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="traceback.page_down"),
        Binding("enter", "toggle_frame", "Source", show=True, id="traceback.toggle_frame"),
    ]

    traceback: reactive[Traceback | None] = reactive(None, init=False, always_update=True)
    openstack_only: reactive[bool] = reactive(False, init=False)

    class CursorMoved(Message):
        """Internal: the cursor is on another frame (TracebackView posts FrameSelected)."""

        def __init__(self, frame: TracebackFrame, section: int, index: int) -> None:
            super().__init__()
            self.frame = frame
            self.section = section
            self.index = index

    class SourceRead(Message):
        """A worker read the source context of some frames."""

        def __init__(self, contexts: dict[tuple[str, int], SourceContext]) -> None:
            super().__init__()
            self.contexts = contexts

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._expanded: set[FrameKey] = set()
        self._contexts: dict[tuple[str, int], SourceContext] = {}
        self._pending: set[tuple[str, int]] = set()

    def on_mount(self) -> None:
        self.rebuild()

    def watch_traceback(self) -> None:
        self._expanded.clear()
        self._cursor = -1  # a new traceback opens on its innermost OpenStack frame
        self.rebuild()

    def watch_openstack_only(self) -> None:
        self.rebuild()

    # -- which frame is where ---------------------------------------------------------
    def frame_at(self, key: FrameKey) -> TracebackFrame | None:
        tb = self.traceback
        if tb is None:
            return None
        section, index = key
        try:
            return tb.sections[section].frames[index]
        except IndexError:
            return None

    @property
    def cursor_key(self) -> FrameKey | None:
        row = self.cursor_row
        # Frame rows are keyed (section, frame).
        return cast(FrameKey, row.key) if row is not None else None

    def is_expanded(self, key: FrameKey) -> bool:
        return key in self._expanded

    def default_cursor(self, rows: Sequence[Row], old_key: Hashable | None) -> int:
        keyed = [(cast(FrameKey, row.key), i) for i, row in enumerate(rows) if row.selectable]
        if not keyed:
            return -1
        if isinstance(old_key, tuple):
            # The old frame was folded away: the next visible frame, else the last one.
            old = cast(FrameKey, old_key)
            return next((i for key, i in keyed if key >= old), keyed[-1][1])
        tb = self.traceback
        target = innermost_openstack_frame(tb) if tb is not None else None
        if tb is not None and target is not None:
            last = len(tb.sections) - 1
            wanted = next((last, n) for n, f in enumerate(tb.final.frames) if f is target)
            found = next((i for key, i in keyed if key == wanted), None)
            if found is not None:
                return found
        return keyed[-1][1]

    def cursor_moved(self, row: Row) -> None:
        if isinstance(row.data, TracebackFrame) and isinstance(row.key, tuple):
            self.post_message(self.CursorMoved(row.data, row.key[0], row.key[1]))

    def row_selected(self, row: Row) -> None:
        self.action_toggle_frame()

    # -- rows -------------------------------------------------------------------------
    def build_rows(self) -> list[Row]:
        style = self.component_style
        tb = self.traceback
        if tb is None or not tb.sections:
            return [Row(Content.styled("No traceback.", style("traceback-view--note")))]
        rows: list[Row] = []
        last = len(tb.sections) - 1
        for si, section in enumerate(tb.sections):
            if section.chain:
                rows.append(Row(Content.styled(f"\n{section.chain}\n", style("traceback-view--chain"))))
            folded = 0
            for fi, frame in enumerate(section.frames):
                if self.openstack_only and not is_openstack_frame(frame):
                    folded += 1
                    continue
                if folded:
                    rows.append(self._marker(folded))
                    folded = 0
                rows.append(Row(self._frame_content((si, fi), frame), key=(si, fi), data=frame))
            if folded:
                rows.append(self._marker(folded))
            if not section.frames:
                note = "  " + _("(no frames: the traceback was cut off)")
                rows.append(Row(Content.styled(note, style("traceback-view--note"))))
            if si != last:  # the final exception is pinned below the list
                rows.append(Row(self._exception_content(section.exc_type, section.exc_message)))
        return rows

    def _marker(self, count: int) -> Row:
        text = "  … " + n_(
            count, "{count} library frame (o shows it)", "{count} library frames (o shows them)"
        )
        return Row(Content.styled(text, self.component_style("traceback-view--marker")))

    def _exception_content(self, exc_type: str, message: str) -> Content:
        style = self.component_style("traceback-view--exception")
        return Content.styled(exception_line(exc_type, message), style)

    def _frame_content(self, key: FrameKey, frame: TracebackFrame) -> Content:
        style = self.component_style
        library = not is_openstack_frame(frame)
        expanded = key in self._expanded
        match = PACKAGE_DIR.match(frame.path)
        prefix = match.group(1) if match else ""
        rest = frame.path[len(prefix) :]
        head = Content.assemble(
            ("▾ " if expanded else "▸ ", style("traceback-view--gutter")),
            (prefix, style("traceback-view--path-prefix")),
            (rest, style("traceback-view--path")),
            (":", style("traceback-view--gutter")),
            (str(frame.lineno), style("traceback-view--lineno")),
            (" in ", style("traceback-view--gutter")),
            (frame.function or "?", style("traceback-view--function")),
        )
        if library:
            head = head.stylize(style("traceback-view--library"))  # dims library frames
        parts = [head]
        if frame.source:
            parts.append(Content("    ") + highlight_lines([shown_source(frame.source)])[0])
        if expanded:
            parts.extend(self._context_lines(frame))
        return Content("\n").join(parts)

    def _context_lines(self, frame: TracebackFrame) -> list[Content]:
        style = self.component_style
        context = self._contexts.get((frame.path, frame.lineno))
        if context is None:
            return [
                Content.styled(
                    "      " + _("reading the source on this host…"), style("traceback-view--note")
                )
            ]
        out: list[Content] = []
        notes = [context.note] if context.note else []
        if context.lines:
            width = len(str(context.lines[-1][0]))
            highlighted = highlight_lines([text for _number, text in context.lines])
            for (n, text), code in zip(context.lines, highlighted, strict=True):
                current = n == frame.lineno
                marker = "➤" if current else " "
                gutter = Content.styled(f"  {marker} {n:>{width}} │ ", style("traceback-view--gutter"))
                line = gutter + code
                if current:
                    line = line.stylize(style("traceback-view--current-line"), len(gutter))
                    if frame.source and text.strip() != frame.source.strip():
                        notes.append(_("this host's copy differs from the logged line (another version?)"))
                out.append(line)
        out.extend(Content.styled(f"      {note}", style("traceback-view--note")) for note in notes)
        return out

    # -- actions and source reading ---------------------------------------------------
    def action_toggle_frame(self) -> None:
        """Expand or collapse the cursor frame's source context."""
        key = self.cursor_key
        frame = self.frame_at(key) if key is not None else None
        if key is None or frame is None:
            return
        if key in self._expanded:
            self._expanded.discard(key)
        else:
            self._expanded.add(key)
            where = (frame.path, frame.lineno)
            if where not in self._contexts and where not in self._pending:
                self._pending.add(where)
                # One worker reads every pending frame, so a newer one cancelling an older
                # one (exclusive) loses nothing.
                self._read_sources(sorted(self._pending))
        self.rebuild()

    @work(
        thread=True,
        exclusive=True,
        group="traceback-source",
        exit_on_error=False,
        description="read traceback sources",
    )
    def _read_sources(self, wanted: list[tuple[str, int]]) -> None:
        worker = get_current_worker()
        contexts: dict[tuple[str, int], SourceContext] = {}
        for path, lineno in wanted:
            if worker.is_cancelled:
                return
            contexts[(path, lineno)] = read_context(path, lineno)
        self.post_message(self.SourceRead(contexts))

    @on(SourceRead)
    def _source_read(self, message: SourceRead) -> None:
        message.stop()
        if len(self._contexts) > _CONTEXT_CACHE:
            self._contexts.clear()
        self._contexts.update(message.contexts)
        self._pending.difference_update(message.contexts)
        self.rebuild(scroll=False)


class TracebackView(Widget):
    """A traceback: title line, frames with a cursor, the final exception pinned below.

    Data down: set `traceback`; `openstack_only` folds library frames (key `o`).
    Messages up: `TracebackView.FrameSelected` when the cursor lands on a frame.
    """

    DEFAULT_CSS = """
    TracebackView {
        height: 1fr;
        layout: vertical;
        & > #tb-title {
            height: auto;
            padding: 0 1;
            background: $panel;
        }
        & > #tb-frames { height: 1fr; }
        & > #tb-exception {
            dock: bottom;
            height: auto;
            max-height: 6;
            overflow-y: auto;
            padding: 0 1;
            color: $text-error;
            text-style: bold;
            background: $error-muted;
        }
        & > #tb-exception.-empty { display: none; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "toggle_openstack_only", "OpenStack only", show=True, id="traceback.openstack_only"),
    ]

    traceback: reactive[Traceback | None] = reactive(None, always_update=True, init=False)
    """The traceback to show (None: an empty view)."""

    openstack_only: reactive[bool] = reactive(False, init=False)
    """Fold library frames into "… N library frames" markers."""

    class FrameSelected(Message):
        """The frame cursor moved to `frame` (`section` of the chain, `index` in it)."""

        def __init__(self, view: TracebackView, frame: TracebackFrame, section: int, index: int) -> None:
            super().__init__()
            self.view = view
            self.frame = frame
            self.section = section
            self.index = index

        @property
        def control(self) -> TracebackView:
            return self.view

    def compose(self) -> ComposeResult:
        yield Static(id="tb-title")
        yield TracebackFrames(id="tb-frames").data_bind(TracebackView.traceback, TracebackView.openstack_only)
        yield Static(id="tb-exception", classes="-empty")

    @property
    def frames(self) -> TracebackFrames:
        return self.query_one("#tb-frames", TracebackFrames)

    def focus(self, scroll_visible: bool = True) -> Self:
        # The frame list holds the cursor and the keys: focusing the view focuses it.
        frames = self.query("#tb-frames")
        if frames:
            frames.first().focus(scroll_visible)
        return self

    def on_mount(self) -> None:
        self._show_header()

    def watch_traceback(self) -> None:
        self._show_header()

    def watch_openstack_only(self) -> None:
        self._show_header()

    def action_toggle_openstack_only(self) -> None:
        self.openstack_only = not self.openstack_only

    def _show_header(self) -> None:
        if not self.is_mounted:
            return
        title = self.query_one("#tb-title", Static)
        pinned = self.query_one("#tb-exception", Static)
        tb = self.traceback
        if tb is None or not tb.sections:
            title.update(Content.styled(_("No traceback in this record."), "$foreground-muted"))
            pinned.update("")
            pinned.add_class("-empty")
            return
        frames = [f for s in tb.sections for f in s.frames]
        ours = sum(1 for f in frames if is_openstack_frame(f))
        first_line = tb.exc_message.split("\n", 1)[0]
        exception = exception_line(tb.exc_type, first_line)
        facts = "  " + n_(
            len(frames), "{count} frame, {ours} OpenStack", "{count} frames, {ours} OpenStack", ours=ours
        )
        if len(tb.sections) > 1:
            facts += ", " + _("{count} chained tracebacks", count=len(tb.sections))
        if self.openstack_only:
            facts += " · " + _("OpenStack frames only (o: all)")
        title.update(Content.assemble((exception, "$text-error bold"), (facts, "$foreground-muted")))
        message = tb.exc_message
        pinned.update(Content(exception_line(tb.exc_type, message)))
        pinned.remove_class("-empty")

    @on(TracebackFrames.CursorMoved)
    def _frame_cursor(self, message: TracebackFrames.CursorMoved) -> None:
        message.stop()
        self.post_message(self.FrameSelected(self, message.frame, message.section, message.index))
