"""An instance's (or port's, volume's, image's) story: every request that touched it, in time
order, each with the record that tied it to the resource, and the whole lifecycle as one
waterfall below. `enter` on a request (or a span) opens its first record in the stream."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.indexing.logset import LogFile
from ...core.stream.instances import ResourceRequest, ResourceStory, resource_story
from ...core.stream.requests import RequestStory
from ...core.textsafe import visible
from ..widgets.cursor_rows import CursorRows, Row
from ..widgets.waterfall import WaterfallView

MUTED = "$foreground-muted"
Target = tuple[str, int]  # (file path, record number)


def lifecycle_story(story: ResourceStory) -> RequestStory:
    """Every request's records as one story, so the waterfall draws the whole lifecycle."""
    seen: set[tuple[int, int]] = set()
    entries = []
    ids: list[str] = []
    links = []
    for request in story.requests:
        ids.extend(i for i in request.story.ids if i not in ids)
        links.extend(request.story.links)
        for entry in request.story.entries:
            mark = (id(entry.file), entry.record.offset)
            if mark not in seen:
                seen.add(mark)
                entries.append(entry)
    entries.sort(key=lambda e: (e.record.key, e.record.offset))
    return RequestStory(story.uuid, ids, links, entries)


class RequestList(CursorRows):
    """One row per request: when, id, nodes, status, errors, duration; its bridge below."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.story: ResourceStory | None = None

    def build_rows(self) -> list[Row]:
        story = self.story
        if story is None:
            return [Row(Content.styled("Searching…", MUTED))]
        if not story.found:
            return [Row(Content.styled(f"No record in the loaded files names {story.uuid}.", MUTED))]
        rows = []
        for n, request in enumerate(story.requests):
            rows.append(Row(self._line(request), key=n, data=request))
        if story.loose:
            loose = f"{len(story.loose)} records name it without a request id"
            rows.append(Row(Content.styled(loose, MUTED)))
        if story.left_out:
            rows.append(Row(Content.styled(f"{story.left_out} more requests not searched", MUTED)))
        return rows

    def _line(self, request: ResourceRequest) -> Content:
        first = next((e.record for e in request.story.entries if e.record.timestamp), None)
        when = f"{first.timestamp:%m-%d %H:%M:%S}" if first and first.timestamp else "no time"
        took = f"{request.duration:.3f}s" if request.duration is not None else "-"
        status = request.status
        code = status or 0
        status_style = "$text-error bold" if code >= 500 else "$text-warning" if code >= 400 else ""
        bridge = request.bridges[0]
        head = Content.assemble(
            (f"{when} ", MUTED),
            (f"{request.request_id[4:12]} ", "$text-accent"),
            (visible(f"{','.join(request.nodes)} "), "$text-primary"),
            (f"{status or '-':>3} ", status_style),
            (f"✖{request.errors} " if request.errors else "   ", "$text-error"),
            (f"{took:>9} ", MUTED),
            visible(request.first_line[:100]),
        )
        why = visible(f"    tied by {bridge.entry.file.node}/{bridge.entry.file.path.name}: {bridge.how}")
        return head + Content("\n") + Content.styled(why, MUTED)

    def row_selected(self, row: Row) -> None:
        if isinstance(row.data, ResourceRequest):
            screen = self.screen
            if isinstance(screen, InstanceScreen):
                screen.open_request(row.data)


class InstanceScreen(ModalScreen[Target | None]):
    """The story of one resource UUID across the loaded files."""

    DEFAULT_CSS = """
    InstanceScreen { align: center middle; }
    InstanceScreen > Vertical { width: 98%; height: 96%; background: $panel; border: round $primary; }
    InstanceScreen #instance-title { height: auto; padding: 0 1; text-style: bold; }
    InstanceScreen #instance-requests { height: 1fr; }
    InstanceScreen WaterfallView { max-height: 45%; border-top: solid $primary-muted; border-bottom: none; }
    InstanceScreen #instance-keys { height: 1; color: $foreground-muted; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="instance.close"),
    ]

    def __init__(self, uuid: str, files: Sequence[LogFile]) -> None:
        super().__init__()
        self.uuid = uuid
        self.files = [f for f in files if f.index is not None]
        self.story: ResourceStory | None = None
        self.ready = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Resource {self.uuid}: searching…"), id="instance-title")
            yield RequestList(id="instance-requests")
            yield WaterfallView(id="instance-waterfall")
            yield Static(
                Content("↑/↓ requests · enter: open in the stream · tab: the waterfall · esc: close"),
                id="instance-keys",
            )

    def on_mount(self) -> None:
        self.search()

    @work(
        thread=True,
        exclusive=True,
        group="instance",
        exit_on_error=False,
        description="find an instance's story",
    )
    def search(self) -> None:
        story = resource_story(self.files, self.uuid)
        self.app.call_from_thread(self._found, story)

    def _found(self, story: ResourceStory) -> None:
        self.story = story
        what = "/".join(story.kinds) or "resource"
        names = f" (domain {', '.join(story.names)})" if story.names else ""
        nodes = ", ".join(story.nodes) or "-"
        title = visible(f"{what} {story.uuid}{names}: {len(story.requests)} requests on {nodes}")
        self.query_one("#instance-title", Static).update(Content(title))
        requests = self.query_one(RequestList)
        requests.story = story
        requests.rebuild()
        requests.focus()
        self.query_one(WaterfallView).story = lifecycle_story(story) if story.requests else None
        self.ready = True

    def open_request(self, request: ResourceRequest) -> None:
        entry = request.bridges[0].entry
        idx = entry.file.index
        if idx is not None:
            self.dismiss((str(entry.file.path), idx.record_at(entry.record.offset)))

    @on(WaterfallView.SpanSelected)
    def _span(self, message: WaterfallView.SpanSelected) -> None:
        message.stop()
        entry = message.span.entries[0]
        idx = entry.file.index
        if idx is not None:
            self.dismiss((str(entry.file.path), idx.record_at(entry.record.offset)))

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["InstanceScreen", "lifecycle_story"]
