"""The headless views: `ostui timeline` (records per level over time) and `ostui instance`
(every request that touched a resource). ostui.cli parses the command line, builds the
session and hands over; every headless command takes its files from `selected`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .core.i18n import _
from .core.indexing.logset import LogFile
from .core.textsafe import json_text, visible
from .session import Session, nothing_found


def selected(session: Session) -> list[LogFile]:
    """The files a headless command reads; none (said on stderr) when nothing was found."""
    files = session.select()
    if not files:
        print(nothing_found(session.tree), file=sys.stderr)
    return files


def _opened(session: Session, times: bool) -> list[LogFile]:
    from .core.indexing.logset import open_files

    files = selected(session)
    return open_files(files, session.options.fmt, times=times, build=False) if files else []


def cmd_timeline(args: argparse.Namespace, session: Session) -> int:
    from .core.indexing.parallel import build_files
    from .core.stream.timeline import Timeline, parse_zoom, timeline_dict

    try:
        zoom = parse_zoom(args.bucket)
    except ValueError as exc:
        print(f"ostui timeline: {exc}", file=sys.stderr)
        return 2
    files = _opened(session, times=True)
    if not files:
        return 2
    build_files(files)
    timeline = Timeline.of_files([f for f in files if f.index is not None], args.by)
    doc = timeline_dict(timeline, zoom)
    if args.json:
        sys.stdout.write(json_text(doc, indent=1) + "\n")
        return 0
    print_timeline(doc)
    return 0


def print_timeline(doc: dict[str, Any]) -> None:
    """One line per non-empty bucket: its start, errors, warnings and the rest, and a bar."""
    from .core.levels import Level

    def bands(levels: dict[str, int]) -> tuple[int, int, int]:
        errors = sum(n for name, n in levels.items() if Level[name] >= Level.ERROR)
        warnings = levels.get("WARNING", 0)
        return errors, warnings, sum(levels.values()) - errors - warnings

    rows = doc["buckets"]
    if rows:
        print(
            _(
                "{first} -> {last}, buckets of {bucket}",
                first=doc["first"],
                last=doc["last"],
                bucket=doc["bucket"],
            )
        )
    else:
        print(_("no record carries a time"))
    biggest = max((r["total"] for r in rows), default=1) or 1
    if rows:
        # padded by terminal cells: a Chinese heading is twice as wide as its characters
        heads = [_pad(_("bucket"), 19), *(_pad(_(w), 7, right=True) for w in ("error", "warning", "other"))]
        print(" ".join(heads))
    for row in rows:
        errors, warnings, other = bands(row["levels"])
        bar = "#" * max(1, round(40 * row["total"] / biggest))
        print(f"{row['start'][:19]:<19} {errors:>7} {warnings:>7} {other:>7}  {bar}")
    if doc["undated"]:
        print(_("without a time: {count}", count=sum(doc["undated"].values())))
    for name, group in (doc.get("groups") or {}).items():
        first = next((r for r in group if bands(r["levels"])[0]), None)
        when = first["start"][:19] if first else _("never")
        total = sum(r["total"] for r in group)
        print(
            visible(
                _("{name}: {total} records, first error bucket {when}", name=name, total=total, when=when)
            )
        )


def _pad(text: str, cells: int, right: bool = False) -> str:
    from rich.cells import cell_len

    room = " " * max(0, cells - cell_len(text))
    return room + text if right else text + room


def cmd_instance(args: argparse.Namespace, session: Session) -> int:
    from .core.indexing.records import exact_text
    from .core.stream.instances import normalize_uuid, resource_dict, resource_story

    uuid = normalize_uuid(args.uuid)
    if uuid is None:
        print(_("ostui instance: {value} is not a UUID", value=repr(visible(args.uuid))), file=sys.stderr)
        return 2
    files = _opened(session, times=False)
    if not files:
        return 2
    if args.json:
        with exact_text():
            story = resource_story(files, uuid)
        sys.stdout.write(json_text(resource_dict(story), indent=1) + "\n")
    else:
        story = resource_story(files, uuid)
        print_resource(story)
    return 0 if story.found else 1


def print_resource(story: Any) -> None:
    from .core.stream.instances import ResourceStory

    assert isinstance(story, ResourceStory)
    what = "/".join(story.kinds) or _("resource")
    names = " " + _("(domain {names})", names=", ".join(story.names)) if story.names else ""
    nodes = ", ".join(story.nodes) or "-"
    count = len(story.requests)
    print(
        visible(f"{what} {story.uuid}{names}: " + _("{count} requests on {nodes}", count=count, nodes=nodes))
    )
    for r in story.requests:
        first = r.waterfall.spans[0] if r.waterfall.spans else None
        start = first.entries[0].record.timestamp if first and first.entries else None
        when = f"{start:%Y-%m-%d %H:%M:%S}" if start else _("no time")
        took = f"{r.duration:.3f}s" if r.duration is not None else "-"
        status = f"HTTP {r.status}" if r.status else ""
        errors = _("{count} error(s)", count=r.errors) if r.errors else ""
        facts = ", ".join(x for x in (took, status, errors) if x)
        print(visible(f"{when}  {r.request_id}  [{', '.join(r.nodes)}]  {facts}"))
        print(visible(f"    {r.first_line[:120]}"))
        b = r.bridges[0]
        where = f"{b.entry.file.node}/{b.entry.file.path.name}@{b.entry.record.offset}"
        print(visible("    " + _("tied by {where}: {how}", where=where, how=b.how)))
    if story.loose:
        print(_("records naming it without a request id: {count}", count=len(story.loose)))
        for b in story.loose[:20]:
            rec = b.entry.record
            when = f"{rec.timestamp:%Y-%m-%d %H:%M:%S}" if rec.timestamp else _("no time")
            print(visible(f"  {when}  {b.entry.file.node}/{b.entry.file.path.name}  {rec.message[:100]}"))
    if story.left_out:
        print(_("{count} more requests name it; narrow the files to see them", count=story.left_out))
    if not story.found:
        print(visible(_("no record in these files names {uuid}", uuid=story.uuid)))


def bare_uuid_hint(files: list[Any], text: str) -> str | None:
    """For `ostui request UUID` that matched nothing: what the UUID names, and the command
    that tells its story; None when it is no UUID or nothing names it."""
    from .core.stream.instances import normalize_uuid, resource_story

    uuid = normalize_uuid(text)
    if uuid is None:
        return None
    story = resource_story(files, uuid)
    if not story.found:
        return None
    what = "/".join(story.kinds) or "resource"
    article = "an" if what[0] in "aeiou" else "a"
    return (
        f"no request has id {uuid}, but it names {article} {what} that "
        f"{len(story.requests)} request(s) touched: ostui instance {uuid} (same paths) tells its story"
    )
