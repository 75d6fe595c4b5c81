"""The `ostui` command: the browser by default, and headless commands for scripts.

ostui [PATH...] [--root DIR | --demo]        the browser
ostui scan [PATH...] [--root DIR] [--json]   what every file holds
ostui request ID [PATH...] [--root DIR]      one request's story across files
ostui nodes [PATH...]                        the other nodes these logs name, as nodes.toml
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from . import __version__
from .core.textsafe import json_text, visible

COMMANDS = ("scan", "request", "faults", "explain", "nodes")


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
        p.add_argument("subject", metavar="STATUS", help="an HTTP status code (e.g. 503) or a fault id")
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
        from .journals import journal_files

        files += journal_files(args, files, int(getattr(args, "journal_backlog", 5000)))
    for path in getattr(args, "client_debug", None) or []:
        files.append(LogFile(path, "client", "client", path.name, format_name="client-debug"))
    return files, tree


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    return int(float(text[:-1]) * units[text[-1]]) if text and text[-1] in units else int(text)


def remote_nodes(args: argparse.Namespace) -> list[Any]:
    """The nodes named by --node and the inventory file."""
    from .core.remote import default_inventory, load_inventory, parse_node

    nodes = [parse_node(spec) for spec in getattr(args, "nodes", None) or []]
    inventory = getattr(args, "inventory", None)
    if inventory is None and (getattr(args, "nodes", None) is None) and default_inventory().exists():
        inventory = default_inventory()
    if inventory is not None:
        known = {n.name for n in nodes}
        nodes += [n for n in load_inventory(Path(inventory)) if n.name not in known]
    return nodes


def remote_files(args: argparse.Namespace, local: Sequence[Any] = ()) -> list[Any]:
    """Files of the remote nodes, mirrored locally (the mirrors keep following;
    they are left on `args.mirrors` for whoever stops them)."""
    nodes = remote_nodes(args)
    if getattr(args, "discover_nodes", False):
        nodes += hinted_nodes(local, {n.name for n in nodes})
    args.mirrors = []
    if not nodes:
        return []
    import tempfile

    from .core.discovery import discover
    from .core.logset import files_from_tree
    from .core.remote import start_mirrors

    cache = args.mirror_cache = Path(tempfile.mkdtemp(prefix="ostui-nodes-"))
    args.mirrors = start_mirrors(nodes, cache, parse_size(str(getattr(args, "backlog", "2M"))))
    for m in args.mirrors:
        if m.node.state != "live":
            print(f"ostui: node {m.node.name} is {m.node.state}: {m.node.reason}", file=sys.stderr)
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
        from .journals import stop_journals

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
    summary = scan_summary(files)
    summary["skipped"] = [{"path": p, "reason": r} for p, r in tree.skipped]
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
    return 0 if story.entries else 1


# Labels of the explain and faults output; fault texts themselves are English only.
_LABELS = {
    "en": {
        "meaning": "Meaning",
        "first": "First step",
        "known": "Known faults",
        "unknown": "Unknown errors",
        "count": "count",
        "fault": "fault",
        "where": "nodes / components",
        "last": "last seen",
        "signature": "signature",
        "none": "No ERROR or CRITICAL records.",
        "records": "error records",
    },
    "zh": {
        "meaning": "含义",
        "first": "第一步",
        "known": "已知故障",
        "unknown": "未知错误",
        "count": "次数",
        "fault": "故障",
        "where": "节点 / 组件",
        "last": "最后出现",
        "signature": "特征",
        "none": "没有 ERROR 或 CRITICAL 级别的记录。",
        "records": "条错误记录",
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


def _print_fault(fault: Any, attribution: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    console.print(f"[bold]{escape(fault.title)}[/]  [dim]{escape(fault.id)} ({escape(fault.pack)})[/]")
    if fault.cause:
        console.print(f"\n[bold]Cause[/]\n{escape(fault.cause)}")
    if fault.fix:
        console.print("\n[bold]Fix[/]")
        for n, step in enumerate(fault.fix, 1):
            console.print(f"  {n}. {escape(step)}")
    for label, items in (("Bugs", fault.bugs), ("Releases", fault.releases), ("Links", fault.links)):
        if items:
            console.print(f"\n[bold]{label}[/]: " + escape(", ".join(items)))
    if attribution:
        console.print(f"\n[dim]{escape(attribution)}[/]")


def _print_faults(summary: Any, lang: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    words = _LABELS[lang]
    console = Console()
    if not summary.records:
        console.print(words["none"])
        return
    console.print(f"[bold]{summary.records}[/] {words['records']}, {summary.files} files")

    def when(group: Any) -> str:
        return group.last_seen.strftime("%Y-%m-%d %H:%M:%S") if group.last_seen else "-"

    def where(group: Any) -> str:
        return f"{', '.join(sorted(group.nodes))} / {', '.join(sorted(group.components))}"

    if summary.known:
        table = Table(title=words["known"], title_justify="left", expand=True)
        table.add_column(words["count"], justify="right", no_wrap=True)
        table.add_column(words["fault"], ratio=3)
        table.add_column(words["where"], ratio=2)
        table.add_column(words["last"], no_wrap=True)
        for group in summary.known:
            first = f"\n[dim]1. {escape(group.fault.fix[0])}[/]" if group.fault and group.fault.fix else ""
            name = f"[bold]{escape(group.title)}[/] [dim]{escape(group.key)}[/]{first}"
            table.add_row(str(group.count), name, escape(where(group)), when(group))
        console.print(table)
    if summary.unknown:
        table = Table(title=words["unknown"], title_justify="left", expand=True)
        table.add_column(words["count"], justify="right", no_wrap=True)
        table.add_column(words["signature"], ratio=3)
        table.add_column(words["where"], ratio=2)
        table.add_column(words["last"], no_wrap=True)
        for group in summary.unknown:
            table.add_row(str(group.count), escape(group.key), escape(where(group)), when(group))
        console.print(table)


def cmd_explain(args: argparse.Namespace) -> int:
    from .core.knowledge import explain_status, load_faults, pick_lang

    lang = pick_lang(args.lang)
    subject = args.subject.strip()
    if subject.isdigit():
        explanation = explain_status(int(subject), lang)
        if explanation is None:
            print(f"ostui explain: {subject} is not an HTTP status (100-599)", file=sys.stderr)
            return 2
        _print_status(explanation)
        return 0
    pack = load_faults()
    fault = pack.get(subject)
    if fault is None:
        print(f"ostui explain: {subject!r} is neither an HTTP status nor a known fault id", file=sys.stderr)
        return 2
    info = pack.pack_info(fault.pack)
    _print_fault(fault, info.attribution if info else "")
    return 0


def cmd_faults(args: argparse.Namespace) -> int:
    from .core.knowledge import FaultMatcher, load_faults, pick_lang, summarize_faults
    from .core.logset import open_files

    files, tree = select_files(args, sys.stdout)
    if not files:
        print(nothing_found(tree), file=sys.stderr)
        return 2
    open_files(files, args.fmt, times=True)
    pack = load_faults()
    for message in pack.errors:
        print(f"ostui: {message}", file=sys.stderr)
    summary = summarize_faults(files, FaultMatcher(pack))
    summary.errors = list(pack.errors)
    if args.json:
        sys.stdout.write(json_text(summary.to_dict(), indent=1) + "\n")
        return 0
    _print_faults(summary, pick_lang(args.lang))
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
        from .tui import run_app

        return run_app(args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        stop_mirrors(args)
