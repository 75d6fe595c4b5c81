"""Diagnosis knowledge: HTTP status explanations, known-fault packs and their matcher.

Three parts, all headless:

* `explain_status(code, lang)` reads `ostui/data/http_status.toml` (English and
  Simplified Chinese) and falls back to the status class text for codes it lacks.
* Fault packs are TOML files of `[[fault]]` tables. The shipped ones live in
  `ostui/data/faults/`; users add their own in `$XDG_CONFIG_HOME/ostui/faults.d/`.
  `load_faults()` never raises on a bad file or entry: it records a message naming
  the file and line (or entry) in `pack.errors` and skips what it cannot use.
* `FaultMatcher` matches records against every fault. One combined regular
  expression rejects records that cannot match any fault with a single search,
  because the matcher runs on every ERROR/CRITICAL record while indexing.

`error_signature()` and `summarize_faults()` group the errors no fault explains.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .levels import Level
from .model import Record
from .timekeys import NO_KEY

if TYPE_CHECKING:
    from .logset import LogFile

LANGS = ("en", "zh")

# --------------------------------------------------------------------------------------
# Language choice
# --------------------------------------------------------------------------------------


def _is_zh(value: str) -> bool:
    return value.strip().lower().startswith("zh")


def pick_lang(explicit: str | None = None) -> str:
    """ "zh" or "en": the explicit choice when given, else the locale of the environment.

    The locale variables are read in POSIX order (LC_ALL, LC_MESSAGES, LANG): the first
    one that is set decides, so LC_ALL=C wins over LANG=zh_CN.UTF-8.
    """
    if explicit:
        return "zh" if _is_zh(explicit) else "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if _is_zh(value) else "en"
    return "en"


def _norm_lang(lang: str | None) -> str:
    return "zh" if lang and _is_zh(lang) else "en"


# --------------------------------------------------------------------------------------
# HTTP status explanations
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class StatusExplanation:
    """What an HTTP status means to an OpenStack operator, in one language."""

    code: int
    name: str
    meaning: str
    first_step: str
    lang: str
    family: str


def _read_data(name: str) -> str:
    return resources.files("ostui.data").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def status_table() -> dict[str, Any]:
    """The parsed http_status.toml: {"family": {"4xx": {...}}, "status": {"404": {...}}}."""
    return tomllib.loads(_read_data("http_status.toml"))


def known_statuses() -> list[int]:
    return sorted(int(code) for code in status_table().get("status", {}))


def _localized(entry: dict[str, Any], key: str, lang: str) -> str:
    if lang == "zh":
        text = entry.get(f"{key}_zh")
        if isinstance(text, str) and text:
            return text
    value = entry.get(key, "")
    return value if isinstance(value, str) else ""


def explain_status(code: int, lang: str = "en") -> StatusExplanation | None:
    """The explanation of `code`; a code without its own entry gets its class's text.

    None for numbers outside 100-599, which are not HTTP statuses.
    """
    if not 100 <= code <= 599:
        return None
    lang = _norm_lang(lang)
    table = status_table()
    family = table.get("family", {}).get(f"{code // 100}xx", {})
    family_name = _localized(family, "name", lang)
    entry = table.get("status", {}).get(str(code))
    source = entry if entry is not None else family
    return StatusExplanation(
        code=code,
        name=_localized(source, "name", lang),
        meaning=_localized(source, "meaning", lang),
        first_step=_localized(source, "first_step", lang),
        lang=lang,
        family=family_name,
    )


# --------------------------------------------------------------------------------------
# Fault packs: data model and loader
# --------------------------------------------------------------------------------------


def _default_user_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME")
    root = Path(base) if base else Path.home() / ".config"
    return root / "ostui" / "faults.d"


# A marker, resolved when load_faults() runs so that XDG_CONFIG_HOME set after import counts.
DEFAULT_USER_DIR = Path("~/.config/ostui/faults.d")

SHIPPED_PACKS = ("openstack.toml", "elastic-recheck.toml")
USER_PRIORITY = 0  # user entries rank first: the operator knows their own cloud best
DEFAULT_PRIORITY = 50

_ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
_FAULT_HEADER_RE = re.compile(r"^[ \t]*\[\[[ \t]*fault[ \t]*\]\]", re.MULTILINE)
_TOML_LINE_RE = re.compile(r"at line (\d+)")
_LIST_KEYS = ("any", "all", "none", "regex", "logger", "service")
_MATCH_KEYS = frozenset({*_LIST_KEYS, "exception", "http_status"})
_ENTRY_KEYS = frozenset(
    {
        "id",
        "title",
        "match",
        "cause",
        "fix",
        "links",
        "releases",
        "example",
        "overlaps",
        "bugs",
    }
)
_PACK_KEYS = frozenset({"name", "description", "priority", "attribution", "license", "format", "fault"})


class FaultLoadError(Exception):
    """A fault file or entry that could not be used; `str()` names the file and line or entry."""

    def __init__(self, path: str, message: str, line: int | None = None, entry: str | None = None) -> None:
        self.path = path
        self.line = line
        self.entry = entry
        self.message = message
        where = f"{path}:{line}" if line else path
        what = f" fault {entry}:" if entry else ""
        super().__init__(f"{where}:{what} {message}")


@dataclass(slots=True)
class FaultRule:
    """When a fault matches. Every condition given must hold (see `FaultMatcher`)."""

    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    exception: str | None = None
    logger: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    http_status: int | None = None


@dataclass(slots=True)
class Fault:
    """One known fault: how to recognize it, why it happens and what to do."""

    id: str
    title: str
    match: FaultRule
    cause: str = ""
    fix: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    releases: list[str] = field(default_factory=list)
    example: str = ""
    overlaps: list[str] = field(default_factory=list)
    bugs: list[str] = field(default_factory=list)
    pack: str = ""
    source: str = ""
    line: int | None = None
    priority: int = DEFAULT_PRIORITY


@dataclass(slots=True)
class PackInfo:
    name: str
    source: str
    priority: int
    count: int = 0
    description: str = ""
    attribution: str = ""


@dataclass(slots=True)
class FaultPack:
    """Every fault loaded, in load order, and what could not be loaded."""

    faults: list[Fault] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    packs: list[PackInfo] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.faults)

    def get(self, fault_id: str) -> Fault | None:
        for fault in self.faults:
            if fault.id == fault_id:
                return fault
        return None

    def pack_info(self, name: str) -> PackInfo | None:
        for info in self.packs:
            if info.name == name:
                return info
        return None


def _str_list(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)  # a lone string is a common slip; accept it as a one-item list
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"'{key}' must be a list of strings")
    if any(not v for v in value):
        raise ValueError(f"'{key}' holds an empty string, which would match everything")
    return tuple(value)


def _opt_str(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"'{key}' must be a string")
    return value


def _parse_rule(raw: object) -> FaultRule:
    if not isinstance(raw, dict):
        raise ValueError("'match' must be a table")
    unknown = sorted(set(raw) - _MATCH_KEYS)
    if unknown:
        raise ValueError(f"unknown match key(s): {', '.join(unknown)}")
    lists = {key: _str_list(raw.get(key, []), f"match.{key}") for key in _LIST_KEYS}
    for source in lists["regex"]:
        try:
            re.compile(source)
        except re.error as exc:
            raise ValueError(f"bad regex {source!r}: {exc}") from None
    exception = raw.get("exception")
    if exception is not None and (not isinstance(exception, str) or not exception.strip()):
        raise ValueError("'match.exception' must be a non-empty string")
    status = raw.get("http_status")
    if status is not None and (
        isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599
    ):
        raise ValueError("'match.http_status' must be an integer from 100 to 599")
    if not (lists["any"] or lists["all"] or lists["regex"] or exception):
        raise ValueError("'match' needs at least one of any, all, regex or exception")
    return FaultRule(
        any=lists["any"],
        all=lists["all"],
        none=lists["none"],
        regex=lists["regex"],
        exception=exception.strip() if exception else None,
        logger=lists["logger"],
        service=tuple(s.lower() for s in lists["service"]),
        http_status=status,
    )


def parse_fault(
    entry: object,
    *,
    pack: str = "",
    source: str = "",
    line: int | None = None,
    priority: int = DEFAULT_PRIORITY,
) -> tuple[Fault, list[str]]:
    """A Fault from one `[[fault]]` table and notes on keys it ignored; ValueError when unusable."""
    if not isinstance(entry, dict):
        raise ValueError("a fault must be a table")
    fault_id = entry.get("id")
    if not isinstance(fault_id, str) or not _ID_RE.match(fault_id):
        raise ValueError("'id' must be a lower-case name (letters, digits, '.', '_', '-')")
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("'title' must be a non-empty string")
    if "match" not in entry:
        raise ValueError("'match' is missing")
    rule = _parse_rule(entry["match"])
    notes = [f"unknown key '{key}' ignored" for key in sorted(set(entry) - _ENTRY_KEYS)]
    fault = Fault(
        id=fault_id,
        title=title.strip(),
        match=rule,
        cause=_opt_str(entry, "cause"),
        fix=list(_str_list(entry.get("fix", []), "fix")),
        links=list(_str_list(entry.get("links", []), "links")),
        releases=list(_str_list(entry.get("releases", []), "releases")),
        example=_opt_str(entry, "example"),
        overlaps=list(_str_list(entry.get("overlaps", []), "overlaps")),
        bugs=list(_str_list(entry.get("bugs", []), "bugs")),
        pack=pack,
        source=source,
        line=line,
        priority=priority,
    )
    return fault, notes


def _toml_error(path: str, exc: tomllib.TOMLDecodeError) -> FaultLoadError:
    found = _TOML_LINE_RE.search(str(exc))
    return FaultLoadError(path, f"not valid TOML: {exc}", line=int(found.group(1)) if found else None)


PackParse = tuple[list[Fault], list[str], PackInfo | None]


def parse_pack_text(
    text: str, source: str, *, default_name: str = "", default_priority: int = DEFAULT_PRIORITY
) -> PackParse:
    """Faults of one pack file's text, the messages for what was skipped, and the pack's info."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [], [str(_toml_error(source, exc))], None
    errors: list[str] = []
    name = data.get("name") if isinstance(data.get("name"), str) else default_name
    priority = data.get("priority", default_priority)
    if isinstance(priority, bool) or not isinstance(priority, int):
        errors.append(str(FaultLoadError(source, "'priority' must be an integer; using the default")))
        priority = default_priority
    info = PackInfo(
        name=name or Path(source).stem,
        source=source,
        priority=priority,
        description=data.get("description", "") if isinstance(data.get("description"), str) else "",
        attribution=data.get("attribution", "") if isinstance(data.get("attribution"), str) else "",
    )
    for key in sorted(set(data) - _PACK_KEYS):
        errors.append(str(FaultLoadError(source, f"unknown top-level key '{key}' ignored")))
    entries = data.get("fault", [])
    if not isinstance(entries, list):
        errors.append(str(FaultLoadError(source, "'fault' must be an array of tables ([[fault]])")))
        return [], errors, info
    # tomllib keeps no positions; the n-th [[fault]] header is the n-th entry's line.
    lines = [text.count("\n", 0, m.start()) + 1 for m in _FAULT_HEADER_RE.finditer(text)]
    faults: list[Fault] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        line = lines[n] if len(lines) == len(entries) else None
        label = entry.get("id") if isinstance(entry, dict) and isinstance(entry.get("id"), str) else None
        label = label or f"#{n + 1}"
        try:
            fault, notes = parse_fault(entry, pack=info.name, source=source, line=line, priority=priority)
        except ValueError as exc:
            errors.append(str(FaultLoadError(source, f"{exc}; entry skipped", line=line, entry=label)))
            continue
        errors.extend(str(FaultLoadError(source, note, line=line, entry=label)) for note in notes)
        if fault.id in seen:
            errors.append(
                str(
                    FaultLoadError(source, "duplicate id in this file; entry skipped", line=line, entry=label)
                )
            )
            continue
        seen.add(fault.id)
        faults.append(fault)
    info.count = len(faults)
    return faults, errors, info


