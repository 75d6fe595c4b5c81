"""The command line over the settings file over the defaults: theme, language and backlog."""

from __future__ import annotations

import pytest

from ostui.cli import build_parser
from ostui.core.config import parse_config
from ostui.core.sizes import parse_size
from ostui.session import Options

SETTINGS = parse_config('theme = "light"\nlanguage = "zh"\nbacklog = "8M"\n')


def options(*argv: str, settings: str | None = None) -> Options:
    args = build_parser(None).parse_intermixed_args(list(argv))
    config = parse_config(settings) if settings is not None else SETTINGS
    return Options.from_arguments(args, browser=True, config=config)


def test_the_settings_fill_what_the_command_line_leaves_unsaid() -> None:
    got = options("/var/log")
    assert (got.theme, got.lang, got.backlog) == ("light", "zh", "8M")


def test_the_command_line_wins_over_the_settings() -> None:
    got = options("--theme", "dark", "--lang", "en", "--backlog", "1M", "/var/log")
    assert (got.theme, got.lang, got.backlog) == ("dark", "en", "1M")


def test_without_settings_the_defaults_hold() -> None:
    got = options("/var/log", settings="")
    assert (got.theme, got.lang, got.backlog) == (None, None, "2M")  # None: dark, the locale's language


def test_a_backlog_that_is_no_size_is_said_and_left_out() -> None:
    config = parse_config('backlog = "lots"\n')
    assert config.backlog is None and "backlog" in config.problems[0]
    assert options("/var/log", settings='backlog = "lots"\n').backlog == "2M"


def test_a_size_too_big_to_be_one_is_said_not_raised() -> None:
    assert parse_size("2M") == 2 << 20 and parse_size(512) == 512 and parse_size("1.5k") == 1536
    for bad in ("1e999G", "inf", "nan", "-1M", "0", "", "lots"):
        with pytest.raises(ValueError):
            parse_size(bad)
    assert parse_config('backlog = "1e999G"\n').problems  # said; it used to raise OverflowError
