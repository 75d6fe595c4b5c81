"""The `ostui` command: the browser by default, and headless commands for scripts.

ostui [PATH...] [--root DIR | --demo]        the browser
ostui scan [PATH...] [--root DIR] [--json]   what every file holds
ostui request ID [PATH...] [--root DIR]      one request's story across files
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__

COMMANDS = ("scan", "request")


def demo_root() -> Path:
    return Path(__file__).resolve().parent / "demo"


def _add_sources(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="log files or folders")
    p.add_argument("--root", type=Path, help="collected logs: one folder per node (DIR/<node>/var/log/...)")
    p.add_argument("--demo", action="store_true", help="the built-in demo logs (the seed case)")
    p.add_argument("--format", dest="fmt", metavar="NAME", help="force a format instead of sniffing it")


def build_parser(command: str | None) -> argparse.ArgumentParser:
    if command == "scan":
        p = argparse.ArgumentParser(prog="ostui scan", description="Index logs and count what they hold.")
        _add_sources(p)
        p.add_argument("--json", action="store_true", help="print one JSON document")
        return p
    if command == "request":
        p = argparse.ArgumentParser(prog="ostui request", description="One request's story across all files.")
        p.add_argument("request_id", metavar="ID", help="req-<uuid>, a bare uuid, or a swift tx id")
        _add_sources(p)
        p.add_argument("--json", action="store_true", help="print one JSON document")
        return p
    p = argparse.ArgumentParser(
        prog="ostui",
        description="A terminal log browser for OpenStack operators.",
        epilog="headless commands: ostui scan --help, ostui request --help",
    )
    _add_sources(p)
    p.add_argument("--level", help="initial level filter (e.g. ERROR shows ERROR and above)")
    p.add_argument("--grep", help="initial text filter (a regular expression)")
    p.add_argument("--request", metavar="ID", help="open with this request id selected")
    p.add_argument("--since", help="show records from this time (2016-06-10 21:49)")
    p.add_argument("--until", help="show records up to this time")
    p.add_argument("--version", action="version", version=f"ostui {__version__}")
    return p


def select_files(args: argparse.Namespace, out: Any) -> tuple[list[Any], Any]:
    """LogFiles for the sources the arguments name, opened (not yet indexed)."""
    from .core.discovery import discover, sources_from_paths
    from .core.logset import files_from_tree

    if args.demo:
        tree = discover(demo_root())
    elif args.root is not None:
        tree = discover(args.root)
    elif args.paths:
        tree = sources_from_paths(args.paths)
    else:
        tree = discover(None)
    files = files_from_tree(tree)
    return files, tree


def nothing_found(tree: Any) -> str:
    looked = ", ".join(tree.looked_in) or "nowhere"
    lines = [f"ostui: no OpenStack logs found (looked in {looked})."]
    for path, reason in tree.skipped[:10]:
        lines.append(f"  could not read {path}: {reason}")
    lines.append(
        "Point ostui at them: ostui FILE..., ostui --root DIR (one folder per node), or try ostui --demo."
    )
    return "\n".join(lines)


def cmd_scan(args: argparse.Namespace) -> int:
    from .core.logset import open_files
    from .core.scan import scan_summary

    files, tree = select_files(args, sys.stdout)
    if not files:
        print(nothing_found(tree), file=sys.stderr)
        return 2
    from .core.parallel import build_files

    open_files(files, args.fmt, times=False, build=False)
    build_files(files)
    summary = scan_summary(files)
    summary["skipped"] = [{"path": p, "reason": r} for p, r in tree.skipped]
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    from .render import print_scan

    print_scan(summary)
    return 0


def cmd_request(args: argparse.Namespace) -> int:
    from .core.logset import open_files
    from .core.requests import search_request

    files, tree = select_files(args, sys.stdout)
    if not files:
        print(nothing_found(tree), file=sys.stderr)
        return 2
    open_files(files, args.fmt, times=False, build=False)
    story = search_request([f for f in files if f.index is not None], args.request_id)
    if args.json:
        from .core.export import story_to_dict

        json.dump(story_to_dict(story), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        from .render import print_story

        print_story(story)
    return 0 if story.entries else 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(command)
    args = parser.parse_args(argv[1:] if command else argv)
    if args.fmt:
        from .core.formats import get_format

        try:
            get_format(args.fmt)
        except KeyError as exc:
            parser.error(str(exc.args[0]))
    try:
        if command == "scan":
            return cmd_scan(args)
        if command == "request":
            return cmd_request(args)
        from .tui import run_app

        return run_app(args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
