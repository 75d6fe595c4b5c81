"""Fault packs: the data model and the loader of shipped and user TOML packs."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ...levels import Level

# --------------------------------------------------------------------------------------
# Fault packs: data model and loader
# --------------------------------------------------------------------------------------


def _default_user_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME")
    root = Path(base) if base else Path.home() / ".config"
    return root / "ostui" / "faults.d"


# A marker, resolved when load_faults() runs so that XDG_CONFIG_HOME set after import counts.
DEFAULT_USER_DIR = Path("~/.config/ostui/faults.d")

SHIPPED_PACKS = ("openstack.toml", "elastic-recheck.toml", "hotsos.toml", "field.toml")
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
        "title_zh",
        "cause_zh",
        "fix_zh",
        "repeat",
        "level",
        "near_misses",
        "fixed_in",
    }
)
# The lowest level a record may have and still count for a fault (`level = "warning"`).
# "any" takes records without a level too (kernel and syslog lines).
_LEVELS = {
    "error": Level.ERROR,
    "warning": Level.WARNING,
    "info": Level.INFO,
    "debug": Level.DEBUG,
    "any": Level.UNKNOWN,
}
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


@dataclass(frozen=True, slots=True)
class Repeat:
    """A fault that counts only when it repeats: `count` times within `hours` on one node."""

    count: int
    hours: float | None = None  # None: `count` times in the whole log set

    def describe(self, lang: str = "en") -> str:
        if lang == "zh":
            window = f"在 {self.hours:g} 小时内" if self.hours else ""
            return f"同一节点{window}出现至少 {self.count} 次才算此故障"
        window = f" within {self.hours:g} h" if self.hours else ""
        return f"counts only at {self.count} or more{window} on one node"


@dataclass(frozen=True, slots=True)
class FixedVersion:
    """The package version that fixes a fault (Debian or RPM version string)."""

    package: str
    version: str


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
    title_zh: str = ""
    cause_zh: str = ""
    fix_zh: list[str] = field(default_factory=list)
    repeat: Repeat | None = None
    level: Level = Level.ERROR
    near_misses: list[str] = field(default_factory=list)
    fixed_in: list[FixedVersion] = field(default_factory=list)

    def text(self, lang: str = "en") -> tuple[str, str, list[str]]:
        """(title, cause, fix steps) in `lang`; English where the entry has no translation."""
        if lang == "zh":
            return (self.title_zh or self.title, self.cause_zh or self.cause, list(self.fix_zh or self.fix))
        return self.title, self.cause, list(self.fix)


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


def _parse_repeat(raw: object) -> Repeat | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"count", "hours"}:
        raise ValueError("'repeat' must be a table with 'count' and optionally 'hours'")
    count, hours = raw.get("count"), raw.get("hours")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("'repeat.count' must be a positive integer")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0):
        raise ValueError("'repeat.hours' must be a positive number")
    return Repeat(count, float(hours) if hours is not None else None)


_FIXED_KEYS = ("package", "version")


def _parse_fixed_in(raw: object) -> list[FixedVersion]:
    if not isinstance(raw, list):
        raise ValueError("'fixed_in' must be a list of {package, version} tables")
    out = []
    for item in raw:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("package", "version")
        ):
            raise ValueError("each 'fixed_in' item needs a 'package' and a 'version' string")
        out.append(FixedVersion(item["package"], item["version"]))
    return out


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
    level_name = entry.get("level", "error")
    if level_name not in _LEVELS:
        raise ValueError("'level' must be one of: " + ", ".join(_LEVELS))
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
        title_zh=_opt_str(entry, "title_zh").strip(),
        cause_zh=_opt_str(entry, "cause_zh"),
        fix_zh=list(_str_list(entry.get("fix_zh", []), "fix_zh")),
        repeat=_parse_repeat(entry.get("repeat")),
        level=_LEVELS[level_name],
        near_misses=list(_str_list(entry.get("near_misses", []), "near_misses")),
        fixed_in=_parse_fixed_in(entry.get("fixed_in", [])),
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
