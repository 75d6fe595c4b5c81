"""End to end: the installed `ostui` in a real tmux pane, driven by keys, read off the screen."""

from __future__ import annotations

import shutil

import pytest

from .conftest import SEED
from .tmux_driver import TmuxPane, ostui_command

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")


def test_seed_case_from_error_filter_to_traceback_and_500() -> None:
    pane = TmuxPane([*ostui_command(), str(SEED / "nova-api.log")])
    try:
        pane.wait_for(r"3 of 3 records")
        pane.keys("L", "L", "L")  # ERROR and above
        screen = pane.wait_for(r"1 of 3 records · ERROR\+")
        assert "Caught error: id" in screen
        pane.keys("Enter")  # open it in the detail pane
        screen = pane.wait_for(r"AttributeError: id")
        pane.keys("t")
        screen = pane.wait_for(r"apiclient/base.py:494 in __getattr__")
        pane.keys("s")
        screen = pane.wait_for(r"500 Internal Server Error")
        assert "req-e359221b" in screen
    finally:
        pane.close()


def test_demo_starts_and_quits() -> None:
    pane = TmuxPane([*ostui_command(), "--demo"], size="80x24")
    try:
        pane.wait_for(r"records")
        pane.keys("q")
        pane.wait_for(r"^\s*$|\$", timeout=5)
    finally:
        pane.close()


def test_live_tail_shows_the_error_as_it_is_written(tmp_path) -> None:
    log = tmp_path / "controller" / "var" / "log" / "nova" / "nova-api.log"
    log.parent.mkdir(parents=True)
    log.write_text("2016-06-10 21:49:29.000 7533 INFO nova.api.openstack [-] waiting for the user\n")
    pane = TmuxPane([*ostui_command(), "--root", str(tmp_path), "--follow"])
    try:
        pane.wait_for(r"1 of 1 records")
        pane.keys("m")  # reproduction starts now
        with log.open("ab") as out:
            out.write((SEED / "nova-api.log").read_bytes())
        screen = pane.wait_for(r"Caught error: id")
        pane.wait_for(r"press !")
        pane.keys("!")
        screen = pane.wait_for(r"500 Internal Server Error")
        assert "AttributeError: id" in screen and "glanceclient" in screen
    finally:
        pane.close()
