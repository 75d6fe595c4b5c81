"""The `ostui` command: the browser by default, and headless commands for scripts.

ostui [PATH...] [--root DIR | --demo]        the browser
ostui scan [PATH...] [--root DIR] [--json]   what every file holds
ostui request ID [PATH...] [--root DIR]      one request's story across files
ostui nodes [PATH...]                        the other nodes these logs name, as nodes.toml
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from . import __version__
from .core.textsafe import json_text, visible

COMMANDS = ("scan", "request", "faults", "explain", "nodes", "timeline", "instance")


def demo_root() -> Path:
    return Path(__file__).resolve().parent / "demo"


def _add_sources(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="log files or folders")
    p.add_argument("--root", type=Path, help="collected logs: one folder per node (DIR/<node>/var/log/...)")
    p.add_argument("--demo", action="store_true", help="the built-in demo logs (the seed case)")
    p.add_argument("--format", dest="fmt", metavar="NAME", help="force a format instead of sniffing it")
    p.add_argument(
        "--node",
        dest="nodes",
        action="append",
        metavar="[NAME=]TARGET",
        help="another node over ssh (as ssh takes it: host, user@host, a Host of ~/.ssh/config)",
    )
    p.add_argument(
        "--inventory",
        type=Path,
        metavar="FILE",
        help="nodes file (default ~/.config/ostui/nodes.toml when it exists)",
    )
    p.add_argument(
        "--backlog", default="2M", metavar="SIZE", help="bytes per remote file fetched at first (2M)"
    )
    p.add_argument(
        "--store",
        dest="stores",
        action="append",
        metavar="PATTERN",
        help="a central log store, one node per host: an rsyslog tree (DIR/<host>/..., or a path "
        "with {host} in it, e.g. /srv/logs/{host}/openstack)",
    )
    p.add_argument(
        "--journal",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="read services that log only to the journal (this host's, the nodes', journal-remote "
        "stores given to --store) through journalctl (default: on)",
    )
    p.add_argument(
        "--journal-backlog",
        type=int,
        default=5000,
        metavar="N",
        help="journal entries fetched at first, per journal (5000)",
    )
    p.add_argument(
        "--discover-nodes",
        action="store_true",
        help="also follow, over ssh, the nodes this host's logs name (nova-compute and agent hosts)",
    )
    p.add_argument(
        "--client-debug",
        dest="client_debug",
        type=Path,
        action="append",
        metavar="FILE",
        help="a `nova/openstack --debug` transcript, shown as the node `client`",
    )


def _add_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lang", metavar="LANG", help="en or zh (zh_CN); default: from LC_ALL / LC_MESSAGES / LANG"
    )


def build_parser(command: str | None) -> argparse.ArgumentParser:
    if command in ("timeline", "instance"):
        from . import commands_views

        if command == "timeline":
            return commands_views.build_timeline_parser()
        return commands_views.build_instance_parser()
    if command == "faults":
        p = argparse.ArgumentParser(
            prog="ostui faults",
            description="Match every ERROR/CRITICAL record against the known faults; group the rest.",
        )
        _add_sources(p)
        p.add_argument("--json", action="store_true", help="print one JSON document")
        _add_lang(p)
        return p
    if command == "explain":
        p = argparse.ArgumentParser(
            prog="ostui explain",
            description="What an HTTP status means in an OpenStack cloud, or what a known fault is.",
        )
        p.add_argument("subject", metavar="CODE|FAULT", help="an HTTP status code (e.g. 503) or a fault id")
        p.add_argument("--json", action="store_true", help="print one JSON document")
        _add_lang(p)
        return p
    if command == "nodes":
        p = argparse.ArgumentParser(
            prog="ostui nodes",
            description="The deployment's other nodes, as the logs name them (nova-compute, agent "
            "and volume hosts), printed as a nodes.toml to save in ~/.config/ostui/.",
        )
        _add_sources(p)
        return p
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
        epilog="headless commands: ostui scan --help, ostui request --help, ostui faults --help, "
        "ostui explain --help, ostui nodes --help",
    )
    _add_sources(p)
    p.add_argument("--level", help="initial level filter (e.g. ERROR shows ERROR and above)")
    p.add_argument("--grep", help="initial text filter (a regular expression)")
    p.add_argument("--request", metavar="ID", help="open with this request id selected")
    p.add_argument("--since", help="show records from this time (2016-06-10 21:49)")
    p.add_argument("--until", help="show records up to this time")
    _add_lang(p)
    p.add_argument(
        "--follow",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="follow the files as they grow (default: on for this host and FILEs, off for --root)",
    )
    p.add_argument("--theme", choices=("dark", "light"), default="dark", help="colour theme (default: dark)")
    p.add_argument("--version", action="version", version=f"ostui {__version__}")
    return p


def select_files(args: argparse.Namespace, out: Any) -> tuple[list[Any], Any]:
    """LogFiles for the sources the arguments name, opened (not yet indexed)."""
    from .core.discovery import discover, sources_from_paths
    from .core.logset import LogFile, files_from_tree

    if args.demo:
        tree = discover(demo_root())
    elif args.root is not None:
        tree = discover(args.root)
    elif args.paths:
        tree = sources_from_paths(args.paths)
    elif getattr(args, "client_debug", None) and not getattr(args, "nodes", None):
        from .core.discovery import LogTree

        tree = LogTree()
    else:
        tree = discover(None)
    if getattr(args, "stores", None):
        from .core.discovery import discover_store, merge_trees

        tree = merge_trees(tree, *(discover_store(pattern) for pattern in args.stores))
    files = files_from_tree(tree)
    files += remote_files(args, files)
    if getattr(args, "journal", True):
        from .session.journals import journal_files

        files += journal_files(args, files, int(getattr(args, "journal_backlog", 5000)))
    for path in getattr(args, "client_debug", None) or []:
        files.append(LogFile(path, "client", "client", path.name, format_name="client-debug"))
    return files, tree


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    return int(float(text[:-1]) * units[text[-1]]) if text and text[-1] in units else int(text)


def remote_nodes(args: argparse.Namespace) -> list[Any]:
    """The nodes named by --node and the inventory file. A bad one ends the command
    with exit 2 and `path:line: what is wrong`."""
    from .core.remote import default_inventory, load_inventory, parse_node

    try:
        nodes = [parse_node(spec) for spec in getattr(args, "nodes", None) or []]
        inventory = getattr(args, "inventory", None)
        if inventory is None and (getattr(args, "nodes", None) is None) and default_inventory().exists():
            inventory = default_inventory()
        if inventory is not None:
            known = {n.name for n in nodes}
            nodes += [n for n in load_inventory(Path(inventory)) if n.name not in known]
    except ValueError as exc:
        print(f"ostui: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return nodes


INCOMPLETE_NODES = 3  # exit status of a headless command when named nodes did not sync


def remote_files(args: argparse.Namespace, local: Sequence[Any] = ()) -> list[Any]:
    """Files of the remote nodes, mirrored locally (the mirrors keep following;
    they are left on `args.mirrors` for whoever stops them). Headless commands wait
    for every node's backlog (a progress line on stderr); a named node left incomplete
    ends them with exit 3, naming it, rather than give a partial answer."""
    nodes = remote_nodes(args)
    named = {n.name for n in nodes}
    if getattr(args, "discover_nodes", False):
        nodes += hinted_nodes(local, named)
    args.mirrors = []
    if not nodes:
        return []
    import tempfile

    from .core.discovery import discover
    from .core.logset import files_from_tree
    from .core.remote import settle, start_mirrors

    cache = args.mirror_cache = Path(tempfile.mkdtemp(prefix="ostui-nodes-"))
    browser = hasattr(args, "theme")  # only the browser's arguments carry a theme
    backlog = parse_size(str(getattr(args, "backlog", "2M")))
    args.mirrors = start_mirrors(nodes, cache, backlog, wait=20.0 if browser else 0.0)
    if browser:  # it shows each node's state and follows on
        for m in args.mirrors:
            if m.node.state != "live":
                print(f"ostui: node {m.node.name} is {m.node.state}: {m.node.reason}", file=sys.stderr)
    else:
        lines, unsynced = settle(args.mirrors, named, lambda text: print(f"ostui: {text}", file=sys.stderr))
        for text in lines:
            print(f"ostui: {text}", file=sys.stderr)
        if unsynced:
            raise SystemExit(INCOMPLETE_NODES)
    return files_from_tree(discover(cache)) if any(cache.iterdir()) else []


def hinted_nodes(local: Sequence[Any], known: set[str]) -> list[Any]:
    """The nodes the local logs name (nova-compute and agent hosts), reached by name over ssh."""
    from .core.node_hints import find_node_hints, hints_to_nodes

    for lf in local:
        lf.open()
    # The newest 64 MiB of each log is plenty to name the nodes, and keeps start-up quick;
    # bare addresses (RabbitMQ peers) may be nodes already named: only names are followed.
    found = find_node_hints([lf for lf in local if lf.index is not None], exclude=known, limit_bytes=64 << 20)
    hints = [hint for hint in found if not hint.is_address]
    for hint in hints:
        print(
            f"ostui: node {hint.name} ({', '.join(sorted(hint.roles))}) named in {hint.source}",
            file=sys.stderr,
        )
    return hints_to_nodes(hints)


def stop_mirrors(args: argparse.Namespace) -> None:
    """Stop following the nodes and journals, and remove their local copies."""
    if getattr(args, "journals", None) is not None:
        from .session.journals import stop_journals

        stop_journals(args)  # first: a node's journal reader uses the node's connection
    for m in getattr(args, "mirrors", None) or []:
        m.stop()
    cache = getattr(args, "mirror_cache", None)
    if cache is not None:
        import shutil

        shutil.rmtree(cache, ignore_errors=True)


def nothing_found(tree: Any) -> str:
    looked = visible(", ".join(str(p) for p in tree.looked_in)) or "nowhere"
    lines = [f"ostui: no OpenStack logs found (looked in {looked})."]
    for path, reason in tree.skipped[:10]:
        lines.append(visible(f"  could not read {path}: {reason}"))
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
    summary = scan_summary(files, tree.skipped)  # skipped are listed and counted as unreadable
    if args.json:
        sys.stdout.write(json_text(summary, indent=1) + "\n")
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
    from .core.records import exact_text

    # JSON carries the exact text (its encoder escapes it); plain output is gated.
    with exact_text() if args.json else nullcontext():
        story = search_request([f for f in files if f.index is not None], args.request_id)
    if args.json:
        from .core.export import story_to_dict

        sys.stdout.write(json_text(story_to_dict(story), indent=1) + "\n")
    else:
        from .render import print_story

        print_story(story)
    if not story.entries:  # a bare UUID that is no request id may name a resource: say which
        from .commands_views import bare_uuid_hint

        hint = bare_uuid_hint([f for f in files if f.index is not None], args.request_id)
        if hint:
            print(f"ostui: {hint}", file=sys.stderr)
    return 0 if story.entries else 1


# Labels of the explain and faults output; the fault texts come in the same language.
_LABELS = {
    "en": {
        "meaning": "Meaning",
        "first": "First step",
        "known": "Known faults",
        "unknown": "Unknown errors",
        "watching": "Seen, below their repetition rule",
        "cause": "Cause",
        "fix": "Fix",
        "bugs": "Bugs",
        "links": "Links",
        "releases": "Releases",
        "repeat": "Repetition rule",
        "versions": "Installed",
        "affected": "affected, fixed in",
        "not_affected": "has the fix",
        "where": "nodes",
        "seen": "seen",
        "module": "module",
        "example": "example",
        "none": "No ERROR or CRITICAL records.",
        "records": "error records",
        "files": "files",
    },
    "zh": {
        "meaning": "含义",
        "first": "第一步",
        "known": "已知故障",
        "unknown": "未知错误",
        "watching": "已出现但未达到重复规则",
        "cause": "原因",
        "fix": "处理步骤",
        "bugs": "缺陷",
        "links": "链接",
        "releases": "版本",
        "repeat": "重复规则",
        "versions": "已安装",
        "affected": "受影响，修复版本",
        "not_affected": "已包含修复",
        "where": "节点",
        "seen": "时间",
        "module": "模块",
        "example": "示例",
        "none": "没有 ERROR 或 CRITICAL 级别的记录。",
        "records": "条错误记录",
        "files": "个文件",
    },
}


def _print_status(ex: Any) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel
    from rich.text import Text

    words = _LABELS[ex.lang]
    body = Text()
    body.append(f"{words['meaning']}: ", style="bold")
    body.append(ex.meaning + "\n\n")
    body.append(f"{words['first']}: ", style="bold")
    body.append(ex.first_step)
    style = "red" if ex.code >= 500 else "yellow" if ex.code >= 400 else "green"
    family = f" [dim]({escape(ex.family)})[/]" if ex.family != ex.name else ""
    title = f"[bold {style}]{ex.code} {escape(ex.name)}[/]{family}"
    Console().print(Panel(body, title=title, title_align="left", expand=False))


def _out_console() -> Any:
    """A console that never wraps: piped output keeps one line per line, whatever its length."""
    from rich.console import Console

    return Console(soft_wrap=True, highlight=False)


def _fault_lines(doc: dict[str, Any], words: dict[str, str], indent: str = "") -> list[Any]:
    """Cause, every fix step, bugs and links of a fault (from `fault_dict`), as rich Text lines."""
    from rich.text import Text

    lines: list[Any] = []
    if doc.get("cause"):
        lines.append(Text(f"{indent}{words['cause']}: ", style="bold") + Text(doc["cause"]))
    if doc.get("fix"):
        lines.append(Text(f"{indent}{words['fix']}:", style="bold"))
        lines.extend(Text(f"{indent}  {n}. {step}") for n, step in enumerate(doc["fix"], 1))
    if doc.get("repeat"):
        lines.append(Text(f"{indent}{words['repeat']}: ", style="bold") + Text(doc["repeat"]["rule"]))
    for key in ("bugs", "releases", "links"):
        if doc.get(key):
            lines.append(Text(f"{indent}{words[key]}: ", style="bold") + Text(" ".join(doc[key])))
    return lines


def _print_fault(doc: dict[str, Any], lang: str) -> None:
    from rich.text import Text

    words = _LABELS[lang]
    console = _out_console()
    console.print(Text(doc["title"], style="bold") + Text(f"  {doc['id']} ({doc['pack']})", style="dim"))
    for line in _fault_lines(doc, words):
        console.print(line)
    if doc.get("attribution"):
        console.print(Text(doc["attribution"], style="dim"))


def _print_faults(summary: Any, lang: str, attributions: dict[str, str]) -> None:
    from rich.text import Text

    from .core.knowledge import fault_dict

    words = _LABELS[lang]
    console = _out_console()
    if not summary.records:
        console.print(words["none"])
        return
    console.print(f"{summary.severe} {words['records']}, {summary.files} {words['files']}")

    def seen(group: Any) -> str:
        stamps = [s.strftime("%Y-%m-%d %H:%M:%S") for s in (group.first_seen, group.last_seen) if s]
        return " -> ".join(dict.fromkeys(stamps)) or "-"

    pad = " " * 8

    def head(group: Any, title: str, key: str) -> Any:
        text = Text(f"{group.count:>6}  ", style="bold") + Text(title, style="bold")
        nodes = f"{', '.join(sorted(group.nodes))} ({', '.join(sorted(group.components))})"
        where = f"{pad}{words['where']}: {nodes}; {words['seen']}: {seen(group)}"
        return [text + Text(f"  {key}", style="dim"), Text(where, style="dim")]

    for label, groups in ((words["known"], summary.known), (words["watching"], summary.watching)):
        if not groups:
            continue
        console.print(Text(f"\n{label}", style="bold underline"))
        for group in groups:
            doc = fault_dict(group.fault, lang, attributions.get(group.fault.pack, ""))
            for line in head(group, doc["title"], group.key):
                console.print(line)
            if group.repeat_note:
                console.print(Text(f"{pad}{words['repeat']}: {group.repeat_note}"))
                doc.pop("repeat")
            for check in group.versions:
                state = words["affected"] if check["affected"] else words["not_affected"]
                package = f"{check['package']} {check['installed']}"
                console.print(Text(f"{pad}{words['versions']}: {package} ({state} {check['fixed_in']})"))
            doc.pop("releases", None)
            for line in _fault_lines(doc, words, pad):
                console.print(line)
    if summary.unknown:
        console.print(Text(f"\n{words['unknown']}", style="bold underline"))
        for group in summary.unknown:
            # Titles and examples are made of log text: shown through the one gate, never as markup.
            for line in head(group, visible(group.title), f"{words['module']}: {group.module or '-'}"):
                console.print(line)
            console.print(Text(f"{pad}{words['example']}: {visible(group.example)}", style="dim"))


def cmd_explain(args: argparse.Namespace) -> int:
    from .core.knowledge import explain_status, fault_dict, load_faults, pick_lang

    lang = pick_lang(args.lang)
    subject = args.subject.strip()
    if subject.isdigit():
        explanation = explain_status(int(subject), lang)
        if explanation is None:
            print(f"ostui explain: {subject} is not an HTTP status (100-599)", file=sys.stderr)
            return 2
        if args.json:
            from dataclasses import asdict

            sys.stdout.write(json_text(asdict(explanation)) + "\n")
        else:
            _print_status(explanation)
        return 0
    pack = load_faults()
    fault = pack.get(subject)
    if fault is None:
        print(f"ostui explain: {subject!r} is neither an HTTP status nor a known fault id", file=sys.stderr)
        return 2
    info = pack.pack_info(fault.pack)
    doc = fault_dict(fault, lang, info.attribution if info else "")
    if args.json:
        sys.stdout.write(json_text(doc) + "\n")
    else:
        _print_fault(doc, lang)
    return 0


def cmd_faults(args: argparse.Namespace) -> int:
    from .core.knowledge import FaultMatcher, find_installed, load_faults, pick_lang, summarize_faults
    from .core.logset import open_files

    files, tree = select_files(args, sys.stdout)
    if not files:
        print(nothing_found(tree), file=sys.stderr)
        return 2
    open_files(files, args.fmt, times=True)
    pack = load_faults()
    for message in pack.errors:
        print(f"ostui: {message}", file=sys.stderr)
    lang = pick_lang(args.lang)
    # Package lists are read only from inside the tree given: never from this host.
    installed = find_installed([args.root]) if args.root is not None else None
    summary = summarize_faults(files, FaultMatcher(pack), installed, lang)
    summary.errors = list(pack.errors)
    attributions = {info.name: info.attribution for info in pack.packs}
    if args.json:
        sys.stdout.write(json_text(summary.to_dict(lang, attributions), indent=1) + "\n")
        return 0
    _print_faults(summary, lang, attributions)
    return 0


def cmd_nodes(args: argparse.Namespace) -> int:
    from .core.node_hints import find_node_hints, format_inventory

    files, tree = select_files(args, sys.stdout)
    if not files:
        print(nothing_found(tree), file=sys.stderr)
        return 2
    for lf in files:
        lf.open()
    known = {n.name for n in remote_nodes(args)}
    hints = find_node_hints([lf for lf in files if lf.index is not None], exclude=known)
    if not hints:
        print("ostui: these logs name no other node", file=sys.stderr)
        return 1
    sys.stdout.write(format_inventory(hints))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(command)
    args = parser.parse_args(argv[1:] if command else argv)
    if getattr(args, "fmt", None):
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
        if command == "faults":
            return cmd_faults(args)
        if command == "explain":
            return cmd_explain(args)
        if command == "nodes":
            return cmd_nodes(args)
        if command in ("timeline", "instance"):
            from . import commands_views

            run = commands_views.cmd_timeline if command == "timeline" else commands_views.cmd_instance
            return run(args)
        from .tui import run_app

        return run_app(args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        stop_mirrors(args)