def _user_files(directory: Path, errors: list[str]) -> list[Path]:
    try:
        return sorted(p for p in directory.glob("*.toml") if p.is_file())
    except OSError as exc:
        errors.append(str(FaultLoadError(str(directory), f"cannot list: {exc.strerror or exc}")))
        return []


def load_faults(user_dir: Path | None = DEFAULT_USER_DIR) -> FaultPack:
    """The shipped packs, then the user's `*.toml` files (sorted by name).

    A user entry whose id is already loaded replaces the earlier one, so a shipped
    fault can be corrected locally. `user_dir=None` loads the shipped packs only.
    """
    pack = FaultPack()
    by_id: dict[str, int] = {}

    def add(faults: list[Fault], errors: list[str], info: PackInfo | None) -> None:
        pack.errors.extend(errors)
        if info is not None:
            pack.packs.append(info)
        for fault in faults:
            if fault.id in by_id:
                pack.faults[by_id[fault.id]] = fault
            else:
                by_id[fault.id] = len(pack.faults)
                pack.faults.append(fault)

    shipped = resources.files("ostui.data").joinpath("faults")
    for name in SHIPPED_PACKS:
        res = shipped.joinpath(name)
        try:
            text = res.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            pack.errors.append(str(FaultLoadError(f"ostui/data/faults/{name}", f"cannot read: {exc}")))
            continue
        add(*parse_pack_text(text, f"ostui/data/faults/{name}", default_name=Path(name).stem))

    if user_dir is DEFAULT_USER_DIR:
        user_dir = _default_user_dir()
    if user_dir is not None and user_dir.is_dir():
        for path in _user_files(user_dir, pack.errors):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                pack.errors.append(str(FaultLoadError(str(path), f"cannot read: {exc}")))
                continue
            add(*parse_pack_text(text, str(path), default_name=path.stem, default_priority=USER_PRIORITY))
    return pack


