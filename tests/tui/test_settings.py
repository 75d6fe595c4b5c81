"""The settings file (~/.config/ostui/config.toml): keys remapped by binding id, the default
language, theme, tree width and detail place; a wrong file is said and never stops ostui."""

from __future__ import annotations

import os
from pathlib import Path

from textual.widgets._footer import FooterKey  # not exported by textual.widgets

from ostui.core.config import config_path, load_config, parse_config
from ostui.core.i18n import set_language
from ostui.tui.widgets.detail import DetailPane
from ostui.tui.widgets.source_tree import SourceTree

from ..waiting import eventually_async
from .helpers import app_for, settle, stream_of
from .test_interface import write_log


def test_settings_are_read_and_wrong_entries_said() -> None:
    config = parse_config(
        'theme = "light"\nlanguage = "zh_CN"\nbacklog = "8M"\ntree_width = 40\ndetail = "beside"\n'
        '[keymap]\n"app.next_error" = "."\n'
    )
    assert (config.theme, config.language, config.backlog, config.tree_width, config.detail) == (
        "light",
        "zh_CN",
        "8M",
        40,
        "beside",
    )
    assert config.keymap == {"app.next_error": "."} and not config.problems
    wrong = parse_config('theme = "pink"\ntree_width = -3\ncolour = 1\n[keymap]\n"app.quit" = 5\n')
    assert wrong.theme is None and wrong.tree_width is None and wrong.keymap == {}
    assert len(wrong.problems) == 4, wrong.problems
    assert parse_config("theme = ").problems  # not TOML at all


def test_the_file_is_optional_and_a_broken_one_is_said(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml").problems == []
    binary = tmp_path / "config.toml"
    binary.write_bytes(b"theme = \xff\n")
    assert "not UTF-8" in load_config(binary).problems[0]
    assert config_path() == Path(os.environ["XDG_CONFIG_HOME"]) / "ostui" / "config.toml"


def write_settings(text: str) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def test_settings_remap_keys_and_set_the_defaults(tmp_path: Path) -> None:
    write_settings(
        'theme = "light"\nlanguage = "zh"\ntree_width = 40\ndetail = "beside"\n'
        '[keymap]\n"app.next_error" = "."\n'
    )
    app = app_for(write_log(tmp_path / "nova-api.log"))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.theme == "textual-light" and app.lang == "zh"
            stream = stream_of(app)
            stream.move_to(0)
            await pilot.press("right_square_bracket")
            assert stream.cursor == 0, "] still works though the keymap moved it"
            await pilot.press("full_stop")
            assert stream.cursor == 2, ". did not go to the next error"
            assert app.query_one(SourceTree).outer_size.width == 40
            tree_x = app.query_one(DetailPane).region.x
            assert tree_x >= stream.region.right, "the detail is not beside the stream at 120 columns"
            footer = " ".join(str(key.description) for key in app.query(FooterKey))
            assert "退出" in footer and "Quit" not in footer, footer
            assert "停在末尾" in app.status_text
    finally:
        set_language("en")


async def test_a_wrong_settings_file_is_said_and_ostui_runs(tmp_path: Path) -> None:
    write_settings('theme = "pink"\n')
    app = app_for(write_log(tmp_path / "nova-api.log"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await eventually_async(
            lambda: any("theme = 'pink'" in n.message for n in app._notifications),
            5,
            "the wrong theme was not said",
        )
        assert stream_of(app).view is not None and len(stream_of(app).view or []) == 10


async def test_the_language_switches_while_running(tmp_path: Path) -> None:
    app = app_for(write_log(tmp_path / "nova-api.log"))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert "at the end" in app.status_text
            app.switch_language("zh")
            await pilot.pause()
            assert "停在末尾" in app.status_text and app.lang == "zh"
            footer = " ".join(str(key.description) for key in app.query(FooterKey))
            assert "退出" in footer, footer
            await pilot.press("A")  # no mark yet: the notice comes in Chinese
            await eventually_async(
                lambda: any("还没有标记" in n.message for n in app._notifications),
                5,
                "the notice is not in Chinese",
            )
            app.switch_language("en")
            await pilot.pause()
            assert "at the end" in app.status_text
    finally:
        set_language("en")
