"""The `ostui` command: the browser by default, and headless commands for scripts.

ostui [PATH...] [--root DIR | --demo]        the browser
ostui scan [PATH...] [--root DIR] [--json]   what every file holds
ostui request ID [PATH...] [--root DIR]      one request's story across files
ostui nodes [PATH...]                        the other nodes these logs name, as nodes.toml
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .core.i18n import _, catalogue, language, set_language
from .core.textsafe import json_text, visible

if TYPE_CHECKING:
    from .core.config import Config
    from .session import Session

COMMANDS = ("scan", "request", "faults", "explain", "nodes", "timeline", "instance")


def _add_sources(p: argparse.ArgumentParser) -> None:
    _add_lang(p)
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help=_("log files or folders"))
    p.add_argument(
        "--root",
        type=Path,
        help=_("collected logs: one folder per node (DIR/<node>/var/log/...)"),
    )
    p.add_argument("--demo", action="store_true", help=_("the built-in demo logs (the seed case)"))
    p.add_argument("--format", dest="fmt", metavar="NAME", help=_("force a format instead of sniffing it"))
    p.add_argument(
        "--node",
        dest="nodes",
        action="append",
        metavar="[NAME=]TARGET",
        help=_("another node over ssh (as ssh takes it: host, user@host, a Host of ~/.ssh/config)"),
    )
    p.add_argument(
        "--inventory",
        type=Path,
        metavar="FILE",
        help=_("nodes file (default ~/.config/ostui/nodes.toml when it exists)"),
    )
    p.add_argument(
        "--backlog", metavar="SIZE", help=_("bytes per remote file fetched at first (the settings', else 2M)")
    )
    p.add_argument(
        "--store",
        dest="stores",
        action="append",
        metavar="PATTERN",
        help=_(
            "a central log store, one node per host: an rsyslog tree (DIR/<host>/..., or a path "
            "with {host} in it, e.g. /srv/logs/{host}/openstack)"
        ),
    )
    p.add_argument(
        "--journal",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=_(
            "read services that log only to the journal (this host's, the nodes', journal-remote "
            "stores given to --store) through journalctl (default: on)"
        ),
    )
    p.add_argument(
        "--journal-backlog",
        type=int,
        default=5000,
        metavar="N",
        help=_("journal entries fetched at first, per journal (5000)"),
    )
    p.add_argument(
        "--discover-nodes",
        action="store_true",
        help=_("also follow, over ssh, the nodes this host's logs name (nova-compute and agent hosts)"),
    )
    p.add_argument(
        "--client-debug",
        dest="client_debug",
        type=Path,
        action="append",
        metavar="FILE",
        help=_("a `nova/openstack --debug` transcript, shown as the node `client`"),
    )


def _add_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lang", metavar="LANG", help=_("en or zh (zh_CN); default: from LC_ALL / LC_MESSAGES / LANG")
    )


def build_timeline_parser() -> argparse.ArgumentParser:
    from .core.stream.timeline import GROUPINGS, ZOOMS

    p = argparse.ArgumentParser(
        prog="ostui timeline",
        description=_(
            "Records per level over time (the counts equal what `scan` counts for the same files)."
        ),
    )
    _add_sources(p)
    p.add_argument(
        "--bucket",
        default="1m",
        metavar="WIDTH",
        help=_("bucket width: {widths} (1m)", widths=", ".join(z.label for z in ZOOMS)),
    )
    p.add_argument("--by", choices=GROUPINGS, help=_("also count per node, component or producer"))
    p.add_argument("--json", action="store_true", help=_("print one JSON document"))
    return p


def build_instance_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ostui instance",
        description=_(
            "Every request that touched an instance, port, volume or image, across services "
            "and nodes, with the records that tie each request to it."
        ),
    )
    p.add_argument("uuid", metavar="UUID", help=_("the resource's UUID"))
    _add_sources(p)
    p.add_argument("--json", action="store_true", help=_("print one JSON document"))
    return p


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The parser of `command` (None: the browser), its help ending with the exit statuses."""
    p = _command_parser(command)
    statuses = _(
        "exit status: 0 found; 1 nothing matched (request, instance, nodes); 2 bad input, or "
        "no log found or readable; 3 named nodes did not answer; 130 interrupted."
    )
    p.epilog = f"{p.epilog}. {statuses}" if p.epilog else statuses
    return p