# --------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------

MATCH_LIMIT = 512 << 10  # characters of a record searched; huge dumps are cut for speed
_MAX_SPANS = 64  # per record: enough to highlight, bounded on pathological text
_GLOBAL_FLAGS_RE = re.compile(r"\(\?([aiLmsux]+)\)")


@dataclass(slots=True)
class FaultMatch:
    """A fault that matched a record: where (spans in rec.text) and why, in words."""

    fault: Fault
    spans: list[tuple[int, int]]
    why: str
    score: int = 0


def _short_name(exc_type: str) -> str:
    return exc_type.rsplit(".", 1)[-1].removesuffix("_Remote")


def _scoped(source: str) -> str:
    """`source` wrapped for use inside an alternation (leading global flags made local)."""
    flags = _GLOBAL_FLAGS_RE.match(source)
    if flags:
        local = flags.group(1).replace("u", "")  # str patterns are unicode anyway
        body = source[flags.end() :]
        return f"(?{local}:{body})" if local else f"(?:{body})"
    return f"(?:{source})"


_META = frozenset(".^$*+?{}[]()|\\")
_QUANTIFIERS = frozenset("*+?{")


def _top_level_bar(source: str) -> bool:
    """Whether `source` has a `|` outside groups and classes (its prefix is then no prefix)."""
    depth, i, in_class = 0, 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if source[i + 1 : i + 2] == "]":
                i += 1  # a "]" right after "[" is a literal member
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


