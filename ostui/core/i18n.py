"""The words of the interface in the operator's language.

Messages are keyed by their English text (as gettext does): `_("Next error")` is the
English text itself, or its entry in `ostui/data/i18n/<lang>.toml`. A message with fields
is translated first, then formatted, so a translation may move the fields:
`_("{count} records", count=3)`.

The language is one per process (the interface has one): `set_language("zh")` at start-up
or when the operator switches. A message missing from a catalogue shows in English; the
test suite fails on any message used in the code that the Chinese catalogue lacks.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import resources

LANGS = ("en", "zh")


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


__all__ = ["LANGS", "_", "catalogue", "language", "n_", "pick_lang", "set_language"]

_current = "en"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """English text -> translation for `lang` (empty for English or an unknown language)."""
    if lang == "en" or lang not in LANGS:
        return {}
    data = resources.files("ostui.data").joinpath("i18n", f"{lang}.toml").read_bytes()
    messages = tomllib.loads(data.decode("utf-8")).get("messages", {})
    return {str(k): str(v) for k, v in messages.items()}


def set_language(lang: str) -> str:
    """Use `lang` ("en", "zh", or a locale name such as zh_CN.UTF-8) from now on; returns
    the language chosen."""
    global _current
    _current = pick_lang(lang)
    return _current


def language() -> str:
    return _current


def _(text: str, /, **fields: object) -> str:
    """`text` in the current language, with `fields` filled in."""
    translated = catalogue(_current).get(text, text)
    if not fields:
        return translated
    try:
        return translated.format(**fields)
    except (KeyError, IndexError, ValueError):  # a broken translation never hides the message
        return text.format(**fields)


def n_(count: int, one: str, many: str, /, **fields: object) -> str:
    """`one` or `many` by `count` (English has two forms; Chinese uses one for both),
    with `count` and `fields` filled in."""
    return _(one if count == 1 else many, count=count, **fields)
