"""Plain-terminal output of the headless commands, with rich and pygments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from .core.i18n import _
from .core.levels import LEVEL_LOOK, Level
from .core.textsafe import visible

if TYPE_CHECKING:
    # Types only: explain and faults print through this module and read no logs.
    from .core.stream.requests import RequestStory

# Terminal colours for the roles of core.levels.LEVEL_LOOK.
_ROLE_COLOUR = {"error": "red", "warning": "yellow", "success": "green", "primary": "cyan", "muted": "dim"}


def level_style(level: Level) -> str:
    role, emphasis = LEVEL_LOOK[level]
    return f"{emphasis} {_ROLE_COLOUR[role]}".strip()


def plain_console(fold: bool = True) -> Console:
    """On a terminal: coloured, and fitted to its width (`fold`) or left to the terminal to
    wrap. Piped: no colour and no wrapping, one row or record a line (grep, awk and sort
    read it)."""
    console = Console() if fold else Console(soft_wrap=True, highlight=False)
    return console if console.is_terminal else Console(soft_wrap=True, no_color=True, highlight=False)


SCAN_COLUMNS = ("path", "node", "component", "format", "records", "ERR", "WARN", "tb", "ids")


def print_scan(summary: dict[str, Any], console: Console | None = None) -> None:
    console = console or plain_console()
    if not console.is_terminal:
        _print_scan_rows(summary, console)
        return
    table = Table(title="ostui scan", show_lines=False, expand=True)
    table.add_column("node/component/file", overflow="fold", ratio=3)
    table.add_column("format", overflow="fold")
    for col in ("records", "ERR", "WARN", "tb", "ids"):
        table.add_column(col, justify="right", no_wrap=True)
    for f in summary["files"]:
        lv = f["levels"]
        errors = lv.get("ERROR", 0) + lv.get("CRITICAL", 0)
        table.add_row(
            Text(visible(f"{f['node']}/{f['component']}/{f['path'].rsplit('/', 1)[-1]}")),
            Text(visible(f["format"] or "-")),
            str(f["records"]),
            Text(str(errors), style="bold red" if errors else ""),
            str(lv.get("WARNING", 0)),
            str(f["tracebacks"]),
            str(f["request_ids"]),
        )
    console.print(table)
    _print_scan_footer(summary, console)


def _print_scan_footer(summary: dict[str, Any], console: Console) -> None:
    t = summary["totals"]
    console.print(
        Text(
            _(
                "{files} files, {lines} lines, {records} records, {unparsed} unparsed, "
                "{tracebacks} tracebacks, {ids} request ids",
                files=t["files"],
                lines=t["lines"],
                records=t["records"],
                unparsed=t["unparsed"],
                tracebacks=t["tracebacks"],
                ids=t["request_ids"],
            )
        )
    )
    for f in summary["files"]:
        for problem in f["problems"]:
            console.print(Text(visible(f"{f['path']}: {problem}"), style="yellow"))
    for s in summary.get("skipped", []):
        console.print(
            Text(
                visible(_("could not read {path}: {reason}", path=s["path"], reason=s["reason"])),
                style="yellow",
            )
        )


def _print_scan_rows(summary: dict[str, Any], console: Console) -> None:
    """Piped: a header and one tab-separated row a file, then the totals and problems.
    Written as they are (rich would turn the tabs into spaces)."""
    out = console.file
    out.write("\t".join(SCAN_COLUMNS) + "\n")
    for f in summary["files"]:
        lv = f["levels"]
        cells = (
            f["path"],
            f["node"],
            f["component"],
            f["format"] or "-",
            f["records"],
            lv.get("ERROR", 0) + lv.get("CRITICAL", 0),
            lv.get("WARNING", 0),
            f["tracebacks"],
            f["request_ids"],
        )
        out.write("\t".join(visible(str(c)).replace("\t", " ") for c in cells) + "\n")
    _print_scan_footer(summary, console)


def print_story(story: RequestStory, console: Console | None = None) -> None:
    console = console or plain_console()
    if not story.entries:
        console.print(Text(visible(_("no record mentions {id}", id=story.request_id)), style="yellow"))
        return
    linked = [i for i in story.ids if i != story.request_id]
    console.print(Text(visible(_("Request {id}", id=story.request_id)), style="bold"))
    if linked:
        links = ", ".join(f"{link.target} ({link.relation})" for link in story.links)
        console.print(Text(visible("  " + _("linked: {links}", links=links))))
    if story.status:
        console.print(Text(visible("  " + _("HTTP status: {status}", status=story.status))))
    for e in story.entries:
        rec = e.record
        since = f"+{e.since_first:.3f}s" if e.since_first is not None else "     "
        stamp = rec.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if rec.timestamp else "-"
        line = Text()
        line.append(f"{stamp} {since:>9} ", style="dim")
        line.append(visible(f"{e.file.node}/{e.file.component} "), style="blue")
        line.append(f"{rec.level.name:<8}", style=level_style(rec.level))
        line.append(visible(f" {rec.message}"))
        console.print(line)
        if rec.http and rec.http.status:
            http = f"    HTTP {rec.http.method or ''} {rec.http.url or ''} -> {rec.http.status}"
            console.print(Text(visible(http), style="dim"))
        if rec.traceback is not None and rec.level >= Level.WARNING:
            from .core.parsing.tracebacks import traceback_text

            shown = visible(traceback_text(rec.traceback), keep_newlines=True)
            if console.is_terminal:
                console.print(Syntax(shown, "pytb", theme="ansi_dark", word_wrap=True))
            else:
                console.print(Text(shown))
