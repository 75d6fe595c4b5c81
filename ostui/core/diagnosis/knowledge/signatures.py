"""Signatures of unknown errors: one group per fault, however many devices, hosts and ids.

A signature is the error's exception type (the last exception of its traceback, or the
exception class the message names) and its message with every variable part masked.
A failed command (`ProcessExecutionError`, `Command: ...`) is named by what tells such
failures apart: the program and its subcommand, the exit code and the stderr, never the
device or namespace it was run on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...model import Record

_HEX = r"[0-9a-fA-F]"
_UUID = rf"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
# Kernel devices and namespaces neutron and nova create per port, router or network.
_DEVICE = (
    r"(?<![\w-])(?:qg|qr|ha|sg|fg|rfp|fpr|qvo|qvb|qbr|qvm|tap|vxlan|gre|gnv|geneve|vhu|"
    r"qrouter|qdhcp|snat|fip|ovnmeta|o-hm)-?(?=[0-9a-fA-F-]*\d)[0-9a-fA-F][0-9a-fA-F-]+(?![\w-])"
)
_MASKS: list[tuple[re.Pattern[str], str]] = [
    # Stamps first: their parts would otherwise become a row of <n>.
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
        ),
        "<time>",
    ),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    (re.compile(r"\b[a-zA-Z][\w+.-]*://[^\s'\"<>)\]]+"), "<url>"),
    (re.compile(rf"\breq-{_UUID}\b"), "<req>"),
    (re.compile(_DEVICE), "<dev>"),
    (re.compile(rf"\b{_UUID}\b"), "<uuid>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"), "<ip>"),
    # IPv6 needs "::" or eight groups, so clock times (21:49:30) stay numbers.
    (
        re.compile(
            rf"(?<![\w:])(?:(?:{_HEX}{{1,4}}:){{7}}{_HEX}{{1,4}}"
            rf"|(?:{_HEX}{{1,4}}:){{0,6}}(?::{_HEX}{{1,4}}){{1,7}}|(?:{_HEX}{{1,4}}:){{1,7}}:)(?![\w:])"
        ),
        "<ip>",
    ),
    (re.compile(r"(?<![\w/.~-])(?:~|\.{1,2})?/[\w.@%+=,~-]+(?:/[\w.@%+=,~-]*)*"), "<path>"),
    # Host names: Juju machines, names with a digit and two dots, and the word after "host".
    (re.compile(r"\bjuju-[0-9a-f]{6}-\d+(?:-lxd-\d+)?\b"), "<host>"),
    (re.compile(r"(?<![\w.<])[a-z][\w-]*\d[\w-]*(?:\.[a-z][\w-]*){2,}(?![\w.])"), "<host>"),
    (re.compile(r"\b((?:[Hh]ost|node|hostname|chassis)[ =:]+)(?!<)[A-Za-z][\w-]*(?:\.[\w-]+)*"), r"\1<host>"),
    (re.compile(rf"\b0x{_HEX}+\b"), "<hex>"),
    (re.compile(rf"\b(?={_HEX}*\d){_HEX}{{8,}}\b"), "<hex>"),
    # Errno values name the failure (111 ECONNREFUSED), so they stay.
    (re.compile(r"(?<![\w.])(?<!Errno )-?\d+(?:\.\d+)*\b"), "<n>"),
]
# A quoted value is masked unless it is a plain name ('no_track', 'sb_idl'), which says
# what failed rather than which thing did.
_QUOTED_RE = re.compile(r"""(?<!\w)(['"])([^'"\n]{0,400}?)\1(?!\w)""")
_PLAIN_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z_.-]{0,40}\Z|<\w+>\Z")
_SPACE_RE = re.compile(r"\s+")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SIGNATURE_LIMIT = 200
_PACKAGE_DIRS = ("site-packages/", "dist-packages/")


def _mask_quoted(m: re.Match[str]) -> str:
    quote, inner = m.group(1), m.group(2)
    return m.group(0) if _PLAIN_NAME_RE.match(inner) else f"{quote}<v>{quote}"


def mask_variables(text: str) -> str:
    """Text with ids, uuids, devices, hosts, hex, numbers, IPs, URLs, paths and quoted
    values replaced by placeholders."""
    text = _ANSI_RE.sub("", text)
    for pattern, placeholder in _MASKS:
        text = pattern.sub(placeholder, text)
    text = _QUOTED_RE.sub(_mask_quoted, text)
    return _SPACE_RE.sub(" ", text).strip()


def clip(text: str, limit: int = SIGNATURE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True, slots=True)
class ErrorShape:
    """What an unknown error is, independent of where and when it happened."""

    key: str  # groups the occurrences: the title, clipped
    title: str  # "ProcessExecutionError: ip link delete failed (exit 2): RTNETLINK answers: ..."
    exc_type: str  # short exception name, "" when the record names none
    module: str  # the exception's module, else the innermost OpenStack frame's, else the logger


# --- finding the exception --------------------------------------------------------------

_EXC_NAME = r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Failure|Fault|Timeout|NotFound|Conflict|Invalid|Exists|Unavailable|Refused|Denied|Exit|Remote)\w*"  # noqa: E501
# "...: oslo_concurrency.processutils.ProcessExecutionError: Unexpected error ..." in a message.
_LOGGED_EXC_RE = re.compile(rf"(?<![\w.])({_EXC_NAME})(?:: ?|$)")
# The last element of a traceback logged as a Python list: [..., 'NetworkNotFound: ...\n']
_LISTED_EXC_RE = re.compile(rf"'({_EXC_NAME}): ((?:[^'\\]|\\.)*?)(?:\\n)?'\]\s*$")


