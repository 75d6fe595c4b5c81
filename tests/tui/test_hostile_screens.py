"""The browser on the hostile corpus: what the terminal would receive is checked after
every step (the stream, the tree's names, the detail's summary, story and traceback,
the faults screen, notifications and the status bar), and markup typed by the user or
found in a log never crashes the app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from ..terminal_safety import assert_terminal_safe, hostile_tree
from .helpers import app_for, settle, stream_of


def terminal_output(app: App[object]) -> str:
    """Exactly what the app would write to the terminal to draw the current screen."""
    update = app.screen._compositor.render_full_update()
    return update.render_segments(app.console)


async def check(pilot: Pilot[Any], where: str) -> str:
    await settle(pilot)
    out = terminal_output(pilot.app)
    assert_terminal_safe(out, where)
    return out


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return hostile_tree(tmp_path)


async def test_every_pane_is_terminal_safe(tree: Path) -> None:
    app = app_for(root=tree)
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        out = await check(pilot, "first screen")
        assert "␛]52;c;" in out or "␛]" in out  # the attacks are there, as text
        stream = stream_of(app)
        assert stream.view is not None and len(stream.view) > 0
        await pilot.press("g", "right_square_bracket")  # the first ERROR: the 500 with its traceback
        await pilot.press("enter")  # open it in the detail pane
        await check(pilot, "detail: story")
        for tab in ("traceback", "record", "story"):
            app.query_one("#detail-tabs").active = tab  # type: ignore[attr-defined]
            await check(pilot, f"detail: {tab}")
        await pilot.press("space")  # fold the traceback open in the stream
        await check(pilot, "stream with the traceback folded open")
        await pilot.press("f")  # known faults screen
        await check(pilot, "faults screen")
        await pilot.press("escape", "question_mark")
        await check(pilot, "help")
        await pilot.press("escape")


async def test_markup_typed_or_logged_never_crashes(tree: Path) -> None:
    app = app_for(root=tree, grep="nova[/_-]api")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await check(pilot, "--grep with brackets")
        assert app.is_running
        await pilot.press("colon")
        for key in "[/]":
            await pilot.press(key)
        await pilot.press("enter")  # "not a time: '[/]'" as a notification
        await check(pilot, "jump to time '[/]'")
        await pilot.press("ampersand")
        for key in "[link=x]a[/link]":
            await pilot.press(key)
        await pilot.press("enter")
        await check(pilot, "grep with [link=…]")
        assert app.is_running
        app.notify("\x1b]52;c;cm0K\x07 [bold]not markup[/] \x9d0;T\x9c")
        out = await check(pilot, "a notification carrying an attack")
        shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)
        assert "[bold]not" in shown and "␛]52;c;cm0K␇" in shown
