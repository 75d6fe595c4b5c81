"""Every problem the status bar counts, listed: files read in part, files not readable,
files found but not read, and parts of ostui that stopped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.i18n import _
from ...core.indexing.logset import LogFile
from ...core.textsafe import visible

if TYPE_CHECKING:
    from textual.app import App

Problem = tuple[str, str, str]  # (mark as in the tree, where, why)


def file_problems(
    files: Sequence[LogFile],
    skipped: Sequence[tuple[str, str]],
    failures: dict[str, str],
    sources: Sequence[str] = (),
) -> list[Problem]:
    """One row per problem, each with the mark the tree or the status bar shows it with;
    `sources` are the sources that could not be opened at all (the status bar's ✗)."""
    rows: list[Problem] = [("✗", _("source"), problem) for problem in sources]
    for f in files:
        if f.error:
            rows.append(("✗", str(f.path), f.error))
    for f in files:
        for problem in f.problems:
            rows.append(("⚠", str(f.path), str(problem)))
    rows.extend((_("not read"), path, why) for path, why in skipped)
    rows.extend(("✗", _("worker {name}", name=group), why) for group, why in failures.items())
    return rows


class ProblemsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ProblemsScreen { align: center middle; }
    ProblemsScreen > VerticalScroll {
        width: 95%; height: 90%; padding: 0 1; background: $panel; border: round $warning;
    }
    """
    BINDINGS = [Binding("escape,q,P", "close", "Close", id="problems.close")]

    def __init__(self, rows: list[Problem]) -> None:
        super().__init__()
        self.rows = rows

    @classmethod
    def of_app(cls, app: App[int]) -> ProblemsScreen:
        from ..widgets.source_tree import SourceTree

        tree = app.screen_stack[0].query_one(SourceTree)
        files = list(getattr(app, "files", []))
        failures = dict(getattr(app, "failures", {}))
        session = getattr(app, "session", None)
        sources = list(getattr(session, "problems", []))
        return cls(file_problems(files, tree.skipped, failures, sources))

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            title = _("Problems: {count}  ·  esc closes", count=len(self.rows))
            yield Static(Text(title, style="bold"))
            if not self.rows:
                yield Static(_("Every file was read whole; nothing stopped."), id="problems-table")
                return
            table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
            table.add_column(_("mark"), no_wrap=True)
            table.add_column(_("file"), overflow="fold", ratio=2)
            table.add_column(_("what"), overflow="fold", ratio=3)
            for mark, where, why in self.rows:
                table.add_row(mark, Text(visible(where)), Text(visible(why)))
            yield Static(table, id="problems-table")

    def action_close(self) -> None:
        self.dismiss(None)