def _literal_prefix(source: str) -> tuple[str, str]:
    """Split a regex into the literal text it must start with and the rest (as regex source).

    prefix + rest is always the original source cut at a token boundary, so the pair can
    sit in a literal trie without changing what the pattern matches.
    """
    if source.startswith("(?") or _top_level_bar(source):
        return "", source
    chars: list[tuple[str, int]] = []  # (literal character, where its token starts)
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            nxt = source[i + 1 : i + 2]
            if not nxt or nxt.isalnum():
                break  # \w, \d, \b, \1 ...: a class, anchor or reference
            chars.append((nxt, i))
            i += 2
            continue
        if ch in _META:
            if ch in _QUANTIFIERS and chars:
                chars.pop()  # the quantifier applies to the last literal: it belongs to the rest
            break
        chars.append((ch, i))
        i += 1
    if not chars:
        return "", source
    last = chars[-1][1]
    end = last + (2 if source[last] == "\\" else 1)
    return "".join(c for c, _ in chars), source[end:]


def _trie_pattern(items: Iterable[tuple[str, str]]) -> str:
    """One regex for many (literal prefix, regex rest) pairs, literals merged into a trie.

    Python's re tries alternatives one by one at every position; sharing prefixes cuts
    the work per position from one test per alternative to about one per distinct letter.
    """
    root: dict[str, Any] = {}
    loose: list[str] = []
    for prefix, rest in items:
        if not prefix:
            loose.append(_scoped(rest))
            continue
        node = root
        for ch in prefix:
            node = node.setdefault(ch, {})
        node.setdefault("", set()).add(rest)

    def emit(node: dict[str, Any]) -> str:
        tails: set[str] = node.get("", set())
        if "" in tails:
            return ""  # the literal alone already matches; longer continuations add nothing
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        alts.extend(f"(?:{tail})" for tail in sorted(tails))
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    parts = ([emit(root)] if root else []) + loose
    return "|".join(parts)


