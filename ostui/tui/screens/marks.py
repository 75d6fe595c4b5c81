"""Reproduction marks: each try, what broke after it, and a key to go there."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ...core.i18n import _
from ...core.indexing.logset import LogFile
from ...core.stream.marks import Mark, MarkSummary
from .prompt import PromptScreen

Target = tuple[LogFile, int]


class MarksScreen(ModalScreen[Target | None]):
    """Marks on the left; the chosen mark's new errors and failing requests on the right."""

    DEFAULT_CSS = """
    MarksScreen { align: center middle; }
    MarksScreen > Vertical { width: 96%; height: 90%; background: $panel; border: round $primary; }
    MarksScreen #marks-row { height: 1fr; }
    MarksScreen #marks { width: 34; border-right: solid $primary-muted; }
    MarksScreen #new { width: 1fr; }
    MarksScreen .title { text-style: bold; padding: 0 1; height: auto; }
    MarksScreen .note { color: $foreground-muted; padding: 0 1; height: auto; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="marks.close"),
        Binding("n", "rename", "Rename", id="marks.rename"),
        Binding("enter", "go", "Go to record", id="marks.go"),
    ]

    def __init__(self, marks: Sequence[Mark], summaries: Callable[[Mark], MarkSummary]) -> None:
        super().__init__()
        self.marks = list(marks)
        self.summaries = summaries
        self.targets: list[Target] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Reproduction marks"), classes="title")
            with Horizontal(id="marks-row"):
                yield DataTable(cursor_type="row", id="marks")
                yield DataTable(cursor_type="row", id="new")
            yield Static(_("enter: go to the record · n: rename the mark · esc: close"), classes="note")

    def on_mount(self) -> None:
        marks = self.query_one("#marks", DataTable)
        marks.add_columns(_("mark"), _("dropped at"))
        for mark in self.marks:
            marks.add_row(mark.name, mark.when.strftime("%H:%M:%S"))
        new = self.query_one("#new", DataTable)
        new.add_columns(_("what"), _("node/component"), _("time"), _("record"))
        marks.focus()
        if self.marks:
            marks.move_cursor(row=len(self.marks) - 1)
            self.show(self.marks[-1])

    def show(self, mark: Mark) -> None:
        summary = self.summaries(mark)
        table = self.query_one("#new", DataTable)
        table.clear()
        self.targets = []
        for fr in summary.failing:
            table.add_row(
                Text(f"HTTP {fr.status}", style="bold"),
                f"{fr.file.node}/{fr.file.component}",
                _clock(fr.record),
                Text(fr.request_id or fr.record.message[:80]),
            )
            self.targets.append((fr.file, fr.number))
        for err in summary.errors:
            table.add_row(
                Text(err.record.level.name, style="bold"),
                f"{err.file.node}/{err.file.component}",
                _clock(err.record),
                Text(err.record.message[:100]),
            )
            self.targets.append((err.file, err.number))
        if not self.targets:
            table.add_row(_("nothing new"), "", "", _("no ERROR and no failing request since this mark"))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "marks" and 0 <= event.cursor_row < len(self.marks):
            self.show(self.marks[event.cursor_row])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "new":
            self.action_go()
        else:
            self.query_one("#new", DataTable).focus()

    def action_go(self) -> None:
        table = self.query_one("#new", DataTable)
        if self.targets and table.cursor_row < len(self.targets):
            self.dismiss(self.targets[table.cursor_row])

    def action_rename(self) -> None:
        marks = self.query_one("#marks", DataTable)
        row = marks.cursor_row
        if not 0 <= row < len(self.marks):
            return
        mark = self.marks[row]

        def done(value: str | None) -> None:
            if value:
                mark.name = value
                marks.update_cell_at(Coordinate(row, 0), value)

        self.app.push_screen(
            PromptScreen(_("Name this mark"), "try 2: after restarting nova-api", mark.name), done
        )

    def action_close(self) -> None:
        self.dismiss(None)


def _clock(record: object) -> str:
    ts = getattr(record, "timestamp", None)
    return ts.strftime("%H:%M:%S.%f")[:-3] if ts is not None else "-"
