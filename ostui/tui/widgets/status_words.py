"""The status bar's words, in one place: where the view is, whether the files are followed,
and every problem counted with the mark the tree shows it by (P lists them all)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...core.i18n import _


@dataclass
class StatusFacts:
    """What the status bar says, gathered by the app."""

    shown: int
    total: int
    indexed: bool
    filters: str
    at_end: bool  # the view sticks to the newest record
    following: bool  # the files are followed as they grow (not an archive)
    follow_failed: bool = False  # they were followed until the follower stopped (said in `failed`)
    followed_files: int = 0
    followed_nodes: int = 0
    unseen: int = 0  # records that arrived while the view was away from the end
    mark: str | None = None
    alert: bool = False
    partly_read: int = 0
    unreadable: int = 0
    not_read: int = 0
    failed: list[str] = field(default_factory=list)
    name: str | None = None  # the whole name the panes may cut: the tree's cursor or the record's file
    windowed: int = 0  # records the memory window let go of (on disk, not read back)
    growing: bool = False  # while indexing, the view holds what is indexed so far (not only tails)
    progress: str = ""  # how far indexing is, with the filters (`indexing_words`)


def status_words(facts: StatusFacts) -> str:
    if facts.indexed:
        parts = [_("{shown} of {total} records", shown=f"{facts.shown:,}", total=f"{facts.total:,}")]
    elif facts.growing:
        parts = [_("{shown} records so far", shown=f"{facts.shown:,}")]
    else:
        parts = [_("{shown} newest records", shown=f"{facts.shown:,}")]
    if facts.windowed:
        parts.append(_("windowed: {count} older on disk, O reads back", count=f"{facts.windowed:,}"))
    if facts.progress:
        parts.append(facts.progress)
    else:
        parts.append(facts.filters)
        if not facts.indexed:
            parts.append(_("indexing…"))
    if facts.at_end:
        parts.append(_("at the end"))
    elif facts.unseen:
        parts.append(_("paused · {count} new", count=f"{facts.unseen:,}"))
    else:
        parts.append(_("paused"))
    if facts.following:
        parts.append(
            _(
                "following {files} files on {nodes} nodes",
                files=facts.followed_files,
                nodes=facts.followed_nodes,
            )
        )
    elif not facts.follow_failed:
        parts.append(_("archive: not followed"))
    if facts.mark:
        parts.append(facts.mark)
    if facts.alert:
        parts.append(_("⚠ new error: press !"))
    problems = []
    if facts.partly_read:
        problems.append(_("{count} file(s) partly read: tree ⚠", count=facts.partly_read))
    if facts.unreadable:
        problems.append(_("{count} unreadable: tree ✗", count=facts.unreadable))
    if facts.not_read:
        problems.append(_("{count} not read: tree 'not read'", count=facts.not_read))
    if problems:
        parts += problems
        parts.append(_("P lists them"))
    parts += [_("✗ {what} failed", what=what) for what in facts.failed]
    if facts.name:
        parts.append(facts.name)
    return " · ".join(parts)


def indexing_words(
    filters: str, done_bytes: int, total_bytes: int, files_done: int, files_total: int, seconds: float
) -> str:
    """While indexing: the filter shown and how much of the logs it covers so far, what is
    left (files, speed, an estimate), so a filtered count is never taken for the whole."""
    pct = 100 * done_bytes // max(1, total_bytes)
    parts = [
        filters,
        _("{pct}% indexed", pct=pct),
        _("{done}/{total} files", done=files_done, total=files_total),
    ]
    if seconds >= 0.5 and done_bytes:
        rate = done_bytes / seconds
        parts.append(_("{rate} MB/s", rate=f"{rate / 1e6:.0f}"))
        left = (total_bytes - done_bytes) / rate
        if left >= 1:
            parts.append(_("about {seconds} s left", seconds=f"{left:.0f}"))
    return " · ".join(parts)


def shown_path(path: Path) -> str:
    """A file's path as the operator typed it: relative to the working folder when under it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def whole_name(tree_cursor: str | None, tree_focused: bool, record_file: str | None) -> str | None:
    """The name to show whole: the tree's cursor while the tree has the focus, else the path
    of the selected record's file (the tree and the stream cut names in the middle)."""
    return tree_cursor if tree_focused and tree_cursor else record_file