def _exception_pattern(name: str) -> str:
    # The name bare or dotted (oslo_messaging.exceptions.X), oslo.messaging's X_Remote too.
    return rf"(?<![\w.])(?:[A-Za-z_]\w*\.)*{re.escape(_short_name(name))}(?:_Remote)?\b"


class _Compiled:
    """One fault's rule prepared for fast checks."""

    __slots__ = ("any", "exc_re", "exc_short", "fault", "order", "regex", "rule", "triggers", "unsafe")

    def __init__(self, fault: Fault, order: int) -> None:
        self.fault = fault
        self.rule = fault.match
        self.order = order
        self.any = fault.match.any
        self.regex = [re.compile(src) for src in fault.match.regex]
        exc = fault.match.exception
        self.exc_short = _short_name(exc) if exc else None
        self.exc_re = re.compile(_exception_pattern(exc)) if exc else None
        # Text one of which must occur for this fault to match: the prefilter's alternatives,
        # as (literal prefix, regex rest) pairs.
        self.triggers: list[tuple[str, str]]
        if self.any or self.regex:
            self.triggers = [(s, "") for s in self.any] + [_literal_prefix(r.pattern) for r in self.regex]
        elif fault.match.all:
            self.triggers = [(max(fault.match.all, key=len), "")]
        else:
            self.triggers = [("", _exception_pattern(exc or ""))]
        # Numbered groups would be renumbered inside the alternation; such faults skip it.
        self.unsafe = any(r.groups or r.groupindex for r in self.regex)

    def check(
        self, text: str, exc_types: Sequence[str], logger: str | None, source: str | None, status: int | None
    ) -> FaultMatch | None:
        rule = self.rule
        spans: list[tuple[int, int]] = []
        reasons: list[str] = []
        score = 0
        for needle in rule.all:
            pos = text.find(needle)
            if pos < 0:
                return None
            spans.append((pos, pos + len(needle)))
            score += min(len(needle), 80)
        if self.any or self.regex:
            hit = False
            for needle in self.any:
                pos = text.find(needle)
                if pos >= 0:
                    hit = True
                    spans.append((pos, pos + len(needle)))
                    score += min(len(needle), 80)
            for rx in self.regex:
                m = rx.search(text)
                if m is not None:
                    hit = True
                    spans.append(m.span())
                    score += min(m.end() - m.start(), 80)
            if not hit:
                return None
        for needle in rule.none:
            if needle in text:
                return None
        if self.exc_re is not None:
            if any(_short_name(t) == self.exc_short for t in exc_types):
                reasons.append(f"exception {self.exc_short}")
                m = self.exc_re.search(text)
                if m is not None:
                    spans.append(m.span())
            else:
                m = self.exc_re.search(text)
                if m is None:
                    return None
                spans.append(m.span())
                reasons.append(f"mentions {self.exc_short}")
            score += 20
        if rule.logger and logger:
            if not logger.startswith(rule.logger):
                return None
            reasons.append(f"logger {logger}")
            score += 10
        if rule.service and source:
            lowered = source.lower()
            if not any(s in lowered for s in rule.service):
                return None
            score += 10
        if rule.http_status is not None and status is not None:
            if status != rule.http_status:
                return None
            reasons.append(f"HTTP {status}")
            score += 10
        texts = [text[a:b] for a, b in spans[:4] if b > a]
        quoted = ", ".join(repr(t if len(t) <= 60 else t[:57] + "...") for t in texts)
        why = "; ".join(([f"text {quoted}"] if quoted else []) + reasons)
        return FaultMatch(self.fault, _merge_spans(spans), why, score)


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out[:_MAX_SPANS]


