from __future__ import annotations

from pathlib import Path

import pytest

from ostui.core.i18n import set_language

DATA = Path(__file__).parent / "data"
REAL = DATA / "real"
SEED = DATA / "seed"
SEED_REQUEST = "req-e359221b-6be3-4ac2-bb55-5310f5bb0bb2"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs with its own empty home: the developer's ~/.config/ostui (an inventory
    of real nodes, fault packs), locale, report folder and terminal size never reach a test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("OSTUI_REPORT_DIR", str(home / "reports"))
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    # COLUMNS and LINES (pytest-xdist's workers have 80 and 24) would override the size
    # of every tmux pane a test opens: Textual reads them before the terminal's.
    for name in ("LANGUAGE", "LC_MESSAGES", "NO_COLOR", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    # The interface's language is the process's: a test that ran `ostui ... --lang zh` in
    # this worker before must not leave the next test's labels in Chinese.
    set_language("en")
    return home
