"""HTTP status explanations (English and Simplified Chinese)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ...i18n import _norm_lang

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
