"""The interface's words: every English message the code uses has a Chinese entry, and the
language is chosen by --lang, the settings file, then the locale."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ostui.core import i18n
from ostui.core.i18n import _, catalogue, set_language

PACKAGE = Path(i18n.__file__).resolve().parents[1]


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def used_messages(root: Path = PACKAGE) -> dict[str, str]:
    """message -> where it is used: the first argument of every `_()` and `verb()` call, and the
    description of every key binding of the interface (the footer and help translate them)."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            text = None
            if node.func.id in ("_", "verb") and node.args:  # verb(): a palette verb, translated
                text = _literal(node.args[0])
            elif node.func.id == "n_" and len(node.args) >= 3:  # n_(count, one, many)
                one = _literal(node.args[1])
                if one:
                    found.setdefault(one, f"{path.relative_to(root.parent)}:{node.lineno}")
                text = _literal(node.args[2])
            elif node.func.id == "Binding" and "tui" in path.parts:
                described: list[ast.expr | None] = [k.value for k in node.keywords if k.arg == "description"]
                text = _literal(node.args[2] if len(node.args) > 2 else (described or [None])[0])
            if text:
                found.setdefault(text, f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def test_every_message_used_has_a_chinese_entry() -> None:
    used = used_messages()
    assert len(used) > 100, "the collector found too few messages: is it still looking?"
    zh = catalogue("zh")
    missing = [f"{where}: {text!r}" for text, where in used.items() if not zh.get(text, "").strip()]
    assert not missing, "not in ostui/data/i18n/zh.toml:\n" + "\n".join(missing)


def test_chinese_entries_keep_the_fields_of_their_message() -> None:
    """A translation that drops or renames a {field} would show the English text instead."""
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    wrong = [k for k, v in catalogue("zh").items() if fields(k) != fields(v)]
    assert not wrong, wrong


def test_the_language_is_chosen_once_for_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        assert set_language("zh_CN.UTF-8") == "zh"
        assert _("Next error") == catalogue("zh")["Next error"] != "Next error"
        assert _("Problems: {count}  ·  esc closes", count=3).startswith(
            catalogue("zh")["Problems: {count}  ·  esc closes"].split("{")[0]
        )
        monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
        assert set_language("") == "zh"  # nothing chosen: the locale decides
        assert set_language("en") == "en"
        assert _("Next error") == "Next error"
    finally:
        set_language("en")