def _exception_types(rec: Record) -> list[str]:
    types: list[str] = []
    tbs = [rec.traceback] if rec.traceback is not None else []
    more = rec.extra.get("more_tracebacks")
    if isinstance(more, list):
        tbs.extend(more)
    for tb in tbs:
        for section in getattr(tb, "sections", []):
            if section.exc_type:
                types.append(section.exc_type)
    return types


_BUCKET = 4  # letters of a trigger's start that pick its bucket


class FaultMatcher:
    """Matches records against a pack.

    A fault matches when every condition it gives holds:
    `all` substrings all occur; at least one `any` substring or `regex` occurs (when
    either is given); no `none` substring occurs; `exception` is the type of one of
    the record's tracebacks or is named in the text; `logger` prefixes the record's
    logger; `service` occurs in the record's file path; `http_status` equals the
    record's status. The last three are skipped when the record does not say.
    Substrings are case-sensitive, as log messages are.
    """

    def __init__(self, pack: FaultPack | Iterable[Fault]) -> None:
        faults = pack.faults if isinstance(pack, FaultPack) else list(pack)
        self.faults = faults
        self._rules = [_Compiled(f, n) for n, f in enumerate(faults)]
        self._always = [c for c in self._rules if c.unsafe]
        pattern = _trie_pattern(t for c in self._rules if not c.unsafe for t in c.triggers)
        self._prefilter: re.Pattern[str] | None = re.compile(pattern) if pattern else None
        # Where a trigger may start: every position, overlapping ones too (a lookahead).
        self._starts: re.Pattern[str] | None = re.compile(f"(?=(?:{pattern}))") if pattern else None
        # Which rules a trigger starting at a position belongs to: bucketed by its first
        # letters, so a record that passes the prefilter is checked against a handful of
        # rules, not all of them. Rules with a trigger that has no literal start are
        # always checked once the prefilter passes.
        self._buckets: dict[str, list[tuple[str, int]]] = {}
        self._loose: list[int] = []
        for n, c in enumerate(self._rules):
            if c.unsafe:
                continue
            for prefix, _rest in c.triggers:
                if prefix:
                    self._buckets.setdefault(prefix[:_BUCKET], []).append((prefix, n))
                elif n not in self._loose:
                    self._loose.append(n)

    def __len__(self) -> int:
        return len(self._rules)

    def _run(
        self, text: str, exc_types: Sequence[str], logger: str | None, source: str | None, status: int | None
    ) -> list[FaultMatch]:
        if len(text) > MATCH_LIMIT:
            text = text[:MATCH_LIMIT]
        candidates = self._always
        prefilter, starts = self._prefilter, self._starts
        if starts is not None and prefilter is not None and prefilter.search(text) is not None:
            chosen: set[int] = set(self._loose)
            buckets = self._buckets
            # A trigger repeated all over a traceback is looked up once, not once per place.
            heads = {
                text[p : p + k]
                for p in {m.start() for m in starts.finditer(text)}
                for k in range(1, _BUCKET + 1)
            }
            for head in heads:
                for prefix, n in buckets.get(head, ()):
                    if n not in chosen and prefix in text:
                        chosen.add(n)
            candidates = [*self._always, *(self._rules[n] for n in sorted(chosen))]
        if not candidates:
            return []
        found: list[tuple[int, int, int, FaultMatch]] = []
        for rule in candidates:
            hit = rule.check(text, exc_types, logger, source, status)
            if hit is not None:
                found.append((rule.fault.priority, -hit.score, rule.order, hit))
        found.sort(key=lambda item: item[:3])
        return [item[3] for item in found]

    def match(self, rec: Record) -> list[FaultMatch]:
        """Faults matching the record, best first (pack priority, then how much matched)."""
        status = rec.http.status if rec.http is not None else None
        return self._run(rec.text, _exception_types(rec), rec.logger, rec.source or None, status)

    def match_text(self, text: str, source: str | None = None) -> list[FaultMatch]:
        """Faults matching bare text (no logger or status to check; `source`: the file's path)."""
        return self._run(text, (), None, source, None)