def _command_parser(command: str | None) -> argparse.ArgumentParser:
    if command == "timeline":
        return build_timeline_parser()
    if command == "instance":
        return build_instance_parser()
    if command == "faults":
        p = argparse.ArgumentParser(
            prog="ostui faults",
            description=_("Match every ERROR/CRITICAL record against the known faults; group the rest."),
        )
        _add_sources(p)
        p.add_argument("--json", action="store_true", help=_("print one JSON document"))
        return p
    if command == "explain":
        p = argparse.ArgumentParser(
            prog="ostui explain",
            description=_("What an HTTP status means in an OpenStack cloud, or what a known fault is."),
        )
        p.add_argument(
            "subject",
            metavar="CODE|FAULT",
            help=_("an HTTP status code (e.g. 503) or a fault id"),
        )
        p.add_argument("--json", action="store_true", help=_("print one JSON document"))
        _add_lang(p)
        return p
    if command == "nodes":
        p = argparse.ArgumentParser(
            prog="ostui nodes",
            description=_(
                "The deployment's other nodes, as the logs name them (nova-compute, agent "
                "and volume hosts), printed as a nodes.toml to save in ~/.config/ostui/."
            ),
        )
        _add_sources(p)
        return p
    if command == "scan":
        p = argparse.ArgumentParser(prog="ostui scan", description=_("Index logs and count what they hold."))
        _add_sources(p)
        p.add_argument("--json", action="store_true", help=_("print one JSON document"))
        return p
    if command == "request":
        p = argparse.ArgumentParser(
            prog="ostui request",
            description=_("One request's story across all files."),
        )
        p.add_argument("request_id", metavar="ID", help=_("req-<uuid>, a bare uuid, or a swift tx id"))
        _add_sources(p)
        p.add_argument("--json", action="store_true", help=_("print one JSON document"))
        return p
    p = argparse.ArgumentParser(
        prog="ostui",
        description=_("A terminal log browser for OpenStack operators."),
        epilog=_(
            "headless commands: ostui scan --help, ostui request --help, ostui faults --help, "
            "ostui explain --help, ostui nodes --help"
        ),
    )
    _add_sources(p)
    p.add_argument("--level", help=_("initial level filter (e.g. ERROR shows ERROR and above)"))
    p.add_argument("--grep", help=_("initial text filter (a regular expression)"))
    p.add_argument("--request", metavar="ID", help=_("open with this request id selected"))
    p.add_argument("--since", help=_("show records from this time (2016-06-10 21:49)"))
    p.add_argument("--until", help=_("show records up to this time"))
    p.add_argument(
        "--follow",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=_("follow the files as they grow (default: on for this host and FILEs, off for --root)"),
    )
    p.add_argument(
        "--max-records",
        type=_record_count,
        metavar="N",
        help=_(
            "while following, hold at most N records in memory; older ones stay on disk and "
            "O reads them back (default 5,000,000; 0: no bound)"
        ),
    )
    p.add_argument(
        "--theme", choices=("dark", "light"), help=_("colour theme (default: the settings file's, else dark)")
    )
    p.add_argument(
        "--version",
        action="version",
        version=f"ostui {__version__}",
        help=_("show program's version number and exit"),
    )
    return p


