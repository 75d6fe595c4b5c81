"""Clock skew between nodes: what the shared requests and the heartbeats say, and a key
to correct the merged stream by it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ...core.i18n import _
from ...core.stream.skew import ClockSkew, describe


@dataclass
class NodeClock:
    """One node's clock as far as ostui can tell."""

    node: str
    skew: ClockSkew | None  # from requests seen on this node and the reference node
    heartbeat_s: float | None  # node clock minus ours, from a remote node's heartbeats


class ClockScreen(ModalScreen[bool]):
    """Dismissed with True when the user asks to apply (or undo) the correction."""

    DEFAULT_CSS = """
    ClockScreen { align: center middle; }
    ClockScreen > Vertical { width: 90%; height: auto; max-height: 80%; background: $panel;
        border: round $primary; }
    ClockScreen DataTable { height: auto; max-height: 20; }
    ClockScreen .title { text-style: bold; padding: 0 1; }
    ClockScreen .note { color: $foreground-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "dismiss(False)", "Close", id="clock.close"),
        Binding("c", "dismiss(True)", "Correct / undo", id="clock.correct"),
    ]

    def __init__(self, clocks: Sequence[NodeClock], corrected: bool) -> None:
        super().__init__()
        self.clocks = list(clocks)
        self.corrected = corrected

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Clock skew between nodes"), classes="title")
            yield DataTable(cursor_type="row", id="clocks")
            state = (
                _("the stream is corrected")
                if self.corrected
                else _("the stream shows each node's own clock")
            )
            action = _("undo") if self.corrected else _("correct the stream by the request estimate")
            yield Static(f"{state} · c: {action} · esc: " + _("close"), classes="note")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("node"), _("from shared requests"), _("heartbeat"))
        for clock in self.clocks:
            table.add_row(
                clock.node,
                describe(clock.skew).removeprefix(clock.node + " ") if clock.skew else _("reference"),
                "" if clock.heartbeat_s is None else f"{clock.heartbeat_s:+.0f} s (±1 s)",
            )
        table.focus()