def _split_type(dotted: str) -> tuple[str, str]:
    """(short name, module) of `nova.exception_Remote.ComputeHostNotFound_Remote`."""
    module, _, name = dotted.rpartition(".")
    return name.removesuffix("_Remote"), module.removesuffix("_Remote")


def _frame_module(rec: Record) -> str:
    from ...parsing.tracebacks import innermost_openstack_frame

    tb = rec.traceback
    if tb is None:
        return ""
    frame = innermost_openstack_frame(tb) or (tb.frames[-1] if tb.frames else None)
    if frame is None:
        return ""
    path = frame.path.replace("\\", "/")
    for marker in _PACKAGE_DIRS:
        cut = path.rfind(marker)
        if cut >= 0:
            path = path[cut + len(marker) :]
            break
    else:
        path = "/".join(path.split("/")[-3:])
    return path.removesuffix(".py").replace("/", ".")


def first_line(rec: Record) -> str:
    """The record's message, or its first non-blank continuation line when the head is empty."""
    line = rec.headline()[0].strip()
    if line:
        return line
    return rec.text.split("\n", 1)[0].strip() if rec.text else ""


def _exception(rec: Record) -> tuple[str, str]:
    """(dotted exception type, its message's first line); ("", "") when the record names none."""
    tb = rec.traceback
    if tb is not None and tb.sections and tb.exc_type:
        return tb.exc_type, tb.exc_message.strip().split("\n", 1)[0]
    head = first_line(rec)
    listed = _LISTED_EXC_RE.search(head)
    if listed is not None:
        return listed.group(1), listed.group(2)
    # The last one named: "Error updating ...: X: Unexpected error" is an X.
    named = list(_LOGGED_EXC_RE.finditer(head))
    if named:
        return named[-1].group(1), head[named[-1].end() :]
    return "", ""


# --- failed commands ----------------------------------------------------------------------

_COMMAND_RE = re.compile(r"\bCommand: *(.*)")
_EXIT_RE = re.compile(r"\bExit code: *(-?\d+)")
_STDERR_RE = re.compile(r"\bStderr: *(.*)")
_LIST_ITEM_RE = re.compile(r"'((?:[^'\\]|\\.)*)'")
_WORD_RE = re.compile(r"[a-z][a-z0-9_-]*\Z")
_WRAPPERS = frozenset({"sudo", "env", "nice", "ionice", "timeout", "privsep-helper", "stdbuf"})


def _command_words(command: str) -> list[str]:
    command = command.strip()
    if command.startswith("["):
        return _LIST_ITEM_RE.findall(command)
    return command.split()


def _program(words: list[str]) -> str:
    """`ip link delete` of `sudo neutron-rootwrap /etc/neutron/rootwrap.conf ip netns exec
    qrouter-<id> ip link delete qg-<id>`: wrappers, namespaces, options and values dropped."""
    i = 0
    while i < len(words):
        word = words[i].rsplit("/", 1)[-1]
        if word in _WRAPPERS or "=" in word or word.endswith(".conf") or word.endswith("-rootwrap"):
            i += 1
        elif word == "ip" and words[i + 1 : i + 3] == ["netns", "exec"]:
            i += 4  # ip netns exec <namespace> <command...>
        elif word.startswith("-") or word.isdigit():
            i += 1  # an option of a wrapper (timeout -s 9 10, ionice -c3)
        else:
            break
    if i >= len(words):
        return ""
    parts = [words[i].rsplit("/", 1)[-1]]
    for word in words[i + 1 :]:
        if len(parts) == 3:
            break
        if word.startswith("-"):
            if len(parts) > 1:
                break  # options after the subcommand: their values are no subcommand
            continue
        if not _WORD_RE.match(word) or mask_variables(word) != word:
            break
        parts.append(word)
    return " ".join(parts)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
        value = value[1:-1]
    value = value.replace("\\n", "\n").replace("\\'", "'").strip()
    return value.split("\n", 1)[0] if value else ""


_LEADING_PLACEHOLDERS_RE = re.compile(r"^(?:<\w+>[\s:,]*)+")


def _command_title(text: str, short: str) -> str | None:
    command = _COMMAND_RE.search(text)
    stderr = _STDERR_RE.search(text)
    if command is None and stderr is None:
        return None
    program = _program(_command_words(command.group(1))) if command is not None else ""
    exit_code = _EXIT_RE.search(text)
    err = _unquote(stderr.group(1)) if stderr is not None else ""
    # A stderr line starts with the tool's own stamp and thread id: noise for a title.
    err = _LEADING_PLACEHOLDERS_RE.sub("", mask_variables(err))
    title = f"{short or 'Command'}: " + (f"{program} failed" if program else "a command failed")
    if exit_code is not None:
        title += f" (exit {exit_code.group(1)})"
    if err:
        title += f": {clip(err, 140)}"
    return title


def error_shape(rec: Record) -> ErrorShape:
    """The signature of `rec`: its exception and masked message, or its failed command."""
    dotted, message = _exception(rec)
    short, module = _split_type(dotted) if dotted else ("", "")
    module = module or _frame_module(rec) or (rec.logger or "")
    title = None
    if short == "ProcessExecutionError" or "Command: " in rec.text:
        # neutron's own command runner logs the failure without naming an exception: it is
        # the same ProcessExecutionError, and must group with the traceback form.
        if not short and _EXIT_RE.search(rec.text):
            short, module = "ProcessExecutionError", module or "neutron.agent.linux.utils"
        title = _command_title(rec.text, short)
    if title is None:
        template = mask_variables(message if short else first_line(rec))
        title = f"{short}: {template}" if short and template else short or template or "(empty message)"
    return ErrorShape(key=clip(title), title=title, exc_type=short, module=module)


def error_signature(rec: Record) -> str:
    """A key that groups occurrences of the same error across requests, hosts and times."""
    return error_shape(rec).key
