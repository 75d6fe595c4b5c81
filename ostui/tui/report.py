"""The plain-text report of a selected record and its request, for a bug or a colleague.

No textual import here: the detail pane calls these from a worker, tests call them directly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from ..core.diagnosis.knowledge import (
    FaultMatch,
    FaultMatcher,
    default_matcher,
    error_signature,
    explain_status,
)
from ..core.levels import Level
from ..core.model import Record, Traceback
from ..core.parsing.tracebacks import innermost_openstack_frame, traceback_text
from ..core.stream.requests import RequestStory, StoryEntry
from ..core.textsafe import visible
from .selection import Selection

REPORT_DIR_ENV = "OSTUI_REPORT_DIR"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


# -- what the selection is about ---------------------------------------------------------
def request_id_of(rec: Record) -> str | None:
    """The id whose story tells about this record: its request id, else its global id."""
    return rec.request_id or rec.global_request_id or None


def diagnosis_entry(selection: Selection, story: RequestStory | None) -> tuple[Record, StoryEntry | None]:
    """The record to diagnose: the selected one when it has a traceback, else the story's
    first record with one (the access line of a 500 points at the error record), else
    the selected one. The entry is given when the record came from the story."""
    rec = selection.record
    if rec.traceback is None and story is not None:
        for entry in story.tracebacks:
            return entry.record, entry
    return rec, None


def http_status_of(selection: Selection, story: RequestStory | None) -> int | None:
    """The selected record's HTTP status, else the worst status of its request."""
    http = selection.record.http
    if http is not None and http.status is not None:
        return http.status
    return story.status if story is not None else None


def best_fault(rec: Record, matcher: FaultMatcher | None = None) -> FaultMatch | None:
    matches = (matcher if matcher is not None else default_matcher()).match(rec)
    return matches[0] if matches else None


# -- the report --------------------------------------------------------------------------
def _stamp(rec: Record) -> str:
    return rec.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if rec.timestamp else "-"


def _http_text(rec: Record) -> str | None:
    http = rec.http
    if http is None or (http.status is None and not http.url):
        return None
    text = " ".join(p for p in (http.method, http.url) if p)
    if http.status is not None:
        text = f"{text} -> {http.status}" if text else f"-> {http.status}"
    if http.duration is not None:
        text += f" ({http.duration:.3f}s)"
    return text


def _heading(title: str) -> list[str]:
    return ["", title, "-" * len(title)]


def _record_lines(selection: Selection) -> list[str]:
    rec = selection.record
    lf = selection.file
    rows = [
        ("Time", _stamp(rec)),
        ("Source", f"{lf.node}/{lf.component}  {lf.path}"),
        ("Record", f"#{rec.index} at byte {rec.offset}"),
        ("Level", rec.level.name),
        ("Logger", rec.logger or "-"),
        ("Request", rec.request_id or "-"),
        ("Global", rec.global_request_id or "-"),
        ("Message", rec.message.split("\n", 1)[0]),
    ]
    http = _http_text(rec)
    if http:
        rows.append(("HTTP", http))
    return [f"{label + ':':<9} {value}" for label, value in rows]


def _status_lines(code: int, lang: str) -> list[str]:
    explained = explain_status(code, lang)
    if explained is None:
        return [f"HTTP {code}"]
    out = [f"{code} {explained.name}" + (f" ({explained.family})" if explained.family else "")]
    if explained.meaning:
        out.append(f"Meaning: {explained.meaning}")
    if explained.first_step:
        out.append(f"First step: {explained.first_step}")
    return out


def _fault_lines(rec: Record, match: FaultMatch | None) -> list[str]:
    if match is None:
        return [f"No known fault matches; signature: {error_signature(rec)}"]
    fault = match.fault
    out = [f"{fault.title} [{fault.id}]"]
    if match.why:
        out.append(f"Why it matched: {match.why}")
    if fault.cause:
        out.append(f"Cause: {fault.cause}")
    if fault.fix:
        out.append("Fix:")
        out.extend(f"  {n}. {step}" for n, step in enumerate(fault.fix, 1))
    if fault.links:
        out.append("Links:")
        out.extend(f"  - {link}" for link in fault.links)
    return out


