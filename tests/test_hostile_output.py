"""Hostile log text through every headless output: nothing reaches the terminal raw,
nothing is parsed as markup, nothing crashes, and the text stays readable."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ostui.core.textsafe import is_visible, json_text, visible

from .data.hostile import make_corpus
from .terminal_safety import ATTACKS, assert_terminal_safe, hostile_tree

REQUEST = make_corpus.REQUEST


def test_corpus_matches_its_script(tmp_path: Path) -> None:
    fresh = make_corpus.write(tmp_path)
    for path in fresh:
        rel = path.relative_to(tmp_path)
        assert (make_corpus.HERE / rel).read_bytes() == path.read_bytes(), f"{rel}: rerun make_corpus.py"


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_gate_makes_every_attack_visible(name: str) -> None:
    attack = ATTACKS[name]
    shown = visible(f"before{attack}after")
    assert is_visible(shown) and not any(c == "\x1b" or "\x80" <= c <= "\x9f" for c in shown)
    assert shown.startswith("before") and shown.endswith("after")
    # Readable: the printable part of the attack is still there to see.
    for run in re.findall(r"[ -~]+", attack):
        assert run in shown, (run, shown)


def test_the_gate_finds_every_character_it_replaces_and_no_other() -> None:
    """The quick search that decides whether a text needs the gate, checked against the
    replacement table itself over every code point (the search is built from ranges)."""
    from ostui.core.textsafe import _LINES, _ONE_LINE

    for table, keep in ((_ONE_LINE, False), (_LINES, True)):
        caught = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000 and not is_visible(chr(c), keep)]
        assert caught == sorted(table), keep
        assert all(visible(f"a{chr(c)}b", keep) != f"a{chr(c)}b" for c in table)


def test_gate_keeps_ordinary_text_and_newlines_only_when_asked() -> None:
    text = "2016-06-10 INFO nova 中文 [req-1] tab\there"
    assert visible(text) == text
    assert visible("a\nb") == "a␊b" and visible("a\nb", keep_newlines=True) == "a\nb"
    assert visible("a\r\n") == "a␍␊"


def test_json_text_is_exact_and_inert() -> None:
    value = {"m": "x" + "".join(ATTACKS.values()) + "中", "\x9b": "\U000e0041"}
    out = json_text(value)
    assert json.loads(out) == value
    assert is_visible(out, keep_newlines=True) and "\x1b" not in out and "中" in out


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    # FORCE_COLOR: Rich then writes its own colours as on a terminal, so the check below
    # tells the program's sequences from the log's.
    env = dict(os.environ, FORCE_COLOR="1", COLUMNS="200", TTY_COMPATIBLE="1")
    return subprocess.run(
        [sys.executable, "-m", "ostui", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        env=env,
        timeout=60,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_tree(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize(
    "command",
    [
        ["scan"],
        ["scan", "--json"],
        ["request", REQUEST],
        ["request", "--json", REQUEST],
        ["faults"],
        ["faults", "--json"],
    ],
    ids=" ".join,
)
def test_headless_output_is_terminal_safe(tree: Path, command: list[str]) -> None:
    done = _run(*command, "--root", str(tree))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback (most recent call last)" not in done.stderr, done.stderr[-2000:]
    assert_terminal_safe(done.stdout, " ".join(command))
    assert_terminal_safe(done.stderr, " ".join(command) + " (stderr)")
    if "--json" in command:
        json.loads(done.stdout)


def test_scan_names_hostile_files_readably(tree: Path) -> None:
    doc = json.loads(_run("scan", "--json", "--root", str(tree)).stdout)
    names = {Path(f["path"]).name for f in doc["files"]}
    assert "\x1b]0;OSTUI-PWNED-TITLE\x07.log" in names  # exact in JSON
    plain = _run("scan", "--root", str(tree)).stdout
    assert "␛]0;OSTUI-PWNED-TITLE␇.log" in plain and "bold]x.log" in plain  # shown, not obeyed


def test_request_shows_the_attacks_as_text(tree: Path) -> None:
    plain = _run("request", REQUEST, "--root", str(tree)).stdout
    assert "␛]52;c;cm0gLXJmIH4K␇" in plain  # the message, readable
    assert "[link=http://evil.example]click[/link]" in plain  # markup shown as typed
    exact = json.loads(_run("request", "--json", REQUEST, "--root", str(tree)).stdout)
    messages = [r["message"] for r in exact["records"]]
    assert any("\x1b]52;c;cm0gLXJmIH4K\x07" in m for m in messages)  # JSON keeps the exact text
