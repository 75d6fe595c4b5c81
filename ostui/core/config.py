"""The operator's settings: `$XDG_CONFIG_HOME/ostui/config.toml` (~/.config/ostui/config.toml).

    theme = "light"            # dark or light
    language = "zh"            # en or zh
    backlog = "8M"             # bytes per remote file fetched at first
    tree_width = 40            # columns of the tree pane (0: as wide as its names need)
    detail = "beside"          # where the detail pane sits: auto, beside or below

    [keymap]                   # binding id = keys, as typed (see the help screen's ids)
    "app.next_error" = "]"
    "app.quit" = "q,ctrl+q"

The command line wins over the file; the file wins over the built-in defaults. A file that
cannot be read or has wrong values never stops ostui: what was wrong is in `problems`, and
the rest of the file still counts.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

THEMES = ("dark", "light")
DETAIL_PLACES = ("auto", "beside", "below")
MAX_CONFIG_BYTES = 1 << 20  # a settings file, not a log: more is a mistake


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME")
    root = Path(base) if base else Path.home() / ".config"
    return root / "ostui" / "config.toml"


@dataclass
class Config:
    theme: str | None = None
    language: str | None = None
    backlog: str | None = None
    tree_width: int | None = None
    detail: str = "auto"
    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # what was wrong in the file, said to the user


def _choice(doc: dict[str, object], key: str, allowed: tuple[str, ...], problems: list[str]) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value in allowed:
        return value
    problems.append(f"{key} = {value!r}: expected one of {', '.join(allowed)}")
    return None


def parse_config(text: str, origin: str = "config.toml") -> Config:
    """The settings in `text`; wrong entries are left out and said in `problems`."""
    config = Config()
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        config.problems.append(f"{origin}: {exc}")
        return config
    problems = config.problems
    config.theme = _choice(doc, "theme", THEMES, problems)
    config.detail = _choice(doc, "detail", DETAIL_PLACES, problems) or "auto"
    language = doc.get("language")
    if isinstance(language, str) and language.strip():
        config.language = language.strip()
    elif language is not None:
        problems.append(f"language = {language!r}: expected a name such as en or zh")
    backlog = doc.get("backlog")
    if isinstance(backlog, (str, int)) and not isinstance(backlog, bool) and _is_size(str(backlog)):
        config.backlog = str(backlog)
    elif backlog is not None:
        problems.append(f"backlog = {backlog!r}: expected a size such as 2M")
    width = doc.get("tree_width")
    if isinstance(width, int) and not isinstance(width, bool) and 0 <= width <= 500:
        config.tree_width = width
    elif width is not None:
        problems.append(f"tree_width = {width!r}: expected columns from 0 to 500")
    keymap = doc.get("keymap", {})
    if not isinstance(keymap, dict):
        problems.append("keymap: expected a table of binding id = keys")
        keymap = {}
    for binding_id, keys in keymap.items():
        if isinstance(keys, str) and keys.strip():
            config.keymap[str(binding_id)] = keys
        else:
            problems.append(f'keymap.{binding_id} = {keys!r}: expected keys such as "]" or "ctrl+n"')
    known = {"theme", "language", "backlog", "tree_width", "detail", "keymap"}
    problems.extend(f"{key}: not a setting ostui knows" for key in doc if key not in known)
    return config


def _is_size(text: str) -> bool:
    from .sizes import parse_size

    try:
        parse_size(text)
    except ValueError:
        return False
    return True


def load_config(path: Path | None = None) -> Config:
    """The settings file's contents, or the defaults when there is no file."""
    path = path or config_path()
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        return Config(problems=[f"{path}: {exc.strerror or exc}"])
    if len(data) > MAX_CONFIG_BYTES:
        return Config(problems=[f"{path}: larger than {MAX_CONFIG_BYTES} bytes, not read"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Config(problems=[f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})"])
    return parse_config(text, str(path))