def _record_count(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(_("a count of records (0 or more): {text!r}", text=text))
    return value


INCOMPLETE_NODES = 3  # exit status of a headless command when named nodes did not sync


def cmd_scan(args: argparse.Namespace, session: Session) -> int:
    from .commands_views import selected
    from .core.indexing.logset import open_files
    from .core.indexing.scan import scan_summary

    files = selected(session)
    if not files:
        return 2
    from .core.indexing.parallel import build_files

    open_files(files, session.options.fmt, times=False, build=False)
    build_files(files)
    summary = scan_summary(files, session.tree.skipped)  # skipped are listed and counted as unreadable
    if args.json:
        sys.stdout.write(json_text(summary, indent=1) + "\n")
        return 0
    from .render import print_scan

    print_scan(summary)
    return 0


def cmd_request(args: argparse.Namespace, session: Session) -> int:
    from .commands_views import selected
    from .core.indexing.logset import open_files
    from .core.stream.requests import search_request

    files = selected(session)
    if not files:
        return 2
    open_files(files, session.options.fmt, times=False, build=False)
    from .core.indexing.records import exact_text

    # JSON carries the exact text (its encoder escapes it); plain output is gated.
    with exact_text() if args.json else nullcontext():
        story = search_request([f for f in files if f.index is not None], args.request_id)
    if args.json:
        from .core.stream.export import story_to_dict

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

    from .render import plain_console

    words = _LABELS[lang]
    console = plain_console(fold=False)  # the terminal wraps a long line
    console.print(Text(doc["title"], style="bold") + Text(f"  {doc['id']} ({doc['pack']})", style="dim"))
    for line in _fault_lines(doc, words):
        console.print(line)
    if doc.get("attribution"):
        console.print(Text(doc["attribution"], style="dim"))


def _print_faults(summary: Any, lang: str, attributions: dict[str, str]) -> None:
    from rich.text import Text

    from .core.diagnosis.knowledge import fault_dict
    from .core.strip import strip_shapes
    from .render import plain_console

    words = _LABELS[lang]
    console = plain_console(fold=False)  # the terminal wraps a long line
    if not summary.records:
        console.print(words["none"])
        return
    console.print(f"{summary.severe} {words['records']}, {summary.files} {words['files']}")

    window = summary.window()

    def seen(group: Any) -> str:
        stamps = [s.strftime("%Y-%m-%d %H:%M:%S") for s in (group.first_seen, group.last_seen) if s]
        when = " -> ".join(dict.fromkeys(stamps)) or "-"
        # where in the whole window it happened, beside the other groups
        return f"{when} [{strip_shapes(group.strip(window))}]" if stamps and window else when

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
    from .core.diagnosis.knowledge import explain_status, fault_dict, load_faults

    lang = language()  # as choose_language chose it: --lang, the settings file, the locale
    subject = args.subject.strip()
    if subject.isdigit():
        explanation = explain_status(int(subject), lang)
        if explanation is None:
            print(
                _("ostui explain: {subject} is not an HTTP status (100-599)", subject=subject),
                file=sys.stderr,
            )
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
        message = _(
            "ostui explain: {subject} is neither an HTTP status nor a known fault id", subject=repr(subject)
        )
        print(message, file=sys.stderr)
        return 2
    info = pack.pack_info(fault.pack)
    doc = fault_dict(fault, lang, info.attribution if info else "")
    if args.json:
        sys.stdout.write(json_text(doc) + "\n")
    else:
        _print_fault(doc, lang)
    return 0


def cmd_faults(args: argparse.Namespace, session: Session) -> int:
    from .commands_views import selected
    from .core.diagnosis.knowledge import (
        FaultMatcher,
        find_installed,
        load_faults,
        summarize_faults,
    )
    from .core.indexing.logset import open_files

    files = selected(session)
    if not files:
        return 2
    from .core.indexing.parallel import build_files

    # Indexed as `scan` indexes (time keys are read only for the records grouped), and the
    # records classified in worker processes: faults cost little more than scan.
    open_files(files, session.options.fmt, times=False, build=False)
    build_files(files)
    pack = load_faults()
    for message in pack.errors:
        print(f"ostui: {message}", file=sys.stderr)
    lang = language()  # the one choice: --lang, the settings file, the locale
    # Package lists are read only from inside the tree given: never from this host.
    installed = find_installed([args.root]) if args.root is not None else None
    summary = summarize_faults(files, FaultMatcher(pack), installed, lang, workers=None)  # every core
    summary.errors = list(pack.errors)
    attributions = {info.name: info.attribution for info in pack.packs}
    if args.json:
        sys.stdout.write(json_text(summary.to_dict(lang, attributions), indent=1) + "\n")
        return 0
    _print_faults(summary, lang, attributions)
    return 0


def cmd_nodes(args: argparse.Namespace, session: Session) -> int:
    from .commands_views import selected
    from .core.live.node_hints import find_node_hints, format_inventory
    from .session.sources import remote_nodes

    files = selected(session)
    if not files:
        return 2
    for lf in files:
        lf.open()
    known = {n.name for n in remote_nodes(session.options)}
    hints = find_node_hints([lf for lf in files if lf.index is not None], exclude=known)
    if not hints:
        print(_("ostui: these logs name no other node"), file=sys.stderr)
        return 1
    sys.stdout.write(format_inventory(hints))
    return 0


def run() -> int:
    """The console script: `main` in a process of its own."""
    from .core.memory import share_one_heap

    keep_openssl_out()
    share_one_heap()
    return main()


def keep_openssl_out() -> None:
    """asyncio imports `ssl` for TLS transports and `hashlib` its OpenSSL hashes; ostui opens
    no TLS and hashes with Python's own blake2, so OpenSSL's library (4-5 MiB resident)
    is never needed. Marked absent, both fall back as they do where Python is built
    without it. Only in a process of ostui's own: one that has them already keeps them."""
    for name in ("ssl", "_hashlib"):
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    argv = _command_first(list(sys.argv[1:] if argv is None else argv))
    command = argv[0] if argv and argv[0] in COMMANDS else None
    from .core.config import load_config

    config = load_config()  # read once: the language now, the session's defaults later
    choose_language(argv, config)
    parser = build_parser(command)
    # parse_intermixed_args cuts the usage line's first 7 characters, as if every language
    # said "usage: " (Chinese says 用法：); it keeps a usage that is already set.
    parser.usage = parser.format_usage().removeprefix(_argparse_words("usage: ")).rstrip("\n")
    # Options before or after the positional arguments, as operators type them.
    args = parser.parse_intermixed_args(argv[1:] if command else argv)
    try:
        # explain reads no logs: no session, and none of the engine imported
        return cmd_explain(args) if command == "explain" else in_session(command, args, parser, config)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


def _command_first(argv: list[str]) -> list[str]:
    """`ostui --lang zh scan ...` as `ostui scan --lang zh ...`: the one option that may come
    before the command."""
    if len(argv) >= 3 and argv[0] == "--lang" and argv[2] in COMMANDS:
        return [argv[2], *argv[:2], *argv[3:]]
    if len(argv) >= 2 and argv[0].startswith("--lang=") and argv[1] in COMMANDS:
        return [argv[1], argv[0], *argv[2:]]
    return argv


def choose_language(argv: Sequence[str], config: Config) -> str:
    """The language of help, messages and output, before any parser is built: --lang, else
    the settings file's, else the locale. argparse's own words (usage, options, errors)
    follow it."""
    given = None
    for n, arg in enumerate(argv):
        if arg == "--lang" and n + 1 < len(argv):
            given = argv[n + 1]
        elif arg.startswith("--lang="):
            given = arg.split("=", 1)[1]
    chosen = set_language(given or config.language or "")
    argparse._ = _argparse_words  # type: ignore[attr-defined]  # argparse looks its words up here
    return chosen


def _argparse_words(text: str) -> str:
    return catalogue(language()).get(text, text)


def in_session(
    command: str | None, args: argparse.Namespace, parser: argparse.ArgumentParser, config: Config
) -> int:
    """Run the command over a session built from its arguments (what they leave unsaid, from
    the settings file), closed whatever happens."""
    from .session import NodesError, NodesIncomplete, Options, Session

    options = Options.from_arguments(args, browser=command is None, config=config)
    if options.fmt:
        try:
            options.forced_format()
        except KeyError as exc:
            parser.error(str(exc.args[0]))
    try:
        with ended_by_signals(), Session.open(options) as session:
            return run_command(command, args, session)
    except NodesError as exc:
        print(f"ostui: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except NodesIncomplete:
        raise SystemExit(INCOMPLETE_NODES) from None  # settle() said which nodes, and why


@contextmanager
def ended_by_signals() -> Iterator[None]:
    """A closed terminal (SIGHUP) or a `kill` (SIGTERM) ends the run through the session's
    close, as q does: by default Python would die at once and leave the nodes' mirrors,
    ssh masters and temporary folders behind. The previous handlers come back after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGHUP, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_command(command: str | None, args: argparse.Namespace, session: Session) -> int:
    if command == "scan":
        return cmd_scan(args, session)
    if command == "request":
        return cmd_request(args, session)
    if command == "faults":
        return cmd_faults(args, session)
    if command == "nodes":
        return cmd_nodes(args, session)
    if command in ("timeline", "instance"):
        from . import commands_views

        run = commands_views.cmd_timeline if command == "timeline" else commands_views.cmd_instance
        return run(args, session)
    from .tui import run_app

    return run_app(session)
