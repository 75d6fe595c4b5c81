"""The help screen: every key of every pane, from the bindings themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.i18n import _
from ..keys import key_label

__all__ = ["HelpScreen", "bindings_table", "key_label"]


def bindings_table(
    sections: Iterable[tuple[str, list[BindingType]]], keys_of: Callable[[Binding], str] | None = None
) -> Table:
    """Keys as typed, what they do, and the id a keymap uses; `keys_of` gives the keys after
    the operator's remapping."""
    table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
    table.add_column(_("keys"), no_wrap=True)
    table.add_column(_("action"))
    table.add_column(_("id"), style="dim", no_wrap=True)
    for title, bindings in sections:
        table.add_row(Text(_(title), style="bold underline"), "", "")
        for b in bindings:
            if isinstance(b, Binding):
                keys = keys_of(b) if keys_of is not None else b.key
                table.add_row(key_label(keys), _(b.description) if b.description else b.action, b.id or "")
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

    def __init__(
        self,
        sections: list[tuple[str, list[BindingType]]],
        keys_of: Callable[[Binding], str] | None = None,
    ) -> None:
        super().__init__()
        self.sections = sections
        self.keys_of = keys_of

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            title = _("ostui keys  ·  ctrl+p opens the command palette  ·  esc closes")
            yield Static(Text(title, style="bold"))
            yield Static(bindings_table(self.sections, self.keys_of), id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)
