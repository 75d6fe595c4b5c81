"""Drawn lines leave no reference cycles (`ostui.tui.strip_cycles`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from rich.segment import Segment
from textual.strip import Strip

from ostui.tui import strip_cycles
from ostui.tui.app import OstuiApp

from .helpers import app_for


@pytest.fixture
def no_automatic_collection() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_strip_divided_whole_is_freed_without_the_collector(no_automatic_collection: None) -> None:
    strip_cycles.install()
    for n in range(100):
        strip = Strip([Segment(f"line {n} "), Segment("of the log")])
        assert strip.divide([strip.cell_length]) == [strip]
        assert strip.divide([strip.cell_length, strip.cell_length + 5]) == [strip]
        del strip
    assert gc.collect() == 0


def test_a_strip_divided_in_parts_is_divided_as_before() -> None:
    strip_cycles.install()
    strip = Strip([Segment("0123456789")])
    assert [part.text for part in strip.divide([4, 10])] == ["0123", "456789"]
    assert [part.text for part in strip.divide([3, 6, 20])] == ["012", "345"]


def test_the_app_installs_it() -> None:
    app = app_for()
    assert isinstance(app, OstuiApp)
    assert Strip.divide is strip_cycles._divide_without_cycle
