"""The help screen: every key of every pane, from the bindings themselves."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def key_label(key: str) -> str:
    names = {
        "right_square_bracket": "]",
        "left_square_bracket": "[",
        "question_mark": "?",
        "slash": "/",
        "ampersand": "&",
        "colon": ":",
        "space": "space",
    }
    return " ".join(names.get(k, k) for k in key.split(","))


def bindings_table(sections: Iterable[tuple[str, list[BindingType]]]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
    table.add_column("keys", no_wrap=True)
    table.add_column("action")
    table.add_column("id", style="dim", no_wrap=True)
    for title, bindings in sections:
        table.add_row(Text(title, style="bold underline"), "", "")
        for b in bindings:
            if isinstance(b, Binding):
                table.add_row(key_label(b.key), b.description or b.action, b.id or "")
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 110; height: 90%; padding: 0 1;
        background: $panel; border: round $primary;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def __init__(self, sections: list[tuple[str, list[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("ostui keys  ·  ctrl+p opens the command palette  ·  esc closes", style="bold"))
            yield Static(bindings_table(self.sections), id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)