# --------------------------------------------------------------------------------------
# Unknown errors: signatures and the summary of a log set
# --------------------------------------------------------------------------------------

_HEX = r"[0-9a-fA-F]"
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
    (re.compile(rf"\breq-{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\b"), "<req>"),
    (re.compile(rf"\b{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\b"), "<uuid>"),
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
    (re.compile(rf"\b0x{_HEX}+\b"), "<hex>"),
    (re.compile(rf"\b(?={_HEX}*\d){_HEX}{{8,}}\b"), "<hex>"),
    # Errno values name the failure (111 ECONNREFUSED), so they stay.
    (re.compile(r"(?<![\w.])(?<!Errno )-?\d+(?:\.\d+)*\b"), "<n>"),
]
_SPACE_RE = re.compile(r"\s+")
SIGNATURE_LIMIT = 200
_PACKAGE_DIRS = ("site-packages/", "dist-packages/")


def mask_variables(text: str) -> str:
    """Text with ids, uuids, hex, numbers, IPs, URLs and paths replaced by placeholders."""
    for pattern, placeholder in _MASKS:
        text = pattern.sub(placeholder, text)
    return _SPACE_RE.sub(" ", text).strip()


def _short_path(path: str) -> str:
    path = path.replace("\\", "/")
    for marker in _PACKAGE_DIRS:
        cut = path.rfind(marker)
        if cut >= 0:
            return path[cut + len(marker) :]
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[-3:])


