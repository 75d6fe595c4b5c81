"""Python tracebacks (2 and 3, chained) parsed from lines whose log prefixes were removed.

Log pipelines mangle tracebacks: indentation loses a space or all of it, lines keep a
`\\r`, records get cut off. The parser is tolerant and never raises; when a line is
ambiguous it prefers keeping text in the exception message over dropping it.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence

from ..model import Traceback, TracebackFrame, TracebackSection

TRACEBACK_HEADER = "Traceback (most recent call last):"

CHAIN_SENTENCES: tuple[str, ...] = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)

# `line` is loose and `, in FUNC` optional: py3.11+ prints `line None`, SyntaxError
# frames have no function.
_FRAME_RE = re.compile(r'File "(.+)", line ([^,]+)(?:, in (.+))?')
# No real path or function name comes near this; it bounds regex backtracking on junk.
_MAX_FRAME_LINE = 8192
# py3.11+ position markers under a source line, and SyntaxError's single caret.
_CARET_RE = re.compile(r"\s*[~^][~^\s]*")
_REPEAT_RE = re.compile(r"\s*\[Previous line repeated .*\]")
# `Type`, `Type: message`, dotted types, `<locals>` in qualified names.
_EXC_RE = re.compile(r"([^\W\d][\w.<>]*)(?::\s?(.*))?")
# More digits than this cannot be a line number; int() would also refuse ~4300 digits.
_MAX_LINENO_DIGITS = 9


def _clean(line: str) -> str:
    return line.rstrip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _is_header(line: str) -> bool:
    return TRACEBACK_HEADER in line and line.strip() == TRACEBACK_HEADER


def _chain_sentence(line: str) -> str | None:
    text = line.strip()
    return text if text in CHAIN_SENTENCES else None


def _is_stopper(line: str) -> bool:
    """A line that ends a section: a new header or a chain sentence."""
    text = line.strip()
    return text == TRACEBACK_HEADER or text in CHAIN_SENTENCES


def _is_marker(line: str) -> bool:
    """Caret and `[Previous line repeated ...]` lines: noise between frames."""
    return _CARET_RE.fullmatch(line) is not None or _REPEAT_RE.fullmatch(line) is not None


def _parse_lineno(raw: str) -> int:
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= _MAX_LINENO_DIGITS:
        return int(raw)
    return 0


def _match_frame(line: str) -> TracebackFrame | None:
    text = line.strip()
    if not text.startswith('File "') or len(text) > _MAX_FRAME_LINE:
        return None
    m = _FRAME_RE.fullmatch(text)
    if m is None:
        return None
    return TracebackFrame(m.group(1), _parse_lineno(m.group(2)), m.group(3) or "")


def _split_exception(text: str) -> tuple[str, str]:
    """(type, first message line) of an exception line; ("", text) when it has no type."""
    m = _EXC_RE.fullmatch(text)
    if m is None:
        return "", text
    return m.group(1), m.group(2) or ""


def _looks_like_exception(line: str) -> bool:
    text = line.strip()
    m = _EXC_RE.fullmatch(text)
    # `raise`/`return` alone are source lines, never exception types.
    return m is not None and not keyword.iskeyword(m.group(1))


def _is_unindented_source(lines: Sequence[str], i: int) -> bool:
    """Whether lines[i], at the header's indentation right after a frame, is that frame's
    source line whose indentation a log pipeline stripped, rather than the exception."""
    k = i + 1
    while k < len(lines):
        nxt = _clean(lines[k])
        if nxt and not _is_marker(nxt):
            break
        k += 1
    else:
        return False  # the last line of all is the exception
    nxt = _clean(lines[k])
    if _match_frame(nxt) is not None:
        return True
    if _is_stopper(nxt):
        return False
    return not _looks_like_exception(lines[i]) and _looks_like_exception(nxt)


def _parse_section(lines: Sequence[str], header: int, chain: str | None) -> tuple[TracebackSection, int, int]:
    """Parse the section whose header is lines[header].

    Returns the section, the index where parsing stopped (a stopper line or the end)
    and the exclusive end of its last non-blank line.
    """
    n = len(lines)
    base = _indent(_clean(lines[header]))
    section = TracebackSection(chain=chain)
    pending: TracebackFrame | None = None  # last frame, still without its source line
    end = header + 1
    i = header + 1
    while i < n:
        line = _clean(lines[i])
        if not line:
            i += 1
            continue
        if _is_stopper(line):
            return section, i, end
        frame = _match_frame(line)
        if frame is not None:
            section.frames.append(frame)
            pending = frame
        elif _is_marker(line):
            pass
        elif _indent(line) > base:
            if pending is not None:
                pending.source = line.strip()
                pending = None
            # else: a further line of a multi-line statement (py3.13): the first one is enough
        elif pending is not None and _is_unindented_source(lines, i):
            pending.source = line.strip()
            pending = None
        else:
            break
        end = i + 1
        i += 1
    else:
        return section, i, end  # cut off before the exception line

    exc_type, first = _split_exception(line.strip())
    message = [first]
    end = i + 1
    i += 1
    while i < n:
        line = _clean(lines[i])
        if _is_stopper(line):
            break
        message.append(line)
        if line:
            end = i + 1
        i += 1
    while message and not message[-1].strip():
        message.pop()
    lead = 0  # a bare type's empty first part, and blank lines after it
    while lead < len(message) and not message[lead].strip():
        lead += 1
    section.exc_type = exc_type
    section.exc_message = "\n".join(message[lead:])
    return section, i, end


def _parse_chain(lines: Sequence[str], header: int) -> tuple[Traceback, int]:
    """The whole chain starting at the header lines[header], and its exclusive end."""
    n = len(lines)
    sections: list[TracebackSection] = []
    chain: str | None = None
    while True:
        section, stop, end = _parse_section(lines, header, chain)
        sections.append(section)
        if stop >= n:
            break
        sentence = _chain_sentence(lines[stop])
        if sentence is None:
            break  # a header with no sentence before it starts another traceback
        k = stop + 1
        while k < n and not lines[k].strip():
            k += 1
        if k >= n or not _is_header(lines[k]):
            break  # a dangling sentence belongs to no section
        chain = sentence
        header = k
    return Traceback(sections), end


def parse_traceback(lines: Sequence[str]) -> Traceback | None:
    """The first traceback (with its chain) in `lines`, or None without a header."""
    for i, line in enumerate(lines):
        if _is_header(line):
            return _parse_chain(lines, i)[0]
    return None


def find_tracebacks(lines: Sequence[str]) -> list[tuple[int, int, Traceback]]:
    """Every traceback chain in `lines` as (header index, exclusive end, traceback)."""
    found: list[tuple[int, int, Traceback]] = []
    i = 0
    n = len(lines)
    while i < n:
        if _is_header(lines[i]):
            tb, end = _parse_chain(lines, i)
            found.append((i, end, tb))
            i = end
        else:
            i += 1
    return found


_PROJECTS = frozenset(
    {
        "nova",
        "neutron",
        "cinder",
        "glance",
        "keystone",
        "swift",
        "heat",
        "horizon",
        "placement",
        "ironic",
        "octavia",
        "manila",
        "designate",
        "barbican",
        "magnum",
        "trove",
        "aodh",
        "ceilometer",
        "gnocchi",
        "zun",
        "masakari",
        "watcher",
        "senlin",
        "mistral",
        "zaqar",
        "blazar",
        "cyborg",
        "tacker",
        "vitrage",
        "freezer",
        "murano",
        "sahara",
        "solum",
        "searchlight",
    }
)
_LIBRARIES = frozenset(
    {
        "keystoneauth1",
        "keystonemiddleware",
        "ceilometermiddleware",
        "openstackclient",
        "openstack",
        "os_brick",
        "os_vif",
        "osc_lib",
        "oslo",
        "os_win",
        "os_ken",
        "os_traits",
        "os_resource_classes",
    }
)
# oslo.* libraries, Neutron's networking-* drivers, Horizon's openstack_dashboard.
_PREFIXES = ("oslo_", "oslo.", "networking_", "openstack_")
_PACKAGE_DIRS = frozenset({"site-packages", "dist-packages"})
_PATH_SEP_RE = re.compile(r"[\\/]+")
_STDLIB_DIR_RE = re.compile(r"python\d[\d.]*")


def _is_openstack_package(name: str) -> bool:
    if name in _PROJECTS or name in _LIBRARIES or name.startswith(_PREFIXES):
        return True
    if name.endswith("client") and name[: -len("client")] in _PROJECTS:
        return True
    # Project plugins and libraries: nova_powervm, neutron_lib, glance_store, heat_dashboard.
    head, sep, _ = name.partition("_")
    return bool(sep) and head in _PROJECTS


def is_openstack_frame(frame: TracebackFrame) -> bool:
    """Whether the frame runs OpenStack code (services, oslo, clients) rather than a library."""
    parts = [part for part in _PATH_SEP_RE.split(frame.path) if part]
    for idx in range(len(parts) - 1, -1, -1):
        if parts[idx] in _PACKAGE_DIRS:
            # Only the top-level package says whose code it is: directories above it are
            # deployment layout (/openstack/venvs/nova-22.0.0/), below it a library's own.
            rest = [part for part in parts[idx + 1 :] if not part.endswith(".egg")]
            return bool(rest) and _is_openstack_package(rest[0].removesuffix(".py"))
    if any(_STDLIB_DIR_RE.fullmatch(part) for part in parts):
        return False  # the standard library, even inside /openstack/venvs/nova-x/lib/python3.8/
    # Source checkouts (/opt/stack/nova/nova/...) and relative paths.
    return any(_is_openstack_package(part) for part in parts[:-1])


def innermost_openstack_frame(tb: Traceback) -> TracebackFrame | None:
    """The frame of OpenStack code nearest to where the final exception was raised."""
    if not tb.sections:
        return None
    for frame in reversed(tb.final.frames):
        if is_openstack_frame(frame):
            return frame
    return None


def traceback_text(tb: Traceback) -> str:
    """The traceback as Python prints it, for highlighting and for bug reports."""
    out: list[str] = []
    for section in tb.sections:
        if section.chain:
            out += ["", section.chain, ""]
        out.append("Traceback (most recent call last):")
        for f in section.frames:
            out.append(f'  File "{f.path}", line {f.lineno}, in {f.function}')
            if f.source:
                out.append(f"    {f.source}")
        out.append(f"{section.exc_type}: {section.exc_message}" if section.exc_message else section.exc_type)
    return "\n".join(out)
