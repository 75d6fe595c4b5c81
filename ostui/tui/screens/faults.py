"""The Known faults screen: every known fault found, and the unknown errors grouped."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ...core.diagnosis.knowledge import FaultGroup, FaultSummary, summarize_faults
from ...core.i18n import _
from ...core.indexing.logset import LogFile
from ...core.strip import STRIP_CELLS, strip_shapes
from ...core.textsafe import visible
from ..widgets.names import middle_cut

NODES_WIDTH = 20  # the nodes column: a longer list is cut in the middle


def _when(group: FaultGroup) -> str:
    if group.first_seen is None or group.last_seen is None:
        return "-"
    first = group.first_seen.strftime("%m-%d %H:%M:%S")
    last = group.last_seen.strftime("%m-%d %H:%M:%S")
    return first if first == last else f"{first} → {last}"


class FaultsScreen(ModalScreen[tuple[str, int] | None]):
    """Dismisses with (file path, record number) of the chosen group's newest record."""

    DEFAULT_CSS = """
    FaultsScreen { align: center middle; }
    FaultsScreen > Vertical {
        width: 96%; height: 90%; background: $panel; border: round $primary; padding: 0 1;
    }
    FaultsScreen #faults-title { text-style: bold; height: auto; }
    FaultsScreen #faults-note { color: $foreground-muted; height: auto; }
    FaultsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="faults.close"),
        Binding("enter", "jump", "Go to newest", id="faults.jump"),
    ]

    class Summarized(Message):
        def __init__(self, summary: FaultSummary) -> None:
            super().__init__()
            self.summary = summary

    def __init__(self, files: Sequence[LogFile]) -> None:
        super().__init__()
        self.files = list(files)
        self.groups: list[FaultGroup] = []
        self.ready = False  # the summary is on screen
        self.strip_cells = STRIP_CELLS

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Known faults · matching every ERROR and CRITICAL record…"), id="faults-title")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="faults-table")
            yield Static(_("enter: go to the newest record · esc: close"), id="faults-note")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Fixed widths: the table looks the same however fast its rows arrive. The short
        # columns come first, so count and nodes show at 80 columns; the name takes the rest.
        # The occurrence strip: half as fine on a narrow terminal, so the names still show.
        self.strip_cells = STRIP_CELLS if self.app.size.width >= 120 else STRIP_CELLS // 2
        room = int(self.app.size.width * 0.96) - 4 - (5 + 6 + self.strip_cells + NODES_WIDTH) - 5 * 2
        for label, width in (
            ("", 5),
            (_("count"), 6),
            (_("when"), self.strip_cells),
            (_("nodes"), NODES_WIDTH),
            (_("fault / signature"), max(30, min(64, room))),
            (_("components"), 16),
            (_("first → last seen"), 31),
        ):
            table.add_column(label, width=width)
        table.focus()
        self.summarize()

    @work(
        thread=True, exclusive=True, group="faults", exit_on_error=False, description="summarize known faults"
    )
    def summarize(self) -> None:
        self.post_message(self.Summarized(summarize_faults(self.files)))

    def on_faults_screen_summarized(self, message: Summarized) -> None:
        summary = message.summary
        table = self.query_one(DataTable)
        table.clear()
        self.groups = [*summary.known, *summary.watching, *summary.unknown]
        window = summary.window()
        for group in self.groups:
            if group.fault is not None:
                known = group in summary.known
                kind = Text(_("known"), style="bold") if known else Text(_("watch"), style="dim")
                name = f"{group.key}: {group.title}"
                if group.repeat_note:
                    name += f" ({group.repeat_note})"
            else:
                # An unknown group's title is made of log text: through the one gate, never markup.
                kind, name = Text(_("new"), style="italic"), visible(group.title)
            table.add_row(
                kind,
                str(group.count),
                Text(strip_shapes(group.strip(window, self.strip_cells))),  # when, beside the others
                Text(middle_cut(visible(", ".join(sorted(group.nodes))), NODES_WIDTH)),
                Text(name),
                ", ".join(sorted(group.components)),
                _when(group),
            )
        title = _(
            "Known faults · {known} known, {watching} below a repetition rule, {unknown} unknown "
            "signature(s) over {severe} ERROR/CRITICAL record(s) in {files} file(s)",
            known=len(summary.known),
            watching=len(summary.watching),
            unknown=len(summary.unknown),
            severe=summary.severe,
            files=summary.files,
        )
        self.query_one("#faults-title", Static).update(title)
        self.call_after_refresh(self._mark_ready)
        if summary.errors:
            self.query_one("#faults-note", Static).update(
                _("fault files with problems: ") + "; ".join(summary.errors[:3])
            )

    def _mark_ready(self) -> None:
        self.ready = True

    def action_jump(self) -> None:
        table = self.query_one(DataTable)
        if not self.groups or table.cursor_row >= len(self.groups):
            return
        self.dismiss(self.groups[table.cursor_row].newest)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_jump()

    def action_close(self) -> None:
        self.dismiss(None)