def _clip(text: str, limit: int = SIGNATURE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def error_signature(rec: Record) -> str:
    """A key that groups occurrences of the same error across requests, hosts and times.

    With a traceback: the exception type and the innermost OpenStack frame
    (`AttributeError @ glanceclient/v1/images.py:get`); without one: the logger and
    the message with the variable parts masked.
    """
    from .tracebacks import innermost_openstack_frame

    tb = rec.traceback
    if tb is not None and tb.sections and tb.exc_type:
        frame = innermost_openstack_frame(tb) or (tb.frames[-1] if tb.frames else None)
        if frame is not None:
            return _clip(f"{tb.exc_type} @ {_short_path(frame.path)}:{frame.function}")
        return _clip(f"{tb.exc_type}: {mask_variables(tb.exc_message)}")
    return _clip(f"{rec.logger or '?'}: {mask_variables(_first_line(rec))}")


def _first_line(rec: Record) -> str:
    """The record's message, or its first non-blank continuation line when the head is empty."""
    if rec.message.strip():
        return rec.message.strip()
    for line in rec.body:
        if line.strip():
            return line.strip()
    return rec.text.split("\n", 1)[0].strip() if rec.text else ""


@dataclass(slots=True)
class FaultGroup:
    """Occurrences of one known fault or one unknown error signature."""

    key: str  # fault id, or the signature of an unknown error
    title: str
    count: int = 0
    nodes: set[str] = field(default_factory=set)
    components: set[str] = field(default_factory=set)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    newest: tuple[str, int] | None = None  # (file path, record number)
    newest_key: int = NO_KEY
    example: str = ""
    fault: Fault | None = None

    def add(self, rec: Record, lf: LogFile, index: int) -> None:
        self.count += 1
        self.nodes.add(lf.node)
        self.components.add(lf.component)
        stamp = rec.timestamp
        if stamp is not None:
            if self.first_seen is None or stamp < self.first_seen:
                self.first_seen = stamp
            if self.last_seen is None or stamp > self.last_seen:
                self.last_seen = stamp
        # Records without a time only win over others without one (later in the file).
        if self.newest is None or rec.key >= self.newest_key:
            self.newest = (str(lf.path), index)
            self.newest_key = rec.key

    def to_dict(self, known: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"id" if known else "signature": self.key, "title": self.title}
        out.update(
            count=self.count,
            nodes=sorted(self.nodes),
            components=sorted(self.components),
            first_seen=self.first_seen.isoformat() if self.first_seen else None,
            last_seen=self.last_seen.isoformat() if self.last_seen else None,
            newest={"file": self.newest[0], "record": self.newest[1]} if self.newest else None,
        )
        if known and self.fault is not None:
            out["pack"] = self.fault.pack
            out["fix"] = list(self.fault.fix)
        if not known:
            out["example"] = self.example
        return out


@dataclass(slots=True)
class FaultSummary:
    known: list[FaultGroup] = field(default_factory=list)
    unknown: list[FaultGroup] = field(default_factory=list)
    records: int = 0  # ERROR/CRITICAL records scanned; each lands in exactly one group
    files: int = 0
    errors: list[str] = field(default_factory=list)  # fault files that did not load

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "files": self.files,
            "known": [g.to_dict(True) for g in self.known],
            "unknown": [g.to_dict(False) for g in self.unknown],
            "fault_errors": list(self.errors),
        }


# levels[i] is one byte per record; this finds ERROR and above without a Python loop.
_SEVERE_RE = re.compile(b"[\\x%02x-\\xff]" % Level.ERROR)


def summarize_faults(files: Sequence[LogFile], matcher: FaultMatcher | None = None) -> FaultSummary:
    """Every ERROR/CRITICAL record of the indexed files, grouped by its best known fault
    or, when none matches, by `error_signature`."""
    from .records import parse_record

    if matcher is None:
        pack = load_faults()
        matcher = FaultMatcher(pack)
        errors = list(pack.errors)
    else:
        errors = []
    known: dict[str, FaultGroup] = {}
    unknown: dict[str, FaultGroup] = {}
    summary = FaultSummary(errors=errors)
    for lf in files:
        idx = lf.index
        if idx is None:
            continue
        summary.files += 1
        for m in _SEVERE_RE.finditer(idx.levels):
            i = m.start()
            rec = parse_record(idx, i)
            summary.records += 1
            hits = matcher.match(rec)
            if hits:
                fault = hits[0].fault
                group = known.get(fault.id)
                if group is None:
                    group = known[fault.id] = FaultGroup(fault.id, fault.title, fault=fault)
            else:
                sig = error_signature(rec)
                group = unknown.get(sig)
                if group is None:
                    example = _clip(_first_line(rec), 300)
                    group = unknown[sig] = FaultGroup(sig, _clip(example, 100), example=example)
            group.add(rec, lf, i)
    summary.known = sorted(known.values(), key=lambda g: (-g.count, g.key))
    summary.unknown = sorted(unknown.values(), key=lambda g: (-g.count, g.key))
    return summary
