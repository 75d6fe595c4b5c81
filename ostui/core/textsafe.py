"""The one gate between log-derived text and any output.

Anyone who can reach an API can put text into a log (a URL, a server name, an image
property, a file name), and ostui shows that text to root on a terminal. Before such
text reaches a terminal, a clipboard or a report, `visible()` makes every character
that could act on the terminal or hide itself into something that reads as what it is:

- C0 controls, ESC and DEL become their Unicode control pictures (`␛`, `␀`, `␡`), so an
  escape sequence reads as `␛]52;c;...` and does nothing;
- C1 controls (U+0080-U+009F, which some terminals obey like ESC sequences) become `\\x9b`;
- bidi overrides and isolates, zero-width and other invisible format characters become
  `<U+202E>`, so text cannot reorder or hide itself.

Tabs are kept (they only move the cursor right), newlines only where the caller asks.
Markup is a separate matter: callers build `rich.text.Text` / `Content` from the result
and never parse log text as markup.

JSON output keeps the exact text; `json_text()` escapes the same characters as `\\uXXXX`
so that printing the document to a terminal is as harmless.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

# Characters that are invisible or reorder text (Unicode "Cf" format characters that
# matter in practice, and the line/paragraph separators some terminals act on).
_INVISIBLE = (
    0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0,
    *range(0x200B, 0x2010),  # zero-width space/joiners, LRM, RLM
    *range(0x2028, 0x202F),  # line/paragraph separators, bidi embeddings and overrides
    *range(0x2060, 0x2070),  # word joiner, invisible operators, bidi isolates
    *range(0xFFF9, 0xFFFC),  # interlinear annotation
    0xE0001, *range(0xE0020, 0xE0080),  # tag characters
)  # fmt: skip


def _table(keep_newlines: bool) -> dict[int, str]:
    table: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20) if c != 0x09}
    table[0x7F] = "\u2421"  # ␡
    if keep_newlines:
        del table[0x0A]
    for c in range(0x80, 0xA0):
        table[c] = f"\\x{c:02x}"
    for c in _INVISIBLE:
        table[c] = f"<U+{c:04X}>"
    return table


_ONE_LINE = _table(keep_newlines=False)
_LINES = _table(keep_newlines=True)


def _char_class(codes: Iterable[int]) -> str:
    """A regex class of `codes`, consecutive ones as ranges: `re` tests a character against
    a list of 200 single ones about fifty times slower than against a few ranges."""
    runs: list[list[int]] = []
    for c in sorted(codes):
        if runs and c == runs[-1][1] + 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return (
        "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in runs) + "]"
    )


_NEEDS_GATE = re.compile(_char_class(c for c in _ONE_LINE if c != 0x0A))
_NEEDS_GATE_NL = re.compile(_char_class(_ONE_LINE))


def visible(text: str, keep_newlines: bool = False) -> str:
    """`text` with every terminal-active or invisible character shown as a visible escape."""
    if keep_newlines:
        return text.translate(_LINES) if _NEEDS_GATE.search(text) else text
    return text.translate(_ONE_LINE) if _NEEDS_GATE_NL.search(text) else text


def is_visible(text: str, keep_newlines: bool = False) -> bool:
    """True when `text` needs no gate: what tests and assertions check."""
    return not (_NEEDS_GATE if keep_newlines else _NEEDS_GATE_NL).search(text)


def _json_escape_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for c in (0x7F, *range(0x80, 0xA0), *_INVISIBLE):
        if c < 0x10000:
            table[c] = f"\\u{c:04x}"
        else:  # JSON spells astral code points as a surrogate pair
            v = c - 0x10000
            table[c] = f"\\u{0xD800 + (v >> 10):04x}\\u{0xDC00 + (v & 0x3FF):04x}"
    return table


_JSON_TABLE = _json_escape_table()


def json_text(obj: Any, indent: int | None = 2) -> str:
    """`obj` as JSON that decodes to the exact text, with no character that acts on a
    terminal or hides itself left raw (json escapes C0 already; this adds DEL, C1 and
    the invisible characters). Non-ASCII text such as Chinese stays readable."""
    return json.dumps(obj, indent=indent, ensure_ascii=False).translate(_JSON_TABLE)