def _story_lines(story: RequestStory) -> list[str]:
    out: list[str] = []
    linked = [f"{link.target} ({link.relation})" for link in story.links]
    if linked:
        out.append("Linked: " + ", ".join(dict.fromkeys(linked)))
    for entry in story.entries:
        rec = entry.record
        since = f"+{entry.since_first:.3f}s" if entry.since_first is not None else "-"
        out.append(
            f"{_stamp(rec)} {since:>9}  {entry.file.node}/{entry.file.component}  {rec.level.name:<8} "
            f"{rec.message.split(chr(10), 1)[0]}"
        )
        http = _http_text(rec)
        if http:
            out.append(f"    HTTP {http}")
    return out


def _tracebacks(selection: Selection, story: RequestStory | None) -> list[tuple[str, Traceback]]:
    """(where, traceback) of every record of the story with one, the selected record first
    when it is not part of the story."""
    found: list[tuple[str, Traceback]] = []
    seen: set[int] = set()
    entries: Sequence[StoryEntry] = story.tracebacks if story is not None else ()
    sel = selection.record
    if sel.traceback is not None and not any(
        e.record.offset == sel.offset and e.file is selection.file for e in entries
    ):
        found.append((f"{selection.file.node}/{selection.file.component} {_stamp(sel)}", sel.traceback))
    for entry in entries:
        tb = entry.record.traceback
        if tb is None or id(tb) in seen:
            continue
        seen.add(id(tb))
        found.append((f"{entry.file.node}/{entry.file.component} {_stamp(entry.record)}", tb))
    return found


def build_report(
    selection: Selection, story: RequestStory | None, lang: str = "en", matcher: FaultMatcher | None = None
) -> str:
    """The plain-text report: the selected record, the HTTP explanation, the known fault and
    its fix, the request's story with timestamps, and every traceback as Python prints it."""
    rec = selection.record
    rid = story.request_id if story is not None else request_id_of(rec)
    subject = f"request {rid}" if rid else f"{selection.file.label} record #{rec.index}"
    title = f"ostui report: {subject}"
    lines = [title, "=" * len(title)]
    lines += _heading("Selected record")
    lines += _record_lines(selection)

    status = http_status_of(selection, story)
    if status is not None:
        lines += _heading("HTTP status")
        lines += _status_lines(status, lang)

    diagnosed, entry = diagnosis_entry(selection, story)
    if diagnosed.traceback is not None or diagnosed.level >= Level.WARNING or status is not None:
        lines += _heading("Known fault")
        if entry is not None:
            lines.append(f"(diagnosed from {entry.file.node}/{entry.file.component} {_stamp(diagnosed)})")
        lines += _fault_lines(diagnosed, best_fault(diagnosed, matcher))

    if story is not None:
        count = len(story.entries)
        lines += _heading(f"Request story: {story.request_id} ({count} record{'s' if count != 1 else ''})")
        lines += _story_lines(story) or ["No record in the loaded files mentions it."]
    elif rid:
        lines += _heading(f"Request story: {rid}")
        lines.append("(not searched)")

    tracebacks = _tracebacks(selection, story)
    if tracebacks:
        lines += _heading("Tracebacks")
        for where, tb in tracebacks:
            frame = innermost_openstack_frame(tb)
            ours = f" innermost OpenStack frame: {frame.path}:{frame.lineno}" if frame else ""
            lines.append(f"[{where}]{ours}")
            lines.append(traceback_text(tb))
            lines.append("")
    # One gate for the whole report: it is written to a file and copied to the clipboard.
    return visible("\n".join(lines).rstrip("\n"), keep_newlines=True) + "\n"


# -- where it goes -----------------------------------------------------------------------
def report_filename(selection: Selection, story: RequestStory | None) -> str:
    """`ostui-report-<request id>.txt`, or `ostui-report-<file>-<offset>.txt` without one."""
    rid = story.request_id if story is not None else request_id_of(selection.record)
    stem = rid or f"{selection.file.path.name}-{selection.record.offset}"
    return f"ostui-report-{_UNSAFE_NAME.sub('_', stem)}.txt"


def report_dir() -> Path:
    """`$OSTUI_REPORT_DIR` when set, else the current directory: never next to the logs."""
    return Path(os.environ.get(REPORT_DIR_ENV) or os.getcwd())


def write_report(
    text: str, selection: Selection, story: RequestStory | None, directory: Path | None = None
) -> Path:
    """Write the report (blocking: call it from a worker); returns its path."""
    path = (directory or report_dir()) / report_filename(selection, story)
    path.write_text(text, encoding="utf-8")
    return path
