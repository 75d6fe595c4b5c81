"""Snapshot tests of the main views (pytest-textual-snapshot); the same scenes make the README's pictures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import pytest
from textual.app import App
from textual.pilot import Pilot

from ostui.tui.scenes import SCENES, Scene


class SnapCompare(Protocol):
    """The `snap_compare` fixture's function, as used here (the plugin annotates the fixture as
    returning `Callable[[str | PurePath], bool]`, which leaves out these keyword arguments)."""

    def __call__(
        self,
        app: App[Any],
        *,
        terminal_size: tuple[int, int] = ...,
        run_before: Callable[[Pilot[Any]], Awaitable[None] | None] | None = ...,
    ) -> bool: ...


@pytest.mark.parametrize("name", sorted(n for n, s in SCENES.items() if s.snapshot))
def test_main_views(snap_compare: SnapCompare, name: str) -> None:
    scene: Scene = SCENES[name]
    assert snap_compare(scene.app(), run_before=scene.play, terminal_size=scene.size)
